"""Kinematic launch envelope of a missile: where a launch *now* leads to a fuzed intercept.

For each target altitude and initial target ground range, a non-manoeuvring target flies at
constant velocity and altitude straight towards (``approaching``) or away from (``receding``) the
launcher; the missile (:func:`iadsim.weapons.flyout.fly`, calibrated :class:`MissileAero`) is
launched at once from the origin under command guidance towards a lofted aim point (several loft
angles are tried; the best one counts), then terminal PN. A launch is acceptable when the fuze
fires within ``kill_radius_m`` before the missile runs out of useful energy, hits the ground or
reaches ``t_max_s``. This is kinematics only: no detection, reaction time, Pk or ECM.

Output: an ``xarray.Dataset`` with dims ``(heading, altitude, range)`` holding ``intercept``
(bool), ``time_of_flight_s``, ``miss_m`` and ``best_loft_rad``, and per ``(heading, altitude)``
``max_launch_range_m`` / ``min_launch_range_m`` (largest / smallest acceptable initial ground
range on the grid, NaN if none; holes between them are not reported there).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from iadsim.weapons.flyout import MissileAero, fly

__all__ = ["launch_acceptability"]

_HEADING_SIGN = {"approaching": -1.0, "receding": 1.0}


def launch_acceptability(aero: MissileAero, target_alt_m: Sequence[float],
                         target_speed_m_s: float, headings: Sequence[str] = ("approaching",),
                         ranges: Sequence[float] | None = None,
                         lofts_deg: Sequence[float] = (0.0, 15.0, 30.0, 45.0, 60.0),
                         dt_s: float = 0.1, t_max_s: float = 900.0) -> xr.Dataset:
    """Launch acceptability over (heading, target altitude, initial target ground range).

    Parameters
    ----------
    aero : missile parameters (e.g. :func:`iadsim.weapons.load_aero`).
    target_alt_m : target altitudes (m above the launcher's ground plane).
    target_speed_m_s : target ground speed (m/s), constant.
    headings : any of ``"approaching"`` (flies straight at the launcher), ``"receding"``.
    ranges : initial target ground ranges (m); default 2 km steps to 1.6 × the aero's
        manoeuvre-free reach estimate (400 km).
    lofts_deg : loft angles of the command-guidance aim point tried per launch.
    dt_s, t_max_s : flyout step and time limit.
    """
    alts = np.asarray(target_alt_m, dtype=float)
    rngs = np.arange(2000.0, 400_001.0, 2000.0) if ranges is None else np.asarray(ranges, float)
    lofts = np.radians(np.asarray(lofts_deg, dtype=float))
    for h in headings:
        if h not in _HEADING_SIGN:
            raise ValueError(f"heading {h!r}: allowed {', '.join(_HEADING_SIGN)}")
    na, nr, nl = alts.size, rngs.size, lofts.size
    A, R, L = np.meshgrid(alts, rngs, lofts, indexing="ij")
    n = A.size
    shape = (len(headings), na, nr)
    intercept = np.zeros(shape, dtype=bool)
    tof = np.full(shape, np.nan)
    miss = np.full(shape, np.nan)
    best_loft = np.full(shape, np.nan)
    for ih, heading in enumerate(headings):
        p0 = np.stack([np.zeros(n), R.ravel(), A.ravel()], axis=1)
        v = np.zeros((n, 3))
        v[:, 1] = _HEADING_SIGN[heading] * target_speed_m_s

        def target(t: float, p0=p0, v=v) -> tuple[np.ndarray, np.ndarray]:
            return p0 + v * t, v

        res = fly(aero, np.zeros((n, 3)), target, loft_rad=L.ravel(), dt=dt_s, t_max=t_max_s,
                  record_every=10**9)
        hit = res.intercept.reshape(na, nr, nl)
        t_hit = np.where(hit, res.intercept_time_s.reshape(na, nr, nl), np.inf)
        intercept[ih] = hit.any(axis=2)
        best = np.argmin(t_hit, axis=2)
        t_best = np.take_along_axis(t_hit, best[..., None], axis=2)[..., 0]
        tof[ih] = np.where(intercept[ih], t_best, np.nan)
        best_loft[ih] = np.where(intercept[ih], lofts[best], np.nan)
        with np.errstate(invalid="ignore"):
            miss[ih] = np.nanmin(np.where(np.isnan(res.miss_m), np.inf,
                                          res.miss_m).reshape(na, nr, nl), axis=2)
        miss[ih][~np.isfinite(miss[ih])] = np.nan
    rr = np.broadcast_to(rngs, shape)
    max_r = np.where(intercept, rr, -np.inf).max(axis=2)
    min_r = np.where(intercept, rr, np.inf).min(axis=2)
    max_r[~np.isfinite(max_r)] = np.nan
    min_r[~np.isfinite(min_r)] = np.nan
    dims = ("heading", "altitude", "range")
    return xr.Dataset(
        {
            "intercept": (dims, intercept),
            "time_of_flight_s": (dims, tof, {"units": "s"}),
            "miss_m": (dims, miss, {"units": "m", "long_name": "smallest closest approach"}),
            "best_loft_rad": (dims, best_loft, {"units": "rad"}),
            "max_launch_range_m": (dims[:2], max_r, {"units": "m"}),
            "min_launch_range_m": (dims[:2], min_r, {"units": "m"}),
        },
        coords={"heading": list(headings), "altitude": ("altitude", alts, {"units": "m"}),
                "range": ("range", rngs, {"units": "m", "long_name": "initial target ground range"})},
        attrs={"missile": aero.name, "target_speed_m_s": float(target_speed_m_s),
               "lofts_rad": [float(x) for x in lofts], "dt_s": dt_s, "t_max_s": t_max_s,
               "kill_radius_m": aero.kill_radius_m,
               "method": "3-DOF flat-Earth flyout, command guidance to lofted aim point then "
                         "terminal PN; constant-velocity non-manoeuvring target (iadsim.weapons)"},
    )
