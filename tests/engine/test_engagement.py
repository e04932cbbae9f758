"""Engagement chain on a scripted raid: event order, bookkeeping, determinism, replays."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import iadsim
from iadsim.c2.doctrine import Doctrine
from iadsim.engine.air_picture import AirPictureConfig
from iadsim.engine.engagement import EngagementConfig
from iadsim.workflows import engagement_products

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

RAID = (Path(__file__).resolve().parents[1] / "reference" / "two_jets.yaml").read_text()
CONFIG = EngagementConfig(air_picture=AirPictureConfig(t_end_s=420.0, report_interval_s=1.0))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("sc") / "raid.yaml"
    path.write_text((EXAMPLES / "minimal.yaml").read_text() + RAID)
    return iadsim.load_scenario(path)


@pytest.fixture(scope="module")
def result(scenario):
    return iadsim.run(scenario, seed=5, config=CONFIG)


def test_every_engagement_follows_the_kill_chain_order(result):
    ev = result.events
    for missile, g in ev[ev["missile_id"] != ""].groupby("missile_id"):
        kinds = list(g["event"])
        modes = list(g.loc[g["event"] == "guidance_mode", "detail"])
        assert kinds[0] == "launch", (missile, kinds)
        assert kinds[1:1 + len(modes)] == ["guidance_mode"] * len(modes), (missile, kinds)
        assert modes[0] == "command" and all(m.startswith("terminal") for m in modes[1:2])
        assert len(modes) <= 2
        end = kinds[1 + len(modes)]
        assert end in ("intercept", "miss"), (missile, kinds)
        assert g["time_s"].is_monotonic_increasing
        if "kill" in kinds:
            assert end == "intercept"
    e = result.engagements
    assert (e["assign_s"] <= e["launch_s"]).all() and (e["launch_s"] <= e["intercept_s"]).all()
    assert (e["first_detection_s"] <= e["track_confirmed_s"]).all()
    assert (e["track_confirmed_s"] <= e["assign_s"]).all()


def test_magazine_bookkeeping(result):
    launches = result.events[result.events["event"] == "launch"]
    unit = result.summary["fire_units"]["s400-1"]
    assert sum(unit["missiles_fired"].values()) == len(launches)
    start = result.magazine[result.magazine["time_s"] == 0.0]["rounds"].sum()
    assert start - len(launches) == sum(unit["rounds_left"].values())
    assert (result.magazine["rounds"] >= 0).all()


def test_no_engagement_of_a_threat_assessed_destroyed(result):
    """Closed loop: the command post stops engaging a threat once it has assessed its kill
    (kill_assessed, no withdrawal here: a dead threat is not detected again); a launch at a
    dead threat before that is possible, says so and is counted."""
    ev = result.events
    assessed = ev[ev["event"] == "kill_assessed"].groupby("truth_id")["time_s"].min()
    assert "kill_assessment_withdrawn" not in set(ev["event"])
    for truth, t_assessed in assessed.items():
        later = ev[ev["event"].isin(["assign", "launch"]) & (ev["truth_id"] == truth)
                   & (ev["time_s"] > t_assessed)]
        assert later.empty
    kills = ev[ev["event"] == "kill"].groupby("truth_id")["time_s"].min()
    assert set(kills.index) <= set(assessed.index)       # every kill is assessed in 420 s
    after = ev[(ev["event"] == "launch") & (ev["truth_id"].map(kills) < ev["time_s"])]
    assert all(d.startswith("target already destroyed at") for d in after["detail"])
    assert result.metrics["fired_after_kill_count"].iloc[0] == len(after)
    dead = result.fates[result.fates["fate"] == "killed"]
    for row in dead.itertuples():
        assert result.picture.truth[(result.picture.truth["truth_id"] == row.truth_id)
                                    & (result.picture.truth["time_s"] > row.time_s)].empty


def test_same_seed_same_event_log(scenario, result):
    again = iadsim.run(scenario, seed=5, config=CONFIG)
    pd.testing.assert_frame_equal(result.events, again.events)


def test_products_and_replays(scenario, tmp_path):
    res, files = engagement_products(scenario, tmp_path / "run", seed=5, config=CONFIG)
    names = {f.name for f in files}
    assert {"events.parquet", "summary.json", "summary.md", "kill_chain.png", "magazine.png",
            "replay.acmi", "replay.czml", "replay.kml", "tracks.parquet", "truth.parquet",
            "truth_vs_tracks.png"} <= names
    acmi = (tmp_path / "run" / "replay.acmi").read_text()
    assert acmi.startswith("FileType=text/acmi/tacview") and "FileVersion=2.1" in acmi
    # every logged guidance-mode change and kill reaches the replay as an ACMI event
    lines = acmi.splitlines()
    n_mode = int((res.events["event"] == "guidance_mode").sum())
    assert n_mode > 0
    assert sum("|guidance_mode: " in ln for ln in lines if ln.startswith("0,Event=Message|")) == n_mode
    assert sum(ln.startswith("0,Event=Destroyed|") for ln in lines) == int(
        (res.events["event"] == "kill").sum())
    czml = json.loads((tmp_path / "run" / "replay.czml").read_text())
    assert czml[0]["id"] == "document"
    ET.parse(tmp_path / "run" / "replay.kml")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["summary"]["threats"] == 2
    assert np.isfinite(summary["summary"]["missiles_fired"])


def test_python_api_run(scenario):
    """``iadsim.run`` on a scenario (built on the fly) and on a World built once: the same run;
    the run option ``t_end_s`` reaches it."""
    config = EngagementConfig(air_picture=AirPictureConfig(t_end_s=200.0))
    res = iadsim.run(scenario, seed=5, config=config)
    assert {"time_s", "event", "unit_id"} <= set(res.events.columns)
    assert res.summary["threats"] == 2
    assert res.events["time_s"].max() <= 200.0 and res.picture.truth["time_s"].max() <= 200.0
    on_world = iadsim.run(iadsim.build(scenario), seed=5, config=config)
    pd.testing.assert_frame_equal(res.events, on_world.events)


def test_python_api_run_passes_the_doctrine(scenario):
    res = iadsim.run(scenario, seed=5, config=EngagementConfig(
        doctrine=Doctrine(salvo_size=1), air_picture=AirPictureConfig(t_end_s=300.0)))
    launches = res.events[res.events["event"] == "launch"]
    assert len(launches) > 0
    # one missile per engagement: no two launches of a unit at a threat at the same assignment
    assert (res.engagements["missiles"] == 1).all()


@pytest.mark.parametrize(("args", "expected"), [
    (["--salvo", "0"], "'--salvo': 0"),
    (["--policy", "shoot-and-pray"], "shoot-look-shoot"),
    (["--assignment", "random"], "optimal"),
    (["--link-latency-s", "-1"], "'--link-latency-s': -1"),
])
def test_cli_run_bad_doctrine_is_a_clear_error(tmp_path, args, expected):
    from typer.testing import CliRunner

    from iadsim.cli import app

    res = CliRunner().invoke(app, ["run", str(EXAMPLES / "minimal.yaml"), "--out",
                                   str(tmp_path / "o"), *args])
    assert res.exit_code == 2, res.output
    assert expected in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_intercept_pk_is_the_carleton_function_of_the_miss(result):
    """Pk of each intercept = 2^-(h r / R50)², R50 = 20 m (180 kg 48N6 warhead), F-16C h = 1."""
    hits = result.events[result.events["event"] == "intercept"]
    assert len(hits) > 0 and (hits["missile_type"] == "48N6E3").all()
    np.testing.assert_allclose(hits["pk"], 2.0 ** -((hits["miss_m"] / 20.0) ** 2), rtol=1e-12)


def missiles_scenario(load_40n6e: bool = False):
    """The minimal S-400 battalion (48N6E3; with ``load_40n6e`` also 40N6E) and a Pantsir-S1
    battalion (57E6E), no threats."""
    from iadsim.scenario.load import load_scenario_text

    text = (EXAMPLES / "minimal.yaml").read_text(encoding="utf-8")
    if load_40n6e:
        text = text.replace("      - {type: 5P85TE2, count: 8, load: {48N6E3: 4}}\n",
                            "      - {type: 5P85TE2, count: 4, load: {48N6E3: 4}}\n"
                            "      - {type: 5P85TE2, count: 4, load: {40N6E: 2}}\n")
    return load_scenario_text(text.replace("reference_points:", """\
  - id: pantsir-1
    system: Pantsir-S1
    site: {lat_deg: 53.1, lon_deg: 26.1, location_note: test, assumed: true, reasoning: test}
    radars: [{id: p-search, type: 2RL80E}, {id: p-track, type: 1RS2-1E}]
    launchers: [{type: 96K6, count: 1, load: {57E6E: 12}}]
reference_points:"""), path="missiles.yaml")


def missiles_world(figures, load_40n6e: bool = False):
    """:func:`missiles_scenario` built with ``figures`` (coarse line-of-sight fields: only the
    missile types are looked at)."""
    from iadsim.scenario.world import build

    return build(missiles_scenario(load_40n6e), figures, los_resolution_m=5000.0)


@pytest.fixture(scope="module")
def both_missiles_world():
    return missiles_world("nominal")


@pytest.mark.parametrize(("missile", "expected_m"), [
    ("48N6E3", 20.0),                              # the 180 kg reference warhead
    ("57E6E", 20.0 * (20.0 / 180.0) ** (1 / 3)),   # 20 kg: 9.61 m
])
def test_lethal_radius_scales_with_the_cube_root_of_warhead_mass(missile, expected_m,
                                                                 both_missiles_world):
    from iadsim.engine.engagement import RunFigures
    from iadsim.scenario.model_figures import engagement_model
    from iadsim.scenario.world import lethal_radius_m

    item = iadsim.load_library().get(missile)
    assert lethal_radius_m(item, "nominal", engagement_model()) == pytest.approx(expected_m,
                                                                                rel=1e-12)
    world = both_missiles_world
    assert world.missile_types[missile].lethal_radius_m == pytest.approx(expected_m, rel=1e-12)
    # a run takes the World's radius, unless its configuration overrides it (stated)
    assert RunFigures.of(world, EngagementConfig()).lethal_radius_m[missile] == \
        world.missile_types[missile].lethal_radius_m
    override = RunFigures.of(world, EngagementConfig(lethal_radius_m=7.0))
    assert override.lethal_radius_m[missile] == 7.0
    assert any(f"{missile} 7 m" in line and "(run option" in line
               for line in override.options(world, [])[0])
    # ... in place of the World's line (Provenance.option_lines)
    assert override.options(world, [])[1] == [world.provenance.option_lines["lethal_radius_m"]]
    assert world.provenance.option_lines["lethal_radius_m"] in world.provenance.assumptions



# ------------------------------------------------------------ figures reach the engagement
# Library values (s400.yaml, pantsir_s1.yaml): 48N6E3 warhead 143 / 180 / 180 kg (low / nominal /
# high); 57E6E max speed 1100 / 1300 / 1300 m/s; 40N6E max speed Mach 6 / 6 / 7.
@pytest.mark.parametrize(("figures", "missile", "expected_m"), [
    ("low", "48N6E3", 20.0 * (143.0 / 180.0) ** (1 / 3)),
    ("high", "48N6E3", 20.0),
    (iadsim.Figures.of("nominal", {"48N6E3.warhead_mass_kg": 1440.0}), "48N6E3", 40.0),  # 8x mass
    (iadsim.Figures.of("low", {"57E6E.warhead_mass_kg": 22.5}), "57E6E", 10.0),        # 1/8 mass
])
def test_lethal_radius_reads_the_warhead_mass_of_the_figures(figures, missile, expected_m):
    from iadsim.scenario.model_figures import engagement_model
    from iadsim.scenario.world import lethal_radius_m

    item = iadsim.load_library().get(missile)
    assert lethal_radius_m(item, figures, engagement_model()) == pytest.approx(expected_m,
                                                                               rel=1e-12)


@pytest.mark.parametrize(("figures", "missile", "expected_m_s"), [
    ("low", "57E6E", 550.0),
    ("high", "57E6E", 650.0),
    ("high", "40N6E", 0.5 * 7.0 * 340.294),
    (iadsim.Figures.of("low", {"57E6E.max_speed_m_s": 2000.0}), "57E6E", 1000.0),
])
def test_planning_speed_is_half_the_max_speed_of_the_figures(figures, missile, expected_m_s):
    """The World's missile type carries the planning speed of the figures it was built with
    (planning_speed_ratio 0.5 of engagement_model.yaml times the missile's max speed)."""
    world = missiles_world(figures, load_40n6e=missile == "40N6E")
    assert world.missile_types[missile].planning_speed_m_s == pytest.approx(expected_m_s,
                                                                            rel=1e-12)


def test_warhead_override_reaches_the_kill_probability(scenario):
    """8 × the 180 kg warhead: R50 = 2 × 20 m (cube root), so every intercept's Pk is
    2^-(miss / 40 m)² and the report lists the override and the 40 m radius."""
    figures = iadsim.Figures.of("nominal", {"48N6E3.warhead_mass_kg": 1440.0})
    res = iadsim.run(scenario, seed=5, figure_set=figures, config=CONFIG)
    hits = res.events[res.events["event"] == "intercept"]
    assert len(hits) > 0
    np.testing.assert_allclose(hits["pk"], 2.0 ** -((hits["miss_m"] / 40.0) ** 2), rtol=1e-12)
    assert res.summary["provenance"]["figure_set"] == figures.label
    notes = res.summary["assumptions"]
    assert any(a.startswith("48N6E3.warhead_mass_kg = 1440 kg: user override") for a in notes)
    assert any("48N6E3 40.0 m" in a for a in notes)
