"""Chi-square gating and global-nearest-neighbour (GNN) assignment of detections to tracks.

Gating: a detection ``z_j`` may update track ``i`` when the squared Mahalanobis distance of the
innovation, ``d2 = nu^T S^-1 nu`` with ``nu = z_j - H x_i`` and ``S = H P_i H^T + R_j``, does not
exceed the chi-square quantile ``gamma = chi2.ppf(P_G, m)`` (``m`` measurement dimensions,
``P_G`` gate probability) ([1]_, [2]_).

Candidate pairs are found first with a k-d tree on Euclidean distance, using the bound
``nu^T S^-1 nu >= |nu|^2 / lambda_max(S)`` and ``lambda_max(S) <= trace(H P H^T) + trace(R)``:
a pair farther apart than ``sqrt(gamma (trace(H P H^T) + max trace(R)))`` cannot pass the gate.
The exact ``d2`` is then computed for the candidates only, all at once.

Assignment: GNN minimises the summed ``d2`` over one-to-one pairs, with a "not assigned" option
per track costing ``gamma`` (a track is left unassigned rather than paired beyond its gate),
solved by :func:`scipy.optimize.linear_sum_assignment` on the gated cost matrix
([2]_; the same augmented-matrix construction as Stone Soup's ``GNNWith2DAssignment``).

References
----------
.. [1] Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and
   Navigation*, Wiley, 2001.
.. [2] S. Blackman, R. Popoli, *Design and Analysis of Modern Tracking Systems*, Artech House,
   1999.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree
from scipy.stats import chi2

__all__ = ["GatedPairs", "gate_threshold", "gate", "gnn_assign", "FORBIDDEN_COST"]

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


#: Up to this many (track, detection) pairs the coarse gate is a broadcast, beyond it a k-d tree.
BRUTE_FORCE_PAIRS = 4096


def gate_threshold(gate_probability: float, n_meas: int) -> float:
    """Chi-square gate ``gamma`` on ``d2`` such that ``P(d2 <= gamma) = gate_probability``.

    Examples
    --------
    >>> round(gate_threshold(0.99, 2), 4)
    9.2103
    """
    return float(chi2.ppf(gate_probability, n_meas))


def gate(z_pred: np.ndarray, hph: np.ndarray, z: np.ndarray, r: np.ndarray, gamma: float) -> GatedPairs:
    """All pairs with ``d2 <= gamma``.

    Parameters
    ----------
    z_pred : numpy.ndarray
        ``(n, m)`` predicted measurements ``H x`` of the tracks, m.
    hph : numpy.ndarray
        ``(n, m, m)`` predicted measurement covariances ``H P H^T`` (without ``R``), m^2.
    z : numpy.ndarray
        ``(k, m)`` detections, m.
    r : numpy.ndarray
        ``(k, m, m)`` detection covariances, m^2.
    gamma : float
        Gate on ``d2``.

    Returns
    -------
    GatedPairs
        Sorted by track then detection.
    """
    empty = GatedPairs(np.zeros(0, int), np.zeros(0, int), np.zeros(0))
    if len(z_pred) == 0 or len(z) == 0:
        return empty
    bound = np.trace(hph, axis1=-2, axis2=-1) + np.max(np.trace(r, axis1=-2, axis2=-1))
    radius = np.sqrt(gamma * bound)
    if len(z_pred) * len(z) <= BRUTE_FORCE_PAIRS:
        # few pairs: one broadcast beats building a k-d tree (same pairs, same order)
        d2_xyz = np.sum((z_pred[:, None, :] - z[None, :, :]) ** 2, axis=-1)
        rows, cols = np.nonzero(d2_xyz <= (radius * radius)[:, None])
        if rows.size == 0:
            return empty
    else:
        hits = cKDTree(z).query_ball_point(z_pred, radius, return_sorted=True)
        counts = np.fromiter(map(len, hits), dtype=int, count=len(hits))
        if counts.sum() == 0:
            return empty
        rows = np.repeat(np.arange(len(z_pred)), counts)
        cols = np.fromiter(chain.from_iterable(hits), dtype=int, count=int(counts.sum()))
    nu = z[cols] - z_pred[rows]
    s = hph[rows] + r[cols]
    d2 = np.einsum("ki,ki->k", nu, np.linalg.solve(s, nu[..., None])[..., 0])
    keep = d2 <= gamma
    return GatedPairs(rows[keep], cols[keep], d2[keep])


def gnn_assign(pairs: GatedPairs, n_tracks: int, miss_cost: float) -> np.ndarray:
    """Global-nearest-neighbour assignment on gated pairs.

    Builds the ``(a, b + a)`` cost matrix of the ``a`` tracks and ``b`` detections that take part
    in at least one gated pair: ``d2`` for gated pairs, :data:`FORBIDDEN_COST` elsewhere, and a
    diagonal block of ``miss_cost`` for "track not assigned".

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
    assigned = np.full(n_tracks, -1, dtype=int)
    if len(pairs.track) == 0:
        return assigned
    tracks, t_idx = np.unique(pairs.track, return_inverse=True)
    dets, d_idx = np.unique(pairs.detection, return_inverse=True)
    a, b = len(tracks), len(dets)
    cost = np.full((a, b + a), FORBIDDEN_COST)
    cost[t_idx, d_idx] = pairs.d2
    cost[np.arange(a), b + np.arange(a)] = miss_cost
    row, col = linear_sum_assignment(cost)
    real = col < b
    assigned[tracks[row[real]]] = dets[col[real]]
    return assigned
