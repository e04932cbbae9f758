"""Kinematic launch-envelope figure (matplotlib object API) with a provenance footer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from iadsim.plot.coverage import save_figure

__all__ = ["envelope_plot"]


def envelope_plot(ds: xr.Dataset, path: Path | str, title: str, provenance: Mapping) -> Path:
    """Range-altitude launch-acceptability diagram, one panel per heading.

    Shaded: initial target ranges from which a launch intercepts; lines: the launch-range edges
    and the far edge of the engagement zone (where the fuze fires).

    ``ds`` from :func:`iadsim.analysis.kinematic_envelope.launch_acceptability`; ``provenance``
    as in :mod:`iadsim.plot.coverage` (``iadsim_version``, ``figure_set``, ``assumptions``,
    ``sources``; missing keys are shown as '?').
    """
    headings = [str(h) for h in ds["heading"].values]
    fig = Figure(figsize=(6 * len(headings), 4.5), dpi=110)
    axes = np.atleast_1d(fig.subplots(1, len(headings), squeeze=False)[0])
    rng_km = ds["range"].values / 1000.0
    alt_km = ds["altitude"].values / 1000.0
    cmap = ListedColormap(["#ffffff", "#9ecae1"])
    for ax, heading in zip(axes, headings, strict=True):
        sel = ds.sel(heading=heading)
        ax.pcolormesh(rng_km, alt_km, sel["intercept"].values.astype(float), cmap=cmap,
                      vmin=0, vmax=1, shading="nearest")
        ax.plot(sel["max_launch_range_m"].values / 1000.0, alt_km, "-o", color="#08519c", ms=3,
                label="max launch range")
        ax.plot(sel["min_launch_range_m"].values / 1000.0, alt_km, "--o", color="#cb181d", ms=3,
                label="min launch range")
        ax.plot(sel["max_intercept_range_m"].values / 1000.0, alt_km, ":s", color="#08519c",
                ms=3, label="max intercept range (fuze point)")
        ax.set_xlabel("initial target ground range, km")
        ax.set_ylabel("target altitude, km")
        ax.set_title(f"{heading} target, {ds.attrs.get('target_speed_m_s', '?')} m/s",
                     fontsize=9)
        ax.legend(loc="upper right", fontsize=7)
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, Path(path), provenance)
