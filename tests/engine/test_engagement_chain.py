"""Engagement chain on scripted raids with known geometry: hand-derived event times and order,
launcher interval and reload, fire channels, engagement cap, command-post loss, guns.

Geometry of the scripted raid (``radial_raid``): one S-400 battalion with one 92N6E on a 25 m
mast at (53.0 N, 26.0 E) over flat terrain at 0 m; one F-16C at 300 m MSL flying due south along
the 26 E meridian at 250 m/s, starting 0.9 deg of latitude north of the site and passing over it.
Everything below is derived by hand from these numbers and the library figures named.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

import iadsim
import pandas as pd
import pytest

from iadsim.c2.doctrine import Doctrine
from iadsim.engine import fire_control
from iadsim.engine.decisions import NOT_ENGAGED
from iadsim.engine.air_picture import AirPictureConfig
from iadsim.engine.engagement import EngagementConfig
from iadsim.engine.outcome import furthest_link
from iadsim.geo.frames import geodetic2enu
from iadsim.scenario.schema import Scenario
from iadsim.weapons.calibration import load_aero
from iadsim.workflows import engagement_products
from vignettes import pantsir_one_jet

SITE_LAT, SITE_LON = 53.0, 26.0
START_LAT = 53.9
SPEED = 250.0             # m/s
ALT_T = 300.0             # target altitude, m MSL (ground 0 m)
MAST = 25.0               # 92N6E antenna height, m
SCAN = 2.0                # 92N6E scan_period_s (nominal, s400.yaml)
REPORT = 1.0              # report clock, s
LATENCY = 2.0             # EngagementConfig.link_latency_s default
REACTION = 10.0           # 55K6E reaction_time_s (nominal, s400.yaml)
INTERVAL = 3.0            # 5P85TE2 min_launch_interval_s (nominal, s400.yaml)


def radial_raid(load: str = "{48N6E3: 4}", extra_battalion: str = "", threats: str = "",
                alt_m: float = ALT_T) -> Scenario:
    return Scenario.from_yaml(f"""
iadsim: 1
name: scripted radial raid
seed: 11
terrain: {{synthetic: {{seed: 1, relief_m: 0, base_m: 0}}}}
battalions:
  - id: s400-1
    system: S-400
    site: {{lat_deg: {SITE_LAT}, lon_deg: {SITE_LON}, ground_alt_m: 0, location_note: test,
            assumed: true, reasoning: test}}
    command_post: 55K6E
    radars: [{{id: fcr, type: 92N6E, mast_height_m: {MAST}}}]
    launchers: [{{type: 5P85TE2, count: 1, load: {load}{extra_battalion}}}]
defended_assets:
  - {{id: site, name: site, lat_deg: {SITE_LAT}, lon_deg: {SITE_LON}, assumed: true,
      reasoning: test}}
threats:
  - id: jet
    type: F-16C
    route:
      - {{lat_deg: {START_LAT}, lon_deg: {SITE_LON}, alt_m: {alt_m}, alt_ref: msl,
          speed_m_s: {SPEED}}}
      - {{lat_deg: 52.9, lon_deg: {SITE_LON}, alt_m: {alt_m}, alt_ref: msl, speed_m_s: {SPEED}}}
{threats}""")


def config(**kw) -> EngagementConfig:
    return EngagementConfig(air_picture=AirPictureConfig(report_interval_s=REPORT), **kw)


#: Lethal radius that makes every kill draw fail (Pk ~ 0 at any fuzed miss distance): the
#: threat survives every engagement, so re-engagements happen.
NO_KILL_M = 1e-3


def horizon_time_s() -> float:
    """When the target rises above the 92N6E's radar horizon (4/3 Earth, smooth sphere)."""
    ke = 4.0 / 3.0 * 6_371_000.0
    horizon_m = math.sqrt(2 * ke * MAST) + math.sqrt(2 * ke * ALT_T)        # 20.6 + 71.4 km
    start_m = 6_371_000.0 * math.radians(START_LAT - SITE_LAT)              # 100.1 km
    return (start_m - horizon_m) / SPEED                                    # ~32.3 s


@pytest.fixture(scope="module")
def scripted():
    return iadsim.run(radial_raid(), seed=11, config=config())


def test_scripted_raid_event_times(scripted):
    ev = scripted.events
    first = ev.drop_duplicates("event").set_index("event")      # first event of each kind
    t_h = horizon_time_s()
    t_det = first.loc["first_detection", "time_s"]
    # First look after the horizon crossing: within one scan, plus 1 km of terrain raster
    # (the viewshed's resolution, 4 s at 250 m/s) either way.
    assert t_h - 4.0 <= t_det <= t_h + SCAN + 4.0
    # 3-of-4 confirmation: the 3rd hit is 2 revisits after the first (3rd of 4 if one is
    # missed), reported on the next tick of the report clock.
    t_conf = first.loc["track_confirmed", "time_s"]
    assert t_det + 2 * SCAN <= t_conf <= math.ceil(t_det + 3 * SCAN)
    # The command post sees the confirmed track one link latency later; it assigns on the
    # fused report of one latency before (once the track's predicted intercept point is inside
    # the 48N6E3's limits: a young track's vertical velocity is noisy at 90 km).
    t_assign = first.loc["assign", "time_s"]
    assert t_assign >= t_conf + LATENCY
    fused = scripted.picture.tracks[scripted.picture.tracks["tracker"] == "fused"]
    seen = fused[fused["time_s"] == t_assign - LATENCY]
    assert first.loc["assign", "track_id"] in set(seen["track_id"])
    launches = ev[ev["event"] == "launch"]["time_s"].to_numpy()
    # Salvo of 2 from the only launcher: reaction time, then its minimum launch interval.
    np.testing.assert_allclose(launches[:2], [t_assign + REACTION, t_assign + REACTION + INTERVAL])
    delay = load_aero("48N6E3").guidance_delay_s
    command = ev[(ev["event"] == "guidance_mode") & (ev["detail"] == "command")]["time_s"]
    np.testing.assert_allclose(command.to_numpy()[:2], launches[:2] + delay, atol=0.11)
    # Intercept: closing at 250 m/s + a mean missile speed between 600 and 2000 m/s from the
    # range at launch (generous: the flyout model is being refined).
    launch_range_m = 6_371_000.0 * math.radians(START_LAT - SITE_LAT) - SPEED * launches[0]
    end = ev[ev["event"].isin(["intercept", "miss"])].iloc[0]
    t_int = end["time_s"]
    assert launches[0] + launch_range_m / 2250.0 <= t_int <= launches[0] + launch_range_m / 850.0
    # Where: the target is then D0 - v t north of the site; the missile's last recorded point
    # (1 s recording, up to ~2 km short of the fuze point) is there.
    target_m = 6_371_000.0 * math.radians(START_LAT - SITE_LAT) - SPEED * t_int
    track = scripted.missiles[scripted.missiles["missile_id"] == end["missile_id"]].iloc[-1]
    e, n, _ = geodetic2enu(track["lat_deg"], track["lon_deg"], track["alt_msl_m"],
                           SITE_LAT, SITE_LON, 0.0)
    assert abs(e) < 500.0 and target_m - 3000.0 <= n <= target_m + 500.0


def test_scripted_raid_event_order(scripted):
    ev = scripted.events
    m1, m2 = ev.loc[ev["event"] == "launch", "missile_id"].iloc[:2]
    real = (ev["truth_id"] >= 0) | ~ev["event"].isin(["track_start", "track_drop"])
    seq = list(zip(ev.loc[real, "event"], ev.loc[real, "missile_id"], strict=True))
    assert seq[:8] == [("first_detection", ""), ("track_confirmed", ""), ("track_start", ""),
                       ("assign", ""), ("launch", m1), ("guidance_mode", m1), ("launch", m2),
                       ("guidance_mode", m2)]
    # the command-post track of the target starts when it is confirmed and, if the target is
    # destroyed (closed loop: no detection of it after the kill), coasts and is dropped by the
    # tracker's time-based deletion: delete_misses (3) revisits (the 92N6E's 2 s scan) after
    # its last update, reported on the next tick of the report clock
    target = ev[(ev["truth_id"] >= 0) & ev["event"].isin(["track_start", "track_drop", "kill"])]
    assert target["time_s"].iloc[0] == ev.loc[ev["event"] == "track_confirmed", "time_s"].iloc[0]
    kills = target[target["event"] == "kill"]
    assert len(kills) == 1                    # seed 11: the first salvo destroys the jet
    t_kill = kills["time_s"].iloc[0]
    det = scripted.picture.detections
    last = det.loc[det["truth_id"] == 0, "time_s"].max()
    assert last <= t_kill
    drop = target[target["event"] == "track_drop"]
    assert list(drop["detail"]) == [f"target destroyed at {t_kill:.1f} s"]
    frame = 0.5                               # AirPictureConfig.frame_s: update times are framed
    assert last + 3 * SCAN - frame <= drop["time_s"].iloc[0] <= last + 3 * SCAN + REPORT + frame
    # kill assessment: the first report at least kill_assessment_delay_s (10 s, model file)
    # after the first intercept that no detection of the target followed
    ends = ev[(ev["event"] == "intercept") & (ev["truth_id"] == 0)]["time_s"]
    t_hit = ends[ends >= last].min()
    assessed = ev[ev["event"] == "kill_assessed"]
    assert assessed["time_s"].tolist() == [math.ceil((t_hit + 10.0) / REPORT) * REPORT]
    assert f"since the intercept at {t_hit:.1f} s" in assessed["detail"].iloc[0]
    for mid in (m1, m2):
        mine = ev[ev["missile_id"] == mid]
        kinds = [k for k in mine["event"] if k != "kill"]
        assert kinds == ["launch", "guidance_mode", "guidance_mode", "intercept"] or \
            kinds[:3] == ["launch", "guidance_mode", "guidance_mode"] and kinds[3] == "miss"
        assert mine["detail"].iloc[2].startswith("terminal (seeker acquired")   # 48N6E3: TVM
    modes = ev[ev["event"] == "guidance_mode"]
    t1, t2 = (modes[(modes["missile_id"] == m) & (modes["detail"] != "command")]["time_s"].iloc[0]
              for m in (m1, m2))
    assert t1 < t2
    ends = ev[ev["event"].isin(["intercept", "miss"])]
    assert list(ends["missile_id"].iloc[:2]) == [m1, m2]
    # Magazine of the one launcher: 4 aboard, one fewer at each launch.
    mag = scripted.magazine
    assert mag["rounds"].tolist()[:3] == [4, 3, 2]
    unit = scripted.summary["fire_units"]["s400-1"]
    assert (unit["fire_channels"], unit["guidance_channels"]) == (36, 72)   # 92N6E, s400.yaml
    if "kill" in set(ev["event"]):
        assert scripted.fates["fate"].iloc[0] == "killed"
    assert scripted.fates["furthest_link"].iloc[0] == "engaged (missiles)"


def test_furthest_link_is_the_last_kill_chain_event_of_each_threat():
    """Threat 0 fired at, 1 only detected, 2 never detected, 3 tracked, 4 assigned, 5 gunned,
    6 both; rows out of order and events of other kinds (truth -1) do not matter."""
    rows = [("launch", 0), ("assign", 0), ("first_detection", 1), ("track_confirmed", 3),
            ("first_detection", 3), ("first_detection", 0), ("track_confirmed", 0),
            ("assign", 4), ("track_confirmed", 4), ("gun_burst", 5), ("track_drop", 1),
            ("command_post_lost", -1), ("gun_burst", 6), ("launch", 6)]
    events = pd.DataFrame(rows, columns=["event", "truth_id"])
    assert furthest_link(events, np.full(7, -1)).tolist() == [
        "engaged (missiles)", "detected, no confirmed track", "not detected",
        "tracked, never assigned", "assigned, nothing fired", "engaged (guns)",
        "engaged (missiles and guns)"]
    # A decision's reason is added only where the chain broke after tracking.
    why = furthest_link(events, np.array([0, 1, 1, 1, 2, 3, 0])).tolist()
    assert why[3] == "tracked, never assigned: out of missile reach"
    assert why[:3] + why[4:] == ["engaged (missiles)", "detected, no confirmed track",
                                 "not detected", "assigned, nothing fired", "engaged (guns)",
                                 "engaged (missiles and guns)"]


def test_reload_from_spare_rounds():
    """2 rounds aboard, 2 spares, 60 s reload: salvo, reload, salvo, exhausted."""
    sc = radial_raid(load="{48N6E3: 2}", extra_battalion=", spare_rounds: {48N6E3: 2}, "
                                                         "reload_time_s: 60")
    res = iadsim.run(sc, seed=11, config=config(lethal_radius_m=NO_KILL_M))
    ev = res.events
    launches = ev[ev["event"] == "launch"]["time_s"].to_numpy()
    assert len(launches) == 4
    reload = ev[ev["event"] == "reload"]
    assert len(reload) == 1
    # The launcher is emptied by the 2nd launch; the reload ends 60 s later.
    assert reload["time_s"].iloc[0] == pytest.approx(launches[1] + 60.0)
    assert "2 × 48N6E3" in reload["detail"].iloc[0] and "0 × 48N6E3 left" in reload["detail"].iloc[0]
    assert launches[2] >= reload["time_s"].iloc[0]
    assert launches[3] == pytest.approx(launches[2] + INTERVAL)
    assert res.magazine["rounds"].tolist() == [2, 1, 0, 2, 1, 0]
    exhausted = ev[ev["event"] == "missile_exhausted"]
    assert exhausted["time_s"].tolist() == pytest.approx([launches[3]])
    assert res.summary["fire_units"]["s400-1"]["spare_rounds_left"] == {"48N6E3": 0}
    assert any(a.startswith("Launchers reload only where") for a in res.summary["assumptions"])


def test_no_spares_no_reload(scripted):
    assert "reload" not in set(scripted.events["event"])
    assert "Launchers do not reload (the scenario gives no spare rounds and reload times)." \
        in scripted.summary["assumptions"]


@pytest.mark.parametrize("doctrine, assigns, salvo", [
    (Doctrine(salvo_size=2, policy="shoot-shoot-look", max_engagements_per_threat=1), 1, 2),
    (Doctrine(salvo_size=2, policy="shoot-look-shoot"), 2, 1),   # default cap: salvo_size looks
])
def test_engagement_cap_per_threat(doctrine, assigns, salvo):
    """The threat survives every shot; the unit stops after the capped number of engagements."""
    res = iadsim.run(radial_raid(), seed=11,
                         config=config(doctrine=doctrine, lethal_radius_m=NO_KILL_M))
    ev = res.events
    assert (ev["event"] == "assign").sum() == assigns
    assert (ev["event"] == "launch").sum() == assigns * salvo
    assert "kill" not in set(ev["event"])
    # Shoot-look-shoot: the second look only after the first missile's end + one report.
    if assigns == 2:
        t_end = ev[ev["event"].isin(["intercept", "miss"])]["time_s"].iloc[0]
        assert ev[ev["event"] == "assign"]["time_s"].iloc[1] >= t_end + REPORT


def test_guidance_channels_hold_until_the_end_for_semi_active():
    """One missile-guidance channel: a TVM missile holds it to the end of its flight, so a
    second, simultaneous threat is engaged only after it (a World built by hand from the
    scenario's, its fire unit given one channel)."""
    second = f"""  - id: jet-2
    type: F-16C
    route:
      - {{lat_deg: {START_LAT}, lon_deg: 26.05, alt_m: {ALT_T}, alt_ref: msl, speed_m_s: {SPEED}}}
      - {{lat_deg: 52.9, lon_deg: 26.05, alt_m: {ALT_T}, alt_ref: msl, speed_m_s: {SPEED}}}
"""
    world = iadsim.build(radial_raid(threats=second))
    world = dataclasses.replace(world, fire_units=tuple(
        dataclasses.replace(u, missile_channels=1) for u in world.fire_units))
    res = iadsim.run(world, seed=11,
                     config=config(doctrine=Doctrine(salvo_size=1), lethal_radius_m=NO_KILL_M))
    ev = res.events
    assigns = ev[ev["event"] == "assign"]
    ends = ev[ev["event"].isin(["intercept", "miss"])]
    assert len(assigns) >= 2
    assert assigns["truth_id"].iloc[:2].nunique() == 2
    # Each new engagement waits for the previous missile's end (its guidance channel).
    for k in range(1, len(assigns)):
        assert assigns["time_s"].iloc[k] >= ends["time_s"].iloc[k - 1]


def test_tracked_threat_left_without_rounds_says_so():
    """Two jets, 2 rounds, salvos of 2: one jet gets both rounds (no kill), the other is tracked
    but never assigned: the salvo went to the first (whose decision saw the other feasible but
    the rounds spent), then no rounds aboard -- the closest it came is the doctrine/channel
    limit of the first decision. Both fly at 6 km, where a young track's vertical-velocity noise
    cannot put the predicted intercept point below the 48N6E3's minimum altitude (at 300 m it
    can, and the second jet's closest would then be "out of missile reach")."""
    second = f"""  - id: jet-2
    type: F-16C
    route:
      - {{lat_deg: {START_LAT}, lon_deg: 26.05, alt_m: 6000, alt_ref: msl, speed_m_s: {SPEED}}}
      - {{lat_deg: 52.9, lon_deg: 26.05, alt_m: 6000, alt_ref: msl, speed_m_s: {SPEED}}}
"""
    res = iadsim.run(radial_raid(load="{48N6E3: 2}", threats=second, alt_m=6000.0), seed=11,
                         config=config(lethal_radius_m=NO_KILL_M))
    launches = res.events[res.events["event"] == "launch"]
    assert len(launches) == 2 and launches["truth_id"].nunique() == 1
    shot = int(launches["truth_id"].iloc[0])
    links = res.fates.set_index("truth_id")["furthest_link"]
    assert links[shot] == "engaged (missiles)"
    assert links[1 - shot] == f"tracked, never assigned: {NOT_ENGAGED[3]}"


def test_command_post_lost_autonomous_engagement():
    """Lost at t = 0: no fused picture, own radar tracks without link latency."""
    sc = radial_raid()
    bn = sc.battalions[0].model_copy(update={"command_post_lost_at_s": 0.0})
    sc = sc.model_copy(update={"battalions": (bn,)})
    res = iadsim.run(sc, seed=11, config=config())
    ev = res.events
    assert list(ev["event"].iloc[:2]) == ["command_post_lost", "autonomous"]
    assert ev["time_s"].iloc[:2].tolist() == [0.0, 0.0]
    assert "fcr" in ev["detail"].iloc[1]
    own = res.picture.tracks
    own = own[(own["tracker"] == "fcr") & (own["truth_id"] == 0)]
    assign = ev[ev["event"] == "assign"].iloc[0]
    # decided on the unit's own radar track as reported at that very time (no link latency):
    # the assignment's track is the fcr tracker's, reported at the assignment time
    assert assign["time_s"] >= own["time_s"].min()
    assert ((own["time_s"] == assign["time_s"]) & (own["track_id"] == assign["track_id"])).any()
    assert res.summary["fire_units"]["s400-1"]["autonomous_from_s"] == 0.0


def pantsir(missiles: bool = False) -> Scenario:
    """One Pantsir-S1 and one F-16C flying south over it (:func:`vignettes.pantsir_one_jet`)."""
    return pantsir_one_jet(53.18, 52.9, missiles, name="pantsir guns")


def test_pantsir_gun_bursts():
    res = iadsim.run(pantsir(), seed=4, config=config())
    ev = res.events
    bursts = ev[ev["event"] == "gun_burst"]
    assert len(bursts) >= 1
    # 2A38M (pantsir_s1.yaml): 2 twin guns x 40 rds/s x 2 s burst = 160 rounds per burst.
    assert all(d.startswith("160 rounds at ") for d in bursts["detail"])
    gun = res.magazine[res.magazine["missile_type"] == "2A38M"]["rounds"].tolist()
    assert gun == [1400 - 160 * k for k in range(len(bursts) + 1)]
    assert res.summary["fire_units"]["pantsir-1"]["gun_rounds_left"] == 1400 - 160 * len(bursts)
    traj = res.picture.trajectories
    for row in bursts.itertuples():
        # Range at the burst from the true trajectory; Pk by hand (Ball 2003): sigma = r x 2 mrad,
        # P_h = 1 - exp(-A / (2 pi sigma^2)) with A = 10 m2 (aircraft), P_k = 1 - exp(-n P_h P_k|h).
        lat = np.interp(row.time_s, traj.time_s, traj.lat_deg[:, 0])
        lon = np.interp(row.time_s, traj.time_s, traj.lon_deg[:, 0])
        alt = np.interp(row.time_s, traj.time_s, traj.alt_msl_m[:, 0])
        r = float(np.linalg.norm(geodetic2enu(lat, lon, alt, 53.0, 26.0, 0.0)))
        assert r <= 4000.0 + 500.0              # 2A38M max_range_km 4 (+ prediction error)
        sigma = r * 2e-3
        p_hit = 1.0 - math.exp(-10.0 / (2 * math.pi * sigma**2))
        assert row.pk == pytest.approx(1.0 - math.exp(-160 * p_hit * 0.3), rel=0.02)
    # Each burst is assigned one reaction time (96K6: 5 s) earlier.
    assigns = ev[ev["event"] == "assign"]["time_s"].to_numpy()
    np.testing.assert_allclose(bursts["time_s"].to_numpy(), assigns + 5.0)
    # Each burst is a replay object: guns to target over the 2 s burst.
    for burst in bursts.itertuples():
        line = res.missiles[res.missiles["missile_id"] == burst.missile_id]
        assert line["time_s"].tolist() == pytest.approx([burst.time_s, burst.time_s + 2.0])
    kills = ev[ev["event"] == "kill"]
    if len(kills):
        assert kills["missile_type"].iloc[0] == "2A38M"
        killer = bursts[bursts["missile_id"] == kills["missile_id"].iloc[0]]
        assert kills["time_s"].iloc[0] == pytest.approx(killer["time_s"].iloc[0] + 2.0)
        # until the command post assesses the kill (no detection for 10 s after the burst),
        # the guns may fire again at the dead jet: those bursts say so; none after it
        t_kill = kills["time_s"].iloc[0]
        later = bursts[bursts["time_s"] > t_kill]
        assert all("target already destroyed" in d for d in later["detail"])
        assessed = ev.loc[ev["event"] == "kill_assessed", "time_s"]
        assert len(assessed) == 1 and (later["time_s"] <= assessed.iloc[0] + 5.0).all()
    assert res.summary["gun_bursts"] == len(bursts)


def test_same_seed_same_log_with_guns_and_replays(tmp_path):
    sc = pantsir()
    a = iadsim.run(sc, seed=4, config=config())
    b, files = engagement_products(sc, tmp_path / "run", seed=4, config=config())
    pd.testing.assert_frame_equal(a.events, b.events)
    assert {"replay.acmi", "replay.czml", "replay.kml"} <= {f.name for f in files}
    assert "gun_burst" in set(a.events["event"])


def test_each_ripple_launch_needs_its_own_launch_solution(monkeypatch):
    """A salvo's missiles leave one launcher min_launch_interval_s apart (96K6: 3 s); the fire
    control solves each launch time on its own, and a launch without a solution at its time is
    not fired (its round stays aboard). Here the solver finds one for the first launch only."""
    calls = []

    def first_only(aero, target, t0, dt_s):
        calls.append(t0)
        return math.radians(10.0) if len(calls) == 1 else None

    monkeypatch.setattr(fire_control, "launch_loft", first_only)
    sc = pantsir(missiles=True)
    res = iadsim.run(sc, seed=4, config=config(doctrine=Doctrine(salvo_size=2)))
    launches = res.events[res.events["event"] == "launch"]
    assert calls[:2] == [calls[0], calls[0] + 3.0]                  # 96K6 interval, pantsir_s1
    assert launches["time_s"].iloc[0] == calls[0]
    assert len(launches) == 1 and res.summary["fire_units"]["pantsir-1"]["rounds_left"] == {
        "57E6E": 11}
