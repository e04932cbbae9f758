"""Threats, raids and seed in the scenario schema: valid entries load and round-trip; every bad
entry is reported with its field path, line, and the allowed values."""

from __future__ import annotations

from pathlib import Path

import pytest

from iadsim.scenario.load import load_scenario, load_scenario_text
from iadsim.scenario.schema import Raid, Threat, threat_limits
from scenario_cases import check_edit

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = (ROOT / "examples" / "minimal.yaml").read_text(encoding="utf-8")

BLOCK = """
seed: 7
threats:
  - id: cm-1
    type: Tomahawk
    start_time_s: 30
    terrain_following: true
    route:
      - {lat_deg: 53.0, lon_deg: 24.0, alt_m: 50, alt_ref: agl}
      - {lat_deg: 53.1, lon_deg: 25.0, alt_m: 50, alt_ref: agl, speed_m_s: 240}
      - {lat_deg: 53.0, lon_deg: 26.0, alt_m: 50, alt_ref: agl}
  - id: jet-1
    type: F-16C
    route:
      - {lat_deg: 53.6, lon_deg: 23.8, alt_m: 9000}
      - {lat_deg: 53.3, lon_deg: 25.0, alt_m: 9000, time_s: 400}
      - {lat_deg: 53.2, lon_deg: 25.8, alt_m: 8000, speed_m_s: 250}
    max_load_factor_g: 5
raids:
  - id: drones
    type: Shahed-136
    count: 12
    start_time_s: 60
    route:
      - {lat_deg: 52.6, lon_deg: 26.3, alt_m: 500}
      - {lat_deg: 53.09, lon_deg: 26.05, alt_m: 300}
    spread: {time_s: 60, lateral_m: 2000, altitude_m: 100}
"""


def base_text() -> str:
    return MINIMAL + BLOCK


def test_valid_threats_and_raids_load_and_round_trip():
    sc = load_scenario_text(base_text())
    assert sc.seed == 7
    assert [type(t) for t in sc.threats] == [Threat, Threat]
    assert isinstance(sc.raids[0], Raid) and sc.raids[0].count == 12
    assert sc.threats[0].route[0].alt_ref == "agl" and sc.threats[1].route[0].alt_ref == "msl"
    assert sc.raids[0].member_ids()[:2] == ["drones-001", "drones-002"]
    assert load_scenario_text(sc.to_yaml()) == sc


def test_seed_defaults_to_zero():
    assert load_scenario_text(MINIMAL).seed == 0


def test_threat_limits_of_every_library_threat():
    from iadsim.scenario.library import load_library

    for item in load_library().items("threat"):
        lim = threat_limits(item)
        assert 0 < lim.cruise_speed_m_s <= lim.max_speed_m_s * 1.0001, item.id
        assert lim.ceiling_m > 0 and 1 < lim.turn_load_factor_g <= lim.max_load_factor_g
        for aspect in ("nose", "side", "tail"):  # used by the radar scan model
            assert item.figure(f"rcs_{aspect}_dbsm")


# (name, old, new, field, line fragment, allowed contains, message contains)
BAD = [
    ("unknown-type", "type: F-16C", "type: F-17C",
     "threats[1].type", "type: F-17C", "closest: F-16C", "unknown threat"),
    ("radar-as-threat", "type: Shahed-136", "type: 92N6E",
     "raids[0].type", "    type: 92N6E", "threat ids: ", "not a threat"),
    ("speed-too-high", "speed_m_s: 240}", "speed_m_s: 2400}",
     "threats[0].route[1].speed_m_s", "speed_m_s: 2400", "3 x the Tomahawk maximum speed",
     "above the type's maximum"),
    ("speed-zero", "speed_m_s: 240}", "speed_m_s: 0}",
     "threats[0].route[1].speed_m_s", "speed_m_s: 0}", "from 0 (exclusive)", "out of range"),
    ("above-ceiling", "alt_m: 8000, speed_m_s: 250", "alt_m: 16000, speed_m_s: 250",
     "threats[1].route[2].alt_m", "alt_m: 16000", "ceiling is 15240 m", "above the F-16C ceiling"),
    ("negative-altitude", "alt_m: 8000, speed_m_s: 250", "alt_m: -5, speed_m_s: 250",
     "threats[1].route[2].alt_m", "alt_m: -5", "from 0 to 100000", "out of range"),
    ("time-impossible", "time_s: 400}", "time_s: 10}",
     "threats[1].route[1].time_s", "time_s: 10}", "3 x the F-16C maximum speed",
     "faster than the type can fly"),
    ("time-not-increasing", "alt_m: 8000, speed_m_s: 250}", "alt_m: 8000, time_s: 300}",
     "threats[1].route[2].time_s", "time_s: 300}", "> 400.0 s", "not after"),
    ("speed-and-time", "time_s: 400}", "time_s: 400, speed_m_s: 250}",
     "threats[1].route[1]", "time_s: 400, speed_m_s", "`time_s: <s>`", "not both"),
    ("time-on-first", "{lat_deg: 53.6, lon_deg: 23.8, alt_m: 9000}",
     "{lat_deg: 53.6, lon_deg: 23.8, alt_m: 9000, time_s: 5}",
     "threats[1].route[0].time_s", "alt_m: 9000, time_s: 5", "set start_time_s", "first waypoint"),
    ("bad-alt-ref", "alt_m: 50, alt_ref: agl, speed_m_s: 240", "alt_m: 50, alt_ref: agk",
     "threats[0].route[1].alt_ref", "alt_ref: agk", "'msl' or 'agl'", "should be"),
    ("tf-needs-agl", "alt_m: 50, alt_ref: agl}\n  - id: jet-1", "alt_m: 50, alt_ref: msl}\n  - id: jet-1",
     "threats[0].route[2].alt_ref", "lon_deg: 26.0, alt_m: 50, alt_ref: msl", "agl",
     "terrain_following"),
    ("one-waypoint", "      - {lat_deg: 53.09, lon_deg: 26.05, alt_m: 300}\n", "",
     "raids[0].route", "    route:", "2 or more waypoints", "at least 2"),
    ("same-place", "{lat_deg: 53.09, lon_deg: 26.05, alt_m: 300}",
     "{lat_deg: 52.6, lon_deg: 26.3, alt_m: 300}",
     "raids[0].route[1]", "lat_deg: 52.6, lon_deg: 26.3, alt_m: 300", "different positions",
     "same place"),
    ("count-zero", "count: 12", "count: 0",
     "raids[0].count", "count: 0", "from 1 to 1000", "out of range"),
    ("count-too-big", "count: 12", "count: 5000",
     "raids[0].count", "count: 5000", "from 1 to 1000", "out of range"),
    ("spread-time-before-start", "spread: {time_s: 60,", "spread: {time_s: 90,",
     "raids[0].spread.time_s", "spread: {time_s: 90", "0 to 60 s", "before the scenario"),
    ("spread-below-ground", "altitude_m: 100}", "altitude_m: 400}",
     "raids[0].route[1].alt_m", "alt_m: 300", ">= 400 m", "below 0"),
    ("spread-above-ceiling", "altitude_m: 100}", "altitude_m: 4500}",
     "raids[0].route[0].alt_m", "alt_m: 500", "ceiling is 4900 m", "above the Shahed-136 ceiling"),
    ("negative-start", "start_time_s: 30", "start_time_s: -1",
     "threats[0].start_time_s", "start_time_s: -1", "from 0 to", "out of range"),
    ("load-factor-too-high", "max_load_factor_g: 5", "max_load_factor_g: 12",
     "threats[1].max_load_factor_g", "max_load_factor_g: 12", "to 9 g", "maximum load factor"),
    ("load-factor-one", "max_load_factor_g: 5", "max_load_factor_g: 1",
     "threats[1].max_load_factor_g", "max_load_factor_g: 1", "from 1 (exclusive)", "out of range"),
    ("unknown-waypoint-key", "alt_m: 9000, time_s: 400", "alt_m: 9000, tim_s: 400",
     "threats[1].route[1].tim_s", "tim_s: 400", "known keys: lat_deg", "did you mean `time_s`"),
    ("duplicate-id", "  - id: jet-1", "  - id: s400-1",
     "threats[1].id", "  - id: s400-1", "unique", "duplicate id"),
    ("bad-seed", "seed: 7", "seed: -3", "seed", "seed: -3", "from 0 to",
     "out of range"),
    ("tf-not-bool", "terrain_following: true", "terrain_following: 'yes'",
     "threats[0].terrain_following", "terrain_following: 'yes'", "true or false", "boolean"),
]


@pytest.mark.parametrize("case", BAD, ids=lambda c: c[0])
def test_bad_threat_entries_name_field_line_and_allowed(case):
    # the threat block follows the deployment: fragments are found at their LAST occurrence
    check_edit(base_text(), case, occurrence=-1)


def test_raid_example_loads_with_its_disclaimer():
    sc = load_scenario(ROOT / "examples" / "raid_2022.yaml")
    assert "NOT A REPORTED EVENT" in (sc.description or "")
    assert sum(r.count for r in sc.raids) >= 30 and sc.threats
    assert sc.check() == []
