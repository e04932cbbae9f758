"""Issue 11: one World, one closed loop.

- Worlds built by hand (``hand_worlds``): the sensing follows the state now (emission control,
  radar loss, kills), the kill-assessment delay, hand-derived times.
- Worlds built from a scenario: they pickle, a run does not change them, reuse gives the same
  bytes as building afresh, ``keep`` changes only what is kept, and a figure override that the
  engine uses changes the result in the direction derived by hand.
"""

from __future__ import annotations

import dataclasses
import math
import pickle

import numpy as np
import pandas as pd
import pytest

import hand_worlds as hw
import iadsim
from iadsim.engine.air_picture import AirPictureConfig, simulate_air_picture
from iadsim.engine.engagement import EngagementConfig, radars_read, run_engagement
from iadsim.engine.fire_unit import FireUnit
from iadsim.errors import ScenarioError
from iadsim.scenario.load import load_scenario_text
from iadsim.scenario.model_figures import engagement_model
from iadsim.weapons.calibration import load_aero
from iadsim.weapons.kill import carleton_pk

REPORT = 1.0        # AirPictureConfig().report_interval_s: one default for every run
FRAME = 0.5         # AirPictureConfig().frame_s


def test_one_default_report_interval():
    assert AirPictureConfig().report_interval_s == REPORT
    assert EngagementConfig().air_picture.report_interval_s == REPORT


# ---------------------------------------------------------------------------------------------
# Hand-built Worlds
# ---------------------------------------------------------------------------------------------

def test_sensing_follows_emission_control_and_the_radar_loss():
    """One jet in range all along (Pd ~ 1): a detection every 5 s scan while the radar emits,
    none in its off window [100, 200) s nor after its loss at 300 s; its track coasts and is
    deleted 3 revisits (delete_misses x 5 s) after its last update."""
    world = hw.world((hw.jet(0, 53.0 + 1.3),), off_windows=[(100.0, 200.0)], destroyed_s=300.0)
    pic = simulate_air_picture(world, seed=1, config=AirPictureConfig(t_end_s=400.0))
    det = pic.detections[pic.detections["truth_id"] == 0]["time_s"].to_numpy()
    for lo, hi in ((0.0, 100.0), (200.0, 300.0)):
        inside = det[(det >= lo) & (det < hi)]
        assert len(inside) in (19, 20, 21)                     # (hi - lo) / 5 s scans
        assert np.allclose(np.diff(inside), hw.SCAN_S, atol=0.05)
    assert not ((det >= 100.0) & (det < 200.0)).any() and not (det >= 300.0).any()
    assert not (pic.detections["time_s"] >= 300.0).any()           # no false alarm either
    fused = pic.tracks[(pic.tracks["tracker"] == "fused") & (pic.tracks["truth_id"] == 0)]
    last_report = fused["time_s"].max()
    deleted = det.max() + 3 * hw.SCAN_S
    assert deleted - FRAME - REPORT <= last_report <= deleted + FRAME
    # the world is still the one built: a run changes nothing in it
    assert world.radars[0].destroyed_s == 300.0


def test_no_detection_after_the_kill_and_the_kill_assessment_delay():
    """Two jets 30 s apart; a 1 km lethal radius makes the first fuzed missile a kill (Carleton
    Pk 2^-(r/1000)^2 ~ 1 at any flown miss). After the kill nothing of the jet is detected, its
    command-post track is dropped, and the command post judges the kill at the first report
    >= intercept + 10 s (kill_assessment_delay_s of the hand-built World)."""
    world = hw.world((hw.jet(0, 53.0 + 1.3), hw.jet(1, 53.0 + 1.3, 30.0)), rounds=8)
    res = run_engagement(world, seed=3, config=EngagementConfig(
        air_picture=AirPictureConfig(t_end_s=500.0), lethal_radius_m=1000.0))
    ev, det = res.events, res.picture.detections
    kills = ev[ev["event"] == "kill"]
    assert sorted(kills["truth_id"]) == [0, 1]
    for row in kills.itertuples():
        mine = det[det["truth_id"] == row.truth_id]
        assert (mine["time_s"] <= row.time_s).all()
        assert not res.picture.truth[(res.picture.truth["truth_id"] == row.truth_id)
                                     & (res.picture.truth["time_s"] > row.time_s)].shape[0]
        hit = ev[(ev["event"] == "intercept") & (ev["truth_id"] == row.truth_id)]["time_s"]
        t_hit = hit[hit >= mine["time_s"].max()].min()
        assessed = ev[(ev["event"] == "kill_assessed") & (ev["truth_id"] == row.truth_id)]
        assert assessed["time_s"].tolist() == [math.ceil(t_hit + 10.0)]
        drop = ev[(ev["event"] == "track_drop") & (ev["truth_id"] == row.truth_id)]
        assert len(drop) == 1 and drop["time_s"].iloc[0] > row.time_s
        # nothing is decided at it after the assessment
        later = ev[(ev["truth_id"] == row.truth_id) & ev["event"].isin(["assign", "launch"])
                   & (ev["time_s"] > assessed["time_s"].iloc[0])]
        assert later.empty
    # salvo of 2, launcher interval 3 s, reaction 10 s: launches at assign + 10 and + 13
    assigns = ev[ev["event"] == "assign"]
    launches = ev[ev["event"] == "launch"]
    first = launches[launches["truth_id"] == assigns["truth_id"].iloc[0]]["time_s"].iloc[:2]
    np.testing.assert_allclose(first, assigns["time_s"].iloc[0] + np.array([10.0, 13.0]))


def test_fire_unit_state_is_copied_from_the_spec():
    spec = hw.world((hw.jet(0, 54.0),), rounds=4).fire_units[0]
    unit = FireUnit.from_spec(spec)
    unit.launchers[0].rounds["48N6E3"] -= 1
    unit.spares[0]["48N6E3"] = 9
    assert spec.launchers[0].load == {"48N6E3": 4} and spec.launchers[0].spare_rounds == {}
    assert unit.rounds == {"48N6E3": 3}


def test_unknown_table_in_keep_is_a_clear_error():
    world = hw.world((hw.jet(0, 54.0),))
    with pytest.raises(iadsim.errors.InputError, match="keep: 'tracks2'.*allowed values"):
        run_engagement(world, keep=("events", "tracks2"))


# ---------------------------------------------------------------------------------------------
# Worlds built from a scenario
# ---------------------------------------------------------------------------------------------

def radial(alt_m: float = 6000.0) -> str:
    """One S-400 battalion at (53 N, 26 E) on flat ground at 0 m, one F-16C flying due south
    at ``alt_m`` and 250 m/s from 53.9 N (100.1 km north) over it."""
    return f"""
iadsim: 1
name: radial
seed: 11
terrain: {{synthetic: {{seed: 1, relief_m: 0, base_m: 0}}}}
battalions:
  - id: s400-1
    system: S-400
    site: {{lat_deg: 53.0, lon_deg: 26.0, ground_alt_m: 0, location_note: test,
            assumed: true, reasoning: test}}
    command_post: 55K6E
    radars: [{{id: fcr, type: 92N6E, mast_height_m: 25}}]
    launchers: [{{type: 5P85TE2, count: 2, load: {{48N6E3: 4}}}}]
defended_assets:
  - {{id: site, name: site, lat_deg: 53.0, lon_deg: 26.0, assumed: true, reasoning: test}}
threats:
  - id: jet
    type: F-16C
    route:
      - {{lat_deg: 53.9, lon_deg: 26.0, alt_m: {alt_m}, alt_ref: msl, speed_m_s: 250}}
      - {{lat_deg: 52.9, lon_deg: 26.0, alt_m: {alt_m}, alt_ref: msl, speed_m_s: 250}}
"""


@pytest.fixture(scope="module")
def two_jets():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    text = (root / "examples" / "minimal.yaml").read_text() + "\n" + (
        root / "tests" / "reference" / "two_jets.yaml").read_text()
    return load_scenario_text(text, path="two_jets.yaml")


CONFIG = EngagementConfig(air_picture=AirPictureConfig(t_end_s=420.0))


def test_world_pickles_reuse_equals_building_afresh(two_jets):
    """Two runs on one World equal runs on Worlds built separately (and on a World sent through
    pickle, as to a worker), bit for bit; the runs change nothing in the World."""
    world = iadsim.build(two_jets)
    frozen = pickle.dumps(world)
    a5, a6 = (iadsim.run(world, seed=s, config=CONFIG) for s in (5, 6))
    assert pickle.dumps(world) == frozen
    b5 = iadsim.run(iadsim.build(two_jets), seed=5, config=CONFIG)
    b6 = iadsim.run(pickle.loads(frozen), seed=6, config=CONFIG)
    for a, b in ((a5, b5), (a6, b6)):
        pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
        pd.testing.assert_frame_equal(a.metrics, b.metrics, check_exact=True)
        pd.testing.assert_frame_equal(a.picture.detections, b.picture.detections,
                                      check_exact=True)
        pd.testing.assert_frame_equal(a.picture.tracks, b.picture.tracks, check_exact=True)
    assert not a5.events.equals(a6.events)                  # the seed matters


def test_a_seed_sequence_is_a_run_seed(two_jets):
    """A campaign passes SeedSequence(entropy, spawn_key=(point, replication)): SeedSequence(5)
    runs exactly as seed 5 (raid, radar and kill streams; NumPy's SeedSequence(5) is the root of
    seed 5), a spawn key gives other streams, the same key the same run, and the caller's
    SeedSequence is not spawned from (used twice, it gives the same run twice). The provenance
    records the key; the metrics' seed is empty (not an integer seed)."""
    world = iadsim.build(two_jets)
    plain = iadsim.run(world, seed=5, config=CONFIG)
    root = iadsim.run(world, seed=np.random.SeedSequence(5), config=CONFIG)
    pd.testing.assert_frame_equal(plain.events, root.events, check_exact=True)
    pd.testing.assert_frame_equal(plain.picture.detections, root.picture.detections,
                                  check_exact=True)
    key = np.random.SeedSequence(5, spawn_key=(3, 1))
    a, b = (iadsim.run(world, seed=key, config=CONFIG) for _ in range(2))
    assert key.n_children_spawned == 0
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
    assert not a.picture.detections.equals(plain.picture.detections)
    assert a.picture.provenance["seed_sequence"] == {"entropy": 5, "spawn_key": [3, 1]}
    assert a.picture.provenance["seed"] is None and pd.isna(a.metrics["seed"].iloc[0])
    assert plain.picture.provenance["seed"] == 5 and "seed_sequence" not in plain.picture.provenance
    with pytest.raises(iadsim.errors.InputError, match="allowed values are integers >= 0 or a "
                                         "numpy.random.SeedSequence"):
        iadsim.run(world, seed="5", config=CONFIG)


def test_keep_changes_only_what_is_kept(two_jets):
    """Keeping tracks runs every radar's tracker; without, the 91N6E's own tracker (whose
    reports nothing reads: the fused picture takes its detections) is not run -- the same
    events either way."""
    world = iadsim.build(two_jets)
    assert radars_read(world) == {"s400-1-92n6e"}
    full = iadsim.run(world, seed=5, config=CONFIG)
    light = iadsim.run(world, seed=5, config=CONFIG, keep=("events",))
    pd.testing.assert_frame_equal(full.events, light.events, check_exact=True)
    pd.testing.assert_frame_equal(full.metrics, light.metrics, check_exact=True)
    assert len(full.picture.detections) and len(full.picture.tracks) and len(full.missiles)
    for table in (light.picture.detections, light.picture.tracks, light.picture.truth,
                  light.missiles):
        assert len(table) == 0


def test_world_numbers_follow_the_figures(two_jets):
    """The World carries the figures' numbers: planning speed = planning_speed_ratio x max
    speed, lethal radius = reference x (warhead / reference mass)^(1/3), published max range,
    and a flyout re-fitted to that range (a shorter range: less propellant, same launch mass),
    said so in the assumptions."""
    model = engagement_model()
    figs = iadsim.Figures.of("nominal", {"48N6E3.max_speed_m_s": 3000.0,
                                         "48N6E3.warhead_mass_kg": 22.5,
                                         "48N6E3.max_range_km": 200.0})
    world = iadsim.build(two_jets, figs)
    m = world.missile_types["48N6E3"]
    assert m.planning_speed_m_s == pytest.approx(model.planning_speed_ratio * 3000.0)
    assert m.lethal_radius_m == pytest.approx(model.reference_lethal_radius_m
                                              * (22.5 / model.reference_warhead_mass_kg) ** (1 / 3))
    site = world.fire_units[0].missiles["48N6E3"]
    assert site.max_range_m == 200_000.0
    calibrated = load_aero("48N6E3")
    assert m.aero.propellant_mass_kg < calibrated.propellant_mass_kg
    assert m.aero.launch_mass_kg == calibrated.launch_mass_kg
    assumptions = " ".join(world.provenance.assumptions)
    assert "48N6E3.max_range_km = 200" in assumptions
    assert "48N6E3 flyout re-fitted to max_range_km 200 and max_altitude_km 27" in assumptions
    # the other missiles keep their calibrated flyouts
    assert all(t.aero == load_aero(k) for k, t in world.missile_types.items() if k != "48N6E3")
    assert "flyout re-fitted" not in " ".join(iadsim.build(two_jets).provenance.assumptions)


def _assign_time(max_speed_m_s: float) -> float:
    """First assignment of the radial raid with the 48N6E3's engagement ring cut to 40 km on
    the built World (an override of max_range_km to 40 km is refused: the flyout cannot be
    re-fitted below its reach curve; the ring is what the command post plans with)."""
    sc = load_scenario_text(radial(), path="radial.yaml")
    figs = iadsim.Figures.of("nominal", {"48N6E3.max_speed_m_s": max_speed_m_s})
    world = iadsim.build(sc, figs)
    unit = world.fire_units[0]
    ring = dataclasses.replace(unit.missiles["48N6E3"], max_range_m=40_000.0)
    world = dataclasses.replace(world, fire_units=(
        dataclasses.replace(unit, missiles={"48N6E3": ring}),))
    res = iadsim.run(world, seed=11, config=EngagementConfig(
        air_picture=AirPictureConfig(t_end_s=260.0)), keep=("events",))
    return float(res.events.loc[res.events["event"] == "assign", "time_s"].iloc[0])


def test_range_ring_and_planning_speed_override_move_the_assignment():
    """The command post assigns when the predicted intercept point enters the 40 km ring: the
    jet at ground range d, the aim point d - 250 (T_r + tof) with tof = |aim| / v_p (v_p: half
    the max speed), T_r = 10 s (55K6E), seen one link latency (2 s) late. Solved for d by hand
    (flat, 6 km; the aim's height adds ~0.4 km to the slant range), t = (100.1 km - d)/250 + 2.
    A faster planning speed (20 km/s max speed: tof 4 s instead of 40 s) moves the aim point
    out: the assignment comes later."""
    start_m = 6_371_000.0 * math.radians(0.9)
    t_of = {}
    for vmax in (2000.0, 20000.0):
        v_p = vmax / 2
        d = 40_000.0 + 250.0 * (10.0 + math.hypot(40_000.0, 5_874.0) / v_p)
        t_of[vmax] = (start_m - d) / 250.0 + 2.0
    nominal, fast = _assign_time(2000.0), _assign_time(20000.0)
    assert nominal == pytest.approx(t_of[2000.0], abs=3.0)
    assert fast == pytest.approx(t_of[20000.0], abs=3.0)
    assert fast - nominal == pytest.approx(t_of[20000.0] - t_of[2000.0], abs=3.0)   # ~36 s


def test_warhead_override_lowers_the_kill_probability():
    """Same seed, same flights and guidance-error draws: the first intercept's Pk is the
    Carleton Pk of the same miss with the lethal radius of each warhead (20 m x (m/180)^(1/3))."""
    sc = load_scenario_text(radial(), path="radial.yaml")
    config = EngagementConfig(air_picture=AirPictureConfig(t_end_s=400.0))
    pk = {}
    for mass in (180.0, 1.0):
        figs = iadsim.Figures.of("nominal", {"48N6E3.warhead_mass_kg": mass})
        ev = iadsim.run(sc, seed=11, figure_set=figs, config=config, keep=("events",)).events
        first = ev[ev["event"] == "intercept"].iloc[0]
        radius = 20.0 * (mass / 180.0) ** (1 / 3)
        assert first["pk"] == pytest.approx(float(carleton_pk(first["miss_m"], radius, 1.0)))
        pk[mass] = (first["miss_m"], first["pk"])
    assert pk[1.0][0] == pk[180.0][0]                # the same miss distance
    assert pk[1.0][1] < pk[180.0][1]


def test_build_rechecks_the_routes_with_the_figures():
    """The radial jet flies 250 m/s at 6,000 m, which loading accepts (F-16C high figures: Mach
    2.05, 50,000 ft). Overrides to Mach 0.2 (68.1 m/s; with the 3x margin 204 m/s) and a
    10,000 ft (3,048 m) ceiling refuse both waypoints' speed and altitude when the World is
    built, before any work (the missing DEM is never opened), naming the figures."""
    sc = load_scenario_text(radial(), path="radial.yaml")
    figs = iadsim.Figures.of("nominal", {"F-16C.max_speed_mach": 0.2, "F-16C.ceiling_ft": 10000})
    with pytest.raises(ScenarioError) as err:
        iadsim.build(sc, figs, dem="/nonexistent/dem.tif")
    assert {p.field for p in err.value.problems} == {
        f"threats[0].route[{k}].{f}" for k in (0, 1) for f in ("speed_m_s", "alt_m")}
    text = str(err.value)
    assert "routes checked with the nominal + 2 overrides (F-16C.max_speed_mach=0.2, " \
           "F-16C.ceiling_ft=10000) figures" in text
    assert "from 0 (exclusive) to 204 m/s (3 x the F-16C maximum speed 68 m/s)" in text
    assert "0 to 3048 m (the F-16C ceiling is 3048 m)" in text


def test_hand_modified_world_runs(two_jets):
    """A World is plain data: a study may change it (here: no fire unit) and run it."""
    world = dataclasses.replace(iadsim.build(two_jets), fire_units=())
    res = iadsim.run(world, seed=5, config=CONFIG, keep=("events",))
    assert not res.events["event"].isin(["assign", "launch"]).any()
    assert res.metrics["killed_count"].iloc[0] == 0


def test_line_of_sight_is_computed_once_per_terrain_and_radar(two_jets):
    """Builds on the same terrain object share a radar's line-of-sight field when the figures
    that make it are unchanged (an RCS override), and compute it again when they change (the
    mast height); the shared field is read-only. Equal results: the campaign tests compare runs
    on such Worlds with runs on Worlds built afresh."""
    from iadsim.scenario.build import load_terrain

    dem = load_terrain(two_jets, None, resolution_m=1000.0)
    a = iadsim.build(two_jets, dem=dem)
    b = iadsim.build(two_jets, iadsim.Figures.of("nominal", {"F-16C.rcs_dbsm": -5.0}), dem=dem)
    c = iadsim.build(two_jets, iadsim.Figures.of("nominal", {"92N6E.antenna_height_m": 39.0}),
                     dem=dem)
    fresh = iadsim.build(two_jets)
    assert all(x.los is y.los for x, y in zip(a.sensors, b.sensors, strict=True))
    assert c.sensors[0].los is not a.sensors[0].los
    assert c.sensors[1].los is a.sensors[1].los              # the 91N6E's mast is unchanged
    assert fresh.sensors[0].los is not a.sensors[0].los
    np.testing.assert_array_equal(fresh.sensors[0].los.min_visible_msl_m,
                                  a.sensors[0].los.min_visible_msl_m)
    assert not a.sensors[0].los.min_visible_msl_m.flags.writeable
