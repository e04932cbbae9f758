"""The engagement chain: detect → track → evaluate → assign → launch → fly out → assess.

Built on the air picture (:mod:`iadsim.engine.air_picture`): the threats fly their routes, the
radars scan and the trackers run first; then a decision loop on the command post's report clock
engages the fused tracks.

Model (each step documented where it is coded):

- **C2**: each battalion's command post sees the fused command-post picture with a link latency
  (``link_latency_s``). Fire units (battalions) engage **cooperatively**: a missile with an
  active terminal seeker may be launched on any fused track; a command-guided missile needs a
  confirmed track of the same target held by one of its battalion's engagement radars
  (``guided_by``), i.e. the engagement radar must see the target.
- **Threat evaluation**: :func:`iadsim.c2.threat.evaluate_threats` against the defended assets.
- **Assignment**: :func:`iadsim.c2.assignment.assign_optimal` (or greedy) maximising expected
  threat value destroyed, subject to ready rounds, fire channels (the engagement radar's
  simultaneous targets) and doctrine (salvo, minimum Pk, reserve).
- **Launch** after the battalion's reaction time; **flyout** of every missile with the 3-DOF
  model and proportional navigation (:mod:`iadsim.weapons.flyout`) against the target's true
  trajectory, in the launcher's local ENU frame; **kill** drawn from the Carleton damage function
  of the miss distance (:mod:`iadsim.weapons.kill`).
- Threats do not react (no evasion, no jamming); radars are not destroyed (no ARM effect yet).

Randomness: streams spawned from the run seed; the kill draws use their own stream, so the
sensing and tracking of a run are the same with and without engagements.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from iadsim.c2.assignment import assign_greedy, assign_optimal
from iadsim.c2.doctrine import Doctrine
from iadsim.c2.threat import evaluate_threats
from iadsim.engine.air_picture import (
    FUSED,
    AirPicture,
    AirPictureConfig,
    simulate_air_picture,
)
from iadsim.errors import InputError
from iadsim.geo.frames import enu2geodetic, geodetic2enu
from iadsim.scenario.build import MissileSite
from iadsim.scenario.library import load_library
from iadsim.scenario.schema import Scenario
from iadsim.weapons.calibration import aero_ids, load_aero
from iadsim.weapons.flyout import fly
from iadsim.weapons.kill import carleton_pk

Progress = Callable[[str, int, int], None]

#: Loft angles (deg) the fire control tries for a launch solution; the earliest intercept wins.
LOFTS_DEG = (5.0, 15.0, 30.0, 45.0, 60.0)
#: Longest missile flight simulated, s.
MAX_FLIGHT_S = 400.0
#: After a failed launch solution, the fire control retries the same pair after this delay, s.
SOLUTION_RETRY_S = 5.0
#: Integration step of the launch-solution search (coarser than the flown salvo), s.
SOLUTION_DT_S = 0.2

#: Reaction time used when a battalion's command post has none in the library, s (55K6E value).
DEFAULT_REACTION_S = 10.0

#: Event kinds in the log, with their order at equal times (lower first).
EVENT_PRIORITY = {"first_detection": 0, "track_confirmed": 1, "intercept": 2, "miss": 2,
                  "kill": 3, "assign": 4, "launch": 5, "missile_exhausted": 6, "leak": 7}


@dataclass(frozen=True)
class EngagementConfig:
    """Parameters of :func:`run_engagement` (SI).

    Attributes
    ----------
    air_picture : AirPictureConfig
        Sensing and tracking settings (the report clock is the decision clock).
    doctrine : Doctrine
        Salvo, firing policy, minimum Pk, reserve.
    assignment : {'optimal', 'greedy'}
    link_latency_s : float
        Delay of the fused picture at the command posts, s.
    lethal_radius_m : float
        Carleton lethal radius (Pk 0.5 miss distance) of every warhead, m. ASSUMED: 48N6-class
        fragmentation warheads are usually credited with ~20-30 m lethal radius against aircraft
        in secondary literature; smaller missiles less. Listed in every report.
    expected_pk : float
        Single-shot Pk the command post plans with for a feasible pair (ASSUMED; planning value,
        not the outcome, which the flyout and damage function decide).
    leak_radius_m : float
        A threat ending its route within this distance of a defended asset has leaked to it.
    flyout_dt_s : float
        Inner integration step of the missile flyout, s.
    """

    air_picture: AirPictureConfig = field(
        default_factory=lambda: AirPictureConfig(report_interval_s=1.0))
    doctrine: Doctrine = field(default_factory=lambda: Doctrine(salvo_size=2,
                                                                policy="shoot-shoot-look"))
    assignment: str = "optimal"
    link_latency_s: float = 2.0
    lethal_radius_m: float = 20.0
    expected_pk: float = 0.7
    leak_radius_m: float = 5000.0
    flyout_dt_s: float = 0.1


@dataclass
class FireUnit:
    """A battalion as a fire unit (mutable run state: inventory, busy channels)."""

    id: str
    lat_deg: float
    lon_deg: float
    ground_msl_m: float
    reaction_time_s: float
    channels: int
    missiles: dict[str, MissileSite]
    rounds: dict[str, int]
    busy_until: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class EngagementResult:
    """What :func:`run_engagement` produced (pandas DataFrames).

    ``events``: time_s, event, unit_id, missile_type, missile_id, truth_id, object_id, track_id,
    miss_m, pk, detail. ``missiles``: flown missile trajectories (time_s, missile_id, lat_deg,
    lon_deg, alt_msl_m). ``fates``: one row per threat. ``engagements``: kill-chain timeline.
    ``magazine``: rounds left per unit and missile type over time.
    """

    picture: AirPicture
    events: pd.DataFrame
    missiles: pd.DataFrame
    fates: pd.DataFrame
    engagements: pd.DataFrame
    magazine: pd.DataFrame
    summary: dict


def run_engagement(scenario: Scenario, seed: int | None = None, figure_set: str = "nominal",
                   config: EngagementConfig | None = None, dem_path: str | None = None,
                   progress: Progress | None = None) -> EngagementResult:
    """Fight the scenario's raid: sensing, tracking, C2, assignment, flyout, kill assessment.

    Same scenario + seed → identical event log. See the module docstring for the model.
    """
    config = config or EngagementConfig()
    if config.assignment not in ("optimal", "greedy"):
        raise InputError(f"assignment {config.assignment!r}: allowed values are optimal, greedy")
    pic = simulate_air_picture(scenario, seed, figure_set, config.air_picture, dem_path, progress)
    run_seed = pic.provenance["seed"]
    rng = np.random.default_rng(np.random.SeedSequence([run_seed, 0xE1]))
    units, notes = _fire_units(scenario, pic, figure_set)
    assets = _assets(scenario, pic)
    log = _Log()
    first_det, confirmed_at = _picture_events(pic, log)
    fused = pic.tracks[pic.tracks["tracker"] == FUSED]
    radar_tracks = pic.tracks[pic.tracks["tracker"] != FUSED]
    n_obj = pic.trajectories.n_objects
    kill_time = np.full(n_obj, np.inf)
    busy_target = np.full(n_obj, -np.inf)          # missiles in flight (or look) until
    fired_at = np.zeros(n_obj, dtype=int)
    heap: list[tuple] = []
    no_solution_until: dict[tuple[str, int], float] = {}
    missiles, engagements = [], []
    magazine = [{"time_s": 0.0, "unit_id": u.id, "missile_type": m, "rounds": r}
                for u in units for m, r in u.rounds.items()]
    times = np.unique(fused["time_s"].to_numpy())
    for t in times:
        while heap and heap[0][0] <= t:
            _apply(heapq.heappop(heap)[3], kill_time, log)
        view = fused[np.isclose(fused["time_s"], _latest(times, t - config.link_latency_s))]
        tid = view["truth_id"].to_numpy()
        known_dead = (tid >= 0) & (kill_time[np.maximum(tid, 0)] <= t)
        engaged = (tid >= 0) & (busy_target[np.maximum(tid, 0)] > t)
        view = view[~known_dead & ~engaged]
        if view.empty or not units:
            continue
        threats = evaluate_threats(view, assets)
        view = view.set_index("track_id").loc[threats["track_id"]].reset_index()
        choice, pk = _feasibility(units, view, t, pic, radar_tracks, config)
        for u in units:
            u.busy_until = [b for b in u.busy_until if b > t]
        rounds = np.array([sum(u.rounds.values()) for u in units])
        channels = np.array([max(u.channels - len(u.busy_until), 0) for u in units])
        assign = assign_optimal if config.assignment == "optimal" else assign_greedy
        plan = assign(threats["threat_value"].to_numpy(), pk, rounds, channels,
                      doctrine=config.doctrine)
        for row in plan.itertuples():
            u, k = units[row.unit], int(row.threat)
            missile = choice[row.unit][k]
            n = min(int(row.n_missiles), u.rounds[missile])
            if n <= 0:
                continue
            truth = int(view["truth_id"].iloc[k])
            track_id = int(view["track_id"].iloc[k])
            if no_solution_until.get((u.id, truth), -np.inf) > t:
                continue
            outcome = _fire(u, missile, n, truth, t, pic, config, rng)
            if outcome is None:
                no_solution_until[(u.id, truth)] = t + SOLUTION_RETRY_S
                continue
            u.rounds[missile] -= n
            fired_at[truth] += n
            t_launch, t_end = t + u.reaction_time_s, float(np.nanmax(outcome["end_s"]))
            u.busy_until.append(t_end)
            busy_target[truth] = t_end + config.air_picture.report_interval_s
            magazine.append({"time_s": t_launch, "unit_id": u.id, "missile_type": missile,
                             "rounds": u.rounds[missile]})
            common = {"unit_id": u.id, "missile_type": missile, "truth_id": truth,
                      "object_id": pic.trajectories.ids[truth], "track_id": track_id}
            log.add(time_s=t, event="assign", detail=threats["reasons"].iloc[k], **common)
            for i, mid in enumerate(outcome["ids"]):
                log.add(time_s=t_launch, event="launch", missile_id=mid, **common)
                ev = dict(time_s=float(outcome["end_s"][i]), missile_id=mid,
                          miss_m=float(outcome["miss_m"][i]), pk=float(outcome["pk"][i]),
                          **common)
                kind = "intercept" if outcome["intercept"][i] else "miss"
                heapq.heappush(heap, (ev["time_s"], EVENT_PRIORITY[kind], log.next_seq(),
                                      {**ev, "event": kind}))
                if outcome["killed"][i]:
                    heapq.heappush(heap, (ev["time_s"], EVENT_PRIORITY["kill"], log.next_seq(),
                                          {**ev, "event": "kill"}))
            if u.rounds[missile] == 0:
                log.add(time_s=t_launch, event="missile_exhausted", **common)
            missiles.append(outcome["trajectory"])
            engagements.append({
                "unit_id": u.id, "missile_type": missile, "missiles": n, "truth_id": truth,
                "object_id": pic.trajectories.ids[truth], "track_id": track_id,
                "first_detection_s": first_det.get(truth, np.nan),
                "track_confirmed_s": confirmed_at.get(truth, np.nan),
                "assign_s": t, "launch_s": t_launch,
                "intercept_s": float(np.nanmin(outcome["end_s"])),
                "killed": bool(outcome["killed"].any())})
    while heap:
        _apply(heapq.heappop(heap)[3], kill_time, log)
    fates = _fates(pic, kill_time, fired_at, assets, config, log)
    events = log.frame()
    result_pic = _without_dead(pic, kill_time)
    engagements_df = _timeline(pd.DataFrame(engagements))
    magazine_df = pd.DataFrame(magazine).sort_values(["time_s", "unit_id", "missile_type"],
                                                     kind="stable", ignore_index=True)
    missiles_df = (pd.concat(missiles, ignore_index=True) if missiles
                   else pd.DataFrame(columns=["time_s", "missile_id", "lat_deg", "lon_deg",
                                              "alt_msl_m"]))
    summary = _summary(units, events, fates, config, pic, notes)
    return EngagementResult(result_pic, events, missiles_df, fates, engagements_df,
                            magazine_df, summary)


def _apply(ev: dict, kill_time: np.ndarray, log: _Log) -> None:
    """Apply a scheduled outcome: log it; a kill of an already destroyed threat is not logged."""
    if ev["event"] == "kill":
        if kill_time[ev["truth_id"]] <= ev["time_s"]:
            return
        kill_time[ev["truth_id"]] = ev["time_s"]
    log.add(**ev)


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
            df[col] = df[col].fillna("").astype(str)
        return df.drop(columns=["seq", "priority"])


def _latest(times: np.ndarray, t: float) -> float:
    """Latest report time ≤ t (the first one if none)."""
    i = int(np.searchsorted(times, t, side="right")) - 1
    return float(times[max(i, 0)])


def _fire_units(scenario: Scenario, pic: AirPicture, figure_set: str
                ) -> tuple[list[FireUnit], list[str]]:
    """Battalions with missiles as fire units: inventory, reaction time, fire channels.

    Missile types without a calibrated flyout model are left out, and the returned notes say so.
    """
    lib = load_library()
    dep = pic.deployment
    battalions = {b.id: b for b in scenario.battalions}
    flyable = set(aero_ids())
    units, notes = [], []
    for bn_id in dict.fromkeys(m.battalion_id for m in dep.missiles):
        sites = {m.missile_id: m for m in dep.missiles if m.battalion_id == bn_id}
        for m_id in sorted(set(sites) - flyable):
            notes.append(f"{bn_id}: {m_id} is not fired (no calibrated flyout model yet).")
            sites.pop(m_id)
        if not sites:
            continue
        first = next(iter(sites.values()))
        cp = battalions[bn_id].command_post
        if cp and "reaction_time_s" in lib.get(cp).figures:
            reaction = lib.get(cp).si("reaction_time_s", figure_set)
        else:
            reaction = DEFAULT_REACTION_S
            notes.append(f"{bn_id}: no command-post reaction time in the library; "
                         f"{DEFAULT_REACTION_S:g} s ASSUMED (the 55K6E figure).")
        fcr = {r.type_id for r in dep.radars if any(r.id in m.guided_by for m in sites.values())}
        channels = [int(lib.get(t).pick("simultaneous_targets_count", figure_set))
                    for t in fcr if "simultaneous_targets_count" in lib.get(t).figures]
        units.append(FireUnit(bn_id, first.lat_deg, first.lon_deg, first.ground_msl_m,
                              float(reaction), max(channels, default=1), sites,
                              {m: s.rounds for m, s in sites.items()}))
    return units, notes


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


def _feasibility(units: list[FireUnit], view: pd.DataFrame, t: float, pic: AirPicture,
                 radar_tracks: pd.DataFrame, config: EngagementConfig
                 ) -> tuple[list[list[str | None]], np.ndarray]:
    """Per (unit, threat): the missile to use (shortest-ranged feasible, saving long-range rounds)
    and the planning Pk (``expected_pk`` if feasible, else 0).

    Feasible: rounds left; the predicted intercept point (target extrapolated at constant velocity
    over reaction time + time of flight at the missile's mean planning speed) lies inside the
    published range and altitude limits; and guidance is possible — an active-seeker missile
    needs only the fused track (cooperative engagement), a command-guided one a confirmed track of
    the same target held by one of the battalion's engagement radars in the last 2 report periods.
    """
    pos = view[["x_m", "y_m", "z_m"]].to_numpy()
    vel = view[["vx_m_s", "vy_m_s", "vz_m_s"]].to_numpy()
    truth = view["truth_id"].to_numpy()
    recent = radar_tracks[(radar_tracks["time_s"] <= t)
                          & (radar_tracks["time_s"] > t - 2 * config.air_picture.report_interval_s)]
    choice: list[list[str | None]] = []
    pk = np.zeros((len(units), len(view)))
    for iu, u in enumerate(units):
        e, n, up = geodetic2enu(u.lat_deg, u.lon_deg, u.ground_msl_m, *pic.frame_origin)
        site = np.array([e, n, up])
        row: list[str | None] = [None] * len(view)
        for m_id, m in sorted(u.missiles.items(), key=lambda kv: kv[1].max_range_m):
            if u.rounds[m_id] <= 0:
                continue
            speed = _planning_speed(m_id)
            rel = pos - site
            tof = np.linalg.norm(rel, axis=1) / speed
            for _ in range(2):
                aim = rel + vel * (u.reaction_time_s + tof)[:, None]
                tof = np.linalg.norm(aim, axis=1) / speed
            ground = np.hypot(aim[:, 0], aim[:, 1])
            height = aim[:, 2]
            ok = ((ground >= m.min_range_m) & (ground <= m.max_range_m)
                  & (height >= m.min_altitude_m) & (height <= m.max_altitude_m))
            if not _active_seeker(m_id):
                held = set(recent.loc[recent["tracker"].isin(m.guided_by), "truth_id"])
                ok &= np.isin(truth, list(held)) & (truth >= 0)
            for k in np.flatnonzero(ok):
                if row[k] is None:
                    row[k] = m_id
                    pk[iu, k] = config.expected_pk
        choice.append(row)
    return choice, pk


def _planning_speed(missile_id: str) -> float:
    """Mean speed the command post plans time of flight with: half the missile's max speed."""
    return 0.5 * load_library().get(missile_id).max_speed_m_s("nominal")


def _active_seeker(missile_id: str) -> bool:
    """Whether the library describes an active radar terminal seeker (cooperative engagement)."""
    item = load_library().get(missile_id)
    text = " ".join(str(f.value) for name, f in item.facts() if name == "guidance")
    return "active" in text.lower()


def _target_fn(pic: AirPicture, truth: int, n: int, origin: tuple[float, float, float]
               ) -> Callable[[float], tuple[np.ndarray, np.ndarray]]:
    """True state of one threat, repeated for ``n`` missiles, in the launcher's ENU frame.

    The truth is converted to the launcher frame once on its time grid; the flyout's many
    sub-step queries then interpolate linearly (velocity: finite differences of the grid).
    """
    traj = pic.trajectories
    active = traj.active[:, truth]
    t_grid = traj.time_s[active]
    e, nn, up = geodetic2enu(traj.lat_deg[active, truth], traj.lon_deg[active, truth],
                             traj.alt_msl_m[active, truth], *origin)
    pos = np.stack([e, nn, up], axis=-1)
    vel = np.gradient(pos, t_grid, axis=0) if t_grid.size > 1 else np.zeros_like(pos)

    def target(tt: float) -> tuple[np.ndarray, np.ndarray]:
        k = int(np.clip(np.searchsorted(t_grid, tt) - 1, 0, max(t_grid.size - 2, 0)))
        w = 0.0 if t_grid.size < 2 else float(np.clip((tt - t_grid[k]) / (t_grid[k + 1] -
                                                                          t_grid[k]), 0.0, 1.0))
        p = pos[k] if t_grid.size < 2 else (1 - w) * pos[k] + w * pos[k + 1]
        return np.tile(p, (n, 1)), np.tile(vel[k], (n, 1))

    return target


def _launch_solution(aero, pic: AirPicture, truth: int, origin: tuple[float, float, float],
                     t0: float, config: EngagementConfig) -> tuple[float, float, float] | None:
    """Fire-control launch solution: the loft (of :data:`LOFTS_DEG`) giving the earliest
    intercept, with launch elevation = elevation of the target + loft and azimuth towards it.

    ``None`` when no loft intercepts: the target is outside the kinematic launch envelope, and
    the fire unit does not launch (launch acceptability).
    """
    k = len(LOFTS_DEG)
    pos, _ = _target_fn(pic, truth, 1, origin)(t0)
    az = float(np.arctan2(pos[0, 0], pos[0, 1]))
    el = float(np.arctan2(pos[0, 2], np.hypot(pos[0, 0], pos[0, 1])))
    lofts = np.radians(LOFTS_DEG)
    res = fly(aero, np.zeros((k, 3)), _target_fn(pic, truth, k, origin), t0=t0,
              t_max=t0 + MAX_FLIGHT_S, dt=max(config.flyout_dt_s, SOLUTION_DT_S),
              launch_el_rad=el + lofts,
              launch_az_rad=np.full(k, az), loft_rad=lofts, record_every=10**6)
    if not res.intercept.any():
        return None
    best = int(np.nanargmin(np.where(res.intercept, res.intercept_time_s, np.inf)))
    return float(lofts[best]), el + float(lofts[best]), az


def _fire(u: FireUnit, missile: str, n: int, truth: int, t: float, pic: AirPicture,
          config: EngagementConfig, rng: np.random.Generator) -> dict | None:
    """Fly a salvo of ``n`` missiles at a threat and draw the kills (launcher-centred ENU).

    ``None`` if there is no launch solution (the salvo is not fired).
    """
    aero = load_aero(missile)
    origin = (u.lat_deg, u.lon_deg, u.ground_msl_m)
    t0 = t + u.reaction_time_s
    solution = _launch_solution(aero, pic, truth, origin, t0, config)
    if solution is None:
        return None
    loft, el, az = solution
    record = max(1, int(round(1.0 / config.flyout_dt_s)))
    res = fly(aero, np.zeros((n, 3)), _target_fn(pic, truth, n, origin), t0=t0,
              t_max=t0 + MAX_FLIGHT_S, dt=config.flyout_dt_s, launch_el_rad=np.full(n, el),
              launch_az_rad=np.full(n, az), loft_rad=np.full(n, loft), record_every=record)
    miss = res.miss_m
    pk = np.where(res.intercept, carleton_pk(np.where(np.isfinite(miss), miss, 0.0),
                                             config.lethal_radius_m), 0.0)
    killed = rng.random(n) < pk
    end = np.where(res.intercept, res.intercept_time_s, res.end_time_s)
    ids = [f"{u.id}-{missile}-{t0:.0f}-{i + 1}" for i in range(n)]
    steps, _, _ = res.pos_enu_m.shape
    pos = res.pos_enu_m.reshape(-1, 3)
    lat, lon, alt = enu2geodetic(pos[:, 0], pos[:, 1], pos[:, 2], *origin)
    times = np.repeat(res.time_s, n)
    mids = np.tile(np.array(ids, dtype=object), steps)
    alive = times <= np.tile(end, steps) + 1e-9
    trajectory = pd.DataFrame({"time_s": times, "missile_id": mids, "missile_type": missile,
                               "unit_id": u.id, "lat_deg": lat, "lon_deg": lon,
                               "alt_msl_m": alt})[alive]
    return {"ids": ids, "intercept": res.intercept, "miss_m": miss, "pk": pk,
            "killed": killed, "end_s": end, "trajectory": trajectory}


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
        kills = mine[mine["event"] == "kill"]
        per_unit[u.id] = {
            "missiles_fired": launched.groupby("missile_type").size().to_dict(),
            "kills": int(len(kills)),
            "pk_achieved": float(len(kills) / len(launched)) if len(launched) else None,
            "rounds_left": dict(u.rounds),
            "reaction_time_s": u.reaction_time_s, "fire_channels": u.channels,
        }
    counts = fates["fate"].value_counts().to_dict()
    return {
        "threats": int(len(fates)), "killed": int(counts.get("killed", 0)),
        "leaked": int(counts.get("leaked", 0)), "survived": int(counts.get("survived", 0)),
        "missiles_fired": int((events["event"] == "launch").sum()),
        "fire_units": per_unit,
        "leakers": fates[fates["fate"] == "leaked"][["object_id", "type", "time_s", "asset_id"]]
        .to_dict("records"),
        "assumptions": [
            f"Warhead lethal radius {config.lethal_radius_m:g} m for every missile (Carleton "
            "damage function; ASSUMED, secondary literature credits 48N6-class warheads with "
            "~20-30 m).",
            f"Planning single-shot Pk {config.expected_pk:g} for every feasible pair (ASSUMED).",
            f"Link latency {config.link_latency_s:g} s between the fused picture and the command "
            "posts (ASSUMED).",
            "Threats neither evade nor jam; radars are not attacked; launchers do not reload.",
            *notes,
            *pic.provenance["assumptions"],
        ],
        "provenance": {k: v for k, v in pic.provenance.items() if k != "assumptions"},
    }
