"""The campaign entry point of the notebook surface and the CLI: options in, report out.

:func:`campaign` turns the user's options (which figures vary, how, how many runs, when to stop)
into a :class:`~iadsim.campaigns.runner.CampaignSpec`, runs or resumes it
(:func:`~iadsim.campaigns.runner.run_campaign`) and writes the report
(:func:`~iadsim.campaigns.report.write_report`). Every option is checked before the first run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from iadsim.campaigns.costs import COSTS_FILE, Costs, check_priced, load_costs
from iadsim.campaigns.design import DISTRIBUTIONS, assumed_factors, factors
from iadsim.analysis.coverage import cell_area_m2, scenario_coverage
from iadsim.analysis.estimates import MEAN_METHODS
from iadsim.analysis.report import covered_area_km2
from iadsim.campaigns.executor import Alternative
from iadsim.campaigns.report import COVERAGE_AREAS, CampaignResult, write_report
from iadsim.campaigns.runner import (
    CampaignSpec,
    Progress,
    alternative_world,
    check_points,
    run_campaign,
)
from iadsim.campaigns.sensitivity import SENSITIVITY_METHODS, runs_needed, sample
from iadsim.campaigns.sweep import alternatives, parse_sweep
from iadsim.engine.engagement import EngagementConfig
from iadsim.engine.world import World
from iadsim.errors import InputError
from iadsim.io.files import write_text_atomic
from iadsim.scenario.figures import Figures
from iadsim.scenario.schema import Scenario

__all__ = ["campaign", "compare", "coverage_areas", "DEFAULT_SAMPLES"]

#: Default sample size N of a sensitivity method (Morris trajectories, Sobol base size).
DEFAULT_SAMPLES = {"tornado": 1, "morris": 10, "sobol": 64}


def campaign(scenario: Scenario, out_dir: str | os.PathLike[str], *, runs: int = 100,
             vary: Sequence[str] = (), vary_assumed: bool = False, sweep: Sequence[str] = (),
             distribution: str = "uniform", design: str = "lhs", replications: int | None = None,
             sensitivity: str | None = None, samples: int | None = None,
             target_halfwidth: float | None = None, seed: int | None = None,
             figures: str | Figures = "nominal", config: EngagementConfig | None = None,
             dem: str | os.PathLike[str] | None = None, workers: int | None = None,
             scheduler: str | None = None, progress: Callable[[Progress], None] | None = None,
             interval: str = "t", replace: bool = False,
             costs: str | os.PathLike[str] | None = None,
             batch_size: int | None = None) -> CampaignResult:
    """Run (or resume) a campaign of ``scenario`` into ``out_dir`` and write its report.

    Parameters
    ----------
    runs : int
        Runs of each alternative; with ``target_halfwidth`` the most. With varied figures every
        run is a design point unless ``replications`` > 1.
    vary : sequence of str
        Figures to vary over their library low-high range (``"48N6E3.max_range_km"``).
    vary_assumed : bool
        Also vary every assumed figure (with a range) of the equipment the scenario uses.
    sweep : sequence of str
        ``NAME=LEVELS`` (``raid.size=10..200:10``, ``salvo=1,2``, a figure): the alternatives
        compared, the grid of the levels (:mod:`iadsim.campaigns.sweep`), with common random
        numbers and paired differences from the first.
    distribution : {'uniform', 'triangular'}
        Between low and high (triangular: mode at the nominal value).
    design : {'lhs', 'sobol'}
        Latin hypercube or scrambled Sobol points.
    replications : int, optional
        Runs per design point (default 1; a sensitivity method: 1).
    sensitivity : {'tornado', 'morris', 'sobol'}, optional
        Sample the varied figures for this method instead of a space-filling design and rank
        them by it (:mod:`iadsim.campaigns.sensitivity`); ``runs`` is then the method's sample
        size times ``replications``.
    samples : int, optional
        The method's N (Morris trajectories, Sobol base size, a power of two); default
        :data:`DEFAULT_SAMPLES`.
    target_halfwidth : float, optional
        Sequential stopping on the leak fraction's 95 % interval.
    seed : int, optional
        Seed entropy (default: the scenario's seed).
    figures, config, dem
        As :func:`iadsim.run`.
    workers : int, optional
        Local worker processes (default: all cores); ignored with ``scheduler``.
    scheduler : str, optional
        A Dask distributed scheduler (``tcp://HOST:PORT``) to run on instead
        (:class:`iadsim.campaigns.dask.DaskExecutor`).
    batch_size : int, optional
        Runs per Dask task (default 1), only with ``scheduler``: larger batches for short runs
        on many workers, fewer tasks for the scheduler.
    progress : callable, optional
        Called with a :class:`~iadsim.campaigns.runner.Progress` after each commit.
    interval : {'t', 'bootstrap'}
        Interval of the means in the report.
    replace : bool
        Start afresh if ``out_dir`` holds a different campaign (else an error).
    costs : path, optional
        A costs file (:mod:`iadsim.campaigns.costs`): the report adds the cost-exchange ratio.

    Raises
    ------
    InputError
        Any bad option, before the first run: unknown figure (closest names), a figure without
        a range, a sensitivity method without varied figures, ...
    """
    figs = Figures.of(figures)
    prices = None if costs is None else load_costs(costs)
    if distribution not in DISTRIBUTIONS:
        raise InputError(f"--distribution {distribution!r}: allowed values are "
                         f"{', '.join(DISTRIBUTIONS)}")
    if sensitivity is not None and sensitivity not in SENSITIVITY_METHODS:
        raise InputError(f"--sensitivity {sensitivity!r}: allowed values are "
                         f"{', '.join(SENSITIVITY_METHODS)}")
    _check_interval(interval)
    _check_batch_size(batch_size, scheduler)
    factor_list = factors(vary, figs, distribution)
    cfg = config or EngagementConfig()
    sweeps = [parse_sweep(text, scenario, figs) for text in sweep]
    if sweeps and sensitivity is not None:
        raise InputError(f"--sensitivity {sensitivity} with --sweep: allowed: one of them (run "
                         "the sensitivity campaign per alternative)")
    alts = alternatives(scenario, cfg, sweeps) if sweeps else None
    if sensitivity is not None and not (factor_list or vary_assumed):
        raise InputError(f"--sensitivity {sensitivity}: no varied figure; allowed: with "
                         "--vary NAME (repeat) or --vary-assumed")

    def first_world():
        return alternative_world(alts[0] if alts else Alternative(scenario, cfg), figs,
                                 None if dem is None else str(Path(dem)))

    world = None
    if vary_assumed:  # the equipment the scenario uses: its World's figures
        world = first_world()
        items = sorted({f["name"].partition(".")[0] for f in world.provenance.figures})
        named = {f.name for f in factor_list}
        factor_list += [f for f in assumed_factors(figs, distribution, items) if f.name not in named]
        if not factor_list:
            raise InputError("--vary-assumed: the scenario's equipment has no assumed figure with "
                             "a low-high range; allowed: --vary NAME")
    spec_table = None
    entropy = int(scenario.seed if seed is None else seed)
    reps = 1 if replications is None else replications
    if sensitivity is not None:
        n = DEFAULT_SAMPLES[sensitivity] if samples is None else samples
        spec_table = sample(sensitivity, factor_list, n,
                            np.random.SeedSequence(entropy, spawn_key=(2**32 - 2,)))
        runs = runs_needed(sensitivity, len(factor_list), n) * reps
    spec = CampaignSpec(scenario, figs, tuple(factor_list), design, runs, reps, seed, cfg,
                        target_halfwidth, None if dem is None else str(Path(dem)), spec_table,
                        sensitivity, alts)
    check_points(spec, spec.points())  # before the first build
    world = world or first_world()
    hooks = _priced(prices, [world], out_dir)
    return _run(spec, out_dir, workers, (scheduler, batch_size), progress, world, interval,
                replace, hooks)


def _check_interval(interval: str) -> None:
    if interval not in MEAN_METHODS:
        raise InputError(f"--interval {interval!r}: allowed values are {', '.join(MEAN_METHODS)}")


def _check_batch_size(batch_size: int | None, scheduler: str | None) -> None:
    if batch_size is None:
        return
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or (
            batch_size < 1):
        raise InputError(f"--batch-size {batch_size!r}: allowed values are integers >= 1")
    if scheduler is None:
        raise InputError(f"--batch-size {batch_size}: runs per Dask task; allowed only with "
                         "--scheduler tcp://HOST:PORT (local workers take one run at a time)")


def _priced(prices: Costs | None, worlds: Sequence[World], out_dir) -> list[Callable[[], None]]:
    """Check that ``prices`` price the Worlds' missiles and threats (before any run) and return
    the hook that writes them for the report."""
    if prices is None:
        return []
    check_priced(prices, {f["name"].partition(".")[0] for w in worlds
                          for f in w.provenance.figures})

    def write() -> None:
        write_text_atomic(Path(out_dir) / COSTS_FILE, prices.model_dump_json(indent=1) + "\n")

    return [write]


def _run(spec: CampaignSpec, out_dir, workers: int | None,
         dask: tuple[str | None, int | None], progress, world, interval: str, replace: bool,
         before_report: Sequence[Callable[[], None]] = ()) -> CampaignResult:
    """Run ``spec`` on the local pool or on a Dask cluster (``dask``: its scheduler address,
    ``None`` for the local pool, and the runs per task), then write the report
    (``before_report``: writers of more outputs the report reads)."""
    executor = None
    scheduler, batch_size = dask
    if scheduler is not None:
        from iadsim.campaigns.dask import DaskExecutor

        def executor(payload):
            return DaskExecutor(payload, scheduler, batch_size or 1)

    n_workers = (os.cpu_count() or 1) if workers is None else workers
    store = run_campaign(spec, out_dir, n_workers, progress, executor, world=world,
                         replace=replace)
    try:
        for hook in before_report:
            hook()
        return write_report(store, interval)
    finally:
        store.close()


#: Target altitudes (m above ground) and reference targets of a comparison's coverage table.
COMPARE_ALTITUDES_M = (50.0, 500.0, 10_000.0)
COMPARE_TARGETS = ("F-16C", "Tomahawk")
#: Grid spacing of a comparison's coverage, m.
COMPARE_RESOLUTION_M = 5000.0


def coverage_areas(scenario: Scenario, figures: Figures, dem: str | None = None,
                   resolution_m: float = COMPARE_RESOLUTION_M) -> pd.DataFrame:
    """What a deployment covers: per reference target (its nominal RCS) and altitude above
    ground, the area (km²) where the radars detect it (combined Pd >= 0.5) and where a missile
    can engage it (:func:`iadsim.analysis.coverage.coverage`). Columns: target, rcs_dbsm,
    altitude_agl_m, detected_km2, engageable_km2."""
    rows = []
    for target in COMPARE_TARGETS:
        rcs = figures[f"{target}.rcs_dbsm"]
        ds = scenario_coverage(scenario, COMPARE_ALTITUDES_M, rcs, resolution_m,
                               figure_set=figures, dem=dem)
        detected = covered_area_km2(ds)
        engage = [v for v in ds.data_vars if v.startswith("engageable_")]
        area = cell_area_m2(ds.lat.values, ds.lon.values) / 1e6
        for i, alt in enumerate(COMPARE_ALTITUDES_M):
            any_engage = np.zeros(area.shape, dtype=bool)
            for v in engage:
                any_engage |= ds[v].values[i]
            rows.append({"target": target, "rcs_dbsm": rcs, "altitude_agl_m": alt,
                         "detected_km2": float(detected[i]),
                         "engageable_km2": float((area * any_engage).sum())})
    return pd.DataFrame(rows)


def compare(scenarios: Sequence[Scenario], out_dir: str | os.PathLike[str], *, runs: int = 100,
            target_halfwidth: float | None = None, seed: int | None = None,
            figures: str | Figures = "nominal", config: EngagementConfig | None = None,
            workers: int | None = None, scheduler: str | None = None,
            progress: Callable[[Progress], None] | None = None,
            interval: str = "t", replace: bool = False,
            costs: str | os.PathLike[str] | None = None,
            batch_size: int | None = None) -> CampaignResult:
    """Fight the same raid against two or more deployments (``scenarios``: the same threats
    and raids, different battalions) with common random numbers: a campaign whose alternatives
    are the scenarios, reported as paired differences from the first, plus what each deployment
    covers (:func:`coverage_areas`, written to ``coverage_areas.csv`` and the report). The
    options are those of :func:`campaign`.

    Raises
    ------
    InputError
        Fewer than two scenarios, scenarios whose raids differ (naming them), or the options'
        errors of :func:`campaign`.
    """
    if len(scenarios) < 2:
        raise InputError("compare: allowed: two or more scenario files (the deployments compared)")
    first = scenarios[0]
    labels = [Path(str(sc.source_path)).stem if sc.source_path else sc.name for sc in scenarios]
    for sc, label in zip(scenarios[1:], labels[1:], strict=True):
        if (sc.threats, sc.raids) != (first.threats, first.raids):
            raise InputError(f"compare: {label} flies other threats or raids than {labels[0]}; "
                             "allowed: the same threats and raids in every file (only the "
                             "deployment differs)")
    if len(set(labels)) != len(labels):
        raise InputError(f"compare: two scenarios are named alike ({', '.join(labels)}); allowed: "
                         "files with different names")
    figs = Figures.of(figures)
    prices = None if costs is None else load_costs(costs)
    _check_interval(interval)
    _check_batch_size(batch_size, scheduler)
    cfg = config or EngagementConfig()
    alts = tuple(Alternative(sc, cfg, {}, {"scenario": label})
                 for sc, label in zip(scenarios, labels, strict=True))
    world = alternative_world(alts[0], figs)
    spec = CampaignSpec(first, figs, (), "lhs", runs, 1, seed, cfg, target_halfwidth,
                        alternatives=alts)
    hooks = _priced(prices, [world] + ([alternative_world(a, figs) for a in alts[1:]] if prices
                                       else []), out_dir)

    def write_areas() -> None:
        areas = pd.concat([coverage_areas(sc, figs).assign(scenario=label)
                           for sc, label in zip(scenarios, labels, strict=True)],
                          ignore_index=True)
        write_text_atomic(Path(out_dir) / COVERAGE_AREAS, areas.to_csv(index=False))

    return _run(spec, out_dir, workers, (scheduler, batch_size), progress, world, interval,
                replace, [write_areas, *hooks])
