"""Tests of the equipment library (data rules, lookup, errors, figure sets, derived loop gain)."""

from __future__ import annotations

import importlib.util
import math

import pytest

from iadsim.errors import EquipmentError
from iadsim.scenario.library import (
    INVERTED_FIGURES,
    Figure,
    Launcher,
    Missile,
    Radar,
    Source,
    load_library,
)

LIB = load_library()
ITEMS = LIB.items()
RADARS = LIB.items("radar")


def _all_facts(item):
    return list(item._walk_facts())


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.id)
def test_every_figure_sourced_or_assumed_with_reasoning(item):
    facts = _all_facts(item)
    assert facts, f"{item.id} has no figures"
    for name, fact in facts:
        if fact.assumed:
            assert fact.reasoning and fact.reasoning.strip(), f"{item.id}.{name}"
        else:
            assert fact.sources, f"{item.id}.{name} has neither sources nor assumed"
        for src in fact.sources:
            assert src.url.startswith("http"), f"{item.id}.{name}: {src.url}"
            assert src.title.strip()


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.id)
def test_low_nominal_high_ordered(item):
    for name, fig in item._walk_figures():
        lo = fig.nominal if fig.low is None else fig.low
        hi = fig.nominal if fig.high is None else fig.high
        assert lo <= fig.nominal <= hi, f"{item.id}.{name}"
        # Every figure converts to SI (unit suffix known) unless it is a model number.
        if name.split(".")[-1] != "swerling" and not name.startswith("loads."):
            for fs in ("low", "nominal", "high"):
                assert math.isfinite(item.si(name, fs))


def test_expected_items_present():
    for name in ["91N6E", "92N6E", "96L6E", "5P85SE2", "5P85TE2", "40N6E", "48N6E3", "48N6DM",
                 "9M96E2", "55K6E", "2RL80E", "1RS2-1E", "57E6E", "2A38M", "30N6E", "48N6E",
                 "5V55R", "5V55K", "Su-35", "Su-30SM", "F-16C", "F-35A", "Typhoon", "Tomahawk",
                 "JASSM", "AGM-88", "Shahed-136", "Kalibr", "Iskander-M", "Mi-35M", "B-52H"]:
        assert name in LIB, name
    assert LIB.get("2A38M").kind == "gun"
    assert {t.threat_class for t in LIB.items("threat")} == {
        "aircraft", "cruise_missile", "ballistic_missile", "drone", "arm", "helicopter", "decoy"}
    assert set(LIB.names("jammer")) >= {"ALQ-99", "ALQ-249", "ALQ-184", "MALD-J-payload"}


def test_cross_references_resolve():
    for m in LIB.items("missile"):
        assert isinstance(m, Missile)
        for rid in m.guided_by:
            assert isinstance(LIB.get(rid), Radar)
        for lid in m.launched_from:
            launcher = LIB.get(lid)
            assert isinstance(launcher, Launcher)
            assert m.id in [load.missile for load in launcher.loads], (m.id, lid)
    for launcher in LIB.items("launcher"):
        for load in launcher.loads:
            assert isinstance(LIB.get(load.missile), Missile)
            assert launcher.missiles_per_launcher(load.missile) >= 1


def test_lookup_case_and_aliases():
    assert LIB.get("40n6").id == "40N6E"
    assert LIB.get("Su35").id == "Su-35"
    assert LIB.get("grave stone").id == "92N6E"
    assert LIB.get("HARM").id == "AGM-88"
    assert LIB.get("shahed").kind == "threat"
    assert LIB.get("48N6", kind="missile").id == "48N6E"
    assert "S-300" not in LIB or LIB.get("S-300")  # no crash either way


def test_unknown_name_suggests_closest():
    with pytest.raises(EquipmentError) as exc:
        LIB.get("40N7E")
    problem = exc.value.problems[0]
    assert problem.value == "40N7E"
    assert "40N6E" in problem.allowed.split(", ")[:3]
    with pytest.raises(EquipmentError) as exc:
        LIB.get("Su-37")
    assert "Su-35" in exc.value.problems[0].allowed


def test_names_and_items_by_kind():
    assert LIB.names("radar") == sorted(r.id for r in RADARS)
    assert set(LIB.names()) == {i.id for i in ITEMS}
    with pytest.raises(ValueError):
        LIB.items("tank")


def test_figure_pick_and_inversion():
    fig = Figure(nominal=5, low=3, high=10, sources=(Source(url="https://x.org", title="t"),))
    assert fig.pick("low") == 3 and fig.pick("nominal") == 5 and fig.pick("high") == 10
    assert fig.pick("low", inverted=True) == 10 and fig.pick("high", inverted=True) == 3
    only = Figure(nominal=7, assumed=True, reasoning="r")
    assert only.pick("low") == only.pick("high") == 7
    with pytest.raises(ValueError):
        fig.pick("max")
    m = LIB.get("40N6E")
    assert "min_range_km" in INVERTED_FIGURES
    # least capable air defence: longest minimum range, shortest maximum range
    assert m.pick("min_range_km", "low") == 10 and m.pick("min_range_km", "high") == 3
    assert m.pick("max_range_km", "low") <= m.pick("max_range_km", "high")
    # threats are never inverted
    t = LIB.get("Iskander-M")
    assert t.pick("min_range_km", "low") == t.figure("min_range_km").pick("low")


def test_si_conversions():
    assert LIB.get("40N6E").si("max_range_km") == pytest.approx(400_000.0)
    assert LIB.get("Su-35").si("max_speed_km_h") == pytest.approx(2500 / 3.6)
    assert LIB.get("F-16C").si("ceiling_ft") == pytest.approx(50_000 * 0.3048)
    assert LIB.get("F-35A").si("rcs_dbsm") == pytest.approx(10 ** (-2.5))
    assert LIB.get("92N6E").si("min_elevation_deg", "high") == pytest.approx(math.radians(-2))


def test_citations_and_assumptions():
    r = LIB.get("91N6E")
    cites = r.citations()
    assert cites and all(isinstance(s, Source) for s in cites)
    assert len({(s.url, s.title) for s in cites}) == len(cites)
    names = [n for n, _ in r.assumptions()]
    assert "reference_detection.pd_ratio" in names
    assert all(reason for _, reason in r.assumptions())
    assert LIB.citations()


def test_figure_validation_rules():
    with pytest.raises(ValueError):
        Figure(nominal=1)  # neither sources nor assumption
    with pytest.raises(ValueError):
        Figure(nominal=1, assumed=True)  # no reasoning
    with pytest.raises(ValueError):
        Figure(nominal=1, low=2, assumed=True, reasoning="r")  # low > nominal
    with pytest.raises(ValueError):
        Source(url="ftp://x", title="t")


MALFORMED = """\
system: test
items:
  - id: X1
    kind: missile
    name: test missile
    seeker: command
    guidance: {value: command, assumed: true, reasoning: r}
    guided_by: [R1]
    launched_from: [L1]
    max_range_km: {nominal: 10, low: 12, sources: [{url: "https://a.b", title: t}]}
    min_range_km: {nominal: 1, assumed: true, reasoning: r}
    max_altitude_km: {nominal: 10, assumed: true}
    min_altitude_km: {nominal: 0.01, assumed: true, reasoning: r}
    max_speed_mach: {nominal: 3, assumed: true, reasoning: r}
    max_target_speed_m_s: {nominal: 1000, assumed: true, reasoning: r}
    warhead_mass_kg: {nominal: 100, assumed: true, reasoning: r}
  - id: X2
    kind: tank
    name: not allowed
"""


def test_malformed_file_reports_file_item_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(MALFORMED)
    with pytest.raises(EquipmentError) as exc:
        load_library([path])
    err = exc.value
    text = str(err)
    assert str(path) in text
    fields = [p.field for p in err.problems]
    assert any("(X1)" in f and "max_range_km" in f for f in fields), fields
    assert any("(X1)" in f and "max_altitude_km" in f for f in fields), fields
    tank = [p for p in err.problems if "(X2)" in p.field]
    assert tank and "radar" in tank[0].allowed and tank[0].value == "tank"
    mr = next(p for p in err.problems if "max_range_km" in p.field)
    assert mr.line == 10
    assert "Traceback" not in text and "pydantic" not in text


def test_unresolved_reference(tmp_path):
    good = MALFORMED.split("  - id: X2")[0]
    good = good.replace("low: 12, ", "").replace(
        "{nominal: 10, assumed: true}", "{nominal: 10, assumed: true, reasoning: r}")
    path = tmp_path / "ref.yaml"
    path.write_text(good)
    with pytest.raises(EquipmentError) as exc:
        load_library([path])
    assert {p.value for p in exc.value.problems} >= {"R1", "L1"}


def test_load_from_explicit_paths_matches_packaged():
    from importlib import resources

    eq_dir = resources.files("iadsim") / "data" / "equipment"
    lib = load_library([str(eq_dir)])
    assert lib.names() == LIB.names()
    assert load_library() is LIB  # default is cached


# ---------------------------------------------------------------- derived loop gain (data <-> code)
def _closed_form_db(radar: Radar, fs: str) -> float:
    """Swerling 1, single look: Pd = Pfa**(1/(1+SNR)) -> SNR = ln(Pfa)/ln(Pd) - 1 (exact)."""
    pd, pfa, n, sw = radar.detector()
    assert (n, sw) == (1, 1)
    snr = math.log(pfa) / math.log(pd) - 1.0
    r = radar.si("reference_detection.range_km", fs)
    s = radar.si("reference_detection.rcs_m2", fs)
    return 10 * math.log10(snr * r**4 / s)


@pytest.mark.parametrize("radar", RADARS, ids=lambda r: r.id)
@pytest.mark.parametrize("fs", ["low", "nominal", "high"])
def test_recorded_loop_gain_matches_closed_form(radar, fs):
    assert radar.recorded_loop_gain_db(fs) == pytest.approx(_closed_form_db(radar, fs), abs=0.01)


HAVE_RADAR = importlib.util.find_spec("iadsim.sensors.radar") is not None


@pytest.mark.skipif(not HAVE_RADAR, reason="iadsim.sensors.radar not present yet")
@pytest.mark.parametrize("radar", RADARS, ids=lambda r: r.id)
@pytest.mark.parametrize("fs", ["low", "nominal", "high"])
def test_recorded_loop_gain_matches_derive_loop_gain(radar, fs):
    from iadsim.sensors.radar import derive_loop_gain

    pd, pfa, n, sw = radar.detector()
    c = derive_loop_gain(radar.si("reference_detection.range_km", fs),
                         radar.si("reference_detection.rcs_m2", fs), pd, pfa, n, sw)
    assert 10 * math.log10(c) == pytest.approx(radar.recorded_loop_gain_db(fs), abs=0.01)


@pytest.mark.skipif(not HAVE_RADAR, reason="iadsim.sensors.radar not present yet")
@pytest.mark.parametrize("radar", RADARS, ids=lambda r: r.id)
def test_radar_model_reproduces_reference_detection(radar):
    m_low, m_nom, m_high = (radar.model(fs) for fs in ("low", "nominal", "high"))
    assert m_low.loop_gain_m4 <= m_nom.loop_gain_m4 <= m_high.loop_gain_m4
    pd_ref = radar.detector()[0]
    r = radar.si("reference_detection.range_km")
    s = radar.si("reference_detection.rcs_m2")
    # inside the instrumented range the model gives the published Pd at the published point
    if r <= m_nom.instrumented_range_m:
        assert float(m_nom.pd(r, s)) == pytest.approx(pd_ref, abs=1e-3)
    assert m_nom.min_elevation_rad < m_nom.max_elevation_rad
