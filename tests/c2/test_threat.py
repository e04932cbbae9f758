"""Threat evaluation on hand geometry: CPA time and distance, value model, ranking, reasons."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from iadsim.c2 import evaluate_threats
from iadsim.c2.threat import THREAT_COLUMNS, ThreatModel
from iadsim.errors import InputError

PRIORITY = {"cruise_missile": 1.5, "fighter": 1.0}


def tracks_frame(rows):
    cols = ["track_id", "x_m", "y_m", "z_m", "vx_m_s", "vy_m_s", "vz_m_s", "type"]
    return pd.DataFrame(rows, columns=cols[:len(rows[0])] if rows else cols)


ASSET = pd.DataFrame({"asset_id": ["baranovichi-ab"], "x_m": [0.0], "y_m": [0.0], "z_m": [500.0],
                      "value": [3.0]})

# Hand cases against ASSET (origin at z = 500 m), default radius 10 km, tau = 60 s.
STRAIGHT = ("straight", 24_000.0, 0.0, 500.0, -240.0, 0.0, 0.0, "fighter")  # t = 100 s, CPA 0
OFFSET = ("offset", -10_000.0, 3_000.0, 500.0, 200.0, 0.0, 0.0, "cruise_missile")  # t = 50 s, CPA 3 km
RECEDING = ("receding", 5_000.0, 0.0, 500.0, 100.0, 0.0, 0.0, "fighter")
MISSES = ("misses", -20_000.0, 15_000.0, 500.0, 250.0, 0.0, 0.0, "fighter")  # t = 80 s, CPA 15 km


def one(row, assets=ASSET, **kwargs):
    return evaluate_threats(tracks_frame([row]), assets, PRIORITY, **kwargs).iloc[0]


def test_straight_at_asset_time_is_distance_over_speed():
    r = one(STRAIGHT)
    assert r.time_to_asset_s == pytest.approx(24_000.0 / 240.0)
    assert r.cpa_distance_m == pytest.approx(0.0, abs=1e-9)
    assert r.closing_speed_m_s == pytest.approx(240.0)
    assert r.threat_value == pytest.approx(3.0 * 1.0 * 60.0 / (60.0 + 100.0))
    assert r.asset_id == "baranovichi-ab"


def test_receding_target_has_infinite_time_and_no_value():
    r = one(RECEDING)
    assert r.time_to_asset_s == math.inf
    assert r.cpa_distance_m == pytest.approx(5_000.0)
    assert r.closing_speed_m_s == pytest.approx(-100.0)
    assert r.threat_value == 0.0
    assert r.reasons == ("receding from baranovichi-ab (5.0 km); opening 100 m/s; type fighter ×1; "
                         "asset value 3")


def test_cpa_offset_by_hand():
    # r = (-10 km, 3 km, 0), v = (200, 0, 0): t = -(r.v)/|v|^2 = 2e6/4e4 = 50 s, miss distance 3 km,
    # closing speed -(r.v)/|r| = 2e6 / sqrt(1.09e8).
    r = one(OFFSET)
    assert r.time_to_asset_s == pytest.approx(50.0)
    assert r.cpa_distance_m == pytest.approx(3_000.0)
    assert r.closing_speed_m_s == pytest.approx(2e6 / math.sqrt(1.09e8))
    assert r.threat_value == pytest.approx(3.0 * 1.5 * 60.0 / 110.0)
    assert r.reasons == ("CPA 3.0 km to baranovichi-ab in 50 s; closing 192 m/s; type cruise_missile ×1.5; "
                         "asset value 3")


def test_diving_target_in_three_dimensions():
    # From (-8 km, 0, 6.5 km) at (200, 0, -150) m/s: reaches the asset (0, 0, 500 m) in 40 s.
    r = one(("dive", -8_000.0, 0.0, 6_500.0, 200.0, 0.0, -150.0))
    assert r.time_to_asset_s == pytest.approx(40.0)
    assert r.cpa_distance_m == pytest.approx(0.0, abs=1e-6)
    assert r.closing_speed_m_s == pytest.approx(250.0)
    assert "type" not in r.reasons  # no type column: no type term


def test_cpa_outside_radius_scores_zero_unless_the_asset_radius_covers_it():
    r = one(MISSES)
    assert r.time_to_asset_s == pytest.approx(80.0)
    assert r.cpa_distance_m == pytest.approx(15_000.0)
    assert r.threat_value == 0.0
    assert r.reasons.startswith("passes baranovichi-ab at 15.0 km (outside its 10.0 km radius) in 80 s")
    wide = ASSET.assign(radius_m=20_000.0)
    assert one(MISSES, wide).threat_value == pytest.approx(3.0 * 60.0 / 140.0)
    assert one(MISSES, defended_radius_m=16_000.0).threat_value == pytest.approx(3.0 * 60.0 / 140.0)


def test_ranking_order():
    df = evaluate_threats(tracks_frame([RECEDING, MISSES, STRAIGHT, OFFSET]), ASSET, PRIORITY)
    assert list(df.columns) == THREAT_COLUMNS
    # offset 2.45 > straight 1.125 > misses 0 (t = 80 s) > receding 0 (t = inf)
    assert df["track_id"].tolist() == ["offset", "straight", "misses", "receding"]
    assert df["threat_value"].is_monotonic_decreasing


def test_threat_model_is_the_core_of_evaluate_threats():
    tracks = tracks_frame([RECEDING, MISSES, STRAIGHT, OFFSET])
    df = evaluate_threats(tracks, ASSET, PRIORITY)
    th = ThreatModel.of(ASSET, PRIORITY).evaluate(tracks[["x_m", "y_m", "z_m"]].to_numpy(),
                                                  tracks[["vx_m_s", "vy_m_s", "vz_m_s"]].to_numpy(),
                                                  tracks["type"].tolist())
    assert tracks["track_id"].to_numpy()[th.order].tolist() == df["track_id"].tolist()
    assert th.value[th.order].tolist() == df["threat_value"].tolist()
    assert [th.reason(int(i)) for i in th.order] == df["reasons"].tolist()


def test_most_threatened_asset_is_the_highest_pair_value():
    assets = pd.DataFrame({"asset_id": ["near", "far"], "x_m": [0.0, 50_000.0], "y_m": [0.0, 0.0],
                           "z_m": [0.0, 0.0], "value": [1.0, 4.0]})
    # near: t = 40 s -> 1 * 60/100 = 0.6; far: t = 240 s -> 4 * 60/300 = 0.8.
    r = one(("t", -10_000.0, 0.0, 0.0, 250.0, 0.0, 0.0), assets)
    assert (r.asset_id, r.time_to_asset_s) == ("far", pytest.approx(240.0))
    assert r.threat_value == pytest.approx(0.8)
    # With a short time scale imminence wins: near 1*10/50 = 0.2 > far 4*10/250 = 0.16.
    r = one(("t", -10_000.0, 0.0, 0.0, 250.0, 0.0, 0.0), assets, time_scale_s=10.0)
    assert (r.asset_id, r.threat_value) == ("near", pytest.approx(0.2))


def test_type_priority_and_default():
    base = one(STRAIGHT).threat_value
    cm = one(STRAIGHT[:-1] + ("cruise_missile",)).threat_value
    assert cm == pytest.approx(1.5 * base)
    r = one(STRAIGHT[:-1] + ("balloon",), default_priority=0.5)
    assert r.threat_value == pytest.approx(0.5 * base)
    assert "type balloon ×0.5 (default)" in r.reasons
    assert one(STRAIGHT[:-1] + (None,)).threat_value == pytest.approx(base)


def test_vectorised_matches_independent_cpa_search():
    rng = np.random.default_rng(3)
    n, m = 40, 5
    # >= 150 m/s within 100 km: every CPA lies inside the searched 2000 s.
    heading, speed = rng.uniform(0, 2 * np.pi, n), rng.uniform(150, 300, n)
    tracks = pd.DataFrame({"track_id": np.arange(n), "x_m": rng.uniform(-50e3, 50e3, n),
                           "y_m": rng.uniform(-50e3, 50e3, n), "z_m": rng.uniform(0, 10e3, n),
                           "vx_m_s": np.cos(heading) * speed, "vy_m_s": np.sin(heading) * speed,
                           "vz_m_s": rng.normal(0, 20, n)})
    assets = pd.DataFrame({"asset_id": [f"a{j}" for j in range(m)], "x_m": rng.uniform(-20e3, 20e3, m),
                           "y_m": rng.uniform(-20e3, 20e3, m), "z_m": np.zeros(m),
                           "value": rng.uniform(1, 5, m), "radius_m": np.full(m, 25e3)})
    df = evaluate_threats(tracks, assets).set_index("track_id")
    times = np.linspace(0.0, 2_000.0, 200_001)
    for _, trk in tracks.iterrows():
        row = df.loc[trk.track_id]
        best_w, best = 0.0, None
        for _, a in assets.iterrows():
            rel = (np.array([trk.x_m - a.x_m, trk.y_m - a.y_m, trk.z_m - a.z_m])[:, None]
                   + np.array([trk.vx_m_s, trk.vy_m_s, trk.vz_m_s])[:, None] * times)
            d = np.linalg.norm(rel, axis=0)
            k = int(np.argmin(d))
            assert k < times.size - 1
            if k == 0:  # not closing
                continue
            w = a.value * 60.0 / (60.0 + times[k]) * (d[k] <= 25e3)
            if w > best_w:
                best_w, best = w, (a.asset_id, times[k], d[k])
        if best is None:
            assert row.threat_value == 0.0
            continue
        assert row.asset_id == best[0]
        assert row.time_to_asset_s == pytest.approx(best[1], abs=0.02)
        assert row.cpa_distance_m == pytest.approx(best[2], abs=0.1)
        assert row.threat_value == pytest.approx(best_w, rel=1e-3)
    assert (df.threat_value > 0).sum() >= 5  # the sample has threatening tracks


def test_empty_tracks():
    df = evaluate_threats(tracks_frame([]), ASSET)
    assert df.empty and list(df.columns) == THREAT_COLUMNS


@pytest.mark.parametrize("tracks, assets, kwargs, match", [
    (tracks_frame([STRAIGHT]).drop(columns="vz_m_s"), ASSET, {}, "vz_m_s"),
    (tracks_frame([STRAIGHT]), ASSET.iloc[:0], {}, "assets: empty"),
    (tracks_frame([STRAIGHT]).assign(x_m=np.nan), ASSET, {}, "non-finite"),
    (tracks_frame([STRAIGHT]), ASSET.assign(value=-1.0), {}, "value"),
    (tracks_frame([STRAIGHT]), ASSET.assign(radius_m=0.0), {}, "radius_m"),
    (tracks_frame([STRAIGHT]), ASSET, {"time_scale_s": 0.0}, "time_scale_s"),
    (tracks_frame([STRAIGHT]), ASSET, {"type_priority": {"fighter": -1.0}}, "type_priority"),
])
def test_bad_inputs(tracks, assets, kwargs, match):
    with pytest.raises(InputError, match=match):
        evaluate_threats(tracks, assets, **kwargs)
