"""Self-consistency of the engagement log (issue 10, item 6; closed loop, issue 11).

What must hold in any run, checked on the demo raid (``examples/raid_2022.yaml``, seed 7: S-400
salvos of two 48N6E3 fired together from two launchers, Pantsir-S1 ripples of 57E6E, gun
bursts, ~20 kills) against the run's own truth (the kill events and the threats' flight
records, ``picture.trajectories``) and the model file's kill-assessment delay, not against the
engine's bookkeeping:

- the command posts learn a kill from their sensors, not from truth: a killed threat is judged
  destroyed (``kill_assessed``) at the first report time at least ``kill_assessment_delay_s``
  after its kill (closed loop: it is not detected after its kill); no decision, launch or gun
  burst at a threat while it is judged destroyed; a launch or burst between the kill and the
  assessment says that its target is already destroyed, and such a missile ends as a miss
  ("target already destroyed", a wasted interceptor);
- no intercept, guidance-mode change or kill after the threat's flight record ends or after its
  kill, and no launch or gun burst after its flight record ends; each threat killed at most once;
- the missiles of a salvo have independent errors: no two missiles of a salvo report the same
  miss distance, and a two-missile salvo kills more often than one missile, by as much as
  independent shots should (1 - (1 - p)²), within binomial tolerances;
- same seed, same event log.

The demo raid takes ~40 s per run; its tests are marked slow.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from vignettes import pantsir_one_jet

import iadsim
from iadsim.c2.doctrine import Doctrine
from iadsim.engine.air_picture import AirPictureConfig
from iadsim.engine.engagement import EngagementConfig
from iadsim.engine.fire_control import fly_salvo, target_in_frame
from iadsim.engine.fire_unit import FireUnit
from iadsim.scenario.model_figures import engagement_model
from iadsim.scenario.schema import Scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DEMO_SEED = 7
#: Kill-assessment delay of the model file, read with plain ``yaml`` (not the loader), s.
KILL_ASSESSMENT_DELAY_S = yaml.safe_load(
    (resources.files("iadsim") / "data" / "engagement_model.yaml").read_text("utf-8")
)["figures"]["kill_assessment_delay_s"]["nominal"]
#: Presented area to a gun burst that makes every burst harmless (Pk ~ 0), by threat class.
NO_GUN_AREA = {k: 1e-9 for k in engagement_model().gun_target_area_m2}


@pytest.fixture(scope="module")
def demo_scenario() -> Scenario:
    return iadsim.load_scenario(EXAMPLES / "raid_2022.yaml")


@pytest.fixture(scope="module")
def demo(demo_scenario):
    return iadsim.run(demo_scenario, seed=DEMO_SEED)


def truth_ids(events: pd.DataFrame) -> pd.Series:
    """``truth_id`` as float with NaN for "no threat" (-1 today; nullable at the output boundary)."""
    tid = pd.to_numeric(events["truth_id"], errors="coerce").astype(float)
    return tid.where(tid >= 0)


def kill_times(events: pd.DataFrame) -> pd.Series:
    """First kill time per truth id."""
    kills = events[events["event"] == "kill"]
    return kills["time_s"].groupby(truth_ids(kills)).min()


def flight_ends(result) -> pd.Series:
    """Last time of each threat's flight record (truth), by truth id."""
    traj = result.picture.trajectories
    ends = {}
    for j in range(traj.active.shape[1]):
        active = np.flatnonzero(traj.active[:, j])
        ends[float(j)] = float(traj.time_s[active[-1]]) if active.size else -np.inf
    return pd.Series(ends)


def after(events: pd.DataFrame, kinds: tuple[str, ...], limit: pd.Series, *, strict: bool = True
          ) -> pd.DataFrame:
    """Events of ``kinds`` at a threat later than ``limit`` (per truth id; ``strict``: ``>``,
    else ``>=``)."""
    ev = events[events["event"].isin(kinds)]
    t_limit = truth_ids(ev).map(limit)
    late = ev["time_s"] > t_limit if strict else ev["time_s"] >= t_limit
    return ev[t_limit.notna() & late]


def judged_destroyed(events: pd.DataFrame) -> dict[float, list[tuple[float, float]]]:
    """Per truth id, the intervals ``[kill_assessed, kill_assessment_withdrawn)`` (``inf``: never
    withdrawn) in which the command posts judge the threat destroyed, from the log."""
    ev = events[events["event"].isin(["kill_assessed", "kill_assessment_withdrawn"])]
    out: dict[float, list[tuple[float, float]]] = {}
    for tid, g in ev.groupby(truth_ids(ev)):
        spans, start = [], None
        for kind, t in zip(g["event"], g["time_s"], strict=True):
            if kind == "kill_assessed":
                assert start is None, g
                start = t
            else:
                assert start is not None, g
                spans.append((start, t))
                start = None
        out[tid] = spans + ([(start, np.inf)] if start is not None else [])
    return out


def first_report_at_or_after(t: np.ndarray | float, interval_s: float) -> np.ndarray:
    """The first time of the report clock (multiples of ``interval_s``) at or after ``t``."""
    return np.ceil(np.asarray(t) / interval_s - 1e-9) * interval_s


@pytest.mark.slow
def test_demo_raid_fights(demo):
    """The checks below are not vacuous: the demo has kills, 2-missile salvos and gun bursts."""
    ev = demo.events
    assert (ev["event"] == "kill").sum() >= 10
    assert (ev["event"] == "gun_burst").sum() >= 1
    salvos = demo.engagements[demo.engagements["weapon"] == "missile"]
    assert (salvos["missiles"] == 2).sum() >= 10


@pytest.mark.slow
def test_every_kill_is_assessed_after_the_delay(demo):
    """Closed loop: a killed threat is detected no more, so the command posts judge it destroyed
    at the first report time (1 s clock) at least the model file's kill-assessment delay after
    the kill -- not at the kill (the open-loop engine learnt kills from truth) -- and never
    withdraw it; a threat not killed is judged destroyed only with the log saying so."""
    ev = demo.events
    assert EngagementConfig().air_picture.report_interval_s == 1.0
    kill = kill_times(ev)
    spans = judged_destroyed(ev)
    assert set(kill.index) <= set(spans)
    for tid, t_kill in kill.items():
        expected = float(first_report_at_or_after(t_kill + KILL_ASSESSMENT_DELAY_S, 1.0))
        assert spans[tid] == [(expected, np.inf)], (tid, t_kill, spans[tid])
    assessed = ev[ev["event"] == "kill_assessed"]
    for tid, detail in zip(truth_ids(assessed), assessed["detail"], strict=True):
        truth = (f"(truth: destroyed at {kill[tid]:.1f} s)" if tid in kill.index
                 else "(truth: NOT destroyed")
        assert truth in detail, (tid, detail)


@pytest.mark.slow
def test_no_engagement_of_a_threat_judged_destroyed(demo):
    """No decision (assign), launch or gun burst at a threat while the command posts judge it
    destroyed; between its kill and that judgement a launch or burst may still leave (closed
    loop), and then, and only then, its log says the target was already destroyed; each such
    missile ends as a miss "target already destroyed", no intercept."""
    ev = demo.events
    spans = judged_destroyed(ev)
    acts = ev[ev["event"].isin(["assign", "launch", "gun_burst"])]
    for tid, t, kind in zip(truth_ids(acts), acts["time_s"], acts["event"], strict=True):
        assert not any(a <= t < b for a, b in spans.get(tid, [])), (tid, t, kind)
    kill = kill_times(ev)
    for kind in ("launch", "gun_burst"):
        fired = ev[ev["event"] == kind]
        t_kill = truth_ids(fired).map(kill)
        late = (fired["time_s"] >= t_kill).to_numpy()
        said = fired["detail"].str.contains("already destroyed at").to_numpy()
        np.testing.assert_array_equal(said, late, err_msg=kind)
        for detail, tk in zip(fired["detail"][late], t_kill[late], strict=True):
            assert f"target already destroyed at {tk:.1f} s, not yet assessed" in detail
    launches = ev[ev["event"] == "launch"]
    wasted = launches[(launches["time_s"] >= truth_ids(launches).map(kill)).to_numpy()]
    ends = ev[ev["event"].isin(["intercept", "miss"])].set_index("missile_id")
    for mid in wasted["missile_id"]:
        assert ends.loc[mid, "event"] == "miss"
        assert ends.loc[mid, "detail"].startswith("target already destroyed at")
    assert demo.metrics["fired_after_kill_count"].iloc[0] == len(wasted)


@pytest.mark.slow
def test_nothing_happens_to_a_threat_after_its_flight_record_ends(demo):
    ev = demo.events
    late = after(ev, ("launch", "gun_burst", "guidance_mode", "intercept", "kill"), flight_ends(demo))
    assert late.empty, late[["time_s", "event", "unit_id", "missile_id", "object_id"]]


@pytest.mark.slow
def test_nothing_happens_to_a_threat_after_its_death(demo):
    """A second missile arriving after the first killed the target is not an intercept (it is
    logged as a miss: target already destroyed), and there is no second kill. (Launches and gun
    bursts after the kill, before its assessment, are checked above.)"""
    ev = demo.events
    kill = kill_times(ev)
    late = after(ev, ("guidance_mode", "intercept", "kill"), kill)
    assert late.empty, late[["time_s", "event", "unit_id", "missile_id", "object_id"]]
    per_threat = truth_ids(ev[ev["event"] == "kill"]).value_counts()
    assert per_threat.max() == 1
    killed = demo.fates[demo.fates["fate"] == "killed"].set_index("truth_id")["time_s"]
    pd.testing.assert_series_equal(killed.sort_index().astype(float),
                                   kill.sort_index().rename_axis("truth_id").rename("time_s"),
                                   check_index_type=False)


@pytest.mark.slow
def test_every_missile_has_its_own_id_and_one_target(demo_scenario):
    """Two salvos of one unit in the same second once shared ids (a launch-time id), so one
    missile seemed to fly at two threats and the replay had two rows per (object, time): seen
    with the command line's `iadsim run` settings (1 s reports) on the demo raid, seed 7."""
    demo = iadsim.run(demo_scenario, seed=DEMO_SEED, config=EngagementConfig(
        air_picture=AirPictureConfig(t_end_s=900.0, report_interval_s=1.0)))
    ev = demo.events
    launches = ev[ev["event"] == "launch"]
    assert launches["missile_id"].is_unique, launches[launches["missile_id"].duplicated(keep=False)]
    about = ev[ev["missile_id"].isin(launches["missile_id"]) & (ev["object_id"] != "")]
    targets = about.groupby("missile_id")["object_id"].nunique()
    assert (targets == 1).all(), targets[targets > 1]
    assert len(demo.missiles.drop_duplicates(["missile_id", "time_s"])) == len(demo.missiles)


@pytest.mark.slow
def test_missiles_of_a_salvo_have_different_miss_distances(demo):
    ev = demo.events
    ends = ev[ev["event"].isin(["intercept", "miss"]) & np.isfinite(ev["miss_m"])].copy()
    ends["salvo"] = ends["missile_id"].str.rsplit("-", n=1).str[0]
    pairs = ends.groupby("salvo")["miss_m"].agg(["count", "nunique"])
    pairs = pairs[pairs["count"] >= 2]
    assert len(pairs) >= 5
    assert (pairs["nunique"] == pairs["count"]).all(), pairs[pairs["nunique"] < pairs["count"]]


@pytest.mark.slow
def test_same_seed_same_events_on_the_demo_raid(demo_scenario, demo):
    again = iadsim.run(demo_scenario, seed=DEMO_SEED)
    pd.testing.assert_frame_equal(demo.events, again.events)
    pd.testing.assert_frame_equal(demo.missiles, again.missiles)


# ------------------------------------------------------------------- salvo of two: statistics
SALVO_DRAWS = 300


@pytest.mark.parametrize("flown_m", [0.0, 4.0, 25.0])
def test_guidance_error_miss_is_rice_distributed(flown_m):
    """The miss of a flown closest approach m plus a circular-normal error σ per axis follows
    the Rice distribution (scipy.stats.rice, b = m/σ, scale σ; Rayleigh for m = 0): KS test;
    the same generator state gives the same draws, NaN (no closest approach) stays NaN."""
    from scipy import stats

    from iadsim.weapons.guidance import miss_with_guidance_error

    sigma = 11.1
    miss = miss_with_guidance_error(np.full(4000, flown_m), sigma, np.random.default_rng(3))
    assert stats.kstest(miss, stats.rice(flown_m / sigma, scale=sigma).cdf).pvalue > 1e-3
    again = miss_with_guidance_error(np.array([flown_m, np.nan]), sigma, np.random.default_rng(3))
    assert again[0] == miss[0] and np.isnan(again[1])
    assert miss_with_guidance_error(np.array([flown_m]), 0.0, np.random.default_rng(0))[0] == flown_m


def two_launcher_raid() -> Scenario:
    """One S-400 battalion with two 5P85TE2 (48N6E3), one F-16C flying at it at 300 m: a salvo
    of two leaves both launchers at the same instant and flies the same path."""
    return Scenario.from_yaml("""
iadsim: 1
name: two launchers, one jet
seed: 11
terrain: {synthetic: {seed: 1, relief_m: 0, base_m: 0}}
battalions:
  - id: s400-1
    system: S-400
    site: {lat_deg: 53.0, lon_deg: 26.0, ground_alt_m: 0, location_note: test, assumed: true,
           reasoning: test}
    command_post: 55K6E
    radars: [{id: fcr, type: 92N6E, mast_height_m: 25}]
    launchers: [{type: 5P85TE2, count: 2, load: {48N6E3: 4}}]
threats:
  - id: jet
    type: F-16C
    route:
      - {lat_deg: 53.9, lon_deg: 26.0, alt_m: 300, alt_ref: msl, speed_m_s: 250}
      - {lat_deg: 52.9, lon_deg: 26.0, alt_m: 300, alt_ref: msl, speed_m_s: 250}
""")


def test_a_salvo_of_two_kills_more_often_than_one_missile():
    """Same salvo (two 48N6E3 launched together at the same F-16C), drawn ``SALVO_DRAWS`` times
    with independent generators: the first missile alone kills with a frequency p1 well below
    1 (guidance errors matter), the salvo with p2 > p1 beyond 3 binomial standard errors, and
    p2 agrees with independent shots, 1 - (1 - p1)², within 3 standard errors. The expected
    salvo Pk (1 - Π(1 - pk)) tells the same from the drawn Pk values."""
    sc = two_launcher_raid()
    config = EngagementConfig(air_picture=AirPictureConfig(report_interval_s=1.0),
                              doctrine=Doctrine(salvo_size=2, policy="shoot-shoot-look"))
    world = iadsim.build(sc)
    res = iadsim.run(world, seed=11, config=config)
    launches = res.events[res.events["event"] == "launch"]
    assert len(launches) >= 2 and launches["time_s"].iloc[0] == launches["time_s"].iloc[1]
    t_launch = float(launches["time_s"].iloc[0])
    unit = FireUnit.from_spec(world.fire_units[0])
    missile = world.missile_types["48N6E3"]
    target = target_in_frame(res.picture.trajectories, 0,
                             (unit.lat_deg, unit.lon_deg, unit.ground_msl_m))
    hardness = world.model.target_hardness[world.threat_types["F-16C"].threat_class]
    plan = [(t_launch, 0), (t_launch, 1)]
    seeds = np.random.SeedSequence(2024).spawn(SALVO_DRAWS)
    killed, pk, miss = [], [], []
    for seq in seeds:
        out = fly_salvo(unit, missile, plan, target, missile.lethal_radius_m, hardness,
                        np.random.default_rng(seq), 1, config.flyout_dt_s)
        assert out is not None and out["intercept"].all()
        killed.append(out["killed"])
        pk.append(out["pk"])
        miss.append(out["miss_m"])
    killed, pk, miss = np.array(killed), np.array(pk), np.array(miss)
    assert (miss[:, 0] != miss[:, 1]).all()
    p1 = killed[:, 0].mean()
    p2 = killed.any(axis=1).mean()
    n = SALVO_DRAWS
    se = np.sqrt(p1 * (1 - p1) / n + p2 * (1 - p2) / n)
    assert 0.05 < p1 < 0.95, p1
    assert p2 > p1 + 3 * se, (p1, p2, se)
    independent = 1 - (1 - p1) ** 2
    assert abs(p2 - independent) < 3 * np.sqrt(independent * (1 - independent) / n) + 0.02
    salvo_pk = 1 - np.prod(1 - pk, axis=1)
    assert salvo_pk.mean() > pk[:, 0].mean() + 3 * pk[:, 0].std() / np.sqrt(n)
    # the two missiles' errors are uncorrelated
    assert abs(np.corrcoef(miss[:, 0], miss[:, 1])[0, 1]) < 3 / np.sqrt(n)


# ----------------------------------------------------------- scripted: hold fire, late missile
def pantsir(start_lat: float, end_lat: float = 52.9, missiles: bool = True) -> Scenario:
    """One Pantsir-S1 and one F-16C flying south over it (:func:`vignettes.pantsir_one_jet`)."""
    return pantsir_one_jet(start_lat, end_lat, missiles)


def pantsir_config(**kw) -> EngagementConfig:
    """Salvos of two 57E6E rippled 3 s apart (96K6 min_launch_interval_s); a lethal radius of
    1 km makes every fuzed missile kill (Pk ~ 1 at a guidance-error miss of metres)."""
    return EngagementConfig(air_picture=AirPictureConfig(report_interval_s=1.0),
                            doctrine=Doctrine(salvo_size=2), **kw)


def test_ripple_missile_leaves_at_a_dead_target_before_the_kill_is_assessed():
    """Jet 4.4 km out: the first 57E6E (10 s) kills at ~12.6 s, before the ripple's second
    launch (13 s). The command post learns the kill only from its sensors, at the first report
    time 10 s (the model's delay) after it, 23 s: so the second missile leaves at 13 s (its
    launch says the target is already destroyed, not yet assessed), flies at nothing and ends
    as a miss "target already destroyed" -- a wasted interceptor, counted. (In the open-loop
    engine the kill was known from truth at once and this missile was held.)"""
    res = iadsim.run(pantsir(53.04), seed=4, config=pantsir_config(lethal_radius_m=1000.0))
    ev = res.events
    kill = ev[ev["event"] == "kill"]
    launches = ev[ev["event"] == "launch"]
    assert len(kill) == 1 and len(launches) == 2 and (ev["event"] == "hold_fire").sum() == 0
    t_kill = kill["time_s"].iloc[0]
    assert launches["time_s"].tolist() == [10.0, 13.0]            # 5 s reaction, 3 s interval
    assert launches["time_s"].iloc[0] < t_kill < launches["time_s"].iloc[1]
    assert launches["detail"].tolist() == [
        "", f"target already destroyed at {t_kill:.1f} s, not yet assessed"]
    second = ev[ev["missile_id"] == launches["missile_id"].iloc[1]]
    assert second["event"].tolist() == ["launch", "miss"]         # no guidance mode, intercept
    assert second["detail"].iloc[1] == f"target already destroyed at {t_kill:.1f} s"
    assessed = ev[ev["event"] == "kill_assessed"]["time_s"].tolist()
    assert assessed == [float(first_report_at_or_after(t_kill + KILL_ASSESSMENT_DELAY_S, 1.0))]
    unit = res.summary["fire_units"]["pantsir-1"]
    assert unit["missiles_fired"] == {"57E6E": 2} and unit["rounds_left"] == {"57E6E": 10}
    mags = res.magazine[res.magazine["missile_type"] == "57E6E"]["rounds"].tolist()
    assert mags == [12, 11, 10]
    assert res.fates["missiles_fired"].tolist() == [2]
    salvos = res.engagements[res.engagements["weapon"] == "missile"]     # (a gun burst at the
    assert salvos["missiles"].tolist() == [2] and salvos["killed"].tolist() == [True]  # dead jet
    m = res.metrics.iloc[0]                                          # may follow, unassessed)
    assert (m["wasted_interceptors_count"], m["fired_after_kill_count"], m["hold_fire_count"]) == (
        1, 1, 0)


def test_ripple_missile_is_held_once_the_kill_is_assessed():
    """The same jet with the 96K6's launch interval overridden to 30 s: the first 57E6E (10 s)
    kills at ~12.6 s, the kill is assessed at 23 s (first report time 10 s after it), and the
    ripple's second missile, due at 40 s, is not launched (hold_fire: its round stays aboard),
    so the bookkeeping counts one missile."""
    figures = iadsim.Figures.of("nominal", {"96K6.min_launch_interval_s": 30.0})
    res = iadsim.run(pantsir(53.04), seed=4, figure_set=figures,
                     config=pantsir_config(lethal_radius_m=1000.0))
    ev = res.events
    kill = ev[ev["event"] == "kill"]
    launches = ev[ev["event"] == "launch"]
    held = ev[ev["event"] == "hold_fire"]
    assert len(kill) == 1 and len(launches) == 1 and len(held) == 1
    t_assessed = float(first_report_at_or_after(kill["time_s"].iloc[0] + KILL_ASSESSMENT_DELAY_S,
                                                1.0))
    assert ev.loc[ev["event"] == "kill_assessed", "time_s"].tolist() == [t_assessed]
    assert t_assessed < held["time_s"].iloc[0] == launches["time_s"].iloc[0] + 30.0
    assert (f"not launched: target assessed destroyed at {t_assessed:.1f} s"
            in held["detail"].iloc[0])
    assert held["missile_id"].iloc[0] == ""                       # no missile object exists
    unit = res.summary["fire_units"]["pantsir-1"]
    assert unit["missiles_fired"] == {"57E6E": 1} and unit["rounds_left"] == {"57E6E": 11}
    mags = res.magazine[res.magazine["missile_type"] == "57E6E"]["rounds"].tolist()
    assert mags == [12, 11]
    assert res.fates["missiles_fired"].tolist() == [1]
    assert res.engagements["missiles"].tolist() == [1] and res.engagements["killed"].tolist() == [True]
    assert set(res.missiles["missile_id"]) == set(launches["missile_id"])
    m = res.metrics.iloc[0]
    assert (m["wasted_interceptors_count"], m["fired_after_kill_count"], m["hold_fire_count"]) == (
        0, 0, 1)


def test_second_missile_arriving_after_the_kill_is_a_miss():
    """Jet 6.7 km out: both 57E6E are launched (10 s, 13 s); the first kills at ~14.3 s, the
    second arrives later: a miss "target already destroyed", no second intercept or kill."""
    res = iadsim.run(pantsir(53.06), seed=4, config=pantsir_config(lethal_radius_m=1000.0))
    ev = res.events
    launches = ev[ev["event"] == "launch"]
    assert len(launches) == 2
    t_kill = ev.loc[ev["event"] == "kill", "time_s"]
    assert len(t_kill) == 1
    second = ev[ev["missile_id"] == launches["missile_id"].iloc[1]]
    end = second[second["event"].isin(["intercept", "miss"])]
    assert end["event"].tolist() == ["miss"] and end["time_s"].iloc[0] > t_kill.iloc[0]
    assert end["detail"].iloc[0].startswith("target already destroyed at")
    assert np.isnan(end["miss_m"].iloc[0]) and end["pk"].iloc[0] == 0.0
    assert (second.loc[second["event"] == "guidance_mode", "time_s"] <= t_kill.iloc[0]).all()


def test_gun_burst_stops_or_holds_when_the_target_flight_ends():
    """The jet's route ends 0.9 km north of the Pantsir (~76 s); the guns cannot kill (presented
    area ~0). The burst decided at 70 s (fired 75 s, 2 s long) is cut at the end of the flight
    record: half the rounds (80), the burst line ends there, nothing after it."""
    res = iadsim.run(pantsir(53.18, end_lat=53.008, missiles=False), seed=4,
                     config=pantsir_config(gun_target_area_m2=NO_GUN_AREA))
    ev = res.events
    end = flight_ends(res)[0.0]
    bursts = ev[ev["event"] == "gun_burst"]
    assert len(bursts) >= 2 and (bursts["time_s"] < end).all()
    last = bursts.iloc[-1]
    assert last["time_s"] < end < last["time_s"] + 2.0          # 2A38M burst_duration_s 2
    assert last["detail"].startswith("80 rounds") and "the target's flight record ended" in last["detail"]
    line = res.missiles[res.missiles["missile_id"] == last["missile_id"]]
    assert line["time_s"].tolist() == [last["time_s"], end]
    gun = res.magazine[res.magazine["missile_type"] == "2A38M"]["rounds"].tolist()
    assert gun[-1] == 1400 - 160 * (len(bursts) - 1) - 80
    later = ev[(ev["time_s"] > end) & ev["event"].isin(["assign", "gun_burst", "kill"])]
    assert later.empty


def test_gun_burst_is_held_when_the_target_flight_ended_before_it():
    """Route ending 2.2 km north (71 s): the burst decided at 70 s would fire at 75 s, after
    the flight record ends: fire is held, no rounds spent."""
    res = iadsim.run(pantsir(53.18, end_lat=53.02, missiles=False), seed=4,
                     config=pantsir_config(gun_target_area_m2=NO_GUN_AREA))
    ev = res.events
    held = ev[ev["event"] == "hold_fire"]
    assert len(held) == 1 and held["detail"].iloc[0].startswith("gun burst not fired: target's")
    bursts = ev[ev["event"] == "gun_burst"]
    gun = res.magazine[res.magazine["missile_type"] == "2A38M"]["rounds"].tolist()
    assert gun == [1400 - 160 * k for k in range(len(bursts) + 1)]


def test_a_kill_by_the_second_missile_of_a_ripple_is_assessed():
    """Jet 6.7 km out, the 57E6E's own lethal radius, seed 11: the first missile of the ripple
    fuzes at ~14.3 s without killing, the second kills at ~16.7 s. The jet is detected no more
    after its kill, so the command post must judge it destroyed at the first report time 10 s
    (the model's delay) after the kill, whatever the first missile's fuzing did -- and engage it
    no more from then on. (Once seen: the pending assessment of the first intercept swallowed
    the second's, and the kill was never assessed.)"""
    res = iadsim.run(pantsir(53.06), seed=11, config=pantsir_config())
    ev = res.events
    hits = ev[ev["event"] == "intercept"]
    kill = ev[ev["event"] == "kill"]
    # the situation: two intercepts less than the delay apart, the second one the kill
    assert len(hits) == 2 and len(kill) == 1
    assert kill["missile_id"].iloc[0] == hits["missile_id"].iloc[1]
    t_kill = kill["time_s"].iloc[0]
    assert hits["time_s"].iloc[0] < t_kill < hits["time_s"].iloc[0] + KILL_ASSESSMENT_DELAY_S
    expected = float(first_report_at_or_after(t_kill + KILL_ASSESSMENT_DELAY_S, 1.0))
    assert ev.loc[ev["event"] == "kill_assessed", "time_s"].tolist() == [expected]
    acts = ev[ev["event"].isin(["assign", "launch", "gun_burst"])]
    assert (acts["time_s"] < expected).all()
