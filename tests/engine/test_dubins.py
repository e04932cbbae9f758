"""Dubins paths against independent references: lengths worked out by hand, the common-tangent
construction of the turn-straight-turn words (geometry, not the Shkel-Lumelsky formulas), and
an integration of every word's pieces that must land on the goal position and heading."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim.engine.dubins import WORDS, dubins_pieces, dubins_shortest


def _integrate(x, y, th, word, pieces, r):
    """Follow the pieces of a word exactly (arcs about their centres); end position, heading."""
    for kind, length in zip(word, pieces, strict=True):
        if kind == "S":
            x, y = x + length * math.cos(th), y + length * math.sin(th)
            continue
        s = 1.0 if kind == "L" else -1.0
        cx, cy = x - s * r * math.sin(th), y + s * r * math.cos(th)
        th += s * length / r
        x, y = cx + s * r * math.sin(th), cy - s * r * math.cos(th)
    return x, y, th


def _mod2pi(a):
    return np.mod(a, 2.0 * np.pi)


def _csc_by_tangents(p0, th0, p1, th1, r):
    """Lengths of LSL, LSR, RSL, RSR from the common tangents of the turn circles."""
    out = {}
    left = lambda p, th: np.array([p[0] - r * math.sin(th), p[1] + r * math.cos(th)])  # noqa: E731
    right = lambda p, th: np.array([p[0] + r * math.sin(th), p[1] - r * math.cos(th)])  # noqa: E731
    for word, c0, c1 in (("LSL", left(p0, th0), left(p1, th1)),
                         ("RSR", right(p0, th0), right(p1, th1)),
                         ("LSR", left(p0, th0), right(p1, th1)),
                         ("RSL", right(p0, th0), left(p1, th1))):
        dx, dy = c1 - c0
        dist = math.hypot(dx, dy)
        ang = math.atan2(dy, dx)
        if word in ("LSL", "RSR"):          # outer tangent: parallel to the line of centres
            psi, straight = ang, dist
        else:                               # inner tangent: crosses it
            if dist < 2.0 * r:
                out[word] = math.nan
                continue
            straight = math.sqrt(dist**2 - 4.0 * r**2)
            psi = ang + (1.0 if word == "LSR" else -1.0) * math.atan2(2.0 * r, straight)
        first = _mod2pi(psi - th0) if word[0] == "L" else _mod2pi(th0 - psi)
        last = _mod2pi(th1 - psi) if word[2] == "L" else _mod2pi(psi - th1)
        out[word] = r * (first + last) + straight
    return out


def test_rsr_u_turn_by_hand():
    # North at the origin to south at (4R, 0): right quarter turn, 2R east, right quarter turn.
    r = 1500.0
    pieces = dubins_pieces(0.0, 0.0, math.pi / 2, 4 * r, 0.0, -math.pi / 2, r)
    np.testing.assert_allclose(pieces[WORDS.index("RSR")], [math.pi * r / 2, 2 * r,
                                                            math.pi * r / 2], rtol=1e-12)
    word, best, total = dubins_shortest(0.0, 0.0, math.pi / 2, 4 * r, 0.0, -math.pi / 2, r)
    assert WORDS[int(word)] == "RSR" and total == pytest.approx((math.pi + 2.0) * r, rel=1e-12)


def test_lsr_lateral_step_by_hand():
    # East at the origin to east at (4R, 2R): the turn circles' centres (0, R) and (4R, R) are
    # D = 4R apart; inner tangent of length sqrt(D^2 - 4R^2), arcs of asin(2R/D) = 30 deg each.
    r = 2000.0
    word, best, total = dubins_shortest(0.0, 0.0, 0.0, 4 * r, 2 * r, 0.0, r)
    assert WORDS[int(word)] == "LSR"
    np.testing.assert_allclose(best, [r * math.pi / 6, r * math.sqrt(12.0), r * math.pi / 6],
                               rtol=1e-12)
    assert total == pytest.approx(r * (math.pi / 3 + math.sqrt(12.0)), rel=1e-12)


def test_straight_ahead_is_a_straight_line():
    word, best, total = dubins_shortest(10.0, -5.0, 0.3, 10.0 + 700 * math.cos(0.3),
                                        -5.0 + 700 * math.sin(0.3), 0.3, 100.0)
    assert total == pytest.approx(700.0, rel=1e-12)
    assert best[0] == pytest.approx(0.0, abs=1e-9) and best[2] == pytest.approx(0.0, abs=1e-9)


def test_every_word_lands_on_the_goal_and_csc_matches_the_tangent_construction():
    rng = np.random.default_rng(11)
    n = 400
    p0 = rng.uniform(-5e3, 5e3, (n, 2))
    p1 = rng.uniform(-5e3, 5e3, (n, 2))
    th0 = rng.uniform(-np.pi, np.pi, n)
    th1 = rng.uniform(-np.pi, np.pi, n)
    r = rng.uniform(300.0, 3000.0, n)
    pieces = dubins_pieces(p0[:, 0], p0[:, 1], th0, p1[:, 0], p1[:, 1], th1, r)
    word, best, total = dubins_shortest(p0[:, 0], p0[:, 1], th0, p1[:, 0], p1[:, 1], th1, r)
    feasible = np.zeros(6, int)
    for i in range(n):
        tangents = _csc_by_tangents(p0[i], th0[i], p1[i], th1[i], r[i])
        for w, name in enumerate(WORDS):
            if np.isnan(pieces[i, w, 0]):
                assert name in ("LSR", "RSL", "RLR", "LRL")
                assert name not in tangents or np.isnan(tangents[name])
                continue
            feasible[w] += 1
            assert (pieces[i, w, [0, 2]] < 2 * np.pi * r[i] + 1e-6).all()
            x, y, th = _integrate(p0[i, 0], p0[i, 1], th0[i], name, pieces[i, w], r[i])
            assert x == pytest.approx(p1[i, 0], abs=1e-6)
            assert y == pytest.approx(p1[i, 1], abs=1e-6)
            assert math.remainder(th - th1[i], 2 * math.pi) == pytest.approx(0.0, abs=1e-9)
            if name in tangents:
                assert pieces[i, w].sum() == pytest.approx(tangents[name], rel=1e-9)
        assert total[i] == pytest.approx(np.nanmin(pieces[i].sum(axis=-1)), rel=1e-12)
        assert total[i] >= math.dist(p0[i], p1[i]) - 1e-6
    assert (feasible > 20).all()          # every word was exercised
