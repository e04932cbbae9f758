"""Model figures of the engagement (iadsim/data/engagement_model.yaml) reach the engine.

The figures reach a run through the World (``build(scenario, model=...)``: ``world.model``,
``world.missile_types``); ``EngagementConfig`` only overrides them for one run.

References: the data file and the equipment files themselves read with plain ``yaml`` (not the
loaders); the cube-root lethal-radius scaling and Ball's (2003) Poisson gun-burst closed form,
written out here.
"""

from __future__ import annotations

import math
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import yaml
from vignettes import pantsir_one_jet

import iadsim
from iadsim.c2.doctrine import Doctrine
from iadsim.engine.air_picture import AirPictureConfig
from iadsim.engine.engagement import EngagementConfig
from iadsim.errors import EquipmentError
from iadsim.scenario.library import load_library
from iadsim.scenario.load import example_scenarios, load_scenario
from iadsim.scenario.model_figures import THREAT_CLASSES, engagement_model
from iadsim.scenario.schema import Scenario, threat_limits
from iadsim.scenario.world import build, lethal_radius_m

RAW_TEXT = (resources.files("iadsim") / "data" / "engagement_model.yaml").read_text("utf-8")
RAW = yaml.safe_load(RAW_TEXT)["figures"]


def equipment_figure(file: str, item_id: str, name: str) -> dict:
    """A figure of an equipment item as written in the packaged file (plain ``yaml``)."""
    text = (resources.files("iadsim") / "data" / "equipment" / file).read_text("utf-8")
    item = next(i for i in yaml.safe_load(text)["items"] if i["id"] == item_id)
    return item[name]


@pytest.fixture(scope="module")
def minimal_world():
    """The minimal scenario (one S-400 battalion, 48N6E3) built with the packaged model file
    (coarse line-of-sight fields: only figures are looked at)."""
    return build(load_scenario(example_scenarios()["minimal"]), los_resolution_m=5000.0)


def copy_with(tmp_path: Path, old: str, new: str) -> Path:
    """The packaged file with one text replacement (which must occur exactly once)."""
    assert RAW_TEXT.count(old) == 1, old
    path = tmp_path / "engagement_model.yaml"
    path.write_text(RAW_TEXT.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(RAW))
def test_every_figure_is_cited_or_assumed_with_reasoning(name):
    entry = RAW[name]
    assert str(entry.get("description", "")).strip(), name
    sources = entry.get("sources") or []
    for s in sources:
        assert s["url"].startswith("http") and s["title"].strip(), name
    assert sources or (entry.get("assumed") is True and str(entry.get("reasoning", "")).strip())
    if "by_threat_class" in entry:
        assert set(entry["by_threat_class"]) == set(THREAT_CLASSES), name


def test_loader_values_are_the_file_values_in_si():
    m = engagement_model()
    assert m.target_hardness == RAW["target_hardness_ratio"]["by_threat_class"]
    assert m.gun_target_area_m2 == RAW["gun_target_area_m2"]["by_threat_class"]
    assert m.reference_lethal_radius_m == RAW["reference_lethal_radius_m"]["nominal"]
    assert m.planning_pk == RAW["planning_pk_ratio"]["nominal"]
    assert m.default_reaction_time_s == RAW["default_reaction_time_s"]["nominal"]
    for cls, deg in RAW["max_climb_angle_deg"]["by_threat_class"].items():
        assert m.max_climb_angle_rad[cls] == pytest.approx(deg * math.pi / 180.0, rel=1e-15)
    names = {f.name for f in m.figures}
    assert {n for n, *_ in m.assumptions()} == {f.name for f in m.figures if f.assumed}
    assert "target_hardness_ratio.drone" in names and "planning_pk_ratio" in names
    urls = {u for u, _ in m.citations()}
    assert "https://arc.aiaa.org/doi/book/10.2514/4.862519" in urls        # Ball (2003), method


def test_engine_defaults_are_the_file_values(minimal_world):
    """A World built without a model carries the file's figures; a default run configuration
    overrides none of them (``None``: the World's)."""
    m = minimal_world.model
    assert m.target_hardness == RAW["target_hardness_ratio"]["by_threat_class"]
    assert m.gun_target_area_m2 == RAW["gun_target_area_m2"]["by_threat_class"]
    assert m.planning_pk == RAW["planning_pk_ratio"]["nominal"]
    assert m.defended_radius_m == RAW["defended_radius_m"]["nominal"]
    assert m.threat_time_scale_s == RAW["threat_time_scale_s"]["nominal"]
    assert m.kill_assessment_delay_s == RAW["kill_assessment_delay_s"]["nominal"]
    cfg = EngagementConfig()
    assert (cfg.lethal_radius_m, cfg.target_hardness, cfg.expected_pk, cfg.gun_target_area_m2,
            cfg.kill_assessment_delay_s) == (None, None, None, None, None)
    # cube-root scaling from the file's reference, with the 57E6E's warhead mass as written in
    # pantsir_s1.yaml, and the 48N6E3's in s400.yaml (the built missile type)
    ref_r, ref_m = (RAW[k]["nominal"] for k in ("reference_lethal_radius_m",
                                                 "reference_warhead_mass_kg"))
    mass = equipment_figure("pantsir_s1.yaml", "57E6E", "warhead_mass_kg")["nominal"]
    assert lethal_radius_m(load_library().get("57E6E"), "nominal", engagement_model()) == \
        pytest.approx(ref_r * (mass / ref_m) ** (1 / 3), rel=1e-12)
    mass = equipment_figure("s400.yaml", "48N6E3", "warhead_mass_kg")["nominal"]
    assert minimal_world.missile_types["48N6E3"].lethal_radius_m == pytest.approx(
        ref_r * (mass / ref_m) ** (1 / 3), rel=1e-12)


def test_route_limits_use_the_file_turn_load_factor():
    turn = RAW["turn_load_factor_ratio"]["by_threat_class"]
    for item in load_library().items("threat"):
        lim = threat_limits(item)
        n_max = (item.pick("max_load_factor_ratio", "high")
                 if "max_load_factor_ratio" in item.figures else turn[item.threat_class])
        assert lim.turn_load_factor_g == min(turn[item.threat_class], n_max), item.id


def test_a_changed_file_changes_the_lethal_radius(tmp_path, minimal_world):
    path = copy_with(tmp_path, "  reference_lethal_radius_m:\n", "  reference_lethal_radius_m:\n")
    text = path.read_text("utf-8").replace("    nominal: 20.0\n", "    nominal: 40.0\n", 1)
    path.write_text(text, encoding="utf-8")
    model = engagement_model(path)
    assert model.reference_lethal_radius_m == 40.0
    item = load_library().get("48N6E3")
    base = lethal_radius_m(item, "nominal", engagement_model())
    assert lethal_radius_m(item, "nominal", model) == pytest.approx(2 * base, rel=1e-12)
    # and the World built with the changed file carries it
    world = build(load_scenario(example_scenarios()["minimal"]), model=model,
                  los_resolution_m=5000.0)
    assert world.missile_types["48N6E3"].lethal_radius_m == pytest.approx(
        2 * minimal_world.missile_types["48N6E3"].lethal_radius_m, rel=1e-12)


@pytest.mark.parametrize("old,new,field", [
    ("    nominal: 0.7\n", "    nominal: 1.7\n", "figures.planning_pk_ratio"),
    ("      aircraft: 10.0\n", "      aircraft: ten\n", "figures.gun_target_area_m2.by_threat_class"),
    ("      helicopter: 15.0\n", "", "figures.gun_target_area_m2.by_threat_class"),
    ("      drone: 2.0\n      arm: 4.0\n", "      drone: 2.0\n      arm: 0.9\n",
     "figures.turn_load_factor_ratio.by_threat_class.arm"),
    ("""      The most conservative choice: every fire unit can engage at least one target.\n""",
     "", "figures.default_target_channels_count"),
])
def test_a_broken_file_names_file_line_and_figure(tmp_path, old, new, field):
    path = copy_with(tmp_path, old, new)
    if not new and "conservative" in old:       # drop the reasoning of an assumed figure
        text = path.read_text("utf-8").replace(
            "    nominal: 1\n    assumed: true\n    reasoning: >-\n", "    nominal: 1\n"
            "    assumed: true\n")
        path.write_text(text, encoding="utf-8")
    with pytest.raises(EquipmentError) as err:
        engagement_model(path)
    message = str(err.value)
    assert str(path) in message and field in message, message
    assert any(p.line for p in err.value.problems)


# --------------------------------------------------------------- a run reads the model's figures
def pantsir_scenario(missiles: bool = False) -> Scenario:
    """One Pantsir-S1 (2A38M guns; 57E6E missiles with ``missiles``) and one F-16C flying south
    over it through the gun envelope (:func:`vignettes.pantsir_one_jet`)."""
    return pantsir_one_jet(missiles=missiles, name="pantsir guns, one jet")


def run_with(model=None):
    """The guns-only vignette built with ``model`` (default: the packaged file) and run."""
    cfg = EngagementConfig(air_picture=AirPictureConfig(report_interval_s=1.0),
                           doctrine=Doctrine(salvo_size=2))
    return iadsim.run(build(pantsir_scenario(), model=model), seed=4, config=cfg)


def test_gun_target_area_from_the_file_sets_the_burst_pk(tmp_path):
    """Doubling the aircraft's presented area in the file raises the first burst's Pk exactly as
    Ball's Poisson closed form says: with p_h = 1 - exp(-A / (2 pi sigma^2)) and
    P = 1 - exp(-n p_h P_k|h), the first run's P gives 2 pi sigma^2 for the same burst (same
    time, same rounds), hence the second run's P."""
    big = engagement_model(copy_with(tmp_path, "      aircraft: 10.0\n      helicopter: 15.0\n",
                                     "      aircraft: 20.0\n      helicopter: 15.0\n"))
    assert big.gun_target_area_m2["aircraft"] == 20.0
    first = [r.events[r.events["event"] == "gun_burst"].iloc[0] for r in (run_with(),
                                                                          run_with(big))]
    assert first[0]["time_s"] == first[1]["time_s"]
    n = int(re.match(r"(\d+) rounds", first[0]["detail"]).group(1))
    assert first[1]["detail"].startswith(f"{n} rounds")
    pkh = load_library().get("2A38M").pick("pk_per_hit_ratio")
    p_hit = -math.log(1.0 - first[0]["pk"]) / (n * pkh)
    two_pi_sigma2 = -10.0 / math.log(1.0 - p_hit)
    expected = 1.0 - math.exp(-n * pkh * (1.0 - math.exp(-20.0 / two_pi_sigma2)))
    assert first[1]["pk"] > first[0]["pk"]
    assert first[1]["pk"] == pytest.approx(expected, rel=1e-9)


def test_summary_lists_each_used_model_figure_once_from_its_metadata():
    res = run_with()
    notes = res.summary["assumptions"]
    m = engagement_model()
    for table, values in (("gun_target_area_m2", "aircraft 10 m2"),):
        lines = [a for a in notes if f"[{table}]" in a]
        assert len(lines) == 1, table
        assert f"[{table}]: {values}." in lines[0]          # only the class in the raid
        assert m.figure(f"{table}.aircraft").reasoning in lines[0]
        assert "Ball" in lines[0]
    # guns only: no missile figure (hardness, lethal radius, planning) is listed
    assert not any("[target_hardness_ratio]" in a or "[planning_pk_ratio]" in a for a in notes)
    assert not any("helicopter 15" in a for a in notes)


def test_summary_of_a_missile_run_lists_hardness_and_planning_figures():
    res = iadsim.run(pantsir_scenario(missiles=True), seed=4,
        config=EngagementConfig(air_picture=AirPictureConfig(report_interval_s=1.0,
                                                             t_end_s=30.0),
                                expected_pk=0.6))
    notes = res.summary["assumptions"]
    m = engagement_model()
    for table in ("target_hardness_ratio", "reference_lethal_radius_m",
                  "reference_warhead_mass_kg", "planning_speed_ratio", "gun_target_area_m2"):
        lines = [a for a in notes if f"[{table}]" in a]
        assert len(lines) == 1, table
        name = table if table in {f.name for f in m.figures} else f"{table}.aircraft"
        assert m.figure(name).reasoning in lines[0]
    # a planning Pk given as a run option is named so, with the model's value it replaces
    nominal = RAW["planning_pk_ratio"]["nominal"]
    assert any(a.startswith("Planning single-shot Pk 0.6 for every feasible pair (run option")
               and f"the model's value is {nominal:g}" in a for a in notes), notes
    assert not any("[planning_pk_ratio]" in a for a in notes)         # the World's line: gone
    np.testing.assert_equal(len([a for a in notes if "57E6E" in a and "lethal radius" in a]), 1)


def test_a_run_option_replaces_the_world_line_it_overrides():
    """A model figure set by a run option is listed once, as the run option (every class, the
    changed ones with the model's value); the World's line of it is not listed beside it."""
    world = build(pantsir_scenario(missiles=True))
    air = AirPictureConfig(report_interval_s=1.0, t_end_s=30.0)
    plain = iadsim.run(world, seed=4, config=EngagementConfig(air_picture=air))
    notes = plain.summary["assumptions"]
    for table in ("kill_assessment_delay_s", "target_hardness_ratio"):
        assert sum(f"[{table}]" in a for a in notes) == 1, table
    hard = engagement_model().target_hardness["aircraft"]
    res = iadsim.run(world, seed=4, config=EngagementConfig(
        air_picture=air, kill_assessment_delay_s=9.0, target_hardness={"aircraft": 2 * hard}))
    notes = res.summary["assumptions"]
    assert not any("[kill_assessment_delay_s]" in a or "[target_hardness_ratio]" in a
                   for a in notes), notes
    assert sum(a.startswith("Kill-assessment delay 9 s (run option") for a in notes) == 1
    assert f"Target hardness (run option, ASSUMED): aircraft {2 * hard:g} (the model's value " \
           f"is {hard:g})." in notes
    assert world.provenance.option_lines["kill_assessment_delay_s"] in world.provenance.assumptions


def test_threat_evaluation_uses_the_file_figures_and_lists_them(tmp_path, monkeypatch):
    """The command post's threat model is made with the file's defended radius and time scale
    (a changed copy reaches it), and the run lists both with their reasoning."""
    from iadsim.c2 import threat

    seen = []
    real = threat.ThreatModel.of.__func__

    def spy(cls, assets, *args, **kw):
        seen.append(kw)
        return real(cls, assets, *args, **kw)

    monkeypatch.setattr(threat.ThreatModel, "of", classmethod(spy))
    path = copy_with(tmp_path, "nominal: 60.0", "nominal: 45.0")
    res = run_with(engagement_model(path))
    assert seen[-1] == {"defended_radius_m": 10_000.0, "time_scale_s": 45.0}
    notes = " ".join(res.summary["assumptions"])
    m = engagement_model()
    for name in ("defended_radius_m", "threat_time_scale_s"):
        assert notes.count(f"[{name}]") == 1 and m.figure(name).reasoning in notes
