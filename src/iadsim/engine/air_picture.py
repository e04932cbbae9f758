"""Sensing and tracking run: threats fly their routes, radars scan, trackers build the air picture.

Data flow: a built :class:`~iadsim.engine.world.World` → routes (its fixed threats, and its raids
expanded by the run's seed) → :class:`~iadsim.engine.trajectory.Trajectories` (truth) →
per-radar scans (detections) → one tracker per radar and a fused tracker at the command post,
one report interval at a time (:class:`~iadsim.engine.sensing.Sensing`) → metrics.

Fusion at the command post is **measurement-level**: every radar's detections, already in the
command post's ENU frame with their converted-measurement covariances, feed one tracker. It is the
optimal centralised architecture when the links carry plots (Bar-Shalom, Willett & Tian 2011,
ch. 8) and avoids the correlated-error bookkeeping of track-to-track fusion.

Randomness: ``numpy.random.SeedSequence(seed)`` spawns one stream for raid expansion and one per
radar (radars in scenario order), so adding a radar does not change the others' draws.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from iadsim.engine.events import EventLog
from iadsim.engine.kinematics import Route, expand_raids, fly
from iadsim.engine.sensing import FUSED, Sensing
from iadsim.engine.trajectory import Trajectories
from iadsim.engine.world import World
from iadsim.errors import InputError
from iadsim.geo.frames import geodesic_inverse, geodetic2enu
from iadsim.sensors.ew import JammerSources
from iadsim.sensors.scan import RadarSensor, full_circle
from iadsim.tracking import TrackerConfig
from iadsim.tracking.metrics import evaluate_tracking
from iadsim.version import __version__

__all__ = ["FUSED", "PICTURE_TABLES", "AirPicture", "AirPictureConfig", "face_threat_axis",
           "simulate_air_picture", "start_run", "truth_table"]

Progress = Callable[[str, int, int], None]

#: Columns of the truth table (:func:`truth_table`).
TRUTH_COLUMNS = ("time_s", "truth_id", "object_id", "type", "lat_deg", "lon_deg", "alt_msl_m",
                 "x_m", "y_m", "z_m", "vx_m_s", "vy_m_s", "vz_m_s")
#: The heavy tables of a run, kept only when ``keep`` names them.
PICTURE_TABLES = ("truth", "detections", "tracks")

@dataclass(frozen=True)
class AirPictureConfig:
    """Parameters of a sensing-and-tracking run.

    Attributes
    ----------
    dt_s : float
        Truth sampling step, s (detections are timed exactly and interpolated).
    t_end_s : float or None
        End of the run, s; default: when the last threat ends its route.
    ospa_cutoff_m, ospa_order : float
        OSPA/GOSPA cut-off c (m) and order p.
    report_interval_s : float
        Clock of the track reports (tracks.parquet rows and OSPA times) and of the command
        posts' decisions, s; a multiple of ``frame_s``. One default for every kind of run.
    frame_s : float
        Detections are handed to the trackers in frames of this length, s: each detection's time
        is rounded to the frame and its covariance widened by the variance of the position
        error this can cause, (v_max · frame_s / 2)² / 3 per axis (uniform time error). Rotating
        radars stamp every detection with its own beam time; without frames each false alarm is
        a tracker step of its own. ``detections`` keeps the exact times.
    scan_batch_s : float
        How far ahead the radars' looks are drawn at once, s (speed only: a look drawn ahead is
        dropped if its target dies or its radar is lost before it; :mod:`iadsim.engine.sensing`).
    tracker : TrackerConfig
        Base tracker settings. Each radar's tracker gets ``revisit_s`` = its scan period, the
        fused tracker the longest scan period; ``max_speed_m_s`` defaults to 1.25 × the fastest
        leg of any route (a tighter initiation gate than a generic 700 m/s).
    """

    dt_s: float = 1.0
    t_end_s: float | None = None
    ospa_cutoff_m: float = 5000.0
    ospa_order: float = 1.0
    report_interval_s: float = 1.0
    frame_s: float = 0.5
    scan_batch_s: float = 60.0
    tracker: TrackerConfig = field(
        default_factory=lambda: TrackerConfig(confirm_m=3, confirm_n=4, delete_misses=3))

    def __post_init__(self) -> None:
        for name in ("dt_s", "report_interval_s", "frame_s", "scan_batch_s", "ospa_cutoff_m",
                     "ospa_order"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
                raise InputError(f"{name} {value!r}: allowed values are finite numbers > 0")
        ratio = self.report_interval_s / self.frame_s
        if abs(ratio - round(ratio)) > 1e-9:
            raise InputError(f"report_interval_s {self.report_interval_s:g}: allowed values are "
                             f"multiples of frame_s ({self.frame_s:g} s)")
        if self.t_end_s is not None and not (np.isfinite(self.t_end_s) and self.t_end_s > 0):
            raise InputError(f"t_end_s {self.t_end_s!r}: allowed values are numbers > 0 s, or "
                             "None (until the last threat ends its route)")


@dataclass(frozen=True)
class AirPicture:
    """Result of :func:`simulate_air_picture` (pandas DataFrames; positions in the CP ENU frame).

    ``truth``: time_s, truth_id, object_id, type, lat_deg, lon_deg, alt_msl_m, x_m, y_m, z_m,
    vx_m_s, vy_m_s, vz_m_s (a destroyed threat's samples end at its kill). ``detections``: see
    :func:`iadsim.sensors.scan.scan_detections`. ``tracks``: confirmed tracks only (tentative
    tracks are mostly false alarms and would swamp the table), reported every
    ``report_interval_s``: tracker (radar id or 'fused'), the columns of
    :func:`iadsim.tracking.run_tracker` and truth_id (from the detections that updated the
    track; -1 if none yet). These three are empty unless the run's ``keep`` named them.
    ``ospa``: tracker, time_s and the OSPA/GOSPA columns; ``metrics``: per tracker (both only
    when truth and tracks are kept). ``trajectories`` and ``world`` are the truth and the World
    the run used (not written to files).
    """

    truth: pd.DataFrame
    detections: pd.DataFrame
    tracks: pd.DataFrame
    ospa: pd.DataFrame
    metrics: dict
    frame_origin: tuple[float, float, float]
    provenance: dict
    trajectories: Trajectories
    world: World


def check_keep(keep: Iterable[str], allowed: tuple[str, ...]) -> frozenset[str]:
    """``keep`` as a set, or a clear error naming the unknown table and the allowed ones."""
    if isinstance(keep, str):
        keep = (keep,)
    out = frozenset(keep)
    bad = sorted(out - set(allowed))
    if bad:
        raise InputError(f"keep: {', '.join(map(repr, bad))}: allowed values are "
                         f"{', '.join(allowed)}")
    return out


def seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """The root of a run's random streams: ``SeedSequence(seed)`` for an integer seed >= 0;
    for a ``SeedSequence`` (a campaign's per-run key, ``spawn_key=(point, replication)``) a
    fresh copy of it, so that spawning the run's streams does not change the caller's object
    and the same key always gives the same streams. ``SeedSequence(7)`` gives exactly the
    streams of seed 7.

    Raises
    ------
    InputError
        Anything else, naming the value and what is allowed.
    """
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key,
                                      pool_size=seed.pool_size)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed {seed!r}: allowed values are integers >= 0 or a "
                         "numpy.random.SeedSequence")
    return np.random.SeedSequence(int(seed))


def derived_stream(seed: int | np.random.SeedSequence, tag: int) -> np.random.SeedSequence:
    """A stream of the run seed's own, apart from the spawned ones: ``tag`` appended to the
    root's entropy, its spawn key kept (for an integer seed ``s``: ``SeedSequence([s, tag])``)."""
    root = seed_sequence(seed)
    entropy = root.entropy
    words = list(entropy) if isinstance(entropy, (list, tuple, np.ndarray)) else [entropy]
    return np.random.SeedSequence([*words, tag], spawn_key=root.spawn_key)


def seed_record(seed: int | np.random.SeedSequence) -> dict:
    """The provenance of a run seed: ``{'seed': int}``, or for a ``SeedSequence``
    ``{'seed': None, 'seed_sequence': {'entropy': ..., 'spawn_key': [...]}}``."""
    if isinstance(seed, np.random.SeedSequence):
        entropy = seed.entropy
        return {"seed": None, "seed_sequence": {
            "entropy": [int(v) for v in entropy] if isinstance(entropy, (list, tuple, np.ndarray))
            else int(entropy), "spawn_key": [int(k) for k in seed.spawn_key]}}
    return {"seed": int(seed)}


def start_run(world: World, seed: int | np.random.SeedSequence | None, config: AirPictureConfig,
              keep: frozenset[str], log: EventLog | None = None,
              radar_trackers: frozenset[str] | None = None, launched: bool = False
              ) -> tuple[int, list[Route], Trajectories, Sensing]:
    """The start of every run of a World: its seed (default the scenario's), the routes (raids
    expanded by the seed's first stream), the truth flown over the World's terrain, and the
    sensing state (one stream per radar; ``radar_trackers``: see :class:`Sensing`).

    ``launched``: the truth also holds a slot for every anti-radiation missile a flown carrier
    may launch (:func:`arm_slots`; filled by the engagement when it is fired), the trackers'
    speed limit covers the ARMs' speed, and the looks are drawn one report interval ahead, so
    that an ARM launched at a report time is sensed from the next window on."""
    seed = world.seed if seed is None else seed
    root = seed_sequence(seed)
    if not isinstance(seed, np.random.SeedSequence):
        seed = int(seed)
    if world.n_threats == 0:
        raise InputError("the scenario has no threats or raids: nothing flies, nothing to track")
    streams = root.spawn(1 + len(world.sensors))
    routes = [*world.routes, *expand_raids(world.raids, np.random.default_rng(streams[0]))]
    traj = fly(routes, world.dem, config.dt_s, config.t_end_s)
    slots = arm_slots(world, traj.ids) if launched else []
    batch_s = config.scan_batch_s
    if slots:
        traj = traj.with_objects(tuple(i for i, _ in slots), tuple(t for _, t in slots))
        batch_s = min(batch_s, config.report_interval_s)
    rcs = np.array([world.threat_types[t].rcs_dbsm for t in traj.types]).reshape(-1, 3)
    fastest = max((w.speed_m_s for r in routes for w in r.waypoints
                   if np.isfinite(w.speed_m_s)), default=300.0)
    fastest = max([fastest, *(world.arm_types[t].max_speed_m_s for _, t in slots)])
    sensing = Sensing(world.sensors, traj, rcs, world.frame_origin, list(streams[1:]),
                      replace(config.tracker, max_speed_m_s=1.25 * fastest),
                      report_interval_s=config.report_interval_s, frame_s=config.frame_s,
                      scan_batch_s=batch_s, keep=keep, log=log,
                      radar_trackers=radar_trackers, jammers=jammer_sources(world, traj))
    return seed, routes, traj, sensing


def arm_slots(world: World, flown: tuple[str, ...]) -> list[tuple[str, str]]:
    """(object id, ARM type) of every anti-radiation missile the flown carriers may launch:
    ``<carrier>-<ARM type>-<k>``, k = 1 .. the count it carries, in World order."""
    present = set(flown)
    return [(f"{c.object_id}-{c.arm_id}-{k + 1}", c.arm_id) for c in world.sead
            if c.object_id in present for k in range(c.count)]


def jammer_sources(world: World, traj: Trajectories) -> JammerSources:
    """The World's jammers for a run's truth: stations where they are, carried jammers by the
    index of their carrier among the flown objects."""
    stations = np.array([(j.lat_deg, j.lon_deg, j.alt_msl_m) for j in world.jammers],
                        dtype=float).reshape(-1, 3)
    index = {obj: k for k, obj in enumerate(traj.ids)}
    carried = [(index[obj], jammer) for obj, jammer in world.carried_jammers if obj in index]
    return JammerSources(stations, tuple(j.jammer for j in world.jammers),
                         tuple(j.count for j in world.jammers),
                         np.array([k for k, _ in carried], dtype=np.int64),
                         tuple(j for _, j in carried))


def report_times(traj: Trajectories, interval_s: float) -> np.ndarray:
    """The report clock of a run: multiples of ``interval_s`` over the truth's time span."""
    k0 = int(np.ceil(traj.time_s[0] / interval_s - 1e-9))
    k1 = int(np.floor(traj.time_s[-1] / interval_s + 1e-9))
    return np.arange(k0, k1 + 1) * interval_s


def simulate_air_picture(world: World, seed: int | np.random.SeedSequence | None = None,
                         config: AirPictureConfig | None = None,
                         progress: Progress | None = None,
                         keep: Iterable[str] = PICTURE_TABLES) -> AirPicture:
    """Fly the World's threats past its radars; detect, track and score the air picture.

    Parameters
    ----------
    world : World
        From :func:`iadsim.build` (``iadsim.simulate_air_picture`` also takes a scenario).
    seed : int or numpy.random.SeedSequence, optional
        Run seed; default the scenario's ``seed``. Same World + seed → identical tables.
    config : AirPictureConfig, optional
    progress : callable(label, done, total), optional
    keep : iterable of {'truth', 'detections', 'tracks'}
        The heavy tables to keep (default all); the others are empty.
    """
    config = config or AirPictureConfig()
    keep = check_keep(keep, PICTURE_TABLES)
    step = _stepper(progress)
    seed, _, traj, sensing = start_run(world, seed, config, keep)
    clock = report_times(traj, config.report_interval_s)
    for k, t in enumerate(clock):
        if k % 60 == 0:
            step("sensing and tracking", k, clock.size)
        sensing.step(float(t))
    step("metrics", clock.size, clock.size)
    return picture(world, seed, traj, sensing, config)


def picture(world: World, seed: int | np.random.SeedSequence, traj: Trajectories,
            sensing: Sensing,
            config: AirPictureConfig) -> AirPicture:
    """The :class:`AirPicture` of a finished run: the kept tables, the tracking metrics (when
    truth and tracks are kept) and the provenance."""
    detections, tracks = sensing.tables()
    truth = (truth_table(traj, world.frame_origin, sensing.death_s) if "truth" in sensing.keep
             else pd.DataFrame(columns=list(TRUTH_COLUMNS)))
    ospa_frames, metrics = [], {}
    if "truth" in sensing.keep and "tracks" in sensing.keep:
        for name, group in tracks.groupby("tracker", sort=False):
            o, metrics[name] = evaluate_tracking(truth, group, config.ospa_cutoff_m,
                                                 config.ospa_order)
            ospa_frames.append(o.assign(tracker=name))
    origin = world.frame_origin
    provenance = {
        "iadsim_version": __version__, **seed_record(seed), "figure_set": world.figure_set,
        "frame": {"type": "local ENU (tangent plane)", "origin_lat_deg": origin[0],
                  "origin_lon_deg": origin[1], "origin_alt_m": origin[2]},
        "fusion": "measurement-level: all radars' detections feed the command-post tracker",
        "sources": list(world.provenance.sources),
        "assumptions": list(world.provenance.assumptions),
        "terrain": world.provenance.terrain,
    }
    ospa = (pd.concat(ospa_frames, ignore_index=True) if ospa_frames
            else pd.DataFrame(columns=["tracker", "time_s"]))
    return AirPicture(truth, detections, tracks, ospa, metrics, origin, provenance, traj, world)


def face_threat_axis(sensors: list[RadarSensor], entry_lat_deg: np.ndarray,
                     entry_lon_deg: np.ndarray, faced: frozenset[str] = frozenset()
                     ) -> tuple[list[RadarSensor], list[str]]:
    """Point every sector-scanning radar without a scenario facing (ids in ``faced`` have one)
    at the mean bearing of the threats' entry points (``entry_lat_deg``, ``entry_lon_deg``).

    Facings are rarely public; such a fire-control radar is assumed to face the threat axis,
    which each returned note states.
    """
    out, notes = [], []
    lats, lons = np.asarray(entry_lat_deg, float), np.asarray(entry_lon_deg, float)
    for s in sensors:
        if full_circle(s.sector_width_rad) or not lats.size or s.id in faced:
            out.append(s)
            continue
        _, az = geodesic_inverse(s.lat_deg, s.lon_deg, lats, lons)
        centre = float(np.mod(np.arctan2(np.sin(az).mean(), np.cos(az).mean()), 2 * np.pi))
        out.append(replace(s, sector_centre_rad=centre))
        notes.append(f"{s.id} scans a {np.degrees(s.sector_width_rad):.0f}° sector assumed to "
                     f"face the threat axis, bearing {np.degrees(centre):.0f}° (no facing in the "
                     "scenario).")
    return out, notes


def _stepper(progress: Progress | None) -> Callable[[str, int, int], None]:
    return progress or (lambda label, done, total: None)


def truth_table(traj: Trajectories, origin: tuple[float, float, float],
                death_s: np.ndarray | None = None) -> pd.DataFrame:
    """Active truth samples in the CP ENU frame; velocity by central differences of position.

    ``death_s``: kill time per object; its samples after it are left out."""
    nt, n = traj.active.shape
    e, nn, u = geodetic2enu(traj.lat_deg, traj.lon_deg, traj.alt_msl_m, *origin)
    pos = np.stack([e, nn, u], axis=-1)                       # (nt, n, 3)
    vel = np.gradient(pos, traj.time_s, axis=0) if nt > 1 else np.zeros_like(pos)
    alive = traj.active
    if death_s is not None:
        alive = alive & (traj.time_s[:, None] <= death_s[None, :])
    t_idx, o_idx = np.nonzero(alive)
    return pd.DataFrame({
        "time_s": traj.time_s[t_idx],
        "truth_id": o_idx.astype(np.int64),
        "object_id": np.asarray(traj.ids, dtype=object)[o_idx],
        "type": np.asarray(traj.types, dtype=object)[o_idx],
        "lat_deg": traj.lat_deg[t_idx, o_idx],
        "lon_deg": traj.lon_deg[t_idx, o_idx],
        "alt_msl_m": traj.alt_msl_m[t_idx, o_idx],
        "x_m": pos[t_idx, o_idx, 0], "y_m": pos[t_idx, o_idx, 1], "z_m": pos[t_idx, o_idx, 2],
        "vx_m_s": vel[t_idx, o_idx, 0], "vy_m_s": vel[t_idx, o_idx, 1],
        "vz_m_s": vel[t_idx, o_idx, 2],
    })
