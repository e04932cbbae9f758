"""Tests of iadsim.tracking.metrics: hand-computed OSPA/GOSPA values, metric properties,
truth interpolation, track-level measures on scripted tables, and Stone Soup as a reference."""

from __future__ import annotations

import datetime
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.tracking.metrics import evaluate_tracking, gospa, ospa, ospa_over_time, track_metrics

# --- OSPA, hand computed (Schuhmacher et al. 2008, eq. (3)) -----------------------------------

OSPA_CASES = [
    # one pair 3-4-5: d = 5 < c → (5^1 / 1)^(1/1) = 5
    ([[0, 0]], [[3, 4]], 10.0, 1.0, 5.0),
    # both empty → 0 by definition
    ([], [], 10.0, 1.0, 0.0),
    # one set empty → c
    ([], [[0, 0], [1, 1], [2, 2]], 10.0, 1.0, 10.0),
    ([[0, 0]], [], 7.0, 2.0, 7.0),
    # m=1, n=2: pair (0,0)-(1,0) d=1, one extra at cost c: (1 + 20) / 2 = 10.5
    ([[0, 0], [10, 0]], [[1, 0]], 20.0, 1.0, 10.5),
    # p=2, two pairs d=3 and d=4: sqrt((9 + 16) / 2) = sqrt(12.5)
    ([[0, 0], [10, 0]], [[0, 3], [10, 4]], 10.0, 2.0, np.sqrt(12.5)),
    # cut-off: d=100 saturates at c=10 → 10, for any p
    ([[0, 0]], [[100, 0]], 10.0, 1.0, 10.0),
    ([[0, 0]], [[100, 0]], 10.0, 2.0, 10.0),
    # optimal assignment, not nearest-first: {0-1, 2-3} costs 1+1, {0-3, 2-1} 3+1 → 2/2 = 1
    ([[0, 0], [2, 0]], [[1, 0], [3, 0]], 10.0, 1.0, 1.0),
    # p=2, m=1, n=2, pair d=5 plus one extra: sqrt((25 + 100) / 2) = sqrt(62.5)
    ([[0, 0]], [[3, 4], [500, 0]], 10.0, 2.0, np.sqrt(62.5)),
    # p=2 pairs on squared distances: X=(4,2),(1,3), Y=(7,3),(9,5).
    #   {X1-Y1, X2-Y2}: d = sqrt(10), sqrt(68); Σd = 11.41 (smaller), Σd² = 78
    #   {X1-Y2, X2-Y1}: d = sqrt(34), 6;       Σd = 11.83,           Σd² = 70 (smaller)
    #   → sqrt(70 / 2) = sqrt(35)
    ([[4, 2], [1, 3]], [[7, 3], [9, 5]], 100.0, 2.0, np.sqrt(35.0)),
    # 3-D: pair d = |(1,2,2)| = 3
    ([[0, 0, 0]], [[1, 2, 2]], 10.0, 1.0, 3.0),
]


@pytest.mark.parametrize(("X", "Y", "c", "p", "expected"), OSPA_CASES)
def test_ospa_hand_computed(X, Y, c, p, expected) -> None:
    assert ospa(X, Y, c, p) == pytest.approx(expected, abs=1e-12)


# --- GOSPA, hand computed (Rahmathullah et al. 2017, alpha = 2) ---------------------------------
# (X, Y, c, p, total, localisation, missed, false); components in m^p.
GOSPA_CASES = [
    # one pair d=5 → loc 5
    ([[0, 0]], [[3, 4]], 10.0, 1.0, 5.0, 5.0, 0.0, 0.0),
    ([], [], 10.0, 1.0, 0.0, 0.0, 0.0, 0.0),
    # three false estimates: 3 · c/2 = 15
    ([], [[0, 0], [1, 1], [2, 2]], 10.0, 1.0, 15.0, 0.0, 0.0, 15.0),
    # two missed truths, p=2: missed = 2 · c²/2 = 100 → total = 10
    ([[0, 0], [5, 5]], [], 10.0, 2.0, 10.0, 0.0, 100.0, 0.0),
    # pair d=1 and one missed: 1 + 20/2 = 11
    ([[0, 0], [10, 0]], [[1, 0]], 20.0, 1.0, 11.0, 1.0, 10.0, 0.0),
    # p=2, two pairs d=3, d=4: sqrt(9 + 16) = 5, no normalisation
    ([[0, 0], [10, 0]], [[0, 3], [10, 4]], 10.0, 2.0, 5.0, 25.0, 0.0, 0.0),
    # d=100 ≥ c: not assigned → one missed + one false = c/2 + c/2 = 10
    ([[0, 0]], [[100, 0]], 10.0, 1.0, 10.0, 0.0, 5.0, 5.0),
    # same at p=2: sqrt(50 + 50) = 10
    ([[0, 0]], [[100, 0]], 10.0, 2.0, 10.0, 0.0, 50.0, 50.0),
    # d = c exactly: leaving unassigned costs c/2 + c/2 = c, the same; counted as missed + false
    ([[0, 0]], [[10, 0]], 10.0, 1.0, 10.0, 0.0, 5.0, 5.0),
]


@pytest.mark.parametrize(("X", "Y", "c", "p", "total", "loc", "missed", "false"), GOSPA_CASES)
def test_gospa_hand_computed(X, Y, c, p, total, loc, missed, false) -> None:
    g = gospa(X, Y, c, p)
    assert g["total"] == pytest.approx(total, abs=1e-12)
    assert g["localisation"] == pytest.approx(loc, abs=1e-12)
    assert g["missed"] == pytest.approx(missed, abs=1e-12)
    assert g["false"] == pytest.approx(false, abs=1e-12)
    assert g["total"] ** p == pytest.approx(loc + missed + false, abs=1e-9)


def test_gospa_alpha_other_than_two() -> None:
    # alpha=1, X={(0,0)}, Y={(0,0),(50,0)}: pair d=0, |n-m|=1 at c^p/alpha = 10 → 10;
    # alpha=2 halves the cardinality penalty → 5. Decomposition only for alpha = 2.
    g1 = gospa([[0, 0]], [[0, 0], [50, 0]], 10.0, 1.0, alpha=1.0)
    assert g1["total"] == pytest.approx(10.0)
    assert np.isnan(g1["localisation"]) and np.isnan(g1["missed"]) and np.isnan(g1["false"])
    assert gospa([[0, 0]], [[0, 0], [50, 0]], 10.0, 1.0)["total"] == pytest.approx(5.0)


@pytest.mark.parametrize("bad", [{"c": 0.0}, {"c": -1.0}, {"p": 0.5}, {"p": np.inf}])
def test_rejects_bad_order_and_cutoff(bad) -> None:
    args = {"c": 10.0, "p": 1.0} | bad
    with pytest.raises(ValueError):
        ospa([[0, 0]], [[1, 1]], **args)
    with pytest.raises(ValueError, match="alpha"):
        gospa([[0, 0]], [[1, 1]], 10.0, alpha=3.0)


def test_rejects_mismatched_dimensions() -> None:
    with pytest.raises(ValueError, match="dimensions"):
        ospa([[0, 0]], [[0, 0, 0]], 10.0)


# --- metric properties (hypothesis) ------------------------------------------------------------

coord = st.floats(-50.0, 50.0, allow_nan=False)
point_sets = st.lists(st.tuples(coord, coord), min_size=0, max_size=5).map(
    lambda pts: np.array(pts, dtype=float).reshape(-1, 2))
cutoffs = st.floats(1.0, 100.0)
orders = st.sampled_from([1.0, 2.0, 3.0])


@settings(max_examples=200, deadline=None)
@given(point_sets, point_sets, point_sets, cutoffs, orders)
def test_ospa_is_a_metric(X, Y, Z, c, p) -> None:
    d_xy = ospa(X, Y, c, p)
    assert 0.0 <= d_xy <= c + 1e-9
    assert d_xy == pytest.approx(ospa(Y, X, c, p), abs=1e-9)
    assert ospa(X, X, c, p) == pytest.approx(0.0, abs=1e-9)
    assert ospa(X, Z, c, p) <= d_xy + ospa(Y, Z, c, p) + 1e-9


@settings(max_examples=200, deadline=None)
@given(point_sets, point_sets, point_sets, cutoffs, orders)
def test_gospa_is_a_metric_and_decomposes(X, Y, Z, c, p) -> None:
    g_xy, g_yx = gospa(X, Y, c, p), gospa(Y, X, c, p)
    assert g_xy["total"] == pytest.approx(g_yx["total"], abs=1e-9)
    # swapping the roles of truth and estimate swaps missed and false
    assert g_xy["missed"] == pytest.approx(g_yx["false"], abs=1e-9)
    assert g_xy["total"] ** p == pytest.approx(
        g_xy["localisation"] + g_xy["missed"] + g_xy["false"], rel=1e-9, abs=1e-9)
    assert gospa(X, X, c, p)["total"] == pytest.approx(0.0, abs=1e-9)
    assert gospa(X, Z, c, p)["total"] <= g_xy["total"] + gospa(Y, Z, c, p)["total"] + 1e-9


# --- Stone Soup as an independent implementation -----------------------------------------------


def _stonesoup_states(points: np.ndarray, when: datetime.datetime) -> list:
    from stonesoup.types.state import State

    return [State(np.asarray(x, dtype=float).reshape(-1, 1), timestamp=when) for x in points]


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_matches_stonesoup_on_random_sets(p: float) -> None:
    pytest.importorskip("stonesoup")
    from stonesoup.metricgenerator.ospametric import GOSPAMetric, OSPAMetric

    rng = np.random.default_rng(20240611)
    when = datetime.datetime(2024, 1, 1)
    c = 40.0
    ss_ospa, ss_gospa = OSPAMetric(c=c, p=p), GOSPAMetric(c=c, p=p)
    for _ in range(200):
        X = rng.uniform(-100, 100, size=(rng.integers(1, 7), 3))
        Y = X[: rng.integers(0, len(X) + 1)] + rng.normal(0.0, 20.0, size=(1, 3))
        Y = np.vstack([Y, rng.uniform(-100, 100, size=(rng.integers(0, 3), 3))])
        truth, est = _stonesoup_states(X, when), _stonesoup_states(Y, when)
        expected = ss_gospa.compute_gospa_metric(est, truth)[0].value
        g = gospa(X, Y, c, p)
        assert g["total"] == pytest.approx(expected["distance"], rel=1e-9, abs=1e-9)
        for key in ("localisation", "missed", "false"):
            assert g[key] == pytest.approx(expected[key], rel=1e-9, abs=1e-9)
        reference = ss_ospa.compute_OSPA_distance(est, truth).value
        # Stone Soup's OSPA assigns on min(d, c), not min(d, c)^p, so for p > 1 it can be
        # sub-optimal (test below); the optimum is never larger.
        if p == 1.0:
            assert ospa(X, Y, c, p) == pytest.approx(reference, rel=1e-9, abs=1e-9)
        else:
            assert ospa(X, Y, c, p) <= reference + 1e-9


def test_stonesoup_ospa_assigns_on_unpowered_distance() -> None:
    # The p=2 case above: Stone Soup 1.x pairs on Σd (sqrt(39)); the definition minimises Σd^p.
    pytest.importorskip("stonesoup")
    from stonesoup.metricgenerator.ospametric import OSPAMetric

    X, Y = np.array([[4.0, 2.0], [1.0, 3.0]]), np.array([[7.0, 3.0], [9.0, 5.0]])
    when = datetime.datetime(2024, 1, 1)
    reference = OSPAMetric(c=100.0, p=2.0).compute_OSPA_distance(
        _stonesoup_states(Y, when), _stonesoup_states(X, when)).value
    assert reference == pytest.approx(np.sqrt(39.0))
    assert ospa(X, Y, 100.0, 2.0) == pytest.approx(np.sqrt(35.0))


# --- over time: interpolation of truth, existence spans -------------------------------------


def _tracks(rows: list[tuple]) -> pd.DataFrame:
    """(time_s, track_id, status, x_m, y_m) rows → tracker-output table with z_m = 0."""
    frame = pd.DataFrame(rows, columns=["time_s", "track_id", "status", "x_m", "y_m"])
    return frame.assign(z_m=0.0)


def test_truth_interpolated_to_track_times_within_its_span() -> None:
    # Truth 'a' flies x = 0 → 100 m over t = 0 → 10 s (10 m/s); tracks sit exactly on it at
    # t = 2.5 and 5 s (x = 25, 50 m), so OSPA = 0 there although no truth row has those times.
    # At t = 12 s truth 'a' no longer exists: one false track → OSPA = c, GOSPA = c/2.
    truth = pd.DataFrame({"time_s": [0.0, 10.0], "truth_id": ["a", "a"], "x_m": [0.0, 100.0],
                          "y_m": 0.0, "z_m": 0.0})
    tracks = _tracks([(2.5, 7, "confirmed", 25.0, 0.0), (5.0, 7, "confirmed", 50.0, 0.0),
                      (12.0, 7, "confirmed", 120.0, 0.0)])
    df = ospa_over_time(truth, tracks, c_m=30.0, p=1.0)
    assert list(df.columns) == ["time_s", "ospa_m", "gospa_m", "gospa_localisation_m",
                                "gospa_missed_m", "gospa_false_m", "n_truth", "n_tracks"]
    np.testing.assert_allclose(df["time_s"], [2.5, 5.0, 12.0])
    np.testing.assert_allclose(df["ospa_m"], [0.0, 0.0, 30.0], atol=1e-12)
    np.testing.assert_allclose(df["gospa_m"], [0.0, 0.0, 15.0], atol=1e-12)
    np.testing.assert_allclose(df["gospa_false_m"], [0.0, 0.0, 15.0], atol=1e-12)
    assert df["n_truth"].tolist() == [1, 1, 0] and df["n_tracks"].tolist() == [1, 1, 1]
    assert df.attrs == {"c_m": 30.0, "p": 1.0}


def test_over_time_components_and_tentative_tracks() -> None:
    # t=0: truths at (0,0) and (0,1000); one confirmed track at (3,4) → d = 5 to the first.
    #   p=2, c=100: OSPA = sqrt((25 + 100²)/2); GOSPA = sqrt(25 + 100²/2);
    #   components (term^(1/p)): localisation 5, missed sqrt(5000), false 0.
    # The tentative track on the second truth is ignored with confirmed_only=True.
    truth = pd.DataFrame({"time_s": [0.0, 0.0], "truth_id": [1, 2], "x_m": [0.0, 0.0],
                          "y_m": [0.0, 1000.0], "z_m": 0.0})
    tracks = _tracks([(0.0, 1, "confirmed", 3.0, 4.0), (0.0, 2, "tentative", 0.0, 1000.0)])
    row = ospa_over_time(truth, tracks, c_m=100.0, p=2.0).iloc[0]
    assert row["ospa_m"] == pytest.approx(np.sqrt((25 + 100.0**2) / 2))
    assert row["gospa_m"] == pytest.approx(np.sqrt(25 + 100.0**2 / 2))
    assert row["gospa_localisation_m"] == pytest.approx(5.0)
    assert row["gospa_missed_m"] == pytest.approx(np.sqrt(5000.0))
    assert row["gospa_false_m"] == 0.0
    assert row["gospa_m"] ** 2 == pytest.approx(
        row["gospa_localisation_m"] ** 2 + row["gospa_missed_m"] ** 2 + row["gospa_false_m"] ** 2)
    everything = ospa_over_time(truth, tracks, c_m=100.0, p=2.0, confirmed_only=False).iloc[0]
    assert everything["ospa_m"] == pytest.approx(np.sqrt(25 / 2))
    assert everything["n_tracks"] == 2


def test_explicit_times_score_scans_without_tracks_and_2d_dims() -> None:
    # Scan at t = 1 s had no live track: with times_s it is scored as one missed truth (c/2).
    truth = pd.DataFrame({"time_s": [0.0, 2.0], "truth_id": [1, 1], "x_m": 0.0, "y_m": 0.0})
    tracks = pd.DataFrame({"time_s": [0.0, 2.0], "track_id": [4, 4], "status": "confirmed",
                           "x_m": [0.0, 0.0], "y_m": [3.0, 3.0]})
    with pytest.raises(ValueError, match="z_m"):
        ospa_over_time(truth, tracks, c_m=10.0)
    df = ospa_over_time(truth, tracks, c_m=10.0, dims=("x_m", "y_m"), times_s=[0.0, 1.0, 2.0])
    np.testing.assert_allclose(df["gospa_m"], [3.0, 5.0, 3.0])
    np.testing.assert_allclose(df["ospa_m"], [3.0, 10.0, 3.0])


# --- track-level measures on scripted tables ----------------------------------------------------


def _scripted() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two truths over t = 0..9 s, scripted coverage (c = 50 m).

    Truth 'A' at y = 0: tracked by 1 at t = 0–2, lost at t = 3–4 (track 1 drifts 500 m away),
    re-acquired by track 2 at t = 5–9 → 1 break, 1 swap (1 → 2 across the gap); covered 8/10.
    Truth 'B' at y = 10 km: initiated late at t = 2 by track 3, which it keeps until t = 6;
    then track 4 takes over at t = 7–9 with no gap → 0 breaks, 1 swap; covered 8/10.
    Track 5 is confirmed at t = 0–9 far from everything → the only false track; track 1 is not
    false (it was paired at t = 0–2). A tentative track 6 on 'A' at t = 3–4 is ignored.
    Completeness (8 + 8) / 20 = 0.8, breaks 1, swaps 2, tracks 5 confirmed, truths 2.
    """
    t = np.arange(10.0)
    truth = pd.concat([
        pd.DataFrame({"time_s": t, "truth_id": "A", "x_m": 100.0 * t, "y_m": 0.0, "z_m": 0.0}),
        pd.DataFrame({"time_s": t, "truth_id": "B", "x_m": 0.0, "y_m": 10e3, "z_m": 0.0}),
    ])
    rows = []
    for k in t:
        ax = 100.0 * k
        if k <= 4:
            rows.append((k, 1, "confirmed", ax + (500.0 if k >= 3 else 5.0), 0.0))
        if k >= 5:
            rows.append((k, 2, "confirmed", ax, 10.0))
        if 2 <= k <= 6:
            rows.append((k, 3, "confirmed", 0.0, 10e3 + 20.0))
        if k >= 7:
            rows.append((k, 4, "confirmed", 20.0, 10e3))
        rows.append((k, 5, "confirmed", 50e3, 50e3))
        if 3 <= k <= 4:
            rows.append((k, 6, "tentative", ax, 0.0))
    return truth, _tracks(rows)


def test_track_metrics_on_scripted_scenario() -> None:
    truth, tracks = _scripted()
    m = track_metrics(truth, tracks, c_m=50.0)
    assert m["track_completeness"] == pytest.approx(0.8)
    assert m["track_breaks"] == 1
    assert m["id_swaps"] == 2
    assert m["false_tracks"] == 1 and m["false_track_ids"] == [5]
    assert m["n_truths"] == 2 and m["n_tracks"] == 5
    assert m["per_truth"] == [
        {"truth_id": "A", "n_samples": 10, "completeness": 0.8, "track_breaks": 1, "id_swaps": 1},
        {"truth_id": "B", "n_samples": 10, "completeness": 0.8, "track_breaks": 0, "id_swaps": 1}]
    json.dumps(m)  # plain Python values: written to metrics.json as is
    per_time = ospa_over_time(truth, tracks, c_m=50.0)
    assert m["ospa_mean_m"] == pytest.approx(per_time["ospa_m"].mean())
    assert m["ospa_max_m"] == pytest.approx(per_time["ospa_m"].max())
    # p = 1: the component means add up to the GOSPA mean
    assert m["gospa_mean_m"] == pytest.approx(
        m["gospa_localisation_mean_m"] + m["gospa_missed_mean_m"] + m["gospa_false_mean_m"])


def test_track_metrics_perfect_and_empty() -> None:
    truth, _ = _scripted()
    perfect = truth.rename(columns={"truth_id": "track_id"}).assign(status="confirmed")
    perfect["track_id"] = perfect["track_id"].map({"A": 10, "B": 11})
    m = track_metrics(truth, perfect, c_m=50.0)
    assert (m["track_completeness"], m["track_breaks"], m["id_swaps"], m["false_tracks"]) == (1.0, 0, 0, 0)
    assert m["ospa_max_m"] == 0.0 and m["gospa_mean_m"] == 0.0
    # no confirmed track ever: every truth-time is missed, GOSPA = c/2 per truth
    nothing = perfect.assign(status="tentative")
    m = track_metrics(truth, nothing, c_m=50.0)
    assert m["track_completeness"] == 0.0 and m["n_tracks"] == 0 and m["false_tracks"] == 0
    assert m["gospa_mean_m"] == pytest.approx(50.0) and m["ospa_mean_m"] == pytest.approx(50.0)


def test_evaluate_tracking_is_both_results_and_ignores_truth_row_order() -> None:
    # One pass gives what ospa_over_time and track_metrics give separately; truth rows in any
    # order (ids and times shuffled, a row without id) give the same tables.
    truth, tracks = _scripted()
    per_time, m = evaluate_tracking(truth, tracks, c_m=50.0)
    pd.testing.assert_frame_equal(per_time, ospa_over_time(truth, tracks, c_m=50.0))
    assert per_time.attrs == {"c_m": 50.0, "p": 1.0}
    assert m == track_metrics(truth, tracks, c_m=50.0)
    shuffled = pd.concat([truth.sample(frac=1.0, random_state=3),
                          truth.iloc[:1].assign(truth_id=None)], ignore_index=True)
    per_time_shuffled, m_shuffled = evaluate_tracking(shuffled, tracks, c_m=50.0)
    pd.testing.assert_frame_equal(per_time_shuffled, per_time)
    assert m_shuffled == m
