"""Emission control (issue 11, item 4): a scenario switches radars off and on (``emcon``).

What must hold, each checked against a reference the code under test does not produce:

- the emission state: on/off at hand-derived boundary times (``[off_s, on_s)``), and the first
  moment a set of radars is all silent against a brute-force search over a dense time grid;
- sensing: a radar with off windows detects exactly what the same radar without them detects
  (same seed), minus every detection -- target or false alarm -- whose look time lies in a
  window (window masks computed here from the emcon block, not by the code);
- on several seeds of the demo raid (``examples/raid_2022.yaml`` with an emcon block, 400 s):
  no detection from a radar while it is off, zero detections from a radar off for the whole run,
  no launch by a battalion whose only engagement radar (92N6E, guiding its 48N6E3) is off, no
  launch of a command-guided missile while its guiding radar is off, and the switch events;
- a scripted vignette (the minimal S-400 battalion against two F-16C): a round committed before
  its radar goes off is not launched (``hold_fire``), missiles in flight when it goes off lose
  guidance and end as misses at that instant, and the battalion fights again once it is on;
  an active-seeker missile (40N6E) is launched on the fused picture while the guiding radar of
  its battalion is off (the stated doctrine), a command-guided one (48N6E3) is not;
- same scenario and seed twice: identical event log and detections.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np

import iadsim
import pandas as pd
import pytest

from iadsim.engine.air_picture import AirPictureConfig
from iadsim.engine.engagement import EngagementConfig
from iadsim.engine.trajectory import Trajectories
from iadsim.scenario.build import build_deployment
from iadsim.scenario.load import load_scenario_text
from iadsim.sensors.radar import RadarModel
from iadsim.sensors.scan import (
    RadarSensor,
    off_windows_array,
    radar_emitting,
    scan_detections,
    silent_from_s,
)

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = (ROOT / "examples" / "minimal.yaml").read_text()
TWO_JETS = (ROOT / "tests" / "reference" / "two_jets.yaml").read_text()
DEMO = (ROOT / "examples" / "raid_2022.yaml").read_text()

#: Missiles whose guidance needs the ground radar to the end (command / track-via-missile).
COMMAND_GUIDED = {"48N6E3": "92N6E", "57E6E": "1RS2-1E"}


def with_emcon(text: str, anchor: str, windows: list[tuple[str, float, float | None]]) -> str:
    """``text`` with an ``emcon:`` block inserted before ``anchor`` (a battalion's radars key)."""
    assert text.count(anchor) == 1, anchor
    rows = "".join(f"      - {{radar: {r}, off_s: {off}" + ("" if on is None else f", on_s: {on}")
                   + "}\n" for r, off, on in windows)
    return text.replace(anchor, "    emcon:\n" + rows + anchor)


def in_windows(time_s: np.ndarray, windows: list[tuple[float, float | None]]) -> np.ndarray:
    """Whether each time lies in one of the ``[off, on)`` windows (``on`` None: no end)."""
    t = np.asarray(time_s, dtype=float)
    out = np.zeros(t.shape, dtype=bool)
    for off, on in windows:
        out |= (t >= off) & (t < (math.inf if on is None else on))
    return out


# ---------------------------------------------------------------------------------------------
# The emission state
# ---------------------------------------------------------------------------------------------

def test_radar_emitting_at_the_window_edges():
    w = off_windows_array([(300.0, 900.0), (1200.0, math.inf)])
    t = [0.0, 299.999, 300.0, 600.0, 899.999, 900.0, 1199.0, 1200.0, 1e6]
    assert radar_emitting(w, t).tolist() == [True, True, False, False, False, True, True, False,
                                             False]
    assert radar_emitting(off_windows_array(), t).all()
    assert radar_emitting(w, np.zeros((2, 3))).shape == (2, 3)


@pytest.mark.parametrize("bad", [[(10.0, 10.0)], [(10.0, 5.0)], [(math.nan, 5.0)],
                                 [(0.0, 100.0), (50.0, 200.0)], [(50.0, 60.0), (0.0, 10.0)]])
def test_off_windows_must_be_ordered_and_disjoint(bad):
    with pytest.raises(ValueError):
        off_windows_array(bad)


def test_silent_from_matches_a_brute_force_search():
    """First instant in [t0, t1) at which every radar of a set is off, against a dense grid that
    contains every window edge (the answer is always on the grid)."""
    rng = np.random.default_rng(11)
    for _ in range(200):
        radars = []
        for _ in range(rng.integers(1, 4)):
            edges = np.sort(rng.choice(np.arange(0, 200), size=2 * rng.integers(0, 4),
                                       replace=False)).astype(float)
            pairs = edges.reshape(-1, 2).tolist()
            if pairs and rng.random() < 0.3:
                pairs[-1][1] = math.inf
            radars.append(off_windows_array(pairs))
        t0, t1 = sorted(rng.choice(np.arange(0, 220), size=2, replace=False).astype(float))
        grid = np.arange(t0, t1, 0.5)
        silent = np.ones(grid.size, dtype=bool)
        for w in radars:
            off_now = np.zeros(grid.size, dtype=bool)
            for off, on in w:
                off_now |= (grid >= off) & (grid < on)
            silent &= off_now
        expected = float(grid[np.argmax(silent)]) if silent.any() else math.inf
        assert silent_from_s(radars, t0, t1) == expected
    assert silent_from_s([], 5.0, 10.0) == 5.0          # no radar at all: never guided
    assert silent_from_s([off_windows_array()], 5.0, 10.0) == math.inf


# ---------------------------------------------------------------------------------------------
# Sensing
# ---------------------------------------------------------------------------------------------

def _hovering(n: int, t_end: float) -> Trajectories:
    """``n`` objects hovering 20-60 km north-east of (53, 27) at 3 km."""
    lat = 53.1 + 0.08 * np.arange(n)
    lon = 27.1 + 0.05 * np.arange(n)
    return Trajectories(np.array([0.0, t_end]), tuple(f"o{i}" for i in range(n)), ("x",) * n,
                        np.tile(lat, (2, 1)), np.tile(lon, (2, 1)), np.full((2, n), 3000.0),
                        np.zeros((2, n, 3)), np.ones((2, n), bool))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_silent_radar_detects_what_it_would_minus_the_windows(seed):
    """Same seed: the detections with off windows are those without them (bit for bit) minus
    every one -- target or false alarm -- looked at inside a window."""
    model = RadarModel("demo", 1e21, 3e-7, 1, 1, 100e3, -0.05, 1.2)
    kw = dict(id="r1", model=model, lat_deg=53.0, lon_deg=27.0, antenna_msl_m=10.0,
              scan_period_s=5.0, sector_centre_rad=0.0, sector_width_rad=2 * np.pi,
              sigma_range_m=50.0, sigma_az_rad=2e-3, sigma_el_rad=3e-3, range_resolution_m=150.0,
              beamwidth_az_rad=0.02, beamwidth_el_rad=0.03)
    windows = [(32.5, 71.0), (150.0, None)]
    quiet = RadarSensor(**kw, off_windows_s=[(a, math.inf if b is None else b) for a, b in windows])
    traj = _hovering(4, 200.0)
    args = (traj, np.zeros((4, 3)), 0.0, 200.0, (53.0, 27.0, 0.0))
    full = scan_detections(RadarSensor(**kw), *args, np.random.default_rng(seed))
    got = scan_detections(quiet, *args, np.random.default_rng(seed))
    inside = in_windows(full["time_s"].to_numpy(), windows)
    assert inside.sum() > 20 and (full["truth_id"] == -1).sum() > 20     # not vacuous
    assert (full.loc[inside, "truth_id"] >= 0).any() and (full.loc[~inside, "truth_id"] == -1).any()
    pd.testing.assert_frame_equal(got, full[~inside].reset_index(drop=True))


# ---------------------------------------------------------------------------------------------
# The demo raid, several seeds
# ---------------------------------------------------------------------------------------------

#: Emission control added to the demo raid: (battalion's radars anchor, radar, windows).
DEMO_EMCON = {
    "s400-luninets-92n6e": [(0.0, None)],            # the battalion's only engagement radar
    "s400-brest-92n6e": [(120.0, 240.0)],
    "pantsir-baranovichi-1rs2": [(60.0, 180.0)],
}
DEMO_ANCHORS = {
    "s400-luninets-92n6e": "    radars:\n      - {id: s400-luninets-92n6e",
    "s400-brest-92n6e": "    radars:\n      - {id: s400-brest-92n6e",
    "pantsir-baranovichi-1rs2": "    radars:\n      # Both radars sit on the 96K6",
}
DEMO_CONFIG = EngagementConfig(air_picture=AirPictureConfig(t_end_s=400.0, report_interval_s=1.0))


def demo_emcon_text() -> str:
    text = DEMO
    for radar, windows in DEMO_EMCON.items():
        text = with_emcon(text, DEMO_ANCHORS[radar], [(radar, a, b) for a, b in windows])
    return text


@functools.cache
def demo_run(seed: int, emcon: bool):
    """The demo raid (400 s) with or without the emcon block (each run once per session)."""
    text, name = (demo_emcon_text(), "raid_2022_emcon.yaml") if emcon else (DEMO, "raid_2022.yaml")
    return iadsim.run(load_scenario_text(text, path=name), seed=seed, config=DEMO_CONFIG)


@pytest.fixture(params=[7, 11, 23])
def demo_emcon(request):
    return request.param, demo_run(request.param, True)


def launches(result) -> pd.DataFrame:
    ev = result.events
    return ev[ev["event"] == "launch"]


@pytest.mark.slow
def test_demo_no_detection_from_a_radar_while_it_is_off(demo_emcon):
    _, res = demo_emcon
    det = res.picture.detections
    assert (det["radar_id"] == "s400-luninets-92n6e").sum() == 0       # off the whole run
    for radar, windows in DEMO_EMCON.items():
        t = det.loc[det["radar_id"] == radar, "time_s"].to_numpy()
        assert not in_windows(t, windows).any(), radar
    # the radar off in the middle sees targets before and after its window
    brest = det[(det["radar_id"] == "s400-brest-92n6e") & (det["truth_id"] >= 0)]["time_s"]
    assert (brest < 120.0).any() and (brest >= 240.0).any()
    # its own tracker has no track updated by a detection inside the window
    tracks = res.picture.tracks
    own = tracks[(tracks["tracker"] == "s400-brest-92n6e") & (tracks["detection_index"] >= 0)]
    assert not in_windows(det.loc[own["detection_index"], "time_s"].to_numpy(),
                          DEMO_EMCON["s400-brest-92n6e"]).any()


@pytest.mark.slow
def test_demo_command_guided_missiles_wait_for_their_radar(demo_emcon):
    _, res = demo_emcon
    fired = launches(res)
    assert not (fired["unit_id"] == "s400-luninets").any()
    assert not ((res.events["unit_id"] == "s400-luninets")
                & res.events["event"].isin(["assign", "launch", "gun_burst"])).any()
    radar_of = {"s400-brest": "s400-brest-92n6e", "pantsir-baranovichi": "pantsir-baranovichi-1rs2"}
    guided = fired[fired["missile_type"].isin(COMMAND_GUIDED) & fired["unit_id"].isin(radar_of)]
    for unit, g in guided.groupby("unit_id"):
        assert not in_windows(g["time_s"].to_numpy(), DEMO_EMCON[radar_of[unit]]).any(), unit
    # every command-guided missile in flight across a switch-off ends there, guidance lost
    ev = res.events
    for row in guided.itertuples():
        off = [a for a, _ in DEMO_EMCON[radar_of[row.unit_id]] if a > row.time_s]
        end = ev[(ev["missile_id"] == row.missile_id) & ev["event"].isin(["intercept", "miss"])]
        assert len(end) == 1
        if off and end["time_s"].iloc[0] >= off[0]:
            assert end["time_s"].iloc[0] == off[0] and end["event"].iloc[0] == "miss"
            assert end["detail"].iloc[0].startswith("guidance lost")


@pytest.mark.slow
def test_demo_switch_events(demo_emcon):
    _, res = demo_emcon
    ev = res.events
    got = ev[ev["event"].isin(["radar_off", "radar_on"])][["time_s", "event", "unit_id",
                                                           "object_id"]]
    unit = {"s400-luninets-92n6e": "s400-luninets", "s400-brest-92n6e": "s400-brest",
            "pantsir-baranovichi-1rs2": "pantsir-baranovichi"}
    expected = sorted([(off, "radar_off", unit[r], r) for r, w in DEMO_EMCON.items() for off, _ in w]
                      + [(on, "radar_on", unit[r], r) for r, w in DEMO_EMCON.items()
                         for _, on in w if on is not None])
    assert sorted(map(tuple, got.itertuples(index=False))) == expected
    assert res.summary["fire_units"]["s400-brest"]["emcon"] == [
        {"radar": "s400-brest-92n6e", "off_s": 120.0, "on_s": 240.0}]


@pytest.mark.slow
def test_demo_against_the_run_without_emcon():
    """Seed 7: the radars without emcon detect exactly what they did without it, the silenced
    ones exactly that minus their windows -- up to the death of each threat, which differs
    between the two runs (closed loop: a destroyed threat is not detected after its kill); and
    the battalion whose radar is silenced did fire without emcon (the no-launch check above is
    not vacuous)."""
    baseline, emcon = demo_run(7, False), demo_run(7, True)
    base, det = baseline.picture.detections, emcon.picture.detections
    assert (launches(baseline)["unit_id"] == "s400-luninets").sum() >= 5

    def death(res):
        f = res.fates
        return np.where(f["fate"] == "killed", f["time_s"], np.inf)

    first_death = np.minimum(death(baseline), death(emcon))

    def alive_in_both(d):
        truth = d["truth_id"].to_numpy()
        return d[(truth < 0) | (d["time_s"].to_numpy() <= first_death[np.maximum(truth, 0)])]

    assert (death(baseline) != death(emcon)).any()       # the runs differ in their kills
    for radar in base["radar_id"].unique():
        b = alive_in_both(base[base["radar_id"] == radar])
        b = b[~in_windows(b["time_s"].to_numpy(), DEMO_EMCON.get(radar, []))]
        pd.testing.assert_frame_equal(alive_in_both(det[det["radar_id"] == radar])
                                      .reset_index(drop=True), b.reset_index(drop=True))


# ---------------------------------------------------------------------------------------------
# Scripted vignette: one S-400 battalion, two F-16C (launch at 23 s without emcon)
# ---------------------------------------------------------------------------------------------

VIGNETTE_CONFIG = EngagementConfig(air_picture=AirPictureConfig(t_end_s=300.0,
                                                                report_interval_s=1.0))
#: 92N6E off while the first salvo waits for its launch (seed 11 without emcon: assigned at
#: 13 s, launch at 23 s -- checked by test_vignette_premise), then again while the next salvos
#: fly.
VIGNETTE_WINDOWS = [(15.0, 40.0), (60.0, 100.0)]
VIGNETTE_SEED = 11


def vignette_text(windows=VIGNETTE_WINDOWS, radar="s400-1-92n6e", launchers=None) -> str:
    text = MINIMAL + TWO_JETS
    if launchers is not None:
        old = "      - {type: 5P85TE2, count: 8, load: {48N6E3: 4}}\n"
        assert old in text
        text = text.replace(old, launchers)
    return with_emcon(text, "    radars:\n", [(radar, a, b) for a, b in windows])


@pytest.fixture(scope="module")
def vignette():
    return iadsim.run(load_scenario_text(vignette_text(), path="vignette.yaml"), seed=VIGNETTE_SEED,
                      config=VIGNETTE_CONFIG)


def test_vignette_premise():
    """Without emcon the first salvo is assigned at 13 s and launched at 23 s: inside the first
    window, so the window must hold it."""
    ev = iadsim.run(load_scenario_text(MINIMAL + TWO_JETS, path="two_jets.yaml"),
                    seed=VIGNETTE_SEED, config=VIGNETTE_CONFIG, keep=("events",)).events
    assert ev.loc[ev["event"] == "assign", "time_s"].iloc[0] == 13.0
    assert ev.loc[ev["event"] == "launch", "time_s"].iloc[0] == 23.0


def test_vignette_hold_fire_loss_of_guidance_and_resumption(vignette):
    ev = vignette.events
    fired = ev[ev["event"] == "launch"]
    assert not in_windows(fired["time_s"].to_numpy(), VIGNETTE_WINDOWS).any()
    held = ev[(ev["event"] == "hold_fire")
              & ev["detail"].str.contains("engagement radar s400-1-92n6e off", regex=False)]
    assert len(held) >= 1 and in_windows(held["time_s"].to_numpy(), VIGNETTE_WINDOWS).all()
    # missiles in flight when the radar goes off at 60 s lose guidance then
    ends = ev[ev["event"].isin(["intercept", "miss"])].set_index("missile_id")
    flying = fired[(fired["time_s"] < 60.0)
                   & (fired["missile_id"].map(ends["time_s"]) >= 60.0)]["missile_id"]
    assert len(flying) >= 1
    for mid in flying:
        assert ends.loc[mid, "event"] == "miss" and ends.loc[mid, "time_s"] == 60.0
        assert ends.loc[mid, "detail"] == ("guidance lost: s400-1-92n6e off at 60.0 s "
                                           "(emission control)")
        assert np.isnan(ends.loc[mid, "miss_m"]) and ends.loc[mid, "pk"] == 0.0
        assert not ((ev["missile_id"] == mid) & (ev["event"] == "kill")).any()
        later = ev[(ev["missile_id"] == mid) & (ev["time_s"] > 60.0)]
        assert later.empty, later
        path = vignette.missiles[vignette.missiles["missile_id"] == mid]
        assert path["time_s"].max() == 60.0
    # on again at 100 s: the battalion engages again
    assert (fired["time_s"] >= 100.0).any()
    switches = ev[ev["event"].isin(["radar_off", "radar_on"])]
    assert switches[["time_s", "event"]].values.tolist() == [
        [15.0, "radar_off"], [40.0, "radar_on"], [60.0, "radar_off"], [100.0, "radar_on"]]
    assert set(switches["object_id"]) == {"s400-1-92n6e"} and set(switches["unit_id"]) == {"s400-1"}


def test_vignette_replay_draws_the_switches_at_the_radar(vignette):
    from iadsim.io.acmi import build_acmi
    from iadsim.workflows import replay_tables

    replay, events = replay_tables(vignette)
    switches = events[events["event"].isin(["radar_off", "radar_on"])]
    assert len(switches) == 4 and set(switches["object_id"]) == {"s400-1-92n6e"}
    text = build_acmi(replay, events)
    radar = next(line.split(",")[0] for line in text.splitlines()
                 if "Name=92N6E" in line)                      # the radar's ACMI object id
    assert sum(line.startswith(f"0,Event=Message|{radar}|radar_off") for line in text.splitlines()) == 2


def test_vignette_same_seed_same_run(vignette):
    again = iadsim.run(load_scenario_text(vignette_text(), path="vignette.yaml"),
                       seed=VIGNETTE_SEED, config=VIGNETTE_CONFIG)
    pd.testing.assert_frame_equal(vignette.events, again.events)
    pd.testing.assert_frame_equal(vignette.picture.detections, again.picture.detections)


def test_active_seeker_missiles_fly_while_the_guiding_radar_is_off():
    """Doctrine: with the 92N6E off the whole run, the 48N6E3 (track-via-missile, guided by the
    92N6E) are never launched; the 40N6E (active seeker) are, on the fused track of the 91N6E."""
    mixed = ("      - {type: 5P85TE2, count: 4, load: {48N6E3: 4}}\n"
             "      - {type: 5P85TE2, count: 4, load: {40N6E: 2}}\n")
    sc = load_scenario_text(vignette_text([(0.0, None)], launchers=mixed), path="mixed.yaml")
    res = iadsim.run(sc, seed=5, config=VIGNETTE_CONFIG)
    assert (res.picture.detections["radar_id"] == "s400-1-92n6e").sum() == 0
    fired = res.events[res.events["event"] == "launch"]
    assert set(fired["missile_type"]) == {"40N6E"}
    assert any("Active-seeker missiles may be launched" in a for a in res.summary["assumptions"])


def test_build_carries_the_windows_in_si():
    sc = load_scenario_text(vignette_text([(300.0, 900.0), (60.0, 100.0), (1200.0, None)]),
                            path="build.yaml")
    dep = build_deployment(sc)
    by_id = {r.id: r for r in dep.radars}
    np.testing.assert_array_equal(by_id["s400-1-92n6e"].off_windows_s,
                                  [[60.0, 100.0], [300.0, 900.0], [1200.0, math.inf]])
    assert by_id["s400-1-91n6e"].off_windows_s.shape == (0, 2)
    assert any("s400-1-92n6e 60-100 s, 300-900 s, from 1200 s to the end" in a
               for a in dep.assumptions)
