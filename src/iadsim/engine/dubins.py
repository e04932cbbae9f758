"""Dubins paths: shortest planar paths of bounded curvature between two oriented points.

A vehicle moving forward at constant speed with turn radius at least ``R`` goes from a position
and heading to another by a path of one of six words (Dubins 1957): three pieces, each a left
arc ``L``, a right arc ``R`` at radius exactly ``R`` or a straight ``S``: ``LSL, LSR, RSL, RSR,
RLR, LRL``. The shortest path is the shortest of the feasible words; each word's pieces have
closed forms (Shkel & Lumelsky 2001, table 1; LaValle 2006, sec. 15.3.1), used here vectorised
over any number of goals.

Conventions (the literature's): plane ``x, y``; heading ``theta`` counter-clockwise from ``+x``,
rad; ``L`` turns counter-clockwise (left), ``R`` clockwise. Piece lengths are returned in metres
along the path (an arc of angle ``phi`` has length ``R phi``).

References
----------
Dubins, L. E. (1957), "On curves of minimal length with a constraint on average curvature, and
with prescribed initial and terminal positions and tangents", Amer. J. Math. 79(3), 497-516.
Shkel, A. M., Lumelsky, V. (2001), "Classification of the Dubins set", Robotics and Autonomous
Systems 34, 179-202.
LaValle, S. M., *Planning Algorithms*, Cambridge University Press 2006, sec. 15.3.1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["WORDS", "dubins_pieces", "dubins_shortest"]

#: The six Dubins words, in the column order of `dubins_pieces`.
WORDS = ("LSL", "LSR", "RSL", "RSR", "RLR", "LRL")

_TWO_PI = 2.0 * np.pi


def _mod2pi(a: np.ndarray) -> np.ndarray:
    return np.mod(a, _TWO_PI)


def dubins_pieces(x0: ArrayLike, y0: ArrayLike, theta0: ArrayLike, x1: ArrayLike, y1: ArrayLike,
                  theta1: ArrayLike, radius_m: ArrayLike) -> np.ndarray:
    """Piece lengths of every Dubins word from ``(x0, y0, theta0)`` to ``(x1, y1, theta1)``.

    Parameters
    ----------
    x0, y0, theta0, x1, y1, theta1 : array_like, broadcastable to one shape ``(...)``
        Start and goal positions (m) and headings (rad, counter-clockwise from ``+x``).
    radius_m : array_like
        Turn radius, m (> 0).

    Returns
    -------
    ndarray (..., 6, 3)
        Lengths (m) of the three pieces of each word of `WORDS`; NaN where the word has no
        solution (``LSR``/``RSL`` when the circles overlap, ``RLR``/``LRL`` when they are more
        than ``4 R`` apart).

    Examples
    --------
    A right turn of 90 deg, 2 R straight, a right turn of 90 deg (``RSR``, R = 1):

    >>> p = dubins_pieces(0.0, 0.0, np.pi / 2, 4.0, 0.0, -np.pi / 2, 1.0)
    >>> [round(float(v), 4) for v in p[WORDS.index("RSR")]]
    [1.5708, 2.0, 1.5708]
    """
    x0, y0, th0, x1, y1, th1, r = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in
                                                        (x0, y0, theta0, x1, y1, theta1,
                                                         radius_m)))
    dx, dy = x1 - x0, y1 - y0
    d = np.hypot(dx, dy) / r
    phi = np.where(d > 0.0, np.arctan2(dy, dx), 0.0)
    a = _mod2pi(th0 - phi)
    b = _mod2pi(th1 - phi)
    sa, ca, sb, cb = np.sin(a), np.cos(a), np.sin(b), np.cos(b)
    cab = np.cos(a - b)
    d2 = d * d
    out = np.full(d.shape + (6, 3), np.nan)
    with np.errstate(invalid="ignore"):
        # LSL
        p2 = 2.0 + d2 - 2.0 * cab + 2.0 * d * (sa - sb)
        ok = p2 >= 0.0
        t1 = np.arctan2(cb - ca, d + sa - sb)
        out[..., 0, 0] = np.where(ok, _mod2pi(t1 - a), np.nan)
        out[..., 0, 1] = np.where(ok, np.sqrt(p2), np.nan)
        out[..., 0, 2] = np.where(ok, _mod2pi(b - t1), np.nan)
        # LSR
        p2 = -2.0 + d2 + 2.0 * cab + 2.0 * d * (sa + sb)
        ok = p2 >= 0.0
        p = np.sqrt(np.where(ok, p2, 0.0))
        t0 = np.arctan2(-ca - cb, d + sa + sb) - np.arctan2(-2.0, p)
        out[..., 1, 0] = np.where(ok, _mod2pi(t0 - a), np.nan)
        out[..., 1, 1] = np.where(ok, p, np.nan)
        out[..., 1, 2] = np.where(ok, _mod2pi(t0 - b), np.nan)
        # RSL
        p2 = -2.0 + d2 + 2.0 * cab - 2.0 * d * (sa + sb)
        ok = p2 >= 0.0
        p = np.sqrt(np.where(ok, p2, 0.0))
        t0 = np.arctan2(ca + cb, d - sa - sb) - np.arctan2(2.0, p)
        out[..., 2, 0] = np.where(ok, _mod2pi(a - t0), np.nan)
        out[..., 2, 1] = np.where(ok, p, np.nan)
        out[..., 2, 2] = np.where(ok, _mod2pi(b - t0), np.nan)
        # RSR
        p2 = 2.0 + d2 - 2.0 * cab + 2.0 * d * (sb - sa)
        ok = p2 >= 0.0
        t1 = np.arctan2(ca - cb, d - sa + sb)
        out[..., 3, 0] = np.where(ok, _mod2pi(a - t1), np.nan)
        out[..., 3, 1] = np.where(ok, np.sqrt(p2), np.nan)
        out[..., 3, 2] = np.where(ok, _mod2pi(t1 - b), np.nan)
        # RLR
        c = (6.0 - d2 + 2.0 * cab + 2.0 * d * (sa - sb)) / 8.0
        ok = np.abs(c) <= 1.0
        p = _mod2pi(_TWO_PI - np.arccos(np.clip(c, -1.0, 1.0)))
        t = _mod2pi(a - np.arctan2(ca - cb, d - sa + sb) + p / 2.0)
        out[..., 4, 0] = np.where(ok, t, np.nan)
        out[..., 4, 1] = np.where(ok, p, np.nan)
        out[..., 4, 2] = np.where(ok, _mod2pi(a - b - t + p), np.nan)
        # LRL
        c = (6.0 - d2 + 2.0 * cab + 2.0 * d * (sb - sa)) / 8.0
        ok = np.abs(c) <= 1.0
        p = _mod2pi(_TWO_PI - np.arccos(np.clip(c, -1.0, 1.0)))
        t = _mod2pi(-a - np.arctan2(ca - cb, d + sa - sb) + p / 2.0)
        out[..., 5, 0] = np.where(ok, t, np.nan)
        out[..., 5, 1] = np.where(ok, p, np.nan)
        out[..., 5, 2] = np.where(ok, _mod2pi(b - a - t + p), np.nan)
    return out * r[..., None, None]


def dubins_shortest(x0: ArrayLike, y0: ArrayLike, theta0: ArrayLike, x1: ArrayLike,
                    y1: ArrayLike, theta1: ArrayLike, radius_m: ArrayLike
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shortest Dubins path: word index into `WORDS`, piece lengths and total length.

    Parameters are those of `dubins_pieces`.

    Returns
    -------
    word : ndarray (...) of int
        Index of the shortest word in `WORDS`.
    pieces_m : ndarray (..., 3)
        Its piece lengths, m.
    length_m : ndarray (...)
        Their sum, m.

    Examples
    --------
    >>> w, pieces, total = dubins_shortest(0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 1.0)
    >>> WORDS[int(w)], float(total)
    ('LSL', 10.0)
    """
    pieces = dubins_pieces(x0, y0, theta0, x1, y1, theta1, radius_m)
    total = pieces.sum(axis=-1)
    word = np.argmin(np.where(np.isnan(total), np.inf, total), axis=-1)
    best = np.take_along_axis(pieces, word[..., None, None], axis=-2)[..., 0, :]
    return word, best, best.sum(axis=-1)
