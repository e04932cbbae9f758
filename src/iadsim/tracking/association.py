"""Chi-square gating and global-nearest-neighbour (GNN) assignment of detections to tracks.

Gating: a detection ``z_j`` may update track ``i`` when the squared Mahalanobis distance of the
innovation, ``d2 = nu^T S^-1 nu`` with ``nu = z_j - H x_i`` and ``S = H P_i H^T + R_j``, does not
exceed the chi-square quantile ``gamma = chi2.ppf(P_G, m)`` (``m`` measurement dimensions,
``P_G`` gate probability) ([1]_, [2]_).

The gate runs in one compiled loop (:func:`iadsim.tracking.kernels.gate_pairs`). The bound
``nu^T S^-1 nu >= |nu|^2 / lambda_max(S)`` with ``lambda_max(S) <= trace(H P H^T) + trace(R)``
says that a detection farther from a track than ``sqrt(gamma (trace(H P H^T) + max trace(R)))``
cannot pass its gate: the detections are sorted along one horizontal axis, each track visits
only those within that distance along it (a sort-and-sweep broad phase, as in collision
detection), and the exact ``d2`` (Cholesky solve) is computed for the pairs within the bound.
A scan of ``n`` tracks and ``k`` detections costs ``O((n + k) log k)`` plus the pairs near each
other, not ``O(n k)``: ten thousand threats are as cheap per target as a hundred.

Assignment: GNN minimises the summed ``d2`` over one-to-one pairs, with a "not assigned" option
per track costing ``gamma`` (a track is left unassigned rather than paired beyond its gate)
([2]_; the same augmented-matrix construction as Stone Soup's ``GNNWith2DAssignment``).
The gated pairs form a bipartite graph; the cost is a sum over pairs and every track's miss
option is its own, so the optimum is the union of the optima of the graph's connected
components (clusters, [2]_; found by union-find,
:func:`iadsim.tracking.kernels.pair_clusters`): a component of one pair is its own optimum, and
each other one is solved on its small cost matrix by the shortest augmenting path algorithm
(:func:`iadsim.tracking.kernels.assignment`, Crouse 2016, with the tie rules of
:func:`scipy.optimize.linear_sum_assignment`), all in one compiled call
(:func:`iadsim.tracking.kernels.gnn_clusters`). :func:`gnn` skips all of it when no pair
conflicts.

References
----------
.. [1] Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and
   Navigation*, Wiley, 2001.
.. [2] S. Blackman, R. Popoli, *Design and Analysis of Modern Tracking Systems*, Artech House,
   1999.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from iadsim.tracking import kernels

__all__ = ["GatedPairs", "gate_threshold", "gate", "gnn", "assign_pairs", "gnn_assign", "FORBIDDEN_COST"]

FORBIDDEN_COST = 1e12
"""Cost of a track-detection pair outside the gate (never chosen: the miss option is cheaper)."""


@dataclass(frozen=True)
class GatedPairs:
    """Track-detection pairs inside the gate.

    Attributes
    ----------
    track : numpy.ndarray
        ``(k,)`` int, row index of the track.
    detection : numpy.ndarray
        ``(k,)`` int, index of the detection.
    d2 : numpy.ndarray
        ``(k,)`` squared Mahalanobis distance of the innovation.
    """

    track: np.ndarray
    detection: np.ndarray
    d2: np.ndarray


def gate_threshold(gate_probability: float, n_meas: int) -> float:
    """Chi-square gate ``gamma`` on ``d2`` such that ``P(d2 <= gamma) = gate_probability``.

    Examples
    --------
    >>> round(gate_threshold(0.99, 2), 4)
    9.2103
    """
    return float(chi2.ppf(gate_probability, n_meas))


def gate(z_pred: np.ndarray, hph: np.ndarray, z: np.ndarray, r: np.ndarray, gamma: float,
         tracks: np.ndarray | None = None, detections: np.ndarray | None = None) -> GatedPairs:
    """All pairs with ``d2 <= gamma``.

    Parameters
    ----------
    z_pred : numpy.ndarray
        ``(n, m)`` predicted measurements ``H x`` of the tracks, m (or ``(n, d)`` states
        ``[pos, vel]``: only the first ``m`` columns are read).
    hph : numpy.ndarray
        ``(n, m, m)`` predicted measurement covariances ``H P H^T`` (without ``R``), m^2 (or
        ``(n, d, d)`` state covariances: the leading ``m x m`` block is read).
    z : numpy.ndarray
        ``(k, m)`` detections, m.
    r : numpy.ndarray
        ``(k, m, m)`` detection covariances, m^2.
    gamma : float
        Gate on ``d2``.
    tracks, detections : numpy.ndarray of int, optional
        Only these rows of ``z_pred`` / ``z`` take part (default all); the returned indices are
        positions in these arrays.

    Returns
    -------
    GatedPairs
        Sorted by track then detection.
    """
    return GatedPairs(*_gated(z_pred, hph, z, r, gamma, tracks, detections)[:3])


def gnn(z_pred: np.ndarray, hph: np.ndarray, z: np.ndarray, r: np.ndarray, gamma: float,
        tracks: np.ndarray, detections: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gate` then :func:`gnn_assign` (same arguments): the assigned pairs as positions
    in ``tracks`` and ``detections``. When no track and no detection is in two gated pairs
    (most scans), every pair is its own optimum (``d2 <= gamma``, the miss cost) and the
    solver is skipped."""
    return assign_pairs(*_gated(z_pred, hph, z, r, gamma, tracks, detections), len(tracks),
                        gamma)


def assign_pairs(track: np.ndarray, detection: np.ndarray, d2: np.ndarray, conflict: bool,
                 n_tracks: int, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """GNN on gated pairs (:func:`iadsim.tracking.kernels.gate_pairs` output): the pairs as
    they are when none conflicts, else :func:`gnn_assign`; returns the assigned
    ``(track, detection)`` positions."""
    if not conflict:
        return track, detection
    chosen = gnn_assign(GatedPairs(track, detection, d2), n_tracks, gamma)
    ok = chosen >= 0
    return np.flatnonzero(ok), chosen[ok]


def _gated(z_pred, hph, z, r, gamma, tracks, detections) -> tuple:
    """:func:`iadsim.tracking.kernels.gate_pairs` on contiguous float arrays (default: all rows)."""
    z_pred, hph, z, r = (np.ascontiguousarray(a, dtype=float) for a in (z_pred, hph, z, r))
    rows = np.arange(len(z_pred)) if tracks is None else np.asarray(tracks, dtype=np.int64)
    cols = np.arange(len(z)) if detections is None else np.asarray(detections, dtype=np.int64)
    return kernels.gate_pairs(z_pred, hph, rows, z, r, cols, float(gamma))


def gnn_assign(pairs: GatedPairs, n_tracks: int, miss_cost: float) -> np.ndarray:
    """Global-nearest-neighbour assignment on gated pairs, cluster by cluster (module notes).

    Each connected component of the gated pairs with more than one pair gets the ``(a, b + a)``
    cost matrix of its ``a`` tracks and ``b`` detections: ``d2`` for gated pairs,
    :data:`FORBIDDEN_COST` elsewhere, and a diagonal block of ``miss_cost`` for "track not
    assigned"; a component of one pair is assigned as it is (``d2 <= miss_cost``).

    Parameters
    ----------
    pairs : GatedPairs
        Output of :func:`gate`.
    n_tracks : int
        Number of tracks (rows of the result).
    miss_cost : float
        Cost of leaving a track unassigned (use the gate ``gamma``).

    Returns
    -------
    numpy.ndarray
        ``(n_tracks,)`` int, assigned detection index per track, ``-1`` if none.
    """
    return kernels.gnn_clusters(np.asarray(pairs.track, np.int64),
                                np.asarray(pairs.detection, np.int64),
                                np.asarray(pairs.d2, float), int(n_tracks), float(miss_cost),
                                FORBIDDEN_COST)
