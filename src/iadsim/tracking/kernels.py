"""Compiled per-scan steps of the tracker: IMM mixing + prediction, moment matching, the
chi-square gate, GNN assignment, the Kalman/IMM update of assigned pairs, track initiation and
the confirmation / deletion logic, one loop over tracks (or pairs) each (numba). The tracker
makes one call per feed, :func:`process_scans` (every scan: prediction, :func:`associate_scan`
per sensor group, :func:`prune`, in the track store's buffers), after :func:`spd_check` of
the input and :func:`scan_layout` of its scans.

The equations are those of :mod:`iadsim.tracking.filters` (Bar-Shalom, Li & Kirubarajan 2001,
§5.2 Kalman filter with the Joseph-form covariance update, §11.6 IMM); those vectorised numpy
forms are the tested reference, and these kernels are checked against them
(``tests/tracking/test_kernels.py``). They exist because a tracker run is tens of thousands of
small scans: one compiled call per feed instead of twenty numpy calls per step.

Arrays are float64 in SI units: ``x (n, r, d)`` model-conditioned states ``[pos, vel]``, ``p (n,
r, d, d)`` covariances, ``mu (n, r)`` mode probabilities, ``z (k, m)`` and ``R (k, m, m)``
position measurements; ``m = d / 2``, ``H = [I 0]``. Kernels that take ``x, p, mu`` update them
in place. With ``NUMBA_DISABLE_JIT=1`` the same code runs as a plain-Python per-track loop.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["imm_predict", "imm_combine", "combine_rows", "update_pairs", "apply_pairs", "gate_pairs",
           "associate_group", "associate_scan", "scan_layout", "process_scans", "assignment", "gnn_clusters",
           "pair_clusters", "track_logic", "prune", "cholesky", "chol_solve",
           "spd_check"]

_TINY = np.finfo(np.float64).tiny
_LOG_2PI = math.log(2.0 * math.pi)


@numba.njit(cache=True)
def _nonzeros(f: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The non-zero entries of each model's ``F (r, d, d)``: their count per model and, per
    model, their rows, columns and values (in row-major order)."""
    r, d = f.shape[0], f.shape[1]
    nz = np.zeros(r, np.int64)
    nz_row = np.empty((r, d * d), np.int64)
    nz_col = np.empty((r, d * d), np.int64)
    nz_val = np.empty((r, d * d))
    for j in range(r):
        for e in range(d):
            for g in range(d):
                if f[j, e, g] != 0.0:
                    k = nz[j]
                    nz_row[j, k], nz_col[j, k], nz_val[j, k] = e, g, f[j, e, g]
                    nz[j] = k + 1
    return nz, nz_row, nz_col, nz_val


@numba.njit(cache=True)
def _predict_rows(x: np.ndarray, p: np.ndarray, mu: np.ndarray, n: int, transition: np.ndarray,
                  f: np.ndarray, q: np.ndarray, xc: np.ndarray | None, pc: np.ndarray | None
                  ) -> None:
    """:func:`imm_predict` of tracks ``:n``; with ``xc``, ``pc`` also each predicted track's
    combined position into its row (:func:`combine_rows`), while its rows are in cache.

    With one model (CV) the interaction is skipped when its weight ``c / c`` is exactly 1
    (``c >= tiny``): the mixed state is then the state and its spread exactly zero, so the
    mixed moments of a finite track equal its own up to the sign of zeros, which the
    prediction's sums (started at ``+0``) absorb: bit for bit the same result (tested)."""
    r, d = x.shape[1], x.shape[2]
    nz, nz_row, nz_col, nz_val = _nonzeros(f)
    x0 = np.empty((r, d))
    p0 = np.empty((r, d, d))
    c_bar = np.empty(r)
    w = np.empty((r, r))
    dx = np.empty((r, d))
    fp = np.empty((d, d))
    for a in range(n):
        for j in range(r):
            c = 0.0
            for i in range(r):
                c += mu[a, i] * transition[i, j]
            c_bar[j] = c
            for i in range(r):
                w[i, j] = mu[a, i] * transition[i, j] / max(c, _TINY)
        for j in range(r):
            if r == 1 and c_bar[0] >= _TINY:       # one model: the interaction is a copy
                x0[0, :] = x[a, 0, :]
                p0[0, :, :] = p[a, 0, :, :]
                continue
            for e in range(d):
                s = 0.0
                for i in range(r):
                    s += w[i, j] * x[a, i, e]
                x0[j, e] = s
            for i in range(r):                     # spread of each model about the mix
                for e in range(d):
                    dx[i, e] = x[a, i, e] - x0[j, e]
            for e in range(d):                     # symmetric: the upper triangle, mirrored
                for g in range(e, d):
                    s = 0.0
                    for i in range(r):
                        s += w[i, j] * (p[a, i, e, g] + dx[i, e] * dx[i, g])
                    p0[j, e, g] = s
                    p0[j, g, e] = s
        for j in range(r):
            x[a, j, :] = 0.0
            fp[:, :] = 0.0
            for k in range(nz[j]):                 # x' = F x0, FP = F P0
                e, h, v = nz_row[j, k], nz_col[j, k], nz_val[j, k]
                x[a, j, e] += v * x0[j, h]
                for g in range(d):
                    fp[e, g] += v * p0[j, h, g]
            for e in range(d):
                for g in range(d):
                    p[a, j, e, g] = q[j, e, g]
            for k in range(nz[j]):                 # P' = FP F^T + Q
                g, h, v = nz_row[j, k], nz_col[j, k], nz_val[j, k]
                for e in range(d):
                    p[a, j, e, g] += fp[e, h] * v
            for e in range(d):                     # symmetrise
                for g in range(e + 1, d):
                    v = 0.5 * (p[a, j, e, g] + p[a, j, g, e])
                    p[a, j, e, g] = v
                    p[a, j, g, e] = v
            mu[a, j] = c_bar[j]
        if xc is not None:
            _combine_row(x, p, mu, a, xc, pc, a)


@numba.njit(cache=True)
def imm_predict(x: np.ndarray, p: np.ndarray, mu: np.ndarray, transition: np.ndarray,
                f: np.ndarray, q: np.ndarray) -> None:
    """IMM interaction then Kalman prediction of every track, in place; ``mu`` becomes the
    predicted mode probabilities ``c_bar``. ``f, q (r, d, d)``: transition and process noise of
    each model for this time step. The track covariances are exactly symmetric (every step
    that writes them symmetrises), so the mixed covariances are computed on one triangle.
    ``F P F^T`` runs over the non-zero entries of ``F`` only (9 of 36 for a 3-D CV model;
    skipping exact zeros leaves every sum unchanged)."""
    _predict_rows(x, p, mu, x.shape[0], transition, f, q, None, None)


@numba.njit(cache=True, inline="always")
def _combine_row(x: np.ndarray, p: np.ndarray, mu: np.ndarray, a: int, xc: np.ndarray,
                 pc: np.ndarray, out: int) -> None:
    """Moment-matched estimate of track ``a`` (its first ``xc.shape[1]`` components) into row
    ``out`` of ``xc``, ``pc``."""
    r, dims = x.shape[1], xc.shape[1]
    xc[out, :] = 0.0
    pc[out, :, :] = 0.0
    for i in range(r):
        for e in range(dims):
            xc[out, e] += mu[a, i] * x[a, i, e]
    for i in range(r):
        for e in range(dims):
            de = x[a, i, e] - xc[out, e]
            for g in range(dims):
                pc[out, e, g] += mu[a, i] * (p[a, i, e, g] + de * (x[a, i, g] - xc[out, g]))


@numba.njit(cache=True)
def imm_combine(x: np.ndarray, p: np.ndarray, mu: np.ndarray, dims: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Moment-matched estimate of the first ``dims`` state components of every track:
    ``x (n, dims)``, ``p (n, dims, dims)`` (``dims = d``: the whole state; ``m``: positions)."""
    n = x.shape[0]
    xc = np.empty((n, dims))
    pc = np.empty((n, dims, dims))
    for a in range(n):
        _combine_row(x, p, mu, a, xc, pc, a)
    return xc, pc


@numba.njit(cache=True)
def combine_rows(x: np.ndarray, p: np.ndarray, mu: np.ndarray, rows: np.ndarray,
                 xc: np.ndarray, pc: np.ndarray) -> None:
    """:func:`imm_combine` of the tracks ``rows`` into those rows of ``xc (n, dims)``,
    ``pc (n, dims, dims)``, in place: the track store keeps every track's combined position
    and covariance (the gate's inputs) up to date after each prediction and update."""
    for a in rows:
        _combine_row(x, p, mu, a, xc, pc, a)


@numba.njit(cache=True)
def cholesky(s: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor of a small SPD matrix (NaN factor if not positive definite)."""
    m = s.shape[0]
    low = np.zeros((m, m))
    for i in range(m):
        for j in range(i + 1):
            v = s[i, j]
            for k in range(j):
                v -= low[i, k] * low[j, k]
            if i == j:
                low[i, i] = math.sqrt(v) if v > 0.0 else np.nan
            else:
                low[i, j] = v / low[j, j]
    return low


@numba.njit(cache=True)
def chol_solve(low: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``S^-1 b`` from the Cholesky factor ``low`` of ``S``."""
    m = low.shape[0]
    y = np.empty(m)
    for i in range(m):
        v = b[i]
        for k in range(i):
            v -= low[i, k] * y[k]
        y[i] = v / low[i, i]
    out = np.empty(m)
    for i in range(m - 1, -1, -1):
        v = y[i]
        for k in range(i + 1, m):
            v -= low[k, i] * out[k]
        out[i] = v / low[i, i]
    return out


@numba.njit(cache=True)
def update_pairs(x: np.ndarray, p: np.ndarray, mu: np.ndarray, tracks: np.ndarray,
                 z: np.ndarray, r: np.ndarray, dets: np.ndarray) -> None:
    """Kalman update (Joseph form) of every model of track ``tracks[i]`` with detection
    ``dets[i]``, and the IMM mode probabilities from the model likelihoods, in place.

    ``mu`` holds the predicted mode probabilities on entry (see :func:`imm_predict`).
    """
    n_models, d = x.shape[1], x.shape[2]
    m = z.shape[1]
    s = np.empty((m, m))
    nu = np.empty(m)
    gain = np.empty((d, m))
    ikh = np.empty((d, d))
    tmp = np.empty((d, d))
    new_p = np.empty((d, d))
    log_w = np.empty(n_models)
    for i in range(tracks.size):
        a, j = tracks[i], dets[i]
        for k in range(n_models):
            for e in range(m):
                nu[e] = z[j, e] - x[a, k, e]
                for g in range(m):
                    s[e, g] = p[a, k, e, g] + r[j, e, g]
            low = cholesky(s)
            # K = P H^T S^-1: row e of K solves S k_e = (P H^T)_e (S symmetric)
            for e in range(d):
                row = chol_solve(low, p[a, k, e, :m].copy())
                for g in range(m):
                    gain[e, g] = row[g]
            w = chol_solve(low, nu)
            d2 = 0.0
            log_det = 0.0
            for e in range(m):
                d2 += nu[e] * w[e]
                log_det += 2.0 * math.log(low[e, e])
            log_w[k] = math.log(max(mu[a, k], _TINY)) - 0.5 * (d2 + log_det + m * _LOG_2PI)
            for e in range(d):
                v = 0.0
                for g in range(m):
                    v += gain[e, g] * nu[g]
                x[a, k, e] += v
            for e in range(d):                       # I - K H
                for g in range(d):
                    ikh[e, g] = (1.0 if e == g else 0.0) - (gain[e, g] if g < m else 0.0)
            for e in range(d):                       # (I - K H) P
                for g in range(d):
                    v = 0.0
                    for h in range(d):
                        v += ikh[e, h] * p[a, k, h, g]
                    tmp[e, g] = v
            for e in range(d):                       # ... (I - K H)^T + K R K^T
                for g in range(d):
                    v = 0.0
                    for h in range(d):
                        v += tmp[e, h] * ikh[g, h]
                    for h in range(m):
                        for o in range(m):
                            v += gain[e, h] * r[j, h, o] * gain[g, o]
                    new_p[e, g] = v
            for e in range(d):
                for g in range(d):
                    p[a, k, e, g] = 0.5 * (new_p[e, g] + new_p[g, e])
        top = log_w.max()
        total = 0.0
        for k in range(n_models):
            total += math.exp(log_w[k] - top)
        for k in range(n_models):
            mu[a, k] = math.exp(log_w[k] - top) / total


@numba.njit(cache=True)
def track_logic(age: np.ndarray, hits: np.ndarray, misses: np.ndarray, hit: np.ndarray,
                confirmed: np.ndarray, t_birth: np.ndarray, t_hit: np.ndarray,
                revisit: np.ndarray, now_s: float, confirm_m: int, confirm_n: int,
                delete_misses: int, revisit_s: float, end_of_scan: bool) -> np.ndarray:
    """Track logic of :mod:`iadsim.tracking.manager` (its module notes); returns the tracks to
    delete (n,) bool.

    ``end_of_scan``: first count the scan (``age``, ``hits``, ``misses`` from ``hit``; confirm
    at ``confirm_m`` hits), in place. Deletion is scan-based (M-of-N can no longer be met;
    ``delete_misses`` consecutive misses) when ``revisit_s`` is NaN, else time-based at
    ``now_s`` (s): a tentative track older than ``confirm_n`` × its sensor's ``revisit``, a
    confirmed one not updated for ``delete_misses`` × ``revisit_s``.
    """
    n = age.size
    dead = np.zeros(n, np.bool_)
    by_time = not math.isnan(revisit_s)
    for a in range(n):
        if end_of_scan:
            age[a] += 1
            if hit[a]:
                hits[a] += 1
                misses[a] = 0
            else:
                misses[a] += 1
            if hits[a] >= confirm_m:
                confirmed[a] = True
        if by_time:
            dead[a] = ((not confirmed[a] and now_s - t_birth[a] > confirm_n * revisit[a])
                       or (confirmed[a] and now_s - t_hit[a] > delete_misses * revisit_s))
        elif end_of_scan:
            dead[a] = ((not confirmed[a] and hits[a] + (confirm_n - age[a]) < confirm_m)
                       or (confirmed[a] and misses[a] >= delete_misses))
    return dead


@numba.njit(cache=True)
def _root(parent: np.ndarray, i: int) -> int:
    """Root of ``i`` in a union-find forest, halving the path on the way."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@numba.njit(cache=True)
def pair_clusters(track: np.ndarray, detection: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Connected components (clusters) of the gated pairs in the bipartite graph of tracks and
    detections (union-find with path halving, [Tarjan 1975]), and each pair's place in its
    cluster's cost matrix.

    ``track``, ``detection``: non-negative row positions, one per pair, sorted by track.
    Returns per pair its cluster ``label`` (0, 1, ... in the order of each cluster's first
    pair), ``row`` and ``col`` (ranks of its track and detection among the cluster's distinct
    tracks and detections, in increasing order), and per cluster ``n_rows`` and ``n_cols``.
    """
    n_t = track.max() + 1 if track.size else 0
    n_d = detection.max() + 1 if detection.size else 0
    parent = np.arange(n_t + n_d)
    for k in range(track.size):
        a, b = _root(parent, track[k]), _root(parent, n_t + detection[k])
        if a != b:
            parent[max(a, b)] = min(a, b)
    number = np.full(n_t + n_d, -1, np.int64)
    label = np.empty(track.size, np.int64)
    n = 0
    for k in range(track.size):
        r = _root(parent, track[k])
        if number[r] < 0:
            number[r] = n
            n += 1
        label[k] = number[r]
    n_rows = np.zeros(n, np.int64)
    n_cols = np.zeros(n, np.int64)
    code = np.full(n_t + n_d, -1, np.int64)        # rank of each node in its cluster
    row = np.empty(track.size, np.int64)
    for k in range(track.size):                    # tracks come in increasing order
        t = track[k]
        if code[t] < 0:
            code[t] = n_rows[label[k]]
            n_rows[label[k]] += 1
        row[k] = code[t]
    for k in range(track.size):
        code[n_t + detection[k]] = -2              # present
    for d in range(n_d):                           # detections in increasing order
        if code[n_t + d] == -2:
            c = number[_root(parent, n_t + d)]
            code[n_t + d] = n_cols[c]
            n_cols[c] += 1
    col = np.empty(track.size, np.int64)
    for k in range(track.size):
        col[k] = code[n_t + detection[k]]
    return label, row, col, n_rows, n_cols


@numba.njit(cache=True)
def assignment(cost: np.ndarray) -> np.ndarray:
    """Minimum-cost assignment of every row of ``cost (nr, nc)``, ``nr <= nc``, to a distinct
    column: ``col (nr,)`` (``-1`` in every row if no finite assignment exists).

    The shortest augmenting path algorithm for rectangular problems (Crouse 2016, *On
    implementing 2D rectangular assignment algorithms*, IEEE TAES 52(4), 1679-1696,
    doi:10.1109/TAES.2016.140952, Algorithm 1 and §III-C): one row at a time, a Dijkstra
    search over reduced costs ``c_ij - u_i - v_j`` for the cheapest path to a free column, then
    the dual update and the augmentation. Columns are scanned from the last one down and, among
    equally short paths, one ending at a free column is taken: the tie rules of
    :func:`scipy.optimize.linear_sum_assignment` (which implements the same paper), so both give
    the same assignment (tested).
    """
    nr, nc = cost.shape
    c = cost - cost.min() if cost.size else cost.copy()     # non-negative costs
    u = np.zeros(nr)
    v = np.zeros(nc)
    shortest = np.empty(nc)
    path = np.full(nc, -1, np.int64)
    col4row = np.full(nr, -1, np.int64)
    row4col = np.full(nc, -1, np.int64)
    in_rows = np.zeros(nr, np.bool_)
    in_cols = np.zeros(nc, np.bool_)
    remaining = np.empty(nc, np.int64)
    for cur in range(nr):
        for it in range(nc):
            remaining[it] = nc - it - 1
        n_left = nc
        in_rows[:] = False
        in_cols[:] = False
        shortest[:] = np.inf
        min_val = 0.0
        i = cur
        sink = -1
        while sink == -1:
            index = -1
            lowest = np.inf
            in_rows[i] = True
            for it in range(n_left):
                j = remaining[it]
                red = min_val + c[i, j] - u[i] - v[j]
                if red < shortest[j]:
                    path[j] = i
                    shortest[j] = red
                if shortest[j] < lowest or (shortest[j] == lowest and row4col[j] == -1):
                    lowest = shortest[j]
                    index = it
            min_val = lowest
            if min_val == np.inf:                          # infeasible
                col4row[:] = -1
                return col4row
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            in_cols[j] = True
            n_left -= 1
            remaining[index] = remaining[n_left]
        u[cur] += min_val
        for i in range(nr):
            if in_rows[i] and i != cur:
                u[i] += min_val - shortest[col4row[i]]
        for j in range(nc):
            if in_cols[j]:
                v[j] -= min_val - shortest[j]
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            col4row[i], j = j, col4row[i]
            if i == cur:
                break
    return col4row


@numba.njit(cache=True)
def gnn_clusters(track: np.ndarray, detection: np.ndarray, d2: np.ndarray, n_tracks: int,
                 miss_cost: float, forbidden_cost: float) -> np.ndarray:
    """GNN assignment of gated pairs (``track``, ``detection``, ``d2``, sorted by track), one
    connected component at a time (:func:`pair_clusters`): a lone pair is assigned when
    ``d2 <= miss_cost``; a larger cluster of ``a`` tracks and ``b`` detections is solved by
    :func:`assignment` on its ``(a, b + a)`` matrix (``d2`` for gated pairs, ``forbidden_cost``
    elsewhere, ``miss_cost`` on the diagonal of the "not assigned" block). Returns the
    assigned detection of each of the ``n_tracks`` tracks, ``-1`` if none."""
    assigned = np.full(n_tracks, -1, np.int64)
    if track.size == 0:
        return assigned
    label, t_row, d_col, n_rows, n_cols = pair_clusters(track, detection)
    order = np.argsort(label, kind="mergesort")    # by cluster, then track and detection
    sizes = np.bincount(label)
    start = 0
    for cluster in range(sizes.size):
        mine = order[start:start + sizes[cluster]]
        start += sizes[cluster]
        if mine.size == 1:
            k = mine[0]
            if d2[k] <= miss_cost:
                assigned[track[k]] = detection[k]
            continue
        na, nb = n_rows[cluster], n_cols[cluster]
        cost = np.full((na, nb + na), forbidden_cost)
        back_t = np.empty(na, np.int64)
        back_d = np.empty(nb, np.int64)
        for k in mine:
            cost[t_row[k], d_col[k]] = d2[k]
            back_t[t_row[k]] = track[k]
            back_d[d_col[k]] = detection[k]
        for a in range(na):
            cost[a, nb + a] = miss_cost
        col = assignment(cost)
        for a in range(na):
            if 0 <= col[a] < nb:
                assigned[back_t[a]] = back_d[col[a]]
    return assigned


@numba.njit(cache=True)
def gate_pairs(z_pred: np.ndarray, hph: np.ndarray, rows: np.ndarray, z: np.ndarray,
                 r: np.ndarray, cols: np.ndarray, gamma: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Chi-square gate of tracks ``rows`` (positions ``z_pred``, covariances ``hph``: leading
    ``m`` components read) against detections ``cols``: the pairs with ``d2 <= gamma`` as
    ``(track, detection, d2)`` arrays (positions in ``rows`` / ``cols``, sorted by track then
    detection), and whether a track or a detection is in two of them (the assignment then needs
    a solver).

    Spatial pruning (:mod:`iadsim.tracking.association`): the detections are sorted along the
    horizontal axis on which they spread most; a track outside the detections' bounding box
    grown by its distance bound is skipped, the others visit only the detections within that
    bound along the axis (binary search), and the exact ``d2`` (Cholesky solve) is computed
    for those within the bound in all axes. The cost is ``O((n + k) log k)`` plus the pairs
    near each other, instead of ``O(n k)``.
    """
    m = z.shape[1]
    k = cols.size
    max_tr = 0.0
    for b in range(k):
        tr = 0.0
        for e in range(m):
            tr += r[cols[b], e, e]
        max_tr = max(max_tr, tr)
    lo = np.full(m, np.inf)                        # bounding box of the detections
    hi = np.full(m, -np.inf)
    for e in range(m):
        for b in range(k):
            lo[e] = min(lo[e], z[cols[b], e])
            hi[e] = max(hi[e], z[cols[b], e])
    axis = 1 if m > 1 and hi[1] - lo[1] > hi[0] - lo[0] else 0
    key = np.empty(k)
    for b in range(k):
        key[b] = z[cols[b], axis]
    order = np.argsort(key)
    key = key[order]
    near = np.empty(k, np.int64)
    used = np.zeros(k, np.bool_)
    conflict = False
    cap = 16
    out_t = np.empty(cap, np.int64)
    out_d = np.empty(cap, np.int64)
    out_g = np.empty(cap)
    count = 0
    nu = np.empty(m)
    s = np.empty((m, m))
    for a in range(rows.size):
        t = rows[a]
        tr = 0.0
        for e in range(m):
            tr += hph[t, e, e]
        radius2 = gamma * (tr + max_tr)
        reach = math.sqrt(radius2) * (1.0 + 1e-9)
        outside = False
        for e in range(m):
            outside = outside or z_pred[t, e] < lo[e] - reach or z_pred[t, e] > hi[e] + reach
        if outside:
            continue
        first = np.searchsorted(key, z_pred[t, axis] - reach)
        last = np.searchsorted(key, z_pred[t, axis] + reach, side="right")
        n_near = 0
        for q in range(first, last):
            b = order[q]
            dist2 = 0.0
            for e in range(m):
                dist2 += (z[cols[b], e] - z_pred[t, e]) ** 2
            if dist2 <= radius2:
                near[n_near] = b
                n_near += 1
        for b in np.sort(near[:n_near]):
            j = cols[b]
            for e in range(m):
                nu[e] = z[j, e] - z_pred[t, e]
            for e in range(m):
                for g in range(m):
                    s[e, g] = hph[t, e, g] + r[j, e, g]
            sol = chol_solve(cholesky(s), nu)
            d2 = 0.0
            for e in range(m):
                d2 += nu[e] * sol[e]
            if not d2 <= gamma:
                continue
            if count == cap:
                cap *= 2
                out_t = np.concatenate((out_t, np.empty(cap - count, np.int64)))
                out_d = np.concatenate((out_d, np.empty(cap - count, np.int64)))
                out_g = np.concatenate((out_g, np.empty(cap - count)))
            conflict = conflict or used[b] or (count > 0 and out_t[count - 1] == a)
            used[b] = True
            out_t[count] = a
            out_d[count] = b
            out_g[count] = d2
            count += 1
    return out_t[:count], out_d[:count], out_g[:count], conflict


@numba.njit(cache=True)
def apply_pairs(x: np.ndarray, p: np.ndarray, mu: np.ndarray, hit: np.ndarray,
                detection: np.ndarray, reported: np.ndarray, t_hit: np.ndarray,
                xc: np.ndarray, pc: np.ndarray, tracks: np.ndarray, z: np.ndarray,
                r: np.ndarray, dets: np.ndarray, index: np.ndarray, time_s: float) -> None:
    """:func:`update_pairs`, then refresh the updated tracks' combined positions ``xc``,
    ``pc`` (:func:`combine_rows`) and mark each hit at ``time_s`` by input row
    ``index[dets[i]]`` (``hit``, ``detection``, ``reported``, ``t_hit``), in place."""
    update_pairs(x, p, mu, tracks, z, r, dets)
    combine_rows(x, p, mu, tracks, xc, pc)
    for i in range(tracks.size):
        a = tracks[i]
        hit[a] = True
        detection[a] = index[dets[i]]
        reported[a] = index[dets[i]]
        t_hit[a] = time_s


@numba.njit(cache=True)
def associate_group(x: np.ndarray, p: np.ndarray, mu: np.ndarray, confirmed: np.ndarray,
                    hit: np.ndarray, detection: np.ndarray, reported: np.ndarray,
                    t_hit: np.ndarray, xc: np.ndarray, pc: np.ndarray, z: np.ndarray,
                    r: np.ndarray, index: np.ndarray, free: np.ndarray, want_confirmed: bool,
                    gamma: float, forbidden_cost: float, time_s: float) -> None:
    """One association pass of a scan, in place: GNN of the tracks with ``confirmed ==
    want_confirmed`` (combined positions ``xc``, ``pc``, kept up to date) and the ``free``
    detections, then the update of the assigned tracks (:func:`apply_pairs`); their
    detections are cleared from ``free``.

    The gated pairs are those of :func:`gate_pairs`; when none conflicts (a track or detection
    in two pairs) each is its own GNN optimum, else :func:`gnn_clusters` solves the assignment
    with miss cost ``gamma`` (as :func:`iadsim.tracking.association.assign_pairs`).
    """
    rows = np.flatnonzero(confirmed == want_confirmed)
    cols = np.flatnonzero(free)
    t, d, d2, conflict = gate_pairs(xc, pc, rows, z, r, cols, gamma)
    if conflict:
        chosen = gnn_clusters(t, d, d2, rows.size, gamma, forbidden_cost)
        t = np.flatnonzero(chosen >= 0)
        d = chosen[t]
    apply_pairs(x, p, mu, hit, detection, reported, t_hit, xc, pc, rows[t], z, r, cols[d],
                index, time_s)
    free[cols[d]] = False


@numba.njit(cache=True)
def associate_scan(ids: np.ndarray, x: np.ndarray, p: np.ndarray, mu: np.ndarray,
                   confirmed: np.ndarray, age: np.ndarray, hits: np.ndarray, misses: np.ndarray,
                   hit: np.ndarray, detection: np.ndarray, t_birth: np.ndarray,
                   t_hit: np.ndarray, revisit: np.ndarray, reported: np.ndarray,
                   xc: np.ndarray, pc: np.ndarray, n: int, next_id: int, z: np.ndarray,
                   r: np.ndarray, index: np.ndarray, gamma: float, forbidden_cost: float,
                   time_s: float, mu0: np.ndarray, velocity_var: float, revisit_s: float
                   ) -> tuple[int, int]:
    """One sensor's detections at one scan: the association passes of the confirmed tracks,
    then of the tentative tracks on the detections left over (:func:`associate_group`), then
    a tentative track per detection still free, appended at row ``n`` (single-point
    initiation of :mod:`iadsim.tracking.manager`: position and its covariance from the
    detection, velocity 0 with variance ``velocity_var`` m^2/s^2 per axis, mode probabilities
    ``mu0``, revisit interval ``revisit_s``).

    The track fields are the whole buffers of the track store (live rows ``:n``; room for
    ``n + len(z)`` rows); ``xc (., m)``, ``pc (., m, m)`` are the combined positions of the
    live tracks (:func:`combine_rows`), read by the gate and kept up to date here.
    Returns the new ``n, next_id``.
    """
    free = np.ones(z.shape[0], np.bool_)
    for want_confirmed in (True, False):
        associate_group(x[:n], p[:n], mu[:n], confirmed[:n], hit[:n], detection[:n],
                        reported[:n], t_hit[:n], xc, pc, z, r, index, free, want_confirmed,
                        gamma, forbidden_cost, time_s)
    m = z.shape[1]
    for b in range(z.shape[0]):
        if not free[b]:
            continue
        ids[n] = next_id
        x[n] = 0.0
        p[n] = 0.0
        for j in range(x.shape[1]):
            for e in range(m):
                x[n, j, e] = z[b, e]
                p[n, j, m + e, m + e] = velocity_var
                for g in range(m):
                    p[n, j, e, g] = r[b, e, g]
        mu[n] = mu0
        confirmed[n] = False
        age[n], hits[n], misses[n] = 0, 0, 0
        hit[n] = True
        detection[n], reported[n] = index[b], index[b]
        t_birth[n], t_hit[n] = time_s, time_s
        revisit[n] = revisit_s
        _combine_row(x, p, mu, n, xc, pc, n)
        n += 1
        next_id += 1
    return n, next_id


@numba.njit(cache=True)
def scan_layout(time_s: np.ndarray, sensor: np.ndarray, rows: np.ndarray, previous_s: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sensor groups and scans of detection rows ``rows`` (sorted by ``time_s``, then
    ``sensor``): ``group_start (G + 1,)``, positions in ``rows`` where a time or sensor
    starts; ``scan_start (S + 1,)``, groups where a time starts; each scan's time
    ``scan_s (S,)`` and its step ``dt (S,)`` from the previous scan (the first from
    ``previous_s``)."""
    k = rows.size
    group_start = np.empty(k + 1, np.int64)
    scan_start = np.empty(k + 1, np.int64)
    scan_s = np.empty(k)
    dt = np.empty(k)
    n_groups = n_scans = 0
    for i in range(k):
        t, c = time_s[rows[i]], sensor[rows[i]]
        new_time = i == 0 or t != time_s[rows[i - 1]]
        if new_time or c != sensor[rows[i - 1]]:
            if new_time:
                scan_start[n_scans] = n_groups
                scan_s[n_scans] = t
                dt[n_scans] = t - (previous_s if n_scans == 0 else scan_s[n_scans - 1])
                n_scans += 1
            group_start[n_groups] = i
            n_groups += 1
    group_start[n_groups] = k
    scan_start[n_scans] = n_groups
    return group_start[:n_groups + 1], scan_start[:n_scans + 1], scan_s[:n_scans], dt[:n_scans]


@numba.njit(cache=True)
def process_scans(ids: np.ndarray, x: np.ndarray, p: np.ndarray, mu: np.ndarray,
                  confirmed: np.ndarray, age: np.ndarray, hits: np.ndarray, misses: np.ndarray,
                  hit: np.ndarray, detection: np.ndarray, t_birth: np.ndarray,
                  t_hit: np.ndarray, revisit: np.ndarray, reported: np.ndarray,
                  xc: np.ndarray, pc: np.ndarray, n: int, next_id: int, clock: float,
                  z: np.ndarray, r: np.ndarray, index: np.ndarray, sensor: np.ndarray,
                  rows: np.ndarray, group_start: np.ndarray, scan_start: np.ndarray,
                  dt: np.ndarray, f: np.ndarray, q: np.ndarray, transition: np.ndarray,
                  sensor_revisit: np.ndarray, first_scan: int, one_scan: bool, gamma: float,
                  forbidden_cost: float, mu0: np.ndarray, velocity_var: float, confirm_m: int,
                  confirm_n: int, delete_misses: int, revisit_s: float
                  ) -> tuple[int, int, float, int]:
    """Scans of detections, from scan ``first_scan`` to the last (or that one only when
    ``one_scan``), in place in the track store's buffers (as :func:`associate_scan`, with room
    for ``n + len(rows)`` rows): the tracker's whole scan loop (:mod:`iadsim.tracking.manager`).

    Detections ``z (k, m)``, ``r (k, m, m)``, ``index (k,)`` (global indices), ``sensor (k,)``
    (codes into ``sensor_revisit``, the revisit interval of the tracks each sensor starts) are
    processed in the order ``rows``, in the groups and scans of :func:`scan_layout`
    (``group_start``, ``scan_start``, ``dt``): scan ``s`` advances the filter ``clock`` by
    ``dt[s]``, with transition and process-noise matrices ``f[s]``, ``q[s] (r, d, d)`` (read
    when ``dt[s] > 0``).

    Per scan: IMM prediction of every track and its combined position (when ``dt > 0``), the
    scan flags reset, :func:`associate_scan` per sensor group, then :func:`prune` at the clock
    (end of scan). Returns ``n, next_id, clock`` and the next scan to process.
    """
    last = scan_start.size - 1
    if one_scan:
        last = min(last, first_scan + 1)
    for s in range(first_scan, last):
        clock += dt[s]
        if dt[s] > 0.0 and n > 0:
            _predict_rows(x, p, mu, n, transition, f[s], q[s], xc, pc)
        hit[:n] = False
        detection[:n] = -1
        for g in range(scan_start[s], scan_start[s + 1]):
            group = rows[group_start[g]:group_start[g + 1]]
            n, next_id = associate_scan(
                ids, x, p, mu, confirmed, age, hits, misses, hit, detection, t_birth, t_hit,
                revisit, reported, xc, pc, n, next_id, z[group], r[group], index[group], gamma,
                forbidden_cost, clock, mu0, velocity_var, sensor_revisit[sensor[group[0]]])
        n = prune(ids, x, p, mu, confirmed, age, hits, misses, hit, detection, t_birth, t_hit,
                  revisit, reported, xc, pc, n, clock, confirm_m, confirm_n, delete_misses,
                  revisit_s, True)
    return n, next_id, clock, last


@numba.njit(cache=True)
def prune(ids: np.ndarray, x: np.ndarray, p: np.ndarray, mu: np.ndarray,
          confirmed: np.ndarray, age: np.ndarray, hits: np.ndarray, misses: np.ndarray,
          hit: np.ndarray, detection: np.ndarray, t_birth: np.ndarray, t_hit: np.ndarray,
          revisit: np.ndarray, reported: np.ndarray, xc: np.ndarray, pc: np.ndarray, n: int,
          now_s: float, confirm_m: int, confirm_n: int, delete_misses: int, revisit_s: float,
          end_of_scan: bool) -> int:
    """:func:`track_logic` on the live rows ``:n`` of the track store's buffers, then the
    deleted tracks removed in place (survivors keep their order); returns the new count."""
    dead = track_logic(age[:n], hits[:n], misses[:n], hit[:n], confirmed[:n], t_birth[:n],
                       t_hit[:n], revisit[:n], now_s, confirm_m, confirm_n, delete_misses,
                       revisit_s, end_of_scan)
    k = 0
    for a in range(n):
        if dead[a]:
            continue
        if k != a:
            ids[k], confirmed[k], age[k] = ids[a], confirmed[a], age[a]
            hits[k], misses[k] = hits[a], misses[a]
            hit[k], detection[k], reported[k] = hit[a], detection[a], reported[a]
            t_birth[k], t_hit[k], revisit[k] = t_birth[a], t_hit[a], revisit[a]
            x[k] = x[a]
            p[k] = p[a]
            mu[k] = mu[a]
            xc[k] = xc[a]
            pc[k] = pc[a]
        k += 1
    return k


#: Smallest pivot, relative to its diagonal entry, of a covariance that :func:`spd_check`
#: accepts without LAPACK (far above the rounding differences between Cholesky codes).
_SPD_MARGIN = 1e-4


@numba.njit(cache=True)
def spd_check(time_s: np.ndarray, z: np.ndarray, r: np.ndarray) -> int:
    """Check detections ``time_s (k,)``, ``z (k, m)``, ``r (k, m, m)`` in one pass: 1 if a value
    is not finite; else 2 if a matrix ``r`` is not exactly symmetric; else 0 if every ``r``
    is clearly positive definite, 3 if one is not clearly so.

    "Clearly": every diagonal entry in ``[1e-100, 1e100]`` and every Cholesky pivot (before
    its square root) above ``_SPD_MARGIN`` times its diagonal entry. Cholesky codes (this
    one, LAPACK's ``potrf``) differ only by rounding, far less than that margin, so a
    matrix accepted here is positive definite to them all; on 3 the caller decides with
    LAPACK (``numpy.linalg.cholesky``), which keeps the verdict of every matrix exactly
    LAPACK's.
    """
    k, m = z.shape
    for a in range(k):
        if not math.isfinite(time_s[a]):
            return 1
        for e in range(m):
            if not math.isfinite(z[a, e]):
                return 1
            for g in range(m):
                if not math.isfinite(r[a, e, g]):
                    return 1
    for a in range(k):
        for e in range(m):
            for g in range(e):
                if r[a, e, g] != r[a, g, e]:
                    return 2
    clear = True
    low = np.empty((m, m))
    for a in range(k):
        for i in range(m):
            diag = r[a, i, i]
            clear = clear and 1e-100 <= diag <= 1e100
            for j in range(i + 1):
                v = r[a, i, j]
                for h in range(j):
                    v -= low[i, h] * low[j, h]
                if i == j:
                    clear = clear and v > _SPD_MARGIN * diag
                    low[i, i] = math.sqrt(max(v, _TINY))
                else:
                    low[i, j] = v / low[j, j]
    return 0 if clear else 3
