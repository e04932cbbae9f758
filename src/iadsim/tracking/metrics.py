"""Multi-target tracking performance: OSPA, GOSPA and track-level measures.

Set distances compare, at one instant, the set of true target positions ``X`` with the set of
track positions ``Y`` (both in m, in the same Cartesian frame). Track-level measures
(completeness, breaks, false tracks, identity swaps) follow each truth through time using the
per-time optimal assignment within the cut-off distance ``c`` — the same assignment that
minimises GOSPA.

References
----------
.. [1] D. Schuhmacher, B.-T. Vo, B.-N. Vo, "A consistent metric for performance evaluation of
   multi-object filters", IEEE Trans. Signal Processing 56(8), 3447-3457, 2008 (OSPA, eq. (3)
   and Sec. III-B for the localisation/cardinality reading).
.. [2] A. S. Rahmathullah, Á. F. García-Fernández, L. Svensson, "Generalized optimal
   sub-pattern assignment metric", 20th Int. Conf. on Information Fusion, 2017,
   arXiv:1601.05585 (GOSPA, Definition 1; α = 2 assignment form and decomposition, Prop. 1).
.. [3] K. Bernardin, R. Stiefelhagen, "Evaluating multiple object tracking performance: the
   CLEAR MOT metrics", EURASIP J. Image and Video Processing, 2008 (identity switches counted
   against the last assigned identity, Sec. 2.1).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

DEFAULT_DIMS = ("x_m", "y_m", "z_m")
"""Position columns compared by default (command-post ENU frame)."""


class _Match(NamedTuple):
    """Optimal cut-off assignment between two point sets at one instant."""

    truth_index: NDArray[np.intp]
    """Rows of ``X`` assigned within the cut-off (distance < c)."""
    track_index: NDArray[np.intp]
    """Rows of ``Y`` paired with ``truth_index``."""
    cutoff_sum: float
    """Σ min(d, c)^p over all min(m, n) assigned pairs, m^p."""
    localisation: float
    """Σ d^p over pairs with d < c, m^p."""


def _points(points: ArrayLike) -> NDArray[np.float64]:
    """A point set as a float64 array of shape ``(m, d)``; ``[]`` is the empty set."""
    arr = np.asarray(points, dtype=np.float64)
    if arr.size == 0:
        return arr.reshape(0, arr.shape[-1] if arr.ndim == 2 else 0)
    if arr.ndim != 2:
        raise ValueError(f"a point set must have shape (m, d), got {arr.shape}")
    return arr


def _check_order(c: float, p: float) -> None:
    if not (np.isfinite(c) and c > 0):
        raise ValueError(f"cut-off c must be a positive finite distance, got {c}")
    if not (np.isfinite(p) and p >= 1):
        raise ValueError(f"order p must satisfy 1 <= p < inf, got {p}")


def _match(X: NDArray[np.float64], Y: NDArray[np.float64], c: float, p: float) -> _Match:
    """Assignment minimising Σ min(d(x, y), c)^p (Hungarian method, ``linear_sum_assignment``)."""
    empty = np.empty(0, dtype=np.intp)
    if len(X) == 0 or len(Y) == 0:
        return _Match(empty, empty, 0.0, 0.0)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"point dimensions differ: {X.shape[1]} and {Y.shape[1]}")
    d_cut = np.minimum(cdist(X, Y), c)
    rows, cols = linear_sum_assignment(d_cut**p)
    d_pair = d_cut[rows, cols]
    inside = d_pair < c
    return _Match(rows[inside], cols[inside], float(np.sum(d_pair**p)),
                  float(np.sum(d_pair[inside] ** p)))


def _ospa_value(match: _Match, m: int, n: int, c: float, p: float) -> float:
    if m == n == 0:
        return 0.0
    return float(((match.cutoff_sum + c**p * abs(m - n)) / max(m, n)) ** (1.0 / p))


def _gospa_value(match: _Match, m: int, n: int, c: float, p: float, alpha: float) -> dict[str, float]:
    total = float((match.cutoff_sum + c**p / alpha * abs(m - n)) ** (1.0 / p))
    if alpha != 2.0:
        nan = float("nan")
        return {"total": total, "localisation": nan, "missed": nan, "false": nan}
    k = len(match.truth_index)
    return {"total": total, "localisation": match.localisation,
            "missed": c**p / 2.0 * (m - k), "false": c**p / 2.0 * (n - k)}


def ospa(X: ArrayLike, Y: ArrayLike, c: float, p: float = 1.0) -> float:
    """Optimal sub-pattern assignment (OSPA) distance between two finite point sets.

    For ``m = |X| <= n = |Y|`` (otherwise swap),
    ``d = ((1/n) (min_π Σ_i min(d(x_i, y_π(i)), c)^p + c^p (n - m)))^(1/p)``
    with the Euclidean base distance; ``d = 0`` when both sets are empty and ``d = c`` when
    exactly one is ([1]_, eq. (3)).

    Parameters
    ----------
    X, Y : array_like, shape (m, d) and (n, d)
        Point sets, m (``[]`` for the empty set).
    c : float
        Cut-off distance, m: the penalty for a missing or extra point and the largest
        localisation error counted.
    p : float
        Order, ``1 <= p < inf``.

    Returns
    -------
    float
        OSPA distance, m, in ``[0, c]``.

    References
    ----------
    .. [1] Schuhmacher, Vo & Vo (2008), eq. (3).

    Examples
    --------
    >>> ospa([[0.0, 0.0]], [[3.0, 4.0]], c=10.0)
    5.0
    >>> ospa([[0.0, 0.0]], [[0.0, 0.0], [50.0, 0.0]], c=10.0)  # (0 + 10) / 2
    5.0
    """
    _check_order(c, p)
    x, y = _points(X), _points(Y)
    return _ospa_value(_match(x, y, c, p), len(x), len(y), c, p)


def gospa(X: ArrayLike, Y: ArrayLike, c: float, p: float = 1.0, alpha: float = 2.0) -> dict[str, float]:
    """Generalised OSPA (GOSPA) distance and, for ``alpha = 2``, its decomposition.

    ``d = (min_π Σ_i min(d(x_i, y_π(i)), c)^p + (c^p / α) |n - m|)^(1/p)`` ([2]_, Def. 1).
    For α = 2 this equals ``(Σ_assigned d^p + (c^p/2) (#missed + #false))^(1/p)`` where only
    pairs closer than ``c`` are assigned ([2]_, Prop. 1), so
    ``total**p == localisation + missed + false``. ``X`` is the truth, ``Y`` the estimates:
    an unassigned truth is *missed*, an unassigned estimate is *false*. No normalisation by
    the cardinality, so d grows with the number of errors; ``d = 0`` for two empty sets.

    Parameters
    ----------
    X : array_like, shape (m, d)
        True positions, m (``[]`` for none).
    Y : array_like, shape (n, d)
        Estimated positions, m.
    c : float
        Cut-off distance, m.
    p : float
        Order, ``1 <= p < inf``.
    alpha : float
        Cardinality-mismatch parameter, ``0 < alpha <= 2``; 2 gives the decomposable form.

    Returns
    -------
    dict
        ``total`` (m); ``localisation``, ``missed`` and ``false`` in m^p (NaN unless
        ``alpha == 2``).

    References
    ----------
    .. [2] Rahmathullah, García-Fernández & Svensson (2017), Def. 1 and Prop. 1.

    Examples
    --------
    >>> g = gospa([[0.0, 0.0]], [[3.0, 4.0], [100.0, 0.0]], c=10.0)  # 5 + 10/2
    >>> g["total"], g["localisation"], g["missed"], g["false"]
    (10.0, 5.0, 0.0, 5.0)
    """
    _check_order(c, p)
    if not 0.0 < alpha <= 2.0:
        raise ValueError(f"alpha must satisfy 0 < alpha <= 2, got {alpha}")
    x, y = _points(X), _points(Y)
    return _gospa_value(_match(x, y, c, p), len(x), len(y), c, p, alpha)


def _truth_series(truth: pd.DataFrame, dims: Sequence[str]) -> Iterator[tuple]:
    """``(truth_id, time_s, positions (k, len(dims)))`` per truth id in sorted id order, time-sorted.

    Missing ids are skipped (as ``groupby`` does); times are ordered stably, s.
    """
    ordered = truth.sort_values("time_s", kind="stable")
    codes, truth_ids = pd.factorize(ordered["truth_id"], sort=True)
    by_truth = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[by_truth], np.arange(len(truth_ids) + 1))
    time_s = ordered["time_s"].to_numpy(np.float64)[by_truth]
    positions = ordered[list(dims)].to_numpy(np.float64)[by_truth]
    for code, truth_id in enumerate(truth_ids.tolist()):
        rows = slice(bounds[code], bounds[code + 1])
        yield truth_id, time_s[rows], positions[rows]


def _truth_at(truth: pd.DataFrame, times_s: NDArray[np.float64],
              dims: Sequence[str]) -> tuple[NDArray[np.intp], NDArray, NDArray[np.float64]]:
    """Truth positions linearly interpolated to ``times_s`` inside each truth's own time span.

    Returns the time index (into ``times_s``), truth id and position ``(k, len(dims))`` of every
    (time, truth) sample, ordered by time index.
    """
    time_index, ids, positions = [], [], []
    for truth_id, t, xyz in _truth_series(truth, dims):
        inside = np.flatnonzero((times_s >= t[0]) & (times_s <= t[-1]))
        time_index.append(inside)
        ids.append(np.full(len(inside), truth_id, dtype=object))
        positions.append(np.column_stack([np.interp(times_s[inside], t, v) for v in xyz.T]))
    if not time_index:
        return np.empty(0, np.intp), np.empty(0, object), np.empty((0, len(dims)))
    k = np.concatenate(time_index)
    order = np.argsort(k, kind="stable")
    return k[order], np.concatenate(ids)[order], np.concatenate(positions)[order]


def _check_columns(frame: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    missing = [col for col in columns if col not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; has {list(frame.columns)} "
                         "(for 2-D tracks pass dims=('x_m', 'y_m'))")


def _evaluate(truth: pd.DataFrame, tracks: pd.DataFrame, c_m: float, p: float,
              dims: Sequence[str], confirmed_only: bool,
              times_s: ArrayLike | None) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """Per-time set distances and the per-(time, truth) assigned track.

    Returns the per-time table of :func:`ospa_over_time`; a table with one row per
    (evaluation time, existing truth), ``time_s, truth_id, track_code``, where ``track_code``
    indexes the third result, the evaluated track ids (-1: no track within ``c_m`` in the
    optimal assignment).
    """
    _check_order(c_m, p)
    _check_columns(truth, "truth", ["time_s", "truth_id", *dims])
    _check_columns(tracks, "tracks", ["time_s", "track_id", "status", *dims])
    times = np.unique(np.asarray(tracks["time_s"] if times_s is None else times_s, np.float64))
    evaluated = tracks[tracks["status"] == "confirmed"] if confirmed_only else tracks
    evaluated = evaluated[np.isin(evaluated["time_s"].to_numpy(np.float64), times)]
    evaluated = evaluated.sort_values("time_s", kind="stable")
    track_codes, track_ids = pd.factorize(evaluated["track_id"])
    track_pos = evaluated[list(dims)].to_numpy(np.float64)
    track_start = np.searchsorted(evaluated["time_s"].to_numpy(np.float64), times, side="left")
    track_stop = np.append(track_start[1:], len(evaluated))

    truth_k, truth_id, truth_pos = _truth_at(truth, times, dims)
    truth_start = np.searchsorted(truth_k, np.arange(len(times) + 1), side="left")

    rows = np.empty((len(times), 8))
    assigned = np.full(len(truth_k), -1, dtype=np.intp)
    for k in range(len(times)):
        X = truth_pos[truth_start[k]:truth_start[k + 1]]
        Y = track_pos[track_start[k]:track_stop[k]]
        match = _match(X, Y, c_m, p)
        g = _gospa_value(match, len(X), len(Y), c_m, p, 2.0)
        rows[k] = (times[k], _ospa_value(match, len(X), len(Y), c_m, p), g["total"],
                   g["localisation"] ** (1.0 / p), g["missed"] ** (1.0 / p),
                   g["false"] ** (1.0 / p), len(X), len(Y))
        assigned[truth_start[k] + match.truth_index] = \
            track_codes[track_start[k] + match.track_index]

    per_time = pd.DataFrame(rows, columns=["time_s", "ospa_m", "gospa_m", "gospa_localisation_m",
                                           "gospa_missed_m", "gospa_false_m", "n_truth",
                                           "n_tracks"])
    per_time = per_time.astype({"n_truth": np.int64, "n_tracks": np.int64})
    per_time.attrs.update(c_m=float(c_m), p=float(p))
    samples = pd.DataFrame({"time_s": times[truth_k], "truth_id": truth_id,
                            "track_code": assigned})
    return per_time, samples, track_ids.tolist()


def ospa_over_time(truth: pd.DataFrame, tracks: pd.DataFrame, c_m: float, p: float = 1.0,
                   dims: Sequence[str] = DEFAULT_DIMS, confirmed_only: bool = True,
                   times_s: ArrayLike | None = None) -> pd.DataFrame:
    """OSPA and GOSPA (α = 2, with its components) between truth and tracks at each time.

    Parameters
    ----------
    truth : pandas.DataFrame
        Columns ``time_s, truth_id`` and ``dims``, one row per (time, object) while the object
        exists. Positions are interpolated linearly per ``truth_id`` to the evaluation times; a
        truth counts only within its own ``[first, last]`` time.
    tracks : pandas.DataFrame
        Tracker output (``time_s, track_id, status`` and ``dims``), see
        :func:`iadsim.tracking.run_tracker`.
    c_m : float
        Cut-off distance, m.
    p : float
        Order, ``1 <= p < inf``.
    dims : sequence of str
        Position columns compared (same frame in both tables), m.
    confirmed_only : bool
        Compare only tracks with ``status == 'confirmed'``.
    times_s : array_like, optional
        Evaluation times, s; default every time in ``tracks`` (every scan with a live track).
        Pass the scan times to also score scans on which the tracker held no track.

    Returns
    -------
    pandas.DataFrame
        ``time_s, ospa_m, gospa_m, gospa_localisation_m, gospa_missed_m, gospa_false_m,
        n_truth, n_tracks``. Each GOSPA component is its term of the decomposition raised to
        ``1/p`` (the convention of García-Fernández et al.), so for p = 1 the components sum to
        ``gospa_m`` and for p > 1 ``gospa_m**p`` is the sum of their p-th powers.
        ``attrs`` hold ``c_m`` and ``p``.

    References
    ----------
    Schuhmacher, Vo & Vo (2008); Rahmathullah, García-Fernández & Svensson (2017).
    """
    return _evaluate(truth, tracks, c_m, p, dims, confirmed_only, times_s)[0]


def track_metrics(truth: pd.DataFrame, tracks: pd.DataFrame, c_m: float, p: float = 1.0,
                  dims: Sequence[str] = DEFAULT_DIMS, confirmed_only: bool = True,
                  times_s: ArrayLike | None = None) -> dict:
    """Summary of tracking performance: set distances and track-level measures.

    At each evaluation time truths and tracks are paired by the assignment that minimises
    GOSPA (α = 2); a truth is *covered* when a track is paired with it within ``c_m``.

    Parameters
    ----------
    truth, tracks, c_m, p, dims, confirmed_only, times_s
        As for :func:`ospa_over_time`.

    Returns
    -------
    dict
        ``ospa_mean_m``, ``ospa_max_m``, ``gospa_mean_m``, ``gospa_localisation_mean_m``,
        ``gospa_missed_mean_m``, ``gospa_false_mean_m`` (arithmetic means over evaluation
        times, m);
        ``track_completeness`` — fraction of (truth, evaluation time) samples that are covered
        (the fraction of truth-time for evenly spaced evaluation times);
        ``track_breaks`` — number of times a truth goes from covered to uncovered and later
        back to covered (late initiation and final loss are not breaks);
        ``id_swaps`` — number of times a covered truth is paired with a different track than
        the one it was last paired with, gaps included (CLEAR MOT identity switch [3]_);
        ``false_tracks`` and ``false_track_ids`` — evaluated tracks never paired with any
        truth;
        ``n_truths`` — truths existing at one or more evaluation times; ``n_tracks`` —
        evaluated track ids;
        ``per_truth`` — one record per truth: ``truth_id, n_samples, completeness,
        track_breaks, id_swaps``.
        Plain Python values throughout (JSON-serialisable).

    References
    ----------
    .. [3] Bernardin & Stiefelhagen (2008), Sec. 2.1 (mismatches).
    """
    return evaluate_tracking(truth, tracks, c_m, p, dims, confirmed_only, times_s)[1]


def evaluate_tracking(truth: pd.DataFrame, tracks: pd.DataFrame, c_m: float, p: float = 1.0,
                      dims: Sequence[str] = DEFAULT_DIMS, confirmed_only: bool = True,
                      times_s: ArrayLike | None = None) -> tuple[pd.DataFrame, dict]:
    """:func:`ospa_over_time` and :func:`track_metrics` from one assignment pass.

    Parameters are those of :func:`ospa_over_time`; returns ``(per-time table, summary dict)``,
    equal to what the two functions return separately.
    """
    per_time, samples, track_ids = _evaluate(truth, tracks, c_m, p, dims, confirmed_only, times_s)
    return per_time, _summary(per_time, samples, track_ids)


def _summary(per_time: pd.DataFrame, samples: pd.DataFrame, track_ids: list) -> dict:
    """The :func:`track_metrics` dict from the results of :func:`_evaluate`."""
    samples = samples.sort_values(["truth_id", "time_s"], kind="stable", ignore_index=True)
    covered_all = samples["track_code"] >= 0
    covered = samples[covered_all]
    position = covered.index.to_numpy()
    same_truth = covered["truth_id"].to_numpy()[1:] == covered["truth_id"].to_numpy()[:-1]
    code = covered["track_code"].to_numpy()
    # Consecutive covered samples of one truth: a gap between them is a break, a new track a swap.
    breaks = same_truth & (np.diff(position) > 1)
    swaps = same_truth & (code[1:] != code[:-1])
    later_truth = covered["truth_id"].to_numpy()[1:]
    per_truth = pd.DataFrame({
        "n_samples": samples.groupby("truth_id").size(),
        "completeness": covered_all.groupby(samples["truth_id"]).mean(),
        "track_breaks": pd.Series(breaks).groupby(later_truth).sum(),
        "id_swaps": pd.Series(swaps).groupby(later_truth).sum(),
    }).fillna({"track_breaks": 0, "id_swaps": 0}).astype({"track_breaks": np.int64,
                                                          "id_swaps": np.int64})
    per_truth = per_truth.rename_axis("truth_id").reset_index()
    paired = set(code.tolist())
    false_ids = [track_ids[i] for i in range(len(track_ids)) if i not in paired]
    return {
        "ospa_mean_m": float(per_time["ospa_m"].mean()),
        "ospa_max_m": float(per_time["ospa_m"].max()),
        "gospa_mean_m": float(per_time["gospa_m"].mean()),
        "gospa_localisation_mean_m": float(per_time["gospa_localisation_m"].mean()),
        "gospa_missed_mean_m": float(per_time["gospa_missed_m"].mean()),
        "gospa_false_mean_m": float(per_time["gospa_false_m"].mean()),
        "track_completeness": float(covered_all.mean()) if len(samples) else float("nan"),
        "track_breaks": int(breaks.sum()),
        "id_swaps": int(swaps.sum()),
        "false_tracks": len(false_ids),
        "false_track_ids": false_ids,
        "n_truths": int(samples["truth_id"].nunique()),
        "n_tracks": len(track_ids),
        "per_truth": per_truth.to_dict("records"),
    }
