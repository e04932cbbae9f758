"""Calibrate missile aero/propulsion to published maximum range and altitude; load the result.

What is free and what is fixed
------------------------------
Fixed (``fixed:`` in ``iadsim/data/missile_aero.yaml``, each with ``assumed`` + reasoning or
sources): launch mass, diameter, specific impulse, boost/sustain times and split, the Mach drag
table, lateral-g limit, seeker range, minimum useful speed (and the guidance error, which the
calibration flights do not use: see :attr:`iadsim.weapons.flyout.MissileAero.guidance_error_m`).
Free, found per missile:

1. ``propellant_fraction`` (propellant mass / launch mass; sets the ideal Δv through the rocket
   equation) so that the **maximum range** equals the published ``max_range_km``. The reach
   first grows with the propellant fraction, then falls again (with more propellant the
   ceiling needs a smaller ``cn_max``: less lateral capability, more induced drag per g), so
   the fraction is scanned upwards in steps of ``_PF_SCAN_STEP`` for the first crossing of the
   published range, and the root is then found by Brent's method within that step.
2. ``cn_max`` (maximum normal-force coefficient) so that the **manoeuvre ceiling** equals the
   published ``max_altitude_km``, recomputed for each trial propellant fraction (nested in
   1., because guided flight depends on ``cn_max`` through the lateral-acceleration limit and
   induced drag).
   The ceiling does not depend on ``cn_max`` through the trajectory (unguided point mass: no
   lateral acceleration, hence no induced drag), so the root of ``ceiling(cn_max) = h_pub`` is
   found in closed form from the dynamic pressure on the trajectories
   (:func:`manoeuvre_ceiling_m` checks it by evaluation).

Definitions (spherical Earth, see :mod:`iadsim.weapons.flyout`)
-----------------------------------------------------------------
* **Maximum range** (the calibration target for ``max_range_km``): the largest great-circle
  ground range of a **fuzed guided intercept** of a **stationary** target, over the loft angles
  :data:`LOFTS_DEG` of the command-guidance aim point and the target altitudes
  :data:`RANGE_ALTITUDE_FRACTIONS` × the manoeuvre ceiling (the best altitude and loft count,
  since the published figure is the best case), flown at ``dt`` = :data:`CALIBRATION_DT_S` and
  launched at once from the origin. The flights are flown exactly as the engine and the
  kinematic envelope fly them (:func:`iadsim.weapons.flyout.fly`: command guidance by PN
  towards the lofted aim point, terminal PN from ``seeker_range_m``, lateral-acceleration
  limits, induced drag). A shot counts when the fuze fires (closest approach within
  ``kill_radius_m``) before the flight ends: on hitting the ground, at
  :data:`GUIDED_T_MAX_S`, or — the end criterion that binds at long range — when after burnout
  the speed falls below ``min_speed_m_s`` (no useful energy left to catch or out-turn an
  aircraft).

  *Why this definition*: the published maximum range of a SAM is the far edge of its
  engagement zone — the farthest *intercept point*, not the farthest launch range (a target
  approaching at 300 m/s flies another ~80 km towards the launcher during a 250 km flight) and
  not the range of a ballistic shot. A stationary target is the reference because the far edge
  is where the missile can still arrive: its flight to an intercept point does not depend on
  where a non-manoeuvring target came from, and the target's speed would only add the
  closing-geometry effect of the last seconds. Per target altitude a range is acceptable
  when any loft of :data:`LOFTS_DEG` intercepts there, as in the kinematic envelope
  (:mod:`iadsim.analysis.kinematic_envelope`) and the fire control, so the three agree. Against
  low targets only a narrow band of lofts intercepts at long range (the 40N6E at 100 m: 2-4°
  wide, between 54° and 65°, the missile lobbing out of the atmosphere onto the target); with
  the five lofts 0-60° in 15° steps used before, its acceptable ranges had holes up to ~160 km
  long (at 100 m and 3 km, between ~60 and ~320 km), and the farthest intercept lay beyond
  them. With :data:`LOFTS_DEG` (chosen on 1° loft scans of the 40N6E, 48N6E3 and 9M96E2) every
  calibrated missile's acceptable ranges are contiguous from the near to the far edge (checked
  at 100 m, 1 km and the altitudes below, in 2 % steps of the published range); finer lofts also
  reach further (the 48N6E3 ~3 % and the 9M96E2 ~10 % at the former calibration), so the
  calibration depends on the set. The farthest acceptable range is found by an outward grid
  scan and bisection to :data:`RANGE_RESOLUTION_M` (:func:`guided_reach`; this assumes no
  island of acceptability narrower than a grid step, and none beyond a whole failing block).
  The target altitudes stop at 0.1 × the ceiling: lower down the 5V55R reaches a little
  further (~76.2 km at 100 m against 75 km at 2.7 km), within the 5 % the calibration is
  held to. An earlier definition — the ground range of an unguided shot at the end of useful
  flight — let guided, lofted flights (which glide on gravity-compensating lift) miss the
  published figures by −9 % to +44 % (48N6E3 275 vs 250 km, 9M96E2 173 vs 120 km, 40N6E 366
  vs 400 km).
* **Manoeuvre ceiling**: over unguided shots (thrust along the velocity, drag, gravity) at
  elevations :data:`CEILING_ELEVATIONS_DEG`, the highest altitude (above the sphere) on the
  ascending leg at which the missile still has speed ≥ ``min_speed_m_s`` and can pull
  :func:`ceiling_load_g` g laterally (the data file's assumed ``manoeuvre_ceiling_load_ratio``),
  i.e. q · S · cn_max / m ≥ that load · g0.

Figure overrides
----------------
A re-calibration takes minutes per missile, too slow for a build that overrides
``max_range_km`` or ``max_altitude_km`` (campaigns vary them per run). So the calibration also
stores a **reach curve** per missile (:func:`reach_curve`, ``reach_curve:`` in the data file):
the guided maximum range against the propellant fraction at the published ceiling, on the rising
branch around the calibrated fraction. :func:`aero_for` inverts it for an overridden range and
re-solves ``cn_max`` for the figures' ceiling (closed form, ~0.15 s); ``iadsim.build`` flies the
result.

Layering: this module reads only its own YAML; the published figures it is calibrated to are
copied into ``calibrated_to:`` and a test checks them against the equipment library, so the data
and the library cannot drift apart. Re-calibrate with ``python -m iadsim.weapons.calibration``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import yaml
from scipy.interpolate import PchipInterpolator
from scipy.optimize import brentq

from iadsim.errors import InputError
from iadsim.weapons.flyout import (
    EARTH_RADIUS_M,
    G0_M_S2,
    MissileAero,
    SampledTarget,
    altitude_m,
    density_kg_m3,
    fly,
    fly_unguided,
)

__all__ = [
    "CEILING_ELEVATIONS_DEG",
    "ceiling_load_g",
    "GUIDED_T_MAX_S",
    "LOFTS_DEG",
    "RANGE_ALTITUDE_FRACTIONS",
    "RANGE_GRID_STEPS",
    "RANGE_RESOLUTION_M",
    "CalibrationResult",
    "GuidedReach",
    "REACH_CURVE_HALF_WIDTH",
    "REACH_CURVE_METHOD",
    "REACH_CURVE_STEP",
    "ReachCurve",
    "aero_for",
    "aero_ids",
    "calibrate",
    "calibrated_to_m",
    "guided_reach",
    "load_aero",
    "manoeuvre_ceiling_m",
    "max_range_m",
    "reach_curve",
    "stationary_target",
]

#: Loft angles of the command-guidance aim point, degrees, that a launch solution chooses from:
#: the same set for the fire control (:mod:`iadsim.engine.engagement`), the kinematic envelope
#: (:mod:`iadsim.analysis.kinematic_envelope`) and the maximum-range definition (module
#: docstring). 10° steps to 40°, where the lofts that intercept form wide bands, then 2° steps to
#: 66°: at long range against low targets only a 2-4° band intercepts, and the 40N6E needs
#: 61-65° against a 100 m target 60-80 km out; every missile's farthest intercept lies at
#: 50-62° and falls off above.
LOFTS_DEG = (0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 52.0, 54.0, 56.0, 58.0, 60.0, 62.0, 64.0, 66.0)
#: Target altitudes tried for the maximum range, as fractions of the manoeuvre ceiling.
RANGE_ALTITUDE_FRACTIONS = (0.1, 0.25, 0.5, 0.75)
#: Resolution of the far-edge bisection on the target ground range, m.
RANGE_RESOLUTION_M = 50.0
#: Time limit of a guided calibration flight, s.
GUIDED_T_MAX_S = 900.0
#: Target ranges per block of the outward far-edge scan (:func:`guided_reach`).
RANGE_GRID_STEPS = 16
#: Extent of the first scan grid, m (2 km steps).
_FIRST_EXTENT_M = 32_000.0
#: Launch elevations searched for the manoeuvre ceiling, degrees.
CEILING_ELEVATIONS_DEG = (45.0, 55.0, 65.0, 75.0, 85.0)
#: Step of the upward scan of the propellant fraction that brackets the range root.
_PF_SCAN_STEP = 0.025
#: Largest relative range misfit :func:`calibrate` accepts (a jump, not a root, beyond it).
_RANGE_FIT_TOL = 0.01
#: Integration step used for calibration and for the data-vs-code test, s.
CALIBRATION_DT_S = 0.1
#: Spacing of the propellant fractions of the reach curve (:func:`reach_curve`).
REACH_CURVE_STEP = 0.02
#: The reach curve spans at most this far either side of the calibrated propellant fraction.
REACH_CURVE_HALF_WIDTH = 0.1
#: Resolution of the smallest propellant fraction that reaches the ceiling (:func:`reach_curve`).
_PF_MIN_RESOLUTION = 1e-4
#: Largest relative departure of a reach-curve midpoint from the straight line through the
#: interval's ends (plus the far-edge resolution at each end) before the interval is halved.
_CURVE_SMOOTH_TOL = 0.5 * _RANGE_FIT_TOL
#: Narrowest reach-curve interval that is halved further (propellant fraction).
_CURVE_MIN_WIDTH = REACH_CURVE_STEP / 128
#: Largest relative rise of an interval, failing the midpoint check down to
#: :data:`_CURVE_MIN_WIDTH`, that is still kept (its ends): the jumps of the reach where the best
#: loft of :data:`LOFTS_DEG` changes, ~2-2.5 % of the range (e.g. the 5V55R between 80.4 and
#: 82.4 km at fractions 0.37150-0.37182, flickering between the two within that band).
_CURVE_JUMP_TOL = 0.03
#: How the stored reach curve is made and used (written into the data file with it).
REACH_CURVE_METHOD = (
    "Guided maximum range (the definition of method:) against propellant_fraction_ratio at the "
    "calibrated_to ceiling max_altitude_km, cn_max_ratio re-solved per fraction for that ceiling "
    f"as in the calibration; fractions {REACH_CURVE_STEP:g} apart within "
    f"+-{REACH_CURVE_HALF_WIDTH:g} of the calibrated one (and within the search bracket of the "
    "calibration), preceded by the smallest fraction that reaches the ceiling (bisection to "
    f"{_PF_MIN_RESOLUTION:g}) when it lies in that window, grid fractions closer to it than half "
    "a step dropped. The curve ends at the peak reach: more propellant then reaches less far, so "
    "only the rising branch, where each range has one fraction, is kept. Each interval's "
    "midpoint is added where it lies within "
    f"{100 * _CURVE_SMOOTH_TOL:g} % (+ 2 x {RANGE_RESOLUTION_M:g} m) of the straight line through "
    "the interval's ends, else the halves are checked the same way down to "
    f"{_CURVE_MIN_WIDTH:.3g} in fraction; an interval whose halves still fail is kept (its ends "
    f"only) when its range rises by at most {100 * _CURVE_JUMP_TOL:g} % with the midpoint in "
    "between (a jump where the best loft changes, the reach flickering between its two "
    "branches), else the curve is cut there and the side of the calibrated fraction kept. "
    "iadsim.weapons.calibration.aero_for interpolates on it (PCHIP of the fraction over the "
    "range) the fraction for an overridden max_range_km, and re-solves cn_max_ratio for the "
    "figures' max_altitude_km.")

_DATA = "missile_aero.yaml"


def _data_path() -> Path:
    return Path(str(resources.files("iadsim") / "data" / _DATA))


@functools.lru_cache(maxsize=1)
def _load_doc() -> dict[str, Any]:
    with open(_data_path(), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def ceiling_load_g(doc: dict[str, Any] | None = None) -> float:
    """Lateral load a missile must still pull at its manoeuvre ceiling, g: the data file's
    ``manoeuvre_ceiling_load_ratio`` (assumed, with its reasoning there)."""
    doc = _load_doc() if doc is None else doc
    return float(doc["manoeuvre_ceiling_load_ratio"]["value"])


def aero_ids() -> list[str]:
    """Missile ids with stored aero data."""
    return list(_load_doc()["missiles"])


def drag_table() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The shared zero-lift drag table of the data file: Mach breakpoints and C_D0 (assumed,
    with its reasoning there), for a missile built from library figures (an ARM)."""
    table = _load_doc()["cd_table"]
    return tuple(float(x) for x in table["mach"]), tuple(float(x) for x in table["cd0"])


def _value(block: dict[str, Any], key: str) -> float:
    entry = block[key]
    return float(entry["value"] if isinstance(entry, dict) else entry)


def _build(doc: dict[str, Any], missile_id: str, propellant_fraction: float,
           cn_max: float) -> MissileAero:
    entry = doc["missiles"][missile_id]
    fx = entry["fixed"]
    table = doc["cd_table"]
    m0 = _value(fx, "launch_mass_kg")
    propellant = m0 * propellant_fraction
    booster_inert = m0 - propellant - _value(fx, "dart_mass_kg") if "dart_mass_kg" in fx else 0.0
    return MissileAero(
        name=missile_id,
        launch_mass_kg=m0,
        propellant_mass_kg=propellant,
        booster_inert_mass_kg=booster_inert,
        dart_diameter_m=_value(fx, "dart_diameter_m") if "dart_diameter_m" in fx else None,
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
        guidance_error_m=_value(fx, "guidance_error_m") if "guidance_error_m" in fx else 0.0,
    )


def load_aero(missile_id: str) -> MissileAero:
    """Calibrated :class:`MissileAero` of a missile stored in ``iadsim/data/missile_aero.yaml``.

    Examples
    --------
    >>> load_aero("48N6E3").name
    '48N6E3'
    """
    cal = _calibrated_entry(missile_id)["calibrated"]
    return _build(_load_doc(), missile_id, float(cal["propellant_fraction_ratio"]),
                  float(cal["cn_max_ratio"]))


def _calibrated_entry(missile_id: str) -> dict[str, Any]:
    """The data file's entry of a calibrated missile; an :class:`InputError` for an unknown or
    not yet calibrated one."""
    doc = _load_doc()
    if missile_id not in doc["missiles"]:
        raise InputError(
            f"no calibrated aero data for missile {missile_id!r}; have {', '.join(doc['missiles'])}")
    entry = doc["missiles"][missile_id]
    if not entry.get("calibrated"):
        raise InputError(f"{missile_id}: aero data not calibrated yet "
                             "(run python -m iadsim.weapons.calibration)")
    return entry


def calibrated_to_m(missile_id: str) -> tuple[float, float]:
    """``(max range m, max altitude m)``: the published figures the stored flyout of a missile
    is calibrated to (``calibrated_to:``)."""
    to = _calibrated_entry(missile_id)["calibrated_to"]
    return float(to["max_range_km"]) * 1000.0, float(to["max_altitude_km"]) * 1000.0


# ------------------------------------------------------------------------------ definitions
class GuidedReach(NamedTuple):
    """Far edge of the engagement zone against a stationary target (module docstring)."""

    range_m: float       # great-circle ground range of the farthest intercept
    altitude_m: float    # target altitude at which it is reached
    loft_rad: float      # command-guidance loft angle that reaches it


def stationary_target(range_m: np.ndarray, alt_m: np.ndarray,
                      earth_radius_m: float = EARTH_RADIUS_M) -> SampledTarget:
    """Stationary targets north of the launcher at great-circle ground range ``range_m`` (n,)
    and altitude ``alt_m`` (n,) above the sphere: ``(0, (R+h) sin θ, (R+h) cos θ − R)``,
    θ = range / R, in the flyout's ENU frame (one target per missile)."""
    r = np.asarray(range_m, dtype=float)
    h = np.broadcast_to(np.asarray(alt_m, dtype=float), r.shape)
    if np.isinf(earth_radius_m):
        pos = np.stack([np.zeros_like(r), r, h], axis=-1)
    else:
        th = r / earth_radius_m
        rad = earth_radius_m + h
        pos = np.stack([np.zeros_like(r), rad * np.sin(th), rad * np.cos(th) - earth_radius_m],
                       axis=-1)
    return SampledTarget(np.zeros(1), pos[None], np.zeros((1, *pos.shape)))


def guided_reach(aero: MissileAero, altitudes_m: np.ndarray,
                 dt: float = CALIBRATION_DT_S) -> GuidedReach:
    """Farthest guided intercept of a stationary target over ``altitudes_m`` and
    :data:`LOFTS_DEG` (the maximum-range definition of the module docstring).

    Per target altitude a range is acceptable when *any* loft intercepts there (the union over
    lofts, as in the kinematic envelope: a steep loft may miss a target 2 km away and still
    reach farthest). Target ranges are scanned outwards in blocks of :data:`RANGE_GRID_STEPS`
    ranges, each block reaching twice as far as the one before (2 km steps to 32 km and on to
    64 km, 4 km steps to 128 km, 8 km to 256 km, ...), until a whole block has no intercept at any
    altitude. The farthest acceptable grid range of each altitude is then bisected against its
    grid neighbour beyond to :data:`RANGE_RESOLUTION_M`. The scan does not stop at the first
    gap: with :data:`LOFTS_DEG` the calibrated missiles have none, but a coarser loft set leaves
    some (module docstring). All lanes of a step fly in one vectorised flyout.
    """
    lofts = np.radians(LOFTS_DEG)
    alts = np.asarray(altitudes_m, dtype=float).ravel()

    def hits(rng: np.ndarray, alt: np.ndarray) -> np.ndarray:
        """Any-loft intercepts (k,) of targets at ranges ``rng`` (k,) and altitudes ``alt`` (k,)."""
        n_l = lofts.size
        res = fly(aero, np.zeros((rng.size * n_l, 3)),
                  stationary_target(np.repeat(rng, n_l), np.repeat(alt, n_l)),
                  loft_rad=np.tile(lofts, rng.size), dt=dt, t_max=GUIDED_T_MAX_S,
                  record_every=10**9)
        return np.asarray(res.intercept.reshape(rng.size, n_l).any(axis=1))

    blocks: list[np.ndarray] = []
    oks: list[np.ndarray] = []
    start = 0.0
    while True:
        step = max(start, _FIRST_EXTENT_M) / RANGE_GRID_STEPS
        new = start + step * np.arange(1, RANGE_GRID_STEPS + 1)
        ok = hits(np.tile(new, alts.size), np.repeat(alts, new.size)).reshape(alts.size, new.size)
        blocks.append(new)
        oks.append(ok)
        if not ok.any():
            break
        if new[-1] > 0.25 * np.pi * EARTH_RADIUS_M:
            raise InputError(f"{aero.name}: guided intercepts beyond a quarter of the Earth")
        start = new[-1]
    grid = np.concatenate(blocks)
    acc = np.concatenate(oks, axis=1)
    idx = np.nonzero(acc.any(axis=1))[0]
    if idx.size == 0:
        raise InputError(f"{aero.name}: no guided intercept within {grid[-1] / 1e3:g} km")
    last = grid.size - 1 - np.argmax(acc[idx, ::-1], axis=1)
    lo, hi = grid[last], grid[last + 1]
    while (hi - lo).max() > RANGE_RESOLUTION_M:
        mid = 0.5 * (lo + hi)
        good = hits(mid, alts[idx])
        lo, hi = np.where(good, mid, lo), np.where(good, hi, mid)
    best = int(np.argmax(lo))
    res = fly(aero, np.zeros((lofts.size, 3)),
              stationary_target(np.full(lofts.size, lo[best]), np.full(lofts.size, alts[idx[best]])),
              loft_rad=lofts, dt=dt, t_max=GUIDED_T_MAX_S, record_every=10**9)
    return GuidedReach(float(lo[best]), float(alts[idx[best]]),
                       float(lofts[int(np.argmax(res.intercept))]))


def max_range_m(aero: MissileAero, dt: float = CALIBRATION_DT_S) -> tuple[float, float]:
    """``(max range m, best loft rad)``: :func:`guided_reach` over target altitudes
    :data:`RANGE_ALTITUDE_FRACTIONS` × :func:`manoeuvre_ceiling_m` (module docstring)."""
    reach = guided_reach(aero, np.asarray(RANGE_ALTITUDE_FRACTIONS) * manoeuvre_ceiling_m(aero, dt),
                         dt)
    return reach.range_m, reach.loft_rad


def _ceiling_profiles(aero: MissileAero, dt: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per elevation, ascending-leg ``(altitude m, q·S/m per unit cn_max (m/s²))`` samples
    where speed ≥ min_speed."""
    res = fly_unguided(aero, np.radians(CEILING_ELEVATIONS_DEG), dt=dt, t_max=600.0)
    since = res.time_s - res.time_s[0]
    area_per_mass = aero.ref_area_at_m2(since) / aero.mass_kg(since)
    out = []
    for j in range(res.pos_enu_m.shape[1]):
        z = altitude_m(res.pos_enu_m[:, j])
        v = res.vel_enu_m_s[:, j]
        speed = np.linalg.norm(v, axis=1)
        ok = (speed >= aero.min_speed_m_s) & np.concatenate([[True], np.diff(z) > 0])
        cap = 0.5 * density_kg_m3(z) * speed**2 * area_per_mass
        out.append((z[ok], cap[ok]))
    return out


def manoeuvre_ceiling_m(aero: MissileAero, dt: float = CALIBRATION_DT_S,
                        load_g: float | None = None) -> float:
    """Highest ascending-leg altitude with speed ≥ min speed and q S cn_max/m ≥ ``load_g`` g0
    (default :func:`ceiling_load_g`)."""
    need = (ceiling_load_g() if load_g is None else load_g) * G0_M_S2
    best = 0.0
    for z, cap in _ceiling_profiles(aero, dt):
        good = aero.cn_max * cap >= need
        if good.any():
            best = max(best, float(z[good].max()))
    return best


def _cn_for_ceiling(aero: MissileAero, ceiling_m: float, dt: float, load_g: float) -> float:
    need = load_g * G0_M_S2
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


def _trial(doc: dict[str, Any], missile_id: str, propellant_fraction: float, ceiling_m: float,
           dt: float) -> MissileAero:
    """The missile with ``propellant_fraction`` and the ``cn_max`` that puts its manoeuvre
    ceiling at ``ceiling_m`` (:func:`_cn_for_ceiling`); an :class:`InputError` when no trajectory
    reaches ``ceiling_m`` with the minimum useful speed."""
    aero = _build(doc, missile_id, propellant_fraction, 1.0)
    return aero.replace(cn_max=_cn_for_ceiling(aero, ceiling_m, dt, ceiling_load_g(doc)))


def _propellant_fraction_bracket(doc: dict[str, Any], missile_id: str) -> tuple[float, float]:
    """Search interval of the propellant fraction: 5-92 % of the launch mass, and for a two-stage
    missile at most the booster's share less 1 % of the launch mass for its inert case."""
    fx = doc["missiles"][missile_id]["fixed"]
    hi = 0.92
    if "dart_mass_kg" in fx:
        hi = min(hi, 1.0 - _value(fx, "dart_mass_kg") / _value(fx, "launch_mass_kg") - 0.01)
    return 0.05, hi


@dataclass(frozen=True)
class CalibrationResult:
    missile_id: str
    propellant_fraction: float
    cn_max: float
    reach: GuidedReach
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

    alts = np.asarray(RANGE_ALTITUDE_FRACTIONS) * h_pub

    def miss_range(pf: float) -> float:
        try:
            aero = _trial(doc, missile_id, pf, h_pub, dt)
        except InputError:           # too little propellant to reach the published ceiling
            return -r_pub
        return guided_reach(aero, alts, dt).range_m - r_pub

    # The reach first grows with the propellant, then falls again (the ceiling then needs less
    # cn_max: less lateral capability, more induced drag): scan up for the first crossing.
    lo, hi = _propellant_fraction_bracket(doc, missile_id)
    grid = np.append(np.arange(lo, hi, _PF_SCAN_STEP), hi)
    above = next((i for i, pf in enumerate(grid) if miss_range(pf) > 0), None)
    if above is None:
        raise InputError(f"{missile_id}: no propellant fraction in [{lo:.2f}, {hi:.2f}] gives the "
                         f"published range {r_pub / 1e3:g} km by the guided definition")
    if above == 0:
        raise InputError(f"{missile_id}: already the smallest propellant fraction {lo:.2f} "
                         f"overshoots the published range {r_pub / 1e3:g} km")
    pf = float(brentq(miss_range, grid[above - 1], grid[above], xtol=1e-4, rtol=1e-4))
    aero = _trial(doc, missile_id, pf, h_pub, dt)
    reach = guided_reach(aero, alts, dt)
    # The reach jumps where the propellant first suffices for the ceiling (and where an island
    # of acceptable ranges appears); Brent then converges on the jump, not on a root.
    if abs(reach.range_m - r_pub) > _RANGE_FIT_TOL * r_pub:
        raise InputError(f"{missile_id}: the guided range jumps across the published "
                         f"{r_pub / 1e3:g} km (reaches {reach.range_m / 1e3:.1f} km at propellant "
                         f"fraction {pf:.4f}); revise the fixed parameters")
    return CalibrationResult(missile_id, pf, aero.cn_max, reach,
                             manoeuvre_ceiling_m(aero, dt, ceiling_load_g(doc)), r_pub, h_pub)


# ------------------------------------------------------------------------------ reach curve
class ReachCurve(NamedTuple):
    """Guided maximum range against propellant fraction at the calibrated ceiling, rising."""

    propellant_fraction: np.ndarray   # (n,) propellant mass / launch mass, strictly increasing
    range_m: np.ndarray               # (n,) guided maximum range, m, strictly increasing


def _reaches_ceiling(doc: dict[str, Any], missile_id: str, propellant_fraction: float,
                     ceiling_m: float, dt: float) -> bool:
    try:
        _trial(doc, missile_id, propellant_fraction, ceiling_m, dt)
    except InputError:
        return False
    return True


def _lowest_fraction_for_ceiling(doc: dict[str, Any], missile_id: str, low: float, high: float,
                                 ceiling_m: float, dt: float) -> float:
    """Smallest propellant fraction in ``[low, high]`` that reaches ``ceiling_m`` (``high`` does),
    by bisection to :data:`_PF_MIN_RESOLUTION` (the reaching end of the last interval)."""
    if _reaches_ceiling(doc, missile_id, low, ceiling_m, dt):
        return low
    while high - low > _PF_MIN_RESOLUTION:
        mid = 0.5 * (low + high)
        if _reaches_ceiling(doc, missile_id, mid, ceiling_m, dt):
            high = mid
        else:
            low = mid
    return high


def _refined(reach: Callable[[float], float], a: tuple[float, float], b: tuple[float, float],
             min_width: float) -> list[tuple[float, float]] | None:
    """Points ``(fraction, range m)`` strictly between the curve points ``a`` and ``b``: the
    midpoint when its range lies strictly between theirs and within :data:`_CURVE_SMOOTH_TOL` ×
    its range + 2 :data:`RANGE_RESOLUTION_M` (the far-edge search's resolution, at each end) of the
    straight line through them, else both halves refined the same way, down to intervals of
    ``min_width``. Where a half still fails, the interval is a jump band: kept with no inner
    point (``[]``) if its range rises by at most :data:`_CURVE_JUMP_TOL` with the midpoint's
    range between its ends (a fraction in it flies a range between the ends: an error of at
    most the rise); otherwise ``None`` (a larger jump, or no longer rising)."""
    (pf_a, r_a), (pf_b, r_b) = a, b
    pf_m = 0.5 * (pf_a + pf_b)
    r_m = reach(pf_m)
    tol = _CURVE_SMOOTH_TOL * r_m + 2.0 * RANGE_RESOLUTION_M
    if r_a < r_m < r_b and abs(r_m - 0.5 * (r_a + r_b)) <= tol:
        return [(pf_m, r_m)]
    if pf_b - pf_a > min_width:
        left = _refined(reach, a, (pf_m, r_m), min_width)
        right = None if left is None else _refined(reach, (pf_m, r_m), b, min_width)
        if right is not None:
            return [*left, (pf_m, r_m), *right]
    return [] if r_a <= r_m <= r_b and r_b - r_a <= _CURVE_JUMP_TOL * r_b else None


def reach_curve(missile_id: str, propellant_fraction: float, doc: dict[str, Any] | None = None,
                dt: float = CALIBRATION_DT_S) -> ReachCurve:
    """The reach curve stored under ``reach_curve:`` (:data:`REACH_CURVE_METHOD`).

    1. Grid: the guided maximum range (:func:`guided_reach` at :data:`RANGE_ALTITUDE_FRACTIONS`
       of the ``calibrated_to`` ceiling) at propellant fractions :data:`REACH_CURVE_STEP` apart
       around ``propellant_fraction`` (the calibrated one), at most
       :data:`REACH_CURVE_HALF_WIDTH` either side, within the calibration's search bracket;
       ``cn_max`` re-solved per fraction for the ceiling exactly as :func:`calibrate` does.
       Below the smallest fraction that reaches the ceiling there is no flyout; when that
       fraction lies in the window it is the first point (grid fractions within half a step of
       it dropped), so that the ranges down to it are covered. The scan stops at the first
       fraction that reaches no farther than the one before (the peak: beyond it the reach falls
       again, see the module docstring), which is left out.
    2. Check and refinement: every interval gets its midpoint (:func:`_refined`), which must lie
       on the straight line through its ends to :data:`_CURVE_SMOOTH_TOL`, else the halves are
       refined, down to :data:`_CURVE_MIN_WIDTH`. The reach jumps where the best loft of the
       discrete :data:`LOFTS_DEG` changes (and flickers between its two branches there); a jump
       band rising by up to :data:`_CURVE_JUMP_TOL` is kept (its ends, located to a few
       :data:`_CURVE_MIN_WIDTH`), a larger jump (the 57E6E: a lobbed intercept branch appears,
       ~23 -> ~40 km between fractions 0.3745 and 0.3795) cuts the curve: only the side of the
       calibrated fraction is kept.

    Some 20-80 guided reach evaluations (each jump kept costs ~14), ~5-40 s each.
    """
    doc = _load_doc() if doc is None else doc
    ceiling_m = float(doc["missiles"][missile_id]["calibrated_to"]["max_altitude_km"]) * 1000.0
    alts = np.asarray(RANGE_ALTITUDE_FRACTIONS) * ceiling_m

    def reach(pf: float) -> float:
        return guided_reach(_trial(doc, missile_id, pf, ceiling_m, dt), alts, dt).range_m

    lo, hi = _propellant_fraction_bracket(doc, missile_id)
    k = round(REACH_CURVE_HALF_WIDTH / REACH_CURVE_STEP)
    grid = propellant_fraction + REACH_CURVE_STEP * np.arange(-k, k + 1)
    grid = grid[(grid >= lo) & (grid <= hi)]
    first = _lowest_fraction_for_ceiling(doc, missile_id, float(grid[0]), propellant_fraction,
                                         ceiling_m, dt)
    points: list[tuple[float, float]] = []
    for pf in np.concatenate([[first], grid[grid > first + 0.5 * REACH_CURVE_STEP]]):
        r = reach(float(pf))
        if points and r <= points[-1][1]:
            break
        points.append((float(pf), r))
    curve = points[:1]
    for a, b in zip(points, points[1:], strict=False):
        inner = _refined(reach, a, b, _CURVE_MIN_WIDTH)
        if inner is not None:
            curve += [*inner, b]
        elif a[0] < propellant_fraction:
            curve = [b]
        else:
            break
    return ReachCurve(np.array([p for p, _ in curve]), np.array([r for _, r in curve]))


def _stored_curve(doc: dict[str, Any], missile_id: str) -> ReachCurve:
    """The stored reach curve of a missile, checked: at least two points, fractions and ranges
    strictly increasing (only the rising branch can be inverted)."""
    where = f"missile_aero.yaml missiles.{missile_id}.reach_curve"
    block = doc["missiles"][missile_id].get("reach_curve")
    if not block:
        raise InputError(f"{where}: missing; allowed: the curve written by "
                         "python -m iadsim.weapons.calibration")
    pf = np.asarray(block["propellant_fraction_ratio"], dtype=float)
    r = np.asarray(block["max_range_km"], dtype=float) * 1000.0
    if pf.ndim != 1 or pf.shape != r.shape or pf.size < 2 or (np.diff(pf) <= 0).any() \
            or (np.diff(r) <= 0).any():
        raise InputError(
            f"{where}: propellant_fraction_ratio {pf.tolist()} and max_range_km "
            f"{(r / 1000.0).tolist()} are not a rising curve; allowed: two lists of equal length "
            ">= 2, both strictly increasing (re-run python -m iadsim.weapons.calibration)")
    return ReachCurve(pf, r)


def _highest_useful_altitude_m(aero: MissileAero, dt: float) -> float:
    """Highest ascending-leg altitude of the ceiling shots with speed >= the minimum useful speed
    (the ceiling an unlimited ``cn_max`` would give), m."""
    return max((float(z.max()) for z, _ in _ceiling_profiles(aero, dt) if z.size >= 2),
               default=0.0)


def aero_for(missile_id: str, max_range_m: float | None = None,
             max_altitude_m: float | None = None) -> MissileAero:
    """The flyout of a missile fitted to a maximum range and a manoeuvre ceiling, e.g. figure
    overrides (``48N6E3.max_range_km``, ``48N6E3.max_altitude_km``).

    Both at their ``calibrated_to`` values (or ``None``): exactly :func:`load_aero`. Otherwise the
    propellant fraction is the calibrated one when ``max_range_m`` is the calibrated range, else
    interpolated for ``max_range_m`` on the stored reach curve (:func:`reach_curve`; PCHIP of the
    fraction over the range, monotone like the curve), and ``cn_max`` is re-solved for
    ``max_altitude_m`` as :func:`calibrate` does (closed form on the ceiling shots, ~0.15 s).

    Accuracy. At the calibrated ceiling the result's guided maximum range (:func:`max_range_m`)
    is ``max_range_m`` to within the interpolation error: inside the calibration's 1 % on the
    smooth parts of the curve (the 48N6E3 re-fitted to 200 km flies 200.03 km:
    tests/weapons/test_calibration.py), up to :data:`_CURVE_JUMP_TOL` in the narrow jump bands
    where the best loft changes (:func:`reach_curve`; no fraction flies a range inside a jump).
    The curve is computed at the
    calibrated ceiling; with another ceiling ``cn_max``, and with it the lateral capability and
    the induced drag of the guided flights, differs, so the range flown is **approximate**.
    Measured (:func:`max_range_m` of the result) at the library's other ceilings: the 48N6E3 at
    250 km and 30 km (calibrated 27 km) reaches 266.5 km (+6.6 %), the 40N6E at 402 km and
    40 km (30 km) 428.5 km (+6.6 %), the 9M96E2 at 120 km and 20 km (30 km) 103.3 km (-13.9 %),
    the 5V55R at 75 km and 25 km (27 km) 74.9 km (-0.1 %). At the calibrated ceiling: the 48N6E3
    at 240 km flies 240.0 km, the 9M96E2 at 150 km 149.5 km (-0.3 %).

    Raises
    ------
    InputError
        No calibrated aero data for ``missile_id``; ``max_range_m`` outside the stored curve
        (naming the figure, the value and the ranges the curve covers); no trajectory reaching
        ``max_altitude_m`` with the minimum useful speed (naming the highest one that does).
    """
    doc = _load_doc()
    r_cal, h_cal = calibrated_to_m(missile_id)
    r = r_cal if max_range_m is None else float(max_range_m)
    h = h_cal if max_altitude_m is None else float(max_altitude_m)
    same_r = np.isclose(r, r_cal, rtol=1e-9, atol=0.0)
    if same_r and np.isclose(h, h_cal, rtol=1e-9, atol=0.0):
        return load_aero(missile_id)
    if same_r:
        pf = float(doc["missiles"][missile_id]["calibrated"]["propellant_fraction_ratio"])
    else:
        curve = _stored_curve(doc, missile_id)
        lo, hi = curve.range_m[0], curve.range_m[-1]
        if not lo <= r <= hi:
            shown = f"{np.ceil(lo / 100.0) / 10.0:.1f} to {np.floor(hi / 100.0) / 10.0:.1f} km"
            raise InputError(
                f"{missile_id}.max_range_km = {r / 1000.0:g} km: the calibrated flyout reaches "
                f"{shown} (reach_curve of {missile_id} in iadsim/data/missile_aero.yaml, at its "
                f"{h_cal / 1000.0:g} km ceiling); allowed values are {shown}")
        pf = float(PchipInterpolator(curve.range_m, curve.propellant_fraction)(r))
    try:
        return _trial(doc, missile_id, pf, h, CALIBRATION_DT_S)
    except InputError:
        uncapped = _build(doc, missile_id, pf, 1.0)
        top = _highest_useful_altitude_m(uncapped, CALIBRATION_DT_S)
        raise InputError(
            f"{missile_id}.max_altitude_km = {h / 1000.0:g} km: with max_range_km "
            f"{r / 1000.0:g} km (propellant fraction {pf:.4f}) no trajectory of the "
            f"{missile_id} flyout reaches it at >= {uncapped.min_speed_m_s:g} m/s; allowed "
            f"values are up to {np.floor(top / 100.0) / 10.0:.1f} km with that range") from None


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _write(doc: dict[str, Any], path: Path) -> None:
    header = (
        "# Calibrated 3-DOF aero/propulsion parameters per missile (iadsim.weapons.calibration).\n"
        "# GENERATED by `python -m iadsim.weapons.calibration` from the fixed blocks below: edit\n"
        "# fixed:, cd_table: or calibrated_to: and re-run; do not edit calibrated:, simulated: or\n"
        "# reach_curve: by hand.\n"
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
            "max_range_km": round(res.reach.range_m / 1000.0, 2),
            "best_target_altitude_km": round(res.reach.altitude_m / 1000.0, 2),
            "best_loft_deg": round(float(np.degrees(res.reach.loft_rad)), 1),
            "max_altitude_km": round(res.ceiling_m / 1000.0, 2),
            "dt_s": CALIBRATION_DT_S,
        }
        curve = reach_curve(mid, entry["calibrated"]["propellant_fraction_ratio"], doc)
        entry["reach_curve"] = {
            "method": REACH_CURVE_METHOD,
            "propellant_fraction_ratio": [round(float(x), 5) for x in curve.propellant_fraction],
            "max_range_km": [round(float(x) / 1000.0, 2) for x in curve.range_m],
        }
        print(f"{mid}: propellant fraction {res.propellant_fraction:.4f}, cn_max {res.cn_max:.3f}, "
              f"range {res.reach.range_m / 1e3:.1f} km (published {res.published_max_range_m / 1e3:.0f}),"
              f" ceiling {res.ceiling_m / 1e3:.2f} km (published "
              f"{res.published_max_altitude_m / 1e3:.0f}), reach curve "
              f"{curve.range_m[0] / 1e3:.1f}-{curve.range_m[-1] / 1e3:.1f} km", flush=True)
    _write(doc, path)
    _load_doc.cache_clear()


if __name__ == "__main__":  # pragma: no cover
    import sys

    main(sys.argv[1:] or None)
