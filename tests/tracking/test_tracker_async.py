"""Asynchronous detections (one time stamp per detection, as a rotating radar gives them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iadsim.tracking import TrackerConfig, run_tracker

PERIOD = 10.0


def rotating_radar_detections(n_scans: int = 30, pd_: float = 0.9, seed: int = 0) -> pd.DataFrame:
    """Three CV targets at different bearings; each is seen when the beam passes its azimuth."""
    rng = np.random.default_rng(seed)
    start = np.array([[50e3, 0.0], [0.0, 60e3], [-40e3, -40e3]])
    vel = np.array([[-200.0, 50.0], [100.0, -220.0], [150.0, 150.0]])
    rows = []
    for k in range(n_scans):
        for i in range(3):
            az = np.arctan2(start[i, 0], start[i, 1]) % (2 * np.pi)
            t = k * PERIOD + az / (2 * np.pi) * PERIOD
            if rng.random() > pd_:
                continue
            pos = start[i] + vel[i] * t + rng.normal(0.0, 100.0, 2)
            rows.append((t, *pos, 100.0, i))
    return pd.DataFrame(rows, columns=["time_s", "x_m", "y_m", "sigma_m", "truth"])


def test_async_tracks_are_confirmed_kept_and_reported_on_the_clock():
    det = rotating_radar_detections()
    cfg = TrackerConfig(q_m2_s3=1.0, revisit_s=PERIOD, report_interval_s=5.0)
    out = run_tracker(det.drop(columns="truth"), cfg)
    assert np.allclose(np.mod(out["time_s"], 5.0), 0.0)
    confirmed = out[out["status"] == "confirmed"]
    # three targets, three confirmed tracks, none broken or duplicated
    assert confirmed["track_id"].nunique() == 3
    last = confirmed[confirmed["time_s"] == confirmed["time_s"].max()]
    assert len(last) == 3
    # each confirmed track is updated only by detections of one truth
    used = out[out["detection_index"] >= 0]
    truth_of = det["truth"].to_numpy()[used["detection_index"].to_numpy()]
    assert used.assign(truth=truth_of).groupby("track_id")["truth"].nunique().max() == 1


def test_frame_count_logic_would_delete_async_tracks():
    """Without revisit_s every detection is its own 'scan': tracks die between beam passes."""
    det = rotating_radar_detections()
    out = run_tracker(det.drop(columns="truth"), TrackerConfig(q_m2_s3=1.0))
    assert out[out["status"] == "confirmed"]["track_id"].nunique() > 3


def test_time_based_deletion_after_silence():
    det = rotating_radar_detections(n_scans=10, pd_=1.0)
    cfg = TrackerConfig(q_m2_s3=1.0, revisit_s=PERIOD, delete_misses=3, report_interval_s=1.0)
    last_det = det["time_s"].max()
    # a lone late detection far away advances the clock 60 s beyond the others
    late = pd.DataFrame({"time_s": [last_det + 60.0], "x_m": [1e6], "y_m": [1e6],
                         "sigma_m": [100.0], "truth": [-1]})
    out = run_tracker(pd.concat([det, late]).drop(columns="truth"), cfg)
    confirmed = out[out["status"] == "confirmed"]
    # reported while coasting, deleted once silent for more than delete_misses * revisit_s
    assert confirmed["time_s"].max() == pytest.approx(np.floor(last_det + 3 * PERIOD))
    last_hits = det.groupby("truth")["time_s"].max()
    for _, rows in confirmed.groupby("track_id"):
        assert rows["time_s"].max() <= last_hits.max() + 3 * PERIOD


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_bad_revisit_is_an_input_error(bad):
    with pytest.raises(ValueError, match="revisit_s"):
        TrackerConfig(revisit_s=bad)
