"""Sweeps and comparisons: levels, raid sizes, alternatives with common random numbers, paired
differences, and the replacement comparison."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import iadsim
from campaign_scenario import MINIMAL, RAID, campaign_raid
from iadsim.c2.doctrine import Doctrine
from iadsim.campaigns.api import compare
from iadsim.campaigns.report import comparison_table
from iadsim.campaigns.sweep import alternatives, parse_sweep
from iadsim.engine.engagement import EngagementConfig
from iadsim.errors import InputError
from iadsim.scenario.load import example_scenarios, load_scenario, load_scenario_text

FIGS = iadsim.Figures.of("nominal")


@pytest.fixture(scope="module")
def demo_raid():
    return load_scenario(example_scenarios()["raid_2022"])


def test_levels_from_ranges_and_lists(demo_raid):
    assert parse_sweep("raid.size=10..40:10", demo_raid, FIGS).levels == (10, 20, 30, 40)
    assert parse_sweep("salvo=1,2", demo_raid, FIGS).levels == (1, 2)
    assert parse_sweep("policy=shoot-look-shoot,shoot-shoot-look", demo_raid, FIGS).levels == (
        "shoot-look-shoot", "shoot-shoot-look")
    sweep = parse_sweep("48N6E3.max_range_km=200..250:25", demo_raid, FIGS)
    assert sweep.levels == (200.0, 225.0, 250.0)
    assert parse_sweep("40N6.max_range_km=300,380", demo_raid, FIGS).name == "40N6E.max_range_km"


@pytest.mark.parametrize(("text", "message"), [
    ("raid.sise=10..20", "not a sweepable setting; allowed: raid.size, raid.<ID>.count, salvo"),
    ("raid.tlmа.count=1,2", "no raid 'tlmа'; allowed: raid.tlam.count, raid.viper.count"),
    ("raid.size=2,5", r"allowed values are whole numbers >= 3 \(every raid keeps a member\)"),
    ("raid.size=20..10:5", "FROM <= TO"),
    ("salvo=0,1", "Doctrine.salvo_size: got 0; allowed: an integer >= 1"),
    ("salvo=1.5", "allowed values are whole numbers"),
    ("policy=shoot", "allowed: 'shoot-look-shoot' or 'shoot-shoot-look'"),
    ("48N6E3.max_range=200", r"48N6E3\.max_range_km"),
    ("salvo", "expected NAME=LEVELS"),
])
def test_bad_sweeps_name_what_is_allowed(demo_raid, text, message):
    with pytest.raises(InputError, match=message):
        parse_sweep(text, demo_raid, FIGS)


def test_raid_size_is_shared_by_largest_remainders(demo_raid):
    """tlam 20, viper 8, shahed 6 (34 members). 17: quotas 10, 4, 3 exactly; 10: quotas 5.88,
    2.35, 1.76 -> floors 5, 2, 1 and the two largest remainders (tlam .88, shahed .76) -> 6, 2,
    2 (Hamilton's method, worked by hand)."""
    def counts(total):
        (alt,) = alternatives(demo_raid, EngagementConfig(),
                              [parse_sweep(f"raid.size={total}", demo_raid, FIGS)])
        return {r.id: r.count for r in alt.scenario.raids}, alt.settings

    assert counts(17) == ({"tlam": 10, "viper": 4, "shahed": 3}, {"raid.size": 17})
    assert counts(10)[0] == {"tlam": 6, "viper": 2, "shahed": 2}
    assert counts(3)[0] == {"tlam": 1, "viper": 1, "shahed": 1}
    (alt,) = alternatives(demo_raid, EngagementConfig(),
                          [parse_sweep("raid.viper.count=3", demo_raid, FIGS)])
    assert [r.count for r in alt.scenario.raids] == [20, 3, 6]


def test_the_grid_of_two_sweeps(demo_raid):
    alts = alternatives(demo_raid, EngagementConfig(),
                        [parse_sweep("salvo=1,2", demo_raid, FIGS),
                         parse_sweep("48N6E3.max_range_km=200,250", demo_raid, FIGS)])
    assert [dict(a.settings) for a in alts] == [
        {"salvo": 1, "48N6E3.max_range_km": 200.0}, {"salvo": 1, "48N6E3.max_range_km": 250.0},
        {"salvo": 2, "48N6E3.max_range_km": 200.0}, {"salvo": 2, "48N6E3.max_range_km": 250.0}]
    assert [a.config.doctrine.salvo_size for a in alts] == [1, 1, 2, 2]
    assert dict(alts[1].overrides) == {"48N6E3.max_range_km": 250.0}


def test_paired_differences_by_hand():
    runs = pd.DataFrame({
        "alternative": [0, 0, 0, 1, 1, 1], "design_point": [0] * 6,
        "replication": [0, 1, 2, 2, 1, 0],
        "leaked_count": [3, 5, 4, 1, 2, 2], "leaked_fraction": [.3, .5, .4, .1, .2, .2],
        "killed_count": [7, 5, 6, 9, 8, 8], "missiles_fired_count": [10, 12, 11, 13, 14, 12],
        "wasted_interceptors_count": [0, 1, 0, 0, 1, 0]})
    table = comparison_table(runs).set_index("measure")
    d = np.array([2 - 3, 2 - 5, 1 - 4])  # paired by replication, not by row order
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / math.sqrt(3)
    row = table.loc["leaked_count"]
    assert row["difference"] == pytest.approx(d.mean())
    assert (row["low"], row["high"]) == pytest.approx((d.mean() - half, d.mean() + half))
    assert row["variance_ratio"] == pytest.approx(d.var(ddof=1) / (1.0 + 1 / 3))
    assert row["pairs"] == 3
    assert comparison_table(runs[runs["alternative"] == 0]) is None


def test_sweep_campaign_uses_common_random_numbers(tmp_path):
    """Each alternative's run r equals iadsim.run with its doctrine and the seed
    SeedSequence(entropy, spawn_key=(0, r)): the same seeds in every alternative."""
    sc = campaign_raid()
    res = iadsim.campaign(sc, tmp_path / "c", runs=2, sweep=["salvo=1,2"], workers=1)
    runs = res.runs
    assert list(runs["salvo"]) == [1, 1, 2, 2]
    assert list(runs["seed_stream"]) == [0, 0, 0, 0]
    world = iadsim.build(sc)
    for _, got in runs.iterrows():
        config = replace(EngagementConfig(), doctrine=Doctrine(salvo_size=int(got["salvo"]),
                                                               policy="shoot-shoot-look"))
        ref = iadsim.run(world, seed=np.random.SeedSequence(sc.seed, spawn_key=(
            0, int(got["replication"]))), config=config, keep=()).metrics.iloc[0]
        assert got["missiles_fired_count"] == ref["missiles_fired_count"]
        assert got["leaked_count"] == ref["leaked_count"]
    assert set(res.comparison["measure"]) >= {"leaked_count", "missiles_fired_count"}
    text = (tmp_path / "c" / "campaign.md").read_text()
    assert "## Alternatives compared" in text and "| salvo=2 | missiles_fired_count |" in text
    assert (tmp_path / "c" / "saturation.png").stat().st_size > 5000


def test_compare_two_deployments(tmp_path):
    s400 = load_scenario_text(MINIMAL + RAID, path="s400.yaml", source_path="s400.yaml")
    s300_text = MINIMAL.replace("system: S-400", "system: S-300PMU").replace(
        "    command_post: 55K6E\n", "").replace(
        "      - {id: s400-1-92n6e, type: 92N6E}\n      - {id: s400-1-91n6e, type: 91N6E, "
        "offset_m: {east: 0, north: 1500}}", "      - {id: s300-30n6e, type: 30N6E}").replace(
        "{type: 5P85TE2, count: 8, load: {48N6E3: 4}}", "{type: 5P85S, count: 8, load: {48N6E: 4}}")
    s300 = load_scenario_text(s300_text + RAID, path="s300.yaml", source_path="s300.yaml")
    with pytest.raises(InputError, match="flies other threats or raids"):
        compare([s400, load_scenario_text(MINIMAL + RAID.replace("cm-3", "cm-9"),
                                          path="other.yaml")], tmp_path / "x", runs=2)
    with pytest.raises(InputError, match="two or more scenario files"):
        compare([s400], tmp_path / "x")
    res = compare([s300, s400], tmp_path / "c", runs=2, workers=1)
    assert list(res.runs["scenario"]) == ["s300", "s300", "s400", "s400"]
    areas = pd.read_csv(tmp_path / "c" / "coverage_areas.csv")
    assert set(areas["scenario"]) == {"s300", "s400"}
    # the S-400's 92N6E on its mast sees a low Tomahawk farther than the S-300's 30N6E: more
    # area at 50 m above ground
    low = areas[(areas["target"] == "Tomahawk") & (areas["altitude_agl_m"] == 50)].set_index(
        "scenario")
    assert (low["detected_km2"] > 0).all()
    text = (tmp_path / "c" / "campaign.md").read_text()
    assert "What each deployment covers" in text and "| s400 | leaked_count |" in text
