"""Self-consistency of the engagement log (issue 10, item 6).

What must hold in any run, checked on the demo raid (``examples/raid_2022.yaml``, seed 7: S-400
salvos of two 48N6E3 fired together from two launchers, Pantsir-S1 ripples of 57E6E, gun
bursts, ~22 kills) against the run's own truth (the threats' flight records,
``picture.trajectories``), not against the engine's bookkeeping:

- no launch at a threat once its kill is known (the command posts learn kills from truth at
  the kill time, ``known_dead``; so also none after the kill + the link latency);
- no gun burst, intercept, guidance-mode change or kill after the threat's flight record ends or
  after its kill; each threat killed at most once;
- the missiles of a salvo have independent errors: no two missiles of a salvo report the same
  miss distance, and a two-missile salvo kills more often than one missile, by as much as
  independent shots should (1 - (1 - p)²), within binomial tolerances;
- same seed, same event log.

The demo raid takes ~30 s per run; its tests are marked slow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import iadsim
from vignettes import pantsir_one_jet
from iadsim.c2.doctrine import Doctrine
from iadsim.engine import engagement
from iadsim.engine.air_picture import AirPictureConfig
from iadsim.engine.engagement import EngagementConfig, run_engagement
from iadsim.engine.fire_unit import build_fire_units
from iadsim.scenario.library import load_library
from iadsim.scenario.schema import Scenario
from iadsim.weapons.calibration import aero_ids

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DEMO_SEED = 7


@pytest.fixture(scope="module")
def demo_scenario() -> Scenario:
    return iadsim.load_scenario(EXAMPLES / "raid_2022.yaml")


@pytest.fixture(scope="module")
def demo(demo_scenario):
    return run_engagement(demo_scenario, seed=DEMO_SEED)


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


@pytest.mark.slow
def test_demo_raid_fights(demo):
    """The checks below are not vacuous: the demo has kills, 2-missile salvos and gun bursts."""
    ev = demo.events
    assert (ev["event"] == "kill").sum() >= 10
    assert (ev["event"] == "gun_burst").sum() >= 1
    salvos = demo.engagements[demo.engagements["weapon"] == "missile"]
    assert (salvos["missiles"] == 2).sum() >= 10


@pytest.mark.slow
def test_no_launch_at_a_threat_known_dead(demo):
    """The command posts know a kill from truth at the kill time (``known_dead``): no salvo is
    fired and no ripple missile leaves its launcher from then on, so none either after the kill
    plus the link latency."""
    ev = demo.events
    kill = kill_times(ev)
    assert after(ev, ("launch",), kill, strict=False).empty
    latency = EngagementConfig().link_latency_s
    assert after(ev, ("launch",), kill + latency, strict=False).empty
    # and no decision to engage it (assign) after the kill either
    assert after(ev, ("assign",), kill, strict=False).empty


@pytest.mark.slow
def test_nothing_happens_to_a_threat_after_its_flight_record_ends(demo):
    ev = demo.events
    late = after(ev, ("launch", "gun_burst", "guidance_mode", "intercept", "kill"), flight_ends(demo))
    assert late.empty, late[["time_s", "event", "unit_id", "missile_id", "object_id"]]


@pytest.mark.slow
def test_nothing_happens_to_a_threat_after_its_death(demo):
    """A second missile arriving after the first killed the target is not an intercept (it is
    logged as a miss: target already destroyed), and there is no second kill."""
    ev = demo.events
    kill = kill_times(ev)
    late = after(ev, ("gun_burst", "guidance_mode", "intercept", "kill"), kill)
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
    demo = run_engagement(demo_scenario, seed=DEMO_SEED, config=EngagementConfig(
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
    again = run_engagement(demo_scenario, seed=DEMO_SEED)
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
    res = run_engagement(sc, seed=11, config=config)
    launches = res.events[res.events["event"] == "launch"]
    assert len(launches) >= 2 and launches["time_s"].iloc[0] == launches["time_s"].iloc[1]
    t_launch = float(launches["time_s"].iloc[0])
    pic = res.picture
    units, _ = build_fire_units([b for b in sc.battalions if b.active], list(pic.deployment.missiles),
                                list(pic.deployment.radars), set(aero_ids()), load_library(),
                                "nominal")
    plan = [(t_launch, 0), (t_launch, 1)]
    seeds = np.random.SeedSequence(2024).spawn(SALVO_DRAWS)
    killed, pk, miss = [], [], []
    for seq in seeds:
        out = engagement._fly_salvo(units[0], "48N6E3", plan, 0, pic, config,
                                    np.random.default_rng(seq))
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


def test_ripple_missile_is_held_when_the_first_killed_the_target():
    """Jet 4.4 km out: the first 57E6E (10 s) kills at ~12.6 s, before the ripple's second
    launch (13 s): that missile is not launched (hold_fire), its round stays aboard, and the
    bookkeeping counts one missile."""
    res = run_engagement(pantsir(53.04), seed=4, config=pantsir_config(lethal_radius_m=1000.0))
    ev = res.events
    kill = ev[ev["event"] == "kill"]
    launches = ev[ev["event"] == "launch"]
    held = ev[ev["event"] == "hold_fire"]
    assert len(kill) == 1 and len(launches) == 1 and len(held) == 1
    assert kill["time_s"].iloc[0] < held["time_s"].iloc[0] == launches["time_s"].iloc[0] + 3.0
    assert "not launched: target known destroyed" in held["detail"].iloc[0]
    assert held["missile_id"].iloc[0] == ""                       # no missile object exists
    unit = res.summary["fire_units"]["pantsir-1"]
    assert unit["missiles_fired"] == {"57E6E": 1} and unit["rounds_left"] == {"57E6E": 11}
    mags = res.magazine[res.magazine["missile_type"] == "57E6E"]["rounds"].tolist()
    assert mags == [12, 11]
    assert res.fates["missiles_fired"].tolist() == [1]
    assert res.engagements["missiles"].tolist() == [1] and res.engagements["killed"].tolist() == [True]
    assert set(res.missiles["missile_id"]) == set(launches["missile_id"])


def test_second_missile_arriving_after_the_kill_is_a_miss():
    """Jet 6.7 km out: both 57E6E are launched (10 s, 13 s); the first kills at ~14.3 s, the
    second arrives later: a miss "target already destroyed", no second intercept or kill."""
    res = run_engagement(pantsir(53.06), seed=4, config=pantsir_config(lethal_radius_m=1000.0))
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
    area = {k: 1e-9 for k in engagement.GUN_TARGET_AREA_M2}
    res = run_engagement(pantsir(53.18, end_lat=53.008, missiles=False), seed=4,
                         config=pantsir_config(gun_target_area_m2=area))
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
    area = {k: 1e-9 for k in engagement.GUN_TARGET_AREA_M2}
    res = run_engagement(pantsir(53.18, end_lat=53.02, missiles=False), seed=4,
                         config=pantsir_config(gun_target_area_m2=area))
    ev = res.events
    held = ev[ev["event"] == "hold_fire"]
    assert len(held) == 1 and held["detail"].iloc[0].startswith("gun burst not fired: target's")
    bursts = ev[ev["event"] == "gun_burst"]
    gun = res.magazine[res.magazine["missile_type"] == "2A38M"]["rounds"].tolist()
    assert gun == [1400 - 160 * k for k in range(len(bursts) + 1)]
