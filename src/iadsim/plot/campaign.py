"""Campaign figures: tornado, Morris and Sobol' charts, convergence, distributions, saturation.

Each function takes plain tables or arrays (those of :mod:`iadsim.campaigns.sensitivity` and
:mod:`iadsim.analysis.estimates`; this layer does not import the campaign package), writes one
PNG and returns its path. ``provenance`` (optional; as in :func:`iadsim.plot.coverage.save_figure`:
``iadsim_version``, ``figure_set``, ``assumptions``, ``sources``) adds the footer and the PNG's
text chunks. Figures compute nothing beyond what is drawn: a running mean and its interval are
passed in, except the running mean of :func:`convergence_plot`, which is the plain cumulative
mean of the values given.

Figures marked ``assumed`` in the library are drawn hatched (tornado, Sobol') or as open markers
(Morris) and labelled "(assumed)": their ranges are judgement, not sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from iadsim.errors import InputError
from iadsim.plot.coverage import save_figure

__all__ = ["tornado_plot", "morris_plot", "sobol_plot", "convergence_plot", "distribution_plot",
           "saturation_plot"]

LOW_COLOUR, HIGH_COLOUR = "#4292c6", "#ef6548"
SERIES_COLOURS = ("#08519c", "#cb181d", "#238b45", "#6a51a3", "#d94801", "#525252")


def _check_table(table: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise InputError(f"{what}: the table is empty; allowed: a table with one row or more")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"{what}: the table lacks column(s) {', '.join(missing)}")


def _values(values: npt.ArrayLike, what: str) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    if x.size == 0:
        raise InputError(f"{what}: no values; allowed: one value or more")
    return x


def _label(row: pd.Series) -> str:
    return f"{row['factor']} (assumed)" if bool(row.get("assumed", False)) else str(row["factor"])


def _save(fig: Figure, path: Path | str, provenance: Mapping | None) -> Path:
    if provenance is not None:
        return save_figure(fig, Path(path), provenance)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, bbox_inches="tight")
    tmp.replace(path)
    return path


def tornado_plot(table: pd.DataFrame, metric_label: str, path: Path | str,
                 title: str | None = None, provenance: Mapping | None = None) -> Path:
    """Tornado chart: per factor, a bar from the outcome at all-nominal to the outcome with the
    factor at its low value and one to its high value, largest swing on top.

    ``table`` as :func:`iadsim.campaigns.sensitivity.analyze` returns for ``'tornado'``
    (``factor, low_value, high_value, y_low, y_high, y_nominal, swing``, optionally
    ``swing_ci_low, swing_ci_high`` and ``assumed``). With the interval columns an error bar at
    the high-value end shows the 95 % interval of that end relative to the low-value end
    (paired replications). ``metric_label`` names the outcome with its unit.

    Raises
    ------
    iadsim.errors.InputError
        An empty table or missing columns.
    """
    _check_table(table, ("factor", "low_value", "high_value", "y_low", "y_high", "y_nominal",
                         "swing"), "tornado plot")
    t = table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    nominal = float(t["y_nominal"].iloc[0])
    fig = Figure(figsize=(9, 1.6 + 0.45 * len(t)), dpi=110)
    ax = fig.subplots()
    has_ci = {"swing_ci_low", "swing_ci_high"} <= set(t.columns)
    for i, row in t.iterrows():
        hatch = "//" if bool(row.get("assumed", False)) else None
        for end, colour in (("y_low", LOW_COLOUR), ("y_high", HIGH_COLOUR)):
            ax.barh(i, row[end] - nominal, left=nominal, height=0.6, color=colour,
                    edgecolor="#333333", linewidth=0.5, hatch=hatch)
        if has_ci and np.isfinite(row["swing_ci_low"]):
            direction = 1.0 if row["y_high"] >= row["y_low"] else -1.0
            ends = row["y_low"] + direction * np.array([row["swing_ci_low"], row["swing_ci_high"]])
            lo, hi = min(ends), max(ends)
            ax.errorbar(row["y_high"], i, xerr=[[row["y_high"] - lo], [hi - row["y_high"]]],
                        fmt="none", ecolor="k", capsize=3, lw=1)
    ax.axvline(nominal, color="k", lw=1)
    ax.set_yticks(range(len(t)), [
        f"{_label(r)}\n{r['low_value']:g} / {r['high_value']:g}" for _, r in t.iterrows()],
        fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(metric_label)
    ax.set_title(title or f"Tornado: {metric_label}, one figure at a time at its low / high "
                 f"value (others nominal: {nominal:.4g})", fontsize=10)
    handles = [Patch(color=LOW_COLOUR, label="figure at its low value"),
               Patch(color=HIGH_COLOUR, label="figure at its high value")]
    if "assumed" in t.columns and t["assumed"].astype(bool).any():
        handles.append(Patch(facecolor="white", edgecolor="#333333", hatch="//",
                             label="assumed figure"))
    if has_ci:
        handles.append(Line2D([], [], color="k", lw=1, marker="|", ms=8,
                              label="95 % CI of the swing (paired replications)"))
    ax.legend(handles=handles, loc="best", fontsize=7)
    return _save(fig, path, provenance)


def morris_plot(table: pd.DataFrame, metric_label: str, path: Path | str,
                title: str | None = None, provenance: Mapping | None = None) -> Path:
    """Morris screening chart: ``sigma`` against ``mu*`` per factor, labelled, with the
    bootstrap interval of ``mu*`` as horizontal error bars and the line ``sigma = mu*`` (above
    it the effect depends strongly on where the other figures are: non-linear or interacting).

    ``table`` as :func:`iadsim.campaigns.sensitivity.analyze` returns for ``'morris'``
    (``factor, mu_star, sigma``, optionally ``mu_star_conf`` and ``assumed``).

    Raises
    ------
    iadsim.errors.InputError
        An empty table or missing columns.
    """
    _check_table(table, ("factor", "mu_star", "sigma"), "Morris plot")
    fig = Figure(figsize=(8, 6), dpi=110)
    ax = fig.subplots()
    assumed = (table["assumed"].astype(bool) if "assumed" in table.columns
               else pd.Series(False, index=table.index))
    xerr = table["mu_star_conf"] if "mu_star_conf" in table.columns else None
    for mask, face, label in ((~assumed, "#08519c", "sourced figure"),
                              (assumed, "white", "assumed figure")):
        if mask.any():
            ax.errorbar(table.loc[mask, "mu_star"], table.loc[mask, "sigma"],
                        xerr=None if xerr is None else xerr[mask], fmt="o", ms=7, mfc=face,
                        mec="#08519c", ecolor="#9ecae1", capsize=3, label=label)
    for _, row in table.iterrows():
        ax.annotate(_label(row), (row["mu_star"], row["sigma"]), xytext=(5, 4),
                    textcoords="offset points", fontsize=7)
    top = float(np.nanmax(np.r_[table["mu_star"], table["sigma"]])) * 1.15 or 1.0
    ax.plot([0, top], [0, top], "k--", lw=0.8, label="σ = μ*")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel(f"μ*, mean |elementary effect| over the figure's range ({metric_label})")
    ax.set_ylabel(f"σ of the elementary effects ({metric_label})")
    ax.set_title(title or f"Morris screening: {metric_label}", fontsize=10)
    ax.legend(loc="upper left", fontsize=7)
    return _save(fig, path, provenance)


def sobol_plot(table: pd.DataFrame, metric_label: str, path: Path | str,
               title: str | None = None, provenance: Mapping | None = None) -> Path:
    """Sobol' indices: first-order ``S1`` and total ``ST`` bars per factor (in table order),
    with the bootstrap 95 % half-widths ``S1_conf``, ``ST_conf`` as error bars.

    ``table`` as :func:`iadsim.campaigns.sensitivity.analyze` returns for ``'sobol'``.

    Raises
    ------
    iadsim.errors.InputError
        An empty table or missing columns.
    """
    _check_table(table, ("factor", "S1", "S1_conf", "ST", "ST_conf"), "Sobol plot")
    fig = Figure(figsize=(max(6.0, 1.2 + 0.9 * len(table)), 5), dpi=110)
    ax = fig.subplots()
    x = np.arange(len(table))
    assumed = (table["assumed"].astype(bool).to_numpy() if "assumed" in table.columns
               else np.zeros(len(table), dtype=bool))
    for offset, col, colour, label in ((-0.2, "S1", "#6baed6", "S1, first order (alone)"),
                                       (0.2, "ST", "#08519c", "ST, total (with interactions)")):
        bars = ax.bar(x + offset, table[col], width=0.4, color=colour, label=label,
                      yerr=table[f"{col}_conf"], capsize=3, ecolor="k")
        for bar, a in zip(bars, assumed, strict=True):
            if a:
                bar.set_hatch("//")
                bar.set_edgecolor("white")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(x, [_label(r) for _, r in table.iterrows()], rotation=30, ha="right",
                  fontsize=8)
    ax.set_ylabel(f"Sobol' index (share of the variance of {metric_label})")
    ax.set_title(title or f"Sobol' indices: {metric_label} (error bars: 95 % bootstrap)",
                 fontsize=10)
    ax.legend(loc="best", fontsize=7)
    return _save(fig, path, provenance)


def convergence_plot(values: npt.ArrayLike, ci_low: npt.ArrayLike, ci_high: npt.ArrayLike,
                     metric_label: str, path: Path | str, title: str | None = None,
                     provenance: Mapping | None = None) -> Path:
    """Running mean of ``values`` (one per run, in run order) against the number of runs, with
    the running confidence interval ``ci_low``, ``ci_high`` (one per run; NaN where undefined,
    e.g. after the first run) as a band.

    Raises
    ------
    iadsim.errors.InputError
        No values, arrays of different lengths, or non-finite values.
    """
    v = _values(values, "convergence plot")
    lo, hi = np.asarray(ci_low, dtype=float).ravel(), np.asarray(ci_high, dtype=float).ravel()
    if not lo.size == hi.size == v.size:
        raise InputError(f"convergence plot: {v.size} values but {lo.size} / {hi.size} interval "
                         "ends; allowed: one interval per run")
    if not np.isfinite(v).all():
        raise InputError("convergence plot: non-finite values; allowed: the metric of every run")
    runs = np.arange(1, v.size + 1)
    mean = np.cumsum(v) / runs
    fig = Figure(figsize=(9, 4.5), dpi=110)
    ax = fig.subplots()
    ax.fill_between(runs, lo, hi, color="#9ecae1", alpha=0.6, lw=0, label="95 % CI")
    ax.plot(runs, mean, color="#08519c", lw=1.5, label="running mean")
    ax.axhline(mean[-1], color="k", ls=":", lw=0.8, label=f"final mean {mean[-1]:.4g}")
    ax.set_xlim(1, max(v.size, 2))
    ax.set_xlabel("runs")
    ax.set_ylabel(metric_label)
    ax.set_title(title or f"Convergence: {metric_label} over {v.size} runs", fontsize=10)
    ax.legend(loc="best", fontsize=7)
    return _save(fig, path, provenance)


def distribution_plot(values: npt.ArrayLike, metric_label: str, path: Path | str,
                      discrete: bool = False, mean: float | None = None,
                      ci_low: float | None = None, ci_high: float | None = None,
                      title: str | None = None, provenance: Mapping | None = None) -> Path:
    """Histogram of a metric over runs (one bar per integer if ``discrete``), with the mean
    (given, or that of the values) and, when given, its confidence interval shaded.

    NaN values (runs where the metric is undefined) are left out and counted in the title.

    Raises
    ------
    iadsim.errors.InputError
        No values, or none finite.
    """
    x = _values(values, "distribution plot")
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        raise InputError(f"distribution plot: none of the {x.size} values is finite; allowed: "
                         "one finite value or more")
    fig = Figure(figsize=(8, 4.5), dpi=110)
    ax = fig.subplots()
    if discrete:
        bins = np.arange(np.floor(finite.min()) - 0.5, np.ceil(finite.max()) + 1.5)
    else:
        bins = "auto"
    ax.hist(finite, bins=bins, color="#9ecae1", edgecolor="#08519c", lw=0.6, label="runs")
    m = float(finite.mean()) if mean is None else float(mean)
    if ci_low is not None and ci_high is not None:
        ax.axvspan(float(ci_low), float(ci_high), color="#fdae6b", alpha=0.5,
                   label=f"95 % CI of the mean {float(ci_low):.4g} .. {float(ci_high):.4g}")
    ax.axvline(m, color="#d94801", lw=1.5, label=f"mean {m:.4g}")
    if discrete:
        ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(metric_label)
    ax.set_ylabel("runs")
    dropped = x.size - finite.size
    note = f" ({dropped} run(s) without a value left out)" if dropped else ""
    ax.set_title(title or f"Distribution of {metric_label} over {finite.size} runs{note}",
                 fontsize=10)
    ax.legend(loc="best", fontsize=7)
    return _save(fig, path, provenance)


def saturation_plot(table: pd.DataFrame, x_label: str, y_label: str, path: Path | str,
                    title: str | None = None, provenance: Mapping | None = None) -> Path:
    """Saturation curves (e.g. leakers against raid size): ``mean`` against ``x`` with the band
    ``ci_low`` .. ``ci_high``, one curve per value of ``series`` (if the column is there).

    Raises
    ------
    iadsim.errors.InputError
        An empty table or missing columns.
    """
    _check_table(table, ("x", "mean", "ci_low", "ci_high"), "saturation plot")
    fig = Figure(figsize=(8, 5), dpi=110)
    ax = fig.subplots()
    groups = (table.groupby("series", sort=False) if "series" in table.columns
              else [(None, table)])
    for i, (name, g) in enumerate(groups):
        g = g.sort_values("x")
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        ax.fill_between(g["x"], g["ci_low"], g["ci_high"], color=colour, alpha=0.2, lw=0)
        ax.plot(g["x"], g["mean"], "o-", color=colour, ms=4, lw=1.5,
                label=f"{name} (band: 95 % CI)" if name is not None else "mean (band: 95 % CI)")
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title or f"{y_label} against {x_label}", fontsize=10)
    ax.legend(loc="best", fontsize=7)
    return _save(fig, path, provenance)
