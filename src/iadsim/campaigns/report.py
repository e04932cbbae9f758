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

from iadsim.analysis.estimates import Interval, mean_ci, proportion_ci, runs_for_halfwidth
from iadsim.campaigns.costs import COSTS_FILE, Costs, cost_exchange
from iadsim.campaigns.design import Factor
from iadsim.campaigns.runner import PROVENANCE, STOP_METRIC
from iadsim.campaigns.store import PARTS, CampaignStore
from iadsim.engine.outcome import metric_columns
from iadsim.io.files import write_text_atomic

__all__ = ["CampaignResult", "summary_table", "comparison_table", "sensitivity_table",
           "write_report",
           "load_campaign", "MEASURES", "SENSITIVITY_METRIC"]

#: Per-run measures a campaign estimates (mean and interval over the runs that have a value).
MEASURES = ("leaked_count", "leaked_fraction", "killed_count", "killed_fraction",
            "missiles_fired_count", "interceptors_per_kill", "missiles_at_decoys_count",
            "interceptors_per_real_kill", "wasted_interceptors_count", "gun_rounds_count",
            "first_leak_time_s", "arms_launched_count", "radars_destroyed_count",
            "missiles_at_arms_count", "arms_shot_down_count")
#: Measures reported only when the campaign's runs show what they are about (a nonzero count
#: of the key in some run): the decoys' (missiles at decoys) and the SEAD fight's (ARMs
#: launched, radars destroyed, missiles at ARMs, ARMs shot down). Elsewhere they would be
#: zeros and copies of other rows.
CONDITIONAL_MEASURES = {
    "missiles_at_decoys_count": ("missiles_at_decoys_count",),
    "interceptors_per_real_kill": ("missiles_at_decoys_count",),
    **{m: ("arms_launched_count", "radars_destroyed_count")
       for m in ("arms_launched_count", "radars_destroyed_count", "missiles_at_arms_count",
                 "arms_shot_down_count")},
}
#: The measure the sensitivity analysis ranks the varied figures by.
SENSITIVITY_METRIC = STOP_METRIC

DATABASE = "campaign.duckdb"
REPORT = "campaign.md"
#: What each compared deployment covers (``iadsim compare``), read into the report.
COVERAGE_AREAS = "coverage_areas.csv"


def _reported(runs: pd.DataFrame, measure: str) -> bool:
    """Whether a measure is reported (:data:`CONDITIONAL_MEASURES`)."""
    keys = CONDITIONAL_MEASURES.get(measure)
    return keys is None or any(k in runs and bool((runs[k].to_numpy(float) > 0).any())
                               for k in keys)


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
    """Estimates with 95 % intervals, one row per alternative and measure.

    ``interval``: ``'t'`` or ``'bootstrap'`` for the means (bootstrap draws from ``seed``, the
    campaign's, so the report is reproducible). Proportions of runs use the Wilson interval.
    Columns: alternative, measure, statistic, estimate, low, high, n, method, unit,
    description.
    """
    rng = np.random.default_rng(seed if seed is not None else np.random.SeedSequence(0))
    shown = [c for c in MEASURES if c in runs and _reported(runs, c)]
    rows = []
    for alt, part in runs.groupby("alternative", sort=True):
        alt_rows = [_mean_row(part, c, interval, rng) for c in shown]
        leaked = part["leaked_count"].to_numpy() > 0
        alt_rows.append(_proportion_row("any_leak", "runs in which at least one threat leaked",
                                        leaked))
        for column in part.columns:
            if (column.startswith("leaked_") and column.endswith("_count")
                    and column != "leaked_count"):
                asset = column[len("leaked_"):-len("_count")]
                alt_rows.append(_proportion_row(f"asset_reached_{asset}",
                                                f"runs in which a threat reached {asset}",
                                                part[column].to_numpy() > 0))
        rows += [{"alternative": int(alt), **r} for r in alt_rows]
    cols = ["alternative", "measure", "statistic", "estimate", "low", "high", "n", "method",
            "unit", "description"]
    return pd.DataFrame(rows)[cols]


#: Measures compared between alternatives (paired by design point and replication).
COMPARED = ("leaked_count", "leaked_fraction", "killed_count", "missiles_fired_count",
            "wasted_interceptors_count")


def comparison_table(runs: pd.DataFrame) -> pd.DataFrame | None:
    """Paired differences of every alternative from the first (``None`` with one alternative).

    Runs are paired by design point and replication -- the same seeds (common random numbers)
    -- and the difference ``alternative - first`` is averaged with its 95 % t interval. Columns:
    alternative, measure, difference, low, high, pairs, variance_ratio: the variance of the
    paired differences over the sum of the two alternatives' variances (what independent runs
    would give); below 1 the common random numbers narrowed the interval (Law 2015, §11.2).
    """
    alts = sorted(runs["alternative"].unique())
    if len(alts) < 2:
        return None
    keys = ["design_point", "replication"]
    first = runs[runs["alternative"] == alts[0]].set_index(keys)
    rows = []
    for alt in alts[1:]:
        other = runs[runs["alternative"] == alt].set_index(keys)
        both = first.join(other, how="inner", suffixes=("_a", "_b"))
        for m in COMPARED:
            a, b = both[f"{m}_a"].to_numpy(float), both[f"{m}_b"].to_numpy(float)
            d = b - a
            row = {"alternative": int(alt), "measure": m, "pairs": int(d.size)}
            if d.size < 2:
                rows.append({**row, "difference": math.nan, "low": math.nan, "high": math.nan,
                             "variance_ratio": math.nan})
                continue
            ci = mean_ci(d)
            independent = a.var(ddof=1) + b.var(ddof=1)
            rows.append({**row, "difference": ci.estimate, "low": ci.low, "high": ci.high,
                         "variance_ratio": (d.var(ddof=1) / independent if independent > 0
                                            else math.nan)})
    return pd.DataFrame(rows)[["alternative", "measure", "difference", "low", "high", "pairs",
                               "variance_ratio"]]


def _factors(manifest: dict) -> list[Factor]:
    return [Factor(**f) for f in manifest["factors"]]


def sensitivity_table(runs: pd.DataFrame, manifest: dict,
                      metric: str = SENSITIVITY_METRIC) -> pd.DataFrame | None:
    """The varied figures ranked by their effect on ``metric`` (``None`` without varied
    figures, or before a sensitivity design has a value at every point). Columns depend on the
    method (see :func:`iadsim.campaigns.sensitivity.analyze`); for a Latin hypercube or Sobol
    design: factor, spearman_rho, p_value, assumed (Spearman's rank correlation of the figure
    with the measure over the runs of the first alternative)."""
    factor_list = _factors(manifest)
    if not factor_list:
        return None
    runs = runs[runs["alternative"] == 0]
    sampled = manifest["design"]["sensitivity"]
    if sampled:
        from iadsim.campaigns.sensitivity import analyze

        points = pd.DataFrame(manifest["design"]["points"])
        table = points[points["alternative"] == 0].drop(
            columns=["alternative", "seed_stream"]).rename(columns={"design_point": "point"})
        pivot = runs.pivot(index="design_point", columns="replication", values=metric)
        y = pivot.reindex(table["point"]).to_numpy(dtype=float)
        if np.isnan(y).any():  # an unfinished campaign: the method needs every point
            return None
        out = analyze(sampled, table.reset_index(drop=True), factor_list,
                      y if sampled == "tornado" else y.mean(axis=1))
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
    out.attrs["method"] = sampled or manifest["design"]["method"]
    return out


@dataclass(frozen=True)
class CampaignResult:
    """A campaign read back: ``runs`` (one row per run), ``summary`` (:func:`summary_table`),
    ``sensitivity`` (:func:`sensitivity_table`, ``None`` without varied figures),
    ``comparison`` (:func:`comparison_table`, ``None`` with one alternative), ``timings``
    (how each run executed), the ``manifest``, the reference run's ``provenance`` (assumptions,
    sources), the ``directory`` and the report ``files`` written."""

    directory: Path
    manifest: dict
    runs: pd.DataFrame
    summary: pd.DataFrame
    sensitivity: pd.DataFrame | None
    comparison: pd.DataFrame | None
    timings: pd.DataFrame
    provenance: dict
    files: list[Path] = field(default_factory=list)

    def estimates(self, alternative: int = 0) -> pd.DataFrame:
        """The summary rows of one alternative, indexed by measure."""
        return self.summary[self.summary["alternative"] == alternative].set_index("measure")

    @property
    def leak_fraction(self) -> Interval:
        """The mean leak fraction and its interval (the headline estimate; the first
        alternative's)."""
        row = self.estimates().loc[STOP_METRIC]
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
        return CampaignResult(directory, manifest, runs, pd.DataFrame(), None, None, timings,
                              provenance, files or [])
    seed = np.random.SeedSequence(int(manifest["seed"]["entropy"]), spawn_key=(2**32 - 1,))
    summary = summary_table(runs, interval, seed)
    sensitivity = sensitivity_table(runs, manifest) if len(runs) >= 3 else None
    return CampaignResult(directory, manifest, runs, summary, sensitivity,
                          comparison_table(runs), timings, provenance, files or [])


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


def alternative_label(manifest: dict, alternative: int) -> str:
    """An alternative as reports name it: its settings (``raid.size=40, salvo=1``), or its
    scenario's name when it is another scenario; ``'as given'`` for the only one."""
    alt = manifest["alternatives"][alternative]
    if list(alt["settings"]) == ["scenario"]:  # iadsim compare: the scenario file
        return str(alt["settings"]["scenario"])
    if alt["settings"]:
        return ", ".join(f"{k}={v}" for k, v in alt["settings"].items())
    if "scenario" in alt:
        return str(alt["scenario"]["name"])
    return manifest["scenario"]["name"] if len(manifest["alternatives"]) > 1 else "as given"


def _alternatives_lines(result: CampaignResult, pngs: dict[str, str]) -> list[str]:
    m, summary, comp = result.manifest, result.summary, result.comparison
    lines = ["", "## Alternatives compared", "",
             f"{len(m['alternatives'])} alternatives, each run with the same seeds (common random "
             "numbers): per alternative, the mean per run with its 95 % interval.", "",
             "| alternative | threats leaked | missiles fired | interceptors per kill | runs with a "
             "leak |", "|---|---|---|---|---|"]
    for alt, part in summary.groupby("alternative", sort=True):
        s = part.set_index("measure")

        def cell(measure, digits=1, s=s):
            r = s.loc[measure]
            if not math.isfinite(r["estimate"]):
                return "–"
            return (f"{r['estimate']:.{digits}f} ({r['low']:.{digits}f}–{r['high']:.{digits}f})"
                    if math.isfinite(r["low"]) else f"{r['estimate']:.{digits}f}")

        lines.append(f"| {alternative_label(m, int(alt))} | {cell('leaked_count')} | "
                     f"{cell('missiles_fired_count')} | {cell('interceptors_per_kill', 2)} | "
                     f"{cell('any_leak', 2)} |")
    if "saturation" in pngs:
        lines.append(f"\n![saturation]({pngs['saturation']})")
    first = alternative_label(m, 0)
    lines += ["", f"Paired differences from the first alternative ({first}), over runs with "
              "the same seeds; the variance ratio is the paired differences' variance over "
              "that of independent runs (below 1: the common random numbers narrowed the "
              "interval).", "",
              "| alternative | measure | difference | 95 % interval | pairs | variance ratio |",
              "|---|---|---|---|---|---|"]
    for _, r in comp.iterrows():
        lines.append(f"| {alternative_label(m, int(r['alternative']))} | {r['measure']} | "
                     f"{r['difference']:+.3f} | {r['low']:+.3f} – {r['high']:+.3f} | "
                     f"{r['pairs']} | {r['variance_ratio']:.2f} |")
    areas_path = result.directory / COVERAGE_AREAS
    if areas_path.exists():
        areas = pd.read_csv(areas_path)
        names = list(dict.fromkeys(areas["scenario"]))
        lines += ["", "What each deployment covers (computed, not sampled: no interval): the area "
                  "where the radars detect the reference target (combined Pd >= 0.5) and where a "
                  "missile can engage it, km², at its nominal RCS and each altitude above "
                  "ground.", "",
                  "| target | altitude AGL (m) | " + " | ".join(
                      f"{n} detected | {n} engageable" for n in names) + " |",
                  "|---|---|" + "---|---|" * len(names)]
        for (target, alt), g in areas.groupby(["target", "altitude_agl_m"], sort=False):
            g = g.set_index("scenario")
            lines.append(f"| {target} | {alt:g} | " + " | ".join(
                f"{g.loc[n, 'detected_km2']:,.0f} | {g.loc[n, 'engageable_km2']:,.0f}"
                for n in names) + " |")
    return lines


def _markdown(result: CampaignResult, pngs: dict[str, str]) -> str:
    m, runs = result.manifest, result.runs
    s = result.estimates()
    runs0 = runs[runs["alternative"] == 0]
    name = m["scenario"]["name"]
    lf, lc = s.loc["leaked_fraction"], s.loc["leaked_count"]
    threats = runs0["threats_count"]
    n_threats = (f"{int(threats.iloc[0])}" if threats.nunique() == 1
                 else f"{threats.min()}–{threats.max()}")
    several = len(m["alternatives"]) > 1
    compared = [alternative_label(m, i) for i in range(len(m["alternatives"]))]
    title = (f"Comparison: {' vs '.join(compared)}"
             if any("scenario" in a["settings"] for a in m["alternatives"]) else f"Campaign: {name}")
    lines = [f"# {title}", "",
             "A Monte Carlo campaign of a simulation from public, cited figures and the "
             "assumptions listed below; not a prediction of a real engagement.", "",
             f"**{lc['estimate']:.1f} of {n_threats} threats leak per run** (95 % interval "
             f"{lc['low']:.1f}–{lc['high']:.1f}; leak fraction {lf['estimate']:.3f}, "
             f"{lf['low']:.3f}–{lf['high']:.3f}) over **{len(runs0)} runs**"
             + (f" at {runs0['design_point'].nunique()} design points of "
                f"{len(m['factors'])} varied figures" if m["factors"] else " (seeds only)")
             + (f" of the first of {len(m['alternatives'])} alternatives "
                f"({alternative_label(m, 0)}; all compared below)" if several else "") + "."]
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
              "| " + ("alternative | " if several else "") + "measure | statistic | estimate | "
              "95 % interval | runs | interval | unit |",
              "|---|---|---|---|---|---|---|" + ("---|" if several else "")]
    for _, r in result.summary.iterrows():
        lines.append("| " + (f"{alternative_label(m, int(r['alternative']))} | " if several else "")
                     + f"{r['measure']} | {r['statistic']} | {_fmt(r['estimate'], r['unit'])} | "
                     f"{_fmt(r['low'], r['unit'])} – {_fmt(r['high'], r['unit'])} | {r['n']} | "
                     f"{r['method']} | {r['unit']} |")
    if several:
        lines += _alternatives_lines(result, pngs)
    lines += _cost_lines(result)
    lines += ["", "## Convergence", ""]
    target = m.get("target_halfwidth")
    if target is not None:
        reached = lf["high"] - lf["low"] <= 2 * target
        lines.append(f"Sequential stopping: target half-width {target:g} of the leak "
                     f"fraction's 95 % interval, checked every {m['stop']['round_runs']} runs "
                     f"after at least {m['stop']['min_runs']}: "
                     + ("reached" if reached else f"**not reached** within {m['runs']} runs")
                     + f" (half-width {(lf['high'] - lf['low']) / 2:.4f} at {len(runs0)} runs"
                     + (" of the first alternative" if several else "") + ").")
    else:
        lines.append(f"Half-width of the leak fraction's 95 % interval after {len(runs0)} runs: "
                     f"{(lf['high'] - lf['low']) / 2:.4f}.")
    lines.append(f"Planning: a fraction of runs (e.g. runs with a leak) is known to ±0.05 after "
                 f"{runs_for_halfwidth(0.05):,} runs and to ±0.03 after {runs_for_halfwidth(0.03):,} "
                 "in the worst case (p = 0.5); `--target-halfwidth` stops as soon as the leak "
                 "fraction's interval is narrow enough.")
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
              f"`SeedSequence({m['seed']['entropy']}, spawn_key=(seed_stream, replication))`: "
              + ("every point of the sensitivity design shares the stream (common random "
                 "numbers)" if m["design"]["sensitivity"] else
                 "each design point of the varied figures has its own stream"
                 if m["factors"] else "one stream")
              + ("; the alternatives share them (common random numbers)." if several else "."),
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


def _settled(sens: pd.DataFrame, method: str) -> pd.Series:
    """Which figures' effects are told apart from chance at 95 %: Spearman's p < 0.05, a
    tornado swing whose paired interval excludes 0, Morris mu* or Sobol ST above its bootstrap
    half-width."""
    if "spearman_rho" in sens:
        return sens["p_value"] < 0.05
    if method == "tornado":
        return (sens["swing_ci_low"] > 0) if "swing_ci_low" in sens else pd.Series(False, sens.index)
    if method == "morris":
        return sens["mu_star"] - sens["mu_star_conf"] > 0
    return sens["ST"] - sens["ST_conf"] > 0


def _cost_lines(result: CampaignResult) -> list[str]:
    """The cost-exchange section when the campaign has a costs file."""
    path = result.directory / COSTS_FILE
    if not path.exists():
        return []
    costs = Costs.model_validate_json(path.read_text())
    table = cost_exchange(result.runs, costs)
    m = result.manifest
    cur = costs.currency + (f" ({costs.price_year})" if costs.price_year else "")
    lines = ["", "## Cost exchange", "",
             f"Interceptors fired against threats destroyed, at the unit costs below ({cur}): "
             "the defence's spend per run over the value it destroyed (above 1 it spends more "
             "than it destroys); mean per-run ratio with its 95 % t interval at nominal costs, "
             "and the ratio of the means at the costs' extremes.", "",
             "| alternative | spend per run | value destroyed per run | ratio (95 % interval) "
             "| ratio, costs' extremes |", "|---|---|---|---|---|"]
    for _, r in table.iterrows():
        lines.append(f"| {alternative_label(m, int(r['alternative']))} | {r['spend']:,.0f} | "
                     f"{r['value_destroyed']:,.0f} | {r['ratio']:.2f} ({r['low']:.2f}–"
                     f"{r['high']:.2f}) | {r['ratio_best']:.2f}–{r['ratio_worst']:.2f} |")
    lines += ["", "| item | low | nominal | high | basis |", "|---|---|---|---|---|"]
    for c in costs.costs:
        basis = ("ASSUMED: " + (c.reasoning or "")) if c.assumed else "; ".join(
            f"{s.title} <{s.url}>" for s in c.sources)
        lines.append(f"| {c.item} | {c.range[0]:,.0f} | {c.nominal:,.0f} | {c.range[1]:,.0f} | "
                     f"{basis} |")
    return lines


def _sensitivity_lines(sens: pd.DataFrame) -> list[str]:
    method = sens.attrs.get("method", "")
    metric = sens.attrs.get("metric", SENSITIVITY_METRIC)
    label = (f"{method} design, Spearman rank correlation" if "spearman_rho" in sens
             else method)
    score = "spearman_rho" if "spearman_rho" in sens else {
        "tornado": "swing", "morris": "mu_star", "sobol": "ST"}[method]
    settled = _settled(sens, method)
    top = sens.head(3)
    lines = [f"Ranked by their effect on the {metric} ({label}: {score}). The three figures "
             "that drive the answer most: " + ", ".join(
                 f"**{r['factor']}** ({score} {r[score]:+.3f})" for _, r in top.iterrows()) + "."]
    if settled.any():
        lines.append("Told apart from chance at 95 %: "
                     + ", ".join(sens.loc[settled, "factor"]) + ".")
    else:
        lines.append("None of these effects is told apart from chance at 95 % yet: the ranking "
                     "is a hint, more runs (or a sensitivity design) will settle it.")
    assumed = [r["factor"] for _, r in sens.iterrows() if r["assumed"]][:3]
    if assumed:
        lines.append("The assumed figures among the strongest drivers -- the research list for "
                     "better sources: " + ", ".join(assumed) + ".")
    cols = [c for c in sens.columns if c != "factor"]
    lines += ["", "| figure | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for _, r in sens.iterrows():
        lines.append(f"| {r['factor']} | " + " | ".join(
            f"{r[c]:.4g}" if isinstance(r[c], float) else str(r[c]) for c in cols) + " |")
    return lines


def _running_interval(x: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The t interval of the mean of the first 1, 2, ... values (NaN after the first): the
    convergence band, from running sums in one pass."""
    n = np.arange(1, x.size + 1, dtype=float)
    mean = np.cumsum(x) / n
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.maximum(np.cumsum((x - mean[-1]) ** 2) - n * (mean - mean[-1]) ** 2, 0.0) / (n - 1)
        half = stats.t.ppf(0.5 + confidence / 2.0, n - 1) * np.sqrt(var / n)
    return mean - half, mean + half


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
    x = runs.loc[runs["alternative"] == 0, STOP_METRIC].astype(float).to_numpy()
    lo, hi = np.clip(_running_interval(x), 0.0, 1.0)  # a fraction, as in the summary
    pngs = {"convergence": "convergence.png", "distribution": "distribution.png"}
    files.append(plots.convergence_plot(x, lo, hi, "leak fraction (mean over runs)",
                                        directory / pngs["convergence"]))
    leaked = result.estimates().loc["leaked_count"]
    files.append(plots.distribution_plot(
        runs.loc[runs["alternative"] == 0, "leaked_count"].to_numpy(), "threats leaked per run",
        directory / pngs["distribution"], True, leaked["estimate"], leaked["low"], leaked["high"]))
    sens = result.sensitivity
    if sens is not None:
        method = sens.attrs["method"]
        plot = ({"tornado": plots.tornado_plot, "morris": plots.morris_plot,
                 "sobol": plots.sobol_plot}.get(method)
                if result.manifest["design"]["sensitivity"] else None)
        if plot is not None:
            pngs["sensitivity"] = f"{method}.png"
            files.append(plot(sens, "leak fraction", directory / pngs["sensitivity"]))
    curves = _saturation(result)
    if curves is not None:
        pngs["saturation"] = "saturation.png"
        files.append(plots.saturation_plot(
            curves, curves.attrs["x_label"], "per run (mean, 95 % interval)",
            directory / pngs["saturation"],
            title=f"Threats leaked and missiles fired per run against {curves.attrs['x_label']}"))
    files.append(_write_duckdb(directory, [directory / PARTS / p for p in
                                           sorted(os.listdir(directory / PARTS))], result.timings))
    files.append(write_text_atomic(directory / REPORT, _markdown(result, pngs)))
    return CampaignResult(result.directory, result.manifest, runs, result.summary, sens,
                          result.comparison, result.timings, result.provenance, files)


def _saturation(result: CampaignResult) -> pd.DataFrame | None:
    """Leakers and missiles fired against the value of a single numeric sweep (a saturation
    curve against ``raid.size``), or ``None``."""
    alts = result.manifest["alternatives"]
    names = {k for a in alts for k in a["settings"]}
    if len(alts) < 2 or len(names) != 1:
        return None
    (name,) = names
    xs = [a["settings"][name] for a in alts]
    if not all(isinstance(v, int | float) for v in xs):
        return None
    rows = []
    for measure, label in (("leaked_count", "threats leaked"),
                           ("missiles_fired_count", "missiles fired")):
        part = result.summary[result.summary["measure"] == measure].set_index("alternative")
        rows += [{"x": xs[a], "mean": part.loc[a, "estimate"], "ci_low": part.loc[a, "low"],
                  "ci_high": part.loc[a, "high"], "series": label} for a in range(len(alts))]
    table = pd.DataFrame(rows)
    table.attrs["x_label"] = name
    return table
