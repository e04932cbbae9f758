"""Missile guidance laws: proportional navigation, acceleration limits, lofting, fuze geometry,
and the guidance-error miss distance of a missile.

Two layers (STYLE: "pure array kernels on plain floats in SI + thin component"):

* **Kernels** — ``numba`` functions on one missile, 3-vectors passed as ``(x, y, z)`` tuples of
  floats (``pn_accel``, ``lofted_aim_1``, ``perpendicular_1``, ``limit_1``,
  ``closest_approach_1``). The flyout integrator (:func:`iadsim.weapons.flyout.fly`) calls them
  inside its compiled step loop; no arrays are allocated per step.
* **Array API** — the public functions below, vectorised over ``n`` missiles as
  struct-of-arrays ``(n, 3)``; each runs the same kernel row by row, so there is one
  implementation of every law.

The mode logic that decides *which* target state a law is fed (ground track in command
guidance, true target once the seeker has acquired) lives in the flyout; this module only holds
the laws.

Conventions: ``rel_pos = target_pos - missile_pos`` and ``rel_vel = target_vel - missile_vel``,
shape ``(n, 3)`` in the local ENU frame.

References
----------
Zarchan, P., *Tactical and Strategic Missile Guidance*, 6th ed., AIAA 2012, ch. 2 (proportional
navigation, n_c = N' V_c dλ/dt) and ch. 3 (closed-form solutions of the linearised engagement:
heading error, step target manoeuvre).
"""

from __future__ import annotations

from typing import Literal

import numba
import numpy as np

__all__ = [
    "MODE_BOOST",
    "MODE_COMMAND",
    "MODE_TERMINAL",
    "PN_PURE",
    "PN_TRUE",
    "closest_approach",
    "limit_magnitude",
    "lofted_aim",
    "los_rate",
    "miss_with_guidance_error",
    "perpendicular_to",
    "proportional_navigation",
]

#: Flight modes recorded by the flyout (int8 codes).
MODE_BOOST = 0      # launch / unguided until the guidance delay has elapsed
MODE_COMMAND = 1    # command (mid-course) guidance on the ground radar's track of the target
MODE_TERMINAL = 2   # active / semi-active terminal homing on the true target

#: PN variant codes used by the kernels (``"true"``, ``"pure"`` in the array API).
PN_TRUE, PN_PURE = 0, 1
_VARIANTS = {"true": PN_TRUE, "pure": PN_PURE}

_TINY = 1e-12

_kernel = numba.njit(cache=True)


# ------------------------------------------------------------------------------ kernels
@_kernel
def dot3(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


@_kernel
def cross3(a, b):
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


@_kernel
def scale3(s, a):
    return (s * a[0], s * a[1], s * a[2])


@_kernel
def sub3(a, b):
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


@_kernel
def los_rate_1(r, v):
    """ω = r × v / |r|², V_c = −r·v / |r| for one missile (tuples)."""
    r2 = max(dot3(r, r), _TINY)
    omega = scale3(1.0 / r2, cross3(r, v))
    return omega, -dot3(r, v) / np.sqrt(r2)


@_kernel
def pn_accel(r, v, gain, missile_vel, variant):
    """PN command for one missile: true PN ``N V_c (ω × û_LOS)`` or pure PN ``N |V_m| (ω × v̂_m)``."""
    omega, vc = los_rate_1(r, v)
    if variant == PN_TRUE:
        u = scale3(1.0 / max(np.sqrt(dot3(r, r)), _TINY), r)
        return scale3(gain * vc, cross3(omega, u))
    vm = np.sqrt(dot3(missile_vel, missile_vel))
    vhat = scale3(1.0 / max(vm, _TINY), missile_vel)
    return scale3(gain * vm, cross3(omega, vhat))


@_kernel
def perpendicular_1(vec, direction):
    d2 = max(dot3(direction, direction), _TINY)
    return sub3(vec, scale3(dot3(vec, direction) / d2, direction))


@_kernel
def limit_1(vec, max_norm):
    norm = np.sqrt(dot3(vec, vec))
    return scale3(min(1.0, max_norm / max(norm, _TINY)), vec)


@_kernel
def lofted_aim_1(target_pos, target_vel, missile_pos, missile_vel, loft_rad):
    rx, ry = target_pos[0] - missile_pos[0], target_pos[1] - missile_pos[1]
    rvx, rvy = target_vel[0] - missile_vel[0], target_vel[1] - missile_vel[1]
    rh = np.hypot(rx, ry)
    rh_dot = (rx * rvx + ry * rvy) / max(rh, _TINY)
    tl = np.tan(loft_rad)
    aim = (target_pos[0], target_pos[1], target_pos[2] + rh * tl)
    aim_v = (target_vel[0], target_vel[1], target_vel[2] + rh_dot * tl)
    return aim, aim_v


@_kernel
def closest_approach_1(rel0, rel1):
    """``(miss, frac)`` of the closest approach between two relative positions (linear motion)."""
    d = sub3(rel1, rel0)
    frac = min(max(-dot3(rel0, d) / max(dot3(d, d), _TINY), 0.0), 1.0)
    m = (rel0[0] + frac * d[0], rel0[1] + frac * d[1], rel0[2] + frac * d[2])
    return np.sqrt(dot3(m, m)), frac


# ------------------------------------------------------------------------------ row loops
@numba.njit(cache=True)
def _rows_los_rate(rel_pos, rel_vel):
    n = rel_pos.shape[0]
    omega = np.empty((n, 3))
    vc = np.empty(n)
    for i in range(n):
        r = (rel_pos[i, 0], rel_pos[i, 1], rel_pos[i, 2])
        v = (rel_vel[i, 0], rel_vel[i, 1], rel_vel[i, 2])
        w, vc[i] = los_rate_1(r, v)
        omega[i, 0], omega[i, 1], omega[i, 2] = w
    return omega, vc


@numba.njit(cache=True)
def _rows_pn(rel_pos, rel_vel, gain, missile_vel, variant):
    n = rel_pos.shape[0]
    out = np.empty((n, 3))
    for i in range(n):
        r = (rel_pos[i, 0], rel_pos[i, 1], rel_pos[i, 2])
        v = (rel_vel[i, 0], rel_vel[i, 1], rel_vel[i, 2])
        mv = (missile_vel[i, 0], missile_vel[i, 1], missile_vel[i, 2])
        out[i, 0], out[i, 1], out[i, 2] = pn_accel(r, v, gain[i], mv, variant)
    return out


@numba.njit(cache=True)
def _rows_perpendicular(vec, direction):
    out = np.empty_like(vec)
    for i in range(vec.shape[0]):
        a = (vec[i, 0], vec[i, 1], vec[i, 2])
        d = (direction[i, 0], direction[i, 1], direction[i, 2])
        out[i, 0], out[i, 1], out[i, 2] = perpendicular_1(a, d)
    return out


@numba.njit(cache=True)
def _rows_limit(vec, max_norm):
    out = np.empty_like(vec)
    for i in range(vec.shape[0]):
        a = (vec[i, 0], vec[i, 1], vec[i, 2])
        out[i, 0], out[i, 1], out[i, 2] = limit_1(a, max_norm[i])
    return out


@numba.njit(cache=True)
def _rows_lofted_aim(target_pos, target_vel, missile_pos, missile_vel, loft_rad):
    n = target_pos.shape[0]
    aim = np.empty((n, 3))
    aim_v = np.empty((n, 3))
    for i in range(n):
        a, av = lofted_aim_1((target_pos[i, 0], target_pos[i, 1], target_pos[i, 2]),
                             (target_vel[i, 0], target_vel[i, 1], target_vel[i, 2]),
                             (missile_pos[i, 0], missile_pos[i, 1], missile_pos[i, 2]),
                             (missile_vel[i, 0], missile_vel[i, 1], missile_vel[i, 2]), loft_rad[i])
        aim[i, 0], aim[i, 1], aim[i, 2] = a
        aim_v[i, 0], aim_v[i, 1], aim_v[i, 2] = av
    return aim, aim_v


@numba.njit(cache=True)
def _rows_closest_approach(rel0, rel1):
    n = rel0.shape[0]
    miss = np.empty(n)
    frac = np.empty(n)
    for i in range(n):
        miss[i], frac[i] = closest_approach_1((rel0[i, 0], rel0[i, 1], rel0[i, 2]),
                                              (rel1[i, 0], rel1[i, 1], rel1[i, 2]))
    return miss, frac


# ------------------------------------------------------------------------------ array API
def _rows(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.atleast_2d(np.asarray(a, dtype=float)))


def _per_row(x: float | np.ndarray, n: int) -> np.ndarray:
    return np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=float), (n,)))


def los_rate(rel_pos: np.ndarray, rel_vel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LOS angular-rate vector ω = r × v / |r|² (rad/s, (n, 3)) and closing speed V_c = −ṙ (m/s, (n,)).

    Examples
    --------
    >>> w, vc = los_rate(np.array([[1000.0, 0, 0]]), np.array([[-100.0, 10.0, 0]]))
    >>> float(w[0, 2]), float(vc[0])
    (0.01, 100.0)
    """
    return _rows_los_rate(_rows(rel_pos), _rows(rel_vel))


def proportional_navigation(rel_pos: np.ndarray, rel_vel: np.ndarray, nav_gain: float | np.ndarray,
                            missile_vel: np.ndarray | None = None,
                            variant: Literal["true", "pure"] = "true") -> np.ndarray:
    """Proportional-navigation acceleration command, (n, 3) m/s².

    ``true``: a = N · V_c · (ω × û_LOS), perpendicular to the line of sight (Zarchan ch. 2,
    n_c = N' V_c λ̇). ``pure``: a = N · |V_m| · (ω × v̂_m), perpendicular to the missile velocity
    (needs ``missile_vel``).
    """
    if variant not in _VARIANTS:
        raise ValueError(f"variant {variant!r}: allowed 'true', 'pure'")
    if variant == "pure" and missile_vel is None:
        raise ValueError("pure PN needs missile_vel")
    r = _rows(rel_pos)
    mv = np.zeros_like(r) if missile_vel is None else _rows(missile_vel)
    return _rows_pn(r, _rows(rel_vel), _per_row(nav_gain, r.shape[0]), mv, _VARIANTS[variant])


def perpendicular_to(vec: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Component of ``vec`` (n, 3) perpendicular to ``direction`` (n, 3)."""
    return _rows_perpendicular(_rows(vec), _rows(direction))


def limit_magnitude(vec: np.ndarray, max_norm: float | np.ndarray) -> np.ndarray:
    """Clip the magnitude of each row of ``vec`` (n, 3) to ``max_norm`` (scalar or (n,))."""
    v = _rows(vec)
    return _rows_limit(v, _per_row(max_norm, v.shape[0]))


def lofted_aim(target_pos: np.ndarray, target_vel: np.ndarray, missile_pos: np.ndarray,
               missile_vel: np.ndarray, loft_rad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Aim point raised by ``R_ground · tan(loft)`` above the target, and its velocity.

    Trajectory shaping for long-range mid-course flight: PN towards a point that sits above the
    target by a height proportional to the remaining ground range climbs the missile into thin air
    early and lets the aim point descend onto the target as the range closes (loft 0 → plain PN).
    Returns ``(aim_pos, aim_vel)``, each (n, 3).
    """
    tp = _rows(target_pos)
    return _rows_lofted_aim(tp, _rows(target_vel), _rows(missile_pos), _rows(missile_vel),
                            _per_row(loft_rad, tp.shape[0]))


def closest_approach(rel0: np.ndarray, rel1: np.ndarray, t0: float, dt: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closest approach inside one step, assuming linear relative motion between the step ends.

    ``rel0``, ``rel1``: relative positions (n, 3) at ``t0`` and ``t0 + dt``. Returns
    ``(miss_m, time_s, frac)`` with ``frac`` in [0, 1] the fraction of the step.
    """
    miss, frac = _rows_closest_approach(_rows(rel0), _rows(rel1))
    return miss, t0 + frac * dt, frac


def miss_with_guidance_error(flown_miss_m: np.ndarray, sigma_m: float,
                             rng: np.random.Generator) -> np.ndarray:
    """Miss distance of missiles with independent guidance errors, one draw per missile.

    The guidance error is a circular-normal offset in the miss plane (normal to the closing
    velocity at closest approach), σ per axis, independent between missiles (each has its own
    seeker / track noise, glint, autopilot lag and fuze timing). Added to a flown (noise-free)
    miss of length ``m`` the miss distance is ``|(m + e₁, e₂)|`` with ``e ~ N(0, σ² I₂)``: Rice
    distributed, Rayleigh for ``m = 0`` (the isotropic error makes the direction of ``m``
    irrelevant).

    Parameters
    ----------
    flown_miss_m : (n,) array
        Closest approach of the noise-free flyout, m (NaN: no closest approach; stays NaN).
    sigma_m : float
        1-σ guidance error per axis, m (≥ 0; 0 returns the flown miss).
    rng : numpy.random.Generator
        Source of the draws (two standard normals per missile, drawn for every missile).

    Returns
    -------
    (n,) array
        Miss distance, m.

    References
    ----------
    Driels, M. R. (2013), *Weaponeering*, 2nd ed., AIAA: circular-normal delivery error about
    an aim point (the radial miss of a circular normal is Rayleigh distributed; about an
    offset aim point, Rice).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> miss = miss_with_guidance_error(np.zeros(100_000), 10.0, rng)
    >>> round(float(np.sqrt(np.mean(miss**2) / 2)), 1)   # Rayleigh: E[r²] = 2σ²
    10.0
    """
    if not (np.isfinite(sigma_m) and sigma_m >= 0.0):
        raise ValueError(f"sigma_m must be finite and >= 0, got {sigma_m!r}")
    flown = np.asarray(flown_miss_m, dtype=float)
    error = rng.standard_normal((flown.size, 2)) * sigma_m
    miss = np.hypot(np.nan_to_num(flown.ravel(), nan=0.0) + error[:, 0], error[:, 1])
    return np.where(np.isfinite(flown.ravel()), miss, np.nan).reshape(flown.shape)
