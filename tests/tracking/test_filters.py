"""Filter and gating kernels against closed forms and consistency statistics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.stats import chi2

from iadsim.tracking import TrackerConfig, run_tracker
from iadsim.tracking.association import GatedPairs, gate, gate_threshold, gnn_assign
from iadsim.tracking.filters import (
    ct_model,
    cv_model,
    imm_combine,
    imm_mix,
    kf_predict,
    kf_update,
    position_matrix,
)


def _alpha_beta_cwna(tracking_index: float, noise_divisor: float) -> tuple[float, float]:
    """Steady-state alpha, beta of the position-measured CV Kalman filter.

    Steady-state Riccati equation written for the gains K = [alpha, beta / T] (the derivation of
    Bar-Shalom, Li & Kirubarajan 2001, §6.5, for the DWNA alpha-beta filter): the velocity
    variance gives ``Lambda^2 = beta^2 / (1 - alpha)`` and the position variance
    ``alpha^2 = 2 beta - alpha beta - beta^2 / D``. For the *continuous* white-noise acceleration
    model (Q = q [[T^3/3, T^2/2], [T^2/2, T]], BLK01 §6.2.2) the index is
    ``Lambda = q^(1/2) T^(3/2) / sigma`` and D = 6 (the continuous-noise form of Kalata's 1984
    tracking index);
    for the discrete (DWNA, Q = s^2 [[T^4/4, T^3/2], [T^3/2, T^2]]) model it is
    ``lambda = s T^2 / sigma`` and D = 4, whose solution is Kalata's
    ``beta = 2 (2 - alpha) - 4 sqrt(1 - alpha)`` (Kalata 1984; BLK01 §6.5).
    """

    def beta_of(alpha: float) -> float:  # smaller root of beta^2/D + (alpha-2) beta + alpha^2 = 0
        b = 2.0 - alpha
        return noise_divisor / 2.0 * (b - math.sqrt(b * b - 4.0 * alpha**2 / noise_divisor))

    # Lambda(alpha) = beta / sqrt(1 - alpha) increases monotonically on (0, 1)
    alpha = brentq(lambda a: beta_of(a) / math.sqrt(1.0 - a) - tracking_index, 1e-12, 1.0 - 1e-12, xtol=1e-15)
    return alpha, beta_of(alpha)


def _steady_state_gains(q: float, t: float, sigma: float) -> tuple[float, float]:
    """Run the 1-D CV Kalman recursion (our kernels) to convergence; return alpha, beta."""
    f, qm = cv_model(t, q, 1)
    h = position_matrix(1)
    x, p = np.zeros(2), np.diag([sigma**2, 1e6])
    r = np.array([[sigma**2]])
    for _ in range(5000):
        x, p = kf_predict(x, p, f, qm)
        p_pred = p
        x, p, _, s = kf_update(x, p, np.zeros(1), r, h)
    k = p_pred @ h.T / s[0, 0]
    return float(k[0, 0]), float(k[1, 0] * t)


@pytest.mark.parametrize("tracking_index", [0.01, 0.1, 1.0, 10.0])
def test_cv_steady_state_gains_match_kalata_cwna(tracking_index: float) -> None:
    sigma, t = 30.0, 2.0
    q = (tracking_index * sigma) ** 2 / t**3  # Lambda = q^(1/2) T^(3/2) / sigma
    alpha, beta = _steady_state_gains(q, t, sigma)
    alpha_ref, beta_ref = _alpha_beta_cwna(tracking_index, 6.0)
    assert alpha == pytest.approx(alpha_ref, rel=1e-7)
    assert beta == pytest.approx(beta_ref, rel=1e-7)
    # the discrete-noise relation (D = 4) gives gains 100x farther off than the tolerance above:
    # the check tells the two noise models apart
    alpha_dwna, _ = _alpha_beta_cwna(tracking_index, 4.0)
    assert abs(alpha - alpha_dwna) > 1e-5 * alpha


def test_dwna_reference_reproduces_kalata_closed_form() -> None:
    """The reference solver with D = 4 gives Kalata's beta(alpha) (checks the helper itself)."""
    for lam in (0.05, 0.5, 5.0):
        alpha, beta = _alpha_beta_cwna(lam, 4.0)
        assert beta == pytest.approx(2 * (2 - alpha) - 4 * math.sqrt(1 - alpha), rel=1e-9)


def _simulate_cv(
    rng: np.random.Generator, n_runs: int, n_steps: int, t: float, q: float, sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """Truth (n_steps, n_runs, 4) drawn from the exact CWNA model and measurements (.., 2)."""
    f, qm = cv_model(t, q, 2)
    lq = np.linalg.cholesky(qm)
    x = np.zeros((n_runs, 4))
    x[:, 2:] = [200.0, -100.0]
    truth, meas = [], []
    for _ in range(n_steps):
        x = x @ f.T + rng.standard_normal((n_runs, 4)) @ lq.T
        truth.append(x)
        meas.append(x[:, :2] + rng.normal(0.0, sigma, (n_runs, 2)))
    return np.array(truth), np.array(meas)


def test_nees_and_nis_within_chi2_95_bounds() -> None:
    """Monte Carlo consistency (Bar-Shalom et al. 2001, §5.4): average NEES and NIS."""
    rng = np.random.default_rng(7)
    n_runs, n_steps, t, q, sigma = 200, 60, 2.0, 4.0, 40.0
    truth, meas = _simulate_cv(rng, n_runs, n_steps, t, q, sigma)
    f, qm = cv_model(t, q, 2)
    h = position_matrix(2)
    r = np.broadcast_to(np.eye(2) * sigma**2, (n_runs, 2, 2))
    # the truth starts exactly at x: (almost) zero prior covariance is the consistent prior
    p = np.tile(np.eye(4) * 1e-6, (n_runs, 1, 1))
    x = np.zeros((n_runs, 4))
    x[:, 2:] = [200.0, -100.0]
    nees, nis = [], []
    for k in range(n_steps):
        x, p = kf_predict(x, p, f, qm)
        x, p, nu, s = kf_update(x, p, meas[k], r, h)
        e = truth[k] - x
        nees.append(np.mean(np.einsum("ni,ni->n", e, np.linalg.solve(p, e[..., None])[..., 0])))
        nis.append(np.mean(np.einsum("ni,ni->n", nu, np.linalg.solve(s, nu[..., None])[..., 0])))
    nees_lo, nees_hi = chi2.ppf([0.025, 0.975], 4 * n_runs) / n_runs
    nis_lo, nis_hi = chi2.ppf([0.025, 0.975], 2 * n_runs) / n_runs
    nees, nis = np.array(nees), np.array(nis)
    # 95 % per-step bounds: expect ~95 % of steps inside (binomial, 60 steps: >= 85 % is safe).
    # Steps are correlated in time, so no pooled chi-square bound over steps is used.
    print(f"mean NEES {nees.mean():.3f} (d = 4), mean NIS {nis.mean():.3f} (m = 2)")
    assert np.mean((nees >= nees_lo) & (nees <= nees_hi)) >= 0.85
    assert np.mean((nis >= nis_lo) & (nis <= nis_hi)) >= 0.85
    assert nees_lo <= nees.mean() <= nees_hi
    assert nis_lo <= nis.mean() <= nis_hi


def test_ct_model_moves_on_the_circle() -> None:
    """Noise-free CT prediction follows the exact circle of radius v / omega."""
    omega, v = 0.1, 250.0
    f, _ = ct_model(1.0, omega, 0.0, 2)
    x = np.array([0.0, 0.0, v, 0.0])
    for _ in range(int(round(math.pi / omega))):  # half a turn in 1-s steps (31 steps ~ pi)
        x = f @ x
    tau = round(math.pi / omega)
    expected = np.array([v / omega * math.sin(omega * tau), v / omega * (1 - math.cos(omega * tau))])
    np.testing.assert_allclose(x[:2], expected, rtol=1e-10, atol=1e-6)
    assert np.hypot(x[2], x[3]) == pytest.approx(v, rel=1e-12)
    # 3-D: z is CV
    f3, _ = ct_model(1.0, omega, 0.0, 3)
    assert f3[2].tolist() == [0.0, 0.0, 1.0, 0.0, 0.0, 1.0]


def test_imm_mix_and_combine_preserve_moments() -> None:
    """Mixing with an identity Markov matrix is a no-op; combination matches direct moments."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 3, 4))
    a = rng.normal(size=(5, 3, 4, 4))
    p = a @ np.swapaxes(a, -1, -2) + np.eye(4)
    mu = rng.dirichlet(np.ones(3), size=5)
    x0, p0, c_bar = imm_mix(x, p, mu, np.eye(3))
    np.testing.assert_allclose(x0, x)
    np.testing.assert_allclose(p0, p)
    np.testing.assert_allclose(c_bar, mu)
    xc, pc = imm_combine(x, p, mu)
    # direct: mean and covariance of the Gaussian mixture of track 0
    m = (mu[0][:, None] * x[0]).sum(0)
    cov = sum(mu[0][j] * (p[0, j] + np.outer(x[0, j] - m, x[0, j] - m)) for j in range(3))
    np.testing.assert_allclose(xc[0], m)
    np.testing.assert_allclose(pc[0], cov)


def _turning_target(rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Straight 60 s, 120 s coordinated turn at 0.08 rad/s, straight 60 s; 2-s scans, Pd 1."""
    t = np.arange(0.0, 240.0, 2.0)
    v, omega = 250.0, 0.08
    dt = 0.01
    tt = np.arange(0.0, 240.0 + dt, dt)
    hh = np.where(tt < 60, 0.0, np.where(tt < 180, omega * (tt - 60), omega * 120))
    xs = np.concatenate([[0.0], np.cumsum(v * np.cos(hh[:-1]) * dt)])
    ys = np.concatenate([[0.0], np.cumsum(v * np.sin(hh[:-1]) * dt)])
    idx = np.round(t / dt).astype(int)
    truth = np.c_[xs[idx], ys[idx]]
    z = truth + rng.normal(0.0, 50.0, truth.shape)
    return pd.DataFrame({"time_s": t, "x_m": z[:, 0], "y_m": z[:, 1], "sigma_m": 50.0}), truth


def _rms_error(out: pd.DataFrame, truth: np.ndarray, times: np.ndarray) -> float:
    conf = out[out["status"] == "confirmed"]
    err = []
    for k, t in enumerate(times):
        rows = conf[conf["time_s"] == t]
        d = np.hypot(rows["x_m"] - truth[k, 0], rows["y_m"] - truth[k, 1])
        err.append(d.min() if len(d) else 1000.0)
    return float(np.sqrt(np.mean(np.square(err))))


def test_imm_beats_cv_on_manoeuvring_target() -> None:
    rng = np.random.default_rng(11)
    cv = TrackerConfig(q_m2_s3=1.0, max_speed_m_s=400.0)
    imm = TrackerConfig(
        q_m2_s3=1.0, motion_model="imm", turn_rate_rad_s=0.08, ct_q_m2_s3=1.0, max_speed_m_s=400.0
    )
    rms_cv, rms_imm = [], []
    for _ in range(10):
        det, truth = _turning_target(rng)
        times = det["time_s"].to_numpy()
        turn = (times >= 60) & (times < 200)
        rms_cv.append(_rms_error(run_tracker(det, cv), truth[turn], times[turn]))
        rms_imm.append(_rms_error(run_tracker(det, imm), truth[turn], times[turn]))
    print(f"RMS position error in the turn: CV {np.mean(rms_cv):.1f} m, IMM {np.mean(rms_imm):.1f} m")
    assert np.mean(rms_imm) < 0.7 * np.mean(rms_cv)


@pytest.mark.parametrize(("gate_p", "n_meas"), [(0.95, 2), (0.99, 2), (0.9, 3), (0.999, 3)])
def test_fraction_of_true_detections_gated_equals_gate_probability(gate_p: float, n_meas: int) -> None:
    rng = np.random.default_rng(5)
    n = 40_000
    a = rng.normal(size=(n, n_meas, n_meas)) * 30.0
    hph = a @ np.swapaxes(a, -1, -2) + np.eye(n_meas) * 10.0
    b = rng.normal(size=(n, n_meas, n_meas)) * 20.0
    r = b @ np.swapaxes(b, -1, -2) + np.eye(n_meas) * 10.0
    z_pred = np.zeros((n, n_meas))
    z_pred[:, 0] = np.arange(n) * 1e6  # far apart: only a track's own detection can gate
    chol = np.linalg.cholesky(hph + r)
    z = z_pred + np.einsum("nij,nj->ni", chol, rng.standard_normal((n, n_meas)))
    pairs = gate(z_pred, hph, z, r, gate_threshold(gate_p, n_meas))
    assert np.all(pairs.track == pairs.detection)
    fraction = len(pairs.track) / n
    tol = 4.0 * math.sqrt(gate_p * (1 - gate_p) / n)
    assert abs(fraction - gate_p) < tol


def test_gnn_is_global_not_greedy() -> None:
    # greedy (smallest d2 first) would pair track 0 with det 0 (1.0) and leave track 1 with
    # det 1 at 8.0 (total 9.0); the global optimum is 0-1 and 1-0 (2.0 + 2.0 = 4.0)
    pairs = GatedPairs(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([1.0, 2.0, 2.0, 8.0]))
    assert gnn_assign(pairs, 2, miss_cost=9.21).tolist() == [1, 0]
    # a pair costlier than the miss option is left unassigned
    pairs = GatedPairs(np.array([0, 1]), np.array([0, 0]), np.array([1.0, 5.0]))
    assert gnn_assign(pairs, 3, miss_cost=9.21).tolist() == [0, -1, -1]


@pytest.mark.parametrize(("layout", "n_meas"), [("cloud", 3), ("north-south line", 3),
                                                ("east-west line", 2), ("one spot", 2)])
def test_gate_equals_every_pair_checked(layout: str, n_meas: int) -> None:
    # reference: d2 of every (track, detection) pair by numpy's solve, no pruning; the layouts
    # make the sweep axis x, y, or useless (every detection in one spot)
    rng = np.random.default_rng(21)
    n, k = 300, 260
    spread = {"cloud": (60e3, 60e3), "north-south line": (300.0, 200e3),
              "east-west line": (200e3, 300.0), "one spot": (0.0, 0.0)}[layout]
    centre = rng.uniform(-1.0, 1.0, (n, n_meas)) * (*spread, 2e3)[:n_meas]
    z_pred = centre + rng.normal(0.0, 50.0, (n, n_meas))
    a = rng.normal(size=(n, n_meas, n_meas)) * rng.uniform(10.0, 3000.0, (n, 1, 1))
    hph = a @ np.swapaxes(a, -1, -2) + np.eye(n_meas)
    b = rng.normal(size=(k, n_meas, n_meas)) * 40.0
    r = b @ np.swapaxes(b, -1, -2) + np.eye(n_meas) * 100.0
    z = centre[rng.integers(0, n, k)] + rng.normal(0.0, 400.0, (k, n_meas))
    gamma = gate_threshold(0.99, n_meas)
    nu = z[None, :, :] - z_pred[:, None, :]
    d2 = np.einsum("tkm,tkm->tk", nu, np.linalg.solve(hph[:, None] + r[None], nu[..., None])[..., 0])
    want_t, want_d = np.nonzero(d2 <= gamma)
    pairs = gate(z_pred, hph, z, r, gamma)
    assert want_t.size > n / 2                                  # the test has pairs to find
    np.testing.assert_array_equal(pairs.track, want_t)
    np.testing.assert_array_equal(pairs.detection, want_d)
    np.testing.assert_allclose(pairs.d2, d2[want_t, want_d], rtol=1e-9)


def test_pair_clusters_are_scipy_connected_components() -> None:
    # reference: scipy.sparse.csgraph.connected_components on the bipartite graph (the labels
    # may be numbered differently: compare the partitions of the pairs), and np.unique of the
    # tracks and detections of each cluster for the rows and columns of its cost matrix
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from iadsim.tracking.kernels import pair_clusters

    rng = np.random.default_rng(9)
    for n_pairs in (0, 1, 5, 60, 400):
        track = np.sort(rng.integers(0, 50, n_pairs))
        det = rng.integers(0, 70, n_pairs)
        label, row, col, n_rows, n_cols = pair_clusters(track, det)
        graph = coo_matrix((np.ones(n_pairs), (track, 50 + det)), shape=(120, 120))
        want = connected_components(graph, directed=False)[1][track]
        np.testing.assert_array_equal(label[:, None] == label[None, :],
                                      want[:, None] == want[None, :])
        if n_pairs:                           # numbered by first appearance
            firsts = np.unique(label, return_index=True)[1]
            assert np.all(np.diff(firsts) > 0) and label[0] == 0
        for c in range(n_rows.size):
            mine = label == c
            tracks, t_inv = np.unique(track[mine], return_inverse=True)
            dets, d_inv = np.unique(det[mine], return_inverse=True)
            np.testing.assert_array_equal(row[mine], t_inv)
            np.testing.assert_array_equal(col[mine], d_inv)
            assert (n_rows[c], n_cols[c]) == (tracks.size, dets.size)


def test_gnn_by_clusters_equals_one_global_solve() -> None:
    # reference: scipy's linear_sum_assignment on the whole augmented matrix at once, and an
    # exhaustive search on a small instance; many clusters of 1 to 5 tracks
    from itertools import permutations

    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(4)
    gamma = 9.21
    for trial in range(30):
        n_clusters = 1 if trial < 10 else 40
        track, det = [], []
        t0 = d0 = 0
        for _ in range(n_clusters):
            nt, nd = rng.integers(1, 4 if trial < 10 else 6, 2).tolist()
            mask = rng.random((nt, nd)) < 0.6
            ti, di = np.nonzero(mask)
            track += (ti + t0).tolist()
            det += (di + d0).tolist()
            t0, d0 = t0 + nt, d0 + nd
        order = np.lexsort((det, track))
        pairs = GatedPairs(np.array(track, int)[order], np.array(det, int)[order],
                           rng.uniform(0.0, 12.0, len(track)))
        got = gnn_assign(pairs, t0, miss_cost=gamma)
        cost = np.full((t0, d0 + t0), 1e12)
        cost[pairs.track, pairs.detection] = pairs.d2
        cost[np.arange(t0), d0 + np.arange(t0)] = gamma
        row, col = linear_sum_assignment(cost)
        want = np.full(t0, -1)
        want[row[col < d0]] = col[col < d0]
        np.testing.assert_array_equal(got, want)
        if trial < 10:                                        # exhaustive: every assignment
            best = min(sum(cost[i, c] for i, c in enumerate(cols))
                       for cols in permutations(range(d0 + t0), t0))
            assert sum(cost[i, g if g >= 0 else d0 + i] for i, g in enumerate(got)) == \
                pytest.approx(best)


@pytest.mark.parametrize("kind", ["uniform", "integer ties", "constant", "forbidden entries"])
def test_compiled_assignment_equals_scipy(kind: str) -> None:
    # reference: scipy.optimize.linear_sum_assignment (the same paper, Crouse 2016): the same
    # columns for every row, ties included (integer costs, a constant matrix), and the same
    # minimum cost; square and wide matrices of 1 to 9 rows
    from scipy.optimize import linear_sum_assignment

    from iadsim.tracking.kernels import assignment

    rng = np.random.default_rng(17)
    for _ in range(200):
        nr = int(rng.integers(1, 10))
        nc = nr + int(rng.integers(0, 6))
        if kind == "uniform":
            cost = rng.uniform(0.0, 12.0, (nr, nc))
        elif kind == "integer ties":
            cost = rng.integers(0, 3, (nr, nc)).astype(float)
        elif kind == "constant":
            cost = np.full((nr, nc), 4.0)
        else:
            cost = np.where(rng.random((nr, nc)) < 0.5, 1e12, rng.uniform(0.0, 12.0, (nr, nc)))
        row, want = linear_sum_assignment(cost)
        got = assignment(cost)
        np.testing.assert_array_equal(got, want)
        assert cost[row, got].sum() == cost[row, want].sum()
