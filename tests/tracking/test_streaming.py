"""``Tracker``: the tracker fed window by window gives exactly ``run_tracker``'s output.

Reference: the batch :func:`run_tracker` on the whole table (tested on its own in
``test_tracker.py``, ``test_tracker_async.py`` and against Stone Soup in ``test_vs_stonesoup.py``).
The streamed runs cut the same detections into feeds of complete scans in ways that batch run
never does (several feeds per report window, empty feeds, rejected feeds in between); the frames
reported at its report times must be bit-identical to its output. Track deletion while no
detection arrives at all (only reports advance the clock) is checked against the closed form of
the time-based rule and of the CV prediction.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from iadsim.errors import InputError
from iadsim.tracking import Tracker, TrackerConfig, run_tracker

REPORT_S = 1.0
# (sensor, period s, first scan s): radar_a scans on report times, radar_b (1.5 s) between them
# too; both scan at 0, 6, 12, ... (one scan, two sensors)
SENSORS = (("radar_a", 2.0, 0.0), ("radar_b", 1.5, 0.0))


def crossing_detections(seed: int = 0, t_end_s: float = 60.0) -> pd.DataFrame:
    """Three 3-D targets crossing at one point at t = 30 s, seen by two radars (Pd 0.9) with
    three false alarms per radar scan; rows shuffled."""
    rng = np.random.default_rng(seed)
    centre = np.array([10e3, 20e3, 4e3])
    vel = np.array([[250.0, 0.0, 0.0], [-150.0, 200.0, 5.0], [0.0, -230.0, -10.0]])
    rows = []
    for name, period, first in SENSORS:
        for t in np.arange(first, t_end_s, period):
            for v in vel:
                if rng.random() < 0.9:
                    rows.append((t, *(centre + v * (t - 30.0) + rng.normal(0.0, 60.0, 3)), name))
            for _ in range(3):
                rows.append((t, *(centre + rng.uniform(-30e3, 30e3, 3) * [1.0, 1.0, 0.1]), name))
    df = pd.DataFrame(rows, columns=["time_s", "x_m", "y_m", "z_m", "sensor_id"])
    df["sigma_m"] = 60.0
    return df.sample(frac=1.0, random_state=seed, ignore_index=True)


def config(motion_model: str = "cv", report_tentative: bool = True) -> TrackerConfig:
    return TrackerConfig(motion_model=motion_model, revisit_s=2.0, report_interval_s=REPORT_S,
                         sensor_revisit_s={"radar_a": 2.0, "radar_b": 1.5},
                         report_tentative=report_tentative)


def report_times(det: pd.DataFrame) -> np.ndarray:
    """run_tracker's clock: multiples of the report interval from the first to the last scan."""
    t = det["time_s"]
    return np.arange(math.ceil(t.min() / REPORT_S), math.floor(t.max() / REPORT_S) + 1) * REPORT_S


def stream(det: pd.DataFrame, cfg: TrackerConfig, cuts: np.ndarray | None = None,
           names: tuple[str, ...] = ("radar_a", "radar_b"), use_index: bool = True) -> pd.DataFrame:
    """Feed ``det`` report window by report window (rows with ``R_prev < time_s <= R``), each
    window split further at the times ``cuts``, and report at every report time; the rest after
    the last report. ``use_index``: pass the rows' positions in ``det`` as their indices."""
    tracker = Tracker(cfg, 3, names)
    t = det["time_s"].to_numpy()
    frames = []
    bounds = report_times(det) if cuts is None else np.union1d(report_times(det), cuts)
    lower = -np.inf
    for upper in [*bounds, np.inf]:
        part = det[(t > lower) & (t <= upper)]
        tracker.feed(part, index=part.index.to_numpy() if use_index else None)
        if upper in report_times(det):
            frames.append(tracker.report(upper))
        lower = upper
    assert tracker.time_s == t.max()
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize(("motion_model", "report_tentative", "seed"),
                         [("cv", True, 0), ("cv", False, 1), ("imm", True, 2), ("imm", False, 3)])
def test_streamed_windows_equal_run_tracker_bit_for_bit(motion_model, report_tentative, seed):
    det = crossing_detections(seed)
    cfg = config(motion_model, report_tentative)
    batch = run_tracker(det, cfg)
    assert batch["track_id"].nunique() >= 3 and batch["status"].eq("confirmed").any()
    # windows only; then windows split at random scan times (several feeds per window, some
    # empty: the cuts are not all scan times), with the sensors named out of order
    rng = np.random.default_rng(seed)
    cuts = rng.choice(np.unique(np.r_[det["time_s"], det["time_s"] + 0.25]), 40, replace=False)
    for streamed in (stream(det, cfg), stream(det, cfg, cuts, names=("radar_b", "radar_a"))):
        pd.testing.assert_frame_equal(streamed, batch, check_exact=True)


def test_default_index_counts_the_rows_fed():
    """Without ``index``, a detection's index is its position among all rows fed, which is its
    row in a table sorted by time (fed in that order)."""
    det = crossing_detections(4).sort_values("time_s", kind="stable", ignore_index=True)
    cfg = config()
    streamed = stream(det, cfg, use_index=False)
    pd.testing.assert_frame_equal(streamed, run_tracker(det, cfg), check_exact=True)
    assert (streamed["detection_index"] >= 0).sum() > 100


def test_rejected_feeds_change_nothing():
    """Every bad call raises a clear InputError and leaves the tracker as it was: interleaved
    into a streamed run, the output is still exactly the batch output."""
    det = crossing_detections(5)
    cfg = config()
    tracker = Tracker(cfg, 3, ("radar_a", "radar_b"))
    assert tracker.time_s is None
    t = det["time_s"].to_numpy()
    frames, lower = [], -np.inf
    for k, upper in enumerate([*report_times(det), np.inf]):
        part = det[(t > lower) & (t <= upper)]
        if k == 10:
            last = tracker.time_s                                  # 9.0: a scan and a report
            earlier = det[t == last - 1.5]
            with pytest.raises(InputError, match=rf"time_s {last - 1.5}.*last processed time {last}"):
                tracker.feed(pd.concat([part, earlier]), index=np.arange(len(part) + len(earlier)))
            # a scan is complete when fed: the same time again is refused, not merged
            with pytest.raises(InputError, match=rf"time_s {last}.* not after"):
                tracker.feed(det[t == last])
            with pytest.raises(InputError, match=r"'radar_c'.*\['radar_a', 'radar_b'\]"):
                tracker.feed(part.assign(sensor_id=np.where(part.index % 2, "radar_a", "radar_c")))
            with pytest.raises(InputError, match="sensor_id"):
                tracker.feed(part.drop(columns="sensor_id"))
            with pytest.raises(InputError, match="2-D detections.*3-D tracker"):
                tracker.feed(part.drop(columns="z_m"))
            with pytest.raises(InputError, match="index"):
                tracker.feed(part, index=np.arange(len(part) + 1))
            with pytest.raises(InputError, match="index"):
                tracker.feed(part, index=-np.ones(len(part), np.int64))
            with pytest.raises(InputError, match=rf"before the last processed time {last}"):
                tracker.report(last - 0.5)
        tracker.feed(part, index=part.index.to_numpy())
        if np.isfinite(upper):
            frames.append(tracker.report(upper))
            # a report closes its time: a detection at the report time (not yet seen) is late
            with pytest.raises(InputError, match=rf"last processed time {upper}"):
                tracker.feed(det.iloc[:1].assign(time_s=upper))
        lower = upper
    streamed = pd.concat(frames, ignore_index=True)
    pd.testing.assert_frame_equal(streamed, run_tracker(det, cfg), check_exact=True)


def test_missing_sensor_id_is_an_input_error():
    det = crossing_detections(7).head(10)
    det.loc[det.index[4], "sensor_id"] = None
    with pytest.raises(InputError, match="'sensor_id' has a missing value at row 4"):
        Tracker(config(), 3, ("radar_a", "radar_b")).feed(det)
    with pytest.raises(InputError, match="'sensor_id' has a missing value at row 4"):
        run_tracker(det, config())


@pytest.mark.parametrize("bad", [(), "radar_a", [1, "1"]])
def test_bad_sensor_names_are_input_errors(bad):
    with pytest.raises(InputError, match="sensor_names"):
        Tracker(TrackerConfig(), 3, bad)


@pytest.mark.parametrize(("delete_misses", "revisit_s"), [(3, 2.0), (2, 3.5)])
def test_silent_target_coasts_then_is_deleted_on_the_report_clock(delete_misses, revisit_s):
    """A target seen every ``revisit_s`` until ``t_last`` then never again (no detection at all
    afterwards: only reports advance the clock). Its confirmed track coasts on the CV prediction
    x(R) = x(t_last) + v(t_last) (R - t_last), and is reported up to the last report time R with
    R - t_last <= delete_misses * revisit_s (deleted when the silence exceeds it)."""
    rng = np.random.default_rng(0)
    t_det = np.arange(0.25, 21.0, revisit_s)
    t_last = float(t_det[-1])
    truth = np.array([5e3, -2e3, 3e3]) + np.outer(t_det, [-180.0, 120.0, 2.0])
    det = pd.DataFrame(truth + rng.normal(0.0, 30.0, truth.shape), columns=["x_m", "y_m", "z_m"])
    det.insert(0, "time_s", t_det)
    det["sigma_m"] = 30.0
    cfg = TrackerConfig(revisit_s=revisit_s, delete_misses=delete_misses, q_m2_s3=1.0)
    tracker = Tracker(cfg)
    frames = []
    for upper in np.arange(1.0, 60.0):
        tracker.feed(det[(det["time_s"] > upper - 1.0) & (det["time_s"] <= upper)])
        if upper - 1.0 < t_last <= upper:
            at_last = tracker.report(t_last)          # the state just after the last update
        frames.append(tracker.report(upper))
    out = pd.concat(frames, ignore_index=True)
    confirmed = out[out["status"] == "confirmed"]
    assert out["track_id"].nunique() == 1 and tracker.time_s == t_last
    deleted_after_s = delete_misses * revisit_s
    assert math.floor(t_last + deleted_after_s) != t_last + deleted_after_s   # no tie
    assert out["time_s"].max() == math.floor(t_last + deleted_after_s)
    coasting = confirmed[confirmed["time_s"] > t_last]
    assert len(coasting) == math.floor(t_last + deleted_after_s) - math.floor(t_last)
    assert (coasting["detection_index"] == -1).all()
    assert at_last["detection_index"].tolist() == [len(det) - 1]
    v = at_last[["vx_m_s", "vy_m_s", "vz_m_s"]].to_numpy()
    expected = at_last[["x_m", "y_m", "z_m"]].to_numpy() + np.outer(coasting["time_s"] - t_last, v[0])
    np.testing.assert_allclose(coasting[["x_m", "y_m", "z_m"]].to_numpy(), expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(coasting[["vx_m_s", "vy_m_s", "vz_m_s"]].to_numpy(),
                               np.repeat(v, len(coasting), axis=0), rtol=0, atol=1e-9)


def test_array_feed_and_report_equal_run_tracker_bit_for_bit():
    """``feed_arrays`` / ``report_arrays`` (no tables) give the batch output's numbers."""
    det = crossing_detections(6)
    cfg = config("imm")
    batch = run_tracker(det, cfg)
    tracker = Tracker(cfg, 3, ("radar_b", "radar_a"))
    t = det["time_s"].to_numpy()
    pos = det[["x_m", "y_m", "z_m"]].to_numpy()
    cov = det["sigma_m"].to_numpy()[:, None, None] ** 2 * np.eye(3)
    sensor = det["sensor_id"].map(tracker.sensor_names.index).to_numpy()
    lower = -np.inf
    for upper in report_times(det):
        rows = np.flatnonzero((t > lower) & (t <= upper))
        tracker.feed_arrays(t[rows], pos[rows], cov[rows], sensor[rows], index=rows)
        rep = tracker.report_arrays(upper)
        expected = batch[batch["time_s"] == upper]
        assert rep.time_s == upper
        np.testing.assert_array_equal(rep.track_id, expected["track_id"])
        np.testing.assert_array_equal(rep.confirmed, expected["status"] == "confirmed")
        np.testing.assert_array_equal(
            rep.state, expected[["x_m", "y_m", "z_m", "vx_m_s", "vy_m_s", "vz_m_s"]].to_numpy())
        np.testing.assert_array_equal(rep.cov.reshape(len(rep.cov), 36),
                                      np.stack(expected["cov"].to_list()))
        np.testing.assert_array_equal(rep.detection_index, expected["detection_index"])
        lower = upper
    assert batch["time_s"].max() == lower


def test_bad_arrays_are_input_errors():
    tracker = Tracker(TrackerConfig(), 3, ("a", "b"))
    t, z, r, s = np.array([1.0, 2.0]), np.zeros((2, 3)), np.stack([np.eye(3)] * 2), np.array([0, 1])
    for args, match in [((t, z[:, :2], r, s), "shapes"), ((t, z, r[:, :2], s), "shapes"),
                        ((t, z, r), "sensor missing"), ((t, z, r, np.array([0, 2])), r"\[0, 2\)"),
                        ((t, z, r, s.astype(float)), "sensor"),
                        ((t, z, -r, s), "positive definite"), ((t, z + np.nan, r, s), "non-finite")]:
        with pytest.raises(InputError, match=match):
            tracker.feed_arrays(*args)
    tracker.feed_arrays(t, z, r, s)
    with pytest.raises(InputError, match="time_s 2.0 is not after the last processed time 2.0"):
        tracker.feed_arrays(t[1:], z[1:], r[1:], s[1:])
    assert tracker.time_s == 2.0 and len(tracker.report_arrays(2.0).track_id) == 1


@pytest.mark.parametrize("motion_model", ["cv", "imm"])
def test_the_stores_combined_positions_stay_those_of_the_tracks(motion_model):
    """The gate reads each track's moment-matched position from the store (kept up to date by
    prediction, update, GNN update, initiation and pruning); after every feed of the crossing
    (conflicts at the crossing, two sensors per scan) they equal imm_combine of the live tracks
    computed afresh."""
    from iadsim.tracking import kernels

    det = crossing_detections(3).sort_values(["time_s", "sensor_id"], kind="stable")
    tracker = Tracker(config(motion_model), sensor_names=("radar_a", "radar_b"), n_dim=3)
    for _, scan in det.groupby("time_s", sort=True):
        tracker.feed(scan)
        t = tracker._tracks
        xc, pc = kernels.imm_combine(t.x, t.p, t.mu, 3)
        np.testing.assert_array_equal(t.xc, xc)
        np.testing.assert_array_equal(t.pc, pc)
    assert t.n > 3
