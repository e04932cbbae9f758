"""Campaign runs: the same rows whatever the workers, equal to single runs of the public API,
sequential stopping by the rule, the report's estimates and its database, clear errors."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import iadsim
from campaign_scenario import campaign_raid
from iadsim.campaigns.design import factors
from iadsim.campaigns.runner import CampaignSpec, run_campaign
from iadsim.errors import InputError



@pytest.fixture(scope="module")
def scenario():
    return campaign_raid()


@pytest.fixture(scope="module")
def varied(scenario, tmp_path_factory):
    """Three design points of the 48N6E3's range, in this process and on a 2-process pool."""
    spec = CampaignSpec(scenario, factors=tuple(factors(["48N6E3.max_range_km"])), runs=3)
    out = tmp_path_factory.mktemp("varied")
    with run_campaign(spec, out / "serial") as store:
        serial = store.runs()
    with run_campaign(spec, out / "pool", workers=2) as store:
        pool = store.runs()
    return spec, serial, pool


def test_runs_do_not_depend_on_the_number_of_workers(varied):
    _, serial, pool = varied
    assert len(serial) == 3 and serial["run_key"].is_unique
    pd.testing.assert_frame_equal(serial, pool)


def test_a_run_is_the_public_run_of_its_point_figures_and_seed(varied, scenario):
    """Each row equals iadsim.run on a World built with the point's figure and the seed
    SeedSequence(entropy, spawn_key=(point, replication)) -- the campaign adds nothing else."""
    spec, serial, _ = varied
    name = "48N6E3.max_range_km"
    low, high = spec.factors[0].lower, spec.factors[0].upper
    values = serial[name].to_numpy()
    # a Latin hypercube: one point in each third of the range
    assert sorted(np.floor((values - low) / (high - low) * 3)) == [0, 1, 2]
    for _, got in serial.iterrows():
        world = iadsim.build(scenario, iadsim.Figures.of("nominal", {name: got[name]}))
        ref = iadsim.run(world, seed=np.random.SeedSequence(scenario.seed, spawn_key=(
            got["point"], got["replication"])), keep=()).metrics.iloc[0]
        for col in ("killed_count", "leaked_count", "missiles_fired_count", "leaked_fraction",
                    "interceptors_per_kill", "figure_set"):
            assert got[col] == ref[col] or (pd.isna(got[col]) and pd.isna(ref[col])), col


def test_sequential_stopping_follows_the_rule(scenario, tmp_path):
    """Stop at the end of the first round (2 runs) with >= 4 runs whose t interval of the mean
    leak fraction is at most the target wide -- recomputed here from the runs."""
    target = 0.12
    spec = CampaignSpec(scenario, runs=16, target_halfwidth=target, min_runs=4, round_runs=2)
    with run_campaign(spec, tmp_path / "c") as store:
        runs = store.runs()
    x = runs["leaked_fraction"].to_numpy()
    assert list(runs["replication"]) == list(range(len(runs)))

    def half(n):
        return stats.t.ppf(0.975, n - 1) * x[:n].std(ddof=1) / math.sqrt(n)

    stops = [n for n in range(4, 17, 2) if n <= len(x) and half(n) <= target]
    assert len(runs) == (stops[0] if stops else 16)
    assert all(half(n) > target for n in range(4, len(runs), 2))


def test_campaign_report_estimates_and_database(scenario, tmp_path):
    res = iadsim.campaign(scenario, tmp_path / "c", runs=5, workers=1)
    runs = res.runs
    assert len(runs) == 5
    x = runs["missiles_fired_count"].to_numpy(float)
    row = res.summary.set_index("measure").loc["missiles_fired_count"]
    half = stats.t.ppf(0.975, 4) * x.std(ddof=1) / math.sqrt(5)
    assert row["estimate"] == pytest.approx(x.mean())
    assert row["high"] - row["estimate"] == pytest.approx(half)
    k = int((runs["leaked_count"] > 0).sum())
    wilson = stats.binomtest(k, 5).proportion_ci(method="wilson")
    any_leak = res.summary.set_index("measure").loc["any_leak"]
    assert (any_leak["low"], any_leak["high"]) == pytest.approx((wilson.low, wilson.high))
    assert res.summary["low"].min() >= 0.0
    assert set(res.summary.loc[res.summary["measure"].str.endswith("fraction"), "high"]) <= {
        h for h in res.summary["high"] if h <= 1.0}
    text = (tmp_path / "c" / "campaign.md").read_text()
    assert "over **5 runs**" in text and "## Assumptions this rests on" in text
    assert "Link latency 2 s" in text
    con = duckdb.connect(str(tmp_path / "c" / "campaign.duckdb"), read_only=True)
    db = con.execute("SELECT * FROM runs ORDER BY point, replication").df()
    n_timings = con.execute("SELECT COUNT(*) FROM timings").fetchone()[0]
    con.close()
    assert list(db["run_key"]) == list(runs["run_key"])
    assert db["missiles_fired_count"].tolist() == runs["missiles_fired_count"].tolist()
    assert n_timings == 5
    back = iadsim.load_campaign(tmp_path / "c")
    pd.testing.assert_frame_equal(back.runs, runs)
    pd.testing.assert_frame_equal(back.summary, res.summary)
    # the same call again: nothing left to run, the same result
    again = iadsim.campaign(scenario, tmp_path / "c", runs=5, workers=1)
    pd.testing.assert_frame_equal(again.runs, runs)
    assert len(again.timings) == 5


def test_bad_options_fail_before_any_work(scenario, tmp_path):
    out = tmp_path / "c"
    with pytest.raises(InputError, match=r"48N6E3\.max_range_km"):
        iadsim.campaign(scenario, out, vary=["48N6E3.max_range"])
    with pytest.raises(InputError, match="no varied figure"):
        iadsim.campaign(scenario, out, sensitivity="morris")
    with pytest.raises(InputError, match="allowed values are tornado, morris, sobol"):
        iadsim.campaign(scenario, out, vary=["48N6E3.max_range_km"], sensitivity="fast")
    with pytest.raises(InputError, match="--runs 0"):
        iadsim.campaign(scenario, out, runs=0)
    assert not out.exists()
    first = iadsim.campaign(scenario, out, runs=2, workers=1).runs
    with pytest.raises(InputError, match=r"holds a different campaign \(differs in: seed\)"):
        iadsim.campaign(scenario, out, runs=2, seed=12, workers=1)
    # more runs of the same replications extend the campaign: the first two are kept as they are
    more = iadsim.campaign(scenario, out, runs=3, workers=1).runs
    pd.testing.assert_frame_equal(more.iloc[:2], first)
    assert list(more["replication"]) == [0, 1, 2]
