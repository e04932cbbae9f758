"""Fire control: launch solutions and the flyout of a salvo at a threat.

A salvo planned by a fire unit (:meth:`iadsim.engine.fire_unit.FireUnit.plan_salvo`) is flown
with the 3-DOF model and proportional navigation (:mod:`iadsim.weapons.flyout`) against the
target's true trajectory, in the launcher's local ENU frame; each launch only with a launch
solution at its own time (:func:`launch_loft`). Each missile's outcome -- miss distance with
its own guidance error, Pk, kill draw -- comes from :mod:`iadsim.engine.lethality`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iadsim.engine.fire_unit import FireUnit
from iadsim.engine.lethality import missile_kills
from iadsim.engine.trajectory import Trajectories
from iadsim.engine.world import MissileType
from iadsim.geo.frames import enu2geodetic, geodetic2enu
from iadsim.weapons.calibration import LOFTS_DEG
from iadsim.weapons.flyout import MissileAero, SampledTarget, fly

__all__ = ["MAX_FLIGHT_S", "SOLUTION_DT_S", "direction", "fly_salvo", "launch_loft",
           "target_in_frame"]

#: Longest missile flight simulated, s.
MAX_FLIGHT_S = 400.0
#: Integration step of the launch-solution search (coarser than the flown salvo), s.
SOLUTION_DT_S = 0.2


def target_in_frame(traj: Trajectories, truth: int,
                    origin: tuple[float, float, float]) -> SampledTarget:
    """True state of one threat in the launcher's ENU frame, on its truth time grid.

    Converted to the launcher frame once; the flyout interpolates it linearly in time
    (velocity: finite differences of the grid), shared by every missile of a salvo.
    """
    active = traj.active[:, truth]
    t_grid = traj.time_s[active]
    e, nn, up = geodetic2enu(traj.lat_deg[active, truth], traj.lon_deg[active, truth],
                             traj.alt_msl_m[active, truth], *origin)
    pos = np.stack([e, nn, up], axis=-1)
    vel = np.gradient(pos, t_grid, axis=0) if t_grid.size > 1 else np.zeros_like(pos)
    return SampledTarget(t_grid, pos, vel)


def direction(target: SampledTarget, t0: float) -> tuple[float, float]:
    """Elevation and azimuth (rad, clockwise from north) of the target at ``t0``."""
    pos, _ = target(t0)
    return (float(np.arctan2(pos[0, 2], np.hypot(pos[0, 0], pos[0, 1]))),
            float(np.arctan2(pos[0, 0], pos[0, 1])))


def launch_loft(aero: MissileAero, target: SampledTarget, t0: float,
                dt_s: float) -> float | None:
    """Fire-control launch solution at ``t0``: the loft (of :data:`LOFTS_DEG`) giving the
    earliest intercept of ``target`` (launcher frame, :func:`target_in_frame`), launched at the
    target's elevation + loft and towards its azimuth (flyout step ``max(dt_s,
    SOLUTION_DT_S)``).

    ``None`` when no loft intercepts: the target is outside the kinematic launch envelope, and
    the fire unit does not launch (launch acceptability).
    """
    k = len(LOFTS_DEG)
    el, az = direction(target, t0)
    lofts = np.radians(LOFTS_DEG)
    res = fly(aero, np.zeros((k, 3)), target, t0=t0,
              t_max=t0 + MAX_FLIGHT_S, dt=max(dt_s, SOLUTION_DT_S),
              launch_el_rad=el + lofts, launch_az_rad=np.full(k, az), loft_rad=lofts,
              record_every=10**6, until_first_intercept=True)
    if not res.intercept.any():
        return None
    return float(lofts[int(np.nanargmin(np.where(res.intercept, res.intercept_time_s, np.inf)))])


def fly_salvo(u: FireUnit, missile: MissileType, plan: list[tuple[float, int]],
              target: SampledTarget, lethal_radius_m: float, hardness: float,
              rng: np.random.Generator, salvo_no: int, dt_s: float) -> dict | None:
    """Fly a planned salvo (launch times from :meth:`FireUnit.plan_salvo`) at a threat
    (``target``: :func:`target_in_frame` about the launcher) and draw each missile's guidance
    error and kill (launcher-centred ENU); one flyout per distinct launch time, each with its
    own launch solution (a ripple's later missile meets a closer target: the first launch's
    loft would send it past). Launches without a solution at their time are not fired; the
    ``plan`` of the result lists those flown.

    Missiles launched together fly the same noise-free path; each then gets its own miss
    distance and kill draw (:func:`iadsim.engine.lethality.missile_kills`; ``rng``: two normals
    per missile, then one uniform per missile, in plan order).

    A command-guided or semi-active missile whose guiding radars (``guided_by``) all go off
    before its end loses guidance then: its ``end_s`` is that time, no intercept, NaN miss, Pk
    0, its trajectory cut there and ``lost`` says why (emission control); the random draws are
    the same as without it.

    Returns the per-missile arrays ``miss_m``, ``end_s`` (intercept, end of flight or loss of
    guidance), ``lost`` (why guidance was lost, ``''``: it was not), ``command_s``,
    ``terminal_s``, ``intercept``, ``launch_s``, ``pk``, ``killed``, ``release_s`` (guidance
    channel), the ``plan``, the missile ``ids`` and per missile its recorded ``trajectories``
    (ending with its end point at ``end_s``). ``None`` if nothing is planned or there is no
    launch solution at the first launch (the salvo is not fired).
    """
    if not plan:
        return None
    aero = missile.aero
    guides = u.missiles[missile.id].guided_by
    origin = (u.lat_deg, u.lon_deg, u.ground_msl_m)
    lofts = {when: launch_loft(aero, target, when, dt_s)
             for when in sorted({when for when, _ in plan})}
    plan = [(when, i) for when, i in plan if lofts[when] is not None]
    if not plan or plan[0][0] != min(lofts):
        return None
    record = max(1, int(round(1.0 / dt_s)))
    launch = np.array([when for when, _ in plan])
    # '<unit>-<missile>-<salvo of the unit>-<missile of the salvo>': unique even when one unit
    # fires two salvos in the same second (a launch-time id was not).
    ids = [f"{u.id}-{missile.id}-{salvo_no}-{i + 1}" for i in range(len(plan))]
    parts, frames = [], {}
    for t0 in np.unique(launch):
        sel = np.flatnonzero(launch == t0)
        k = sel.size
        el, az = direction(target, float(t0))
        loft = lofts[float(t0)]
        res = fly(aero, np.zeros((k, 3)), target, t0=float(t0), t_max=float(t0) + MAX_FLIGHT_S,
                  dt=dt_s, launch_el_rad=np.full(k, el + loft),
                  launch_az_rad=np.full(k, az), loft_rad=np.full(k, loft), record_every=record)
        end = np.where(res.intercept, res.intercept_time_s, res.end_time_s)
        # emission control: a command-guided / TVM missile loses guidance (and its flight ends
        # as a miss) when the last radar that can guide it goes off
        lost = (np.array([u.silent_from_s(guides, float(t0), float(e)) for e in end])
                if missile.seeker.needs_ground_radar else np.full(k, np.inf))
        cut = lost < end
        end = np.where(cut, lost, end)
        parts.append((sel, res, end, cut))
        for j, i in enumerate(sel):
            # recorded points up to the end, then the end point itself (the intercept or the
            # end of flight falls between recorded steps)
            keep = res.time_s < end[j] - 1e-9
            last = (np.array([np.interp(end[j], res.time_s, res.pos_enu_m[:, j, a])
                              for a in range(3)]) if cut[j] else res.end_pos_enu_m[j])
            pos = np.vstack([res.pos_enu_m[keep, j], last[None]])
            lat, lon, alt = enu2geodetic(pos[:, 0], pos[:, 1], pos[:, 2], *origin)
            frames[i] = pd.DataFrame({
                "time_s": np.append(res.time_s[keep], end[j]), "missile_id": ids[i],
                "missile_type": missile.id, "unit_id": u.id, "lat_deg": lat, "lon_deg": lon,
                "alt_msl_m": alt})
    out = {name: np.full(len(plan), np.nan) for name in
           ("miss_m", "end_s", "command_s", "terminal_s")}
    out["intercept"] = np.zeros(len(plan), dtype=bool)
    lost_why = [""] * len(plan)
    for sel, res, end, cut in parts:
        out["miss_m"][sel] = np.where(cut, np.nan, res.miss_m)
        out["end_s"][sel] = end
        out["command_s"][sel] = res.guidance_start_s
        out["terminal_s"][sel] = res.terminal_time_s
        out["intercept"][sel] = res.intercept & ~cut
        for j in np.flatnonzero(cut):
            lost_why[sel[j]] = (f"guidance lost: {', '.join(guides)} off at {end[j]:.1f} s "
                                "(emission control)")
    out["miss_m"], pk, killed = missile_kills(out["miss_m"], out["intercept"],
                                              aero.guidance_error_m, lethal_radius_m, hardness,
                                              rng)
    acquired = np.isfinite(out["terminal_s"]) & (out["terminal_s"] <= out["end_s"])
    release = (out["end_s"] if missile.seeker.needs_ground_radar
               else np.where(acquired, out["terminal_s"], out["end_s"]))
    return {**out, "plan": plan, "ids": ids, "launch_s": launch, "pk": pk, "lost": lost_why,
            "killed": killed, "release_s": release,
            "trajectories": [frames[i] for i in range(len(plan))]}
