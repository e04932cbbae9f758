"""Exactly once: a campaign killed with SIGKILL at random moments and run again equals, key for
key and bit for bit, the campaign that was never interrupted; a pool worker that dies does not
lose or duplicate a run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iadsim.campaigns.executor import (
    LocalExecutor,
    RunTask,
    SerialExecutor,
)
from campaign_scenario import SCENARIO_TEXT, one_point_payload
from iadsim.campaigns.store import CampaignStore, row_digest

RUNS = 5


def _campaign(path: Path, out: Path, workers: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "iadsim", "campaign", str(path), "--runs", str(RUNS), "--out",
         str(out), "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _finished(out: Path) -> pd.DataFrame:
    with CampaignStore(out) as store:
        assert store.verify() == []
        runs = store.runs()
        assert set(store.committed()) == set(runs["run_key"])
    assert runs["run_key"].is_unique
    return runs


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_equals_the_uninterrupted_campaign(tmp_path):
    path = tmp_path / "raid.yaml"
    path.write_text(SCENARIO_TEXT)
    start = time.perf_counter()
    assert _campaign(path, tmp_path / "reference", 1).wait() == 0
    duration = time.perf_counter() - start
    reference = _finished(tmp_path / "reference")
    assert len(reference) == RUNS
    rng = np.random.default_rng(20261203)
    for trial, workers in enumerate((1, 2)):
        out = tmp_path / f"trial{trial}"
        for _ in range(2):  # killed twice, at random moments of the run
            proc = _campaign(path, out, workers)
            time.sleep(rng.uniform(0.3, 0.9) * duration)
            os.killpg(proc.pid, signal.SIGKILL)  # the coordinator and its workers, as a crash
            proc.wait()
        assert _campaign(path, out, workers).wait() == 0
        runs = _finished(out)
        pd.testing.assert_frame_equal(runs, reference)
        assert (out / "campaign.md").exists()


def test_a_dead_pool_worker_loses_and_duplicates_nothing():
    payload = one_point_payload()
    tasks = [RunTask(f"k{r}", 0, r) for r in range(4)]
    serial = {f.task.run_key: f.row for f in SerialExecutor(payload).run(tasks)}
    pool = LocalExecutor(payload, workers=2)
    got, killed = {}, False
    try:
        for finished in pool.run(tasks):
            assert finished.task.run_key not in got
            got[finished.task.run_key] = finished
            if not killed:  # kill a worker while the others' runs are in flight
                os.kill(next(iter(pool._pool._processes)), signal.SIGKILL)
                killed = True
    finally:
        pool.close()
    assert set(got) == set(serial)
    assert {k: row_digest(f.row) for k, f in got.items()} == {
        k: row_digest(r) for k, r in serial.items()}
    assert max(f.task.attempt for f in got.values()) == 2  # the runs in flight ran again
