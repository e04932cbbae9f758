"""``run_tracker`` against Stone Soup (dstl/Stone-Soup) configured as the same tracker.

Both trackers get the same seeded detections and the same models:

- CV motion: Stone Soup ``ConstantVelocity(q)`` per axis is the CWNA model
  (Q = q [[T^3/3, T^2/2], [T^2/2, T]]) used by :func:`iadsim.tracking.filters.cv_model`;
  ``KalmanPredictor`` / ``KalmanUpdater``.
- Gating and GNN: ``GNNWith2DAssignment`` over a ``DistanceHypothesiser(Mahalanobis,
  missed_distance=sqrt(gamma))``, i.e. the same chi-square gate gamma on d^2 (Stone Soup's cost is
  d, ours d^2; both leave a track unassigned rather than pair it outside the gate).
- Initiation: ``MultiMeasurementInitiator(min_points=2)`` with a ``SimpleMeasurementInitiator``
  (position = detection, covariance R; velocity 0 with std v_max/2) and a holding-track
  ``UpdateTimeStepsDeleter(2)``: a holding track is confirmed by its 2nd update and dropped
  after 2 scans without one, which is exactly our 2-of-3 rule.
- Deletion: ``UpdateTimeStepsDeleter(3)`` = our ``delete_misses=3``.

Each scan, the confirmed tracks' positions of both trackers are compared with the truth by the
same OSPA (:func:`iadsim.tracking.metrics.ospa`, c = 1000 m, p = 2); the mean over scans must
agree within 10 %.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
from stonesoup.deleter.time import UpdateTimeStepsDeleter
from stonesoup.hypothesiser.distance import DistanceHypothesiser
from stonesoup.initiator.simple import MultiMeasurementInitiator
from stonesoup.measures import Mahalanobis
from stonesoup.models.measurement.linear import LinearGaussian
from stonesoup.models.transition.linear import (
    CombinedLinearGaussianTransitionModel,
    ConstantVelocity,
)
from stonesoup.predictor.kalman import KalmanPredictor
from stonesoup.tracker.simple import MultiTargetTracker
from stonesoup.types.detection import Detection
from stonesoup.types.state import GaussianState
from stonesoup.updater.kalman import KalmanUpdater

from iadsim.tracking import TrackerConfig, run_tracker
from iadsim.tracking.association import gate_threshold
from iadsim.tracking.metrics import ospa

SCAN_S = 2.0
SIGMA_M = 50.0
Q_M2_S3 = 1.0
MAX_SPEED_M_S = 400.0
GATE_P = 0.99
OSPA_C_M = 1000.0
OSPA_P = 2.0
EPOCH = dt.datetime(2024, 1, 1)

CONFIG = TrackerConfig(
    q_m2_s3=Q_M2_S3,
    max_speed_m_s=MAX_SPEED_M_S,
    gate_probability=GATE_P,
    confirm_m=2,
    confirm_n=3,
    delete_misses=3,
)


def make_scenario(
    pos0_m: np.ndarray,
    vel_m_s: np.ndarray,
    n_scans: int,
    p_detect: float,
    clutter_per_scan: float,
    box_m: float,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Straight-line truths, Gaussian position noise, Poisson clutter uniform in a square box.

    Returns detections (``time_s, x_m, y_m, sigma_m, truth_id``) and the truth positions per scan.
    """
    frames, truth = [], []
    for k in range(n_scans):
        t = k * SCAN_S
        pos = pos0_m + vel_m_s * t
        truth.append(pos)
        seen = rng.random(len(pos)) < p_detect
        z = pos[seen] + rng.normal(0.0, SIGMA_M, (int(seen.sum()), 2))
        n_clutter = rng.poisson(clutter_per_scan)
        clutter = rng.uniform(-box_m / 2, box_m / 2, (n_clutter, 2))
        ids = np.concatenate([np.flatnonzero(seen), np.full(n_clutter, -1)])
        z_all = np.vstack([z, clutter])
        frames.append(
            pd.DataFrame(
                {"time_s": t, "x_m": z_all[:, 0], "y_m": z_all[:, 1], "sigma_m": SIGMA_M, "truth_id": ids}
            )
        )
    return pd.concat(frames, ignore_index=True), truth


def run_stonesoup(detections: pd.DataFrame) -> dict[float, np.ndarray]:
    """Confirmed-track positions per scan time from the equivalent Stone Soup tracker."""
    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(Q_M2_S3), ConstantVelocity(Q_M2_S3)])
    measurement = LinearGaussian(ndim_state=4, mapping=(0, 2), noise_covar=np.eye(2) * SIGMA_M**2)
    predictor = KalmanPredictor(transition)
    updater = KalmanUpdater(measurement)
    hypothesiser = DistanceHypothesiser(
        predictor, updater, Mahalanobis(), missed_distance=math.sqrt(gate_threshold(GATE_P, 2))
    )
    v_var = (MAX_SPEED_M_S / 2.0) ** 2
    initiator = MultiMeasurementInitiator(
        prior_state=GaussianState(np.zeros((4, 1)), np.diag([0.0, v_var, 0.0, v_var])),
        measurement_model=measurement,
        deleter=UpdateTimeStepsDeleter(2),
        data_associator=GNNWith2DAssignment(hypothesiser),
        updater=updater,
        min_points=2,
    )
    scans = []
    for t, group in detections.groupby("time_s", sort=True):
        when = EPOCH + dt.timedelta(seconds=float(t))
        dets = {
            Detection(np.array([[x], [y]]), timestamp=when, measurement_model=measurement)
            for x, y in zip(group["x_m"], group["y_m"], strict=True)
        }
        scans.append((when, dets))
    tracker = MultiTargetTracker(
        initiator=initiator,
        deleter=UpdateTimeStepsDeleter(3),
        detector=scans,
        data_associator=GNNWith2DAssignment(hypothesiser),
        updater=updater,
    )
    out = {}
    for when, tracks in tracker:
        pts = [tr.state_vector[[0, 2], 0] for tr in tracks if tr.timestamp == when]
        out[(when - EPOCH).total_seconds()] = np.array(pts, dtype=float).reshape(-1, 2)
    return out


def run_ours(detections: pd.DataFrame) -> dict[float, np.ndarray]:
    out = run_tracker(detections[["time_s", "x_m", "y_m", "sigma_m"]], CONFIG)
    confirmed = out[out["status"] == "confirmed"]
    by_time = {t: g[["x_m", "y_m"]].to_numpy() for t, g in confirmed.groupby("time_s")}
    times = np.unique(detections["time_s"])
    return {float(t): by_time.get(t, np.zeros((0, 2))) for t in times}


def mean_ospa(estimates: dict[float, np.ndarray], truth: list[np.ndarray]) -> float:
    empty = np.zeros((0, 2))
    values = [ospa(truth[k], estimates.get(k * SCAN_S, empty), OSPA_C_M, OSPA_P) for k in range(len(truth))]
    return float(np.mean(values))


def _single(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int, float, float]:
    return np.array([[-20e3, -5e3]]), np.array([[250.0, 60.0]]), 60, 2.0, 60e3


def _crossing(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int, float, float]:
    # both pass (0, 0) at t = 60 s, 40 degrees apart
    v = 220.0 * np.array([[1.0, 0.0], [math.cos(math.radians(40)), math.sin(math.radians(40))]])
    return -60.0 * v, v, 60, 2.0, 60e3


def _raid(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int, float, float]:
    n = 50
    pos = rng.uniform(-30e3, 30e3, (n, 2))
    heading = math.radians(30.0) + rng.normal(0.0, 0.3, n)
    speed = rng.uniform(150.0, 300.0, n)
    return pos, np.c_[speed * np.cos(heading), speed * np.sin(heading)], 30, 20.0, 100e3


SCENARIOS = {
    "single": pytest.param(_single, id="single"),
    "crossing": pytest.param(_crossing, id="crossing"),
    "raid50": pytest.param(_raid, id="raid50_clutter", marks=pytest.mark.slow),
}


@pytest.mark.parametrize("build", SCENARIOS.values())
def test_mean_ospa_matches_stonesoup(build) -> None:
    rng = np.random.default_rng(20240611)
    pos, vel, n_scans, clutter, box = build(rng)
    detections, truth = make_scenario(pos, vel, n_scans, 0.9, clutter, box, rng)
    ours = mean_ospa(run_ours(detections), truth)
    theirs = mean_ospa(run_stonesoup(detections), truth)
    print(f"mean OSPA (c={OSPA_C_M:g} m, p={OSPA_P:g}): iadsim {ours:.2f} m, Stone Soup {theirs:.2f} m")
    assert ours == pytest.approx(theirs, rel=0.10)
