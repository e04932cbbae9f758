"""Missile guidance laws: proportional navigation, acceleration limits, lofting, fuze geometry.

Pure array kernels (SI, float64, vectorised over ``n`` missiles as struct-of-arrays). The mode
logic that decides *which* target state a law is fed (ground track in command guidance, true
target once the seeker has acquired) lives in :func:`iadsim.weapons.flyout.fly`; this module only
holds the laws.

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

import numpy as np

__all__ = [
    "MODE_BOOST",
    "MODE_COMMAND",
    "MODE_TERMINAL",
    "closest_approach",
    "limit_magnitude",
    "lofted_aim",
    "los_rate",
    "perpendicular_to",
    "proportional_navigation",
]

#: Flight modes recorded by the flyout (int8 codes).
MODE_BOOST = 0      # launch / unguided until the guidance delay has elapsed
MODE_COMMAND = 1    # command (mid-course) guidance on the ground radar's track of the target
MODE_TERMINAL = 2   # active / semi-active terminal homing on the true target

_TINY = 1e-12


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", a, b)


def los_rate(rel_pos: np.ndarray, rel_vel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LOS angular-rate vector ω = r × v / |r|² (rad/s, (n, 3)) and closing speed V_c = −ṙ (m/s, (n,)).

    Examples
    --------
    >>> w, vc = los_rate(np.array([[1000.0, 0, 0]]), np.array([[-100.0, 10.0, 0]]))
    >>> float(w[0, 2]), float(vc[0])
    (0.01, 100.0)
    """
    r2 = np.maximum(_dot(rel_pos, rel_pos), _TINY)
    omega = np.cross(rel_pos, rel_vel) / r2[:, None]
    vc = -_dot(rel_pos, rel_vel) / np.sqrt(r2)
    return omega, vc


def proportional_navigation(rel_pos: np.ndarray, rel_vel: np.ndarray, nav_gain: float | np.ndarray,
                            missile_vel: np.ndarray | None = None,
                            variant: Literal["true", "pure"] = "true") -> np.ndarray:
    """Proportional-navigation acceleration command, (n, 3) m/s².

    ``true``: a = N · V_c · (ω × û_LOS), perpendicular to the line of sight (Zarchan ch. 2,
    n_c = N' V_c λ̇). ``pure``: a = N · |V_m| · (ω × v̂_m), perpendicular to the missile velocity
    (needs ``missile_vel``).
    """
    omega, vc = los_rate(rel_pos, rel_vel)
    gain = np.broadcast_to(np.asarray(nav_gain, dtype=float), vc.shape)
    if variant == "true":
        u = rel_pos / np.maximum(np.linalg.norm(rel_pos, axis=1), _TINY)[:, None]
        return (gain * vc)[:, None] * np.cross(omega, u)
    if variant == "pure":
        if missile_vel is None:
            raise ValueError("pure PN needs missile_vel")
        vm = np.linalg.norm(missile_vel, axis=1)
        vhat = missile_vel / np.maximum(vm, _TINY)[:, None]
        return (gain * vm)[:, None] * np.cross(omega, vhat)
    raise ValueError(f"variant {variant!r}: allowed 'true', 'pure'")


def perpendicular_to(vec: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Component of ``vec`` (n, 3) perpendicular to ``direction`` (n, 3)."""
    d2 = np.maximum(_dot(direction, direction), _TINY)
    return vec - (_dot(vec, direction) / d2)[:, None] * direction


def limit_magnitude(vec: np.ndarray, max_norm: float | np.ndarray) -> np.ndarray:
    """Clip the magnitude of each row of ``vec`` (n, 3) to ``max_norm`` (scalar or (n,))."""
    norm = np.linalg.norm(vec, axis=1)
    scale = np.minimum(1.0, np.asarray(max_norm, dtype=float) / np.maximum(norm, _TINY))
    return vec * scale[:, None]


def lofted_aim(target_pos: np.ndarray, target_vel: np.ndarray, missile_pos: np.ndarray,
               missile_vel: np.ndarray, loft_rad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Aim point raised by ``R_ground · tan(loft)`` above the target, and its velocity.

    Trajectory shaping for long-range mid-course flight: PN towards a point that sits above the
    target by a height proportional to the remaining ground range climbs the missile into thin air
    early and lets the aim point descend onto the target as the range closes (loft 0 → plain PN).
    Returns ``(aim_pos, aim_vel)``, each (n, 3).
    """
    rel = target_pos - missile_pos
    rel_v = target_vel - missile_vel
    rh = np.hypot(rel[:, 0], rel[:, 1])
    rh_dot = (rel[:, 0] * rel_v[:, 0] + rel[:, 1] * rel_v[:, 1]) / np.maximum(rh, _TINY)
    tl = np.tan(loft_rad)
    aim = target_pos.copy()
    aim_v = target_vel.copy()
    aim[:, 2] += rh * tl
    aim_v[:, 2] += rh_dot * tl
    return aim, aim_v


def closest_approach(rel0: np.ndarray, rel1: np.ndarray, t0: float, dt: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closest approach inside one step, assuming linear relative motion between the step ends.

    ``rel0``, ``rel1``: relative positions (n, 3) at ``t0`` and ``t0 + dt``. Returns
    ``(miss_m, time_s, frac)`` with ``frac`` in [0, 1] the fraction of the step.
    """
    d = rel1 - rel0
    frac = np.clip(-_dot(rel0, d) / np.maximum(_dot(d, d), _TINY), 0.0, 1.0)
    miss = np.linalg.norm(rel0 + frac[:, None] * d, axis=1)
    return miss, t0 + frac * dt, frac
