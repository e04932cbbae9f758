"""Kill-chain timeline and magazine depletion figures (matplotlib object API)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from iadsim.plot.coverage import save_figure
from iadsim.scenario.library import load_library

#: Kill-chain links: (start column, end column, label, colour).
LINKS = (
    ("first_detection_s", "track_confirmed_s", "detect → track", "#9ecae1"),
    ("track_confirmed_s", "assign_s", "track → assign", "#fdae6b"),
    ("assign_s", "launch_s", "reaction (assign → launch)", "#fd8d3c"),
    ("launch_s", "intercept_s", "missile flight", "#74c476"),
)


def kill_chain_plot(engagements: pd.DataFrame, path: Path, title: str,
                    provenance: Mapping) -> Path:
    """One bar per engagement, split into its kill-chain links (s); × marks a kill."""
    n = max(len(engagements), 1)
    fig = Figure(figsize=(10, 1.5 + 0.28 * n), dpi=110)
    ax = fig.subplots()
    for i, row in enumerate(engagements.itertuples()):
        for start, end, label, colour in LINKS:
            a, b = getattr(row, start), getattr(row, end)
            if np.isfinite(a) and np.isfinite(b) and b >= a:
                ax.barh(i, b - a, left=a, color=colour, edgecolor="none",
                        label=label if i == 0 else None)
        if row.killed:
            ax.plot(row.intercept_s, i, "kx", ms=6, label="kill" if i == 0 else None)
    ax.set_yticks(range(len(engagements)), [_label(r) for r in engagements.itertuples()],
                  fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("time, s from scenario start")
    ax.set_title(title, fontsize=10)
    if len(engagements):
        ax.legend(loc="best", fontsize=7)
    else:
        ax.text(0.5, 0.5, "no engagement", transform=ax.transAxes, ha="center")
    return save_figure(fig, path, provenance)


def magazine_plot(magazine: pd.DataFrame, path: Path, title: str, provenance: Mapping) -> Path:
    """Ready rounds left per fire unit and weapon over time (step plots): missiles in the top
    panel, gun ammunition (hundreds of rounds, which would flatten the missile curves) below."""
    guns = {t for t in magazine["missile_type"].unique() if load_library().get(t).kind == "gun"}
    panels = [("missiles", ~magazine["missile_type"].isin(guns))]
    if guns:
        panels.append(("gun rounds", magazine["missile_type"].isin(guns)))
    fig = Figure(figsize=(10, 4.5 + 2.5 * (len(panels) - 1)), dpi=110)
    axes = np.atleast_1d(fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0])
    end = float(magazine["time_s"].max()) if len(magazine) else 1.0
    for ax, (what, rows) in zip(axes, panels, strict=True):
        for (unit, weapon), g in magazine[rows].groupby(["unit_id", "missile_type"], sort=True):
            t = np.append(g["time_s"].to_numpy(), end)
            r = np.append(g["rounds"].to_numpy(), g["rounds"].iloc[-1])
            ax.step(t, r, where="post", label=f"{unit} {weapon}")
        ax.set_ylabel(f"ready {what}")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7, loc="best")
    axes[-1].set_xlabel("time, s from scenario start")
    axes[0].set_title(title, fontsize=10)
    return save_figure(fig, path, provenance)


def _label(row) -> str:
    """``unit: 2×48N6E3 → threat`` for a salvo, ``unit: 160 rds 2A38M → threat`` for a burst."""
    if getattr(row, "weapon", "missile") == "gun":
        return f"{row.unit_id}: {row.gun_rounds:.0f} rds {row.missile_type} → {row.object_id}"
    return f"{row.unit_id}: {row.missiles}×{row.missile_type} → {row.object_id}"
