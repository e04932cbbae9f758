"""Coverage maps, minimum-detectable-altitude maps and vertical coverage diagrams (matplotlib).

Figures read results (coverage Datasets, resolved sites) and write PNG files; they compute
nothing of their own beyond what is drawn.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib import colormaps
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure

from iadsim.analysis.report import provenance
from iadsim.plot.basemap import Borders, draw_basemap, draw_range_ring, draw_site
from iadsim.scenario.build import Deployment

#: Nested-contour styles for the three figure sets (certain / nominal / possible coverage).
FIGURE_SET_STYLE = {
    "low": {"colors": "#08519c", "linestyles": "solid", "linewidths": 1.6},
    "nominal": {"colors": "#2171b5", "linestyles": "dashed", "linewidths": 1.2},
    "high": {"colors": "#6baed6", "linestyles": "dotted", "linewidths": 1.2},
}
FIGURE_SET_LABEL = {"low": "certain (low figures)", "nominal": "nominal",
                    "high": "possible (high figures)"}
MISSILE_COLOURS = ("#cb181d", "#ef6548", "#fc8d59", "#fdbb84", "#41ab5d", "#807dba")


def _extent(ds: xr.Dataset) -> tuple[float, float, float, float]:
    return (float(ds.lon.min()), float(ds.lon.max()), float(ds.lat.min()), float(ds.lat.max()))


def _new_map(ds: xr.Dataset, borders: Borders):
    fig = Figure(figsize=(10, 9), dpi=110)  # no pyplot: no global state, no GUI backend
    ax = fig.subplots()
    draw_basemap(ax, borders, *_extent(ds))
    return fig, ax


def _missile_colours(deployment: Deployment) -> dict[str, str]:
    """One colour per missile type, in order of first appearance."""
    ids = dict.fromkeys(m.missile_id for m in deployment.missiles)
    return {mid: MISSILE_COLOURS[i % len(MISSILE_COLOURS)] for i, mid in enumerate(ids)}


def _draw_deployment(ax, deployment: Deployment, reference_points: Sequence[tuple[str, float, float]],
                     rings: bool = True) -> None:
    seen = set()
    for r in deployment.radars:
        draw_site(ax, r.lat_deg, r.lon_deg, "", "radar")
    colours = _missile_colours(deployment)
    for m in deployment.missiles:
        if rings:
            label = None if m.missile_id in seen else (
                f"{m.missile_id} published max range {m.max_range_m / 1000:.0f} km")
            seen.add(m.missile_id)
            draw_range_ring(ax, m.lat_deg, m.lon_deg, m.max_range_m, color=colours[m.missile_id],
                            lw=1.0, ls="-.", label=label)
    for bn in {m.battalion_id: m for m in deployment.missiles}.values():
        draw_site(ax, bn.lat_deg, bn.lon_deg, bn.battalion_id, "battalion")
    for name, lat, lon in reference_points:
        draw_site(ax, lat, lon, name, "reference")


def coverage_map(ds: xr.Dataset, altitude_index: int, deployment: Deployment, borders: Borders,
                 reference_points: Sequence[tuple[str, float, float]], target_label: str,
                 path: Path, nested: Mapping[str, xr.DataArray] | None = None) -> Path:
    """Combined Pd map at one altitude with Pd 0.5/0.9 contours, published rings and sites.

    A coverage computed with ``reach='kinematic'`` also shows the kinematic reach rings.

    ``nested`` maps figure sets ('low', 'nominal', 'high') to ``pd_any`` at the same altitude, drawn
    as nested Pd ≥ 0.5 contours (certain / nominal / possible coverage).
    """
    fig, ax = _new_map(ds, borders)
    alt = float(ds.altitude[altitude_index])
    pd = ds["pd_any"].isel(altitude=altitude_index)
    lon, lat = ds.lon.values, ds.lat.values
    cmap = ListedColormap(["#ffffff00", "#fee8c8", "#fdbb84", "#e34a33"])
    norm = BoundaryNorm([0, 0.1, 0.5, 0.9, 1.0001], cmap.N)
    mesh = ax.pcolormesh(lon, lat, pd.values, cmap=cmap, norm=norm, shading="nearest", zorder=1)
    cbar = fig.colorbar(mesh, ax=ax, shrink=0.7, ticks=[0, 0.1, 0.5, 0.9, 1.0])
    cbar.set_label("probability of detection per scan (any radar)")
    if nested:
        for fs, arr in nested.items():
            if np.nanmax(arr.values) >= 0.5:
                ax.contour(lon, lat, arr.values, levels=[0.5], zorder=3, **FIGURE_SET_STYLE[fs])
                ax.plot([], [], label=f"Pd ≥ 0.5, {FIGURE_SET_LABEL[fs]}",
                        color=FIGURE_SET_STYLE[fs]["colors"],
                        ls=FIGURE_SET_STYLE[fs]["linestyles"])
    jammed = "pd_any_unjammed" in ds
    if jammed:
        free = ds["pd_any_unjammed"].isel(altitude=altitude_index).values
        if np.nanmax(free) >= 0.5:
            ax.contour(lon, lat, free, levels=[0.5], zorder=3, colors="0.35", linestyles=":")
            ax.plot([], [], label="Pd ≥ 0.5 without jamming", color="0.35", ls=":")
        _draw_jammers(ax, ds)
    _draw_deployment(ax, deployment, reference_points)
    _draw_kinematic_rings(ax, ds, alt, _missile_colours(deployment))
    ref = ds.altitude.attrs.get("reference", "AGL")
    ax.set_title(f"{deployment.name}\nradar coverage{' under jamming' if jammed else ''}, target "
                 f"{target_label}, {alt:,.0f} m {ref} — figure set: {ds.attrs['figure_set']}",
                 fontsize=10)
    ax.legend(loc="lower left", fontsize=7, framealpha=0.9)
    return save_figure(fig, path, provenance(deployment))


def _draw_jammers(ax, ds: xr.Dataset) -> None:
    """The stand-off jammers of a coverage under jamming (its ``jamming`` attribute)."""
    stations = [j for j in json.loads(ds.attrs.get("jamming", "[]")) if "lat_deg" in j]
    for j in stations:
        ax.plot(j["lon_deg"], j["lat_deg"], marker="X", color="#6a3d9a", ms=8, zorder=6)
        ax.annotate(f"{j['id']} ({j['type']} x{j['count']})", (j["lon_deg"], j["lat_deg"]),
                    fontsize=6, xytext=(4, 4), textcoords="offset points", zorder=6)
    if stations:
        ax.plot([], [], marker="X", color="#6a3d9a", ls="", label="stand-off jammer")


def _draw_kinematic_rings(ax, ds: xr.Dataset, altitude_m: float, colours: Mapping[str, str]) -> None:
    """Outer edge of the kinematic reach at ``altitude_m`` (solid), when the coverage used it."""
    labelled = set()
    for r in json.loads(ds.attrs.get("missile_reach_rings", "[]")):
        if r["basis"] != "kinematic" or r["altitude_m"] != altitude_m \
                or not np.isfinite(r["max_range_m"]):
            continue
        label = None if r["missile_id"] in labelled else (
            f"{r['missile_id']} kinematic reach {r['max_range_m'] / 1000:.0f} km (approaching "
            f"target, {ds.attrs['reach_target_speed_m_s']:g} m/s)")
        labelled.add(r["missile_id"])
        draw_range_ring(ax, r["lat_deg"], r["lon_deg"], r["max_range_m"],
                        color=colours[r["missile_id"]], lw=1.4, ls="-",
                        label=label)


def min_altitude_map(ds: xr.Dataset, deployment: Deployment, borders: Borders,
                     reference_points: Sequence[tuple[str, float, float]], target_label: str,
                     path: Path) -> Path:
    """Map of the lowest altitude (m AGL) at which the network detects with Pd ≥ threshold."""
    fig, ax = _new_map(ds, borders)
    field = ds["min_detectable_altitude_agl_m"]
    ladder = [0, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]
    cmap = colormaps["viridis"].resampled(len(ladder) - 1)
    norm = BoundaryNorm(ladder, cmap.N)
    mesh = ax.pcolormesh(ds.lon.values, ds.lat.values, field.values, cmap=cmap, norm=norm,
                         shading="nearest", zorder=1, alpha=0.85)
    cbar = fig.colorbar(mesh, ax=ax, shrink=0.7)
    cbar.set_label(f"lowest detected altitude, m above ground (Pd ≥ {ds.attrs['pd_threshold']})")
    _draw_deployment(ax, deployment, reference_points, rings=False)
    ax.set_title(f"{deployment.name}\nminimum detectable altitude, target {target_label} — "
                 f"figure set: {ds.attrs['figure_set']} (blank: not detected below 20 km)",
                 fontsize=10)
    return save_figure(fig, path, provenance(deployment))


def vertical_diagram(vds: xr.Dataset, title: str, path: Path, provenance: Mapping,
                     published_ranges_m: Mapping[str, float] | None = None) -> Path:
    """Range–altitude Pd diagram with terrain profile, smooth-Earth horizon and terrain mask."""
    fig = Figure(figsize=(10, 5), dpi=110)
    ax = fig.subplots()
    rng_km = vds["range"].values / 1000.0
    alt_km = vds["altitude"].values / 1000.0
    cmap = ListedColormap(["#ffffff", "#fee8c8", "#fdbb84", "#e34a33"])
    norm = BoundaryNorm([0, 0.1, 0.5, 0.9, 1.0001], cmap.N)
    mesh = ax.pcolormesh(rng_km, alt_km, vds["pd"].values, cmap=cmap, norm=norm, shading="nearest")
    fig.colorbar(mesh, ax=ax, ticks=[0, 0.1, 0.5, 0.9, 1.0]).set_label("Pd per scan")
    ax.fill_between(rng_km, 0, vds["terrain_msl_m"].values / 1000.0, color="#8c6d31",
                    label="terrain")
    ax.plot(rng_km, vds["horizon_msl_m"].values / 1000.0, "k--", lw=1,
            label="radar horizon (smooth Earth, k factor)")
    ax.plot(rng_km, np.minimum(vds["mask_msl_m"].values / 1000.0, alt_km.max()), color="#54278f",
            lw=1, label="lowest visible height over terrain")
    for name, r in (published_ranges_m or {}).items():
        ax.axvline(r / 1000.0, color="#cb181d", ls="-.", lw=1)
        ax.text(r / 1000.0, alt_km.max() * 0.97, f" {name}", color="#cb181d", fontsize=7,
                va="top", rotation=90)
    ax.set_ylim(0, alt_km.max())
    ax.set_xlim(0, rng_km.max())
    ax.set_xlabel("ground range, km")
    ax.set_ylabel("target altitude, km MSL")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", fontsize=7)
    return save_figure(fig, path, provenance)


def save_figure(fig: Figure, path: Path, provenance: Mapping) -> Path:
    """Write a PNG with a provenance footer and the full provenance in its text chunks.

    ``provenance`` has ``iadsim_version``, ``figure_set``, ``assumptions``, ``sources`` (missing
    keys are shown as '?').
    """
    version = provenance.get("iadsim_version", "?")
    fig.axes[0].annotate(
        f"iadsim {version} · figure set {provenance.get('figure_set', '?')} · rests on "
        f"{len(provenance.get('assumptions', []))} assumptions and "
        f"{len(provenance.get('sources', []))} public sources (see summary.md) · simulation, "
        "not a measurement",
        xy=(0, 0), xycoords="axes fraction", xytext=(0, -36), textcoords="offset points",
        fontsize=6, color="#555555", va="top")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, bbox_inches="tight", metadata={
        "Software": f"iadsim {version}",
        "Description": json.dumps(provenance, ensure_ascii=False, default=str)})
    tmp.replace(path)
    return path
