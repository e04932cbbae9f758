"""The engagement chain: detect → track → evaluate → assign → launch → fly out → assess.

A **closed loop** over a built :class:`~iadsim.engine.world.World`: at each report time the
radars scan and the trackers run over the window that ends there
(:class:`~iadsim.engine.sensing.Sensing`: what is sensed depends on the state now -- a destroyed
threat is no longer detected after its kill time and its tracks coast and drop; a radar that is
off or destroyed detects nothing), then the command posts decide on what they see. The
engine's roles, one module each: the event log and queue (:mod:`iadsim.engine.events`), sensing
(:mod:`iadsim.engine.sensing`), decisions (:mod:`iadsim.engine.decisions`: the picture and the
feasible pairs; :mod:`iadsim.c2` evaluates and assigns), fire control
(:mod:`iadsim.engine.fire_control`: launch solutions and salvos), lethality
(:mod:`iadsim.engine.lethality`), and the analysis of a result from its event log
(:mod:`iadsim.engine.outcome`). This module holds the run loop and the run state.

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
- **Kill assessment and hold fire**: the command posts learn a kill from their sensors, not from
  truth: after an intercept (a missile's fuze functioning at the target, which the engagement
  radar sees) or a gun burst, they wait ``kill_assessment_delay_s`` (model figure); with no
  detection of the target in that time they judge it destroyed (``kill_assessed``) and stop
  engaging it, and a later detection withdraws the judgement
  (``kill_assessment_withdrawn``). Until then a threat already dead may still be engaged: a
  missile launched at it is wasted, and counted. They also know when a threat's flight has
  ended (its flight record ends: it reached the end of its route). The
  rounds of a salvo are committed at the decision to fire; each missile (and each gun burst)
  leaves only at its own launch time, and only if by then its target is not known destroyed
  and still flies as far as the command post knows -- otherwise fire is held (``hold_fire``):
  the round stays aboard and its
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
- **Radar losses** (scenario ``destroyed_at_s`` of a radar, or an anti-radiation missile during
  the run: :mod:`iadsim.engine.sead`, :meth:`_Fight.lose_radar`): from then on the radar is dead
  (``radar_destroyed``): it emits, detects and guides nothing, as if switched off for good. A
  loss during the run also ends the command-guided and semi-active missiles in flight that no
  radar of their battalion can guide any more (``miss``, "guidance lost") and calls off the
  kills they were to make; an ARM's impact due before the last look a report step feeds (half a
  frame after it) is applied before that step, so no look of the lost radar is fed after.
- **Anti-radiation missiles** (:mod:`iadsim.engine.sead`): SEAD carriers fire at emitting radars
  at each report time, before the command posts decide.
- **Jamming** (:mod:`iadsim.sensors.ew`): the looks use S/(N+J) (:class:`Sensing`).
- Threats do not evade; false tracks are not engaged.

Randomness: streams spawned from the run seed; the engagement (guidance errors, kill draws) uses
its own stream, so the sensing and tracking of a run are the same with and without engagements.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from iadsim.c2.assignment import engagement_rows
from iadsim.c2.doctrine import Doctrine
from iadsim.c2.threat import ThreatModel, Threats
from iadsim.engine.air_picture import (
    PICTURE_TABLES,
    AirPicture,
    AirPictureConfig,
    arm_slots,
    check_keep,
    derived_stream,
    picture,
    report_times,
    start_run,
)
from iadsim.engine.decisions import NO_SOLUTION, feasibility
from iadsim.engine.events import EventLog, EventQueue
from iadsim.engine.fire_control import fly_salvo, target_in_frame
from iadsim.engine.fire_unit import FireUnit
from iadsim.engine.lethality import gun_burst_kill
from iadsim.engine.outcome import fates_table, furthest_link, result_metrics, summary, timeline
from iadsim.engine.sead import Sead
from iadsim.engine.sensing import Reports, Sensing, SensingStep
from iadsim.engine.trajectory import Trajectories
from iadsim.engine.world import World
from iadsim.errors import InputError
from iadsim.geo.frames import enu2geodetic, geodetic2enu

Progress = Callable[[str, int, int], None]

#: After a failed launch solution, the fire control retries the same pair after this delay, s.
SOLUTION_RETRY_S = 5.0

#: The heavy tables of an engagement run, kept only when ``keep`` names them (``"events"`` is
#: accepted and always kept: the fates, timeline and metrics are read from the event log).
RESULT_TABLES = (*PICTURE_TABLES, "missiles")


@dataclass(frozen=True)
class EngagementConfig:
    """Run options of :func:`run_engagement` (SI). Model figures come from the World; the
    ``None`` options below take the World's value, any other value overrides it for the run
    (listed among the run's assumptions as a run option).

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
        Carleton lethal radius of every warhead, m; ``None``: per missile type from the World.
    target_hardness : dict or None
        Carleton hardness by threat class; ``None``: the World's model figures.
    expected_pk : float or None
        Single-shot Pk the command post plans with for a feasible pair; ``None``: the World's.
    gun_target_area_m2 : dict or None
        Presented area of a threat to a gun burst by threat class, m²; ``None``: the World's.
    kill_assessment_delay_s : float or None
        Kill-assessment delay, s; ``None``: the World's.
    leak_radius_m : float
        A threat ending its route within this distance of a defended asset has leaked to it.
    flyout_dt_s : float
        Inner integration step of the missile flyout, s.
    """

    air_picture: AirPictureConfig = field(default_factory=AirPictureConfig)
    doctrine: Doctrine = field(default_factory=lambda: Doctrine(salvo_size=2,
                                                                policy="shoot-shoot-look"))
    assignment: str = "optimal"
    link_latency_s: float = 2.0
    lethal_radius_m: float | None = None
    target_hardness: dict | None = field(default=None, hash=False)
    expected_pk: float | None = None
    gun_target_area_m2: dict | None = field(default=None, hash=False)
    kill_assessment_delay_s: float | None = None
    leak_radius_m: float = 5000.0
    flyout_dt_s: float = 0.1

    def __post_init__(self) -> None:
        if self.assignment not in ("optimal", "greedy"):
            raise InputError(f"assignment {self.assignment!r}: allowed values are optimal, greedy")
        if not (np.isfinite(self.link_latency_s) and self.link_latency_s >= 0):
            raise InputError(f"link_latency_s {self.link_latency_s!r}: allowed values are finite "
                             "numbers >= 0 (s)")
        for name in ("lethal_radius_m", "kill_assessment_delay_s", "leak_radius_m",
                     "flyout_dt_s"):
            value = getattr(self, name)
            if value is not None and not (np.isfinite(value) and value > 0):
                raise InputError(f"{name} {value!r}: allowed values are finite numbers > 0")
        if self.expected_pk is not None and not 0 < self.expected_pk <= 1:
            raise InputError(f"expected_pk {self.expected_pk!r}: allowed values are in (0, 1]")


@dataclass(frozen=True)
class RunFigures:
    """The model figures of one run: the World's, with the configuration's overrides."""

    lethal_radius_m: dict[str, float]
    target_hardness: dict[str, float]
    planning_pk: float
    gun_target_area_m2: dict[str, float]
    kill_assessment_delay_s: float

    @classmethod
    def of(cls, world: World, config: EngagementConfig) -> RunFigures:
        m = world.model
        return cls(
            {k: (config.lethal_radius_m if config.lethal_radius_m is not None
                 else t.lethal_radius_m) for k, t in world.missile_types.items()},
            dict(config.target_hardness or m.target_hardness),
            m.planning_pk if config.expected_pk is None else float(config.expected_pk),
            dict(config.gun_target_area_m2 or m.gun_target_area_m2),
            (m.kill_assessment_delay_s if config.kill_assessment_delay_s is None
             else float(config.kill_assessment_delay_s)))

    def options(self, world: World, classes: list[str]) -> tuple[list[str], list[str]]:
        """One line per model figure the run takes from its configuration instead of the World
        (every class of ``classes`` listed, the changed ones with the model's value), and the
        World's assumption lines they replace (:attr:`Provenance.option_lines`)."""
        m, out, replaced = world.model, [], []
        for option, what, mine, base, unit in (
                ("target_hardness", "Target hardness", self.target_hardness, m.target_hardness,
                 ""),
                ("gun_target_area_m2", "Presented area to a gun burst", self.gun_target_area_m2,
                 m.gun_target_area_m2, " m²")):
            if any(mine.get(c) != base.get(c) for c in classes):
                out.append(f"{what} (run option, ASSUMED): " + ", ".join(
                    f"{c} {mine[c]:g}{unit}" + (f" (the model's value is {base[c]:g}{unit})"
                                                if mine.get(c) != base.get(c) else "")
                    for c in classes) + ".")
                replaced.append(option)
        if self.planning_pk != m.planning_pk:
            out.append(f"Planning single-shot Pk {self.planning_pk:g} for every feasible pair "
                       f"(run option, ASSUMED; the model's value is {m.planning_pk:g}).")
            replaced.append("expected_pk")
        if self.kill_assessment_delay_s != m.kill_assessment_delay_s:
            out.append(f"Kill-assessment delay {self.kill_assessment_delay_s:g} s (run option, "
                       f"ASSUMED; the model's value is {m.kill_assessment_delay_s:g} s).")
            replaced.append("kill_assessment_delay_s")
        built = {k: t.lethal_radius_m for k, t in world.missile_types.items()}
        if self.lethal_radius_m != built:
            out.append("Warhead lethal radius (Carleton damage function) " + ", ".join(
                f"{k} {v:g} m" for k, v in self.lethal_radius_m.items()) + " (run option, "
                "ASSUMED; the World's values: " + ", ".join(f"{k} {v:.1f} m"
                                                             for k, v in built.items()) + ").")
            replaced.append("lethal_radius_m")
        lines = world.provenance.option_lines
        return out, [lines[k] for k in replaced if k in lines]


@dataclass(frozen=True)
class EngagementResult:
    """What :func:`run_engagement` produced (pandas DataFrames).

    ``events``: time_s, event, unit_id, missile_type, missile_id, truth_id, object_id, track_id,
    miss_m, pk, detail (``missile_id`` of a gun burst and its kill: the burst's id; a
    ``hold_fire`` -- a committed missile or burst not fired because its target was gone -- has
    no ``missile_id``, its detail names the planned missile). ``missiles``: flown missile
    trajectories (time_s, missile_id, missile_type, unit_id, lat_deg, lon_deg, alt_msl_m), each
    ending at the missile's intercept or end of flight, and each gun burst as a straight line
    from the guns to the target over the burst (empty unless ``keep`` named ``missiles``).
    ``fates``: one row per threat (truth_id, object_id, type, threat_class, fate, time_s, asset_id,
    missiles_fired, furthest_link: the last kill-chain link it reached, see
    :data:`iadsim.engine.outcome.KILL_CHAIN`). ``engagements``: kill-chain timeline (one row per
    missile salvo or gun burst, ``weapon`` says which). ``magazine``: rounds aboard per unit and
    missile type (gun ammunition under the gun's id) over time. ``picture``: the air picture
    the run fought on (its heavy tables as ``keep`` asked).
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
        return result_metrics(self)


def run_engagement(world: World, seed: int | np.random.SeedSequence | None = None,
                   config: EngagementConfig | None = None, progress: Progress | None = None,
                   keep: Iterable[str] = RESULT_TABLES) -> EngagementResult:
    """Fight a World: sensing, tracking, C2, assignment, flyout, kill assessment.

    Same World + seed → identical results; the World is not changed by a run. See the module
    docstring for the model.

    Parameters
    ----------
    world : World
        From :func:`iadsim.build` (``iadsim.run`` also takes a scenario and builds it).
    seed : int or numpy.random.SeedSequence, optional
        Run seed (a campaign passes its per-run ``SeedSequence``); default the scenario's.
    config : EngagementConfig, optional
    progress : callable(label, done, total), optional
    keep : iterable of {'events', 'truth', 'detections', 'tracks', 'missiles'}
        The heavy tables to keep (default all); the events, fates, timeline, magazine, summary
        and metrics are always there.
    """
    config = config or EngagementConfig()
    keep = check_keep(keep, ("events", *RESULT_TABLES))
    log = EventLog()
    seed, _, traj, sensing = start_run(world, seed, config.air_picture,
                                       keep & frozenset(PICTURE_TABLES), log, radars_read(world),
                                       launched=True)
    units = [FireUnit.from_spec(s) for s in world.fire_units]
    fight = _Fight(world, traj, sensing, units, config, log, seed, "missiles" in keep)
    fight.run(report_times(traj, config.air_picture.report_interval_s), progress)
    pic = picture(world, seed, traj, sensing, config.air_picture)
    n_threats = traj.n_objects - len(arm_slots(world, traj.ids))
    fates = fates_table(traj, fight.kill_time, fight.fired_at, world.asset_ids,
                        world.asset_enu_m, world.frame_origin, config.leak_radius_m, log,
                        fight.class_of, n_threats)
    events = log.frame()
    fates["furthest_link"] = furthest_link(events, fight.not_engaged[:n_threats])
    magazine = pd.DataFrame(fight.magazine, columns=["time_s", "unit_id", "missile_type",
                                                     "rounds"]).sort_values(
        ["time_s", "unit_id", "missile_type"], kind="stable", ignore_index=True)
    missiles = (pd.concat(fight.missiles, ignore_index=True) if fight.missiles
                else pd.DataFrame(columns=["time_s", "missile_id", "missile_type", "unit_id",
                                           "lat_deg", "lon_deg", "alt_msl_m"]))
    classes = list(dict.fromkeys(world.threat_types[t].threat_class for t in traj.types))
    options, replaced = fight.figures.options(world, classes)
    provenance = {**pic.provenance, "assumptions": [
        a for a in pic.provenance["assumptions"] if a not in replaced]}
    result_summary = summary(units, events, fates, config, provenance, options, world)
    engagements = pd.DataFrame([e for e in fight.engagements
                                if e["weapon"] != "missile" or e["missiles"] > 0])
    return EngagementResult(pic, events, missiles, fates, timeline(engagements), magazine,
                            result_summary)


@dataclass
class _Salvo:
    """A decided missile salvo (run state): its unit (index), missile type, target, common log
    fields, :func:`~iadsim.engine.fire_control.fly_salvo` outcome, engagement-timeline row, the
    target-channel release time it holds, and which of its missiles were held (not launched)."""

    iu: int
    missile: str
    truth: int
    common: dict
    outcome: dict
    row: dict
    target_release_s: float
    held: np.ndarray


@dataclass
class _InFlight:
    """A command-guided or semi-active missile in flight (run state): its unit (index), the
    radars that can guide it, when its flight ends, its scheduled events (guidance-mode changes,
    intercept or miss, kill: each with the missile's id) and their common log fields."""

    iu: int
    guides: tuple[str, ...]
    end_s: float
    scheduled: list[dict]
    common: dict


class _Fight:
    """Run state of one engagement run and the decision loop on the report clock."""

    def __init__(self, world: World, traj: Trajectories, sensing: Sensing,
                 units: list[FireUnit], config: EngagementConfig, log: EventLog,
                 seed: int | np.random.SeedSequence, keep_missiles: bool) -> None:
        self.world, self.traj, self.sensing, self.units = world, traj, sensing, units
        self.config, self.log = config, log
        self.figures = RunFigures.of(world, config)
        self.keep_missiles = keep_missiles
        self.rng = np.random.default_rng(derived_stream(seed, 0xE1))
        self.queue = EventQueue(log)
        self.salvos: dict[str, int] = {}  # salvos fired per fire unit (numbers missile ids)
        n_obj, n_units = traj.n_objects, len(units)
        #: kill time of each threat as logged (truth; inf: alive)
        self.kill_time = np.full(n_obj, np.inf)
        #: when the command posts judged each threat destroyed (inf: not, or withdrawn)
        self.assessed_s = np.full(n_obj, np.inf)
        #: intercepts and gun bursts waiting for their kill assessment: (time, threat)
        self.to_assess: list[tuple[float, int]] = []
        #: last time of each threat's flight record (truth); -inf if it never flies
        active = traj.active
        last = active.shape[0] - 1 - np.argmax(active[::-1], axis=0)
        self.flight_end = np.where(active.any(axis=0), traj.time_s[last], -np.inf)
        #: rounds committed to salvos and not launched yet, by (unit id, missile type)
        self.reserved: dict[tuple[str, str], int] = {}
        self.engaged_until = np.full((n_units, n_obj), -np.inf)  # in flight (or look) until
        self.n_engaged = np.zeros((n_units, n_obj), dtype=int)
        self.fired_at = np.zeros(n_obj, dtype=int)
        #: per threat, the highest NOT_ENGAGED index of its decisions without a shot (-1: none)
        self.not_engaged = np.full(n_obj, -1)
        self.no_solution_until: dict[tuple[str, int], float] = {}
        #: command-guided and semi-active missiles in flight (their guidance may be lost)
        self.guided: list[_InFlight] = []
        #: scheduled kills of each threat: (time, the kill event), for a kill called off
        self.kill_claims: dict[int, list[tuple[float, dict]]] = {}
        #: when each radar was lost during the run, by id
        self.radar_lost_s: dict[str, float] = {}
        self.missiles: list[pd.DataFrame] = []
        self.engagements: list[dict] = []
        self.magazine = [{"time_s": 0.0, "unit_id": u.id, "missile_type": m, "rounds": r}
                         for u in units for m, r in u.rounds.items()]
        self.magazine += [{"time_s": 0.0, "unit_id": u.id, "missile_type": u.gun.id,
                           "rounds": u.gun.rounds} for u in units if u.gun is not None]
        assets = pd.DataFrame({"asset_id": world.asset_ids, "x_m": world.asset_enu_m[:, 0],
                               "y_m": world.asset_enu_m[:, 1], "z_m": world.asset_enu_m[:, 2],
                               "value": np.ones(len(world.asset_ids))})
        self.threat_model = ThreatModel.of(assets, defended_radius_m=world.model.defended_radius_m,
                                           time_scale_s=world.model.threat_time_scale_s)
        self.gun_site = {u.id: np.array(geodetic2enu(u.lat_deg, u.lon_deg, u.ground_msl_m,
                                                     *world.frame_origin))
                         for u in units if u.gun is not None}
        self.class_of = [world.threat_types[t].threat_class for t in traj.types]
        lag_steps = int(np.ceil(config.link_latency_s / config.air_picture.report_interval_s))
        #: the last report steps, oldest first: the fused picture one link latency old, and the
        #: radars' reports of the last two report periods
        self.steps: deque[SensingStep] = deque(maxlen=lag_steps + 2)
        for u in units:
            if np.isfinite(u.command_post_lost_s):
                self.log.add(time_s=u.command_post_lost_s, event="command_post_lost",
                             unit_id=u.id, detail="no fused picture, no cooperative engagement")
                self.log.add(time_s=u.command_post_lost_s, event="autonomous", unit_id=u.id,
                             detail="engaging on own radars: " + ", ".join(u.radar_ids))
        _radar_events(world, float(traj.time_s[-1]), log)
        self.sead = (Sead(world, traj, sensing, self.radar_lost_s, self.flight_end,
                          np.random.default_rng(derived_stream(seed, 0xA5)), log, self.queue,
                          self.lose_radar, config.flyout_dt_s)
                     if world.sead else None)

    # -- the loop ---------------------------------------------------------------------------
    def run(self, clock: np.ndarray, progress: Progress | None) -> None:
        lag = self.config.link_latency_s
        for k, t in enumerate(clock):
            t = float(t)
            if progress is not None and k % 60 == 0:
                progress("engagement", k, clock.size)
            for ev in self.queue.pop_until(t):
                self._apply(ev)
            # an ARM's impact is drawn when it arrives: one due before the last look this step
            # feeds (half a frame after t) is applied now, so no look of a radar it destroys
            # reaches a tracker after the loss
            for ev in self.queue.pop_kind_until("arm_impact", t + self.config.air_picture.frame_s
                                                / 2.0):
                self._apply(ev)
            for u in self.units:
                self._reloaded(u, t)
            step = self.sensing.step(t)
            self.steps.append(step)
            if self.sead is not None:
                self.sead.step(t)
            self._assess(t)
            held = Reports.concat([s.radars for s in list(self.steps)[-2:]])
            networked = [i for i, u in enumerate(self.units) if u.command_post_lost_s > t]
            seen = next((s for s in reversed(self.steps) if s.time_s <= t - lag + 1e-9), None)
            if networked and seen is not None and seen.fused.truth.size:
                self._decide(networked, seen.fused, np.arange(seen.fused.truth.size), held, t)
            for i, u in enumerate(self.units):
                if u.command_post_lost_s <= t:
                    self._decide([i], step.radars, self._own_picture(u, step.radars), held, t)
        if progress is not None:
            progress("engagement", clock.size, clock.size)
        for ev in self.queue.pop_until(np.inf):
            self._apply(ev)

    def _apply(self, ev: dict) -> None:
        """Apply a scheduled item at its time: a launch or gun burst (``action``), or an outcome
        to log. What the target's death or the end of its flight record makes impossible is not
        logged: a second kill, a kill or guidance-mode change after it; an intercept after it is
        a miss (module notes)."""
        if ev.get("cancelled"):
            return
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
        elif kind == "intercept":
            self._await_assessment(truth, t)
        self.log.add(**ev)

    def _await_assessment(self, truth: int, t: float) -> None:
        """An intercept or gun burst at ``truth`` ended at ``t``: assess it after the delay."""
        self.to_assess.append((t, truth))

    def _assess(self, t: float) -> None:
        """Kill assessment from the sensors (module notes): a threat not detected since an
        intercept or burst ``kill_assessment_delay_s`` ago is judged destroyed; a threat judged
        destroyed and detected again is not any more."""
        seen = self.sensing.last_detected_s
        delay = self.figures.kill_assessment_delay_s
        due = sorted(item for item in self.to_assess if t >= item[0] + delay)
        self.to_assess = [item for item in self.to_assess if t < item[0] + delay]
        for t_hit, truth in due:
            if seen[truth] > t_hit or self.assessed_s[truth] < np.inf:
                continue
            self.assessed_s[truth] = t
            real = (f"destroyed at {self.kill_time[truth]:.1f} s" if self.kill_time[truth] <= t
                    else "NOT destroyed (not detected, still flying)")
            self.log.add(time_s=t, event="kill_assessed", truth_id=truth,
                         object_id=self.traj.ids[truth],
                         detail=f"no detection for {t - t_hit:.1f} s since the intercept at "
                                f"{t_hit:.1f} s (truth: {real})")
        back = np.flatnonzero(np.isfinite(self.assessed_s) & (seen > self.assessed_s))
        for truth in back:
            self.log.add(time_s=t, event="kill_assessment_withdrawn", truth_id=int(truth),
                         object_id=self.traj.ids[truth],
                         detail=f"detected again at {seen[truth]:.1f} s")
            self.assessed_s[truth] = np.inf

    def _target_gone(self, truth: int, t: float) -> str:
        """Why no weapon may leave at ``truth`` at ``t`` (``''``: none): the command post has
        judged it destroyed (kill assessment), or its flight record has ended."""
        if self.assessed_s[truth] <= t:
            return f"target assessed destroyed at {self.assessed_s[truth]:.1f} s"
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
                                + f" (started {done - u.spec.launchers[group].reload_time_s:.0f}"
                                + " s; spares "
                                + ", ".join(f"{u.spare(m)} × {m}" for m in refill) + " left)")
            self.magazine += [{"time_s": done, "unit_id": u.id, "missile_type": m,
                               "rounds": u.rounds[m]} for m in refill]

    def _own_picture(self, u: FireUnit, r: Reports) -> np.ndarray:
        """An autonomous unit's picture: its own radars' latest tracks (``r``: the radars'
        reports now), one per target (rows of ``r``, in order of its radars, then track id)."""
        now = r.of_trackers(np.arange(r.truth.size), u.radar_ids)
        rank = np.array([u.radar_ids.index(n) if n in u.radar_ids else -1 for n in r.trackers])
        now = now[np.lexsort((r.track_id[now], rank[r.tracker[now]]))]
        truth = r.truth[now]
        first = np.zeros(now.size, dtype=bool)
        first[np.unique(truth, return_index=True)[1]] = True
        return now[(truth < 0) | first]

    # -- one decision of one command post (or autonomous unit) -------------------------------
    def _decide(self, members: list[int], reports: Reports, rows: np.ndarray, held: Reports,
                t: float) -> None:
        """Evaluate, assign and engage the tracks of ``rows`` of ``reports`` seen by
        ``members`` (``held``: the radars' recent reports, for the engagement radars)."""
        tid = reports.truth[rows]
        safe = np.maximum(tid, 0)
        known_dead = (tid >= 0) & ((self.assessed_s[safe] <= t) | (self.flight_end[safe] <= t))
        engaged = (tid >= 0) & (self.engaged_until[members][:, safe].max(axis=0) > t)
        rows = rows[~known_dead & ~engaged]
        if not rows.size:
            return
        threats = self.threat_model.evaluate(reports.pos[rows], reports.vel[rows])
        rows = rows[threats.order]
        units = [self.units[i] for i in members]
        frames = [reports.in_frame((u.lat_deg, u.lon_deg, u.ground_msl_m)) for u in units]
        truth = reports.truth[rows]
        choice, pk, closest = feasibility(units, self.world.missile_types,
                                          [(pos[rows], vel[rows]) for pos, vel in frames],
                                          truth, held, self.figures.planning_pk, t=t)
        cap = self.config.doctrine.engagement_cap
        if cap is not None:
            pk[self.n_engaged[members][:, np.maximum(truth, 0)] >= cap] = 0.0
        free = [u.free_channels(t) for u in units]
        rounds = np.array([sum(u.rounds.values()) for u in units])
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
                closest[k] = NO_SOLUTION
        missed = np.array([k for k in range(truth.size) if k not in taken and truth[k] >= 0], int)
        self.not_engaged[truth[missed]] = np.maximum(self.not_engaged[truth[missed]],
                                                     closest[missed])
        for iu in members:
            if self.units[iu].gun is not None:
                self._gun(iu, reports, rows, threats, held, taken, t)

    # -- missiles ---------------------------------------------------------------------------
    def _fire(self, iu: int, missile: str, n: int, truth: int, track_id: int, reasons: str,
              t: float) -> bool:
        """Decide a salvo of ``n`` missiles at a track's target; ``False`` if it is not fired.

        The rounds and channels are committed now; each missile leaves at its own launch time
        if its target is still there as far as the command post knows (:meth:`_launch`).
        """
        u = self.units[iu]
        if n <= 0 or self.no_solution_until.get((u.id, truth), -np.inf) > t:
            return False
        plan = u.plan_salvo(missile, n, t + u.reaction_time_s)
        salvo_no = self.salvos.get(u.id, 0) + 1
        target = target_in_frame(self.traj, truth, (u.lat_deg, u.lon_deg, u.ground_msl_m))
        outcome = fly_salvo(u, self.world.missile_types[missile], plan, target,
                            self.figures.lethal_radius_m[missile],
                            self.figures.target_hardness[self.class_of[truth]], self.rng,
                            salvo_no, self.config.flyout_dt_s)
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
                  "object_id": self.traj.ids[truth], "track_id": track_id}
        self.log.add(time_s=t, event="assign", detail=reasons, **common)
        row = {
            "unit_id": u.id, "weapon": "missile", "missile_type": missile, "missiles": n,
            "truth_id": truth, "object_id": common["object_id"], "track_id": common["track_id"],
            "first_detection_s": self.sensing.first_detection_s.get(truth, np.nan),
            "track_confirmed_s": self.sensing.confirmed_s.get(truth, np.nan),
            "assign_s": t, "launch_s": float(outcome["launch_s"][0]),
            "intercept_s": float(np.nanmin(outcome["end_s"])), "killed": False}
        self.engagements.append(row)
        salvo = _Salvo(iu, missile, truth, common, outcome, row, busy, np.zeros(n, dtype=bool))
        for i in range(n):
            self.queue.schedule({"time_s": float(outcome["launch_s"][i]), "event": "launch",
                                 "action": functools.partial(self._launch, salvo, i)})
        return True

    def _launch(self, salvo: _Salvo, i: int) -> None:
        """Missile ``i`` of a salvo leaves at its launch time, unless its target is gone."""
        u, missile, out = self.units[salvo.iu], salvo.missile, salvo.outcome
        t_launch, end = float(out["launch_s"][i]), float(out["end_s"][i])
        key = (u.id, missile)
        self.reserved[key] -= 1
        why = self._target_gone(salvo.truth, t_launch) or self._guidance_off(u, missile,
                                                                            t_launch)
        if why:
            self._hold(salvo, i, t_launch, why)
            return
        mid, common = out["ids"][i], salvo.common
        dead = self.kill_time[salvo.truth]
        self.log.add(time_s=t_launch, event="launch", missile_id=mid, **common,
                     detail=(f"target already destroyed at {dead:.1f} s, not yet assessed"
                             if dead <= t_launch else ""))
        aboard = u.rounds[missile] + self.reserved[key]
        self.magazine.append({"time_s": t_launch, "unit_id": u.id, "missile_type": missile,
                              "rounds": aboard})
        seeker = self.world.missile_types[missile].seeker
        terminal = ("terminal (seeker acquired, semi-active / track-via-missile)"
                    if seeker.needs_ground_radar else "terminal (active seeker acquired)")
        scheduled = [{"time_s": float(when), "event": "guidance_mode", "missile_id": mid,
                      "detail": detail, **common}
                     for when, detail in ((out["command_s"][i], "command"),
                                          (out["terminal_s"][i], terminal))
                     if np.isfinite(when) and when <= end]
        ev = dict(time_s=end, missile_id=mid, miss_m=float(out["miss_m"][i]),
                  pk=float(out["pk"][i]), **common)
        scheduled.append({**ev, "event": "intercept" if out["intercept"][i] else "miss",
                          "detail": out["lost"][i]})
        if out["killed"][i]:
            scheduled.append({**ev, "event": "kill", "row": salvo.row})
            self._claim_kill(salvo.truth, end, scheduled[-1])
        for item in scheduled:
            self.queue.schedule(item)
        if seeker.needs_ground_radar:
            self.guided.append(_InFlight(salvo.iu, u.missiles[missile].guided_by, end,
                                         scheduled, common))
        if self.keep_missiles:
            self.missiles.append(out["trajectories"][i])
        pending = {m for _, _, refill in u.reloads for m in refill}
        if aboard == 0 and missile not in pending:
            self.log.add(time_s=t_launch, event="missile_exhausted", **common)

    def _claim_kill(self, truth: int, t: float, ev: dict) -> None:
        """A kill of ``truth`` at ``t`` is scheduled (``ev``): nothing of it is sensed after."""
        self.kill_claims.setdefault(truth, []).append((t, ev))
        self.sensing.destroy(truth, t)

    def lose_radar(self, radar_id: str, t: float, why: str) -> None:
        """Radar ``radar_id`` is destroyed at ``t`` during the run: it emits, detects and guides
        nothing from then on (:meth:`Sensing.switch_off`, :meth:`FireUnit.switch_off`); the
        command-guided and semi-active missiles in flight that no radar of their battalion can
        guide any more end now as misses (``guidance lost``), and the kills they were to make
        are called off. Nothing happens to a radar already lost."""
        k = next(i for i, r in enumerate(self.world.radars) if r.id == radar_id)
        radar = self.world.radars[k]
        if radar_id in self.radar_lost_s or radar.destroyed_s <= t:
            return
        self.radar_lost_s[radar_id] = t
        self.sensing.switch_off(k, t)
        for u in self.units:
            if radar_id in u.off_windows_s:
                u.switch_off(radar_id, t)
        self.log.add(time_s=t, event="radar_destroyed", unit_id=radar.battalion_id,
                     object_id=radar_id, detail=f"{radar_id} destroyed ({why}): emits, detects "
                                                 "and guides nothing from now on")
        flying = []
        for f in self.guided:
            if f.end_s <= t:
                continue
            truth = int(f.common["truth_id"])
            if self.units[f.iu].emitting(f.guides, t) or self.kill_time[truth] < t:
                flying.append(f)
                continue
            for ev in f.scheduled:
                ev["cancelled"] = True
            mid = f.scheduled[-1]["missile_id"]
            self.log.add(time_s=t, event="miss", missile_id=mid, miss_m=np.nan, pk=0.0,
                         detail=f"guidance lost: {radar_id} destroyed", **f.common)
            claims = [c for c in self.kill_claims.get(truth, []) if not c[1].get("cancelled")]
            self.kill_claims[truth] = claims
            self.sensing.death_s[truth] = min((c[0] for c in claims), default=np.inf)
        self.guided = flying

    def _guidance_off(self, u: FireUnit, missile: str, t: float) -> str:
        """Why ``missile`` of ``u`` cannot be guided at ``t`` (``''``: it can): a command-guided
        or semi-active missile needs one of its guiding radars emitting (emission control,
        radar losses)."""
        guides = u.missiles[missile].guided_by
        if not self.world.missile_types[missile].seeker.needs_ground_radar or u.emitting(guides,
                                                                                          t):
            return ""
        return f"engagement radar {', '.join(guides) or '(none)'} off or destroyed"

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

    # -- guns -------------------------------------------------------------------------------
    def _gun(self, iu: int, reports: Reports, rows: np.ndarray, threats: Threats,
             held: Reports, taken: set[int], t: float) -> None:
        """One burst at the most threatening target inside the gun envelope (module notes);
        ``rows`` of ``reports`` most threatening first, ``held`` the radars' recent reports."""
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
              & (truth >= 0) & np.isin(truth, held.truth_held(u.radar_ids)))
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
                  "object_id": self.traj.ids[truth], "track_id": track_id}
        self.log.add(time_s=t, event="assign", detail=reasons, **common)
        self.queue.schedule({"time_s": t_fire, "event": "gun_burst",
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
        target = target_in_frame(self.traj, truth, origin)
        pos, _ = target(t_fire)
        range_m = float(np.linalg.norm(pos[0]))
        pk, killed = gun_burst_kill(range_m, n, gun.dispersion_rad * 1e3,
                                    self.figures.gun_target_area_m2[self.class_of[truth]],
                                    gun.pk_per_hit, self.rng)
        gun.rounds -= n
        burst = f"{u.id}-{gun.id}-{t_fire:.0f}"
        detail = f"{n} rounds at {max(range_m, 1.0) / 1000:.2f} km"
        if cut:
            detail += f" (cut at {t_end:.1f} s: the target's flight record ended)"
        dead = self.kill_time[truth]
        if dead <= t_fire:
            detail += f"; target already destroyed at {dead:.1f} s, not yet assessed"
        self.log.add(time_s=t_fire, event="gun_burst", pk=pk, missile_id=burst, detail=detail,
                     **common)
        self._await_assessment(truth, t_end)
        if self.keep_missiles:
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
            "track_id": common["track_id"],
            "first_detection_s": self.sensing.first_detection_s.get(truth, np.nan),
            "track_confirmed_s": self.sensing.confirmed_s.get(truth, np.nan),
            "assign_s": t_assign, "launch_s": t_fire, "intercept_s": t_end, "killed": False}
        self.engagements.append(row)
        if killed and dead > t_fire:
            kill = {"time_s": t_end, "event": "kill", "pk": pk, "missile_id": burst, "row": row,
                    **common}
            self._claim_kill(truth, t_end, kill)
            self.queue.schedule(kill)
        if gun.rounds == 0:
            self.log.add(time_s=t_fire, event="gun_exhausted", **common)


def _radar_events(world: World, t_end: float, log: EventLog) -> None:
    """Log each radar's switches off and on (scenario ``emcon``) and its loss (scenario
    ``destroyed_at_s``) that fall within the run: ``unit_id`` its battalion, ``object_id`` the
    radar."""
    for r in world.radars:
        common = {"unit_id": r.battalion_id, "object_id": r.id}
        for off, on in r.off_windows_s:
            if off < r.destroyed_s and off <= t_end:
                until = (f"until {on:g} s" if np.isfinite(on) and on <= r.destroyed_s
                         else "to the end of the run")
                log.add(time_s=float(off), event="radar_off",
                        detail=f"emission control: {r.id} off {until}", **common)
            if np.isfinite(on) and on <= t_end:
                log.add(time_s=float(on), event="radar_on",
                        detail=f"emission control: {r.id} on again (off since {off:g} s)",
                        **common)
        if r.destroyed_s <= t_end:
            log.add(time_s=float(r.destroyed_s), event="radar_destroyed",
                    detail=f"{r.id} destroyed (scripted loss): emits, detects and guides "
                           "nothing from now on", **common)


def radars_read(world: World) -> frozenset[str]:
    """The radars whose own trackers' reports the fight reads: the engagement radars of every
    missile site (``guided_by``: a command-guided missile needs their track), every radar of a
    unit with guns (a burst needs a track of one of them) or of a unit that may lose its command
    post (it then fights on its own radars' picture). The others (early-warning and battle-
    management radars of networked units) feed only the fused picture, from their detections."""
    read: set[str] = set()
    for u in world.fire_units:
        read.update(r for site in u.missiles.values() for r in site.guided_by)
        if u.gun is not None or np.isfinite(u.command_post_lost_s):
            read.update(u.radar_ids)
    return frozenset(read)
