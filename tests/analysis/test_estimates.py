"""Campaign estimates against published tables and closed forms.

References: Newcombe (1998), Statistics in Medicine 17:857, Table I (Wilson score, method 3, and
Clopper-Pearson exact, method 5, for 81/263, 15/148, 0/20, 1/29); scipy's binomtest docs (7/50,
exact: 0.05819, 0.26740); the worst-case sample sizes n = z^2 / (4 h^2) (385, 1,068, 9,604 at 95 %);
Student's t interval worked by hand from t_{0.975, 4} = 2.776445; the coverage of the Wilson
interval simulated (binomial draws) against its nominal 95 %.
"""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.analysis.estimates import (
    mean_ci,
    proportion_ci,
    runs_for_halfwidth,
)
from iadsim.errors import InputError

NEWCOMBE = [  # k, n, Wilson (low, high), Clopper-Pearson (low, high)
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
    (0, 20, (0.0, 0.1611), (0.0, 0.1684)),
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
]


@pytest.mark.parametrize(("k", "n", "wilson", "exact"), NEWCOMBE)
def test_proportion_intervals_match_newcombe_1998(k, n, wilson, exact):
    w = proportion_ci(k, n)
    assert (round(w.low, 4), round(w.high, 4)) == wilson
    assert w.estimate == k / n and w.n == n and w.method == "wilson"
    e = proportion_ci(k, n, method="exact")
    assert (round(e.low, 4), round(e.high, 4)) == exact


def test_exact_interval_matches_the_scipy_docs_example():
    e = proportion_ci(7, 50, method="exact")
    assert (round(e.low, 5), round(e.high, 5)) == (0.05819, 0.26740)


@pytest.mark.parametrize(("h", "n"), [(0.05, 385), (0.03, 1068), (0.01, 9604)])
def test_runs_for_a_halfwidth_at_the_worst_case(h, n):
    assert runs_for_halfwidth(h) == n


def test_t_interval_worked_by_hand():
    # mean 3, s = sqrt(2.5) = 1.5811, n = 5: 3 -/+ 2.776445 * 1.5811 / sqrt(5) = 3 -/+ 1.9632
    ci = mean_ci([1.0, 2.0, 3.0, 4.0, 5.0])
    assert ci.estimate == 3.0
    assert ci.low == pytest.approx(1.036757, abs=1e-6)
    assert ci.high == pytest.approx(4.963243, abs=1e-6)


def test_bootstrap_interval_is_reproducible_and_near_the_t_interval():
    x = np.random.default_rng(1).normal(10.0, 2.0, 200)
    a = mean_ci(x, method="bootstrap", rng=np.random.default_rng(7))
    b = mean_ci(x, method="bootstrap", rng=np.random.default_rng(7))
    t = mean_ci(x)
    assert a == b
    assert a.low == pytest.approx(t.low, abs=0.06) and a.high == pytest.approx(t.high, abs=0.06)


def test_wilson_interval_covers_about_95_percent():
    # 10,000 campaigns of 50 runs at p = 0.1: the Wilson interval holds p in 93-97 % of them
    rng = np.random.default_rng(3)
    k = rng.binomial(50, 0.1, 10_000)
    intervals = {int(v): proportion_ci(int(v), 50) for v in np.unique(k)}
    coverage = np.mean([intervals[int(v)].low <= 0.1 <= intervals[int(v)].high for v in k])
    assert 0.93 <= coverage <= 0.97


@pytest.mark.parametrize(("call", "match"), [
    (lambda: proportion_ci(5, 3), "0 <= successes <= n"),
    (lambda: proportion_ci(1, 10, method="wald"), "allowed values are wilson, exact, wilsoncc"),
    (lambda: proportion_ci(1, 10, confidence=95), r"allowed values are numbers in \(0, 1\)"),
    (lambda: mean_ci([1.0]), "two or more finite values"),
    (lambda: mean_ci([1.0, np.nan]), "two or more finite values"),
    (lambda: mean_ci([1.0, 2.0], method="bootstrap"), "without a random generator"),
    (lambda: runs_for_halfwidth(0.0), r"half-width 0.0: allowed values are numbers in \(0, 0.5\)"),
])
def test_bad_input_is_a_clear_error(call, match):
    with pytest.raises(InputError, match=match):
        call()
