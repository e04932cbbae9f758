"""The engagement chain: detect → track → evaluate → assign → launch → fly out → assess.

Built on the air picture (:mod:`iadsim.engine.air_picture`): the threats fly their routes, the
radars scan and the trackers run first; then a decision loop on the report clock engages the
tracks.

Model (each step documented where it is coded):

- **C2**: each battalion's command post sees the fused command-post picture with a link latency
  (``link_latency_s``); the networked fire units (battalions) are assigned together and engage
  **cooperatively**: a missile with an active terminal seeker may be launched on any fused
  track; a command-guided (or semi-active track-via-missile) one needs a confirmed track of the
  same target held by one of its battalion's engagement radars (``guided_by``).
- **Command-post loss** (scenario ``command_post_lost_at_s`` of a battalion): from then on the
  battalion fights **autonomously** -- its own radars' tracks only (per-radar trackers, no link
  latency, one track per target preferring its radars in scenario order), its own threat
  evaluation and assignment, no cooperative engagement, and no knowledge of the other units'
  engagements.
- **Threat evaluation**: :func:`iadsim.c2.threat.evaluate_threats` (its numpy core,
  :class:`~iadsim.c2.threat.ThreatModel`) against the defended assets.
- **Assignment**: :func:`iadsim.c2.assignment.assign_optimal` (or greedy; their list form,
  :func:`~iadsim.c2.assignment.engagement_rows`) maximising expected
  threat value destroyed, subject to rounds aboard the launchers, free target channels
  (``simultaneous_targets_count``) and free missile-guidance channels
  (``simultaneous_missiles_guided_count``) of the engagement radar, and doctrine (salvo,
  minimum Pk, reserve, at most :attr:`~iadsim.c2.doctrine.Doctrine.engagement_cap` engagements
  of one unit at one threat). An engagement holds a target channel until its last missile
  releases its guidance channel; a missile holds a guidance channel from the decision to fire
  until its active seeker acquires the target, or, for command and semi-active (TVM) guidance,
  which need the ground radar to the end, until the end of its flight.
- **Launch** after the battalion's reaction time from the launchers of
  :mod:`iadsim.engine.fire_unit` (minimum interval between launches of one launcher, reload
  from spare rounds), each launch only with a launch solution at its own time (a ripple's
  later missile that has none is not fired); **flyout** of every missile with the 3-DOF model and proportional
  navigation (:mod:`iadsim.weapons.flyout`) against the target's true trajectory, in the
  launcher's local ENU frame; its guidance-mode changes (boost → command, command → terminal)
  are logged; the **miss distance** of each missile is the flown closest approach plus its own
  guidance-error draw (:func:`iadsim.weapons.guidance.miss_with_guidance_error`, σ per missile
  type from ``missile_aero.yaml``): the noise-free flyout alone ends millimetres from the target,
  and the missiles of a salvo (often launched together and flying the same path) must not share
  one error; **kill** drawn from the Carleton damage function of that miss distance
  (:mod:`iadsim.weapons.kill`). An ``intercept`` is the fuze functioning at the target (the
  flown closest approach within the fuze's ``kill_radius_m``), whatever the drawn miss.
- **Kill knowledge and hold fire**: the command posts learn a kill from truth at the kill time
  (no assessment delay; also used for the threats they consider at a decision), and that a
  threat's flight has ended (its flight record ends: it reached the end of its route). The
  rounds of a salvo are committed at the decision to fire; each missile (and each gun burst)
  leaves only at its own launch time, and only if by then its target is not known destroyed
  and still flies -- otherwise fire is held (``hold_fire``): the round stays aboard and its
  guidance channel is released. A missile already in flight when its target is destroyed (the
  second of a salvo) flies on and ends as a ``miss`` ("target already destroyed"), with no
  intercept, no guidance-mode change after the kill and no second kill; likewise when the
  target's flight ends before the missile arrives. A gun burst stops when the target's flight
  record ends (fewer rounds, kill assessed then).
- **Guns** (Pantsir 2A38M): after the missile assignment, a unit with guns fires one burst at the
  most threatening target whose predicted position at the end of its reaction time is inside
  the gun's effective range and altitude and that one of its own radars tracks; kill drawn from
  :func:`iadsim.weapons.kill.gun_burst_pk` (Poisson hits, Ball 2003).
- **Emission control** (scenario ``emcon``, :func:`iadsim.sensors.scan.radar_emitting`): a
  radar that is off detects nothing (its tracks coast and drop by the tracker's own logic) and
  guides nothing; ``radar_off`` / ``radar_on`` events (``unit_id``: its battalion, ``object_id``:
  the radar) mark the switches. A **command-guided or semi-active (TVM)** missile needs one of
  its battalion's radars that can guide it (``guided_by``) emitting at the decision, at its
  launch and to the end of its flight: it is not assigned while they are all off (a silent
  radar holds no usable track: "no engagement-radar track"), a committed round is not launched
  if they are all off at its launch time (``hold_fire``, the round stays aboard), and a missile
  in flight when the last of them goes off loses guidance: it ends then as a ``miss`` ("guidance
  lost"), no intercept and no kill (the simplest honest outcome: an unguided missile does not
  fuze on its target; a ballistic fly-on is not modelled). The decision looks at the emission
  state now, not at the schedule ahead. An **active-seeker** missile (40N6E, 9M96E2) follows the
  cooperative rule above: it may be launched on the fused track of the other radars while its
  own battalion's radars are off, and flies to its seeker's acquisition on the network's
  midcourse updates, not on its own radars; an autonomous battalion (command post lost) has only
  its own radars' tracks, which drop while they are off. Guns need a track of one of their
  battalion's radars (no optical sight modelled), so they too fall silent once the tracks drop.
- Threats do not react (no evasion, no jamming); radars are not destroyed (no ARM effect yet);
  false tracks are not engaged.

Randomness: streams spawned from the run seed; the engagement (guidance errors, kill draws) uses
its own stream, so the sensing and tracking of a run are the same with and without engagements.
"""

from __future__ import annotations

import functools
import heapq
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from iadsim.c2.assignment import engagement_rows
from iadsim.c2.doctrine import Doctrine
from iadsim.c2.threat import ThreatModel, Threats
from iadsim.engine.air_picture import (
    FUSED,
    AirPicture,
    AirPictureConfig,
    simulate_air_picture,
)
from iadsim.engine.fire_unit import FireUnit, build_fire_units
from iadsim.errors import InputError
from iadsim.geo.frames import ecef2enu, enu2ecef, enu2geodetic, geodetic2enu
from iadsim.scenario.figures import Figures
from iadsim.scenario.library import load_library
from iadsim.scenario.model_figures import EngagementModel, engagement_model
from iadsim.scenario.schema import Scenario
from iadsim.weapons.calibration import LOFTS_DEG, aero_ids, load_aero
from iadsim.weapons.flyout import SampledTarget, altitude_m, fly, ground_range_m
from iadsim.weapons.guidance import miss_with_guidance_error
from iadsim.weapons.kill import carleton_pk, gun_burst_pk

Progress = Callable[[str, int, int], None]

#: Longest missile flight simulated, s.
MAX_FLIGHT_S = 400.0
#: After a failed launch solution, the fire control retries the same pair after this delay, s.
SOLUTION_RETRY_S = 5.0
#: Integration step of the launch-solution search (coarser than the flown salvo), s.
SOLUTION_DT_S = 0.2

#: Model figures of the engagement (presented area to a gun burst and Carleton hardness by threat
#: class, the reference of the lethal-radius scaling, the planning Pk and speed) come from the
#: cited data file ``iadsim/data/engagement_model.yaml`` (:mod:`iadsim.scenario.model_figures`),
#: each with its sources or assumption; :attr:`EngagementConfig.model` holds them for a run.
#: Presented area of a threat to a gun burst by threat class, m² (the packaged file's values).
GUN_TARGET_AREA_M2 = dict(engagement_model().gun_target_area_m2)
#: Carleton hardness (R_eff = R50 / h) by threat class (the packaged file's values).
TARGET_HARDNESS = dict(engagement_model().target_hardness)

#: What emission control does to an engagement (listed in a run's assumptions when a radar of a
#: fire unit is switched off; module notes, "Emission control").
EMCON_DOCTRINE = (
    "Emission control: a radar that is off detects nothing and guides nothing. Command-guided "
    "and semi-active (track-via-missile) missiles are assigned and launched only while one of "
    "their battalion's radars that can guide them emits; one in flight when the last of them "
    "goes off loses guidance and ends then as a miss (no intercept, no kill). Active-seeker "
    "missiles may be launched on the command post's fused track of the other radars while their "
    "own battalion's radars are off (cooperative engagement) and fly out on the network's "
    "midcourse updates. Decisions see the emission state now, not the schedule ahead.")

#: Kill-chain links before engagement, in order, as (event that marks the link, label of a
#: threat that got no further); beyond them a threat is "engaged (missiles / guns)". A threat's
#: ``furthest_link`` tells an analyst where the chain broke for a leaker.
KILL_CHAIN = (("first_detection", "detected, no confirmed track"),
              ("track_confirmed", "tracked, never assigned"),
              ("assign", "assigned, nothing fired"))

#: Why a tracked threat was not engaged at a decision, best case over the fire units (later
#: entries are closer to a shot); a threat tracked but never assigned carries the closest it
#: came over all the decisions that considered it.
NOT_ENGAGED = ("no rounds aboard", "out of missile reach", "no engagement-radar track",
               "no free fire channel or doctrine (salvo, minimum Pk, engagement cap)",
               "no launch solution (the flyout found no loft that intercepts)")
_OUT_OF_REACH, _NO_TRACK, _FEASIBLE, _NO_SOLUTION = 1, 2, 3, 4     # indices in NOT_ENGAGED

#: Event kinds in the log, with their order at equal times (lower first): state changes, what
#: the picture shows, outcomes known at that time, then the decisions taken on them.
EVENT_PRIORITY = {"command_post_lost": 0, "radar_off": 0, "radar_on": 0, "autonomous": 1,
                  "first_detection": 2,
                  "track_start": 3, "track_confirmed": 3, "track_drop": 6, "reload": 4,
                  "intercept": 5, "miss": 5, "kill": 6,
                  "assign": 7, "gun_burst": 8, "launch": 9, "hold_fire": 9, "guidance_mode": 10,
                  "missile_exhausted": 11, "gun_exhausted": 11, "leak": 12}


@dataclass(frozen=True)
class EngagementConfig:
    """Parameters of :func:`run_engagement` (SI).

    Attributes
    ----------
    air_picture : AirPictureConfig
        Sensing and tracking settings (the report clock is the decision clock).
    doctrine : Doctrine
        Salvo, firing policy, minimum Pk, reserve, engagement cap per threat and unit.
    assignment : {'optimal', 'greedy'}
    link_latency_s : float
        Delay of the fused picture at the command posts, s.
    lethal_radius_m : float or None
        Carleton lethal radius (Pk 0.5 miss distance against an aircraft) of every warhead, m;
        ``None`` (default): per missile from its warhead mass in the run's figures by cube-root
        (Hopkinson-Cranz) scaling from the model's reference, :func:`lethal_radius_m` (ASSUMED,
        listed in every report).
    target_hardness : dict or None
        Carleton hardness by threat class; ``None``: the model's ``target_hardness_ratio``.
    expected_pk : float or None
        Single-shot Pk the command post plans with for a feasible pair (planning value, not the
        outcome, which the flyout and damage function decide); ``None``: the model's
        ``planning_pk_ratio``.
    leak_radius_m : float
        A threat ending its route within this distance of a defended asset has leaked to it.
    flyout_dt_s : float
        Inner integration step of the missile flyout, s.
    gun_target_area_m2 : dict or None
        Presented area of a threat to a gun burst by threat class, m²; ``None``: the model's
        ``gun_target_area_m2``.
    model : EngagementModel
        The model figures with their provenance (default: the packaged
        ``iadsim/data/engagement_model.yaml``, :func:`iadsim.scenario.model_figures.engagement_model`).
        ``target_hardness``, ``expected_pk`` and ``gun_target_area_m2`` left ``None`` take its
        values when the configuration is made (a ``dataclasses.replace`` of ``model`` alone keeps
        the values already taken); a run's assumptions cite the model's metadata for every model
        figure it used, and call a value that differs from the model's a run option.
    """

    air_picture: AirPictureConfig = field(
        default_factory=lambda: AirPictureConfig(report_interval_s=1.0))
    doctrine: Doctrine = field(default_factory=lambda: Doctrine(salvo_size=2,
                                                                policy="shoot-shoot-look"))
    assignment: str = "optimal"
    link_latency_s: float = 2.0
    lethal_radius_m: float | None = None
    target_hardness: dict | None = None
    expected_pk: float | None = None
    leak_radius_m: float = 5000.0
    flyout_dt_s: float = 0.1
    gun_target_area_m2: dict | None = field(default=None, hash=False)
    model: EngagementModel = field(default_factory=engagement_model, hash=False, repr=False)

    def __post_init__(self) -> None:
        for name, value in (("target_hardness", dict(self.model.target_hardness)),
                            ("expected_pk", self.model.planning_pk),
                            ("gun_target_area_m2", dict(self.model.gun_target_area_m2))):
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)


@dataclass(frozen=True)
class EngagementResult:
    """What :func:`run_engagement` produced (pandas DataFrames).

    ``events``: time_s, event, unit_id, missile_type, missile_id, truth_id, object_id, track_id,
    miss_m, pk, detail (``missile_id`` of a gun burst and its kill: the burst's id; a
    ``hold_fire`` -- a committed missile or burst not fired because its target was gone -- has
    no ``missile_id``, its detail names the planned missile). ``missiles``: flown missile
    trajectories (time_s, missile_id, missile_type, unit_id, lat_deg, lon_deg, alt_msl_m), each
    ending at the missile's intercept or end of flight, and each gun burst as a straight line
    from the guns to the target over the burst. ``fates``: one row per threat (truth_id,
    object_id, type, fate, time_s, asset_id, missiles_fired, furthest_link: the last kill-chain
    link it reached, see :data:`KILL_CHAIN`).
    ``engagements``: kill-chain timeline (one row per missile salvo or gun burst, ``weapon``
    says which). ``magazine``: rounds aboard per unit and missile type (gun ammunition under
    the gun's id) over time.
    """

    picture: AirPicture
    events: pd.DataFrame
    missiles: pd.DataFrame
    fates: pd.DataFrame
    engagements: pd.DataFrame
    magazine: pd.DataFrame
    summary: dict

    @functools.cached_property
    def metrics(self) -> pd.DataFrame:
        """One row of outcome measures (:func:`iadsim.engine.outcome.run_metrics`)."""
        from iadsim.engine.outcome import result_metrics

        return result_metrics(self)


def run_engagement(scenario: Scenario, seed: int | None = None,
                   figure_set: str | Figures = "nominal", config: EngagementConfig | None = None,
                   dem_path: str | None = None,
                   progress: Progress | None = None) -> EngagementResult:
    """Fight the scenario's raid: sensing, tracking, C2, assignment, flyout, kill assessment.

    Same scenario + seed → identical event log. See the module docstring for the model.
    ``figure_set``: a figure set or :class:`~iadsim.scenario.figures.Figures` (overrides); every
    equipment figure of the run comes from it, planning speeds and warhead masses included.
    """
    config = config or EngagementConfig()
    if config.assignment not in ("optimal", "greedy"):
        raise InputError(f"assignment {config.assignment!r}: allowed values are optimal, greedy")
    if not (np.isfinite(config.link_latency_s) and config.link_latency_s >= 0):
        raise InputError(f"link_latency_s {config.link_latency_s!r}: allowed values are finite "
                         "numbers >= 0 (s)")
    pic = simulate_air_picture(scenario, seed, Figures.of(figure_set), config.air_picture,
                               dem_path, progress)
    dep = pic.deployment
    units, notes = build_fire_units([b for b in scenario.battalions if b.active],
                                    list(dep.missiles), list(dep.radars), set(aero_ids()),
                                    load_library(), dep.figures, model=config.model)
    fight = _Fight(pic, units, _assets(scenario, pic), config)
    fight.run()
    fates = _fates(pic, fight.kill_time, fight.fired_at, fight.assets, config, fight.log)
    fought = _without_dead(pic, fight.kill_time)
    _track_events(fought, fight.kill_time, fight.log)
    events = fight.log.frame()
    fates["furthest_link"] = _furthest_link(events, fight.not_engaged)
    magazine_df = pd.DataFrame(fight.magazine).sort_values(
        ["time_s", "unit_id", "missile_type"], kind="stable", ignore_index=True)
    missiles_df = (pd.concat(fight.missiles, ignore_index=True) if fight.missiles
                   else pd.DataFrame(columns=["time_s", "missile_id", "missile_type", "unit_id",
                                              "lat_deg", "lon_deg", "alt_msl_m"]))
    summary = _summary(units, events, fates, config, pic, notes)
    summary["defended_assets"] = fight.assets["asset_id"].tolist()
    engagements = pd.DataFrame([e for e in fight.engagements
                                if e["weapon"] != "missile" or e["missiles"] > 0])
    return EngagementResult(fought, events, missiles_df, fates, _timeline(engagements),
                            magazine_df, summary)


class _Fight:
    """Run state of one engagement run and the decision loop on the report clock."""

    def __init__(self, pic: AirPicture, units: list[FireUnit], assets: pd.DataFrame,
                 config: EngagementConfig) -> None:
        self.pic, self.units, self.assets, self.config = pic, units, assets, config
        self.rng = np.random.default_rng(np.random.SeedSequence([pic.provenance["seed"], 0xE1]))
        self.log = _Log()
        self.salvos: dict[str, int] = {}  # salvos fired per fire unit (numbers missile ids)
        self.first_det, self.confirmed_at = _picture_events(pic, self.log)
        n_obj, n_units = pic.trajectories.n_objects, len(units)
        self.kill_time = np.full(n_obj, np.inf)
        #: last time of each threat's flight record (truth); -inf if it never flies
        active = pic.trajectories.active
        last = active.shape[0] - 1 - np.argmax(active[::-1], axis=0)
        self.flight_end = np.where(active.any(axis=0), pic.trajectories.time_s[last], -np.inf)
        #: rounds committed to salvos and not launched yet, by (unit id, missile type)
        self.reserved: dict[tuple[str, str], int] = {}
        self.engaged_until = np.full((n_units, n_obj), -np.inf)  # in flight (or look) until
        self.n_engaged = np.zeros((n_units, n_obj), dtype=int)
        self.fired_at = np.zeros(n_obj, dtype=int)
        #: per threat, the highest NOT_ENGAGED index of its decisions without a shot (-1: none)
        self.not_engaged = np.full(n_obj, -1)
        self.heap: list[tuple] = []
        self.no_solution_until: dict[tuple[str, int], float] = {}
        self.missiles: list[pd.DataFrame] = []
        self.engagements: list[dict] = []
        self.magazine = [{"time_s": 0.0, "unit_id": u.id, "missile_type": m, "rounds": r}
                         for u in units for m, r in u.rounds.items()]
        self.magazine += [{"time_s": 0.0, "unit_id": u.id, "missile_type": u.gun.id,
                           "rounds": u.gun.rounds} for u in units if u.gun is not None]
        tracks = pic.tracks.sort_values("time_s", kind="stable")
        is_fused = (tracks["tracker"] == FUSED).to_numpy()
        self.fused = _Reports.of(tracks[is_fused], pic.frame_origin)
        self.radar = _Reports.of(tracks[~is_fused], pic.frame_origin)
        self.own = {u.id: self.radar.of_trackers(np.arange(self.radar.time_s.size), u.radar_ids)
                    for u in units}
        self.threat_model = ThreatModel.of(assets, defended_radius_m=config.model.defended_radius_m,
                                           time_scale_s=config.model.threat_time_scale_s)
        self.gun_site = {u.id: np.array(geodetic2enu(u.lat_deg, u.lon_deg, u.ground_msl_m,
                                                     *pic.frame_origin))
                         for u in units if u.gun is not None}
        for u in units:
            if np.isfinite(u.command_post_lost_s):
                self.log.add(time_s=u.command_post_lost_s, event="command_post_lost",
                             unit_id=u.id, detail="no fused picture, no cooperative engagement")
                self.log.add(time_s=u.command_post_lost_s, event="autonomous", unit_id=u.id,
                             detail="engaging on own radars: " + ", ".join(u.radar_ids))
        _emcon_events(pic, self.log)

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> None:
        lag = self.config.link_latency_s
        for t in np.unique(self.pic.tracks["time_s"].to_numpy()):
            while self.heap and self.heap[0][0] <= t:
                self._apply(heapq.heappop(self.heap)[3])
            for u in self.units:
                self._reloaded(u, t)
            networked = [i for i, u in enumerate(self.units) if u.command_post_lost_s > t]
            seen = _latest(self.fused.time_s, t - lag)
            if networked and seen is not None:
                self._decide(networked, self.fused, self.fused.at(seen), t)
            for i, u in enumerate(self.units):
                if u.command_post_lost_s <= t:
                    self._decide([i], self.radar, self._own_picture(u, t), t)
        while self.heap:
            self._apply(heapq.heappop(self.heap)[3])

    def _apply(self, ev: dict) -> None:
        """Apply a scheduled item at its time: a launch or gun burst (``action``), or an outcome
        to log. What the target's death or the end of its flight record makes impossible is not
        logged: a second kill, a kill or guidance-mode change after it; an intercept after it is
        a miss (module notes)."""
        if "action" in ev:
            ev["action"]()
            return
        kind, t = ev["event"], ev["time_s"]
        row = ev.pop("row", None)
        truth = ev.get("truth_id")
        dead_s = self.kill_time[truth] if truth is not None else np.inf
        gone_s = self.flight_end[truth] if truth is not None else np.inf
        if kind == "kill":
            if dead_s <= t or t > gone_s:
                return
            self.kill_time[truth] = t
            if row is not None:
                row["killed"] = True
        elif kind == "guidance_mode" and (dead_s < t or t > gone_s):
            return
        elif kind in ("intercept", "miss") and (dead_s < t or t > gone_s):
            why = (f"target already destroyed at {dead_s:.1f} s" if dead_s < t
                   else f"target's flight record ended at {gone_s:.1f} s")
            ev = {**ev, "event": "miss", "miss_m": np.nan, "pk": 0.0, "detail": why}
        self.log.add(**ev)

    def _target_gone(self, truth: int, t: float) -> str:
        """Why no weapon may leave at ``truth`` at ``t`` (``''``: none): its kill is known (from
        truth, at the kill time) or its flight record has ended."""
        if self.kill_time[truth] <= t:
            return f"target known destroyed at {self.kill_time[truth]:.1f} s"
        if t >= self.flight_end[truth]:
            return f"target's flight record ended at {self.flight_end[truth]:.1f} s"
        return ""

    def _reloaded(self, u: FireUnit, t: float) -> None:
        for done, i, refill in u.complete_reloads(t):
            group = u.launchers[i].group
            self.log.add(time_s=done, event="reload", unit_id=u.id,
                         missile_type=", ".join(refill),
                         detail=f"launcher {i + 1} reloaded with "
                                + ", ".join(f"{n} × {m}" for m, n in refill.items())
                                + f" (started {done - u.reload_time_s[group]:.0f} s; spares "
                                + ", ".join(f"{u.spare(m)} × {m}" for m in refill) + " left)")
            self.magazine += [{"time_s": done, "unit_id": u.id, "missile_type": m,
                               "rounds": u.rounds[m]} for m in refill]

    def _own_picture(self, u: FireUnit, t: float) -> np.ndarray:
        """An autonomous unit's picture: its own radars' latest tracks, one per target (rows of
        the radar reports, in order of its radars, then track id)."""
        own, r = self.own[u.id], self.radar
        seen = _latest(r.time_s[own], t)
        if seen is None:
            return own[:0]
        now = own[r.at(seen, own)]
        rank = np.array([u.radar_ids.index(n) if n in u.radar_ids else -1 for n in r.trackers])
        now = now[np.lexsort((r.track_id[now], rank[r.tracker[now]]))]
        truth = r.truth[now]
        first = np.zeros(now.size, dtype=bool)
        first[np.unique(truth, return_index=True)[1]] = True
        return now[(truth < 0) | first]

    # -- one decision of one command post (or autonomous unit) -------------------------------
    def _decide(self, members: list[int], reports: _Reports, rows: np.ndarray, t: float) -> None:
        """Evaluate, assign and engage the tracks of ``rows`` of ``reports`` seen by ``members``."""
        tid = reports.truth[rows]
        safe = np.maximum(tid, 0)
        known_dead = (tid >= 0) & ((self.kill_time[safe] <= t) | (self.flight_end[safe] <= t))
        engaged = (tid >= 0) & (self.engaged_until[members][:, safe].max(axis=0) > t)
        rows = rows[~known_dead & ~engaged]
        if not rows.size:
            return
        threats = self.threat_model.evaluate(reports.pos[rows], reports.vel[rows])
        rows = rows[threats.order]
        units = [self.units[i] for i in members]
        recent = self._recent(t)
        frames = [reports.in_frame((u.lat_deg, u.lon_deg, u.ground_msl_m)) for u in units]
        truth = reports.truth[rows]
        aboard = [u.rounds for u in units]
        choice, pk, closest = _feasibility(units, aboard,
                                           [(pos[rows], vel[rows]) for pos, vel in frames],
                                           truth, self.radar, recent, self.config,
                                           self.pic.deployment.figures, t=t)
        cap = self.config.doctrine.engagement_cap
        if cap is not None:
            pk[self.n_engaged[members][:, np.maximum(truth, 0)] >= cap] = 0.0
        free = [u.free_channels(t) for u in units]
        rounds = np.array([sum(r.values()) for r in aboard])
        guidance = np.array([rounds[k] if g is None else g for k, (_, g) in enumerate(free)])
        plan = engagement_rows(threats.value[threats.order], pk, rounds,
                               np.array([c for c, _ in free]), doctrine=self.config.doctrine,
                               guidance_channels=guidance,
                               method="auto" if self.config.assignment == "optimal" else "greedy")
        taken = set()
        for unit, k, n, _ in plan:
            missile = choice[unit][k]
            if missile is not None and self._fire(members[unit], missile, n, int(truth[k]),
                                                  int(reports.track_id[rows[k]]),
                                                  threats.reason(int(threats.order[k])), t):
                taken.add(k)
            elif missile is not None:
                closest[k] = _NO_SOLUTION
        missed = np.array([k for k in range(truth.size) if k not in taken and truth[k] >= 0], int)
        self.not_engaged[truth[missed]] = np.maximum(self.not_engaged[truth[missed]],
                                                     closest[missed])
        for iu in members:
            if self.units[iu].gun is not None:
                self._gun(iu, reports, rows, threats, recent, taken, t)

    def _recent(self, t: float) -> np.ndarray:
        """Rows of the per-radar tracks of the last two report periods (what the radars hold)."""
        window = 2 * self.config.air_picture.report_interval_s
        lo, hi = np.searchsorted(self.radar.time_s, [t - window + 1e-9, t + 1e-9], side="right")
        return np.arange(lo, hi)

    # -- missiles ---------------------------------------------------------------------------
    def _fire(self, iu: int, missile: str, n: int, truth: int, track_id: int, reasons: str,
              t: float) -> bool:
        """Decide a salvo of ``n`` missiles at a track's target; ``False`` if it is not fired.

        The rounds and channels are committed now; each missile leaves at its own launch time
        if its target is still there (:meth:`_launch`).
        """
        u = self.units[iu]
        if n <= 0 or self.no_solution_until.get((u.id, truth), -np.inf) > t:
            return False
        plan = u.plan_salvo(missile, n, t + u.reaction_time_s)
        salvo_no = self.salvos.get(u.id, 0) + 1
        outcome = _fly_salvo(u, missile, plan, truth, self.pic, self.config, self.rng, salvo_no)
        if outcome is None:
            self.no_solution_until[(u.id, truth)] = t + SOLUTION_RETRY_S
            return False
        self.salvos[u.id] = salvo_no
        plan = outcome["plan"]
        u.commit_salvo(missile, plan)
        n = len(plan)
        key = (u.id, missile)
        self.reserved[key] = self.reserved.get(key, 0) + n
        self.fired_at[truth] += n
        self.n_engaged[iu, truth] += 1
        release = outcome["release_s"]
        t_end = float(np.nanmax(outcome["end_s"]))
        u.guidance_busy += [float(r) for r in release]
        busy = float(np.max(release))
        u.target_busy.append(busy)
        self.engaged_until[iu, truth] = t_end + self.config.air_picture.report_interval_s
        common = {"unit_id": u.id, "missile_type": missile, "truth_id": truth,
                  "object_id": self.pic.trajectories.ids[truth], "track_id": track_id}
        self.log.add(time_s=t, event="assign", detail=reasons, **common)
        row = {
            "unit_id": u.id, "weapon": "missile", "missile_type": missile, "missiles": n,
            "truth_id": truth, "object_id": common["object_id"], "track_id": common["track_id"],
            "first_detection_s": self.first_det.get(truth, np.nan),
            "track_confirmed_s": self.confirmed_at.get(truth, np.nan),
            "assign_s": t, "launch_s": float(outcome["launch_s"][0]),
            "intercept_s": float(np.nanmin(outcome["end_s"])), "killed": False}
        self.engagements.append(row)
        salvo = _Salvo(iu, missile, truth, common, outcome, row, busy, np.zeros(n, dtype=bool))
        for i in range(n):
            self._schedule({"time_s": float(outcome["launch_s"][i]), "event": "launch",
                            "action": functools.partial(self._launch, salvo, i)})
        return True

    def _launch(self, salvo: _Salvo, i: int) -> None:
        """Missile ``i`` of a salvo leaves at its launch time, unless its target is gone."""
        u, missile, out = self.units[salvo.iu], salvo.missile, salvo.outcome
        t_launch, end = float(out["launch_s"][i]), float(out["end_s"][i])
        key = (u.id, missile)
        self.reserved[key] -= 1
        why = self._target_gone(salvo.truth, t_launch) or _guidance_off(u, missile, t_launch)
        if why:
            self._hold(salvo, i, t_launch, why)
            return
        mid, common = out["ids"][i], salvo.common
        self.log.add(time_s=t_launch, event="launch", missile_id=mid, **common)
        aboard = u.rounds[missile] + self.reserved[key]
        self.magazine.append({"time_s": t_launch, "unit_id": u.id, "missile_type": missile,
                              "rounds": aboard})
        terminal = ("terminal (active seeker acquired)" if _active_seeker(missile)
                    else "terminal (seeker acquired, semi-active / track-via-missile)")
        for when, detail in ((out["command_s"][i], "command"), (out["terminal_s"][i], terminal)):
            if np.isfinite(when) and when <= end:
                self._schedule({"time_s": float(when), "event": "guidance_mode", "missile_id": mid,
                                "detail": detail, **common})
        ev = dict(time_s=end, missile_id=mid, miss_m=float(out["miss_m"][i]),
                  pk=float(out["pk"][i]), **common)
        self._schedule({**ev, "event": "intercept" if out["intercept"][i] else "miss",
                        "detail": out["lost"][i]})
        if out["killed"][i]:
            self._schedule({**ev, "event": "kill", "row": salvo.row})
        self.missiles.append(out["trajectories"][i])
        pending = {m for _, _, refill in u.reloads for m in refill}
        if aboard == 0 and missile not in pending:
            self.log.add(time_s=t_launch, event="missile_exhausted", **common)

    def _hold(self, salvo: _Salvo, i: int, t: float, why: str) -> None:
        """Hold fire: missile ``i`` of a salvo is not launched; its round stays aboard, its
        guidance channel (and, once no missile of the salvo flies, the target channel) is free."""
        u, out = self.units[salvo.iu], salvo.outcome
        launcher = out["plan"][i][1]
        u.return_round(salvo.missile, launcher)
        release = float(out["release_s"][i])
        if release in u.guidance_busy:
            u.guidance_busy.remove(release)
        salvo.held[i] = True
        self.fired_at[salvo.truth] -= 1
        flying = ~salvo.held
        salvo.row["missiles"] = int(flying.sum())
        if flying.any():
            salvo.row["intercept_s"] = float(np.nanmin(out["end_s"][flying]))
        busy = float(np.max(out["release_s"][flying])) if flying.any() else t
        if salvo.target_release_s in u.target_busy:
            u.target_busy.remove(salvo.target_release_s)
            u.target_busy.append(busy)
        salvo.target_release_s = busy
        self.log.add(time_s=t, event="hold_fire", **salvo.common,
                     detail=f"{out['ids'][i]} not launched: {why}; the round stays aboard "
                            f"launcher {launcher + 1}")

    def _schedule(self, ev: dict) -> None:
        heapq.heappush(self.heap, (ev["time_s"], EVENT_PRIORITY[ev["event"]], self.log.next_seq(),
                                   ev))

    # -- guns -------------------------------------------------------------------------------
    def _gun(self, iu: int, reports: _Reports, rows: np.ndarray, threats: Threats,
             recent: np.ndarray, taken: set[int], t: float) -> None:
        """One burst at the most threatening target inside the gun envelope (module notes);
        ``rows`` of ``reports`` most threatening first, ``recent`` rows of the radar reports."""
        u = self.units[iu]
        gun = u.gun
        assert gun is not None
        targets_free, _ = u.free_channels(t)
        if gun.rounds <= 0 or gun.busy_until_s > t or targets_free < 1:
            return
        cap = self.config.doctrine.engagement_cap
        aim = reports.pos[rows] - self.gun_site[u.id] + reports.vel[rows] * u.reaction_time_s
        truth = reports.truth[rows]
        ok = ((np.linalg.norm(aim, axis=1) <= gun.max_range_m)
              & (aim[:, 2] >= gun.min_altitude_m) & (aim[:, 2] <= gun.max_altitude_m)
              & (truth >= 0) & np.isin(truth, self.radar.truth_held(recent, u.radar_ids)))
        if cap is not None:
            ok &= self.n_engaged[iu, np.maximum(truth, 0)] < cap
        ok[list(taken)] = False
        if ok.any():
            k = int(np.argmax(ok))
            self._burst(iu, int(truth[k]), int(reports.track_id[rows[k]]),
                        threats.reason(int(threats.order[k])), t)

    def _burst(self, iu: int, truth: int, track_id: int, reasons: str, t: float) -> None:
        """Decide a gun burst: the guns and a target channel are taken now, the burst is fired
        one reaction time later if its target is still there (:meth:`_fire_burst`)."""
        u = self.units[iu]
        gun = u.gun
        assert gun is not None
        t_fire = t + u.reaction_time_s
        t_end = t_fire + gun.burst_s
        gun.busy_until_s = t_end
        u.target_busy.append(t_end)
        self.n_engaged[iu, truth] += 1
        self.engaged_until[iu, truth] = t_end + self.config.air_picture.report_interval_s
        common = {"unit_id": u.id, "missile_type": gun.id, "truth_id": truth,
                  "object_id": self.pic.trajectories.ids[truth], "track_id": track_id}
        self.log.add(time_s=t, event="assign", detail=reasons, **common)
        self._schedule({"time_s": t_fire, "event": "gun_burst",
                        "action": functools.partial(self._fire_burst, iu, common, t)})

    def _fire_burst(self, iu: int, common: dict, t_assign: float) -> None:
        """Fire a decided burst (or hold fire if its target is gone); a burst stops when the
        target's flight record ends (fewer rounds, kill assessed then)."""
        u = self.units[iu]
        gun = u.gun
        assert gun is not None
        truth = int(common["truth_id"])
        t_fire = t_assign + u.reaction_time_s
        t_full = t_fire + gun.burst_s
        why = self._target_gone(truth, t_fire)
        if why:
            gun.busy_until_s = t_fire
            if t_full in u.target_busy:
                u.target_busy.remove(t_full)
            self.log.add(time_s=t_fire, event="hold_fire", detail=f"gun burst not fired: {why}",
                         **common)
            return
        t_end = min(t_full, float(self.flight_end[truth]))
        n = min(gun.rounds_per_burst, gun.rounds)
        cut = t_end < t_full
        if cut:
            n = max(1, int(round(n * (t_end - t_fire) / gun.burst_s)))
            gun.busy_until_s = t_end
            if t_full in u.target_busy:
                u.target_busy.remove(t_full)
                u.target_busy.append(t_end)
        origin = (u.lat_deg, u.lon_deg, u.ground_msl_m)
        target = _target(self.pic, truth, origin)
        pos, _ = target(t_fire)
        range_m = max(float(np.linalg.norm(pos[0])), 1.0)
        kind = load_library().get(self.pic.trajectories.types[truth]).threat_class
        pk = float(gun_burst_pk(range_m, n, gun.dispersion_rad * 1e3,
                                self.config.gun_target_area_m2[kind], gun.pk_per_hit))
        killed = bool(self.rng.random() < pk)
        gun.rounds -= n
        burst = f"{u.id}-{gun.id}-{t_fire:.0f}"
        detail = f"{n} rounds at {range_m / 1000:.2f} km"
        if cut:
            detail += f" (cut at {t_end:.1f} s: the target's flight record ended)"
        self.log.add(time_s=t_fire, event="gun_burst", pk=pk, missile_id=burst, detail=detail,
                     **common)
        # The burst as a replay object: from the guns to the target over the burst.
        end, _ = target(t_end)
        lat, lon, alt = enu2geodetic(np.array([0.0, end[0, 0]]), np.array([0.0, end[0, 1]]),
                                     np.array([0.0, end[0, 2]]), *origin)
        self.missiles.append(pd.DataFrame({
            "time_s": [t_fire, t_end], "missile_id": burst, "missile_type": gun.id,
            "unit_id": u.id, "lat_deg": lat, "lon_deg": lon, "alt_msl_m": alt}))
        self.magazine.append({"time_s": t_fire, "unit_id": u.id, "missile_type": gun.id,
                              "rounds": gun.rounds})
        row = {
            "unit_id": u.id, "weapon": "gun", "missile_type": gun.id, "missiles": 0,
            "gun_rounds": n, "truth_id": truth, "object_id": common["object_id"],
            "track_id": common["track_id"], "first_detection_s": self.first_det.get(truth, np.nan),
            "track_confirmed_s": self.confirmed_at.get(truth, np.nan), "assign_s": t_assign,
            "launch_s": t_fire, "intercept_s": t_end, "killed": False}
        self.engagements.append(row)
        if killed:
            self._schedule({"time_s": t_end, "event": "kill", "pk": pk, "missile_id": burst,
                            "row": row, **common})
        if gun.rounds == 0:
            self.log.add(time_s=t_fire, event="gun_exhausted", **common)


@dataclass
class _Salvo:
    """A decided missile salvo (run state): its unit (index), missile type, target, common log
    fields, :func:`_fly_salvo` outcome, engagement-timeline row, the target-channel release time
    it holds, and which of its missiles were held (not launched)."""

    iu: int
    missile: str
    truth: int
    common: dict
    outcome: dict
    row: dict
    target_release_s: float
    held: np.ndarray


class _Log:
    """Event log rows in order of (time, priority, sequence)."""

    COLUMNS = ("time_s", "event", "unit_id", "missile_type", "missile_id", "truth_id",
               "object_id", "track_id", "miss_m", "pk", "detail")

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.seq = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def add(self, **row) -> None:
        row.setdefault("seq", self.next_seq())
        self.rows.append(row)

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=[*self.COLUMNS, "seq"])
        df["priority"] = df["event"].map(EVENT_PRIORITY)
        df = df.sort_values(["time_s", "priority", "seq"], kind="stable", ignore_index=True)
        for col in ("truth_id", "track_id"):
            df[col] = df[col].fillna(-1).astype(np.int64)
        for col in ("unit_id", "missile_type", "missile_id", "object_id", "detail"):
            df[col] = df[col].astype(object).fillna("").astype(str)
        return df.drop(columns=["seq", "priority"])


def _latest(times: np.ndarray, t: float) -> float | None:
    """Latest report time ≤ t in sorted ``times`` (``None`` if there is none yet)."""
    i = int(np.searchsorted(times, t + 1e-9, side="right")) - 1
    return None if i < 0 else float(times[i])


@dataclass(frozen=True)
class _Reports:
    """Track reports as numpy columns in time order: what the decision loop reads.

    ``pos``, ``vel``: command-post ENU frame about ``frame_origin``, m and m/s; ``tracker``:
    index into ``trackers``.
    """

    time_s: np.ndarray
    truth: np.ndarray
    track_id: np.ndarray
    tracker: np.ndarray
    trackers: tuple[str, ...]
    pos: np.ndarray
    vel: np.ndarray
    frame_origin: tuple[float, float, float]
    #: Positions and velocities of every report in a launcher frame, by its origin.
    frames: dict[tuple[float, float, float], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, compare=False)

    @classmethod
    def of(cls, tracks: pd.DataFrame, frame_origin: tuple[float, float, float]) -> _Reports:
        """The reports of a tracks table sorted by ``time_s``."""
        code, names = pd.factorize(tracks["tracker"])
        return cls(tracks["time_s"].to_numpy(), tracks["truth_id"].to_numpy(),
                   tracks["track_id"].to_numpy(), code, tuple(str(n) for n in names),
                   tracks[["x_m", "y_m", "z_m"]].to_numpy(),
                   tracks[["vx_m_s", "vy_m_s", "vz_m_s"]].to_numpy(), frame_origin)

    def at(self, t: float, rows: np.ndarray | None = None) -> np.ndarray:
        """Rows (of ``rows``, time-sorted, default all) reported at ``t``: indices into ``rows``."""
        times = self.time_s if rows is None else self.time_s[rows]
        lo, hi = np.searchsorted(times, [t - 1e-9, t + 1e-9])
        return np.arange(lo, hi)

    def of_trackers(self, rows: np.ndarray, trackers: tuple[str, ...]) -> np.ndarray:
        """Those of ``rows`` reported by one of ``trackers``."""
        wanted = np.array([name in trackers for name in self.trackers], dtype=bool)
        return rows[wanted[self.tracker[rows]]]

    def truth_held(self, rows: np.ndarray, trackers: tuple[str, ...]) -> np.ndarray:
        """Truth ids of the tracks of ``rows`` held by one of ``trackers``."""
        return self.truth[self.of_trackers(rows, trackers)]

    def in_frame(self, origin: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
        """Positions (m) and velocities (m/s) of every report in the ENU frame about ``origin``
        (computed once per origin)."""
        if origin not in self.frames:
            rel = _reframe(self.pos, self.frame_origin, origin)
            self.frames[origin] = rel, _reframe(self.pos + self.vel, self.frame_origin, origin) - rel
        return self.frames[origin]


def _assets(scenario: Scenario, pic: AirPicture) -> pd.DataFrame:
    """Defended assets in the CP frame (value 1 each); battalion sites when none are given."""
    places = [(a.id, a.lat_deg, a.lon_deg) for a in scenario.defended_assets] or [
        (b.id, b.site.lat_deg, b.site.lon_deg) for b in scenario.battalions if b.active]
    ids, lats, lons = zip(*places, strict=True)
    e, n, u = geodetic2enu(np.array(lats), np.array(lons), np.zeros(len(ids)), *pic.frame_origin)
    return pd.DataFrame({"asset_id": ids, "x_m": e, "y_m": n, "z_m": u,
                         "value": np.ones(len(ids))})


def _picture_events(pic: AirPicture, log: _Log) -> tuple[dict[int, float], dict[int, float]]:
    """Log each threat's first detection and first confirmed fused track; return their times."""
    det = pic.detections[pic.detections["truth_id"] >= 0]
    first_det = det.groupby("truth_id")["time_s"].min().to_dict()
    fused = pic.tracks[(pic.tracks["tracker"] == FUSED) & (pic.tracks["truth_id"] >= 0)]
    confirmed = fused.groupby("truth_id")["time_s"].min().to_dict()
    for truth, t in first_det.items():
        log.add(time_s=float(t), event="first_detection", truth_id=int(truth),
                object_id=pic.trajectories.ids[int(truth)])
    for truth, t in confirmed.items():
        log.add(time_s=float(t), event="track_confirmed", truth_id=int(truth),
                object_id=pic.trajectories.ids[int(truth)])
    return ({int(k): float(v) for k, v in first_det.items()},
            {int(k): float(v) for k, v in confirmed.items()})


def _track_events(pic: AirPicture, kill_time: np.ndarray, log: _Log) -> None:
    """Log the start and drop of every fused command-post track (false tracks included).

    ``pic`` is the picture with destroyed threats cut at their kill; a track reported until the
    last report of the run is not dropped.
    """
    fused = pic.tracks[pic.tracks["tracker"] == FUSED]
    if fused.empty:
        return
    times = np.unique(fused["time_s"].to_numpy())
    t_last = float(pic.tracks["time_s"].max())
    report_s = float(np.min(np.diff(times))) if times.size > 1 else 0.0
    spans = fused.groupby("track_id").agg(start=("time_s", "min"), end=("time_s", "max"),
                                          truth=("truth_id", "first"))
    for track_id, row in spans.iterrows():
        truth = int(row["truth"])
        common = {"track_id": int(track_id), "truth_id": truth,
                  "object_id": pic.trajectories.ids[truth] if truth >= 0 else ""}
        log.add(time_s=float(row["start"]), event="track_start",
                detail="" if truth >= 0 else "false track", **common)
        if row["end"] < t_last:
            destroyed = truth >= 0 and kill_time[truth] <= row["end"] + report_s
            log.add(time_s=float(kill_time[truth] if destroyed else row["end"]), event="track_drop",
                    detail="target destroyed" if destroyed else "track lost", **common)


def _feasibility(units: list[FireUnit], aboard: list[dict[str, int]],
                 frames: list[tuple[np.ndarray, np.ndarray]],
                 truth: np.ndarray, radar: _Reports, recent: np.ndarray, config: EngagementConfig,
                 figures: str | Figures = "nominal", *, t: float
                 ) -> tuple[list[list[str | None]], np.ndarray]:
    """Per (unit, threat): the missile to use (shortest-ranged feasible, saving long-range rounds)
    and the planning Pk (``expected_pk`` if feasible, else 0).

    Feasible: a real target (not a false track); rounds aboard; the predicted intercept point
    (target extrapolated at constant velocity over reaction time + time of flight at the
    missile's mean planning speed, :func:`_planning_speed` of ``figures``), expressed in the
    launcher's ENU frame (great-circle ground range, height above the launcher's level on the
    sphere, as the flyout measures them), lies inside the published range and altitude limits;
    and
    guidance is possible — an active-seeker missile needs only the track it is given
    (cooperative engagement on the fused picture), a command-guided or semi-active one a
    confirmed track of the same target held by one of the battalion's engagement radars in the
    last 2 report periods (``recent``, rows of the ``radar`` reports), and one of those radars
    emitting at the decision time ``t`` (emission control; a silent radar's coasting tracks do
    not count).

    ``aboard``: per unit, its rounds aboard by missile type (:attr:`FireUnit.rounds`);
    ``frames``: per unit, the threats' positions (m) and velocities (m/s) in its launcher's
    ENU frame; ``truth``: their truth ids (-1: false track).

    Returns the missile choice per (unit, threat), the expected Pk (0: not feasible) and per
    threat how close the best unit came to a shot, an index in :data:`NOT_ENGAGED`.
    """
    choice: list[list[str | None]] = []
    pk = np.zeros((len(units), truth.size))
    closest = np.zeros(truth.size, dtype=int)
    for iu, (u, rounds, (rel, vel_u)) in enumerate(zip(units, aboard, frames, strict=True)):
        row: list[str | None] = [None] * truth.size
        for m_id, m in sorted(u.missiles.items(), key=lambda kv: kv[1].max_range_m):
            if rounds[m_id] <= 0:
                continue
            speed = _planning_speed(m_id, figures, config.model.planning_speed_ratio)
            tof = np.linalg.norm(rel, axis=1) / speed
            for _ in range(2):
                aim = rel + vel_u * (u.reaction_time_s + tof)[:, None]
                tof = np.linalg.norm(aim, axis=1) / speed
            ground = ground_range_m(aim)
            height = altitude_m(aim)
            ok = ((truth >= 0) & (ground >= m.min_range_m) & (ground <= m.max_range_m)
                  & (height >= m.min_altitude_m) & (height <= m.max_altitude_m))
            closest = np.maximum(closest, np.where(ok, _NO_TRACK, _OUT_OF_REACH))
            if not _active_seeker(m_id):
                ok &= np.isin(truth, radar.truth_held(recent, m.guided_by)) & u.emitting(
                    m.guided_by, t)
            closest = np.maximum(closest, np.where(ok, _FEASIBLE, 0))
            for k in np.flatnonzero(ok):
                if row[k] is None:
                    row[k] = m_id
                    pk[iu, k] = config.expected_pk
        choice.append(row)
    return choice, pk, closest


@functools.lru_cache(maxsize=1024)
def _planning_speed(missile_id: str, figures: str | Figures = "nominal",
                    ratio: float | None = None) -> float:
    """Mean speed the command post plans time of flight with: ``ratio`` (the model's
    ``planning_speed_ratio``; ``None``: the packaged model's) times the missile's max speed in
    ``figures`` (a figure set or :class:`~iadsim.scenario.figures.Figures`), m/s (cached)."""
    ratio = engagement_model().planning_speed_ratio if ratio is None else ratio
    return ratio * load_library().get(missile_id).max_speed_m_s(figures)


@functools.cache
def _active_seeker(missile_id: str) -> bool:
    """Whether the library describes an active radar terminal seeker (not "semi-active"; cached)."""
    item = load_library().get(missile_id)
    text = " ".join(str(f.value) for name, f in item.facts() if name == "guidance")
    return re.search(r"(?<!semi-)(?<!semi )\bactive", text.lower()) is not None


def _guidance_off(u: FireUnit, missile: str, t: float) -> str:
    """Why ``missile`` of ``u`` cannot be guided at ``t`` (``''``: it can): a command-guided or
    semi-active missile needs one of its guiding radars emitting (emission control)."""
    guides = u.missiles[missile].guided_by
    if _active_seeker(missile) or u.emitting(guides, t):
        return ""
    return f"engagement radar {', '.join(guides) or '(none)'} off (emission control)"


def _emcon_events(pic: AirPicture, log: _Log) -> None:
    """Log each radar's switches off and on (scenario ``emcon``) that fall within the run:
    ``unit_id`` its battalion, ``object_id`` the radar."""
    t_end = float(pic.trajectories.time_s[-1])
    for r in pic.deployment.radars:
        for off, on in r.off_windows_s:
            common = {"unit_id": r.battalion_id, "object_id": r.id}
            if off <= t_end:
                until = f"until {on:g} s" if np.isfinite(on) else "to the end of the run"
                log.add(time_s=float(off), event="radar_off",
                        detail=f"emission control: {r.id} off {until}", **common)
            if on <= t_end:
                log.add(time_s=float(on), event="radar_on",
                        detail=f"emission control: {r.id} on again (off since {off:g} s)",
                        **common)


def _reframe(pos_enu_m: np.ndarray, from_origin: tuple[float, float, float],
             to_origin: tuple[float, float, float]) -> np.ndarray:
    """(n, 3) ENU positions about ``from_origin`` re-expressed about ``to_origin`` (via ECEF)."""
    ecef = enu2ecef(pos_enu_m[:, 0], pos_enu_m[:, 1], pos_enu_m[:, 2], *from_origin)
    return np.stack(ecef2enu(*ecef, *to_origin), axis=-1).reshape(-1, 3)


def _target(pic: AirPicture, truth: int, origin: tuple[float, float, float]) -> SampledTarget:
    """True state of one threat in the launcher's ENU frame, on its truth time grid.

    Converted to the launcher frame once; the flyout interpolates it linearly in time
    (velocity: finite differences of the grid), shared by every missile of a salvo.
    """
    traj = pic.trajectories
    active = traj.active[:, truth]
    t_grid = traj.time_s[active]
    e, nn, up = geodetic2enu(traj.lat_deg[active, truth], traj.lon_deg[active, truth],
                             traj.alt_msl_m[active, truth], *origin)
    pos = np.stack([e, nn, up], axis=-1)
    vel = np.gradient(pos, t_grid, axis=0) if t_grid.size > 1 else np.zeros_like(pos)
    return SampledTarget(t_grid, pos, vel)


def _direction(target: SampledTarget, t0: float) -> tuple[float, float]:
    """Elevation and azimuth (rad, clockwise from north) of the target at ``t0``."""
    pos, _ = target(t0)
    return (float(np.arctan2(pos[0, 2], np.hypot(pos[0, 0], pos[0, 1]))),
            float(np.arctan2(pos[0, 0], pos[0, 1])))


def _launch_loft(aero, target: SampledTarget, t0: float,
                 config: EngagementConfig) -> float | None:
    """Fire-control launch solution at ``t0``: the loft (of :data:`LOFTS_DEG`) giving the
    earliest intercept of ``target`` (launcher frame, :func:`_target`), launched at the target's
    elevation + loft and towards its azimuth.

    ``None`` when no loft intercepts: the target is outside the kinematic launch envelope, and
    the fire unit does not launch (launch acceptability).
    """
    k = len(LOFTS_DEG)
    el, az = _direction(target, t0)
    lofts = np.radians(LOFTS_DEG)
    res = fly(aero, np.zeros((k, 3)), target, t0=t0,
              t_max=t0 + MAX_FLIGHT_S, dt=max(config.flyout_dt_s, SOLUTION_DT_S),
              launch_el_rad=el + lofts, launch_az_rad=np.full(k, az), loft_rad=lofts,
              record_every=10**6, until_first_intercept=True)
    if not res.intercept.any():
        return None
    return float(lofts[int(np.nanargmin(np.where(res.intercept, res.intercept_time_s, np.inf)))])


def lethal_radius_m(missile_id: str, config: EngagementConfig,
                    figures: str | Figures = "nominal") -> float:
    """Carleton R50 of a missile's warhead against an aircraft, m.

    ``config.lethal_radius_m`` if set, else the model's ``reference_lethal_radius_m`` scaled by
    ``(warhead mass / reference_warhead_mass_kg) ** (1/3)`` (Hopkinson-Cranz cube-root scaling of
    blast distances; Kinney & Graham, *Explosive Shocks in Air*, 2nd ed., 1985, ch. 5), with the
    ``warhead_mass_kg`` of ``figures`` (a figure set or
    :class:`~iadsim.scenario.figures.Figures`; the reference radius when the missile has none).
    """
    if config.lethal_radius_m is not None:
        return float(config.lethal_radius_m)
    model = config.model
    item = load_library().get(missile_id)
    if "warhead_mass_kg" not in item.figures:
        return model.reference_lethal_radius_m
    mass = float(item.si("warhead_mass_kg", figures))
    return model.reference_lethal_radius_m * (mass / model.reference_warhead_mass_kg) ** (1.0 / 3.0)


def _fly_salvo(u: FireUnit, missile: str, plan: list[tuple[float, int]], truth: int,
               pic: AirPicture, config: EngagementConfig, rng: np.random.Generator,
               salvo_no: int = 1) -> dict | None:
    """Fly a planned salvo (launch times from :meth:`FireUnit.plan_salvo`) at a threat and draw
    each missile's guidance error and kill (launcher-centred ENU); one flyout per distinct
    launch time, each with its own launch solution (a ripple's later missile meets a closer
    target: the first launch's loft would send it past). Launches without a solution at their
    time are not fired; the ``plan`` of the result lists those flown.

    Missiles launched together fly the same noise-free path; each then gets its own miss
    distance, the flown closest approach plus an independent guidance-error draw
    (:func:`iadsim.weapons.guidance.miss_with_guidance_error`, σ = the missile's
    ``guidance_error_m``), and its own kill draw from the Carleton Pk of that miss (``rng``:
    two normals per missile, then one uniform per missile, in plan order).

    A command-guided or semi-active missile whose guiding radars (``guided_by``) all go off
    before its end loses guidance then: its ``end_s`` is that time, no intercept, NaN miss, Pk
    0, its trajectory cut there and ``lost`` says why (emission control, module notes); the
    random draws are the same as without it.

    Returns the per-missile arrays ``miss_m``, ``end_s`` (intercept, end of flight or loss of
    guidance), ``lost`` (why guidance was lost, ``''``: it was not),
    ``command_s``, ``terminal_s``, ``intercept``, ``launch_s``, ``pk``, ``killed``,
    ``release_s`` (guidance channel), the ``plan``, the missile ``ids`` and per missile its
    recorded ``trajectories`` (ending with its end point at ``end_s``). ``None`` if nothing is
    planned or there is no launch solution at the first launch (the salvo is not fired).
    """
    if not plan:
        return None
    aero = load_aero(missile)
    guides = u.missiles[missile].guided_by
    origin = (u.lat_deg, u.lon_deg, u.ground_msl_m)
    target = _target(pic, truth, origin)                # once per salvo, shared by every flight
    lofts = {when: _launch_loft(aero, target, when, config)
             for when in sorted({when for when, _ in plan})}
    plan = [(when, i) for when, i in plan if lofts[when] is not None]
    if not plan or plan[0][0] != min(lofts):
        return None
    record = max(1, int(round(1.0 / config.flyout_dt_s)))
    launch = np.array([when for when, _ in plan])
    # '<unit>-<missile>-<salvo of the unit>-<missile of the salvo>': unique even when one unit
    # fires two salvos in the same second (a launch-time id was not).
    ids = [f"{u.id}-{missile}-{salvo_no}-{i + 1}" for i in range(len(plan))]
    parts, frames = [], {}
    for t0 in np.unique(launch):
        sel = np.flatnonzero(launch == t0)
        k = sel.size
        el, az = _direction(target, float(t0))
        loft = lofts[float(t0)]
        res = fly(aero, np.zeros((k, 3)), target, t0=float(t0), t_max=float(t0) + MAX_FLIGHT_S,
                  dt=config.flyout_dt_s, launch_el_rad=np.full(k, el + loft),
                  launch_az_rad=np.full(k, az), loft_rad=np.full(k, loft), record_every=record)
        end = np.where(res.intercept, res.intercept_time_s, res.end_time_s)
        # emission control: a command-guided / TVM missile loses guidance (and its flight ends
        # as a miss) when the last radar that can guide it goes off (module notes)
        lost = (np.full(k, np.inf) if _active_seeker(missile) else
                np.array([u.silent_from_s(guides, float(t0), float(e)) for e in end]))
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
                "missile_type": missile, "unit_id": u.id, "lat_deg": lat, "lon_deg": lon,
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
    out["miss_m"] = miss = miss_with_guidance_error(out["miss_m"], aero.guidance_error_m, rng)
    kind = load_library().get(pic.trajectories.types[truth]).threat_class
    pk = np.where(out["intercept"], carleton_pk(np.where(np.isfinite(miss), miss, 0.0),
                                                lethal_radius_m(missile, config,
                                                                pic.deployment.figures),
                                                config.target_hardness[kind]), 0.0)
    acquired = np.isfinite(out["terminal_s"]) & (out["terminal_s"] <= out["end_s"])
    release = (np.where(acquired, out["terminal_s"], out["end_s"]) if _active_seeker(missile)
               else out["end_s"])
    return {**out, "plan": plan, "ids": ids, "launch_s": launch, "pk": pk, "lost": lost_why,
            "killed": rng.random(len(plan)) < pk, "release_s": release,
            "trajectories": [frames[i] for i in range(len(plan))]}


def _fates(pic: AirPicture, kill_time: np.ndarray, fired_at: np.ndarray, assets: pd.DataFrame,
           config: EngagementConfig, log: _Log) -> pd.DataFrame:
    """One row per threat: killed / leaked (route ended near an asset alive) / survived."""
    traj = pic.trajectories
    rows = []
    asset_xy = assets[["x_m", "y_m"]].to_numpy()
    for j, obj in enumerate(traj.ids):
        active = np.flatnonzero(traj.active[:, j])
        t_end = float(traj.time_s[active[-1]]) if active.size else np.nan
        fate, when, where = "survived", t_end, ""
        if np.isfinite(kill_time[j]):
            fate, when = "killed", float(kill_time[j])
        elif active.size:
            e, n, _ = geodetic2enu(traj.lat_deg[active[-1], j], traj.lon_deg[active[-1], j],
                                   traj.alt_msl_m[active[-1], j], *pic.frame_origin)
            d = np.hypot(asset_xy[:, 0] - e, asset_xy[:, 1] - n)
            if d.size and d.min() <= config.leak_radius_m:
                fate, where = "leaked", str(assets["asset_id"].iloc[int(d.argmin())])
                log.add(time_s=t_end, event="leak", truth_id=j, object_id=obj,
                        detail=f"reached {where}")
        rows.append({"truth_id": j, "object_id": obj, "type": traj.types[j], "fate": fate,
                     "time_s": when, "asset_id": where, "missiles_fired": int(fired_at[j])})
    return pd.DataFrame(rows)


def _furthest_link(events: pd.DataFrame, not_engaged: np.ndarray) -> np.ndarray:
    """Per threat (truth_id order) the label of the last :data:`KILL_CHAIN` link in ``events``,
    or "engaged (missiles)", "engaged (guns)", "engaged (missiles and guns)". A tracked threat
    never assigned gets the closest :data:`NOT_ENGAGED` reason over its decisions
    (``not_engaged``: index per threat, -1 if no decision considered it)."""
    n_threats = not_engaged.size

    def reached(event: str) -> np.ndarray:
        tid = events.loc[events["event"] == event, "truth_id"].to_numpy()
        hit = np.zeros(n_threats, bool)
        hit[tid[tid >= 0]] = True
        return hit

    out = np.full(n_threats, "not detected", dtype=object)
    for event, label in KILL_CHAIN:
        out[reached(event)] = label
    why = (out == KILL_CHAIN[1][1]) & (not_engaged >= 0)
    out[why] = [f"{KILL_CHAIN[1][1]}: {NOT_ENGAGED[k]}" for k in not_engaged[why]]
    missiles, guns = reached("launch"), reached("gun_burst")
    out[missiles] = "engaged (missiles)"
    out[guns] = "engaged (guns)"
    out[missiles & guns] = "engaged (missiles and guns)"
    return out


def _without_dead(pic: AirPicture, kill_time: np.ndarray) -> AirPicture:
    """The air picture with every killed threat removed after its kill time."""
    def alive(df: pd.DataFrame) -> pd.DataFrame:
        tid = df["truth_id"].to_numpy()
        dead = (tid >= 0) & (df["time_s"].to_numpy() > kill_time[np.maximum(tid, 0)])
        return df[~dead].reset_index(drop=True)

    return replace(pic, truth=alive(pic.truth), tracks=alive(pic.tracks))


def _timeline(engagements: pd.DataFrame) -> pd.DataFrame:
    """Kill-chain durations per engagement: detect → track → assign → launch → intercept."""
    if engagements.empty:
        return engagements
    e = engagements.copy()
    e["detect_to_track_s"] = e["track_confirmed_s"] - e["first_detection_s"]
    e["track_to_assign_s"] = e["assign_s"] - e["track_confirmed_s"]
    e["reaction_s"] = e["launch_s"] - e["assign_s"]
    e["flight_s"] = e["intercept_s"] - e["launch_s"]
    return e


def _summary(units: list[FireUnit], events: pd.DataFrame, fates: pd.DataFrame,
             config: EngagementConfig, pic: AirPicture, notes: list[str]) -> dict:
    """Per threat fate, per fire unit missiles fired by type, kills and achieved Pk; leakers."""
    per_unit = {}
    for u in units:
        mine = events[events["unit_id"] == u.id]
        launched = mine[mine["event"] == "launch"]
        bursts = mine[mine["event"] == "gun_burst"]
        kills = mine[mine["event"] == "kill"]
        per_unit[u.id] = {
            "missiles_fired": launched.groupby("missile_type").size().to_dict(),
            "gun_bursts": int(len(bursts)),
            "kills": int(len(kills)),
            "pk_achieved": (float(len(kills) / (len(launched) + len(bursts)))
                            if len(launched) + len(bursts) else None),
            "rounds_left": dict(u.rounds),
            "spare_rounds_left": {m: u.spare(m) for m in u.missiles},
            "gun_rounds_left": None if u.gun is None else u.gun.rounds,
            "reaction_time_s": u.reaction_time_s, "fire_channels": u.target_channels,
            "guidance_channels": u.missile_channels,
            "autonomous_from_s": (None if not np.isfinite(u.command_post_lost_s)
                                  else u.command_post_lost_s),
            "emcon": [{"radar": r, "off_s": float(off),
                       "on_s": float(on) if np.isfinite(on) else None}
                      for r, w in u.radar_off_windows_s.items() for off, on in w],
        }
    counts = fates["fate"].value_counts().to_dict()
    reload = ("Launchers reload only where the scenario gives spare_rounds and reload_time_s "
              "(an emptied launcher is refilled to its load that long after its last launch); "
              "elsewhere launchers do not reload."
              if any(s for u in units for s in u.spares) else
              "Launchers do not reload (the scenario gives no spare rounds and reload times).")
    return {
        "threats": int(len(fates)), "killed": int(counts.get("killed", 0)),
        "leaked": int(counts.get("leaked", 0)), "survived": int(counts.get("survived", 0)),
        "missiles_fired": int((events["event"] == "launch").sum()),
        "gun_bursts": int((events["event"] == "gun_burst").sum()),
        "fire_units": per_unit,
        "leakers": fates[fates["fate"] == "leaked"][["object_id", "type", "time_s", "asset_id",
                                                     "furthest_link"]].to_dict("records"),
        "assumptions": [
            *_model_assumptions(units, config, pic),
            "Each missile's miss distance is the noise-free flyout's closest approach plus its own "
            "circular-normal guidance error (ASSUMED sigma per axis, missile_aero.yaml "
            "guidance_error_m: " + ", ".join(
                f"{m} {load_aero(m).guidance_error_m:g} m" for m in sorted(
                    {m for u in units for m in u.missiles})) + "), drawn independently for every "
            "missile of a salvo.",
            "The command posts know a kill from truth at the kill time, and that a threat's flight "
            "has ended; a committed missile or gun burst whose target is gone by its launch time "
            "is not fired (hold_fire, the round stays aboard); a missile in flight when its target "
            "is destroyed ends as a miss.",
            f"Link latency {config.link_latency_s:g} s between the fused picture and the command "
            "posts (ASSUMED).",
            "Each launcher fires again only after the min_launch_interval_s of its type "
            "(library); a salvo takes each missile from the launcher that can fire it earliest "
            "(ties: most rounds aboard, then the first launcher).",
            reload,
            "An engagement holds a target channel of the engagement radar until its last missile "
            "releases its guidance channel; a missile holds a missile-guidance channel from the "
            "decision to fire until its active seeker acquires, or to the end of its flight for "
            "command and semi-active (track-via-missile) guidance.",
            "A fire unit opens at most Doctrine.engagement_cap engagements at one threat "
            f"({config.doctrine.engagement_cap or 'no cap'}; shoot-look-shoot default: "
            "salvo_size looks).",
            "A battalion that loses its command post fights on its own radars' tracks only "
            "(no link latency, own threat evaluation, no cooperative engagement, no knowledge "
            "of the other units' engagements).",
            "Guns: one burst at a time per battalion from the pooled ammunition of its combat "
            "vehicles, only at a target one of its own radars tracks; burst Pk from Poisson hits "
            "on the target's presented area (listed with the model figures).",
            "Threats neither evade nor jam; radars are not attacked; false tracks are not "
            "engaged.",
            *([EMCON_DOCTRINE] if any(len(w) for u in units
                                       for w in u.radar_off_windows_s.values()) else []),
            *notes,
            *_gun_assumptions(units),
            *pic.provenance["assumptions"],
        ],
        "provenance": {k: v for k, v in pic.provenance.items() if k != "assumptions"},
    }


def _model_assumptions(units: list[FireUnit], config: EngagementConfig,
                       pic: AirPicture) -> list[str]:
    """The model figures this run used (:attr:`EngagementConfig.model`), each described once from
    its metadata in the cited data file (value, unit, reasoning, sources); per threat class only
    the classes in the raid, the gun figures only when a unit has guns. A value the
    configuration sets apart from the model's is listed as a run option instead."""
    model = config.model
    lib = load_library()
    classes = list(dict.fromkeys(lib.get(t).threat_class for t in pic.trajectories.types))
    missiles = sorted({m for u in units for m in u.missiles})
    used: list[str] = ["defended_radius_m", "threat_time_scale_s"]  # threat evaluation
    extra: list[str] = []

    def take(table: str, value: float, in_model: float, what: str) -> None:
        if value == in_model:
            used.append(table)
        else:
            extra.append(f"{what} {value:g} (run option, ASSUMED; the model's {table} is "
                           f"{in_model:g}).")

    if missiles:
        if config.lethal_radius_m is None:
            used += ["reference_lethal_radius_m", "reference_warhead_mass_kg"]
            extra.append(
                "Warhead lethal radius (Carleton damage function, Pk 0.5 miss distance against "
                "an aircraft) per missile, scaled from the reference warhead by the cube root of "
                "the warhead mass (Hopkinson-Cranz blast scaling): " + ", ".join(
                    f"{m} {lethal_radius_m(m, config, pic.deployment.figures):.1f} m"
                    for m in missiles) + ".")
        else:
            extra.append(f"Warhead lethal radius (Carleton damage function, Pk 0.5 miss "
                           f"distance against an aircraft) {config.lethal_radius_m:g} m for every "
                           "missile (run option, ASSUMED).")
        for cls in classes:
            take(f"target_hardness_ratio.{cls}", config.target_hardness[cls],
                 model.target_hardness[cls], f"Target hardness {cls}")
        take("planning_pk_ratio", float(config.expected_pk), model.planning_pk,
             "Planning single-shot Pk for every feasible pair")
        used.append("planning_speed_ratio")
    if any(u.gun is not None for u in units):
        for cls in classes:
            take(f"gun_target_area_m2.{cls}", config.gun_target_area_m2[cls],
                 model.gun_target_area_m2[cls], f"Presented area to a gun burst, m², {cls}")
    return [*model.describe(used), *extra]


def _gun_assumptions(units: list[FireUnit]) -> list[str]:
    """Assumed figures of the guns in use (the deployment lists launchers, not guns)."""
    lib = load_library()
    ids = dict.fromkeys(u.gun.id for u in units if u.gun is not None)
    return [f"{g} {name}: {why}" for g in ids for name, why in lib.get(g).assumptions()]
