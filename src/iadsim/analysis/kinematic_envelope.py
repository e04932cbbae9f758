"""Kinematic launch envelope of a missile: where a launch *now* leads to a fuzed intercept.

For each target altitude and initial target ground range, a non-manoeuvring target flies at
constant speed and altitude straight towards (``approaching``) or away from (``receding``) the
launcher, along the great circle through it (:func:`meridian_target`; a straight line when the
flyout Earth is flat, ``earth_radius_m=inf``); the missile (:func:`iadsim.weapons.flyout.fly`,
calibrated :class:`MissileAero`) is launched at once from the origin under command guidance
towards a lofted aim point (by default every loft of :data:`iadsim.weapons.calibration.LOFTS_DEG`,
the fire control's set, is tried; the one with the earliest intercept counts), then terminal PN.
A launch is acceptable when the fuze fires within ``kill_radius_m`` before the missile runs
out of useful energy, hits the ground or reaches ``t_max_s``. This is kinematics only: no
detection, reaction time, Pk or ECM.

Output: an ``xarray.Dataset`` with dims ``(heading, altitude, range)`` holding ``intercept``
(bool), ``time_of_flight_s``, ``miss_m``, ``best_loft_rad`` and ``intercept_ground_range_m``
(great-circle ground distance from the launcher to the fuze point,
:func:`iadsim.weapons.flyout.ground_range_m`), and per ``(heading, altitude)``
``max_launch_range_m`` / ``min_launch_range_m`` (largest / smallest acceptable initial ground
range) and ``max_intercept_range_m`` / ``min_intercept_range_m`` (farthest / nearest fuze point:
the far and near edges of the engagement zone); NaN if no intercept, holes between the edges are
not reported there. With the default lofts the calibrated missiles' zones have no such holes
(a coarser set leaves them: the 40N6E's with 15° steps, see :mod:`iadsim.weapons.calibration`).

:func:`kinematic_reach` turns this into the engagement-zone edges that a coverage map draws
instead of the published range ring, cached per (missile, altitudes, target speed).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import xarray as xr

from iadsim.errors import InputError
from iadsim.version import __version__
from iadsim.scenario.library import load_library
from iadsim.weapons.calibration import LOFTS_DEG, aero_for
from iadsim.weapons.flyout import EARTH_RADIUS_M, MissileAero, TargetFn, fly, ground_range_m

__all__ = ["ENVELOPE_CAVEAT", "RANGE_STEPS", "REFERENCE_TARGET_SPEED_M_S", "KinematicReach",
           "check_target_speed", "kinematic_reach", "launch_acceptability", "meridian_target"]

_HEADING_SIGN = {"approaching": -1.0, "receding": 1.0}

#: Known limitation of the kinematic envelopes, shown with every envelope and kinematic-reach
#: product (to be restated after each re-calibration of ``iadsim/data/missile_aero.yaml``; the
#: 48N6E3 figures are :func:`launch_acceptability` at 100 m and 10 km, 300 m/s approaching,
#: ``refine_m=250``).
ENVELOPE_CAVEAT = ("Kinematic envelopes are 3-DOF point-mass flyouts on a spherical Earth, "
                   "calibrated so that the farthest guided intercept of a stationary target "
                   "equals the published maximum range (48N6E3 vs a 300 m/s approaching "
                   "target: max launch range ~309 km at 100 m / ~328 km at 10 km, farthest "
                   "intercept ~232 / ~244 km, published 250 km). They remain optimistic: a "
                   "point mass that turns without autopilot lag or airframe dynamics, an "
                   "assumed drag table and minimum useful speed, and no detection, radar "
                   "horizon, reaction time, Pk or ECM.")

#: Default speed (m/s) of the approaching reference target of :func:`kinematic_reach`: a
#: subsonic cruise missile or a fighter at cruise (Mach ~0.75 at sea level).
REFERENCE_TARGET_SPEED_M_S = 250.0

#: Initial-range grid steps per published maximum range in :func:`kinematic_reach` (5 km steps
#: for a 250 km missile); the far edge is then refined by bisection to 1/16 of a step.
RANGE_STEPS = 50


class _Shots(NamedTuple):
    """Best loft per shot, each ``(n,)``; NaN where no loft intercepts."""

    intercept: np.ndarray
    time_of_flight_s: np.ndarray
    best_loft_rad: np.ndarray
    miss_m: np.ndarray
    intercept_ground_range_m: np.ndarray


def meridian_target(range_m: np.ndarray, alt_m: np.ndarray, vel_north_m_s: np.ndarray,
                    earth_radius_m: float = EARTH_RADIUS_M) -> TargetFn:
    """Targets at constant altitude and speed on the launcher's meridian, in the flyout's ENU frame.

    Target ``i`` starts ``range_m[i]`` north of the launcher (great-circle ground range on the
    sphere of radius ``earth_radius_m`` through the launcher) at ``alt_m[i]`` above that sphere
    and flies north at ``vel_north_m_s[i]`` (negative: south, towards the launcher and beyond).
    With central angle θ(t) = range/R + v t/(R + h): ``pos = (0, (R+h) sin θ, (R+h) cos θ − R)``,
    so that :func:`iadsim.weapons.flyout.ground_range_m` of it is ``R θ`` and its altitude ``h``
    stays constant; ``earth_radius_m = inf`` gives the straight line ``(0, range + v t, h)``.
    """
    zero = np.zeros(np.shape(range_m))
    if np.isinf(earth_radius_m):
        p0 = np.stack([zero, range_m, alt_m], axis=1)
        v = np.stack([zero, vel_north_m_s, zero], axis=1)
        return lambda t: (p0 + v * t, v)
    radius = earth_radius_m + np.asarray(alt_m, dtype=float)
    theta0 = np.asarray(range_m, dtype=float) / earth_radius_m
    omega = np.asarray(vel_north_m_s, dtype=float) / radius

    def target(t: float) -> tuple[np.ndarray, np.ndarray]:
        th = theta0 + omega * t
        pos = np.stack([zero, radius * np.sin(th), radius * np.cos(th) - earth_radius_m], axis=1)
        vel = np.stack([zero, radius * omega * np.cos(th), -radius * omega * np.sin(th)], axis=1)
        return pos, vel

    return target


def _fly_shots(aero: MissileAero, alt_m: np.ndarray, range_m: np.ndarray, vel_north_m_s: np.ndarray,
               lofts_rad: np.ndarray, dt_s: float, t_max_s: float,
               earth_radius_m: float) -> _Shots:
    """Fly every shot ``i`` (:func:`meridian_target` ``i``) at every loft in one vectorised
    flyout; keep the earliest intercept."""
    n, nl = alt_m.size, lofts_rad.size
    target = meridian_target(np.repeat(range_m, nl), np.repeat(alt_m, nl),
                             np.repeat(vel_north_m_s, nl), earth_radius_m)
    res = fly(aero, np.zeros((n * nl, 3)), target, loft_rad=np.tile(lofts_rad, n), dt=dt_s,
              t_max=t_max_s, record_every=10**9, earth_radius_m=earth_radius_m)
    hit = res.intercept.reshape(n, nl)
    ok = np.asarray(hit.any(axis=1))
    t_hit = np.where(hit, res.intercept_time_s.reshape(n, nl), np.inf)
    best = np.argmin(t_hit, axis=1)[:, None]
    ground = ground_range_m(res.end_pos_enu_m, earth_radius_m).reshape(n, nl)
    miss = np.where(np.isnan(res.miss_m), np.inf, res.miss_m).reshape(n, nl).min(axis=1)
    return _Shots(
        intercept=ok,
        time_of_flight_s=np.where(ok, np.take_along_axis(t_hit, best, axis=1)[:, 0], np.nan),
        best_loft_rad=np.where(ok, lofts_rad[best[:, 0]], np.nan),
        miss_m=np.where(np.isfinite(miss), miss, np.nan),
        intercept_ground_range_m=np.where(ok, np.take_along_axis(ground, best, axis=1)[:, 0],
                                          np.nan))


def _edge(values: np.ndarray, ok: np.ndarray, largest: bool) -> np.ndarray:
    """Largest (or smallest) of ``values`` where ``ok`` along the last axis; NaN if none."""
    fill = -np.inf if largest else np.inf
    picked = np.where(ok, values, fill)
    out = picked.max(axis=-1) if largest else picked.min(axis=-1)
    return np.where(np.isfinite(out), out, np.nan)


def launch_acceptability(aero: MissileAero, target_alt_m: npt.ArrayLike,
                         target_speed_m_s: float, headings: Sequence[str] = ("approaching",),
                         ranges: npt.ArrayLike | None = None,
                         lofts_deg: Sequence[float] = LOFTS_DEG,
                         dt_s: float = 0.1, t_max_s: float = 900.0,
                         refine_m: float | None = None,
                         earth_radius_m: float = EARTH_RADIUS_M) -> xr.Dataset:
    """Launch acceptability over (heading, target altitude, initial target ground range).

    Parameters
    ----------
    aero : missile parameters (e.g. :func:`iadsim.weapons.load_aero`).
    target_alt_m : target altitudes (m above the sphere through the launcher).
    target_speed_m_s : target speed (m/s), constant.
    headings : any of ``"approaching"`` (flies straight at the launcher), ``"receding"``.
    ranges : initial target ground ranges (m), ascending; default 2 km steps to 1.6 × the
        aero's manoeuvre-free reach estimate (400 km).
    lofts_deg : loft angles (deg) of the command-guidance aim point tried per launch.
    dt_s, t_max_s : flyout step and time limit.
    refine_m : if given, the far edge (``max_launch_range_m`` and with it
        ``max_intercept_range_m``) of every (heading, altitude) whose last acceptable range has
        an unacceptable grid neighbour is refined by bisection between the two until they are
        at most ``refine_m`` apart (assumes acceptability does not change twice in one step).
        ``far_edge_bracketed`` tells where the grid's last range was still acceptable.
    earth_radius_m : Earth radius of the flyout and the target path; ``numpy.inf``: flat Earth.

    Returns
    -------
    xarray.Dataset
        See the module docstring.
    """
    alts = np.asarray(target_alt_m, dtype=float)
    rngs = np.arange(2000.0, 400_001.0, 2000.0) if ranges is None else np.asarray(ranges, float)
    lofts = np.radians(np.asarray(lofts_deg, dtype=float))
    for h in headings:
        if h not in _HEADING_SIGN:
            raise ValueError(f"heading {h!r}: allowed {', '.join(_HEADING_SIGN)}")
    shape = (len(headings), alts.size, rngs.size)
    hh, aa, rr = np.meshgrid([_HEADING_SIGN[h] for h in headings], alts, rngs, indexing="ij")
    shots = _fly_shots(aero, aa.ravel(), rr.ravel(), hh.ravel() * target_speed_m_s, lofts, dt_s,
                       t_max_s, earth_radius_m)
    intercept, tof, loft, miss, ground = (x.reshape(shape) for x in shots)
    max_launch = _edge(rr, intercept, largest=True)
    max_intercept = _edge(ground, intercept, largest=True)
    bracketed = ~intercept[..., -1]
    if refine_m is not None:
        _refine_far_edge(aero, alts, rngs, hh[..., 0], target_speed_m_s, lofts, dt_s, t_max_s,
                         earth_radius_m, refine_m, max_launch, max_intercept, ground, bracketed)
    dims = ("heading", "altitude", "range")
    return xr.Dataset(
        {
            "intercept": (dims, intercept, {
                "long_name": "a launch now leads to a fuzed intercept (best of the lofts tried)",
                "flag_meanings": "no_intercept intercept"}),
            "time_of_flight_s": (dims, tof, {"units": "s",
                                             "long_name": "missile time of flight to the fuze point"}),
            "miss_m": (dims, miss, {"units": "m", "long_name": "smallest closest approach"}),
            "best_loft_rad": (dims, loft, {
                "units": "rad", "long_name": "loft angle of the aim point of the counted launch"}),
            "intercept_ground_range_m": (dims, ground, {
                "units": "m", "long_name": "ground distance from the launcher to the fuze point"}),
            "max_launch_range_m": (dims[:2], max_launch, {
                "units": "m", "long_name": "largest acceptable initial target ground range"}),
            "min_launch_range_m": (dims[:2], _edge(rr, intercept, largest=False), {
                "units": "m", "long_name": "smallest acceptable initial target ground range"}),
            "max_intercept_range_m": (dims[:2], max_intercept, {
                "units": "m", "long_name": "far edge of the engagement zone (fuze point)"}),
            "min_intercept_range_m": (dims[:2], _edge(ground, intercept, largest=False), {
                "units": "m", "long_name": "near edge of the engagement zone (fuze point)"}),
            "far_edge_bracketed": (dims[:2], bracketed, {
                "long_name": "the last grid range is not acceptable (the far edge is inside)",
                "flag_meanings": "far_edge_beyond_grid far_edge_inside_grid"}),
        },
        coords={"heading": ("heading", list(headings), {
                    "long_name": "target heading relative to the launcher"}),
                "altitude": ("altitude", alts, {
                    "units": "m", "standard_name": "height", "positive": "up", "axis": "Z",
                    "long_name": "target height above the launcher (sphere through the launcher)"}),
                "range": ("range", rngs, {"units": "m", "long_name": "initial target ground range"})},
        attrs={"title": f"iadsim kinematic launch envelope of the {aero.name}",
               "iadsim_version": __version__,
               "missile": aero.name, "target_speed_m_s": float(target_speed_m_s),
               "lofts_rad": [float(x) for x in lofts], "dt_s": dt_s, "t_max_s": t_max_s,
               "kill_radius_m": aero.kill_radius_m,
               "refine_m": float("nan") if refine_m is None else float(refine_m),
               "earth_radius_m": float(earth_radius_m),
               "method": "3-DOF flyout, command guidance to lofted aim point then terminal PN; "
                         "non-manoeuvring target at constant speed and altitude on a great "
                         "circle through the launcher (iadsim.weapons)"},
    )


def _refine_far_edge(aero: MissileAero, alts: np.ndarray, rngs: np.ndarray, signs: np.ndarray,
                     speed_m_s: float, lofts: np.ndarray, dt_s: float, t_max_s: float,
                     earth_radius_m: float, tol_m: float, max_launch: np.ndarray,
                     max_intercept: np.ndarray, ground: np.ndarray, bracketed: np.ndarray) -> None:
    """Bisect the far launch edge of every bracketed (heading, altitude); updates in place.

    ``max_launch`` and ``max_intercept`` (``(n_heading, n_alt)``) are overwritten with the
    refined edge and the larger of the grid's and the refined edge's fuze-point distance.
    """
    todo = bracketed & np.isfinite(max_launch)
    if not todo.any():
        return
    lo = max_launch[todo]
    hi = rngs[np.searchsorted(rngs, lo) + 1]
    lo_ground = np.take_along_axis(ground[todo], np.searchsorted(rngs, lo)[:, None], axis=1)[:, 0]
    alt = np.broadcast_to(alts, todo.shape)[todo]
    vel = signs[todo] * speed_m_s
    while np.any(hi - lo > tol_m):
        mid = 0.5 * (lo + hi)
        shots = _fly_shots(aero, alt, mid, vel, lofts, dt_s, t_max_s, earth_radius_m)
        ok = shots.intercept
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
        lo_ground = np.where(ok, shots.intercept_ground_range_m, lo_ground)
    max_launch[todo] = lo
    max_intercept[todo] = np.fmax(max_intercept[todo], lo_ground)


@dataclass(frozen=True)
class KinematicReach:
    """Engagement-zone edges of one missile against an approaching target, per altitude.

    Attributes
    ----------
    missile_id : missile with a calibrated flyout model.
    target_speed_m_s : speed of the non-manoeuvring target flying straight at the launcher.
    altitude_m : target heights above the launcher's level (m, above the flyout's sphere).
    min_intercept_range_m, max_intercept_range_m : nearest / farthest ground distance (m) from
        the launcher of a fuzed intercept (NaN: none at that altitude).
    range_step_m : first initial-range grid step; the far edge is refined to
        ``range_step_m / 16``, the near edge is known to about ``range_step_m / 4`` within two
        steps of the launcher (and to a grid step beyond).
    """

    missile_id: str
    target_speed_m_s: float
    altitude_m: tuple[float, ...]
    min_intercept_range_m: tuple[float, ...]
    max_intercept_range_m: tuple[float, ...]
    range_step_m: float


def check_target_speed(target_speed_m_s: float) -> None:
    """Raise :class:`InputError` unless the reference target speed is finite and > 0 m/s."""
    if not (np.isfinite(target_speed_m_s) and target_speed_m_s > 0):
        raise InputError(f"reference target speed {target_speed_m_s!r} m/s: allowed values are > 0")


@functools.lru_cache(maxsize=64)
def kinematic_reach(missile_id: str, altitudes_m: tuple[float, ...],
                    target_speed_m_s: float = REFERENCE_TARGET_SPEED_M_S,
                    max_range_m: float | None = None,
                    max_altitude_m: float | None = None) -> KinematicReach:
    """Farthest and nearest intercept point of ``missile_id`` per target altitude (cached).

    The target flies straight and level at ``target_speed_m_s`` towards the launcher
    (:func:`launch_acceptability`, heading ``approaching``, default lofts and step). The initial
    ranges run in steps of the missile's nominal published maximum range / :data:`RANGE_STEPS`
    (finer, a quarter step, within two steps of the launcher) up to twice that range; while the
    far edge is not inside the grid, the extent and the step beyond two steps are doubled (at
    most to 8 × the range). The far edge is then bisected to 1/16 of the first step. The nominal
    range sets only this search resolution, the same whatever figures a run uses. The flyout is
    the one the engagement run flies with the same figures:
    :func:`iadsim.weapons.calibration.aero_for` fitted to ``max_range_m`` and
    ``max_altitude_m`` (the figure set's or an override's ``max_range_km`` and
    ``max_altitude_km``; ``None``: the published values the calibration is fitted to).
    Heights ≤ 0 (target at or below the launcher's level, where the flyout's ground is) have no
    reach (NaN).

    Parameters
    ----------
    missile_id : a missile of :func:`iadsim.weapons.calibration.aero_ids`.
    altitudes_m : target heights above the launcher's level, m (hashable for the cache).
    target_speed_m_s : reference target speed, m/s (> 0).
    max_range_m, max_altitude_m : the missile's maximum range and ceiling, m (optional).
    """
    check_target_speed(target_speed_m_s)
    aero = aero_for(missile_id, max_range_m, max_altitude_m)
    step0 = load_library().get(missile_id).si("max_range_km", "nominal") / RANGE_STEPS
    alts = np.asarray(altitudes_m, dtype=float)
    up = alts > 0
    lo = np.full(alts.shape, np.nan)
    hi = np.full(alts.shape, np.nan)
    if up.any():
        for doubling in range(3):
            step = step0 * 2**doubling
            ranges = np.concatenate([np.arange(step0 / 4, 2 * step0, step0 / 4),
                                     np.arange(2 * step0, 2 * RANGE_STEPS * step, step)])
            ds = launch_acceptability(aero, alts[up], target_speed_m_s, ranges=ranges,
                                      refine_m=step0 / 16)
            if bool(ds["far_edge_bracketed"].all()):
                break
        else:
            raise RuntimeError(f"{missile_id}: intercepts beyond 8 x its published maximum range; "
                               "check the calibration (iadsim/data/missile_aero.yaml)")
        lo[up] = ds["min_intercept_range_m"].values[0]
        hi[up] = ds["max_intercept_range_m"].values[0]
    return KinematicReach(missile_id, float(target_speed_m_s), tuple(alts.tolist()),
                          tuple(lo.tolist()), tuple(hi.tolist()), float(step0))
