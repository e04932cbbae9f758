"""Scenario ``emcon`` blocks (emission control): accepted and round-tripped when valid; every
mistake reported with its file line, exact field path, bad value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from iadsim.scenario.load import load_scenario_text
from iadsim.scenario.schema import EmconWindow, Scenario
from scenario_cases import check_edit, errors_of, line_of, problem_at

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = (ROOT / "examples" / "minimal.yaml").read_text(encoding="utf-8")
DEMO = (ROOT / "examples" / "raid_2022.yaml").read_text(encoding="utf-8")

ANCHOR = "    radars:\n"
GOOD = ("    emcon:\n"
        "      - {radar: s400-1-92n6e, off_s: 300, on_s: 900}\n"
        "      - {radar: s400-1-92n6e, off_s: 1200}\n"
        "      - {radar: s400-1-91n6e, off_s: 0, on_s: 60}\n" + ANCHOR)


def test_emcon_is_read_and_round_trips():
    sc = load_scenario_text(MINIMAL.replace(ANCHOR, GOOD, 1), path="case.yaml")
    assert sc.battalions[0].emcon == (EmconWindow(radar="s400-1-92n6e", off_s=300.0, on_s=900.0),
                                      EmconWindow(radar="s400-1-92n6e", off_s=1200.0),
                                      EmconWindow(radar="s400-1-91n6e", off_s=0.0, on_s=60.0))
    assert load_scenario_text(sc.to_yaml()) == sc
    assert load_scenario_text(MINIMAL).battalions[0].emcon == ()


# (id, old, new, field, fragment whose line is expected, in allowed, in message)
EMCON_EDITS = [
    ("unknown-radar", ANCHOR, "    emcon:\n      - {radar: s400-1-92n6x, off_s: 300}\n" + ANCHOR,
     "battalions[0].emcon[0].radar", "radar: s400-1-92n6x",
     "closest: s400-1-92n6e; radar ids of s400-1: s400-1-92n6e, s400-1-91n6e", "unknown radar"),
    ("on-before-off", ANCHOR,
     "    emcon:\n      - {radar: s400-1-92n6e, off_s: 300,\n         on_s: 200}\n" + ANCHOR,
     "battalions[0].emcon[0].on_s", "on_s: 200", "on_s > off_s (300 s)", "come back on"),
    ("on-equals-off", ANCHOR,
     "    emcon:\n      - {radar: s400-1-92n6e, off_s: 300, on_s: 300}\n" + ANCHOR,
     "battalions[0].emcon[0].on_s", "on_s: 300", "or no on_s", "come back on"),
    ("overlap", ANCHOR, "    emcon:\n      - {radar: s400-1-92n6e, off_s: 300, on_s: 900}\n"
                        "      - {radar: s400-1-92n6e, off_s: 800}\n" + ANCHOR,
     "battalions[0].emcon[1].off_s", "off_s: 800", "off_s >= 900 s", "overlaps"),
    ("overlap-open-window", ANCHOR, "    emcon:\n      - {radar: s400-1-92n6e, off_s: 100}\n"
                                    "      - {radar: s400-1-92n6e, off_s: 500, on_s: 600}\n"
                                    + ANCHOR,
     "battalions[0].emcon[1].off_s", "off_s: 500", "give emcon[0] an on_s <= 500 s",
     "to the end of the run"),
    ("overlap-not-adjacent", ANCHOR,
     "    emcon:\n      - {radar: s400-1-92n6e, off_s: 0, on_s: 1000}\n"
     "      - {radar: s400-1-92n6e, off_s: 100, on_s: 200}\n"
     "      - {radar: s400-1-92n6e, off_s: 500, on_s: 600}\n" + ANCHOR,
     "battalions[0].emcon[2].off_s", "off_s: 500", "off_s >= 1000 s", "overlaps"),
    ("negative-off", ANCHOR, "    emcon:\n      - {radar: s400-1-92n6e, off_s: -5}\n" + ANCHOR,
     "battalions[0].emcon[0].off_s", "off_s: -5", "from 0 to 604800", "out of range"),
    ("missing-off", ANCHOR, "    emcon:\n      - {radar: s400-1-92n6e, on_s: 5}\n" + ANCHOR,
     "battalions[0].emcon[0].off_s", "radar: s400-1-92n6e, on_s: 5", "a number", "required"),
    ("unknown-key", ANCHOR, "    emcon:\n      - {radar: s400-1-92n6e, of_s: 5}\n" + ANCHOR,
     "battalions[0].emcon[0].of_s", "of_s: 5", "known keys: radar, off_s, on_s",
     "did you mean `off_s`"),
    ("quoted-time", ANCHOR, "    emcon:\n      - {radar: s400-1-92n6e, off_s: '300'}\n" + ANCHOR,
     "battalions[0].emcon[0].off_s", "off_s: '300'", "a number", "valid number"),
]


@pytest.mark.parametrize("case", EMCON_EDITS, ids=lambda c: c[0])
def test_emcon_mistakes_are_reported(case):
    check_edit(MINIMAL, case)


def test_radar_of_another_battalion_names_its_owner():
    anchor = "    radars:\n      - {id: s400-luninets-92n6e"
    text = DEMO.replace(anchor, "    emcon:\n      - {radar: s400-brest-92n6e, off_s: 300}\n"
                        + anchor, 1)
    p = problem_at(errors_of(text), "battalions[0].emcon[0].radar")
    assert p.line == line_of(text, "radar: s400-brest-92n6e")
    assert p.message == "s400-brest-92n6e is a radar of battalion s400-brest, not of s400-luninets"
    assert p.value == "s400-brest-92n6e"
    assert p.allowed.endswith("radar ids of s400-luninets: s400-luninets-92n6e, "
                              "s400-luninets-91n6e")


def test_python_construction_checks_emcon_too():
    data = load_scenario_text(MINIMAL).to_dict()
    data["battalions"][0]["emcon"] = [{"radar": "nope", "off_s": 1.0}]
    with pytest.raises(ValueError, match=r"battalions\[0\]\.emcon\[0\]\.radar: unknown radar"):
        Scenario.model_validate(data)
