"""``run_tracker``: output contract, track logic, multi-sensor scans, errors, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iadsim.errors import InputError
from iadsim.tracking import TrackerConfig, run_tracker

FAR_M = 1e7  # a lone far-away clutter point makes a scan exist without detecting the target


def _line(n_scans: int, dt_s: float = 2.0, n_dim: int = 2, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n_scans) * dt_s
    cols = {"time_s": t, "x_m": 200.0 * t, "y_m": -50.0 * t, "z_m": 3000.0 + 0.0 * t}
    df = pd.DataFrame({k: v for k, v in cols.items() if k != "z_m" or n_dim == 3})
    for c in ("x_m", "y_m", "z_m")[:n_dim]:
        df[c] += rng.normal(0.0, 20.0, n_scans)
    df["sigma_m"] = 20.0
    return df


def _raid(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-20e3, 20e3, (15, 2))
    vel = rng.uniform(-250, 250, (15, 2))
    frames = []
    for k in range(25):
        p = pos + vel * 2.0 * k
        seen = rng.random(15) < 0.85
        z = np.vstack([p[seen] + rng.normal(0, 40.0, (seen.sum(), 2)), rng.uniform(-30e3, 30e3, (5, 2))])
        frames.append(pd.DataFrame({"time_s": 2.0 * k, "x_m": z[:, 0], "y_m": z[:, 1], "sigma_m": 40.0}))
    return pd.concat(frames, ignore_index=True)


def test_output_columns_order_and_types_2d_and_3d() -> None:
    for n_dim, extra in ((2, []), (3, ["z_m"])):
        out = run_tracker(_line(10, n_dim=n_dim), TrackerConfig())
        vel = ["vx_m_s", "vy_m_s"] + (["vz_m_s"] if n_dim == 3 else [])
        assert list(out.columns) == [
            "time_s", "track_id", "status", "x_m", "y_m", *extra, *vel, "cov", "detection_index"
        ]  # fmt: skip
        assert out["track_id"].dtype == np.int64 and out["detection_index"].dtype == np.int64
        assert all(len(c) == (2 * n_dim) ** 2 for c in out["cov"])
        assert out["track_id"].nunique() == 1
        assert out["detection_index"].tolist() == list(range(10))
        assert out["status"].tolist() == ["tentative"] + ["confirmed"] * 9
        last = out.iloc[-1]
        assert last["vx_m_s"] == pytest.approx(200.0, abs=15.0)
        assert last["vy_m_s"] == pytest.approx(-50.0, abs=15.0)
        cov = np.array(last["cov"]).reshape(2 * n_dim, 2 * n_dim)
        np.testing.assert_allclose(cov, cov.T)
        assert np.all(np.linalg.eigvalsh(cov) > 0)


def test_sorted_by_time_then_track_id_and_ids_stable() -> None:
    out = run_tracker(_raid(1), TrackerConfig(q_m2_s3=1.0, max_speed_m_s=400.0))
    assert out.equals(out.sort_values(["time_s", "track_id"], kind="stable").reset_index(drop=True))
    assert not out.duplicated(["time_s", "track_id"]).any()
    conf = out[out["status"] == "confirmed"]
    # a confirmed track never goes back to tentative
    first_conf = conf.groupby("track_id")["time_s"].min()
    later = out.merge(first_conf.rename("t_conf"), on="track_id")
    assert (later.loc[later["time_s"] >= later["t_conf"], "status"] == "confirmed").all()
    assert 13 <= conf[conf["time_s"] == conf["time_s"].max()]["track_id"].nunique() <= 17


def test_full_covariance_columns_equal_isotropic_sigma() -> None:
    det = _line(12, n_dim=3)
    full = det.drop(columns="sigma_m").assign(
        r_xx_m2=400.0, r_xy_m2=0.0, r_xz_m2=0.0, r_yy_m2=400.0, r_yz_m2=0.0, r_zz_m2=400.0
    )
    pd.testing.assert_frame_equal(run_tracker(det, TrackerConfig()), run_tracker(full, TrackerConfig()))


def test_m_of_n_confirmation_and_tentative_deletion() -> None:
    cfg = TrackerConfig(confirm_m=3, confirm_n=4, delete_misses=2)
    det = _line(8)
    # hits at scans 0, 2, 3 (miss at 1) -> 3 of first 4 -> confirmed at scan 3
    det.loc[1, ["x_m", "y_m"]] = FAR_M
    out = run_tracker(det, cfg)
    own = out[out["track_id"] == 0]
    assert own["status"].tolist()[:4] == ["tentative"] * 3 + ["confirmed"]
    assert own["detection_index"].tolist()[:4] == [0, -1, 2, 3]
    # hits at 0 and 3 only -> can no longer reach 3 of 4 after the 2nd miss -> deleted at scan 2
    det = _line(8)
    det.loc[[1, 2], ["x_m", "y_m"]] = FAR_M
    out = run_tracker(det, cfg)
    assert out[out["track_id"] == 0]["time_s"].tolist() == [0.0, 2.0]


def test_confirmed_track_deleted_after_k_consecutive_misses() -> None:
    det = _line(12)
    det.loc[[5, 6, 8, 9, 10], ["x_m", "y_m"]] = FAR_M  # 2 misses, hit, then 3 misses
    out = run_tracker(det, TrackerConfig(delete_misses=3))
    own = out[out["track_id"] == 0]
    # coasts through scans 5, 6 (2 misses < 3), updated at 7, coasts 8, 9, deleted at 10
    assert own["time_s"].tolist() == [2.0 * k for k in range(10)]
    assert own["detection_index"].tolist()[5:] == [-1, -1, 7, -1, -1]


def test_two_sensors_same_time_fuse_into_one_track() -> None:
    a = _line(15, seed=1).assign(sensor_id="radar_a")
    b = _line(15, seed=2).assign(sensor_id="radar_b")  # same truth, independent noise
    both = pd.concat([b, a], ignore_index=True)  # row order must not matter: sorted by sensor_id
    out = run_tracker(both, TrackerConfig())
    assert out["track_id"].nunique() == 1
    # radar_b (rows 0-14) is processed after radar_a (rows 15-29) at each scan
    assert out["detection_index"].tolist()[1:] == list(range(1, 15))
    single = run_tracker(a.drop(columns="sensor_id"), TrackerConfig())
    var_fused = np.array(out["cov"].iloc[-1])[0]
    var_single = np.array(single["cov"].iloc[-1])[0]
    assert var_fused < 0.8 * var_single


def test_deterministic_output() -> None:
    det = _raid(2)
    cfg = TrackerConfig(motion_model="imm", q_m2_s3=1.0, max_speed_m_s=400.0)
    pd.testing.assert_frame_equal(run_tracker(det, cfg), run_tracker(det.copy(), cfg))


def test_empty_input_gives_empty_frame() -> None:
    det = pd.DataFrame({"time_s": [], "x_m": [], "y_m": [], "sigma_m": []})
    out = run_tracker(det, TrackerConfig())
    assert len(out) == 0 and "detection_index" in out.columns


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda d: d.drop(columns="y_m"), "missing column 'y_m'"),
        (lambda d: d.drop(columns="sigma_m"), "sigma_m"),
        (lambda d: d.assign(sigma_m=-1.0), "sigma_m must be > 0"),
        (lambda d: d.assign(x_m="a"), "'x_m' is not numeric"),
        (lambda d: d.assign(time_s=np.nan), "'time_s' has a non-finite value"),
        (lambda d: d.assign(r_xx_m2=1.0), "covariance columns ['r_xy_m2', 'r_yy_m2'] missing"),
        (
            lambda d: d.drop(columns="sigma_m").assign(r_xx_m2=1.0, r_xy_m2=2.0, r_yy_m2=1.0),
            "not positive definite",
        ),
        (lambda d: d["x_m"], "expected a pandas.DataFrame"),
    ],
)
def test_bad_input_names_the_column(change, needle: str) -> None:
    with pytest.raises(InputError, match="allowed") as info:
        run_tracker(change(_line(5)), TrackerConfig())
    assert needle in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"q_m2_s3": -1.0},
        {"gate_probability": 1.0},
        {"motion_model": "ca"},
        {"confirm_m": 4, "confirm_n": 3},
        {"delete_misses": 0},
        {"report_tentative": "no"},
        {"max_speed_m_s": 0.0},
    ],
)
def test_bad_config_is_input_error(kwargs: dict) -> None:
    name = next(iter(kwargs))
    with pytest.raises(InputError, match=f"TrackerConfig.{name}"):
        TrackerConfig(**kwargs)


@pytest.mark.parametrize("seed", range(5))
def test_gate_keeps_exactly_the_pairs_of_the_chi_square_test(seed):
    """The compiled gate (coarse bound, then Cholesky solve) keeps exactly the pairs whose
    d2 = nu^T (HPH^T + R)^-1 nu computed directly over all pairs (numpy LU solve) is <= gamma,
    with full random covariances, sorted by track then detection."""
    from iadsim.tracking import association

    rng = np.random.default_rng(seed)
    n, k, m = 30, 40, 3
    z_pred = rng.uniform(0, 5000, (n, m))
    z = np.concatenate([z_pred[: n // 2] + rng.normal(0, 50, (n // 2, m)),
                        rng.uniform(0, 5000, (k - n // 2, m))])
    a = rng.normal(0, 30, (n, m, m))
    hph = a @ np.swapaxes(a, 1, 2) + np.eye(m) * 100.0
    b = rng.normal(0, 20, (k, m, m))
    r = b @ np.swapaxes(b, 1, 2) + np.eye(m) * 100.0
    gamma = association.gate_threshold(0.99, m)
    pairs = association.gate(z_pred, hph, z, r, gamma)
    nu = z[None, :, :] - z_pred[:, None, :]
    s = hph[:, None] + r[None, :]
    d2 = np.einsum("tki,tki->tk", nu, np.linalg.solve(s, nu[..., None])[..., 0])
    rows, cols = np.nonzero(d2 <= gamma)
    np.testing.assert_array_equal(pairs.track, rows)
    np.testing.assert_array_equal(pairs.detection, cols)
    np.testing.assert_allclose(pairs.d2, d2[rows, cols], rtol=1e-10)
    assert len(rows) >= n // 2 - 2


@pytest.mark.parametrize("seed", range(20))
def test_gnn_equals_the_full_assignment_problem(seed):
    """gnn (solver skipped when no pair conflicts) equals scipy's linear_sum_assignment on the
    full augmented matrix: d2 inside the gate, a miss option costing gamma per track. Unit
    innovation covariance (HPH^T = R = I/2), so d2 is the squared distance; sparse and dense
    cases alternate, so both paths run."""
    from scipy.optimize import linear_sum_assignment

    from iadsim.tracking import association

    rng = np.random.default_rng(seed)
    n, k, m, gamma = 6, 7, 2, 9.0
    box = 40.0 if seed % 2 else 8.0
    z_pred, z = rng.uniform(0, box, (n, m)), rng.uniform(0, box, (k, m))
    hph = np.broadcast_to(np.eye(m) / 2, (n, m, m))
    r = np.broadcast_to(np.eye(m) / 2, (k, m, m))
    rows, cols = np.array([0, 2, 3, 5]), np.array([1, 2, 4, 5, 6])
    track, det = association.gnn(z_pred, hph, z, r, gamma, rows, cols)
    d2 = np.sum((z[cols][None] - z_pred[rows][:, None]) ** 2, axis=-1)
    a, b = len(rows), len(cols)
    cost = np.full((a, b + a), 1e12)
    cost[:, :b] = np.where(d2 <= gamma, d2, 1e12)
    cost[np.arange(a), b + np.arange(a)] = gamma
    r_idx, c_idx = linear_sum_assignment(cost)
    real = c_idx < b
    np.testing.assert_array_equal(track, r_idx[real])
    np.testing.assert_array_equal(det, c_idx[real])


def test_report_tentative_false_keeps_exactly_the_confirmed_rows():
    """Dropping tentative rows changes nothing else: same confirmed rows, same states."""
    rng = np.random.default_rng(4)
    t = np.repeat(np.arange(20.0), 3)
    x = np.concatenate([[100.0 * k, 5e4 + rng.uniform(-3e4, 3e4), 9e4 + rng.uniform(-3e4, 3e4)]
                        for k in range(20)])
    det = pd.DataFrame({"time_s": t, "x_m": x, "y_m": np.zeros_like(x) + rng.normal(0, 5, x.size),
                        "sigma_m": 10.0})
    full = run_tracker(det, TrackerConfig())
    confirmed = run_tracker(det, TrackerConfig(report_tentative=False))
    assert (full["status"] == "tentative").sum() > 10 and len(confirmed) > 10
    pd.testing.assert_frame_equal(
        confirmed, full[full["status"] == "confirmed"].reset_index(drop=True))


def test_non_positive_definite_covariance_names_its_row() -> None:
    """Rows 3 and 5 of 6 are indefinite (|r_xy| > sqrt(r_xx r_yy)): the first is named."""
    df = _line(6).drop(columns="sigma_m").assign(r_xx_m2=4.0, r_xy_m2=1.0, r_yy_m2=4.0)
    df.loc[[3, 5], "r_xy_m2"] = 4.5
    with pytest.raises(InputError, match="covariance at row 3 is not positive definite"):
        run_tracker(df, TrackerConfig())
