"""Scenario options of the engagement chain: reload (spare rounds, reload time) and command-post
loss, validated with the field, line and allowed values of every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from iadsim.scenario.load import load_scenario_text
from scenario_cases import check_edit

MINIMAL = Path(__file__).resolve().parents[2] / "examples" / "minimal.yaml"
LOAD = "load: {48N6E3: 4}"
CP = "    command_post: 55K6E\n"

BAD_EDITS = [
    ("spares-without-reload-time", LOAD, LOAD + ", spare_rounds: {48N6E3: 8}",
     "battalions[0].launchers[0]", "5P85TE2", "reload_time_s: <s>", "together"),
    ("reload-time-without-spares", LOAD, LOAD + ", reload_time_s: 600",
     "battalions[0].launchers[0]", "5P85TE2", "spare_rounds: {<missile>", "together"),
    ("spares-not-loaded", LOAD, LOAD + ", spare_rounds: {9M96E2: 8}, reload_time_s: 600",
     "battalions[0].launchers[0]", "5P85TE2", "missiles of `load`: 48N6E3", "9M96E2"),
    ("zero-reload-time", LOAD, LOAD + ", spare_rounds: {48N6E3: 8}, reload_time_s: 0",
     "battalions[0].launchers[0].reload_time_s", "5P85TE2", "from 0 (exclusive) to 86400",
     "greater than"),
    ("zero-spares", LOAD, LOAD + ", spare_rounds: {48N6E3: 0}, reload_time_s: 600",
     "battalions[0].launchers[0].spare_rounds.48N6E3", "5P85TE2", "from 1 to 1000",
     "out of range"),
    ("negative-cp-loss", CP, CP + "    command_post_lost_at_s: -5\n",
     "battalions[0].command_post_lost_at_s", "command_post_lost_at_s", "0 to 604800",
     "out of range"),
    ("cp-loss-not-a-number", CP, CP + "    command_post_lost_at_s: soon\n",
     "battalions[0].command_post_lost_at_s", "command_post_lost_at_s", "a number",
     "valid number"),
]


@pytest.mark.parametrize("case", BAD_EDITS, ids=lambda c: c[0])
def test_bad_engagement_options(case):
    check_edit(MINIMAL.read_text(encoding="utf-8"), case)


def test_engagement_options_round_trip():
    text = MINIMAL.read_text(encoding="utf-8").replace(
        LOAD, LOAD + ", spare_rounds: {48N6E3: 8}, reload_time_s: 900").replace(
        CP, CP + "    command_post_lost_at_s: 120\n")
    sc = load_scenario_text(text)
    group = sc.battalions[0].launchers[0]
    assert (group.spare_rounds, group.reload_time_s) == ({"48N6E3": 8}, 900.0)
    assert sc.battalions[0].command_post_lost_at_s == 120.0
    assert load_scenario_text(sc.to_yaml()) == sc
    plain = load_scenario_text(MINIMAL.read_text(encoding="utf-8"))
    assert plain.battalions[0].command_post_lost_at_s is None
    assert plain.battalions[0].launchers[0].reload_time_s is None
