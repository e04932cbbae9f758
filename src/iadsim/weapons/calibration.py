"""Calibrate missile aero/propulsion to published maximum range and altitude; load the result.

What is free and what is fixed
------------------------------
Fixed (``fixed:`` in ``iadsim/data/missile_aero.yaml``, each with ``assumed`` + reasoning or
sources): launch mass, diameter, specific impulse, boost/sustain times and split, the Mach drag
table, lateral-g limit, seeker range, minimum useful speed. Free, found per missile:

1. ``propellant_fraction`` (propellant mass / launch mass; sets the ideal Δv through the rocket
   equation) by a 1-D root find (Brent) so that the **maximum range** equals the published
   ``max_range_km``.
2. ``cn_max`` (maximum normal-force coefficient) so that the **manoeuvre ceiling** equals the
   published ``max_altitude_km``. The ceiling does not depend on ``cn_max`` through the
   trajectory (unguided point mass: no lateral acceleration, hence no induced drag — that
   only acts in guided flight, see :mod:`iadsim.weapons.flyout`), so the root of
   ``ceiling(cn_max) = h_pub`` is found in closed form from the dynamic pressure on the
   trajectories (:func:`manoeuvre_ceiling_m` checks it by evaluation).

Definitions (flat-Earth ENU, see :mod:`iadsim.weapons.flyout`)
----------------------------------------------------------------
* **Maximum range**: over launch elevations :data:`RANGE_ELEVATIONS_DEG`, the largest ground
  range at the end of useful flight of an unguided shot (thrust along the velocity, drag,
  gravity); useful flight ends when the missile descends through :data:`END_ALT_M` or, after
  burnout, its speed falls below ``min_speed_m_s``.
* **Manoeuvre ceiling**: over elevations :data:`CEILING_ELEVATIONS_DEG`, the highest altitude on
  the ascending leg at which the missile still has speed ≥ ``min_speed_m_s`` and can pull
  :data:`CEILING_LOAD_G` g laterally, i.e. q · S · cn_max / m ≥ CEILING_LOAD_G · g0.

Layering: this module reads only its own YAML; the published figures it is calibrated to are
copied into ``calibrated_to:`` and a test checks them against the equipment library, so the data
and the library cannot drift apart. Re-calibrate with ``python -m iadsim.weapons.calibration``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.optimize import brentq

from iadsim.errors import InputError
from iadsim.weapons.flyout import (
    G0_M_S2,
    MissileAero,
    density_kg_m3,
    fly_unguided,
    fly_unguided_max_range,
)

__all__ = [
    "CEILING_ELEVATIONS_DEG",
    "CEILING_LOAD_G",
    "END_ALT_M",
    "RANGE_ELEVATIONS_DEG",
    "CalibrationResult",
    "aero_ids",
    "calibrate",
    "load_aero",
    "manoeuvre_ceiling_m",
    "max_range_m",
]

#: Launch elevations searched for the maximum range, degrees.
RANGE_ELEVATIONS_DEG = tuple(float(x) for x in np.arange(10.0, 72.5, 2.5))
#: Launch elevations searched for the manoeuvre ceiling, degrees.
CEILING_ELEVATIONS_DEG = (45.0, 55.0, 65.0, 75.0, 85.0)
#: Altitude at which a descending unguided shot ends (ground), m.
END_ALT_M = 0.0
#: Lateral load the missile must still pull at its ceiling, g (assumed: enough to out-turn a
#: high-altitude aircraft pulling ~1-2 g with PN N'=4, n_c ≈ N/(N-2) n_T).
CEILING_LOAD_G = 4.0
#: Integration step used for calibration and for the data-vs-code test, s.
CALIBRATION_DT_S = 0.1

_DATA = "missile_aero.yaml"


def _data_path() -> Path:
    return Path(str(resources.files("iadsim") / "data" / _DATA))


@functools.lru_cache(maxsize=1)
def _load_doc() -> dict[str, Any]:
    with open(_data_path(), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def aero_ids() -> list[str]:
    """Missile ids with stored aero data."""
    return list(_load_doc()["missiles"])


def _value(block: dict[str, Any], key: str) -> float:
    entry = block[key]
    return float(entry["value"] if isinstance(entry, dict) else entry)


def _build(doc: dict[str, Any], missile_id: str, propellant_fraction: float,
           cn_max: float) -> MissileAero:
    entry = doc["missiles"][missile_id]
    fx = entry["fixed"]
    table = doc["cd_table"]
    m0 = _value(fx, "launch_mass_kg")
    return MissileAero(
        name=missile_id,
        launch_mass_kg=m0,
        propellant_mass_kg=m0 * propellant_fraction,
        diameter_m=_value(fx, "diameter_m"),
        isp_s=_value(fx, "isp_s"),
        boost_time_s=_value(fx, "boost_time_s"),
        sustain_time_s=_value(fx, "sustain_time_s"),
        boost_propellant_fraction=_value(fx, "boost_propellant_fraction_ratio"),
        cd_mach=tuple(float(x) for x in table["mach"]),
        cd0=tuple(float(x) for x in table["cd0"]),
        cn_max=cn_max,
        max_lateral_g=_value(fx, "max_lateral_g_ratio"),
        seeker_range_m=_value(fx, "seeker_range_km") * 1000.0,
        min_speed_m_s=_value(fx, "min_speed_m_s"),
        launch_speed_m_s=_value(fx, "launch_speed_m_s"),
        guidance_delay_s=_value(fx, "guidance_delay_s"),
        kill_radius_m=_value(fx, "kill_radius_m"),
        nav_gain=_value(fx, "nav_gain_ratio"),
    )


def load_aero(missile_id: str) -> MissileAero:
    """Calibrated :class:`MissileAero` of a missile stored in ``iadsim/data/missile_aero.yaml``.

    Examples
    --------
    >>> load_aero("48N6E3").name
    '48N6E3'
    """
    doc = _load_doc()
    if missile_id not in doc["missiles"]:
        raise InputError(
            f"no calibrated aero data for missile {missile_id!r}; have {', '.join(doc['missiles'])}")
    cal = doc["missiles"][missile_id].get("calibrated")
    if not cal:
        raise InputError(f"{missile_id}: aero data not calibrated yet "
                             "(run python -m iadsim.weapons.calibration)")
    return _build(doc, missile_id, float(cal["propellant_fraction_ratio"]),
                  float(cal["cn_max_ratio"]))


# ------------------------------------------------------------------------------ definitions
def max_range_m(aero: MissileAero, dt: float = CALIBRATION_DT_S) -> tuple[float, float]:
    """``(max ground range m, best elevation rad)`` by the definition in the module docstring."""
    el = np.radians(RANGE_ELEVATIONS_DEG)
    r = fly_unguided_max_range(aero, el, end_alt_m=END_ALT_M, dt=dt)
    i = int(np.argmax(r))
    return float(r[i]), float(el[i])


def _ceiling_profiles(aero: MissileAero, dt: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per elevation, ascending-leg ``(altitude m, q·S/m per unit cn_max (m/s²))`` samples
    where speed ≥ min_speed."""
    res = fly_unguided(aero, np.radians(CEILING_ELEVATIONS_DEG), dt=dt, t_max=600.0)
    t = res.time_s
    m = aero.mass_kg(t - t[0])
    out = []
    for j in range(res.pos_enu_m.shape[1]):
        z = res.pos_enu_m[:, j, 2]
        v = res.vel_enu_m_s[:, j]
        speed = np.linalg.norm(v, axis=1)
        ok = (v[:, 2] > 0) & (speed >= aero.min_speed_m_s)
        ok &= np.concatenate([[True], np.diff(z) > 0])
        cap = 0.5 * density_kg_m3(z) * speed**2 * aero.ref_area_m2 / m
        out.append((z[ok], cap[ok]))
    return out


def manoeuvre_ceiling_m(aero: MissileAero, dt: float = CALIBRATION_DT_S) -> float:
    """Highest ascending-leg altitude with speed ≥ min speed and q S cn_max/m ≥ CEILING_LOAD_G g0."""
    need = CEILING_LOAD_G * G0_M_S2
    best = 0.0
    for z, cap in _ceiling_profiles(aero, dt):
        good = aero.cn_max * cap >= need
        if good.any():
            best = max(best, float(z[good].max()))
    return best


def _cn_for_ceiling(aero: MissileAero, ceiling_m: float, dt: float) -> float:
    need = CEILING_LOAD_G * G0_M_S2
    best = np.inf
    for z, cap in _ceiling_profiles(aero, dt):
        if z.size < 2 or z.max() < ceiling_m:
            continue
        # past burnout the ascending leg is monotonic in altitude; take the last crossing
        i = int(np.nonzero(z <= ceiling_m)[0].max())
        i = min(i, z.size - 2)
        w = (ceiling_m - z[i]) / max(z[i + 1] - z[i], 1e-9)
        cap_h = cap[i] + w * (cap[i + 1] - cap[i])
        best = min(best, need / cap_h)
    if not np.isfinite(best):
        raise InputError(f"{aero.name}: no trajectory reaches {ceiling_m / 1000:.1f} km "
                             f"with speed >= {aero.min_speed_m_s} m/s")
    # nudge up by 0.1 % so that the sampled ceiling lands at or just above the target
    return float(best * 1.001)


@dataclass(frozen=True)
class CalibrationResult:
    missile_id: str
    propellant_fraction: float
    cn_max: float
    max_range_m: float
    best_elevation_rad: float
    ceiling_m: float
    published_max_range_m: float
    published_max_altitude_m: float


def calibrate(missile_id: str, doc: dict[str, Any] | None = None,
              dt: float = CALIBRATION_DT_S) -> CalibrationResult:
    """Calibrate one missile of the YAML document (default: the packaged data)."""
    doc = _load_doc() if doc is None else doc
    to = doc["missiles"][missile_id]["calibrated_to"]
    r_pub = float(to["max_range_km"]) * 1000.0
    h_pub = float(to["max_altitude_km"]) * 1000.0

    def miss_range(pf: float) -> float:
        return max_range_m(_build(doc, missile_id, pf, 1.0), dt)[0] - r_pub

    pf = float(brentq(miss_range, 0.25, 0.92, xtol=1e-4, rtol=1e-4))
    aero = _build(doc, missile_id, pf, 1.0)
    cn = _cn_for_ceiling(aero, h_pub, dt)
    aero = aero.replace(cn_max=cn)
    r, el = max_range_m(aero, dt)
    return CalibrationResult(missile_id, pf, cn, r, el, manoeuvre_ceiling_m(aero, dt), r_pub,
                             h_pub)


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _write(doc: dict[str, Any], path: Path) -> None:
    header = (
        "# Calibrated 3-DOF aero/propulsion parameters per missile (iadsim.weapons.calibration).\n"
        "# GENERATED by `python -m iadsim.weapons.calibration` from the fixed blocks below: edit\n"
        "# fixed:, cd_table: or calibrated_to: and re-run; do not edit calibrated:/simulated: by hand.\n"
        "# Keys end with their unit suffix (iadsim.units); *_ratio is dimensionless.\n"
    )
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(header)
        yaml.dump(doc, fh, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=100)


def main(ids: list[str] | None = None) -> None:
    """Re-calibrate (all or ``ids``) and rewrite ``missile_aero.yaml``."""
    path = _data_path()
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    for mid in ids or list(doc["missiles"]):
        res = calibrate(mid, doc)
        entry = doc["missiles"][mid]
        entry["calibrated"] = {
            "propellant_fraction_ratio": round(res.propellant_fraction, 5),
            "cn_max_ratio": round(res.cn_max, 5),
        }
        entry["simulated"] = {
            "max_range_km": round(res.max_range_m / 1000.0, 2),
            "best_elevation_deg": round(float(np.degrees(res.best_elevation_rad)), 1),
            "max_altitude_km": round(res.ceiling_m / 1000.0, 2),
            "dt_s": CALIBRATION_DT_S,
        }
        print(f"{mid}: propellant fraction {res.propellant_fraction:.4f}, cn_max {res.cn_max:.3f}, "
              f"range {res.max_range_m / 1e3:.1f} km (published {res.published_max_range_m / 1e3:.0f}),"
              f" ceiling {res.ceiling_m / 1e3:.2f} km (published "
              f"{res.published_max_altitude_m / 1e3:.0f})", flush=True)
    _write(doc, path)
    _load_doc.cache_clear()


if __name__ == "__main__":  # pragma: no cover
    import sys

    main(sys.argv[1:] or None)
