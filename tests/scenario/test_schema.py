"""Scenario schema and loader: the examples load, every class of bad input is reported with the
right field path, line and allowed values, and scenarios round-trip through YAML."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
import yaml

from iadsim.errors import ScenarioError
from iadsim.scenario.load import load_scenario, load_scenario_text
from iadsim.scenario.schema import SYSTEMS, Scenario
from scenario_cases import check_edit, errors_of, line_of, problem_at

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
MINIMAL = ROOT / "examples" / "minimal.yaml"
DEMO = ROOT / "examples" / "united_resolve_2022.yaml"


def minimal_text() -> str:
    return MINIMAL.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The examples
# ---------------------------------------------------------------------------------------------

def test_both_examples_exist():
    assert MINIMAL in EXAMPLES and DEMO in EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_loads_and_is_consistent(path):
    sc = load_scenario(path)
    assert isinstance(sc, Scenario)
    assert sc.iadsim == 1
    assert sc.source_path == str(path)
    assert sc.check() == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_round_trips(path, tmp_path):
    sc = load_scenario(path)
    text = sc.to_yaml()
    assert load_scenario_text(text) == sc
    again = tmp_path / "again.yaml"
    again.write_text(text, encoding="utf-8")
    assert load_scenario(again) == sc
    assert load_scenario(again).to_yaml() == text


def test_demo_scenario_content():
    sc = load_scenario(DEMO)
    systems = [bn.system for bn in sc.battalions if bn.active]
    assert systems.count("S-400") == 2
    assert "Pantsir-S1" in systems
    # Every battalion site is cited or reasoned, and has a location note.
    for bn in sc.battalions:
        assert bn.site.location_note
        assert bn.site.sources, bn.id
        assert all(s.url.startswith("http") and s.title for s in bn.site.sources)
        if bn.site.assumed:
            assert bn.site.reasoning
    # Sites are in Belarus (rough bounding box).
    for bn in sc.battalions:
        assert 51.2 < bn.site.lat_deg < 56.2 and 23.1 < bn.site.lon_deg < 32.8, bn.id
    names = {p.name for p in sc.reference_points}
    assert {"Warsaw", "Vilnius", "Rzeszow", "Kyiv", "Minsk", "Brest"} <= names
    assert all(p.sources for p in sc.reference_points)
    assert sc.defended_assets and all(a.sources for a in sc.defended_assets)
    assert sc.threats == () and sc.raids == ()


def test_source_path_not_part_of_equality(tmp_path):
    a = load_scenario(MINIMAL)
    copy = tmp_path / "copy.yaml"
    copy.write_text(minimal_text(), encoding="utf-8")
    b = load_scenario(copy)
    assert a.source_path != b.source_path
    assert a == b


def test_scenario_is_frozen():
    sc = load_scenario(MINIMAL)
    with pytest.raises(pydantic.ValidationError):
        sc.name = "changed"  # type: ignore[misc]


def test_dem_path_resolves_against_scenario_folder(tmp_path):
    (tmp_path / "dem.tif").write_bytes(b"placeholder")
    text = minimal_text().replace("synthetic: {seed: 1, relief_m: 120, base_m: 160}",
                                  "dem: dem.tif")
    f = tmp_path / "s.yaml"
    f.write_text(text, encoding="utf-8")
    sc = load_scenario(f)
    assert sc.dem_path() == str(tmp_path / "dem.tif")


def test_missing_dem_file_is_reported(tmp_path):
    text = minimal_text().replace("synthetic: {seed: 1, relief_m: 120, base_m: 160}",
                                  "dem: nowhere.tif")
    p = problem_at(errors_of(text, tmp_path), "terrain.dem")
    assert p.line == line_of(text, "dem: nowhere.tif")
    assert "not found" in p.message


# ---------------------------------------------------------------------------------------------
# Bad input: each class of problem -> field path, line, allowed values
# ---------------------------------------------------------------------------------------------

# (id, old text in minimal.yaml, new text, field, fragment whose line is expected, in allowed,
#  in message)
BAD_EDITS = [
    ("lat-out-of-range", "lat_deg: 53.0944", "lat_deg: 95.0",
     "battalions[0].site.lat_deg", "lat_deg: 95.0", "from -90 to 90", "out of range"),
    ("lon-out-of-range", "lon_deg: 26.0458", "lon_deg: -181",
     "battalions[0].site.lon_deg", "lon_deg: -181", "from -180 to 180", "out of range"),
    ("lat-wrong-type", "lat_deg: 53.0944", "lat_deg: north",
     "battalions[0].site.lat_deg", "lat_deg: north", "a number", "valid number"),
    ("lat-quoted-number", "lat_deg: 53.0944", "lat_deg: '53.0944'",
     "battalions[0].site.lat_deg", "lat_deg: '53.0944'", "a number", "valid number"),
    ("unknown-system", "system: S-400", "system: S-500",
     "battalions[0].system", "system: S-500", "'Pantsir-S1'", "Input should be"),
    ("unknown-key", "    name: \"Example S-400 battalion\"", "    nam: \"Example S-400 battalion\"",
     "battalions[0].nam", "nam: \"Example", "known keys: id, system, name", "did you mean `name`"),
    ("unknown-top-key", "description: >", "descripton: >",
     "descripton", "descripton: >", "known keys: iadsim, name, description", "unknown key"),
    ("k-factor-range", "k_factor: 1.3333333333333333", "k_factor: 3",
     "terrain.k_factor", "k_factor: 3", "from 1 to 2", "out of range"),
    ("zero-count", "count: 8", "count: 0",
     "battalions[0].launchers[0].count", "count: 0", "from 1 to 1000", "out of range"),
    ("fractional-count", "count: 8", "count: 2.5",
     "battalions[0].launchers[0].count", "count: 2.5", "a whole number", "integer"),
    ("bool-count", "count: 8", "count: true",
     "battalions[0].launchers[0].count", "count: true", "a whole number", "integer"),
    ("negative-load", "load: {48N6E3: 4}", "load: {48N6E3: -1}",
     "battalions[0].launchers[0].load.48N6E3", "48N6E3: -1", "from 1 to 1000", "out of range"),
    ("bad-id", "id: s400-1\n", "id: S400 One\n",
     "battalions[0].id", "id: S400 One", "lower-case letters", "invalid"),
    ("missing-site-key", "      lat_deg: 53.0944\n", "",
     "battalions[0].site.lat_deg", "    site:", "a number from -90 to 90", "required"),
    ("missing-name", 'name: "Minimal - one S-400 battalion on synthetic terrain"\n', "",
     "name", "iadsim: 1", "text", "required"),
    ("assumed-without-reasoning",
     '      reasoning: "Example only: no S-400 battalion is claimed to stand exactly here."\n', "",
     "battalions[0].site", "    site:", "reasoning", "needs `reasoning`"),
    ("radars-not-a-list",
     ("radars:\n      - {id: s400-1-92n6e, type: 92N6E}\n"
      "      - {id: s400-1-91n6e, type: 91N6E, offset_m: {east: 0, north: 1500}}\n"),
     "radars: 92N6E\n",
     "battalions[0].radars", "radars: 92N6E", "a list", "tuple"),
    ("bad-url", 'url: "https://en.wikipedia.org/wiki/Baranovichi_(air_base)"',
     'url: "wikipedia"', "battalions[0].site.sources[0].url", 'url: "wikipedia"',
     "http(s) URL", "invalid"),
    ("terrain-both", "synthetic: {seed: 1, relief_m: 120, base_m: 160}",
     "synthetic: {seed: 1}\n  dem: x.tif", "terrain", "terrain:", "or `dem:", "exactly one"),
    ("threat-not-a-mapping", "reference_points:", "threats: [su-35]\nreference_points:",
     "threats[0]", "threats: [su-35]", "a mapping", "valid dictionary"),
    ("offset-and-site", "offset_m: {east: 0, north: 1500}",
     ("offset_m: {east: 0, north: 1500}, site: {lat_deg: 53, lon_deg: 26, location_note: x, "
      "assumed: true, reasoning: y}"), "battalions[0].radars[1]", "s400-1-91n6e",
     "or `site:", "not both"),
    ("offset-too-far", "offset_m: {east: 0, north: 1500}", "offset_m: {east: 0, north: 90000}",
     "battalions[0].radars[1].offset_m.north", "north: 90000", "from -50000 to 50000",
     "out of range"),
    ("facing-uncited", "{id: s400-1-92n6e, type: 92N6E}",
     "{id: s400-1-92n6e, type: 92N6E, facing: {bearing_deg: 250}}",
     "battalions[0].radars[0].facing", "facing: {bearing_deg: 250}", "`assumed: true`",
     "not assumed needs at least one entry"),
    ("facing-360", "{id: s400-1-92n6e, type: 92N6E}",
     "{id: s400-1-92n6e, type: 92N6E, facing: {bearing_deg: 360, assumed: true, reasoning: x}}",
     "battalions[0].radars[0].facing.bearing_deg", "bearing_deg: 360", "360", "less than"),
]


@pytest.mark.parametrize("case", BAD_EDITS, ids=lambda c: c[0])
def test_bad_input_reports_field_line_allowed(case):
    check_edit(minimal_text(), case)


# Problems found against the equipment library (after the structure is valid).
EQUIPMENT_EDITS = [
    ("unknown-radar", "type: 91N6E", "type: 91N6X",
     "battalions[0].radars[1].type", "type: 91N6X", "closest: 91N6E", "unknown radar"),
    ("unknown-missile", "load: {48N6E3: 4}", "load: {48N6E9: 4}",
     "battalions[0].launchers[0].load.48N6E9", "48N6E9", "48N6E3", "unknown missile"),
    ("radar-as-launcher", "type: 5P85TE2", "type: 92N6E",
     "battalions[0].launchers[0].type", "{type: 92N6E, count", "5P85TE2", "not a launcher"),
    ("missile-as-radar", "type: 92N6E}", "type: 48N6E3}",
     "battalions[0].radars[0].type", "type: 48N6E3}", "92N6E", "not a radar"),
    ("command-post-kind", "command_post: 55K6E", "command_post: 92N6E",
     "battalions[0].command_post", "command_post: 92N6E", "55K6E", "not a command post"),
    ("overloaded-launcher", "load: {48N6E3: 4}", "load: {48N6E3: 5}",
     "battalions[0].launchers[0].load.48N6E3", "48N6E3: 5", "1 to 4", "exceed"),
    ("wrong-system-missile", "load: {48N6E3: 4}", "load: {57E6E: 4}",
     "battalions[0].launchers[0].load.57E6E", "57E6E: 4", "48N6E3", "cannot field"),
    ("duplicate-radar-id", "{id: s400-1-91n6e,", "{id: s400-1-92n6e,",
     "battalions[0].radars[1].id", "s400-1-92n6e, type: 91N6E", "unique", "duplicate id"),
    ("radar-id-equals-battalion", "{id: s400-1-91n6e,", "{id: s400-1,",
     "battalions[0].radars[1].id", "{id: s400-1, type: 91N6E", "unique", "duplicate id"),
]


@pytest.mark.parametrize("case", EQUIPMENT_EDITS, ids=lambda c: c[0])
def test_equipment_problems(case):
    check_edit(minimal_text(), case)


def test_unknown_equipment_suggests_closest_name_first():
    text = minimal_text().replace("type: 91N6E", "type: 91N6EE")
    p = problem_at(errors_of(text), "battalions[0].radars[1].type")
    assert p.allowed.startswith("closest: 91N6E")
    assert p.value == "91N6EE"


def test_library_aliases_are_accepted():
    # '91N6' is a library alias of 91N6E: not an error.
    sc = load_scenario_text(minimal_text().replace("type: 91N6E", "type: 91N6"))
    assert sc.battalions[0].radars[1].type == "91N6"


def test_pantsir_battalion_cannot_field_s400_radar():
    text = minimal_text().replace("system: S-400", "system: Pantsir-S1")
    problems = errors_of(text)
    p = problem_at(problems, "battalions[0].radars[0].type")
    assert "cannot field" in p.message and "Pantsir-S1" in p.message
    assert "1RS2-1E" in p.allowed
    assert p.line == line_of(text, "type: 92N6E")
    # Launcher, missile and command post are reported too, one problem per finding.
    fields = {q.field for q in problems}
    assert {"battalions[0].radars[1].type", "battalions[0].launchers[0].type",
            "battalions[0].command_post"} <= fields


def test_every_system_has_at_least_one_radar_in_the_library():
    from iadsim.scenario.schema import _default_library, _system_matches

    lib = _default_library()
    for system in ("S-400", "Pantsir-S1"):
        assert [n for n in lib.names("radar") if _system_matches(lib.get(n), system)], system
    assert "S-300PMU" in SYSTEMS


# ---------------------------------------------------------------------------------------------
# File-level problems
# ---------------------------------------------------------------------------------------------

def test_file_not_found(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "missing.yaml")
    (p,) = info.value.problems
    assert p.field == "<file>" and "not found" in p.message


def test_directory_is_not_a_scenario(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path)
    assert info.value.problems[0].field == "<file>"


def test_not_utf8_reports_line(tmp_path):
    f = tmp_path / "latin1.yaml"
    f.write_bytes(b"iadsim: 1\nname: caf\xe9\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    (p,) = info.value.problems
    assert p.field == "<file>" and "UTF-8" in p.message and p.line == 2


@pytest.mark.parametrize("text, line", [
    ("iadsim: 1\nname: [unclosed\n", 3),
    ("iadsim: 1\n  name: x\n bad: indentation\n", 2),
    ("iadsim: 1\nname: \"open string\n", 3),
    ("iadsim: 1\n---\niadsim: 1\n", 2),
    ("iadsim: !!python/object:os.system x\n", 1),
])
def test_yaml_syntax_error_has_line(text, line):
    (p,) = errors_of(text)
    assert p.field == "<file>"
    assert p.line == line, p.message
    assert "YAML" in p.message


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("# only a comment\n", "empty"),
    ("- a\n- b\n", "mapping"),
    ("just text\n", "mapping"),
    ("42\n", "mapping"),
])
def test_top_level_must_be_a_mapping(text, message):
    (p,) = errors_of(text)
    assert p.field == "<file>" and message in p.message
    assert "iadsim" in p.allowed


@pytest.mark.parametrize("version_line, value", [
    ("iadsim: 2", 2), ("iadsim: '1'", "1"), ("iadsim: true", True), ("iadsim: 1.0", 1.0),
    ("iadsim: null", None),
])
def test_unsupported_version(version_line, value):
    text = minimal_text().replace("iadsim: 1", version_line, 1)
    (p,) = errors_of(text)
    assert p.field == "iadsim" and p.allowed == "1" and p.value == value
    assert p.line == line_of(text, version_line)


def test_missing_version():
    text = minimal_text().replace("iadsim: 1\n", "", 1)
    (p,) = errors_of(text)
    assert p.field == "iadsim" and "missing" in p.message and p.allowed == "iadsim: 1"


def test_duplicate_key_reported_with_both_lines():
    text = minimal_text().replace("    command_post: 55K6E\n",
                                  "    command_post: 55K6E\n    command_post: 55K6E\n")
    (p,) = errors_of(text)
    first = line_of(text, "command_post: 55K6E")
    assert p.field == "battalions[0].command_post"
    assert p.line == first + 1 and f"line {first}" in p.message


def test_non_text_key():
    text = minimal_text() + "42: answer\n"
    (p,) = errors_of(text)
    assert p.field == "42" and "text" in p.message and p.line == line_of(text, "42: answer")


def test_several_problems_reported_together():
    text = (minimal_text().replace("lat_deg: 53.0944", "lat_deg: 95")
            .replace("count: 8", "count: -2").replace("system: S-400", "system: S400"))
    fields = {p.field for p in errors_of(text)}
    assert {"battalions[0].site.lat_deg", "battalions[0].launchers[0].count",
            "battalions[0].system"} <= fields


def test_message_names_file_line_field_value_allowed(tmp_path):
    text = minimal_text().replace("lat_deg: 53.0944", "lat_deg: 95.5")
    f = tmp_path / "ur.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    message = str(info.value)
    line = line_of(text, "lat_deg: 95.5")
    assert f"{f}:{line}: battalions[0].site.lat_deg:" in message
    assert "(got 95.5)" in message and "allowed: a number from -90 to 90" in message


# ---------------------------------------------------------------------------------------------
# Python construction and YAML round trip
# ---------------------------------------------------------------------------------------------

def test_python_construction_runs_the_equipment_checks():
    data = yaml.safe_load(minimal_text().replace("type: 91N6E", "type: 91N6X"))
    with pytest.raises(pydantic.ValidationError, match="unknown radar"):
        Scenario.model_validate(data)


def test_python_construction_and_round_trip():
    data = yaml.safe_load(minimal_text())
    sc = Scenario.model_validate(data)
    assert Scenario.from_yaml(sc.to_yaml()) == sc
    assert sc == load_scenario(MINIMAL)


def test_round_trip_keeps_defaults_and_awkward_strings():
    text = minimal_text().replace('name: "Example S-400 battalion"',
                                  "name: 'yes'\n    note: \"null: 1 # not a comment\"")
    sc = load_scenario_text(text)
    assert sc.battalions[0].name == "yes"
    assert load_scenario_text(sc.to_yaml()) == sc
