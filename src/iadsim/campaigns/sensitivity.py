"""Sensitivity of a campaign's outcome to the uncertain figures: tornado, Morris and Sobol'.

Three questions, three designs over the same :class:`~iadsim.campaigns.design.Factor` s:

- ``"tornado"``: one factor at a time, at its low and high values with the others nominal
  (``2D + 1`` runs). Cheap and easy to read; blind to interactions and to the inside of the
  range.
- ``"morris"``: elementary effects along ``n`` random one-at-a-time trajectories on a 4-level
  grid (Morris 1991 [1]_, ``n (D + 1)`` runs); ``mu*``, the mean absolute effect (Campolongo
  et al. 2007 [2]_), ranks the factors, ``sigma`` flags non-linearity or interactions. A
  screening method: which figures matter, not how much of the variance each explains.
- ``"sobol"``: first-order and total Sobol' indices from Saltelli's scheme without second-order
  terms (Saltelli 2002 [3]_, estimators of Saltelli et al. 2010 [4]_, ``n (D + 2)`` runs): the
  share of the outcome's variance due to each figure alone (``S1``) and with all its
  interactions (``ST``), with bootstrap confidence half-widths.

Sampling and analysis are SALib's (Herman & Usher 2017 [5]_); nothing of it is reimplemented
here. SALib samples the unit cube (bounds ``[0, 1]`` for every factor) and each column is mapped
through the factor's inverse CDF (:meth:`Factor.values`), so a triangular factor is sampled by
its distribution and the indices are with respect to it. The analysis recovers the unit-cube
sample from the table by the factor's CDF, so a design table read back from the result store
(where ``DataFrame.attrs`` do not survive) analyses as well as the one :func:`sample` returned.

Morris effects are taken in the unit cube: ``mu*`` is the change of the outcome when a factor
moves over its whole distribution (``u`` from 0 to 1), in the outcome's unit, so factors with
different units compare directly. For a uniform factor and an outcome linear in it,
``mu = c (upper - lower)`` exactly.

The outcome ``y`` of a design point is usually the mean over its replications; the replications
of all points share their seeds (common random numbers, :func:`~iadsim.campaigns.design.run_seed`),
which is what makes the paired interval of a tornado swing narrow.

References
----------
.. [1] M. D. Morris, "Factorial sampling plans for preliminary computational experiments",
   *Technometrics* 33(2), 161-174, 1991.
.. [2] F. Campolongo, J. Cariboni, A. Saltelli, "An effective screening design for sensitivity
   analysis of large models", *Environmental Modelling & Software* 22(10), 1509-1518, 2007
   (``mu*``).
.. [3] A. Saltelli, "Making best use of model evaluations to compute sensitivity indices",
   *Computer Physics Communications* 145(2), 280-297, 2002.
.. [4] A. Saltelli, P. Annoni, I. Azzini, F. Campolongo, M. Ratto, S. Tarantola, "Variance based
   sensitivity analysis of model output. Design and estimator for the total sensitivity index",
   *Computer Physics Communications* 181(2), 259-270, 2010.
.. [5] J. Herman, W. Usher, "SALib: An open-source Python library for sensitivity analysis",
   *Journal of Open Source Software* 2(9), 97, 2017.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy import stats

from iadsim.analysis.estimates import mean_ci
from iadsim.campaigns.design import Factor
from iadsim.errors import InputError

__all__ = ["SENSITIVITY_METHODS", "sample", "analyze", "runs_needed"]

#: Sensitivity designs, cheapest first.
SENSITIVITY_METHODS = ("tornado", "morris", "sobol")
#: Grid levels of the Morris design (SALib's default; even, so every step is ``2/3``).
MORRIS_LEVELS = 4
#: Confidence level of the tornado swing interval (SALib's ``*_conf`` are also at 95 %).
CONFIDENCE = 0.95


def _check_method(method: str) -> None:
    if method not in SENSITIVITY_METHODS:
        raise InputError(f"sensitivity method {method!r}: allowed values are "
                         f"{', '.join(SENSITIVITY_METHODS)}")


def _check_n(method: str, n: int) -> int:
    """The number of trajectories (Morris) or base samples (Sobol') ``n``, checked."""
    if method == "tornado":
        return 0
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        what = "trajectories" if method == "morris" else "base samples"
        allowed = "integers >= 2" if method == "morris" else "powers of two >= 2"
        raise InputError(f"{method} {what} n={n!r}: allowed values are {allowed} (a spread of "
                         "effects needs at least two)")
    n = int(n)
    if method == "sobol":
        m = n.bit_length() - 1
        if 2**m != n:
            raise InputError(f"sobol base samples n={n}: allowed values are powers of two (e.g. "
                             f"{2**m} or {2**(m + 1)}); Sobol' points are balanced only then")
    return n


def _check_factors(factor_list: Sequence[Factor]) -> list[Factor]:
    fs = list(factor_list)
    if not fs:
        raise InputError("a sensitivity analysis needs at least one varied figure (--vary NAME "
                         "or --vary-assumed)")
    names = [f.name for f in fs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"figures varied twice: {', '.join(twice)}; allowed: each figure once")
    return fs


def _problem(fs: Sequence[Factor]) -> dict:
    """SALib's problem: every factor on the unit interval (mapped by its inverse CDF after)."""
    return {"num_vars": len(fs), "names": [f.name for f in fs], "bounds": [[0.0, 1.0]] * len(fs)}


def _seed_int(seed: np.random.SeedSequence) -> int:
    if not isinstance(seed, np.random.SeedSequence):
        raise InputError(f"seed {seed!r}: allowed values are numpy.random.SeedSequence objects "
                         "(the campaign's, e.g. SeedSequence(entropy))")
    return int(seed.generate_state(1, np.uint32)[0])


def runs_needed(method: str, n_factors: int, n: int) -> int:
    """Model runs (design points, before replications) a sensitivity design takes.

    Parameters
    ----------
    method : {'tornado', 'morris', 'sobol'}
        The design.
    n_factors : int
        ``D``, the number of varied figures.
    n : int
        Morris trajectories or Sobol' base samples (a power of two); ignored by the tornado.

    Returns
    -------
    int
        ``2D + 1`` (tornado), ``n (D + 1)`` (Morris), ``n (D + 2)`` (Sobol', no second order).

    Examples
    --------
    >>> runs_needed("tornado", 5, 0), runs_needed("morris", 5, 10), runs_needed("sobol", 5, 64)
    (11, 60, 448)
    """
    _check_method(method)
    if isinstance(n_factors, bool) or not isinstance(n_factors, (int, np.integer)) or n_factors < 1:
        raise InputError(f"number of factors {n_factors!r}: allowed values are integers >= 1")
    d = int(n_factors)
    n = _check_n(method, n)
    if method == "tornado":
        return 2 * d + 1
    return n * (d + 1) if method == "morris" else n * (d + 2)


def sample(method: str, factor_list: Sequence[Factor], n: int,
           seed: np.random.SeedSequence) -> pd.DataFrame:
    """The design points of a sensitivity analysis, in the form of
    :func:`~iadsim.campaigns.design.design`.

    Parameters
    ----------
    method : {'tornado', 'morris', 'sobol'}
        ``'tornado'``: point 0 has every factor nominal, then for each factor in turn a point at
        its lower and one at its upper value (the others nominal): ``2D + 1`` points, ``n`` is
        ignored. ``'morris'``: ``n`` trajectories of ``D + 1`` points on a 4-level grid
        (:func:`SALib.sample.morris.sample`). ``'sobol'``: Saltelli's cross-sampled scrambled
        Sobol' points without second-order terms, ``n (D + 2)`` points
        (:func:`SALib.sample.sobol.sample`); ``n`` a power of two.
    factor_list : sequence of Factor
        The varied figures.
    n : int
        Morris trajectories (>= 2) or Sobol' base samples (a power of two >= 2).
    seed : numpy.random.SeedSequence
        The campaign's; the SALib seed is drawn from it (``generate_state``), so the design is
        reproducible.

    Returns
    -------
    pandas.DataFrame
        ``point`` (int64, 0 .. k-1), then one column per factor name, values in the unit of the
        name's suffix. Points must keep this order for :func:`analyze`.

    Raises
    ------
    iadsim.errors.InputError
        An unknown method, no factors (or one twice), an ``n`` out of range or, for Sobol',
        not a power of two (naming the nearest allowed values), a seed that is no SeedSequence.
    """
    _check_method(method)
    fs = _check_factors(factor_list)
    n = _check_n(method, n)
    d = len(fs)
    if method == "tornado":
        values = np.tile([f.nominal for f in fs], (2 * d + 1, 1))
        for i, f in enumerate(fs):
            values[1 + 2 * i, i] = f.lower
            values[2 + 2 * i, i] = f.upper
        table = pd.DataFrame(values, columns=[f.name for f in fs])
    else:
        s = _seed_int(seed)
        if method == "morris":
            u = morris_sample.sample(_problem(fs), n, num_levels=MORRIS_LEVELS, seed=s)
        else:
            u = sobol_sample.sample(_problem(fs), n, calc_second_order=False, scramble=True, seed=s)
        table = pd.DataFrame({f.name: f.values(u[:, j]) for j, f in enumerate(fs)})
    table.insert(0, "point", np.arange(len(table), dtype=np.int64))
    return table


def _unit(f: Factor, v: np.ndarray) -> np.ndarray:
    """The unit-interval points of a factor's values (its CDF; inverse of :meth:`Factor.values`)."""
    width = f.upper - f.lower
    if f.distribution == "uniform":
        return np.clip((v - f.lower) / width, 0.0, 1.0)
    return stats.triang((f.nominal - f.lower) / width, loc=f.lower, scale=width).cdf(v)


def _design_matrix(method: str, table: pd.DataFrame, fs: Sequence[Factor]) -> np.ndarray:
    """The factor values of ``table`` in point order, shape ``(k, D)``, checked to be a
    ``method`` design of these factors."""
    missing = [f.name for f in fs if f.name not in table.columns]
    if missing or "point" not in table.columns:
        raise InputError(f"design table lacks column(s) {', '.join(missing or ['point'])}; "
                         "allowed: the table sample() returned for these factors")
    table = table.sort_values("point", kind="stable")
    k, d = len(table), len(fs)
    if table["point"].tolist() != list(range(k)):
        raise InputError("design table points are not 0 .. k-1 each once; allowed: the table "
                         "sample() returned")
    x = table[[f.name for f in fs]].to_numpy(dtype=float)
    block = {"tornado": 2 * d + 1, "morris": d + 1, "sobol": d + 2}[method]
    ok = k == block if method == "tornado" else k >= 2 * block and k % block == 0
    if ok and method == "tornado":
        ok = bool(np.allclose(x, sample("tornado", fs, 0, np.random.SeedSequence(0))
                              .drop(columns="point").to_numpy(), rtol=1e-12, atol=0.0))
    elif ok and method == "morris":  # each step of a trajectory moves exactly one factor
        steps = np.diff(x.reshape(-1, block, d), axis=1) != 0
        ok = bool((steps.sum(axis=2) == 1).all() and (steps.sum(axis=1) == 1).all())
    elif ok:  # Saltelli blocks: A, A with column j from B (j = 1..D), B
        xb = x.reshape(-1, block, d)
        a, b = xb[:, :1, :], xb[:, -1:, :]
        eye = np.eye(d, dtype=bool)[None]
        ok = bool((xb[:, 1:-1] == np.where(eye, b, a)).all())
    if not ok:
        raise InputError(f"design table of {k} points over {d} factor(s) is not a {method} "
                         f"design; allowed: the table sample({method!r}, ...) returned, in point "
                         "order")
    return x


def _outputs(y: npt.ArrayLike, k: int, method: str) -> np.ndarray:
    """``y`` as ``(k, replications)``; NaN (an undefined metric) is an error."""
    arr = np.asarray(y, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != k or arr.shape[1] < 1:
        raise InputError(f"outputs of shape {np.shape(y)}: allowed are ({k},) or ({k}, "
                         "replications), one row per design point in point order")
    bad = int((~np.isfinite(arr)).any(axis=1).sum())
    if bad:
        raise InputError(f"{bad} of {k} design points have no value of the metric (NaN or "
                         f"infinite): a metric undefined in some runs (e.g. interceptors per kill "
                         f"in a run without a kill) cannot be analysed by {method}; allowed: a "
                         "metric defined in every run (e.g. leak fraction, kills)")
    return arr


def _tornado(fs: Sequence[Factor], y: np.ndarray) -> pd.DataFrame:
    mean = y.mean(axis=1)
    rows = []
    for i, f in enumerate(fs):
        lo, hi = 1 + 2 * i, 2 + 2 * i
        row = {"factor": f.name, "low_value": f.lower, "high_value": f.upper,
               "y_low": mean[lo], "y_high": mean[hi], "y_nominal": mean[0],
               "swing": abs(mean[hi] - mean[lo])}
        if y.shape[1] >= 2:
            # paired over replications (common random numbers): the t interval of y_high - y_low,
            # turned to the swing's direction (a lower end below 0: the direction is not shown)
            iv = mean_ci(y[hi] - y[lo], CONFIDENCE, "t")
            row["swing_ci_low"], row["swing_ci_high"] = (
                (iv.low, iv.high) if iv.estimate >= 0 else (-iv.high, -iv.low))
        rows.append(row)
    return pd.DataFrame(rows)


def analyze(method: str, table: pd.DataFrame, factor_list: Sequence[Factor], y: npt.ArrayLike,
            seed: np.random.SeedSequence | None = None) -> pd.DataFrame:
    """Sensitivity of an outcome to each factor, most important first.

    Parameters
    ----------
    method : {'tornado', 'morris', 'sobol'}
        The design ``table`` was made with.
    table : pandas.DataFrame
        The design of :func:`sample` (``point`` and one column per factor), possibly read back
        from the result store.
    factor_list : sequence of Factor
        The factors the design was made over.
    y : array_like, shape ``(k,)`` or ``(k, replications)``
        The outcome at each design point, ``y[j]`` at point ``j``: one value (e.g. the mean leak
        fraction over the point's replications) or one per replication. Replications are
        averaged; for the tornado, two or more give the swing's interval.
    seed : numpy.random.SeedSequence, optional
        Seeds SALib's bootstrap of ``mu_star_conf`` / ``S1_conf`` / ``ST_conf`` (default
        ``SeedSequence(0)``, so a report is reproducible).

    Returns
    -------
    pandas.DataFrame
        One row per factor, sorted by importance (ties keep the factors' order), and
        ``assumed`` (the library marks the figure assumed):

        - tornado: ``factor, low_value, high_value, y_low, y_high, y_nominal, swing`` with
          ``swing = |y_high - y_low|`` (figure values in the name's unit, outcomes in the
          outcome's), and with replications ``swing_ci_low, swing_ci_high``: the 95 % Student t
          interval of the paired difference ``y_high - y_low`` over replications, signed in
          the swing's direction;
        - morris: ``factor, mu, mu_star, mu_star_conf, sigma`` (elementary effects over the
          factor's whole distribution, in the outcome's unit; ``mu_star_conf`` the bootstrap
          95 % half-width), sorted by ``mu_star``;
        - sobol: ``factor, S1, S1_conf, ST, ST_conf`` (``*_conf`` bootstrap 95 % half-widths),
          sorted by ``ST``. Negative or > 1 estimates mean too few samples.

    Raises
    ------
    iadsim.errors.InputError
        An unknown method, a table that is not such a design of these factors, ``y`` of the
        wrong shape, or design points without a value (NaN; the message counts them).
    """
    _check_method(method)
    fs = _check_factors(factor_list)
    x = _design_matrix(method, table, fs)
    yk = _outputs(y, len(x), method)
    if method == "tornado":
        out = _tornado(fs, yk)
        key = "swing"
    else:
        s = _seed_int(seed if seed is not None else np.random.SeedSequence(0))
        ym = yk.mean(axis=1)
        if method == "morris":
            u = np.column_stack([_unit(f, x[:, j]) for j, f in enumerate(fs)])
            si = morris_analyze.analyze(_problem(fs), u, ym, num_levels=MORRIS_LEVELS, seed=s)
            cols, key = ("mu", "mu_star", "mu_star_conf", "sigma"), "mu_star"
        else:
            si = sobol_analyze.analyze(_problem(fs), ym, calc_second_order=False, seed=s)
            cols, key = ("S1", "S1_conf", "ST", "ST_conf"), "ST"
        out = pd.DataFrame({"factor": [f.name for f in fs],
                            **{c: np.asarray(si[c], dtype=float) for c in cols}})
    out["assumed"] = [f.assumed for f in fs]
    out = out.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)
    out.attrs.update(method=method, design_points=len(x), replications=int(yk.shape[1]))
    return out
