"""End-to-end products: scenario → deployment → coverage → maps, GeoJSON/KML, NetCDF, summary.

The CLI and the notebook API call these; they hold no physics of their own. Outputs are written
into a temporary sibling directory and moved into place at the end, so a failed run leaves
nothing half-written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from iadsim.analysis.contours import mask_to_polygons
from iadsim.analysis.coverage import (
    Grid,
    Jamming,
    coverage,
    radar_views,
    scenario_grid,
    self_screening_jammer,
    vertical_coverage,
    with_jamming_provenance,
)
from iadsim.analysis.envelopes import published_vs_seen
from iadsim.analysis.report import TargetSpec, coverage_summary_md, provenance
from iadsim.analysis.engagement_report import engagement_summary_md
from iadsim.analysis.kinematic_envelope import (
    ENVELOPE_CAVEAT,
    REFERENCE_TARGET_SPEED_M_S,
    launch_acceptability,
)
from iadsim.analysis.reach import check_reach, missile_rings, with_reach_provenance
from iadsim.engine.air_picture import FUSED, AirPicture, AirPictureConfig, simulate_air_picture
from iadsim.engine.engagement import EngagementConfig, EngagementResult, run_engagement
from iadsim.engine.outcome import metric_columns
from iadsim.io.acmi import write_acmi
from iadsim.io.czml import write_czml
from iadsim.io.replay_kml import write_replay_kml
from iadsim.io.files import staged_directory, write_text_atomic
from iadsim.io.geojson import write_geojson
from iadsim.io.kml import write_kml
from iadsim.io.netcdf import DBSM_UNITS, write_netcdf
from iadsim.io.tables import write_parquet
from iadsim.plot.airpicture import ospa_plot, truth_vs_tracks_map
from iadsim.plot.basemap import load_borders
from iadsim.plot.coverage import coverage_map, min_altitude_map, vertical_diagram
from iadsim.plot.engagement import kill_chain_plot, magazine_plot
from iadsim.plot.envelope import envelope_plot
from iadsim.scenario.build import (
    FIGURE_SETS,
    Deployment,
    build_deployment,
    check_jammable,
    load_terrain,
    unique_sources,
)
from iadsim.scenario.figures import Figures
from iadsim.scenario.library import load_library
from iadsim.scenario.schema import Scenario
from iadsim.scenario.world import build
from iadsim.weapons.calibration import aero_for, aero_ids
from iadsim.errors import InputError

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CoverageRun:
    """What :func:`coverage_products` computed: ``results[figure_set][target label]``
    (``figure_set``: the figure set each :class:`Figures` starts from, 'low', 'nominal', 'high')."""

    results: dict[str, dict[str, xr.Dataset]]
    files: list[Path]


def target_spec(name_or_rcs: str, overrides: Mapping[str, float] | None = None) -> TargetSpec:
    """A target from an equipment name or a number in dBsm (e.g. ``'-10'``).

    A threat's RCS is its ``rcs_dbsm`` from ``Figures.of("nominal", overrides)``: the
    ``overrides`` value (``--figure F-16C.rcs_dbsm=-10``) when given, else the library's nominal
    value -- for every figure set of the coverage, which then differ only in the air defence's
    figures (the target is the reference the low/nominal/high coverage is compared on; its RCS
    spread is listed in the notes of :func:`with_target_provenance`).
    """
    try:
        rcs = float(name_or_rcs)
    except ValueError:
        item = load_library().get(name_or_rcs)
        figures = Figures.of("nominal", overrides)
        name = f"{item.id}.rcs_dbsm"
        return TargetSpec(item.id, item.id, figures[name], name in figures.overrides)
    return TargetSpec(f"RCS {rcs:+g} dBsm", None, rcs)


def with_target_provenance(dep: Deployment, targets: Sequence[TargetSpec]) -> Deployment:
    """The deployment with the targets' RCS sources and assumptions added to its provenance."""
    lib = load_library()
    cites, notes = [], []
    for t in targets:
        if t.threat_id is None:
            notes.append(f"Target '{t.label}': mean RCS {t.rcs_dbsm:+.1f} dBsm given by the user.")
            continue
        fig = lib.get(t.threat_id).figure("rcs_dbsm")
        cites += [s.model_dump() for s in fig.sources]
        spread = f"{fig.pick('low'):+.0f} to {fig.pick('high'):+.0f} dBsm"
        basis = (f"is a user override of {t.threat_id}.rcs_dbsm (library nominal "
                 f"{fig.nominal:+.1f} dBsm, range {spread}, a generic ESTIMATE from the cited "
                 "tables)" if t.rcs_overridden else
                 f"(range {spread}) is a generic ESTIMATE from the cited tables, not a "
                 "measurement of that type")
        notes.append(
            f"Target {t.label}: mean RCS {t.rcs_dbsm:+.1f} dBsm {basis}; one aspect-independent "
            "value, fluctuating per each radar's Swerling model.")
    return replace(dep, citations=unique_sources(dep.citations + cites),
                   assumptions=dep.assumptions + notes)


def _reference_points(scenario: Scenario) -> list[tuple[str, float, float]]:
    return [(p.name, p.lat_deg, p.lon_deg) for p in scenario.reference_points]


def coverage_products(scenario: Scenario, out_dir: str | Path, altitudes_m: Sequence[float],
                      targets: Sequence[TargetSpec], resolution_m: float,
                      figure_sets: Sequence[str | Figures] = FIGURE_SETS,
                      dem_path: str | Path | None = None,
                      altitude_reference: str = "agl", vertical: bool = True,
                      progress: Progress | None = None, reach: str = "published",
                      reach_target_speed_m_s: float = REFERENCE_TARGET_SPEED_M_S,
                      jamming: bool = True, self_screening: str | None = None) -> CoverageRun:
    """Compute coverage for every figure set and target and write all products into ``out_dir``.

    ``altitude_reference`` is 'agl' (altitudes above the ground under the target) or 'msl'.
    ``reach`` is 'published' (published range rings) or 'kinematic' (flyout intercept ranges
    against a target approaching at ``reach_target_speed_m_s``, see
    :mod:`iadsim.analysis.reach`); the summary then compares both, and every output lists
    the assumption. ``figure_sets``: figure sets, or :class:`Figures` (a figure set with
    overrides), at most one per figure set; results are keyed by the figure set. Coverage is
    drawn under the noise jamming of the scenario's stand-off ``jammers`` (unless ``jamming``
    is False) and of ``self_screening``, a jammer id of the library every target carries
    (:class:`iadsim.analysis.coverage.Jamming`); the maps then also show the jamming-free
    Pd 0.5 contour.
    """
    check_reach(reach, reach_target_speed_m_s)
    chosen = _figures_by_set(figure_sets)
    out_dir = Path(out_dir)
    kinematic = reach == "kinematic"
    with staged_directory(out_dir) as tmp:
        # Everything that can reject the request (terrain, deployments, grid size) runs before
        # the first progress report: a bad request fails before any progress bar appears.
        dem = load_terrain(scenario, dem_path, resolution_m=resolution_m)
        refs = _reference_points(scenario)
        deployments = {fs: with_reach_provenance(with_target_provenance(
            build_deployment(scenario, figs, dem), targets), reach, reach_target_speed_m_s)
            for fs, figs in chosen.items()}
        jams = {fs: _jamming(dep, chosen[fs], jamming, self_screening)
                for fs, dep in deployments.items()}
        deployments = {fs: with_jamming_provenance(dep, jams[fs])
                       for fs, dep in deployments.items()}
        main_fs = "nominal" if "nominal" in deployments else next(iter(deployments))
        grid = scenario_grid(scenario, deployments[main_fs], resolution_m)
        step = _stepper(progress, 4 + len(chosen) * (1 + len(targets)) + int(vertical)
                        + int(kinematic))
        step("terrain, deployments and grid")
        if kinematic:
            step("kinematic reach (missile flyouts)")  # fills the flyout cache used below
            missile_rings(deployments[main_fs], altitudes_m, altitude_reference, reach,
                          reach_target_speed_m_s)
        results: dict[str, dict[str, xr.Dataset]] = {}
        for fs, dep in deployments.items():
            step(f"viewsheds ({fs} figures)")
            views = radar_views(dep, grid, resolution_m)
            results[fs] = {}
            for t in targets:
                step(f"coverage {t.label} ({fs})")
                results[fs][t.label] = coverage(dep, altitudes_m, 10 ** (t.rcs_dbsm / 10),
                                                resolution_m, altitude_reference, grid=grid,
                                                views=views, reach=reach,
                                                reach_target_speed_m_s=reach_target_speed_m_s,
                                                jamming=jams[fs])
        dep = deployments[main_fs]
        files: list[Path] = []
        step("maps")
        borders = load_borders(*_bbox(grid))
        for t in targets:
            ds = results[main_fs][t.label]
            for ia, alt in enumerate(ds.altitude.values):
                nested = {fs: results[fs][t.label]["pd_any"].isel(altitude=ia) for fs in results}
                files.append(coverage_map(ds, ia, dep, borders, refs, _label(t),
                                          tmp / f"map_{_slug(t.label)}_{alt:.0f}m.png", nested))
            files.append(min_altitude_map(ds, dep, borders, refs, _label(t),
                                          tmp / f"min_altitude_{_slug(t.label)}.png"))
        if vertical:
            step("vertical coverage diagrams")
            files += _vertical_diagrams(dep, targets[0], tmp)
        step("GeoJSON, KML, NetCDF")
        files += _vector_products(results, dep, targets, tmp,
                                  {fs: d.figure_set for fs, d in deployments.items()})
        nc = tmp / "coverage.nc"
        _write_netcdf(results[main_fs], targets, nc)
        files.append(nc)
        step("summary")
        rows = (published_vs_seen(dep, results[main_fs][targets[0].label])
                if altitude_reference == "agl" else [])
        summary = coverage_summary_md(dep, results, targets, rows, refs,
                                      [f.name for f in files] + ["summary.md"])
        (tmp / "summary.md").write_text(summary, encoding="utf-8")
        files.append(tmp / "summary.md")
    step("done", final=True)
    return CoverageRun(results, [out_dir / f.name for f in files])


def _jamming(deployment: Deployment, figures: Figures, stations: bool,
             self_screening: str | None) -> Jamming:
    """The jamming of a coverage (checked: every radar can be jammed)."""
    jam = Jamming(deployment.jammers if stations else (),
                  *self_screening_jammer(self_screening, figures))
    if jam:
        check_jammable(deployment)
    return jam


def _figures_by_set(figure_sets: Sequence[str | Figures]) -> dict[str, Figures]:
    """``{figure set: Figures}`` in the order low, nominal, high (one Figures per set)."""
    chosen: dict[str, Figures] = {}
    for fs in figure_sets:
        figs = Figures.of(fs)
        if chosen.get(figs.base, figs) != figs:
            raise InputError(f"figure sets: two different figures for {figs.base!r} "
                             f"({chosen[figs.base].label}; {figs.label}); allowed: at most one "
                             "per figure set")
        chosen[figs.base] = figs
    if not chosen:
        raise InputError(f"figure sets: none given; allowed values are {', '.join(FIGURE_SETS)}")
    return {fs: chosen[fs] for fs in FIGURE_SETS if fs in chosen}


def _stepper(progress: Progress | None, total: int) -> Callable[..., None]:
    """``step(label)`` reports the start of one of ``total`` steps; ``final=True`` reports the end."""
    count = [0]

    def step(label: str, final: bool = False) -> None:
        if progress:
            progress(label, total if final else count[0], total)
        count[0] += 1

    return step



def _bbox(grid: Grid) -> tuple[float, float, float, float]:
    return (float(grid.lon_deg.min()), float(grid.lon_deg.max()),
            float(grid.lat_deg.min()), float(grid.lat_deg.max()))


def _slug(text: str) -> str:
    return "".join(c.lower() if c.isalnum() else "_" for c in text).strip("_")


def _label(t: TargetSpec) -> str:
    return f"{t.label} ({t.rcs_dbsm:+.0f} dBsm)"


def _vertical_diagrams(dep, target: TargetSpec, out: Path) -> list[Path]:
    """One diagram per radar type, at its first site, looking west (toward Poland/Lithuania)."""
    files, done = [], set()
    for radar in dep.radars:
        if radar.type_id in done:
            continue
        done.add(radar.type_id)
        bearing = 1.5 * np.pi
        vds = vertical_coverage(radar, 10 ** (target.rcs_dbsm / 10), dep.dem, dep.k_factor,
                                bearing, fill_msl_m=dep.terrain_fill_msl_m)
        published = {f"{m.missile_id} {m.max_range_m / 1000:.0f} km": m.max_range_m
                     for m in dep.missiles
                     if m.battalion_id == radar.battalion_id and radar.id in m.guided_by}
        title = (f"{radar.type_id} at {radar.id} ({radar.lat_deg:.2f}N {radar.lon_deg:.2f}E), "
                 f"bearing 270°, target {_label(target)}, figure set {dep.figure_set}")
        files.append(vertical_diagram(vds, title, out / f"vertical_{_slug(radar.type_id)}.png",
                                      provenance(dep), published))
    return files


def _vector_products(results, dep, targets, out: Path,
                     labels: dict[str, str] | None = None) -> list[Path]:
    """GeoJSON and KML: Pd contours (all figure sets at 0.5, nominal at 0.9) and missile reach.

    ``labels``: the figures' label per figure set (property ``figure_set`` of the contours)."""
    nominal = results.get("nominal") or next(iter(results.values()))
    features, layers = [], []
    for t in targets:
        for fs, per_target in results.items():
            ds = per_target[t.label]
            ref = ds.attrs["altitude_reference"]
            for ia, alt in enumerate(ds.altitude.values):
                for level in (0.5, 0.9) if fs == "nominal" else (0.5,):
                    geom = mask_to_polygons(ds.lat.values, ds.lon.values,
                                            ds["pd_any"].values[ia] >= level)
                    props = {"layer": "detection", "target": t.label, "rcs_dbsm": t.rcs_dbsm,
                             "altitude_m": float(alt), "altitude_reference": ref,
                             "pd_min": level, "figure_set": (labels or {}).get(fs, fs)}
                    name = f"Pd>={level} {t.label} {alt:.0f} m {ref} ({fs})"
                    features.append((geom, props))
                    layers.append(("detection", geom, name, props))
    ds = nominal[targets[0].label]
    ref = ds.attrs["altitude_reference"]
    for var in ds.data_vars:
        if not var.startswith(("in_missile_reach_", "engageable_")):
            continue
        kind = (f"{ds[var].attrs.get('reach', 'published')} reach"
                if var.startswith("in_missile_reach_") else "engageable")
        missile = var.removeprefix("in_missile_reach_").removeprefix("engageable_")
        for ia, alt in enumerate(ds.altitude.values):
            geom = mask_to_polygons(ds.lat.values, ds.lon.values, ds[var].values[ia])
            props = {"layer": kind, "missile": missile, "altitude_m": float(alt),
                     "altitude_reference": ref, "target": targets[0].label,
                     "figure_set": dep.figure_set}
            features.append((geom, props))
            layers.append((kind, geom, f"{missile} {kind} {alt:.0f} m {ref}", props))
    meta = provenance(dep)
    gj = write_geojson(out / "coverage.geojson", features, meta)
    grouped: dict[str, list] = {}
    for layer, geom, name, props in layers:
        grouped.setdefault(layer, []).append((geom, name, props, None))
    km = write_kml(out / "coverage.kml", list(grouped.items()), meta)
    return [Path(gj), Path(km)]


def _write_netcdf(per_target: dict[str, xr.Dataset], targets, path: Path) -> None:
    """One CF NetCDF with a ``target`` dimension (:func:`iadsim.io.netcdf.write_netcdf`)."""
    ds = xr.concat([per_target[t.label] for t in targets], dim="target",
                   data_vars="all", coords="minimal", compat="override", join="exact",
                   combine_attrs="drop_conflicts")
    ds = ds.assign_coords(
        target=("target", [t.label for t in targets], {"long_name": "target label"}),
        target_rcs_m2=("target", [10 ** (t.rcs_dbsm / 10) for t in targets],
                       {"units": "m2", "long_name": "target mean radar cross-section"}),
        target_rcs_dbsm=("target", [t.rcs_dbsm for t in targets],
                         {"units": DBSM_UNITS,
                          "long_name": "target mean radar cross-section in dBsm (dB re 1 m2)"}))
    write_netcdf(ds, path)


def air_picture_products(scenario: Scenario, out_dir: str | Path, seed: int | None = None,
                         figure_set: str | Figures = "nominal",
                         config: AirPictureConfig | None = None,
                         dem_path: str | Path | None = None,
                         progress: Progress | None = None) -> tuple[AirPicture, list[Path]]:
    """Build the World, run sensing + tracking, and write its products (:func:`write_products`)."""
    config = config or AirPictureConfig()
    world = build(scenario, figure_set, dem_path)
    pic = simulate_air_picture(world, seed, config, progress)
    return pic, write_products(pic, out_dir)


def engagement_products(scenario: Scenario, out_dir: str | Path, seed: int | None = None,
                        figure_set: str | Figures = "nominal",
                        config: EngagementConfig | None = None,
                        dem_path: str | Path | None = None,
                        progress: Progress | None = None) -> tuple[EngagementResult, list[Path]]:
    """Build the World, run the engagement chain, and write its products
    (:func:`write_products`)."""
    config = config or EngagementConfig()
    world = build(scenario, figure_set, dem_path)
    res = run_engagement(world, seed, config, progress)
    return res, write_products(res, out_dir)


def write_products(result: AirPicture | EngagementResult, out_dir: str | Path) -> list[Path]:
    """Write the files of a run into ``out_dir`` (all at once: nothing half-written).

    An air picture (:func:`iadsim.simulate_air_picture`): truth, detections and tracks Parquet,
    tracking metrics (``metrics.json``), truth-vs-tracks map and OSPA plot. An engagement run
    (:func:`iadsim.run`): the same for the picture it fought on (truth with the destroyed threats
    cut at their kill), plus the event log, the outcome row (``run_metrics.parquet``), the
    engagement timeline, the magazine, summaries (JSON, Markdown), kill-chain and magazine
    plots, and the replays (ACMI, CZML, KML). Tables a run did not keep are written empty.
    """
    out_dir = Path(out_dir)
    with staged_directory(out_dir) as tmp:
        if isinstance(result, AirPicture):
            files = _air_picture_files(result, tmp)
        else:
            files = _engagement_files(result, tmp)
    return [out_dir / Path(f).name for f in files]


def _air_picture_files(pic: AirPicture, tmp: Path) -> list[Path]:
    """Write an air picture's tables, metrics and plots into ``tmp``; return the files."""
    meta = pic.provenance
    name = pic.world.name
    files = [write_parquet(tmp / "truth.parquet", pic.truth, meta),
             write_parquet(tmp / "detections.parquet", pic.detections, meta),
             write_parquet(tmp / "tracks.parquet", pic.tracks, meta)]
    metrics = {"provenance": meta, "trackers": pic.metrics}
    files.append(write_text_atomic(tmp / "metrics.json", json.dumps(
        metrics, indent=2, ensure_ascii=False, sort_keys=True, default=_json_default) + "\n"))
    if len(pic.truth):
        fused = pic.tracks[pic.tracks["tracker"] == FUSED]
        lats, lons = pic.truth["lat_deg"], pic.truth["lon_deg"]
        borders = load_borders(float(lons.min()) - 1, float(lons.max()) + 1,
                               float(lats.min()) - 1, float(lats.max()) + 1)
        files.append(truth_vs_tracks_map(
            pic.truth, fused, pic.detections, tmp / "truth_vs_tracks.png",
            f"{name}\ntruth (lines) and fused command-post tracks, seed {meta['seed']}",
            meta, borders=borders, frame_origin=pic.frame_origin))
    if len(pic.ospa):
        files.append(ospa_plot(pic.ospa, tmp / "ospa.png",
                               f"{name}: OSPA / GOSPA over time, seed {meta['seed']}", meta))
    return [Path(f) for f in files]


def _engagement_files(res: EngagementResult, tmp: Path) -> list[Path]:
    """Write an engagement run's files into ``tmp``; return them."""
    meta = res.picture.provenance
    name = res.picture.world.name
    files = _air_picture_files(res.picture, tmp)
    files += [write_parquet(tmp / "events.parquet", res.events, meta),
              write_parquet(tmp / "engagements.parquet", res.engagements, meta),
              write_parquet(tmp / "magazine.parquet", res.magazine, meta),
              write_parquet(tmp / "run_metrics.parquet", res.metrics, meta,
                            columns=metric_columns(res.metrics.columns))]
    summary = {"summary": res.summary, "fates": res.fates.to_dict("records")}
    files.append(write_text_atomic(tmp / "summary.json", json.dumps(
        summary, indent=2, ensure_ascii=False, sort_keys=True, default=_json_default) + "\n"))
    files.append(write_text_atomic(tmp / "summary.md", engagement_summary_md(
        name, res.summary, res.fates, res.engagements)))
    title = f"{name}, seed {meta['seed']}"
    files.append(kill_chain_plot(res.engagements, tmp / "kill_chain.png",
                                 f"{title}\nkill chain per engagement", meta))
    files.append(magazine_plot(res.magazine, tmp / "magazine.png",
                               f"{title}\nmagazine depletion per fire unit", meta))
    if len(res.picture.truth):
        replay, events = replay_tables(res)
        files.append(write_acmi(tmp / "replay.acmi", replay, events, title=name))
        files.append(write_czml(tmp / "replay.czml", replay, events, name=name))
        files.append(write_replay_kml(tmp / "replay.kml", replay, events, name=name))
    return [Path(f) for f in files]


def _json_default(value):
    """numpy scalars in metrics → plain JSON numbers."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


#: Replay kind of each threat class ('arm' and 'decoy' shown as missiles).
_REPLAY_KIND = {"aircraft": "aircraft", "cruise_missile": "cruise_missile", "drone": "drone",
                "ballistic_missile": "ballistic_missile", "helicopter": "helicopter",
                "arm": "cruise_missile", "decoy": "cruise_missile"}


#: Replay events drawn at the missile (or gun burst) they are about; the threat is the other id.
_MISSILE_EVENTS = ("launch", "guidance_mode", "intercept", "miss", "gun_burst")
#: Replay events drawn at the threat; fire-unit events (reload, command-post loss, magazine
#: exhausted) have no replay object and are messages only.
_THREAT_EVENTS = ("first_detection", "track_confirmed", "track_start", "track_drop", "assign",
                  "kill_assessed", "kill_assessment_withdrawn",
                  "kill", "leak")
#: Replay events drawn at the radar they are about (its id is the event's ``object_id``).
_RADAR_EVENTS = ("radar_off", "radar_on", "radar_destroyed")


def replay_tables(result: EngagementResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replay table (threats, missiles, radars) and replay events from an engagement result."""
    lib = load_library()
    pic = result.picture
    truth = pic.truth
    kinds = {t: _REPLAY_KIND[lib.get(t).threat_class] for t in truth["type"].unique()}
    # A destroyed threat's truth stops at its last sample before the kill: end it where and when
    # it was killed (on its flight record), so that its kill event falls on its last sample.
    traj = pic.trajectories
    last = truth.groupby("object_id")["time_s"].max()
    ends = [{"time_s": k.time_s, "object_id": k.object_id, "type": traj.types[k.truth_id],
             **{c: float(np.interp(k.time_s, traj.time_s[traj.active[:, k.truth_id]],
                                   getattr(traj, c)[traj.active[:, k.truth_id], k.truth_id]))
                for c in ("lat_deg", "lon_deg", "alt_msl_m")}}
            for k in result.fates[result.fates["fate"] == "killed"].itertuples()
            if k.time_s > last.get(k.object_id, -np.inf)]
    cols = ["time_s", "object_id", "type", "lat_deg", "lon_deg", "alt_msl_m"]
    flown = (pd.concat([truth[cols], pd.DataFrame(ends, columns=cols)], ignore_index=True)
             if ends else truth[cols])
    threats = pd.DataFrame({
        "time_s": flown["time_s"], "object_id": flown["object_id"], "name": flown["type"],
        "kind": flown["type"].map(kinds), "coalition": "blue", "lat_deg": flown["lat_deg"],
        "lon_deg": flown["lon_deg"], "alt_msl_m": flown["alt_msl_m"]})
    m = result.missiles
    missiles = pd.DataFrame({
        "time_s": m["time_s"], "object_id": m["missile_id"], "name": m["missile_type"],
        "kind": "sam", "coalition": "red", "lat_deg": m["lat_deg"], "lon_deg": m["lon_deg"],
        "alt_msl_m": m["alt_msl_m"]})
    t0, t1 = float(truth["time_s"].min()), float(truth["time_s"].max())
    radars = pd.DataFrame([
        {"time_s": t, "object_id": r.id, "name": r.type_id, "kind": "radar", "coalition": "red",
         "lat_deg": r.lat_deg, "lon_deg": r.lon_deg, "alt_msl_m": r.antenna_msl_m,
         "radar_range_m": r.model.instrumented_range_m}
        for r in pic.world.radars for t in (t0, t1)])
    replay = pd.concat([threats, missiles, radars], ignore_index=True)
    ev = result.events
    about_missile = ev["event"].isin(_MISSILE_EVENTS).to_numpy()
    about_threat = ev["event"].isin(_THREAT_EVENTS + _RADAR_EVENTS).to_numpy()
    missile = ev["missile_id"].where(ev["missile_id"] != "", None)
    threat = ev["object_id"].where(ev["object_id"] != "", None)
    events = pd.DataFrame({
        "time_s": ev["time_s"],
        "event": ev["event"],
        "object_id": np.where(about_missile, missile, np.where(about_threat, threat, None)),
        "other_id": np.where(about_missile, threat, np.where(about_threat, missile, None)),
        "text": (ev["unit_id"] + " " + ev["missile_type"] + " → "
                 + ev["object_id"] + " " + ev["detail"]).str.replace(r"\s+", " ", regex=True)
        .str.strip(" →")})
    return replay, events.reset_index(drop=True)


def envelope_products(missile: str, target_alt_m: Sequence[float], target_speed_m_s: float,
                      out_png: str | Path, figures: str | Figures = "nominal") -> pd.DataFrame:
    """Launch-acceptability envelope of one missile: PNG + NetCDF.

    The flyout is fitted to the maximum range and ceiling of ``figures`` (a figure set, or one
    with overrides such as ``48N6E3.max_range_km``; :func:`iadsim.weapons.calibration.aero_for`),
    as an engagement run with those figures flies it.

    Returns a table per target altitude of the max/min launch range and the max/min intercept
    range (fuze point: the engagement-zone edges a kinematic coverage draws), km.
    """
    lib = load_library()
    item = lib.get(missile)
    if item.kind != "missile":
        raise InputError(f"{missile!r} is a {item.kind}: allowed values are missile ids "
                         f"({', '.join(aero_ids())})")
    if item.id not in aero_ids():
        raise InputError(f"{item.id} has no calibrated flyout model yet: allowed values are "
                         f"{', '.join(aero_ids())}")
    if not target_alt_m or min(target_alt_m) < 0 or not target_speed_m_s > 0:
        raise InputError("--target-alt: allowed values are altitudes >= 0 m; --target-speed > 0")
    figs = Figures.of(figures)
    max_range_m, max_alt_m = item.si("max_range_km", figs), item.si("max_altitude_km", figs)
    ds = launch_acceptability(aero_for(item.id, max_range_m, max_alt_m), target_alt_m,
                              target_speed_m_s)
    meta = {"iadsim_version": ds.attrs.get("iadsim_version", ""), "figure_set": figs.label,
            "sources": [s.model_dump() for s in item.citations()],
            "assumptions": [f"{item.id} {name}: {why}" for name, why in item.assumptions()]
            + figs.override_notes()
            + [f"Flyout parameters calibrated to the published max range and altitude "
               f"(data/missile_aero.yaml), re-fitted where the figures give others (here "
               f"{max_range_m / 1e3:g} km and {max_alt_m / 1e3:g} km); approaching target at "
               "constant velocity.", ENVELOPE_CAVEAT]}
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    envelope_plot(ds, out_png, f"{item.id}: kinematic launch envelope, target "
                  f"{target_speed_m_s:g} m/s ({figs.label})", meta)
    ds.attrs["provenance"] = json.dumps(meta, ensure_ascii=False)
    write_netcdf(ds, out_png.with_suffix(".nc"))
    edges = ds.sel(heading="approaching")
    return pd.DataFrame({"target_alt_m": ds["altitude"].values} | {
        f"{name}_km": edges[f"{name}_m"].values / 1e3
        for name in ("max_launch_range", "min_launch_range", "max_intercept_range",
                     "min_intercept_range")})
