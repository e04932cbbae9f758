"""What a campaign says: estimates with confidence intervals, what drives them, the report.

:func:`summary_table` turns the runs table into estimates, one row per measure: means of the
per-run measures with Student's t interval (or a BCa bootstrap), and proportions of runs (a run
with any leak, a run in which a given asset was reached) with the Wilson interval.
:func:`sensitivity_table` ranks the varied figures by their effect on the leak fraction: by the
sensitivity method the design was sampled for (tornado, Morris, Sobol:
:mod:`iadsim.campaigns.sensitivity`), else, for a space-filling design, by Spearman's rank
correlation over the runs. :func:`write_report` writes ``campaign.md``, the PNGs and the DuckDB
database; :class:`CampaignResult` holds it all for a notebook.

References
----------
.. [1] R. G. Newcombe, "Two-sided confidence intervals for the single proportion", *Statistics
   in Medicine* 17(8), 857-872, 1998 (Wilson interval).
.. [2] S. Marino, I. B. Hogue, C. J. Ray, D. E. Kirschner, "A methodology for performing global
   uncertainty and sensitivity analysis in systems biology", *J. Theor. Biol.* 254(1),
   178-196, 2008 (rank correlation over a Latin hypercube).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from iadsim.analysis.estimates import Interval, mean_ci, proportion_ci
from iadsim.campaigns.design import Factor
from iadsim.campaigns.runner import PROVENANCE, STOP_METRIC
from iadsim.campaigns.store import PARTS, CampaignStore
from iadsim.engine.outcome import metric_columns
from iadsim.io.files import write_text_atomic

__all__ = ["CampaignResult", "summary_table", "sensitivity_table", "write_report",
           "load_campaign", "MEASURES", "SENSITIVITY_METRIC"]

#: Per-run measures a campaign estimates (mean and interval over the runs that have a value).
MEASURES = ("leaked_count", "leaked_fraction", "killed_count", "killed_fraction",
            "missiles_fired_count", "interceptors_per_kill", "wasted_interceptors_count",
            "gun_rounds_count", "first_leak_time_s")
#: The measure the sensitivity analysis ranks the varied figures by.
SENSITIVITY_METRIC = STOP_METRIC

DATABASE = "campaign.duckdb"
REPORT = "campaign.md"


def _mean_row(runs: pd.DataFrame, column: str, method: str, rng) -> dict:
    spec = metric_columns([column])[column]
    x = runs[column].astype(float).to_numpy()
    x = x[np.isfinite(x)]
    row = {"measure": column, "statistic": "mean per run",
           "unit": spec.unit or ("count" if spec.kind == "count" else ""),
           "description": spec.description, "n": int(x.size)}
    if x.size < 2:
        return {**row, "estimate": float(x.mean()) if x.size else math.nan, "low": math.nan,
                "high": math.nan, "method": "too few runs with a value"}
    ci = mean_ci(x, method=method, rng=rng)
    # a t interval may cross a bound the measure cannot (a negative count, a fraction above 1)
    low, high = max(ci.low, 0.0), min(ci.high, 1.0) if column.endswith("_fraction") else ci.high
    return {**row, "estimate": ci.estimate, "low": low, "high": high,
            "method": ci.method + (" (clipped to the measure's range)"
                                   if (low, high) != (ci.low, ci.high) else "")}


def _proportion_row(name: str, description: str, hits: np.ndarray) -> dict:
    ci = proportion_ci(int(hits.sum()), int(hits.size))
    return {"measure": name, "statistic": "fraction of runs", "unit": "1",
            "description": description, "n": ci.n, "estimate": ci.estimate, "low": ci.low,
            "high": ci.high, "method": ci.method}


def summary_table(runs: pd.DataFrame, interval: str = "t",
                  seed: np.random.SeedSequence | None = None) -> pd.DataFrame:
    """Estimates with 95 % intervals, one row per measure.

    ``interval``: ``'t'`` or ``'bootstrap'`` for the means (bootstrap draws from ``seed``, the
    campaign's, so the report is reproducible). Proportions of runs use the Wilson interval.
    Columns: measure, statistic, estimate, low, high, n, method, unit, description.
    """
    rng = np.random.default_rng(seed if seed is not None else np.random.SeedSequence(0))
    rows = [_mean_row(runs, c, interval, rng) for c in MEASURES if c in runs]
    leaked = runs["leaked_count"].to_numpy() > 0
    rows.append(_proportion_row("any_leak", "runs in which at least one threat leaked", leaked))
    for column in runs.columns:
        if column.startswith("leaked_") and column.endswith("_count") and column != "leaked_count":
            asset = column[len("leaked_"):-len("_count")]
            rows.append(_proportion_row(f"asset_reached_{asset}",
                                        f"runs in which a threat reached {asset}",
                                        runs[column].to_numpy() > 0))
    cols = ["measure", "statistic", "estimate", "low", "high", "n", "method", "unit",
            "description"]
    return pd.DataFrame(rows)[cols]


def _factors(manifest: dict) -> list[Factor]:
    return [Factor(**f) for f in manifest["factors"]]


def sensitivity_table(runs: pd.DataFrame, manifest: dict,
                      metric: str = SENSITIVITY_METRIC) -> pd.DataFrame | None:
    """The varied figures ranked by their effect on ``metric`` (``None`` without varied
    figures). Columns depend on the method (see :func:`iadsim.campaigns.sensitivity.analyze`);
    for a Latin hypercube or Sobol design: factor, spearman_rho, p_value, assumed (Spearman's
    rank correlation of the figure with the measure over all runs)."""
    factor_list = _factors(manifest)
    if not factor_list:
        return None
    method = manifest["design"]["sensitivity"] or manifest["design"]["method"]
    if manifest["design"]["sensitivity"]:
        from iadsim.campaigns.sensitivity import analyze

        table = pd.DataFrame(manifest["design"]["points"])
        pivot = runs.pivot(index="point", columns="replication", values=metric)
        pivot = pivot.reindex(table["point"])
        y = pivot.to_numpy(dtype=float)
        if np.isnan(y).any():  # an unfinished campaign: the method needs every point
            return None
        y = y if method == "tornado" else y.mean(axis=1)
        out = analyze(method, table, factor_list, y)
    else:
        rows = []
        for f in factor_list:
            rho, p = stats.spearmanr(runs[f.name].astype(float), runs[metric].astype(float))
            rows.append({"factor": f.name, "spearman_rho": float(rho), "p_value": float(p),
                         "assumed": f.assumed})
        out = pd.DataFrame(rows)
        out = out.reindex(out["spearman_rho"].abs().sort_values(ascending=False,
                                                                kind="stable").index)
        out = out.reset_index(drop=True)
    out.attrs["metric"] = metric
    out.attrs["method"] = method
    return out


@dataclass(frozen=True)
class CampaignResult:
    """A campaign read back: ``runs`` (one row per run), ``summary`` (:func:`summary_table`),
    ``sensitivity`` (:func:`sensitivity_table`, ``None`` without varied figures), ``timings``
    (how each run executed), the ``manifest``, the reference run's ``provenance`` (assumptions,
    sources), the ``directory`` and the report ``files`` written."""

    directory: Path
    manifest: dict
    runs: pd.DataFrame
    summary: pd.DataFrame
    sensitivity: pd.DataFrame | None
    timings: pd.DataFrame
    provenance: dict
    files: list[Path] = field(default_factory=list)

    @property
    def leak_fraction(self) -> Interval:
        """The mean leak fraction and its interval (the headline estimate)."""
        row = self.summary.set_index("measure").loc[STOP_METRIC]
        return Interval(float(row["estimate"]), float(row["low"]), float(row["high"]), 0.95,
                        int(row["n"]), str(row["method"]))


def load_campaign(directory: str | os.PathLike[str], interval: str = "t") -> CampaignResult:
    """Read a campaign directory back (finished or not): runs, estimates, sensitivity."""
    with CampaignStore(directory) as store:
        runs, timings, manifest = store.runs(), store.timings(), store.manifest
    return _result(Path(directory), manifest, runs, timings, interval)


def _result(directory: Path, manifest: dict, runs: pd.DataFrame, timings: pd.DataFrame,
            interval: str, files: list[Path] | None = None) -> CampaignResult:
    prov_path = directory / PROVENANCE
    provenance = json.loads(prov_path.read_text()) if prov_path.exists() else {}
    if runs.empty:
        return CampaignResult(directory, manifest, runs, pd.DataFrame(), None, timings,
                              provenance, files or [])
    seed = np.random.SeedSequence(int(manifest["seed"]["entropy"]), spawn_key=(2**32 - 1,))
    summary = summary_table(runs, interval, seed)
    sensitivity = sensitivity_table(runs, manifest) if len(runs) >= 3 else None
    return CampaignResult(directory, manifest, runs, summary, sensitivity, timings, provenance,
                          files or [])


def _write_duckdb(directory: Path, parts: list[Path], timings: pd.DataFrame) -> Path:
    """``campaign.duckdb``: tables ``runs`` (the Parquet parts) and ``timings``, written to a
    temporary file and renamed into place."""
    import duckdb

    path = directory / DATABASE
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in parts)
        con.execute(f"CREATE TABLE runs AS SELECT * FROM read_parquet([{files}], "
                    "union_by_name = true) ORDER BY point, replication")
        con.register("timings_df", timings)
        con.execute("CREATE TABLE timings AS SELECT * FROM timings_df")
    finally:
        con.close()
    os.replace(tmp, path)
    return path


def _fmt(v: float, unit: str) -> str:
    if not math.isfinite(v):
        return "–"
    if unit in ("1", "count"):
        return f"{v:.3f}" if unit == "1" else f"{v:.2f}"
    return f"{v:,.1f}"


def _markdown(result: CampaignResult, pngs: dict[str, str]) -> str:
    m, runs, s = result.manifest, result.runs, result.summary.set_index("measure")
    name = m["scenario"]["name"]
    lf, lc = s.loc["leaked_fraction"], s.loc["leaked_count"]
    threats = runs["threats_count"]
    n_threats = (f"{int(threats.iloc[0])}" if threats.nunique() == 1
                 else f"{threats.min()}–{threats.max()}")
    lines = [f"# Campaign: {name}", "",
             "A Monte Carlo campaign of a simulation from public, cited figures and the "
             "assumptions listed below; not a prediction of a real engagement.", "",
             f"**{lc['estimate']:.1f} of {n_threats} threats leak per run** (95 % interval "
             f"{lc['low']:.1f}–{lc['high']:.1f}; leak fraction {lf['estimate']:.3f}, "
             f"{lf['low']:.3f}–{lf['high']:.3f}) over **{len(runs)} runs**"
             + (f" at {runs['point'].nunique()} design points of "
                f"{len(m['factors'])} varied figures" if m["factors"] else " (seeds only)")
             + "."]
    mf = s.loc["missiles_fired_count"]
    lines += ["", f"The defence destroyed {s.loc['killed_count', 'estimate']:.1f} threats per "
              f"run and fired {mf['estimate']:.1f} missiles (95 % interval {mf['low']:.1f}–"
              f"{mf['high']:.1f}); {s.loc['wasted_interceptors_count', 'estimate']:.1f} of them "
              "per run flew at threats already destroyed."]
    lines += ["", "## Estimates", "",
              "Means are over runs with Student's t interval (or a BCa bootstrap, as named); "
              "a run is the unit of replication: the threats of one run share radars, "
              "magazines and decisions, so they are not independent trials. Fractions of runs "
              "use the Wilson interval (Newcombe 1998).", "",
              "| measure | statistic | estimate | 95 % interval | runs | interval | unit |",
              "|---|---|---|---|---|---|---|"]
    for measure, r in s.iterrows():
        lines.append(f"| {measure} | {r['statistic']} | {_fmt(r['estimate'], r['unit'])} | "
                     f"{_fmt(r['low'], r['unit'])} – {_fmt(r['high'], r['unit'])} | {r['n']} | "
                     f"{r['method']} | {r['unit']} |")
    lines += ["", "## Convergence", ""]
    target = m.get("target_halfwidth")
    if target is not None:
        reached = lf["high"] - lf["low"] <= 2 * target
        lines.append(f"Sequential stopping: target half-width {target:g} of the leak "
                     f"fraction's 95 % interval, checked every {m['stop']['round_runs']} runs "
                     f"after at least {m['stop']['min_runs']}: "
                     + ("reached" if reached else f"**not reached** within {m['runs']} runs")
                     + f" (half-width {(lf['high'] - lf['low']) / 2:.4f} at {len(runs)} runs).")
    else:
        lines.append(f"Half-width of the leak fraction's 95 % interval after {len(runs)} runs: "
                     f"{(lf['high'] - lf['low']) / 2:.4f}.")
    lines += [f"![running mean]({pngs['convergence']})", f"![distribution]({pngs['distribution']})"]
    lines += ["", "## What drives the answer", ""]
    sens = result.sensitivity
    if sens is None:
        lines.append("No equipment figure was varied: the interval above is the spread over "
                     "seeds only, at the figures listed below. Vary the uncertain figures "
                     "(`--vary NAME`, `--vary-assumed`) to see what they do to it.")
    else:
        lines += _sensitivity_lines(sens)
        if "sensitivity" in pngs:
            lines.append(f"![sensitivity]({pngs['sensitivity']})")
    lines += ["", "## Varied figures", ""]
    if m["factors"]:
        lines += ["| figure | low | nominal | high | distribution | basis |", "|---|---|---|---|---|---|"]
        lines += [f"| {f['name']} | {f['lower']:g} | {f['nominal']:g} | {f['upper']:g} | "
                  f"{f['distribution']} | {'ASSUMED' if f['assumed'] else 'cited'} |"
                  for f in m["factors"]]
    else:
        lines.append("None.")
    lines += ["", "## How the runs were made", "",
              f"- Scenario: {m['scenario']['source'] or name}; figures: {m['figures']['label']}.",
              f"- Design: {m['design']['method'] if m['factors'] else 'replications only'}; "
              f"{m['replications']} replication(s) per design point; seeds "
              f"`SeedSequence({m['seed']['entropy']}, spawn_key=(point, replication))` "
              "(the same replication has the same seed at every design point: common random "
              "numbers).",
              f"- iadsim {m['iadsim_version']}; runs table: `{PARTS}/*.parquet` and "
              f"`{DATABASE}` (tables `runs`, `timings`)."]
    t = result.timings
    if len(t):
        lines.append(f"- Execution: {t['wall_s'].sum():,.0f} s of run time in all, "
                     f"{t['wall_s'].mean():.1f} s per run, on {t['host'].nunique()} host(s), "
                     f"{t['worker'].nunique()} worker process(es); "
                     f"{int((t['attempt'] > 1).sum())} re-executed run(s).")
    lines += ["", "## Assumptions this rests on", ""]
    lines += [f"- {a}" for a in result.provenance.get("assumptions", [])] or ["- (not recorded)"]
    lines += ["", "## Sources", ""]
    lines += [f"- {x.get('title', '')} — <{x.get('url', '')}>"
              for x in result.provenance.get("sources", [])]
    return "\n".join(lines) + "\n"


def _sensitivity_lines(sens: pd.DataFrame) -> list[str]:
    method = sens.attrs.get("method", "")
    metric = sens.attrs.get("metric", SENSITIVITY_METRIC)
    if method in ("lhs", "sobol") and "spearman_rho" in sens:
        method = f"{method} design, Spearman rank correlation"
    score = {"tornado": "swing", "morris": "mu_star", "sobol": "ST"}.get(method, "spearman_rho")
    top = sens.head(3)
    assumed = [r["factor"] for _, r in sens.iterrows() if r["assumed"]][:3]
    lines = [f"Ranked by their effect on the {metric} ({method}: {score}). The three figures "
             "that drive the answer most: " + ", ".join(
                 f"**{r['factor']}** ({score} {r[score]:+.3f})" for _, r in top.iterrows()) + "."]
    if assumed:
        lines.append("The assumed figures among the strongest drivers -- the research list for "
                     "better sources: " + ", ".join(assumed) + ".")
    cols = [c for c in sens.columns if c != "factor"]
    lines += ["", "| figure | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for _, r in sens.iterrows():
        lines.append(f"| {r['factor']} | " + " | ".join(
            f"{r[c]:.4g}" if isinstance(r[c], float) else str(r[c]) for c in cols) + " |")
    return lines


def write_report(store: CampaignStore, interval: str = "t") -> CampaignResult:
    """Write ``campaign.md``, its PNGs and ``campaign.duckdb`` into the campaign directory;
    returns the :class:`CampaignResult` with the files written."""
    from iadsim.plot import campaign as plots

    directory = store.directory
    result = _result(directory, store.manifest, store.runs(), store.timings(), interval)
    if result.runs.empty:
        return result
    files: list[Path] = []
    runs = result.runs
    x = runs[STOP_METRIC].astype(float).to_numpy()
    lo, hi = np.full(x.size, np.nan), np.full(x.size, np.nan)
    for i in range(1, x.size):
        ci = mean_ci(x[: i + 1])
        lo[i], hi[i] = ci.low, ci.high
    pngs = {"convergence": "convergence.png", "distribution": "distribution.png"}
    files.append(plots.convergence_plot(x, lo, hi, "leak fraction (mean over runs)",
                                        directory / pngs["convergence"]))
    files.append(plots.distribution_plot(runs["leaked_count"].to_numpy(), "threats leaked per run",
                                         directory / pngs["distribution"], True,
                                         *_count_interval(result)))
    sens = result.sensitivity
    if sens is not None:
        method = sens.attrs["method"]
        plot = ({"tornado": plots.tornado_plot, "morris": plots.morris_plot,
                 "sobol": plots.sobol_plot}.get(method)
                if result.manifest["design"]["sensitivity"] else None)
        if plot is not None:
            pngs["sensitivity"] = f"{method}.png"
            files.append(plot(sens, "leak fraction", directory / pngs["sensitivity"]))
    files.append(_write_duckdb(directory, [directory / PARTS / p for p in
                                           sorted(os.listdir(directory / PARTS))], result.timings))
    files.append(write_text_atomic(directory / REPORT, _markdown(result, pngs)))
    return CampaignResult(result.directory, result.manifest, runs, result.summary, sens,
                          result.timings, result.provenance, files)


def _count_interval(result: CampaignResult) -> tuple[float, float, float]:
    row = result.summary.set_index("measure").loc["leaked_count"]
    return float(row["estimate"]), float(row["low"]), float(row["high"])
