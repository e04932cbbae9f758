"""Air-picture figures: truth against tracks on a map, and OSPA/GOSPA over time (matplotlib).

Figures read result tables (truth, tracker output, detections, ``ospa_over_time``) and write
PNG files with the provenance footer and text chunks of :mod:`iadsim.plot.coverage`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import ColorType

from iadsim.geo.frames import enu2geodetic, geodetic2enu
from iadsim.plot.basemap import Borders, draw_basemap, draw_site
from iadsim.plot.coverage import save_figure

TRACK_COLOURS = colormaps["tab10"]
"""Qualitative colour map; track ``i`` (in order of first appearance) gets colour ``i mod 10``."""
DETECTION_COLOUR = "#9ecae1"
FALSE_ALARM_COLOUR = "0.6"


Origin = tuple[float, float, float]
"""ENU frame origin (lat_deg, lon_deg, alt_hae_m)."""


def _plane(frame: pd.DataFrame, origin: Origin | None) -> tuple[np.ndarray, np.ndarray]:
    """Plot coordinates of ENU rows: (lon_deg, lat_deg) with an origin, else (east, north) km."""
    x = frame["x_m"].to_numpy(np.float64)
    y = frame["y_m"].to_numpy(np.float64)
    if origin is None:
        return x / 1000.0, y / 1000.0
    z = frame["z_m"].to_numpy(np.float64) if "z_m" in frame else np.zeros_like(x)
    lat, lon, _ = enu2geodetic(x, y, z, *origin)
    return np.asarray(lon), np.asarray(lat)


#: Most false alarms drawn on a map (thinned deterministically beyond that).
MAX_FALSE_ALARMS_DRAWN = 3000
#: Track ends closer than this fraction of the map span share one id label (about the width
#: of a label at the map size used).
LABEL_MERGE_FRACTION = 0.05


def _draw_detections(ax: Axes, detections: pd.DataFrame,
                     origin: Origin | None) -> list[Line2D]:
    """Detections as light dots, false alarms (``truth_id == -1``) grey; legend proxies."""
    false_alarm = (detections["truth_id"] == -1).to_numpy() if "truth_id" in detections else \
        np.zeros(len(detections), dtype=bool)
    x, y = _plane(detections, origin)
    # thin out false alarms (every k-th, deterministic) so they do not hide the picture
    fa_rows = np.flatnonzero(false_alarm)
    every = max(1, int(np.ceil(fa_rows.size / MAX_FALSE_ALARMS_DRAWN)))
    shown_fa = np.zeros_like(false_alarm)
    shown_fa[fa_rows[::every]] = True
    fa_label = "false alarm" if every == 1 else f"false alarm (1 in {every} shown)"
    proxies = []
    for mask, colour, label in ((~false_alarm, DETECTION_COLOUR, "detection"),
                                (shown_fa, FALSE_ALARM_COLOUR, fa_label)):
        if mask.any():
            ax.plot(x[mask], y[mask], ".", ms=2, color=colour, alpha=0.5, zorder=2)
            proxies.append(Line2D([], [], ls="none", marker=".", color=colour, label=label))
    return proxies


def _draw_tracks(ax: Axes, tracks: pd.DataFrame, origin: Origin | None) -> None:
    """Confirmed tracks, one colour per track id, ids written at the last positions (tracks
    ending close together share one label, see :func:`_label_groups`)."""
    confirmed = tracks[tracks["status"] == "confirmed"].sort_values("time_s", kind="stable")
    x, y = _plane(confirmed, origin)
    codes, ids = pd.factorize(confirmed["track_id"])
    ends = np.empty((len(ids), 2))
    for code in range(len(ids)):
        mask = codes == code
        ax.plot(x[mask], y[mask], "-", lw=1.6, color=TRACK_COLOURS(code % TRACK_COLOURS.N),
                alpha=0.9, zorder=4)
        ends[code] = x[mask][-1], y[mask][-1]
    span = max(np.ptp(x), np.ptp(y)) if len(x) else 0.0
    for group in _label_groups(ends, LABEL_MERGE_FRACTION * span):
        first = group[0]
        text = str(ids[first]) + (f" +{len(group) - 1}" if len(group) > 1 else "")
        ax.annotate(text, tuple(ends[first]), xytext=(3, 3), textcoords="offset points",
                    fontsize=6, color=TRACK_COLOURS(first % TRACK_COLOURS.N), zorder=5)


def _label_groups(points: np.ndarray, radius: float) -> list[list[int]]:
    """Greedy label de-cluttering: in order, each point joins the first labelled point within
    ``radius`` (same units) or becomes a labelled point itself; returns the groups (indices,
    labelled point first). A label "17 +3" thus reads: track 17 and 3 more end here."""
    groups: list[list[int]] = []
    for i, p in enumerate(points):
        near = next((g for g in groups if np.hypot(*(points[g[0]] - p)) <= radius), None)
        if near is None:
            groups.append([i])
        else:
            near.append(i)
    return groups


def _truth_plane(truth: pd.DataFrame, geographic: bool) -> tuple[np.ndarray, np.ndarray]:
    if geographic:
        return truth["lon_deg"].to_numpy(np.float64), truth["lat_deg"].to_numpy(np.float64)
    return truth["x_m"].to_numpy(np.float64) / 1000.0, truth["y_m"].to_numpy(np.float64) / 1000.0


def _extent(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray],
            margin: float = 0.08) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) of all points, padded by ``margin`` of the larger span."""
    x, y = np.concatenate(xs), np.concatenate(ys)
    if x.size == 0:
        raise ValueError("nothing to draw: no truth, confirmed track or site")
    pad = margin * max(np.ptp(x), np.ptp(y), 1e-3)
    return x.min() - pad, x.max() + pad, y.min() - pad, y.max() + pad


def truth_vs_tracks_map(truth: pd.DataFrame, tracks: pd.DataFrame,
                        detections: pd.DataFrame | None, path: Path, title: str,
                        provenance: Mapping, borders: Borders | None = None,
                        frame_origin: Origin | None = None,
                        sites: Sequence[tuple[str, float, float, str]] = ()) -> Path:
    """Map of true flight paths, confirmed tracks and detections.

    Drawn on longitude/latitude when ``truth`` has ``lat_deg``/``lon_deg`` columns and
    ``frame_origin`` is given (tracks and detections are converted from the command-post ENU
    frame); otherwise on east/north km of that frame.

    Parameters
    ----------
    truth : pandas.DataFrame
        ``time_s, truth_id`` and ``lat_deg, lon_deg`` and/or ``x_m, y_m``.
    tracks : pandas.DataFrame
        Tracker output (``time_s, track_id, status, x_m, y_m, [z_m]``); only confirmed tracks
        are drawn, coloured by track id.
    detections : pandas.DataFrame or None
        ``x_m, y_m, [z_m], [truth_id]``; ``truth_id == -1`` marks false alarms (grey).
    path : pathlib.Path
        PNG file to write.
    title : str
    provenance : Mapping
        As from :func:`iadsim.analysis.report.provenance` (``iadsim_version``, ``figure_set``,
        ``sources``, ``assumptions``).
    borders : Borders, optional
        Country borders, drawn in geographic mode.
    frame_origin : (float, float, float), optional
        ENU origin (lat_deg, lon_deg, alt_hae_m).
    sites : sequence of (label, lat_deg, lon_deg, kind)
        Markers, ``kind`` from :data:`iadsim.plot.basemap.SITE_STYLES`; need ``frame_origin``
        in the east/north km view.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    geographic = frame_origin is not None and {"lat_deg", "lon_deg"} <= set(truth.columns)
    origin = frame_origin if geographic else None
    fig = Figure(figsize=(10, 9), dpi=110)
    ax = fig.subplots()

    truth = truth.sort_values("time_s", kind="stable")
    tx, ty = _truth_plane(truth, geographic)
    confirmed = tracks[tracks["status"] == "confirmed"]
    kx, ky = _plane(confirmed, origin)
    site_lat = np.array([s[1] for s in sites], dtype=np.float64)
    site_lon = np.array([s[2] for s in sites], dtype=np.float64)
    if geographic:
        sx, sy = site_lon, site_lat
    elif sites:
        if frame_origin is None:
            raise ValueError("sites in the east/north km view need frame_origin")
        e, n, _ = geodetic2enu(site_lat, site_lon, frame_origin[2], *frame_origin)
        sx, sy = np.asarray(e) / 1000.0, np.asarray(n) / 1000.0
    else:
        sx = sy = np.empty(0)
    x0, x1, y0, y1 = _extent([tx, kx, sx], [ty, ky, sy])

    if geographic and borders is not None:
        draw_basemap(ax, borders, x0, x1, y0, y1)
    else:
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect(1.0 / np.cos(np.radians(0.5 * (y0 + y1))) if geographic else "equal")
        ax.set_xlabel("longitude, °E" if geographic else "east of the command post, km")
        ax.set_ylabel("latitude, °N" if geographic else "north of the command post, km")
        ax.grid(True, color="0.85", lw=0.5, ls=":")

    proxies = _draw_detections(ax, detections, origin) if detections is not None else []
    for truth_id in truth["truth_id"].unique():
        mask = (truth["truth_id"] == truth_id).to_numpy()
        ax.plot(tx[mask], ty[mask], "-", color="k", lw=0.9, alpha=0.8, zorder=3)
    _draw_tracks(ax, tracks, origin)
    for (label, _, _, kind), x, y in zip(sites, sx, sy, strict=True):
        draw_site(ax, y, x, label, kind)  # draw_site plots (lon, lat) as axis (x, y)

    ax.legend(handles=[Line2D([], [], color="k", lw=0.9, label="truth"),
                       Line2D([], [], color=TRACK_COLOURS(0), lw=1.6,
                              label="confirmed track (colour; label: track id, +n: n more end there)"),
                       *proxies], loc="lower left", fontsize=7, framealpha=0.9)
    ax.set_title(title, fontsize=10)
    return save_figure(fig, path, provenance)


def _draw_distances(ax: Axes, frame: pd.DataFrame, colour: ColorType | None, name: str) -> None:
    """One tracker's OSPA and GOSPA; with ``colour=None`` (a lone tracker) also the components."""
    t = frame["time_s"].to_numpy(np.float64)
    if colour is not None:
        ax.plot(t, frame["ospa_m"], color=colour, lw=1.4, label=f"OSPA, {name}")
        ax.plot(t, frame["gospa_m"], color=colour, lw=1.0, ls="--", label=f"GOSPA, {name}")
        return
    ax.plot(t, frame["ospa_m"], color="k", lw=1.6, label="OSPA")
    ax.plot(t, frame["gospa_m"], color="tab:blue", lw=1.6, label="GOSPA (α = 2)")
    for column, component, label in (("gospa_localisation_m", "tab:green", "localisation"),
                                     ("gospa_missed_m", "tab:red", "missed targets"),
                                     ("gospa_false_m", "tab:orange", "false tracks")):
        ax.plot(t, frame[column], color=component, lw=1.0, ls="--", label=f"GOSPA: {label}")


def ospa_plot(ospa_df: pd.DataFrame, path: Path, title: str, provenance: Mapping) -> Path:
    """OSPA, GOSPA and the GOSPA components over time; below, the numbers of truths and tracks.

    Parameters
    ----------
    ospa_df : pandas.DataFrame
        Output of :func:`iadsim.tracking.metrics.ospa_over_time`, optionally stacked for several
        trackers with a ``tracker`` column: then each tracker's OSPA and GOSPA are drawn in
        its own colour and the GOSPA components are left out (pass one tracker's rows to see
        them). ``attrs`` ``c_m`` and ``p``, when present, are shown (cut-off as a line).
    path : pathlib.Path
        PNG file to write.
    title : str
    provenance : Mapping
        As for :func:`truth_vs_tracks_map`.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    groups = (list(ospa_df.groupby("tracker", sort=False)) if "tracker" in ospa_df
              else [("", ospa_df)])
    fig = Figure(figsize=(10, 6), dpi=110)
    grid = fig.add_gridspec(2, 1, height_ratios=(3, 1), hspace=0.08)
    counts = fig.add_subplot(grid[1])  # added first: save_figure writes its footer under fig.axes[0]
    ax = fig.add_subplot(grid[0], sharex=counts)
    truths = ospa_df.drop_duplicates("time_s").sort_values("time_s")
    counts.step(truths["time_s"], truths["n_truth"], where="post", color="k", lw=1.0,
                label="truths")
    for i, (name, frame) in enumerate(groups):
        colour = None if len(groups) == 1 else TRACK_COLOURS(i % TRACK_COLOURS.N)
        _draw_distances(ax, frame, colour, str(name))
        counts.step(frame["time_s"], frame["n_tracks"], where="post", lw=1.0,
                    color="tab:purple" if colour is None else colour,
                    label="tracks scored" + (f", {name}" if colour is not None else ""))
    subtitle = ""
    if {"c_m", "p"} <= ospa_df.attrs.keys():
        c_m, p = ospa_df.attrs["c_m"], ospa_df.attrs["p"]
        ax.axhline(c_m, color="0.5", lw=0.8, ls=":", label=f"cut-off c = {c_m:,.0f} m")
        subtitle = f"\ncut-off c = {c_m:,.0f} m, order p = {p:g}"
    ax.set_ylabel("distance, m")
    ax.set_ylim(bottom=0.0)
    ax.tick_params(labelbottom=False)
    counts.yaxis.set_major_locator(MaxNLocator(integer=True))
    counts.set_ylim(0.0, ospa_df[["n_truth", "n_tracks"]].to_numpy().max(initial=1) + 0.5)
    counts.set_ylabel("number")
    counts.set_xlabel("time, s")
    for axis in (ax, counts):
        axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, framealpha=0.9)
        axis.grid(True, color="0.85", lw=0.5, ls=":")
    ax.set_title(title + subtitle, fontsize=10)
    return save_figure(fig, path, provenance)
