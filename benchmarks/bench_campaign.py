"""Campaign throughput, orchestration overhead and Dask scaling on the reference raid (issue 12).

The reference raid of :mod:`bench_engagement` (100 threats, 30 simulated min), :data:`RUNS`
replications over seeds (no varied figure: one World, built once everywhere). Baseline for the
first two rows: a plain Python loop in this process that builds the World once and runs
``iadsim.run(world, seed=SeedSequence(entropy, spawn_key=(0, r)), keep=())`` for the same
replications -- the same runs, with no store, no workers, no report.

- **Campaign, all cores**: ``iadsim.campaign(..., workers=os.cpu_count())`` into a fresh
  directory, timed from the call to the written report (worker start-up, the World sent to each
  worker, commits, the report and DuckDB database included). Ratio = loop / campaign: the
  speed-up of the local pool; the note gives runs per minute of each.
- **Orchestration + commit overhead**: the same runs through the campaign runner with one
  worker (:func:`iadsim.campaigns.runner.run_campaign`, runs in this process, the World built
  once and given to it as the loop's is) against the loop's runs alone: seeds from the
  manifest, the runs table row, the Parquet part and its SQLite record per run. The overhead
  per run, (runner - loop) / runs, as a share of a run (issue 12's goal: at most 2 %). Ratio =
  loop / runner. What a campaign does once -- build the World, write the report and the DuckDB
  database -- is in the note (it does not grow with the runs).
- **Dask, 2 workers vs 1**: the same campaign on a ``distributed.LocalCluster`` of one and of
  two single-threaded worker processes (cluster start-up excluded, the World scattered to the
  workers included). Ratio = time on 1 / time on 2; parallel efficiency = ratio / 2.

No timing is asserted anywhere. The runs tables of all campaigns are checked equal to each
other (the same bytes whatever runs them); a difference is reported in the note.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from bench_engagement import DURATION_S, reference_raid

import iadsim
from iadsim.campaigns.report import write_report
from iadsim.campaigns.runner import CampaignSpec, run_campaign
from iadsim.engine.air_picture import AirPictureConfig
from iadsim.engine.engagement import EngagementConfig

#: Replications of each campaign.
RUNS = 6


def _config() -> EngagementConfig:
    return EngagementConfig(air_picture=AirPictureConfig(t_end_s=DURATION_S))


def _loop(scenario, world=None) -> float:
    """The runs alone (and the World's build unless ``world`` is given), s."""
    t0 = time.perf_counter()
    world = world or iadsim.build(scenario)
    for r in range(RUNS):
        iadsim.run(world, seed=np.random.SeedSequence(scenario.seed, spawn_key=(0, r)),
                   config=_config(), keep=())
    return time.perf_counter() - t0


def _runner(scenario, world, out: Path) -> tuple[float, float]:
    """The runs through the campaign runner in this process, and the report after them, s."""
    spec = CampaignSpec(scenario, runs=RUNS, config=_config())
    t0 = time.perf_counter()
    store = run_campaign(spec, out, 1, world=world)
    t1 = time.perf_counter()
    try:
        write_report(store, "t")
    finally:
        store.close()
    return t1 - t0, time.perf_counter() - t1


def _campaign(scenario, out: Path, **options) -> tuple[float, pd.DataFrame]:
    t0 = time.perf_counter()
    res = iadsim.campaign(scenario, out, runs=RUNS, config=_config(), **options)
    return time.perf_counter() - t0, res.runs


def _same(tables: list[pd.DataFrame]) -> str:
    return "runs tables identical" if all(t.equals(tables[0]) for t in tables[1:]) else (
        "RUNS TABLES DIFFER")


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scenario = iadsim.load_scenario(reference_raid(tmp / "reference_raid.yaml"))
        iadsim.run(iadsim.build(scenario), seed=1, config=EngagementConfig(
            air_picture=AirPictureConfig(t_end_s=60.0)), keep=())  # warm-up: numba caches
        loop_s = _loop(scenario)
        cores = os.cpu_count() or 1
        pool_s, pool_runs = _campaign(scenario, tmp / "pool", workers=cores)
        t0 = time.perf_counter()
        world = iadsim.build(scenario)
        build_s = time.perf_counter() - t0
        runs_s = _loop(scenario, world)
        serial_s, report_s = _runner(scenario, world, tmp / "serial")
        serial_runs = iadsim.load_campaign(tmp / "serial").runs
        rows = [
            {"name": f"campaign, {RUNS} runs of the reference raid, {cores} local workers",
             "baseline": "plain-Python loop of the same runs (one World, this process)",
             "iadsim_s": pool_s, "baseline_s": loop_s,
             "note": f"{60 * RUNS / pool_s:.2f} runs/min vs {60 * RUNS / loop_s:.2f} runs/min "
                     "serial; start-up, commits and report included"},
            {"name": f"campaign orchestration + commits, {RUNS} runs, 1 worker (in process)",
             "baseline": "plain-Python loop of the same runs (World built once for both)",
             "iadsim_s": serial_s, "baseline_s": runs_s,
             "note": f"overhead {(serial_s - runs_s) / RUNS:.3f} s per run = "
                     f"{100 * (serial_s - runs_s) / runs_s:.1f} % of a run (goal <= 2 %); "
                     f"once per campaign: World {build_s:.1f} s, report + database "
                     f"{report_s:.1f} s"},
        ]
        tables = [pool_runs, serial_runs]
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - distributed is a dependency
            return rows
        times = {}
        for n in (1, 2):
            with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                t, runs = _campaign(scenario, tmp / f"dask{n}", scheduler=client.scheduler.address)
                times[n] = t
                tables.append(runs)
        rows.append({"name": f"campaign on Dask LocalCluster, {RUNS} runs, 2 workers",
                     "baseline": "the same campaign on 1 Dask worker", "iadsim_s": times[2],
                     "baseline_s": times[1],
                     "note": f"parallel efficiency {times[1] / times[2] / 2:.0%}; "
                             + _same(tables)})
        rows[0]["note"] += "; " + _same(tables[:2])
        return rows


if __name__ == "__main__":
    for row in run():
        print(row)
