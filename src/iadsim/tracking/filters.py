"""Motion models and Kalman / IMM filter kernels, vectorised over tracks.

Pure array kernels on plain float64 arrays in SI units. The state of one track is
``[position (n_dim), velocity (n_dim)]`` with ``n_dim`` = 2 (``x, y``) or 3 (``x, y, z``), so a
2-D state is ``[x_m, y_m, vx_m_s, vy_m_s]`` and a 3-D one ``[x_m, y_m, z_m, vx_m_s, vy_m_s,
vz_m_s]``. Measurements are Cartesian positions, ``H = [I 0]``.

Shapes: ``n`` tracks, ``r`` motion models, ``d`` state dimension, ``m`` measurement dimension.
Every kernel broadcasts over leading axes (``numpy.matmul``), so one call predicts or updates all
tracks (and all models of an IMM) at once; no Python loop runs over tracks. They are the public,
tested reference forms; :func:`iadsim.tracking.run_tracker` runs their compiled per-track
equivalents (:mod:`iadsim.tracking.kernels`), checked against them.

Motion models
-------------
- Nearly-constant velocity (CV): continuous white-noise acceleration ("continuous Wiener process
  acceleration") of power spectral density ``q`` (m^2/s^3) on each axis, discretised exactly
  ([1]_ §6.2.2).
- Coordinated turn (CT) with a *known, fixed* turn rate ``omega`` (rad/s) in the horizontal
  ``x-y`` plane ([1]_ §11.7); ``z`` (3-D) is CV. Its process noise is the CV
  matrix above (exact for ``omega -> 0``; the usual approximation for a known-rate CT model,
  [2]_). The turn rate is not estimated: manoeuvres are covered by an IMM over a bank
  ``[CV, CT(+omega), CT(-omega)]`` (left and right turns), which keeps every model linear and of
  the same dimension, so the IMM needs no state augmentation or EKF.

References
----------
.. [1] Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and
   Navigation*, Wiley, 2001: §5.2 (Kalman filter), §6.2.2 (CWNA model), §11.6 (IMM),
   §11.7 (coordinated turn).
.. [2] S. Blackman, R. Popoli, *Design and Analysis of Modern Tracking Systems*, Artech House,
   1999: ch. 4 (manoeuvring targets, IMM).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

__all__ = [
    "cv_model",
    "ct_model",
    "position_matrix",
    "kf_predict",
    "kf_update",
    "gaussian_log_likelihood",
    "imm_mix",
    "imm_mode_update",
    "imm_combine",
]


def _cwna_blocks(dt_s: float, q_m2_s3: float) -> np.ndarray:
    """Per-axis CWNA covariance ``q [[T^3/3, T^2/2], [T^2/2, T]]`` ([1]_ §6.2.2)."""
    t = dt_s
    return q_m2_s3 * np.array([[t**3 / 3.0, t**2 / 2.0], [t**2 / 2.0, t]])


def _expand_axes(block: np.ndarray, n_dim: int) -> np.ndarray:
    """Per-axis 2x2 ``(pos, vel)`` block -> ``(2 n_dim, 2 n_dim)`` for ``[pos, vel]`` ordering."""
    return np.kron(block, np.eye(n_dim))


def cv_model(dt_s: float, q_m2_s3: float, n_dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Transition and process-noise matrices of the nearly-constant-velocity model.

    Parameters
    ----------
    dt_s : float
        Time step, s (>= 0).
    q_m2_s3 : float
        Power spectral density of the continuous white-noise acceleration, m^2/s^3, on each axis.
    n_dim : int
        Spatial dimensions, 2 or 3.

    Returns
    -------
    F, Q : numpy.ndarray
        ``(d, d)`` each, ``d = 2 n_dim``; state ordering ``[pos, vel]``.

    References
    ----------
    Bar-Shalom et al. 2001, §6.2.2 (continuous white-noise acceleration model).

    Examples
    --------
    >>> F, Q = cv_model(2.0, 1.0, 2)
    >>> F[0].tolist(), float(Q[0, 0])
    ([1.0, 0.0, 2.0, 0.0], 2.6666666666666665)
    """
    f = _expand_axes(np.array([[1.0, dt_s], [0.0, 1.0]]), n_dim)
    return f, _expand_axes(_cwna_blocks(dt_s, q_m2_s3), n_dim)


def ct_model(dt_s: float, omega_rad_s: float, q_m2_s3: float, n_dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Coordinated turn with known rate ``omega`` in the ``x-y`` plane (``z`` CV).

    Parameters
    ----------
    dt_s : float
        Time step, s.
    omega_rad_s : float
        Turn rate, rad/s, positive counter-clockwise (from east towards north). ``0`` gives CV.
    q_m2_s3 : float
        Process-noise spectral density, m^2/s^3 (CV matrix, see the module notes).
    n_dim : int
        2 or 3.

    Returns
    -------
    F, Q : numpy.ndarray
        ``(d, d)`` each.

    References
    ----------
    Bar-Shalom et al. 2001, §11.7 (state reordered to ``[pos, vel]``).
    """
    f, q = cv_model(dt_s, q_m2_s3, n_dim)
    wt = omega_rad_s * dt_s
    if wt != 0.0:
        s, c = np.sin(wt), np.cos(wt)
        vx, vy = n_dim, n_dim + 1
        f[0, vx], f[0, vy] = s / omega_rad_s, -(1.0 - c) / omega_rad_s
        f[1, vx], f[1, vy] = (1.0 - c) / omega_rad_s, s / omega_rad_s
        f[vx, vx], f[vx, vy] = c, -s
        f[vy, vx], f[vy, vy] = s, c
    return f, q


def position_matrix(n_dim: int) -> np.ndarray:
    """Measurement matrix ``H = [I 0]`` of shape ``(n_dim, 2 n_dim)`` (position measured)."""
    return np.hstack([np.eye(n_dim), np.zeros((n_dim, n_dim))])


def kf_predict(x: np.ndarray, p: np.ndarray, f: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kalman prediction ``x' = F x``, ``P' = F P F^T + Q`` ([1]_ §5.2).

    Parameters
    ----------
    x : numpy.ndarray
        ``(..., d)`` states.
    p : numpy.ndarray
        ``(..., d, d)`` covariances.
    f, q : numpy.ndarray
        ``(..., d, d)`` transition and process noise, broadcast against ``x`` and ``p``.

    Returns
    -------
    x, p : numpy.ndarray
        Predicted states and covariances (new arrays).
    """
    x_new = np.einsum("...ij,...j->...i", f, x)
    p_new = f @ p @ np.swapaxes(f, -1, -2) + q
    return x_new, 0.5 * (p_new + np.swapaxes(p_new, -1, -2))


def kf_update(
    x: np.ndarray, p: np.ndarray, z: np.ndarray, r: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kalman update, Joseph form, vectorised ([1]_ §5.2; Joseph form of the covariance).

    Parameters
    ----------
    x : numpy.ndarray
        ``(..., d)`` predicted states.
    p : numpy.ndarray
        ``(..., d, d)`` predicted covariances.
    z : numpy.ndarray
        ``(..., m)`` measurements, broadcast against ``x``.
    r : numpy.ndarray
        ``(..., m, m)`` measurement covariances, m^2.
    h : numpy.ndarray
        ``(m, d)`` measurement matrix.

    Returns
    -------
    x, p : numpy.ndarray
        Updated states and covariances.
    nu : numpy.ndarray
        ``(..., m)`` innovations ``z - H x``.
    s : numpy.ndarray
        ``(..., m, m)`` innovation covariances ``H P H^T + R``.
    """
    ht = h.T
    nu = z - np.einsum("ij,...j->...i", h, x)
    pht = p @ ht
    s = h @ pht + r
    # K = P H^T S^-1, computed as solve(S, H P)^T (S and P symmetric)
    k = np.swapaxes(np.linalg.solve(s, np.swapaxes(pht, -1, -2)), -1, -2)
    x_new = x + np.einsum("...ij,...j->...i", k, nu)
    ikh = np.eye(h.shape[1]) - k @ h
    p_new = ikh @ p @ np.swapaxes(ikh, -1, -2) + k @ r @ np.swapaxes(k, -1, -2)
    return x_new, 0.5 * (p_new + np.swapaxes(p_new, -1, -2)), nu, s


def gaussian_log_likelihood(nu: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``log N(nu; 0, S)`` for innovations ``nu (..., m)`` and covariances ``S (..., m, m)``."""
    m = nu.shape[-1]
    chol = np.linalg.cholesky(s)
    w = np.linalg.solve(chol, nu[..., None])[..., 0]
    log_det = 2.0 * np.sum(np.log(np.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
    return -0.5 * (np.sum(w * w, axis=-1) + log_det + m * np.log(2.0 * np.pi))


def imm_mix(
    x: np.ndarray, p: np.ndarray, mu: np.ndarray, transition: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IMM interaction (mixing) step ([1]_ §11.6).

    Parameters
    ----------
    x : numpy.ndarray
        ``(n, r, d)`` model-conditioned states.
    p : numpy.ndarray
        ``(n, r, d, d)`` model-conditioned covariances.
    mu : numpy.ndarray
        ``(n, r)`` mode probabilities.
    transition : numpy.ndarray
        ``(r, r)`` Markov matrix, ``transition[i, j] = P(model j at k | model i at k-1)``.

    Returns
    -------
    x0, p0 : numpy.ndarray
        Mixed initial conditions, same shapes as ``x``, ``p``.
    c_bar : numpy.ndarray
        ``(n, r)`` predicted mode probabilities ``sum_i p_ij mu_i``.
    """
    joint = mu[:, :, None] * transition[None, :, :]  # (n, i, j)
    c_bar = joint.sum(axis=1)
    w = joint / np.maximum(c_bar[:, None, :], np.finfo(float).tiny)  # mu_{i|j}
    x0 = np.einsum("nij,nid->njd", w, x)
    dx = x[:, None, :, :] - x0[:, :, None, :]  # (n, j, i, d)
    spread = p[:, None, :, :, :] + dx[..., :, None] * dx[..., None, :]  # (n, j, i, d, d)
    p0 = np.einsum("nij,njide->njde", w, spread)
    return x0, p0, c_bar


def imm_mode_update(c_bar: np.ndarray, log_likelihood: np.ndarray) -> np.ndarray:
    """Posterior mode probabilities ``mu_j ∝ Lambda_j c_bar_j`` ([1]_ §11.6), in logs.

    ``c_bar`` and ``log_likelihood`` are ``(n, r)``; returns ``(n, r)`` summing to 1 per row.
    """
    log_w = np.log(np.maximum(c_bar, np.finfo(float).tiny)) + log_likelihood
    return np.exp(log_w - logsumexp(log_w, axis=1, keepdims=True))


def imm_combine(x: np.ndarray, p: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Moment-matched combination of model-conditioned estimates ([1]_ §11.6).

    ``x (n, r, d)``, ``p (n, r, d, d)``, ``mu (n, r)`` -> ``(n, d)``, ``(n, d, d)``.
    """
    xc = np.einsum("nr,nrd->nd", mu, x)
    dx = x - xc[:, None, :]
    pc = np.einsum("nr,nrde->nde", mu, p + dx[..., :, None] * dx[..., None, :])
    return xc, pc
