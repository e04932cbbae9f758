"""Sensing and tracking run: threats fly their routes, radars scan, trackers build the air picture.

Data flow: scenario → routes → :class:`~iadsim.engine.trajectory.Trajectories` (truth) → per-radar
scans (detections) → one tracker per radar and a fused tracker at the command post → metrics.

Fusion at the command post is **measurement-level**: every radar's detections, already in the
command post's ENU frame with their converted-measurement covariances, feed one tracker. It is the
optimal centralised architecture when the links carry plots (Bar-Shalom, Willett & Tian 2011,
ch. 8) and avoids the correlated-error bookkeeping of track-to-track fusion.

Randomness: ``numpy.random.SeedSequence(seed)`` spawns one stream for raid expansion and one per
radar (radars in scenario order), so adding a radar does not change the others' draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from iadsim.version import __version__
from iadsim.engine.kinematics import Route, fly, routes_from_scenario
from iadsim.engine.trajectory import Trajectories
from iadsim.errors import InputError
from iadsim.geo.frames import geodesic_inverse, geodetic2enu
from iadsim.scenario.build import Deployment, build_deployment, load_terrain, radar_sensors
from iadsim.scenario.figures import Figures
from iadsim.scenario.library import load_library
from iadsim.scenario.schema import Scenario
from iadsim.sensors.scan import RadarSensor, full_circle, scan_detections
from iadsim.tracking import TrackerConfig, run_tracker
from iadsim.tracking.metrics import evaluate_tracking

Progress = Callable[[str, int, int], None]

#: Name of the fused (command post) tracker in the tracks table.
FUSED = "fused"


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
        Clock of the track reports (tracks.parquet rows and OSPA times), s.
    frame_s : float
        Detections are handed to the trackers in frames of this length, s: each detection's time
        is rounded to the frame and its covariance widened by the variance of the position
        error this can cause, (v_max · frame_s / 2)² / 3 per axis (uniform time error). Rotating
        radars stamp every detection with its own beam time; without frames each false alarm is
        a tracker step of its own. ``detections`` keeps the exact times.
    los_resolution_m : float
        Cell size of the per-radar terrain-masking viewshed, m.
    tracker : TrackerConfig
        Base tracker settings. Each radar's tracker gets ``revisit_s`` = its scan period, the
        fused tracker the longest scan period; ``max_speed_m_s`` defaults to 1.25 × the fastest
        leg of any route (a tighter initiation gate than a generic 700 m/s).
    """

    dt_s: float = 1.0
    t_end_s: float | None = None
    ospa_cutoff_m: float = 5000.0
    ospa_order: float = 1.0
    report_interval_s: float = 2.0
    frame_s: float = 0.5
    los_resolution_m: float = 1000.0
    tracker: TrackerConfig = field(
        default_factory=lambda: TrackerConfig(confirm_m=3, confirm_n=4, delete_misses=3))


@dataclass(frozen=True)
class AirPicture:
    """Result of :func:`simulate_air_picture` (pandas DataFrames; positions in the CP ENU frame).

    ``truth``: time_s, truth_id, object_id, type, lat_deg, lon_deg, alt_msl_m, x_m, y_m, z_m,
    vx_m_s, vy_m_s, vz_m_s. ``detections``: see :func:`iadsim.sensors.scan.scan_detections`.
    ``tracks``: confirmed tracks only (tentative tracks are mostly false alarms and would swamp
    the table), reported every ``report_interval_s``: tracker (radar id or 'fused'), the columns
    of :func:`iadsim.tracking.run_tracker` and truth_id (from the detections that updated the
    track; -1 if none yet).
    ``ospa``: tracker, time_s and the OSPA/GOSPA columns. ``metrics``: per tracker.
    ``trajectories`` and ``deployment`` are the truth and the resolved sites the run used (for
    the engagement engine; not written to files).
    """

    truth: pd.DataFrame
    detections: pd.DataFrame
    tracks: pd.DataFrame
    ospa: pd.DataFrame
    metrics: dict
    frame_origin: tuple[float, float, float]
    provenance: dict
    trajectories: Trajectories
    deployment: Deployment


def simulate_air_picture(scenario: Scenario, seed: int | None = None,
                         figure_set: str | Figures = "nominal",
                         config: AirPictureConfig | None = None, dem_path: str | None = None,
                         progress: Progress | None = None) -> AirPicture:
    """Fly the scenario's threats past its radars; detect, track and score the air picture.

    Parameters
    ----------
    scenario : Scenario
        With ``threats`` and/or ``raids``.
    seed : int, optional
        Run seed; default the scenario's ``seed``. Same scenario + seed → identical tables.
    figure_set : {'low', 'nominal', 'high'} or Figures
        Equipment figures (a figure set, or :class:`~iadsim.scenario.figures.Figures` with
        overrides); the provenance's ``figure_set`` is its label.
    config : AirPictureConfig, optional
    dem_path : path, optional
        GeoTIFF DEM overriding the scenario terrain.
    """
    config = config or AirPictureConfig()
    figures = Figures.of(figure_set)
    seed = scenario.seed if seed is None else int(seed)
    if seed < 0:
        raise InputError(f"seed {seed}: allowed values are integers >= 0")
    if not (scenario.threats or scenario.raids):
        raise InputError("the scenario has no threats or raids: nothing flies, nothing to track")
    step = _stepper(progress)
    step("terrain and deployment", 0, 5)
    dem = load_terrain(scenario, dem_path, resolution_m=config.los_resolution_m)
    deployment = build_deployment(scenario, figures, dem)
    library = load_library()
    streams = np.random.SeedSequence(seed).spawn(1 + len(deployment.radars))
    routes = routes_from_scenario(scenario, library, np.random.default_rng(streams[0]))
    step("threat kinematics", 1, 5)
    traj = fly(routes, dem, config.dt_s, config.t_end_s)
    origin = _frame_origin(deployment)
    step("radar scans", 2, 5)
    faced = frozenset(r.id for r in deployment.radars if r.facing_rad is not None)
    sensors, facing_notes = face_threat_axis(radar_sensors(deployment, config.los_resolution_m),
                                             routes, faced)
    rcs = np.array([[library.get(t).pick(f"rcs_{a}_dbsm", figures)
                     for a in ("nose", "side", "tail")] for t in traj.types])
    t0, t1 = float(traj.time_s[0]), float(traj.time_s[-1])
    detections = pd.concat(
        [scan_detections(s, traj, rcs, t0, t1, origin, np.random.default_rng(stream))
         for s, stream in zip(sensors, streams[1:], strict=True)],
        ignore_index=True)
    detections = detections.sort_values(["time_s", "radar_id"], kind="stable",
                                        ignore_index=True)
    step("tracking", 3, 5)
    fastest = max((w.speed_m_s for r in routes for w in r.waypoints
                   if np.isfinite(w.speed_m_s)), default=300.0)
    base = replace(config.tracker, report_interval_s=config.report_interval_s,
                   max_speed_m_s=1.25 * fastest)
    tracks = _track_all(detections, {s.id: s.scan_period_s for s in sensors}, base,
                        config.frame_s)
    truth = truth_table(traj, origin)
    step("metrics", 4, 5)
    ospa_frames, metrics = [], {}
    for name, group in tracks.groupby("tracker", sort=False):
        o, metrics[name] = evaluate_tracking(truth, group, config.ospa_cutoff_m, config.ospa_order)
        ospa_frames.append(o.assign(tracker=name))
    step("done", 5, 5)
    provenance = {
        "iadsim_version": __version__, "seed": seed, "figure_set": figures.label,
        "frame": {"type": "local ENU (tangent plane)", "origin_lat_deg": origin[0],
                  "origin_lon_deg": origin[1], "origin_alt_m": origin[2]},
        "fusion": "measurement-level: all radars' detections feed the command-post tracker",
        "sources": deployment.citations, "assumptions": deployment.assumptions + facing_notes,
        "terrain": dem.source,
    }
    ospa = (pd.concat(ospa_frames, ignore_index=True) if ospa_frames
            else pd.DataFrame(columns=["tracker", "time_s"]))
    return AirPicture(truth, detections, tracks, ospa, metrics, origin, provenance, traj,
                      deployment)


def face_threat_axis(sensors: list[RadarSensor], routes: list[Route],
                     faced: frozenset[str] = frozenset()) -> tuple[list[RadarSensor], list[str]]:
    """Point every sector-scanning radar without a scenario facing (ids in ``faced`` have one)
    at the mean bearing of the threats' entry points.

    Facings are rarely public; such a fire-control radar is assumed to face the threat axis,
    which each returned note states.
    """
    out, notes = [], []
    lats = np.array([r.waypoints[0].lat_deg for r in routes])
    lons = np.array([r.waypoints[0].lon_deg for r in routes])
    for s in sensors:
        if full_circle(s.sector_width_rad) or not routes or s.id in faced:
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


def _frame_origin(deployment: Deployment) -> tuple[float, float, float]:
    """Command-post frame origin: the first radar's site at its ground height (m MSL)."""
    r = deployment.radars[0]
    return (r.lat_deg, r.lon_deg, r.ground_msl_m)


def truth_table(traj: Trajectories, origin: tuple[float, float, float]) -> pd.DataFrame:
    """Active truth samples in the CP ENU frame; velocity by central differences of position."""
    nt, n = traj.active.shape
    e, nn, u = geodetic2enu(traj.lat_deg, traj.lon_deg, traj.alt_msl_m, *origin)
    pos = np.stack([e, nn, u], axis=-1)                       # (nt, n, 3)
    vel = np.gradient(pos, traj.time_s, axis=0) if nt > 1 else np.zeros_like(pos)
    t_idx, o_idx = np.nonzero(traj.active)
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


def _tracker_input(detections: pd.DataFrame, frame_s: float, v_max_m_s: float) -> pd.DataFrame:
    """Detections with times rounded to frames and covariances widened accordingly."""
    out = detections.rename(columns={"radar_id": "sensor_id"})
    out["time_s"] = np.round(out["time_s"].to_numpy() / frame_s) * frame_s
    extra = (v_max_m_s * frame_s / 2.0) ** 2 / 3.0
    for axis in ("r_xx_m2", "r_yy_m2", "r_zz_m2"):
        out[axis] = out[axis] + extra
    return out


def _track_all(detections: pd.DataFrame, periods_s: dict[str, float],
               config: TrackerConfig, frame_s: float) -> pd.DataFrame:
    """One tracker per radar on its own detections, and the fused tracker on all of them.

    ``periods_s`` maps radar id → scan period (the tracker's revisit interval).
    ``detection_index`` in the result always refers to rows of ``detections``.
    """
    inputs = _tracker_input(detections, frame_s, config.max_speed_m_s)
    frames = []
    longest = max(periods_s.values())
    for name in [*periods_s, FUSED]:
        subset = inputs if name == FUSED else inputs[inputs["sensor_id"] == name]
        if subset.empty:
            continue
        cfg = (replace(config, revisit_s=longest, sensor_revisit_s=periods_s) if name == FUSED
               else replace(config, revisit_s=periods_s[name]))
        out = run_tracker(subset.reset_index(drop=True), replace(cfg, report_tentative=False))
        rows = subset.index.to_numpy()
        local = out["detection_index"].to_numpy()
        out["detection_index"] = np.where(local >= 0, rows[np.maximum(local, 0)], -1)
        frames.append(out.assign(tracker=name))
    if not frames:
        return pd.DataFrame(columns=["tracker", "time_s", "track_id", "truth_id"])
    tracks = pd.concat(frames, ignore_index=True)
    idx = tracks["detection_index"].to_numpy()
    truth = np.where(idx >= 0, detections["truth_id"].to_numpy()[np.maximum(idx, 0)], -1)
    tracks["truth_id"] = pd.Series(np.where(truth >= 0, truth, np.nan))
    tracks["truth_id"] = (tracks.groupby(["tracker", "track_id"], sort=False)["truth_id"].ffill()
                          .fillna(-1).astype(np.int64))
    cols = ["tracker", *[c for c in tracks.columns if c != "tracker"]]
    return tracks[cols]
