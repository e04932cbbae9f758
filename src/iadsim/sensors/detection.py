"""Probability of detection for a square-law detector with non-coherent integration.

Exact results for Swerling targets 0-4 in complex Gaussian noise, after non-coherent
(post-detection) integration of ``N`` pulses with a square-law detector and a fixed
threshold set for a false-alarm probability ``pfa``.

Model (Richards 2014, sec. 6.3; Shnidman 1995). Normalise each pulse by the noise power, so
the integrated noise-only statistic is ``Z ~ Gamma(N, 1)`` and the threshold is
``T = Q^{-1}(N, pfa)`` (inverse regularised upper incomplete gamma function). With a
single-pulse mean SNR ``x`` the target statistic is chi-square with ``2K`` degrees of
freedom (``K = 1, N, 2, 2N`` for Swerling 1-4; ``K -> inf`` for Swerling 0), and the
Laplace transform of ``Z`` is

    E[exp(-sZ)] = (1 + s)^-(N-K) (1 + a s)^-K,   a = 1 + N x / K.

Hence ``Z = X + Y`` with ``X ~ Gamma(N - K, 1)`` and ``Y ~ Gamma(K, a)`` when ``K <= N``,
and ``Z`` is a binomial mixture of ``Gamma(N + j, a)`` laws when ``K >= N``. Every case
below is a closed form in regularised incomplete gamma functions, evaluated in log space
where its factors can overflow.

References
----------
.. [1] M. A. Richards, *Fundamentals of Radar Signal Processing*, 2nd ed., McGraw-Hill, 2014,
   ch. 6 (eqs. 6.79-6.107, Table 6.1; Albersheim eq. 6.87).
.. [2] D. A. Shnidman, "Radar detection probabilities and their calculation," IEEE Trans.
   Aerosp. Electron. Syst. 31(3), 928-950, 1995.
.. [3] D. A. Shnidman, "Binary integration for Swerling target fluctuations," IEEE Trans.
   Aerosp. Electron. Syst. 34(3), 1043-1053, 1998.
.. [4] P. Swerling, "Probability of detection for fluctuating targets," IRE Trans. Inf. Theory
   IT-6(2), 269-308, 1960.
.. [5] J. V. DiFranco and W. L. Rubin, *Radar Detection*, Artech House, 1980, ch. 10-11.
.. [6] D. P. Meyer and H. A. Mayer, *Radar Target Detection*, Academic Press, 1973.
.. [7] W. J. Albersheim, "A closed-form approximation to Robertson's detection
   characteristics," Proc. IEEE 69(7), 839, 1981.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

__all__ = ["albersheim_snr_db", "pd", "required_snr_db"]

#: Swerling cases understood by this module.
SWERLING_CASES = (0, 1, 2, 3, 4)

# Bracket (dB) searched by ``required_snr_db``; wide enough for pd up to 1 - 1e-12 with
# pfa down to 1e-15 and n_pulses up to ~1e5.
_SNR_BRACKET_DB = (-80.0, 140.0)
_SNR_TOL_DB = 1e-6
# Number of terms of the series used by ``_log_gammainc`` when ``gammainc`` underflows.
_SERIES_TERMS = 600


def _as_float_array(value: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    return arr


def _check_probability(value: np.ndarray, name: str) -> None:
    if not ((value > 0.0) & (value < 1.0)).all():
        bad = float(value[~((value > 0.0) & (value < 1.0))].flat[0])
        raise ValueError(f"{name} must lie in the open interval (0, 1); got {bad!r}")


def _check_pulses_and_case(n_pulses: np.ndarray, swerling: np.ndarray) -> None:
    if not ((n_pulses >= 1) & (n_pulses == np.floor(n_pulses))).all():
        bad = float(n_pulses[~((n_pulses >= 1) & (n_pulses == np.floor(n_pulses)))].flat[0])
        raise ValueError(f"n_pulses must be an integer >= 1; got {bad!r}")
    if not np.isin(swerling, SWERLING_CASES).all():
        bad = float(swerling[~np.isin(swerling, SWERLING_CASES)].flat[0])
        raise ValueError(f"swerling must be one of {SWERLING_CASES}; got {bad!r}")


def _log_gammainc(m: ArrayLike, z: ArrayLike) -> np.ndarray:
    """``log P(m, z)`` (regularised lower incomplete gamma), finite where ``P`` underflows.

    Where ``P(m, z) < 1e-280`` the power series
    ``P(m, z) = z^m e^-z / Gamma(m + 1) * sum_k z^k / ((m + 1) ... (m + k))`` is used; there
    ``z`` is well below ``m``, so the terms fall geometrically.
    """
    shape = np.broadcast_shapes(np.shape(m), np.shape(z))
    m, z = (np.broadcast_to(v, shape).ravel() for v in (m, z))
    p = special.gammainc(m, z)
    with np.errstate(divide="ignore"):
        out = np.log(p)
    tiny = (p < 1e-280) & (z > 0.0)
    if tiny.any():
        mt, zt = m[tiny], z[tiny]
        k = np.arange(1, _SERIES_TERMS + 1)[:, None]
        terms = np.cumsum(np.log(zt) - np.log(mt + k), axis=0)
        log_series = np.logaddexp.reduce(np.vstack([np.zeros_like(zt), terms]), axis=0)
        out[tiny] = mt * np.log(zt) - zt - special.gammaln(mt + 1.0) + log_series
    return out.reshape(shape)


def _pd_nonfluctuating(x: np.ndarray, t: np.ndarray, n: float) -> np.ndarray:
    # 2Z is non-central chi-square, 2N degrees of freedom, non-centrality 2 N x
    # (Richards eq. 6.86 is the same Marcum Q function written as a series).
    return stats.ncx2.sf(2.0 * t, 2.0 * n, 2.0 * n * x)


def _pd_mixture(t: np.ndarray, a: np.ndarray, n: float, k: float) -> np.ndarray:
    # K >= N: (1+s)^(K-N) (1+as)^-K with (1+s) = (1/a)(1+as) + (1-1/a) expands into a
    # binomial(K-N, 1-1/a) mixture of Gamma(N+j, a) laws.
    extra = int(k - n)
    p = 1.0 - 1.0 / a
    out = np.zeros(np.broadcast_shapes(np.shape(t), np.shape(a)))
    for j in range(extra + 1):
        out += stats.binom.pmf(j, extra, p) * special.gammaincc(n + j, t / a)
    return out


def _pd_sum_of_gammas(t: np.ndarray, b: np.ndarray, n: float, k: float) -> np.ndarray:
    # K < N: Z = X + Y, X ~ Gamma(m, 1), m = N - K, Y ~ Gamma(K, a), a = 1 + b, K in {1, 2}.
    # P(Z > T) = Q(m, T) + int_0^T f_X(u) P(Y > T - u) du; with r = 1 - 1/a = b / (1 + b)
    # the integral is e^(-T/a) r^-m [c0 P(m, rT) - c1 P(m + 1, rT)] where
    # K = 1: c0 = 1, c1 = 0 (Richards eq. 6.99); K = 2: c0 = 1 + T/a, c1 = m / b.
    m = n - k
    a = 1.0 + b
    log_r = np.log(b) - np.log1p(b)
    log_p_m = _log_gammainc(m, np.exp(log_r) * t)
    log_scale = -t / a - m * log_r + log_p_m
    if k == 1:
        bracket = np.ones_like(log_scale)
    else:
        log_ratio = _log_gammainc(m + 1.0, np.exp(log_r) * t) - log_p_m
        bracket = (1.0 + t / a) - (m / b) * np.exp(log_ratio)
    return special.gammaincc(m, t) + np.exp(log_scale) * bracket


def _pd_kernel(x: np.ndarray, t: np.ndarray, n: float, swerling: int) -> np.ndarray:
    """Pd for one (n_pulses, swerling) pair; ``x`` linear single-pulse SNR, ``t`` threshold."""
    if swerling == 0:
        return _pd_nonfluctuating(x, t, n)
    k = {1: 1.0, 2: n, 3: 2.0, 4: 2.0 * n}[swerling]
    b = n * x / k
    positive = b > 0.0
    b_safe = np.where(positive, b, 1.0)
    if k >= n:
        p = _pd_mixture(t, 1.0 + b_safe, n, k)
    else:
        p = _pd_sum_of_gammas(t, b_safe, n, k)
    return np.where(positive, p, special.gammaincc(n, t))  # b = 0: no signal, pd = pfa


def _pd_linear(
    snr: np.ndarray, t: np.ndarray, n_pulses: np.ndarray, swerling: np.ndarray
) -> np.ndarray:
    """Pd on broadcastable arrays, one kernel call per distinct ``(n_pulses, swerling)``."""
    shape = np.broadcast_shapes(snr.shape, t.shape, n_pulses.shape, swerling.shape)
    pairs = np.unique(
        np.stack([a.ravel() for a in np.broadcast_arrays(n_pulses, swerling)]), axis=1
    )
    if pairs.shape[1] == 1:
        out = np.broadcast_to(_pd_kernel(snr, t, float(pairs[0, 0]), int(pairs[1, 0])), shape)
    else:
        snr, t, n_pulses, swerling = (
            np.broadcast_to(v, shape) for v in (snr, t, n_pulses, swerling)
        )
        out = np.empty(shape)
        for n, sw in pairs.T:
            mask = (n_pulses == n) & (swerling == sw)
            out[mask] = _pd_kernel(snr[mask], t[mask], float(n), int(sw))
    return np.clip(out, 0.0, 1.0)


def pd(
    snr_db: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1, swerling: ArrayLike = 0
) -> np.ndarray | float:
    """Probability of detection after non-coherent integration of square-law samples.

    Exact for a fixed threshold in complex Gaussian noise and Swerling target models 0-4.
    All arguments broadcast against each other.

    Parameters
    ----------
    snr_db : array_like
        Mean single-pulse signal-to-noise ratio, dB (``-inf`` means no signal).
    pfa : array_like
        False-alarm probability, in (0, 1).
    n_pulses : array_like
        Number of pulses integrated non-coherently, integer >= 1.
    swerling : array_like
        Swerling case: 0 (non-fluctuating), 1 (Rayleigh, scan-to-scan), 2 (Rayleigh,
        pulse-to-pulse), 3 (chi-square 4 dof, scan-to-scan), 4 (chi-square 4 dof,
        pulse-to-pulse).

    Returns
    -------
    numpy.ndarray or float
        Probability of detection, broadcast shape of the inputs (a float for scalar inputs).

    Raises
    ------
    ValueError
        If ``pfa`` is outside (0, 1), ``n_pulses`` is not an integer >= 1, or ``swerling``
        is not in 0..4.

    References
    ----------
    Richards (2014) eqs. 6.86 (Swerling 0), 6.99 (Swerling 1), 6.107 (Swerling 2) and
    Table 6.1 (Swerling 3, 4); Shnidman (1995); Swerling (1960); DiFranco & Rubin (1980).

    Examples
    --------
    Swerling 1, one pulse: ``pd = pfa ** (1 / (1 + snr))``.

    >>> round(float(pd(20.0, 1e-6, 1, 1)), 6) == round(1e-6 ** (1 / 101), 6)
    True
    """
    snr = 10.0 ** (_as_float_array(snr_db, "snr_db") / 10.0)
    pfa_arr = _as_float_array(pfa, "pfa")
    n_arr = _as_float_array(n_pulses, "n_pulses")
    sw_arr = _as_float_array(swerling, "swerling")
    _check_probability(pfa_arr, "pfa")
    _check_pulses_and_case(n_arr, sw_arr)
    out = _pd_linear(snr, special.gammainccinv(n_arr, pfa_arr), n_arr, sw_arr)
    return float(out) if out.ndim == 0 else out


def required_snr_db(
    pd: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1, swerling: ArrayLike = 0
) -> np.ndarray | float:
    """Single-pulse SNR (dB) at which :func:`pd` reaches the requested probability.

    Vectorised bisection in dB on the exact :func:`pd` (monotone in SNR), to 1e-6 dB.

    Parameters
    ----------
    pd : array_like
        Required probability of detection, in (pfa, 1).
    pfa : array_like
        False-alarm probability, in (0, 1).
    n_pulses : array_like
        Number of pulses integrated non-coherently, integer >= 1.
    swerling : array_like
        Swerling case, 0..4 (see :func:`pd`).

    Returns
    -------
    numpy.ndarray or float
        Required mean single-pulse SNR, dB (a float for scalar inputs).

    Raises
    ------
    ValueError
        If ``pd`` or ``pfa`` is outside (0, 1), ``pd <= pfa``, ``n_pulses`` is not an integer
        >= 1, ``swerling`` is not in 0..4, or the SNR lies outside -80..140 dB.

    References
    ----------
    Richards (2014) sec. 6.3 (detectability factor); Shnidman (1995).

    Examples
    --------
    >>> round(float(required_snr_db(0.9, 1e-6)), 2)
    13.18
    """
    pd_arr = _as_float_array(pd, "pd")
    pfa_arr = _as_float_array(pfa, "pfa")
    n_arr = _as_float_array(n_pulses, "n_pulses")
    sw_arr = _as_float_array(swerling, "swerling")
    _check_probability(pd_arr, "pd")
    _check_probability(pfa_arr, "pfa")
    _check_pulses_and_case(n_arr, sw_arr)
    pd_arr, pfa_arr, n_arr, sw_arr = np.broadcast_arrays(pd_arr, pfa_arr, n_arr, sw_arr)
    if (pd_arr <= pfa_arr).any():
        raise ValueError("pd must be greater than pfa (pd = pfa needs zero SNR)")
    t = special.gammainccinv(n_arr, pfa_arr)
    lo = np.full(pd_arr.shape, _SNR_BRACKET_DB[0])
    hi = np.full(pd_arr.shape, _SNR_BRACKET_DB[1])
    if (_pd_linear(10.0 ** (hi / 10.0), t, n_arr, sw_arr) < pd_arr).any() or (
        _pd_linear(10.0 ** (lo / 10.0), t, n_arr, sw_arr) > pd_arr
    ).any():
        raise ValueError(f"required SNR lies outside {_SNR_BRACKET_DB} dB; pd too close to 0 or 1")
    width_db = _SNR_BRACKET_DB[1] - _SNR_BRACKET_DB[0]
    for _ in range(int(np.ceil(np.log2(width_db / _SNR_TOL_DB)))):
        mid = 0.5 * (lo + hi)
        reached = _pd_linear(10.0 ** (mid / 10.0), t, n_arr, sw_arr) >= pd_arr
        hi = np.where(reached, mid, hi)
        lo = np.where(reached, lo, mid)
    out = 0.5 * (lo + hi)
    return float(out) if out.ndim == 0 else out


def albersheim_snr_db(pd: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1) -> np.ndarray:
    """Albersheim's empirical single-pulse SNR (dB) for a non-fluctuating target.

    For cross-checks only: stated accuracy 0.2 dB for 1e-7 <= pfa <= 1e-3,
    0.1 <= pd <= 0.9 and 1 <= N <= 8096 (linear detector; square-law differs by < 0.2 dB).

    Parameters
    ----------
    pd : array_like
        Probability of detection, in (0, 1).
    pfa : array_like
        False-alarm probability, in (0, 1).
    n_pulses : array_like
        Number of pulses integrated non-coherently, >= 1.

    Returns
    -------
    numpy.ndarray
        Required single-pulse SNR, dB.

    References
    ----------
    Albersheim (1981); Richards (2014) eq. 6.87.
    """
    pd_arr = _as_float_array(pd, "pd")
    pfa_arr = _as_float_array(pfa, "pfa")
    n_arr = _as_float_array(n_pulses, "n_pulses")
    _check_probability(pd_arr, "pd")
    _check_probability(pfa_arr, "pfa")
    _check_pulses_and_case(n_arr, np.zeros(1))
    a = np.log(0.62 / pfa_arr)
    b = np.log(pd_arr / (1.0 - pd_arr))
    return -5.0 * np.log10(n_arr) + (6.2 + 4.54 / np.sqrt(n_arr + 0.44)) * np.log10(
        a + 0.12 * a * b + 1.7 * b
    )
