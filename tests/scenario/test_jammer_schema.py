"""Scenario ``jammers`` (stand-off stations) and the ``jammers`` threats carry: read, round-tripped
and built when valid; every mistake reported with its line, field, bad value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from iadsim.scenario.build import build_deployment
from iadsim.scenario.load import load_scenario_text
from iadsim.scenario.schema import JammerStation
from scenario_cases import check_edit

ROOT = Path(__file__).resolve().parents[2]
DEMO = (ROOT / "examples" / "raid_2022.yaml").read_text(encoding="utf-8")

ANCHOR = "seed: 2022\n"
STATION = ("jammers:\n"
           "  - id: growler-orbit\n"
           "    type: ALQ-99\n"
           "    count: 3\n"
           "    lat_deg: 52.9\n"
           "    lon_deg: 22.6\n"
           "    alt_m: 9000\n"
           "    assumed: true\n"
           "    reasoning: \"Illustrative stand-off orbit west of the border.\"\n")
CARRIED = "    type: F-35A\n"


def test_stations_and_carried_jammers_are_read_round_tripped_and_built():
    text = DEMO.replace(ANCHOR, STATION + ANCHOR, 1).replace(
        CARRIED, CARRIED + "    jammers: [ALQ-184]\n", 1)
    sc = load_scenario_text(text, path="case.yaml")
    assert sc.jammers[0] == JammerStation(id="growler-orbit", type="ALQ-99", count=3, lat_deg=52.9,
                                          lon_deg=22.6, alt_m=9000.0, assumed=True,
                                          reasoning="Illustrative stand-off orbit west of the "
                                                    "border.")
    assert sc.threats[0].jammers == ("ALQ-184",)
    assert load_scenario_text(sc.to_yaml()) == sc
    dep = build_deployment(sc)
    (site,) = dep.jammers
    assert (site.id, site.type_id, site.count, site.alt_msl_m) == ("growler-orbit", "ALQ-99", 3,
                                                                   9000.0)
    assert site.jammer.power_w > 0 and site.jammer.max_frequency_hz > site.jammer.min_frequency_hz
    assert any("growler-orbit" in a for a in dep.assumptions)
    assert all(r.receiver is not None for r in dep.radars)


JAMMER_EDITS = [
    ("unknown-type", ANCHOR, STATION.replace("ALQ-99", "ALQ-98") + ANCHOR, "jammers[0].type",
     "type: ALQ-98", "closest: ALQ-99", "unknown jammer"),
    ("not-a-jammer", ANCHOR, STATION.replace("ALQ-99", "F-16C") + ANCHOR, "jammers[0].type",
     "type: F-16C", "jammer ids: ALQ-184", "not a jammer"),
    ("carried-unknown", CARRIED, CARRIED + "    jammers: [ALQ-13]\n", "threats[0].jammers[0]",
     "jammers: [ALQ-13]", "known jammer ids", "unknown jammer"),
    ("no-provenance", ANCHOR, STATION.replace("    assumed: true\n", "") + ANCHOR,
     "jammers[0]", "id: growler-orbit", "assumed: true` with `reasoning`", "needs at least one entry"),
    ("zero-count", ANCHOR, STATION.replace("count: 3", "count: 0") + ANCHOR, "jammers[0].count",
     "count: 0", "from 1 to 100", "out of range"),
    ("duplicate-id", ANCHOR, STATION.replace("growler-orbit", "tlam") + ANCHOR, "jammers[0].id",
     "id: tlam", "ids unique", "duplicate id"),
]


@pytest.mark.parametrize("case", JAMMER_EDITS, ids=lambda c: c[0])
def test_jammer_mistakes_are_reported(case):
    check_edit(DEMO, case)
