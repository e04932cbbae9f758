"""Suppression of enemy air defences: anti-radiation missiles (ARMs) fired at emitting radars.

A SEAD carrier (scenario ``arms`` of a threat or raid, :class:`~iadsim.engine.world.SeadCarrier`)
fires anti-radiation missiles (:class:`~iadsim.engine.world.ArmType`) at the defence's radars.
:class:`Sead` is the run state; :meth:`Sead.step` runs at every report time, before the command
posts decide.

- **Launch.** A carrier still flying with ARMs left fires ``salvo`` ARMs at the first radar, in
  the order of its ``targets`` (default: every radar, nearest first), that (i) emits now -- a
  passive receiver hears only an emitting radar, and the carrier learns nothing from the
  defence's own decisions; (ii) is alive; (iii) transmits inside the seeker's band; (iv) lies
  within the seeker's one-way acquisition range and the carrier's launch range (slant); (v) is
  above the carrier's radio horizon (smooth 4/3 Earth, :func:`iadsim.geo.los.radar_horizon_m`);
  (vi) is not already the target of this carrier's ARMs in flight; and (vii) can be reached:
  a 3-DOF flyout (:func:`iadsim.weapons.flyout.fly`: proportional navigation on the emitter,
  launched at the carrier's velocity, the lofts of :data:`LOFTS_DEG` tried) fuzes on it. The
  ARMs of a salvo leave together and fly the same path; each draws its own miss.
- **Flight** in the radar's local ENU frame, homing on the antenna (the emitter is stationary).
  The ARM is an object of the run's truth from its launch (its slot, made by
  :func:`iadsim.engine.air_picture.arm_slots`, is filled with the flight on the truth's time
  grid): the radars see it (RCS of its library item) from the next report window, the
  trackers track it, and the command posts evaluate and engage it like any threat -- point
  defence of the radars by whatever can reach it (a shot-down ARM does not arrive). It is not
  a threat of the fates or the raid's measures; the SEAD summary and metrics count it.
- **Emitter dark.** If the radar is silent when the ARM arrives (emission control, or lost),
  the seeker has flown the last ``τ`` seconds -- since the later of its launch and the start of
  the silence -- on its memory of the emitter's last known position; the aim point is then off
  by a circular-normal error of σ = ``memory_drift_m_s`` · τ per axis
  (:func:`memory_error_sigma_m`), independent of the ARM's own guidance error, so the two add in
  variance. A radar that emits again before the impact is homed on again (τ = 0).
- **Decoy emitters** (scenario ``decoy_emitters`` of a battalion, near one of its radars): the
  seeker cannot resolve emitters a few hundred metres apart and points at their power centroid
  (:func:`power_centroid`) -- of the radar and its decoys that radiate at the impact; a decoy
  that keeps emitting (``always``) when the radar goes dark draws the ARM onto itself with no
  memory error; with everything silent the ARM flies on memory to the centroid of what it last
  heard (the radar and its decoys).
- **Impact.** Burst point (:func:`arm_burst_xy`): the aim point plus the flown closest
  approach plus a circular-normal error of σ = sqrt(σ_guidance² + σ_memory²) per axis; within
  the warhead's lethal radius of the burst the radar is destroyed (the fight's ``lose_radar``:
  it emits, detects and guides nothing from then on) -- a cookie-cutter kill of a soft target
  (antenna, waveguides, cabin) -- and so is a decoy emitter (it radiates no more).
- Events: ``arm_launch`` and ``arm_impact`` (``missile_id`` the ARM, ``missile_type`` its type,
  ``truth_id`` the carrier, ``object_id`` the radar aimed at, ``unit_id`` its battalion,
  ``miss_m``; ``detail`` says what happened), then ``radar_destroyed``.

Not modelled yet (issue 13): ARM warning (classifying an ARM track by speed and profile) and the
emission-control doctrine that acts on it (go dark, blink, keep emitting when point defence
covers the inbound ARMs).

Randomness: the bursts come from the run's SEAD stream (two normals per ARM, at its impact), so
a run without carriers draws nothing from it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from iadsim.engine.events import EventLog, EventQueue
from iadsim.engine.trajectory import Trajectories
from iadsim.engine.sensing import Sensing
from iadsim.engine.world import ArmType, RadarSite, SeadCarrier, World
from iadsim.geo.frames import enu2enu_transform, enu2geodetic, geodetic2enu
from iadsim.geo.los import radar_horizon_m
from iadsim.weapons.flyout import FlyoutResult, MissileAero, SampledTarget, fly

__all__ = ["LOFTS_DEG", "Sead", "arm_burst_xy", "arm_flyout", "dark_time_s",
           "memory_error_sigma_m", "power_centroid"]

#: Lofts of the ARM's aim point tried at a launch, degrees (the earliest fuzing one is flown).
LOFTS_DEG = (0.0, 10.0, 20.0, 30.0, 40.0)
#: Longest ARM flight flown, s.
MAX_FLIGHT_S = 600.0


def memory_error_sigma_m(dark_s: np.ndarray | float, drift_m_s: float) -> np.ndarray:
    """1-σ per axis of an ARM's aim-point error after ``dark_s`` seconds on memory.

    A seeker that loses its emitter flies on to the last known position; its estimate of that
    point degrades with the time flown without the signal (angle-memory and inertial drift),
    taken as linear in time: σ = drift · τ (``drift_m_s`` an equipment figure, cited or
    assumed).

    >>> float(memory_error_sigma_m(20.0, 5.0))
    100.0
    """
    return np.asarray(dark_s, dtype=float) * float(drift_m_s)


def dark_time_s(off_windows_s: np.ndarray, launch_s: float, impact_s: float) -> float:
    """How long an ARM launched at ``launch_s`` has flown on memory at ``impact_s``: 0 if the
    radar emits at the impact, else the time since the later of the launch and the start of the
    off window holding the impact.

    >>> import numpy as np
    >>> w = np.array([[100.0, 300.0]])
    >>> dark_time_s(w, 50.0, 120.0), dark_time_s(w, 150.0, 170.0), dark_time_s(w, 50.0, 310.0)
    (20.0, 20.0, 0.0)
    """
    w = np.asarray(off_windows_s, dtype=float).reshape(-1, 2)
    inside = (w[:, 0] <= impact_s) & (impact_s < w[:, 1])
    if not inside.any():
        return 0.0
    return float(impact_s - max(launch_s, float(w[inside, 0].max())))


def arm_flyout(aero: MissileAero, launch_pos_enu: np.ndarray, launch_vel_enu: np.ndarray,
               emitter_enu: np.ndarray, t0: float, dt_s: float) -> tuple[FlyoutResult, int | None]:
    """Fly an ARM from a carrier at an emitter (one local ENU frame, m and m/s): one flyout per
    loft of :data:`LOFTS_DEG` (:func:`iadsim.weapons.flyout.fly`, PN on the stationary emitter,
    launched at the carrier's velocity, recorded every second); the index of the loft with the
    earliest fuzing, ``None`` when none reaches the emitter."""
    lofts = np.radians(LOFTS_DEG)
    n = lofts.size
    target = SampledTarget(np.array([t0]), np.asarray(emitter_enu, float)[None, :],
                           np.zeros((1, 3)))
    res = fly(aero, np.repeat(np.asarray(launch_pos_enu, float)[None, :], n, axis=0), target,
              launch_vel_enu=np.repeat(np.asarray(launch_vel_enu, float)[None, :], n, axis=0),
              t0=t0, t_max=t0 + MAX_FLIGHT_S, dt=dt_s, loft_rad=lofts,
              record_every=max(1, int(round(1.0 / dt_s))))
    if not res.intercept.any():
        return res, None
    return res, int(np.nanargmin(np.where(res.intercept, res.intercept_time_s, np.inf)))


def power_centroid(xy_m: np.ndarray, power: np.ndarray) -> np.ndarray:
    """Where a passive seeker that cannot resolve several emitters points: the centroid of
    their positions weighted by the power it receives from each (at a distance far larger
    than their spacing the R² spreading is common to all, so the weights are their powers
    toward it).

    >>> power_centroid(np.array([[0.0, 0.0], [300.0, 0.0]]), np.array([1.0, 2.0])).tolist()
    [200.0, 0.0]
    """
    p = np.asarray(power, dtype=float)
    return (np.asarray(xy_m, dtype=float) * p[:, None]).sum(axis=0) / p.sum()


def arm_burst_xy(aim_xy_m: np.ndarray, flown_miss_m: np.ndarray | float, arm: ArmType,
                 dark_s: float, rng: np.random.Generator) -> np.ndarray:
    """Burst points ``(n, 2)`` (east, north, m from the radar) of ARMs aimed at ``aim_xy_m``
    that flew the last ``dark_s`` seconds on memory: the aim point plus the flown closest
    approach (along east) plus a circular-normal error of σ = sqrt(σ_guidance² +
    σ_memory(τ)²) per axis (independent errors add in variance), two standard normals per ARM.
    About a zero aim point and flown miss the distance is Rayleigh, about an offset one Rice.
    """
    sigma = float(np.hypot(arm.aero.guidance_error_m,
                           memory_error_sigma_m(dark_s, arm.memory_drift_m_s)))
    flown = np.atleast_1d(np.asarray(flown_miss_m, dtype=float))
    error = rng.standard_normal((flown.size, 2)) * sigma
    error[:, 0] += np.nan_to_num(flown, nan=0.0)
    return np.asarray(aim_xy_m, dtype=float)[None, :] + error


@dataclass
class _Carrier:
    """A carrier in a run: its object index, figures, ARMs left, ARMs in flight by radar id."""

    index: int
    spec: SeadCarrier
    left: int
    flying: dict[str, int]


class Sead:
    """SEAD state of one run (module notes).

    Parameters
    ----------
    world : World
        Its carriers (``sead``; those whose object is not flown in this run are ignored), ARM
        types and radars.
    traj : Trajectories
        Truth of the run (the carriers' positions).
    sensing : Sensing
        The run's sensing state: each radar's emission state now (its sensors' off windows,
        including what the run switched off) and each object's kill time (a carrier dead by
        then fires nothing).
    lost_s : dict of str to float
        When each radar lost during the run was lost (the fight's; scripted losses are the
        World's ``destroyed_s``).
    flight_end_s : ndarray
        The fight's last time of each object's flight record: an ARM's is set at its launch.
    rng : numpy.random.Generator
        The SEAD stream (misses).
    log, queue : EventLog, EventQueue
        The run's event log and queue (impacts are scheduled).
    lose_radar : callable(radar_id, time_s, why)
        Destroys a radar during the run.
    dt_s : float
        Flyout integration step, s.
    """

    def __init__(self, world: World, traj: Trajectories, sensing: Sensing,
                 lost_s: dict[str, float], flight_end_s: np.ndarray, rng: np.random.Generator,
                 log: EventLog, queue: EventQueue, lose_radar: Callable[[str, float, str], None],
                 dt_s: float) -> None:
        index = {obj: k for k, obj in enumerate(traj.ids)}
        self.index = index
        self.carriers = [_Carrier(index[c.object_id], c, c.count, {})
                         for c in world.sead if c.object_id in index]
        self.flight_end_s = flight_end_s
        self.arm_types, self.radars, self.traj = world.arm_types, world.radars, traj
        self.sensing, self.lost_s = sensing, lost_s
        self.rng, self.log, self.queue = rng, log, queue
        self.lose_radar, self.dt_s = lose_radar, dt_s
        self.decoys = world.decoy_emitters
        #: decoy emitters destroyed by a burst (they radiate no more)
        self.decoys_lost: set[str] = set()

    def step(self, t: float) -> None:
        """Launch decisions of every carrier at ``t`` (module notes)."""
        live = [c for c in self.carriers if c.left > 0 and self.sensing.death_s[c.index] > t]
        if not live:
            return
        lat, lon, alt, vel, active = self.traj.at(np.full(len(live), t),
                                                   np.array([c.index for c in live]))
        for k, c in enumerate(live):
            if active[k]:
                self._consider(c, t, (lat[k], lon[k], alt[k]), vel[k])

    def _consider(self, c: _Carrier, t: float, where: tuple[float, float, float],
                  vel: np.ndarray) -> None:
        """Fire at the first radar that passes the launch rules (module notes), if any."""
        arm = self.arm_types[c.spec.arm_id]
        reach = min(arm.acquisition_range_m, c.spec.launch_range_m)
        order = c.spec.targets or tuple(r.id for r in self.radars)
        candidates = []
        for rank, radar_id in enumerate(order):
            k = next(i for i, r in enumerate(self.radars) if r.id == radar_id)
            r, s = self.radars[k], self.sensing.sensors[k]
            if c.flying.get(r.id, 0) or not bool(s.emitting(t)) or not _in_band(r, arm):
                continue
            pos = np.array(geodetic2enu(*where, r.lat_deg, r.lon_deg, r.ground_msl_m))
            antenna = np.array([0.0, 0.0, r.antenna_msl_m - r.ground_msl_m])
            slant = float(np.linalg.norm(pos - antenna))
            horizon = float(radar_horizon_m(max(antenna[2], 0.0),
                                            max(where[2] - r.ground_msl_m, 0.0)))
            if slant <= reach and slant <= horizon:
                candidates.append((rank if c.spec.targets else slant, k, pos, antenna, slant))
        for _, k, pos, antenna, slant in sorted(candidates, key=lambda x: x[0]):
            r = self.radars[k]
            rotation, _ = enu2enu_transform(where, (r.lat_deg, r.lon_deg, r.ground_msl_m))
            if self._fire(c, arm, r, t, pos, rotation @ vel, antenna, slant):
                return

    def _fire(self, c: _Carrier, arm: ArmType, r: RadarSite, t: float, pos: np.ndarray,
              vel: np.ndarray, antenna: np.ndarray, slant_m: float) -> bool:
        """Fly a salvo at radar ``r`` (its ENU frame: carrier at ``pos`` with velocity ``vel``,
        antenna at ``antenna``); ``False`` if no loft reaches it (nothing is fired)."""
        res, best = arm_flyout(arm.aero, pos, vel, antenna, t, self.dt_s)
        if best is None:
            return False
        impact = float(res.intercept_time_s[best])
        salvo = min(c.spec.salvo, c.left)
        c.flying[r.id] = c.flying.get(r.id, 0) + salvo
        carrier = self.traj.ids[c.index]
        flight = _flight_samples(res, best, impact, self.traj.time_s, r)
        for _ in range(salvo):
            arm_id = f"{carrier}-{arm.id}-{c.spec.count - c.left + 1}"
            c.left -= 1
            slot = self.index[arm_id]
            if flight is not None:
                first, lat, lon, alt, vel = flight
                self.traj.fill(slot, lat, lon, alt, vel, first)
                self.flight_end_s[slot] = float(self.traj.time_s[first + lat.size - 1])
            common = {"unit_id": r.battalion_id, "missile_type": arm.id, "missile_id": arm_id,
                      "truth_id": c.index, "object_id": r.id}
            self.log.add(time_s=t, event="arm_launch", **common,
                         detail=f"fired by {carrier} at {r.id} ({slant_m / 1000:.1f} km, loft "
                                f"{LOFTS_DEG[best]:g} deg, time of flight {impact - t:.1f} s)")
            self.queue.schedule({"time_s": impact, "event": "arm_impact", "action":
                                 functools.partial(self._impact, c, arm, r, t, impact,
                                                   float(res.miss_m[best]), common, slot)})
        return True

    def _impact(self, c: _Carrier, arm: ArmType, r: RadarSite, launch_s: float,
                impact_s: float, flown_miss_m: float, common: dict, slot: int) -> None:
        """An ARM arrives, unless it was shot down: its aim point and burst (module notes);
        the radar, and any decoy emitter, within the lethal radius of the burst is
        destroyed."""
        c.flying[r.id] -= 1
        if self.sensing.death_s[slot] <= impact_s:
            return
        k = self.radars.index(r)
        radar_on = bool(self.sensing.sensors[k].emitting(impact_s))
        decoys = [d for d in self.decoys if d.radar_id == r.id and d.id not in self.decoys_lost]
        heard = [(0.0, 0.0, 1.0)] if radar_on else []
        heard += [(d.east_m, d.north_m, d.power_ratio) for d in decoys if d.always or radar_on]
        if heard:                     # homing on what radiates now
            dark = 0.0
        else:                         # memory of what it heard before the radar went dark
            dark = dark_time_s(self.sensing.sensors[k].off_windows_s, launch_s, impact_s)
            heard = [(0.0, 0.0, 1.0)] + [(d.east_m, d.north_m, d.power_ratio) for d in decoys]
        points = np.array(heard)
        aim = power_centroid(points[:, :2], points[:, 2])
        burst = arm_burst_xy(aim, flown_miss_m, arm, dark, self.rng)[0]
        miss = float(np.hypot(*burst))
        lethal = arm.lethal_radius_m
        lost = min(r.destroyed_s, self.lost_s.get(r.id, np.inf))
        if lost < impact_s:
            what = f"{r.id} already destroyed at {lost:.1f} s"
        elif miss <= lethal:
            what = f"{r.id} destroyed (lethal radius {lethal:g} m)"
        else:
            what = f"{r.id} not damaged (lethal radius {lethal:g} m)"
        notes = []
        if np.any(aim != 0.0):
            notes.append(f"aimed at the emitters' power centroid, {np.hypot(*aim):.0f} m from "
                         f"{r.id}")
        if dark > 0:
            notes.append(f"emitter dark for the last {dark:.1f} s, aim error sigma "
                         f"{memory_error_sigma_m(dark, arm.memory_drift_m_s):.0f} m")
        hit = [d for d in decoys if np.hypot(burst[0] - d.east_m, burst[1] - d.north_m) <= lethal]
        notes += [f"decoy emitter {d.id} destroyed" for d in hit]
        self.decoys_lost.update(d.id for d in hit)
        self.log.add(time_s=impact_s, event="arm_impact", miss_m=miss, **common,
                     detail=f"miss {miss:.1f} m: {what}" + "".join(f"; {n}" for n in notes))
        if lost >= impact_s and miss <= lethal:
            self.lose_radar(r.id, impact_s, f"anti-radiation missile {common['missile_id']}")


def _in_band(r: RadarSite, arm: ArmType) -> bool:
    """Whether the radar transmits inside the seeker's band (a radar without a stated
    frequency is taken to be heard)."""
    if r.receiver is None:
        return True
    return arm.min_frequency_hz <= r.receiver.frequency_hz <= arm.max_frequency_hz


def _flight_samples(res: FlyoutResult, k: int, impact_s: float, grid_s: np.ndarray,
                    r: RadarSite) -> tuple[int, np.ndarray, np.ndarray, np.ndarray,
                                           np.ndarray] | None:
    """Flight ``k`` of a flyout in the radar's ENU frame on the truth's time grid, up to the
    impact: the first grid sample, geodetic positions and velocities in the local ENU frame at
    each sample (``None`` when no grid time falls within the flight)."""
    keep = res.time_s <= impact_s
    t, p, v = res.time_s[keep], res.pos_enu_m[keep, k], res.vel_enu_m_s[keep, k]
    first = int(np.searchsorted(grid_s, t[0], side="left"))
    last = int(np.searchsorted(grid_s, impact_s, side="right"))
    g = grid_s[first:last]
    if not g.size:
        return None
    pos = np.column_stack([np.interp(g, t, p[:, e]) for e in range(3)])
    vel = np.column_stack([np.interp(g, t, v[:, e]) for e in range(3)])
    origin = (r.lat_deg, r.lon_deg, r.ground_msl_m)
    lat, lon, alt = enu2geodetic(pos[:, 0], pos[:, 1], pos[:, 2], *origin)
    local = np.array([enu2enu_transform(origin, (la, lo, al))[0] @ w
                      for la, lo, al, w in zip(lat, lon, alt, vel, strict=True)])
    return first, np.asarray(lat), np.asarray(lon), np.asarray(alt), local
