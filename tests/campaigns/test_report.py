"""The campaign report's estimates table (iadsim.campaigns.report.summary_table): which
measures it reports, and their means against numpy on hand-made runs tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from iadsim.campaigns.report import summary_table


def runs_table(decoys: bool, arms: bool) -> pd.DataFrame:
    """Eight runs of one alternative; decoy and SEAD counts nonzero only when asked."""
    rng = np.random.default_rng(1)
    n = 8
    killed = rng.integers(1, 6, n)
    fired = killed * 2 + rng.integers(0, 3, n)
    at_decoys = rng.integers(0, 2, n) if decoys else np.zeros(n, int)
    return pd.DataFrame({
        "alternative": np.zeros(n, int), "design_point": np.zeros(n, int),
        "replication": np.arange(n), "threats_count": np.full(n, 10),
        "leaked_count": 10 - killed - 1, "leaked_fraction": (10 - killed - 1) / 10.0,
        "killed_count": killed, "killed_fraction": killed / 10.0,
        "missiles_fired_count": fired, "interceptors_per_kill": fired / killed,
        "missiles_at_decoys_count": at_decoys,
        "interceptors_per_real_kill": fired / np.maximum(killed - (1 if decoys else 0), 1),
        "wasted_interceptors_count": np.zeros(n, int), "gun_rounds_count": np.zeros(n, int),
        "first_leak_time_s": rng.uniform(300, 900, n),
        "arms_launched_count": rng.integers(1, 4, n) if arms else np.zeros(n, int),
        "radars_destroyed_count": rng.integers(0, 2, n) if arms else np.zeros(n, int),
        "missiles_at_arms_count": rng.integers(0, 4, n) if arms else np.zeros(n, int),
        "arms_shot_down_count": rng.integers(0, 2, n) if arms else np.zeros(n, int),
        "leaked_base_count": 10 - killed - 1})


def test_decoy_and_sead_measures_only_where_the_runs_have_them():
    plain = set(summary_table(runs_table(False, False))["measure"])
    sead = {"arms_launched_count", "radars_destroyed_count", "missiles_at_arms_count",
            "arms_shot_down_count"}
    assert not plain & ({"missiles_at_decoys_count", "interceptors_per_real_kill"} | sead)
    assert {"leaked_count", "interceptors_per_kill"} <= plain
    both = set(summary_table(runs_table(True, True))["measure"])
    assert {"missiles_at_decoys_count", "interceptors_per_real_kill"} | sead <= both


def test_means_and_t_intervals_against_scipy():
    runs = runs_table(True, True)
    table = summary_table(runs).set_index("measure")
    for m in ("killed_count", "arms_launched_count"):
        x = runs[m].to_numpy(float)
        low, high = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
        assert np.isclose(table.loc[m, "estimate"], x.mean())
        assert np.isclose(table.loc[m, "low"], max(low, 0.0))
        assert np.isclose(table.loc[m, "high"], high)
