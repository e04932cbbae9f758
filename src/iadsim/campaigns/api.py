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

from iadsim.campaigns.design import DISTRIBUTIONS, assumed_factors, factors
from iadsim.campaigns.report import CampaignResult, write_report
from iadsim.campaigns.runner import CampaignSpec, Progress, run_campaign
from iadsim.campaigns.sensitivity import SENSITIVITY_METHODS, runs_needed, sample
from iadsim.engine.engagement import EngagementConfig
from iadsim.errors import InputError
from iadsim.scenario.figures import Figures
from iadsim.scenario.schema import Scenario
from iadsim.scenario.world import build

__all__ = ["campaign", "DEFAULT_SAMPLES"]

#: Default sample size N of a sensitivity method (Morris trajectories, Sobol base size).
DEFAULT_SAMPLES = {"tornado": 1, "morris": 10, "sobol": 64}


def campaign(scenario: Scenario, out_dir: str | os.PathLike[str], *, runs: int = 100,
             vary: Sequence[str] = (), vary_assumed: bool = False,
             distribution: str = "uniform", design: str = "lhs", replications: int | None = None,
             sensitivity: str | None = None, samples: int | None = None,
             target_halfwidth: float | None = None, seed: int | None = None,
             figures: str | Figures = "nominal", config: EngagementConfig | None = None,
             dem: str | os.PathLike[str] | None = None, workers: int | None = None,
             executor=None, progress: Callable[[Progress], None] | None = None,
             interval: str = "t") -> CampaignResult:
    """Run (or resume) a campaign of ``scenario`` into ``out_dir`` and write its report.

    Parameters
    ----------
    runs : int
        Runs in all; with ``target_halfwidth`` the most runs. With varied figures every run is
        a design point unless ``replications`` > 1.
    vary : sequence of str
        Figures to vary over their library low-high range (``"48N6E3.max_range_km"``).
    vary_assumed : bool
        Also vary every assumed figure (with a range) of the equipment the scenario uses.
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
        Local worker processes (default: all cores); ignored with ``executor``.
    executor : optional
        Another executor (:class:`iadsim.campaigns.dask.DaskExecutor`).
    progress : callable, optional
        Called with a :class:`~iadsim.campaigns.runner.Progress` after each commit.
    interval : {'t', 'bootstrap'}
        Interval of the means in the report.

    Raises
    ------
    InputError
        Any bad option, before the first run: unknown figure (closest names), a figure without
        a range, a sensitivity method without varied figures, ...
    """
    figs = Figures.of(figures)
    if distribution not in DISTRIBUTIONS:
        raise InputError(f"--distribution {distribution!r}: allowed values are "
                         f"{', '.join(DISTRIBUTIONS)}")
    if sensitivity is not None and sensitivity not in SENSITIVITY_METHODS:
        raise InputError(f"--sensitivity {sensitivity!r}: allowed values are "
                         f"{', '.join(SENSITIVITY_METHODS)}")
    if interval not in ("t", "bootstrap"):
        raise InputError(f"--interval {interval!r}: allowed values are t, bootstrap")
    factor_list = factors(vary, figs, distribution)
    world = build(scenario, figs, dem)
    if vary_assumed:
        items = sorted({f["name"].partition(".")[0] for f in world.provenance.figures})
        named = {f.name for f in factor_list}
        factor_list += [f for f in assumed_factors(figs, distribution, items) if f.name not in named]
        if not factor_list:
            raise InputError("--vary-assumed: the scenario's equipment has no assumed figure with "
                             "a low-high range; allowed: --vary NAME")
    spec_table = None
    entropy = int(scenario.seed if seed is None else seed)
    if sensitivity is not None:
        if not factor_list:
            raise InputError(f"--sensitivity {sensitivity}: no varied figure; allowed: with "
                             "--vary NAME (repeat) or --vary-assumed")
        n = DEFAULT_SAMPLES[sensitivity] if samples is None else samples
        spec_table = sample(sensitivity, factor_list, n,
                            np.random.SeedSequence(entropy, spawn_key=(2**32 - 2,)))
        reps = 1 if replications is None else replications
        runs = runs_needed(sensitivity, len(factor_list), n) * reps
    else:
        reps = 1 if replications is None else replications
    spec = CampaignSpec(scenario, figs, tuple(factor_list), design, runs, reps, seed,
                        config or EngagementConfig(), target_halfwidth,
                        None if dem is None else str(Path(dem)), spec_table, sensitivity)
    n_workers = (os.cpu_count() or 1) if workers is None else workers
    store = run_campaign(spec, out_dir, n_workers, progress, executor, world=world)
    try:
        return write_report(store, interval)
    finally:
        store.close()
