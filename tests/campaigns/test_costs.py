"""Costs files and the cost-exchange ratio: every cost cited or assumed, ratios by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import iadsim
from campaign_scenario import campaign_raid
from iadsim.campaigns.costs import check_priced, cost_exchange, load_costs
from iadsim.errors import InputError

#: Test prices, not real ones: every entry is marked assumed.
COSTS = """\
currency: USD
price_year: 2022
costs:
  - {item: 48N6E3, low: 1.0e6, nominal: 2.0e6, high: 3.0e6, assumed: true, reasoning: test value}
  - {item: Tomahawk, nominal: 2.0e6, assumed: true, reasoning: test value}
  - {item: F-16C, nominal: 3.0e7, low: 2.0e7, high: 4.0e7, assumed: true, reasoning: test value}
"""


def _write(tmp_path: Path, text: str, name: str = "costs.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_costs_file_is_checked(tmp_path):
    costs = load_costs(_write(tmp_path, COSTS.replace("item: 48N6E3", "item: 48N6E3")))
    assert costs.by_item()["48N6E3"].range == (1.0e6, 3.0e6)
    assert costs.by_item()["Tomahawk"].range == (2.0e6, 2.0e6)
    bad = [
        (COSTS.replace(", assumed: true, reasoning: test value}", "}", 1),
         r"costs\.0: Value error, a cost needs sources"),
        (COSTS.replace("low: 1.0e6, nominal: 2.0e6", "low: 2.5e6, nominal: 2.0e6"),
         "low 2.5e\\+06 <= nominal 2e\\+06 <= high 3e\\+06 is required"),
        (COSTS.replace("item: Tomahawk", "item: Tomahwk"), r"costs\[1\]\.item: .*Tomahawk"),
        (COSTS + "  - {item: Tomahawk, nominal: 1.0, assumed: true, reasoning: x}\n",
         "costs\\[3\\].item: Tomahawk is priced twice"),
        (COSTS.replace("nominal: 2.0e6, assumed", "nominal: -2.0, assumed"),
         r"costs\.1\.nominal: Input should be greater than 0"),
    ]
    for text, message in bad:
        with pytest.raises(InputError, match=message):
            load_costs(_write(tmp_path, text))


def test_cost_exchange_by_hand(tmp_path):
    costs = load_costs(_write(tmp_path, COSTS))
    runs = pd.DataFrame({
        "alternative": [0, 0, 0], "killed_count": [2, 1, 0], "killed_by_missile_count": [2, 1, 0],
        "killed_by_gun_count": [0, 0, 0], "killed_F-16C_count": [1, 0, 0],
        "killed_Tomahawk_count": [1, 1, 0], "missiles_fired_count": [4, 6, 2],
        "missiles_fired_48N6E3_count": [4, 6, 2]})
    row = cost_exchange(runs, costs).iloc[0]
    spend = np.array([4, 6, 2]) * 2.0e6
    value = np.array([3.2e7, 2.0e6, 0.0])
    ratio = spend[:2] / value[:2]                      # runs that destroyed something
    half = stats.t.ppf(0.975, 1) * ratio.std(ddof=1) / math.sqrt(2)
    assert row["spend"] == pytest.approx(spend.mean())
    assert row["value_destroyed"] == pytest.approx(value.mean())
    assert row["ratio"] == pytest.approx(ratio.mean())
    assert (row["low"], row["high"]) == pytest.approx((ratio.mean() - half, ratio.mean() + half))
    # extremes: defence at its low cost, threats at their high cost, and the reverse
    assert row["ratio_best"] == pytest.approx((12 / 3 * 1.0e6) / ((4.0e7 + 2 * 2.0e6) / 3))
    assert row["ratio_worst"] == pytest.approx((12 / 3 * 3.0e6) / ((2.0e7 + 2 * 2.0e6) / 3))
    assert row["runs"] == 2
    with pytest.raises(InputError, match="no cost for 9M96E2"):
        cost_exchange(runs.assign(**{"missiles_fired_9M96E2_count": [1, 0, 0]}), costs)


def test_unpriced_items_are_named_before_a_campaign(tmp_path):
    costs = load_costs(_write(tmp_path, COSTS))
    with pytest.raises(InputError, match="no cost for 9M96E2, Shahed-136"):
        check_priced(costs, {"48N6E3", "9M96E2", "Shahed-136", "92N6E"})
    check_priced(costs, {"48N6E3", "Tomahawk", "F-16C", "92N6E", "5P85TE2"})


def test_campaign_report_has_the_cost_exchange(tmp_path):
    sc = campaign_raid()
    path = _write(tmp_path, COSTS)
    with pytest.raises(InputError, match="no cost for"):
        iadsim.campaign(sc, tmp_path / "bad", runs=2, costs=_write(
            tmp_path, COSTS.replace("  - {item: Tomahawk, nominal: 2.0e6, assumed: true, "
                                    "reasoning: test value}\n", ""), "partial.yaml"))
    assert not (tmp_path / "bad").exists()
    res = iadsim.campaign(sc, tmp_path / "c", runs=2, workers=1, costs=path)
    text = (tmp_path / "c" / "campaign.md").read_text()
    assert "## Cost exchange" in text and "| 48N6E3 | 1,000,000 | 2,000,000 | 3,000,000 |" in text
    assert {"killed_Tomahawk_count", "killed_F-16C_count"} <= set(res.runs.columns)
