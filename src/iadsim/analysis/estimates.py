"""Estimates with confidence intervals for campaign outcomes (issue 12: campaigns).

A campaign answers with a proportion (the leak fraction, a kill probability) or a mean (missiles
per kill, time of the first leak) and the interval that says how sure it is:

- proportions: the Wilson score interval (the default; Newcombe 1998 [1]_ recommends it over the
  Wald interval, which collapses at 0 or n successes) or the Clopper-Pearson exact interval,
  computed by :func:`scipy.stats.binomtest`;
- means: Student's t interval, or a bootstrap interval (:func:`scipy.stats.bootstrap`, BCa by
  default) from a given ``numpy.random.Generator``;
- how many runs a target half-width of a proportion needs: ``n = z^2 p (1 - p) / h^2`` (normal
  approximation, worst case ``p = 0.5``) [2]_ (a campaign report's planning figure; its
  sequential stopping uses the t interval of the mean per run, :mod:`iadsim.campaigns.runner`).

References
----------
.. [1] R. G. Newcombe, "Two-sided confidence intervals for the single proportion: comparison of
   seven methods", *Statistics in Medicine* 17(8), 857-872, 1998.
.. [2] A. M. Law, *Simulation Modeling and Analysis*, 5th ed., McGraw-Hill, 2015, §9.4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from iadsim.errors import InputError

__all__ = ["Interval", "proportion_ci", "mean_ci", "runs_for_halfwidth",
           "PROPORTION_METHODS", "MEAN_METHODS"]

#: Interval methods for proportions (names of :meth:`scipy.stats.binomtest` results).
PROPORTION_METHODS = ("wilson", "exact", "wilsoncc")
#: Interval methods for means.
MEAN_METHODS = ("t", "bootstrap")


@dataclass(frozen=True)
class Interval:
    """An estimate and its two-sided confidence interval.

    ``estimate`` is the observed proportion or sample mean; ``low``, ``high`` the interval at
    ``confidence``; ``n`` the number of runs; ``method`` how the interval was computed.
    """

    estimate: float
    low: float
    high: float
    confidence: float
    n: int
    method: str

    @property
    def halfwidth(self) -> float:
        """Half the interval's width (the ``±`` a report prints)."""
        return 0.5 * (self.high - self.low)


def _check_confidence(confidence: float) -> float:
    c = float(confidence)
    if not 0.0 < c < 1.0:
        raise InputError(f"confidence {confidence!r}: allowed values are numbers in (0, 1), "
                         "e.g. 0.95")
    return c


def proportion_ci(successes: int, n: int, confidence: float = 0.95,
                  method: str = "wilson") -> Interval:
    """Confidence interval of a proportion ``successes / n`` (e.g. threats leaked of threats).

    Parameters
    ----------
    successes, n : int
        Counts, ``0 <= successes <= n``, ``n >= 1``.
    confidence : float
        Two-sided confidence level in (0, 1).
    method : {'wilson', 'exact', 'wilsoncc'}
        Wilson score, Clopper-Pearson exact, or Wilson with continuity correction.

    Raises
    ------
    iadsim.errors.InputError
        Counts or options out of range, naming the value and what is allowed.
    """
    if method not in PROPORTION_METHODS:
        raise InputError(f"interval method {method!r}: allowed values are "
                         f"{', '.join(PROPORTION_METHODS)}")
    c = _check_confidence(confidence)
    if not (isinstance(n, (int, np.integer)) and isinstance(successes, (int, np.integer))):
        raise InputError(f"counts {successes!r} of {n!r}: allowed values are integers")
    if n < 1 or not 0 <= successes <= n:
        raise InputError(f"counts {successes} of {n}: allowed values are 0 <= successes <= n, "
                         "n >= 1")
    ci = stats.binomtest(int(successes), int(n)).proportion_ci(confidence_level=c, method=method)
    return Interval(successes / n, float(ci.low), float(ci.high), c, int(n), method)


def mean_ci(values: npt.ArrayLike, confidence: float = 0.95, method: str = "t",
            rng: np.random.Generator | None = None, n_resamples: int = 9999) -> Interval:
    """Confidence interval of the mean of ``values`` (one per run; NaNs are an error).

    ``method='t'``: Student's t interval ``mean ± t_{(1+c)/2, n-1} s / sqrt(n)``.
    ``method='bootstrap'``: BCa bootstrap (:func:`scipy.stats.bootstrap`) drawn from ``rng``
    (required: randomness only from the caller's generator, so the interval is reproducible).
    Values that are all equal give an interval of width 0.

    Raises
    ------
    iadsim.errors.InputError
        Fewer than two values, non-finite values, an unknown method, or no ``rng`` for the
        bootstrap.
    """
    if method not in MEAN_METHODS:
        raise InputError(f"interval method {method!r}: allowed values are {', '.join(MEAN_METHODS)}")
    c = _check_confidence(confidence)
    x = np.asarray(values, dtype=float).ravel()
    if x.size < 2 or not np.isfinite(x).all():
        raise InputError(f"mean of {x.size} value(s): allowed are two or more finite values")
    mean = float(x.mean())
    if np.all(x == x[0]):
        return Interval(mean, mean, mean, c, int(x.size), method)
    if method == "t":
        half = float(stats.t.ppf(0.5 + c / 2.0, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
        return Interval(mean, mean - half, mean + half, c, int(x.size), method)
    if rng is None:
        raise InputError("bootstrap interval without a random generator: pass "
                         "rng=numpy.random.Generator (spawned from the campaign's SeedSequence)")
    res = stats.bootstrap((x,), np.mean, confidence_level=c, n_resamples=n_resamples,
                          method="BCa", random_state=rng)
    ci = res.confidence_interval
    return Interval(mean, float(ci.low), float(ci.high), c, int(x.size), method)


def runs_for_halfwidth(halfwidth: float, p: float = 0.5, confidence: float = 0.95) -> int:
    """Runs needed for a proportion's interval half-width, ``ceil(z^2 p (1 - p) / h^2)`` with
    ``z`` the two-sided normal quantile (``p = 0.5``: the worst case)."""
    c = _check_confidence(confidence)
    if not 0.0 < float(halfwidth) < 0.5:
        raise InputError(f"half-width {halfwidth!r}: allowed values are numbers in (0, 0.5)")
    if not 0.0 < float(p) < 1.0:
        raise InputError(f"p {p!r}: allowed values are numbers in (0, 1)")
    z = stats.norm.ppf(0.5 + c / 2.0)
    return int(math.ceil(z * z * p * (1.0 - p) / (halfwidth * halfwidth) - 1e-9))
