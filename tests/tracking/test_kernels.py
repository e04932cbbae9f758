"""The compiled tracker steps against the vectorised reference forms of iadsim.tracking.filters
(themselves checked against closed forms in test_filters.py)."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.errors import InputError
from iadsim.tracking import Tracker, TrackerConfig, filters, kernels


def _bank(rng: np.random.Generator, n: int, n_dim: int):
    """Random IMM states of ``n`` tracks over a CV/CT(+w)/CT(-w) bank, SPD covariances."""
    r, d = 3, 2 * n_dim
    x = rng.normal(0, 1000, (n, r, d))
    a = rng.normal(0, 30, (n, r, d, d))
    p = a @ np.swapaxes(a, -1, -2) + 50.0 * np.eye(d)
    mu = rng.dirichlet(np.ones(r), n)
    transition = np.full((r, r), 0.025) + np.eye(r) * 0.925
    fq = [filters.ct_model(1.7, w, 5.0, n_dim) for w in (0.0, 0.1, -0.1)]
    f, q = np.stack([m for m, _ in fq]), np.stack([m for _, m in fq])
    return x, p, mu, transition, f, q


@pytest.mark.parametrize("n_dim", [2, 3])
def test_imm_predict_and_combine_equal_the_reference(n_dim):
    x, p, mu, transition, f, q = _bank(np.random.default_rng(n_dim), 25, n_dim)
    x0, p0, c_bar = filters.imm_mix(x, p, mu, transition)
    want_x, want_p = filters.kf_predict(x0, p0, f, q)
    want_xc, want_pc = filters.imm_combine(want_x, want_p, c_bar)
    kernels.imm_predict(x, p, mu, transition, f, q)
    np.testing.assert_allclose(x, want_x, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(p, want_p, rtol=1e-10, atol=1e-7)
    np.testing.assert_allclose(mu, c_bar, rtol=1e-14)
    xc, pc = kernels.imm_combine(x, p, mu, 2 * n_dim)
    np.testing.assert_allclose(xc, want_xc, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(pc, want_pc, rtol=1e-10, atol=1e-7)
    pos, pos_cov = kernels.imm_combine(x, p, mu, n_dim)
    np.testing.assert_array_equal(pos, xc[:, :n_dim])
    np.testing.assert_array_equal(pos_cov, pc[:, :n_dim, :n_dim])
    # combine_rows writes the same numbers into the chosen rows of a store, and only those
    rows = np.array([3, 7, 20])
    store_x, store_p = np.full((25, n_dim), -1.0), np.full((25, n_dim, n_dim), -1.0)
    kernels.combine_rows(x, p, mu, rows, store_x, store_p)
    np.testing.assert_array_equal(store_x[rows], pos[rows])
    np.testing.assert_array_equal(store_p[rows], pos_cov[rows])
    others = np.setdiff1d(np.arange(25), rows)
    assert (store_x[others] == -1.0).all() and (store_p[others] == -1.0).all()


@pytest.mark.parametrize("n_dim", [2, 3])
def test_one_model_prediction_equals_the_full_interaction_bit_for_bit(n_dim):
    """With one model the interaction is skipped (an exact identity); a bank whose first model
    holds all the probability (mixing weights 1, 0, 0) runs the whole interaction and must
    give that model the very same bits, zeros of either sign included."""
    rng = np.random.default_rng(30 + n_dim)
    x, p, _, _, f, q = _bank(rng, 40, n_dim)
    p = 0.5 * (p + np.swapaxes(p, -1, -2))
    x[rng.random(x.shape) < 0.2] = -0.0
    zero = rng.random(p.shape) < 0.2
    p[zero | np.swapaxes(zero, -1, -2)] = -0.0
    x[:, 1:], p[:, 1:] = x[:, :1], p[:, :1]
    f, q = np.repeat(f[:1], 3, axis=0), np.repeat(q[:1], 3, axis=0)
    one = x[:, :1].copy(), p[:, :1].copy(), np.ones((40, 1))
    full = x.copy(), p.copy(), np.tile([1.0, 0.0, 0.0], (40, 1))
    for _ in range(3):
        kernels.imm_predict(*one, np.ones((1, 1)), f[:1], q[:1])
        kernels.imm_predict(*full, np.eye(3), f, q)
    for got, want in zip(one, full, strict=True):
        np.testing.assert_array_equal(got[:, 0], want[:, 0])
        np.testing.assert_array_equal(np.signbit(got[:, 0]), np.signbit(want[:, 0]))


@pytest.mark.parametrize("n_dim", [2, 3])
def test_update_pairs_equals_the_reference(n_dim):
    """Joseph-form update, innovation likelihood and IMM mode update of the assigned tracks
    only; the other tracks are untouched."""
    rng = np.random.default_rng(10 + n_dim)
    x, p, mu, *_ = _bank(rng, 12, n_dim)
    k = 5
    z = rng.normal(0, 1000, (k, n_dim))
    b = rng.normal(0, 20, (k, n_dim, n_dim))
    r = b @ np.swapaxes(b, -1, -2) + 100.0 * np.eye(n_dim)
    tracks, dets = np.array([7, 0, 3, 11]), np.array([2, 4, 0, 1])
    h = filters.position_matrix(n_dim)
    want_x, want_p, nu, s = filters.kf_update(x[tracks], p[tracks], z[dets, None, :],
                                              r[dets, None], h)
    want_mu = filters.imm_mode_update(mu[tracks], filters.gaussian_log_likelihood(nu, s))
    untouched = np.setdiff1d(np.arange(len(x)), tracks)
    before = x[untouched].copy(), p[untouched].copy(), mu[untouched].copy()
    kernels.update_pairs(x, p, mu, tracks, z, r, dets)
    np.testing.assert_allclose(x[tracks], want_x, rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(p[tracks], want_p, rtol=1e-8, atol=1e-6)
    np.testing.assert_allclose(mu[tracks], want_mu, rtol=1e-9, atol=1e-12)
    for got, want in zip((x[untouched], p[untouched], mu[untouched]), before, strict=True):
        np.testing.assert_array_equal(got, want)


def test_cholesky_solve_against_numpy():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3, 3))
    s = a @ a.T + np.eye(3)
    b = rng.normal(size=3)
    low = kernels.cholesky(s)
    np.testing.assert_allclose(low, np.linalg.cholesky(s), rtol=1e-12)
    np.testing.assert_allclose(kernels.chol_solve(low, b), np.linalg.solve(s, b), rtol=1e-10)


def _store(rng: np.random.Generator, capacity: int, n: int, n_dim: int) -> list[np.ndarray]:
    """Buffers of a track store in ``_Tracks.FIELDS`` order with ``n`` random live rows."""
    x, p, mu, *_ = _bank(rng, capacity, n_dim)
    xc, pc = kernels.imm_combine(x, p, mu, n_dim)
    return [np.arange(capacity, dtype=np.int64), x, p, mu, rng.random(capacity) < 0.5,
            rng.integers(0, 5, capacity), rng.integers(0, 5, capacity), rng.integers(0, 4, capacity),
            rng.random(capacity) < 0.5, rng.integers(-1, 50, capacity), rng.uniform(0, 10, capacity),
            rng.uniform(10, 20, capacity), rng.uniform(1, 12, capacity), rng.integers(-1, 50, capacity),
            xc, pc]


@pytest.mark.parametrize("end_of_scan", [True, False])
def test_prune_removes_exactly_the_tracks_the_logic_deletes(end_of_scan):
    """In-place compaction against boolean-mask selection of the counted rows."""
    buffers = _store(np.random.default_rng(3), 40, 31, 3)
    want = [b.copy() for b in buffers]
    logic = (30.0, 2, 3, 2, 6.0, end_of_scan)
    dead = kernels.track_logic(*(want[i][:31] for i in (5, 6, 7, 8, 4, 10, 11, 12)), *logic)
    assert 0 < dead.sum() < 31                              # the case exercises removal
    k = kernels.prune(*buffers, 31, *logic)
    assert k == 31 - dead.sum()
    for got, ref in zip(buffers, want, strict=True):
        np.testing.assert_array_equal(got[:k], ref[:31][~dead])


def test_associate_scan_updates_the_gated_track_and_initiates_the_rest():
    """One confirmed track, three detections: the one on the track updates it (the reference
    Kalman/IMM update), the other two start tentative tracks by single-point initiation."""
    rng = np.random.default_rng(5)
    buffers = _store(rng, 8, 1, 3)
    ids, x, p, mu, confirmed = buffers[:5]
    confirmed[0] = True
    x[0, :, :3], x[0, :, 3:] = 1000.0, 0.0
    kernels.combine_rows(x, p, mu, np.array([0]), *buffers[14:])   # the store's invariant
    z = np.array([[1001.0, 999.0, 1000.5], [50e3, 0.0, 0.0], [0.0, -40e3, 5e3]])
    r = np.stack([np.diag([100.0, 200.0, 300.0])] * 3)
    index = np.array([7, 8, 9])
    want = filters.kf_update(x[:1].copy(), p[:1].copy(), z[0, None, None], r[0, None, None],
                             filters.position_matrix(3))[:2]
    mu0 = np.array([0.8, 0.1, 0.1])
    n, next_id = kernels.associate_scan(*buffers, 1, 100, z, r, index, 16.0, 1e12, 42.0, mu0,
                                        2500.0, 9.0)
    assert (n, next_id) == (3, 102)
    np.testing.assert_allclose(x[0], want[0][0], rtol=1e-12)
    np.testing.assert_allclose(p[0], want[1][0], rtol=1e-10)
    np.testing.assert_array_equal(ids[1:3], [100, 101])
    for row, det in ((1, 1), (2, 2)):
        want_p = np.zeros((6, 6))
        want_p[:3, :3], want_p[3:, 3:] = r[det], 2500.0 * np.eye(3)
        np.testing.assert_array_equal(x[row], np.tile(np.r_[z[det], 0, 0, 0], (3, 1)))
        np.testing.assert_array_equal(p[row], np.broadcast_to(want_p, (3, 6, 6)))
        np.testing.assert_array_equal(mu[row], mu0)
    names = ("confirmed", "age", "hits", "misses", "hit", "detection", "t_birth", "t_hit",
             "revisit", "reported")
    got = {name: buffers[4 + i][:3].tolist() for i, name in enumerate(names)}
    assert got["confirmed"] == [True, False, False] and got["hit"] == [True, True, True]
    assert got["age"][1:] == got["hits"][1:] == got["misses"][1:] == [0, 0]
    assert got["detection"] == got["reported"] == [7, 8, 9]
    assert got["t_birth"][1:] == [42.0, 42.0] and got["t_hit"] == [42.0, 42.0, 42.0]
    assert got["revisit"][1:] == [9.0, 9.0]
    # the combined positions of the updated and the new tracks are up to date
    xc, pc = kernels.imm_combine(x[:3], p[:3], mu[:3], 3)
    np.testing.assert_array_equal(buffers[14][:3], xc)
    np.testing.assert_array_equal(buffers[15][:3], pc)


def test_spd_check_flags_what_lapack_decides_and_defers_borderline_matrices():
    """0 only for matrices clearly positive definite (LAPACK factorises them); a non-finite
    value, an asymmetric matrix, and borderline or singular matrices (3: the caller asks
    LAPACK) are told apart."""
    rng = np.random.default_rng(8)
    a = rng.normal(0, 30, (20, 3, 3))
    r = a @ np.swapaxes(a, 1, 2) + 100.0 * np.eye(3)
    t, z = np.arange(20.0), rng.normal(0, 1e4, (20, 3))
    assert kernels.spd_check(t, z, r) == 0
    np.linalg.cholesky(r)
    for bad in (t.copy(), z.copy(), r.copy()):
        bad.reshape(-1)[5] = np.nan
        args = [bad if bad.shape == v.shape else v for v in (t, z, r)]
        assert kernels.spd_check(*args) == 1
    skew = r.copy()
    skew[3, 0, 1] += 1e-9
    assert kernels.spd_check(t, z, skew) == 2
    borderline = r.copy()                                # positive definite, tiny pivot
    borderline[7] = [[1.0, 1.0 - 1e-7, 0.0], [1.0 - 1e-7, 1.0, 0.0], [0.0, 0.0, 1.0]]
    singular = r.copy()
    singular[7] = np.ones((3, 3))
    negative = r.copy()
    negative[7] = -np.eye(3)
    for case in (borderline, singular, negative):
        assert kernels.spd_check(t, z, case) == 3
    # the tracker then keeps LAPACK's verdict
    Tracker(TrackerConfig(), 3).feed_arrays(t, z, borderline)
    for case in (singular, negative, skew):
        with pytest.raises(InputError, match="not symmetric positive definite"):
            Tracker(TrackerConfig(), 3).feed_arrays(t, z, case)


def test_scan_layout_groups_rows_by_time_then_sensor():
    time_s = np.array([5.0, 3.0, 3.0, 3.0, 5.0, 7.5, 7.5])
    sensor = np.array([0, 1, 0, 0, 0, 1, 0])
    rows = np.lexsort((sensor, time_s))
    group_start, scan_start, scan_s, dt = kernels.scan_layout(time_s, sensor, rows, 1.0)
    np.testing.assert_array_equal(group_start, [0, 2, 3, 5, 6, 7])
    np.testing.assert_array_equal(scan_start, [0, 2, 3, 5])
    np.testing.assert_array_equal(scan_s, [3.0, 5.0, 7.5])
    np.testing.assert_array_equal(dt, [2.0, 2.0, 2.5])


@pytest.mark.parametrize("revisit_s", [np.nan, 4.0])
def test_process_scans_equals_its_steps(revisit_s):
    """The fused scan loop against its steps called one by one (imm_predict, combine_rows,
    associate_scan per sensor group, prune per scan), bit for bit: a store of confirmed and
    tentative tracks fed scans of two sensors with detections near tracks (conflicts
    included), far from them and on each other."""
    rng = np.random.default_rng(21)
    n0, n_dim = 30, 3
    buffers = _store(rng, 200, n0, n_dim)
    ids, x, p, mu = buffers[:4]
    p[:] = 0.5 * (p + np.swapaxes(p, -1, -2))
    buffers[13][:] = -1
    kernels.combine_rows(x, p, mu, np.arange(n0), *buffers[14:])
    rows_per_scan = 12
    times = np.repeat([10.0, 11.5, 13.0, 16.0], rows_per_scan)
    sensor = np.tile(np.repeat([0, 1], rows_per_scan // 2), 4)
    k = times.size
    near = rng.integers(0, n0, k)
    z = np.where(rng.random((k, 1)) < 0.7,
                 x[near, 0, :n_dim] + rng.normal(0, 20.0, (k, n_dim)),
                 rng.normal(0, 3000.0, (k, n_dim)))
    z[5] = z[4]                                               # two detections, one place
    r = np.broadcast_to(np.diag([400.0, 400.0, 900.0]), (k, n_dim, n_dim)).copy()
    index = np.arange(100, 100 + k)
    rows = np.lexsort((sensor, times))
    fq = [filters.ct_model(dt, w, 5.0, n_dim) for dt in (1.5, 3.0) for w in (0.0, 0.1, -0.1)]
    bank = {1.5: fq[:3], 3.0: fq[3:]}
    transition = np.full((3, 3), 0.025) + np.eye(3) * 0.925
    mu0 = np.array([0.8, 0.1, 0.1])
    sensor_revisit = np.array([2.0, 3.0])
    logic = (2, 3, 3, revisit_s)
    gamma, cost, velocity_var = 11.34, 1e12, 350.0 ** 2

    group_start, scan_start, scan_s, dt = kernels.scan_layout(times, sensor, rows, 8.5)
    f = np.stack([np.stack([m for m, _ in bank.get(v, fq[:3])]) for v in dt])
    q = np.stack([np.stack([m for _, m in bank.get(v, fq[:3])]) for v in dt])
    want = [b.copy() for b in buffers]
    n, next_id, clock = n0, 500, 8.5
    for s in range(len(scan_s)):                               # the steps, one call each
        clock += dt[s]
        if dt[s] > 0.0:
            kernels.imm_predict(want[1][:n], want[2][:n], want[3][:n], transition, f[s], q[s])
            kernels.combine_rows(want[1], want[2], want[3], np.arange(n), *want[14:])
        want[8][:n], want[9][:n] = False, -1
        for g in range(scan_start[s], scan_start[s + 1]):
            group = rows[group_start[g]:group_start[g + 1]]
            n, next_id = kernels.associate_scan(
                *want, n, next_id, z[group], r[group], index[group], gamma, cost, clock, mu0,
                velocity_var, sensor_revisit[sensor[group[0]]])
        n = kernels.prune(*want, n, clock, *logic, True)
    assert n != n0 and next_id > 500

    got_n, got_id, got_clock, last = kernels.process_scans(
        *buffers, n0, 500, 8.5, z, r, index, sensor, rows, group_start, scan_start, dt, f, q,
        transition, sensor_revisit, 0, False, gamma, cost, mu0, velocity_var, *logic)
    assert (got_n, got_id, got_clock, last) == (n, next_id, clock, len(scan_s))
    for got, ref in zip(buffers, want, strict=True):
        np.testing.assert_array_equal(got[:n], ref[:n])
