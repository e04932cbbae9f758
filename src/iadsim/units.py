"""SI constants and unit conversions used at the edges of iadsim.

Everything inside iadsim is SI (m, s, rad, W, m^2, Hz). Degrees, km, dB, feet,
knots and nautical miles appear only in field names at the edges
(``range_km``, ``rcs_dbsm``) and are converted here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

#: Speed of light in vacuum, m/s (CODATA exact).
C_M_S = 299_792_458.0
#: Boltzmann constant, J/K (CODATA 2018 exact).
K_BOLTZMANN = 1.380649e-23
#: IEEE standard noise temperature T0, K.
T0_K = 290.0
#: WGS84 semi-major axis, m.
WGS84_A_M = 6_378_137.0
#: Mean Earth radius used with the effective-Earth refraction model, m (IUGG R1).
EARTH_RADIUS_M = 6_371_008.8
#: Speed of sound in the ISA at sea level, m/s (used to convert Mach figures).
SPEED_OF_SOUND_SL_M_S = 340.294

FT_M = 0.3048
NMI_M = 1852.0
MI_M = 1609.344
KT_M_S = NMI_M / 3600.0
KMH_M_S = 1000.0 / 3600.0
MPH_M_S = MI_M / 3600.0


def db_to_linear(x_db: ArrayLike) -> np.ndarray:
    """Power ratio from decibels: ``10 ** (x_db / 10)``."""
    return np.power(10.0, np.asarray(x_db, dtype=float) / 10.0)


def linear_to_db(x: ArrayLike) -> np.ndarray:
    """Decibels from a power ratio: ``10 log10(x)``; ``-inf`` for 0."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(np.asarray(x, dtype=float))


#: Factor to SI for each unit suffix that may end a field name at the edges.
#: ``dbsm`` and ``db`` are logarithmic and handled by :func:`suffix_to_si`.
SUFFIX_TO_SI: dict[str, float] = {
    "m": 1.0,
    "km": 1000.0,
    "ft": FT_M,
    "nmi": NMI_M,
    "mi": MI_M,
    "s": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "m_s": 1.0,
    "km_h": KMH_M_S,
    "kt": KT_M_S,
    "mph": MPH_M_S,
    "mach": SPEED_OF_SOUND_SL_M_S,
    "deg": np.pi / 180.0,
    "rad": 1.0,
    "hz": 1.0,
    "ghz": 1e9,
    "mhz": 1e6,
    "w": 1.0,
    "kw": 1e3,
    "kg": 1.0,
    "m2": 1.0,
    "count": 1.0,
    "rpm": 1.0 / 60.0,
    "ratio": 1.0,
}


def split_suffix(name: str) -> tuple[str, str]:
    """Split ``'max_range_km'`` into ``('max_range', 'km')`` using the known suffixes.

    The longest matching suffix wins (``m_s`` before ``s``). Raises ``KeyError``
    if the name has no known unit suffix.
    """
    candidates = [s for s in (*SUFFIX_TO_SI, "dbsm", "db") if name.endswith("_" + s)]
    if not candidates:
        raise KeyError(f"field name {name!r} does not end with a known unit suffix")
    suffix = max(candidates, key=len)
    return name[: -len(suffix) - 1], suffix


def suffix_to_si(value: ArrayLike, suffix: str) -> np.ndarray:
    """Convert ``value`` given in the unit named by ``suffix`` to SI.

    ``dbsm`` -> m^2, ``db`` -> linear power ratio; all others are multiplied by
    :data:`SUFFIX_TO_SI`. Mach is converted with the sea-level ISA speed of sound.
    """
    if suffix in ("dbsm", "db"):
        return db_to_linear(value)
    return np.asarray(value, dtype=float) * SUFFIX_TO_SI[suffix]
