"""3-DOF point-mass missile flyout with guidance, vectorised over missiles.

Model
-----
* Frame: local flat-Earth ENU (x east, y north, z up, metres) with constant gravity
  ``g = 9.80665 m/s²`` along −z. Earth curvature is neglected: over a 400 km ground range the
  Earth drops by d²/(2R) ≈ 12.6 km below the tangent plane, so flat-Earth *altitudes* are biased
  high far from the launcher (the missile can "see" further than on a sphere) while horizontal
  distances are kept. This is a documented simplification of the published-figure calibration,
  which is done in the same frame, so calibrated ranges stay self-consistent.
* Point mass with zero angle of attack: thrust and drag act along the velocity; the guidance
  command is applied as a lateral acceleration perpendicular to the velocity, limited by
  ``max_lateral_g`` (structure / autopilot) and by the aerodynamic capability
  ``q · S · cn_max / m`` (dynamic-pressure limit).
* Induced drag (guided flight only): the lateral acceleration ``a_lat`` (guidance + gravity
  compensation) needs a normal-force coefficient ``CN = m a_lat / (q S)`` (capped at
  ``cn_max``), produced at an angle of attack α. Resolving body-axis forces into wind axes,
  ``C_D = C_A cos α + C_N sin α`` (Fleeman, *Tactical Missile Design*, 2nd ed., AIAA 2006,
  ch. 2, lift/drag from normal/axial force); with a linear normal-force curve ``CN = CN_α α``
  the small-angle induced part is ``C_Di = CN · α = k CN²``, ``k = 1 / CN_α``, i.e.
  ``D_i = q S k CN²`` along −velocity. ``CN_α`` is not published for these missiles; it is
  taken as ``cn_max / α_max`` with the assumed maximum trim angle of attack
  :data:`ALPHA_MAX_RAD` (= 20°, ASSUMED: Fleeman gives ~20-30° as the usual trim-α limit of
  tactical missiles). So at full aerodynamic capability ``C_Di = cn_max · α_max``. A body-alone
  slender-body slope (CN_α = 2 /rad, Munk) is not used: the calibrated ``cn_max`` (2-46) is far
  beyond what a wingless body gives and would imply α > 60°. Unguided (calibration) flights
  have no lateral acceleration and so no induced drag.
* Atmosphere: two-segment exponential density (Zarchan's fit of the standard atmosphere,
  ρ = 1.2256·exp(−h/9144 m) below 9144 m (0.002378 slug/ft³, H = 30 000 ft) and
  ρ = 1.7523·exp(−h/6705.6 m) above (0.0034 slug/ft³, H = 22 000 ft); Zarchan, *Tactical and
  Strategic Missile Guidance*, ballistic-target chapter). Speed of sound from the U.S. Standard
  Atmosphere 1976 temperature profile (NOAA-S/T 76-1562, table I: lapse-rate layers up to
  84.852 km geopotential), a = √(γ R T), γ = 1.4, R = 287.053 J/(kg K).
* Propulsion: solid motor with a boost and a sustain phase, each at constant mass flow
  (``linear mass flow``): thrust = ṁ · Isp · g0. Mass is integrated in closed form.
* Drag: D = q · S · C_D0(Mach), S = π d²/4, with a Mach table (assumed, see
  ``iadsim/data/missile_aero.yaml``).
* Integration: classical RK4 at a fixed step ``dt``; the guidance command is held over the
  step (zero-order hold, as in a sampled autopilot). Closest approach is interpolated inside the
  step that contains it (:func:`iadsim.weapons.guidance.closest_approach`).

References
----------
Zarchan, P., *Tactical and Strategic Missile Guidance*, 6th ed., AIAA 2012 (PN, exponential
atmosphere). U.S. Standard Atmosphere 1976, NOAA-S/T 76-1562. Sutton & Biblarz, *Rocket
Propulsion Elements*, 8th ed., eq. 4-7 (rocket equation Δv = Isp g0 ln(m0/m1)).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from iadsim.weapons.guidance import (
    MODE_BOOST,
    MODE_COMMAND,
    MODE_TERMINAL,
    closest_approach,
    limit_magnitude,
    lofted_aim,
    perpendicular_to,
    proportional_navigation,
)

__all__ = [
    "END_ENERGY",
    "END_GROUND",
    "END_INTERCEPT",
    "END_MISS",
    "END_NONE",
    "END_TIMEOUT",
    "ALPHA_MAX_RAD",
    "G0_M_S2",
    "FlyoutResult",
    "MissileAero",
    "TargetFn",
    "cd0",
    "density_kg_m3",
    "fly",
    "fly_unguided",
    "fly_unguided_max_range",
    "launch_direction",
    "speed_of_sound_m_s",
]

#: Standard gravity, m/s² (also the Isp reference g0).
G0_M_S2 = 9.80665

#: End-of-flight reasons (``FlyoutResult.end_reason``).
END_NONE, END_INTERCEPT, END_MISS, END_GROUND, END_ENERGY, END_TIMEOUT = 0, 1, 2, 3, 4, 5

_TINY = 1e-12

#: Assumed maximum trim angle of attack (rad) at which ``cn_max`` is reached; sets the
#: normal-force slope CN_α = cn_max / ALPHA_MAX_RAD of the induced-drag model (module docstring).
ALPHA_MAX_RAD = float(np.radians(20.0))

#: (n,) time -> (pos (n, 3), vel (n, 3)) in the flyout's ENU frame.
TargetFn = Callable[[float], tuple[np.ndarray, np.ndarray]]


# ------------------------------------------------------------------------------ atmosphere
_ISA_H_M = np.array([0.0, 11_000.0, 20_000.0, 32_000.0, 47_000.0, 51_000.0, 71_000.0, 84_852.0])
_ISA_T_K = np.array([288.15, 216.65, 216.65, 228.65, 270.65, 270.65, 214.65, 186.946])


def density_kg_m3(alt_m: np.ndarray) -> np.ndarray:
    """Air density (kg/m³), two-segment exponential fit (see module docstring); h < 0 → h = 0.

    Examples
    --------
    >>> round(float(density_kg_m3(np.array(20_000.0))), 4)   # USSA-76: 0.0889
    0.0888
    """
    h = np.maximum(np.asarray(alt_m, dtype=float), 0.0)
    return np.where(h < 9144.0, 1.2256 * np.exp(-h / 9144.0), 1.7523 * np.exp(-h / 6705.6))


def speed_of_sound_m_s(alt_m: np.ndarray) -> np.ndarray:
    """Speed of sound (m/s) from the USSA-76 temperature profile (held constant above 84.9 km)."""
    t_k = np.interp(np.asarray(alt_m, dtype=float), _ISA_H_M, _ISA_T_K)
    return np.sqrt(1.4 * 287.053 * t_k)


def cd0(aero: MissileAero, mach: np.ndarray) -> np.ndarray:
    """Zero-lift drag coefficient from the aero's Mach table (held constant outside it)."""
    return np.interp(mach, aero.cd_mach, aero.cd0)


# ------------------------------------------------------------------------------ parameters
@dataclass(frozen=True)
class MissileAero:
    """Aerodynamic, propulsion and guidance parameters of one missile type (SI).

    Attributes
    ----------
    name : missile id (e.g. ``"48N6E3"``).
    launch_mass_kg : mass at ignition.
    propellant_mass_kg : propellant burnt by boost + sustain.
    diameter_m : body diameter; reference area S = π d²/4.
    isp_s : effective specific impulse (thrust = ṁ · isp_s · g0).
    boost_time_s, sustain_time_s : phase durations (constant mass flow in each).
    boost_propellant_fraction : share of the propellant burnt in the boost phase.
    cd_mach, cd0 : Mach breakpoints and zero-lift drag coefficients (equal length).
    cn_max : maximum normal-force coefficient; lateral capability = q · S · cn_max / m.
    max_lateral_g : structural / autopilot lateral-acceleration limit, in g0.
    seeker_range_m : range at which the seeker acquires and terminal homing starts.
    min_speed_m_s : below this speed after burnout the missile has no useful energy left.
    launch_speed_m_s : speed leaving the launcher (cold/gas ejection), along the launch direction.
    guidance_delay_s : time after launch before any steering.
    kill_radius_m : miss distance at or below which the fuze counts an intercept.
    nav_gain : effective navigation ratio N'.
    """

    name: str
    launch_mass_kg: float
    propellant_mass_kg: float
    diameter_m: float
    isp_s: float
    boost_time_s: float
    sustain_time_s: float
    boost_propellant_fraction: float
    cd_mach: tuple[float, ...]
    cd0: tuple[float, ...]
    cn_max: float
    max_lateral_g: float
    seeker_range_m: float
    min_speed_m_s: float
    launch_speed_m_s: float = 30.0
    guidance_delay_s: float = 1.0
    kill_radius_m: float = 10.0
    nav_gain: float = 4.0

    def __post_init__(self) -> None:
        if len(self.cd_mach) != len(self.cd0):
            raise ValueError("cd_mach and cd0 must have the same length")
        if not 0.0 <= self.propellant_mass_kg < self.launch_mass_kg:
            raise ValueError("need 0 <= propellant_mass_kg < launch_mass_kg")
        if not 0.0 <= self.boost_propellant_fraction <= 1.0:
            raise ValueError("boost_propellant_fraction must lie in [0, 1]")

    @property
    def ref_area_m2(self) -> float:
        return float(np.pi * self.diameter_m**2 / 4.0)

    @property
    def burn_time_s(self) -> float:
        return self.boost_time_s + self.sustain_time_s

    @property
    def burnout_mass_kg(self) -> float:
        return self.launch_mass_kg - self.propellant_mass_kg

    def _flows(self) -> tuple[float, float]:
        mb = self.propellant_mass_kg * self.boost_propellant_fraction
        ms = self.propellant_mass_kg - mb
        fb = mb / self.boost_time_s if self.boost_time_s > 0 else 0.0
        fs = ms / self.sustain_time_s if self.sustain_time_s > 0 else 0.0
        return fb, fs

    def mass_flow_kg_s(self, t_s: np.ndarray) -> np.ndarray:
        """Propellant mass flow at time since ignition ``t_s`` (kg/s)."""
        fb, fs = self._flows()
        t = np.asarray(t_s, dtype=float)
        return np.where(t < 0, 0.0, np.where(t < self.boost_time_s, fb,
                                             np.where(t < self.burn_time_s, fs, 0.0)))

    def thrust_n(self, t_s: np.ndarray) -> np.ndarray:
        """Thrust (N) at time since ignition."""
        return self.mass_flow_kg_s(t_s) * self.isp_s * G0_M_S2

    def mass_kg(self, t_s: np.ndarray) -> np.ndarray:
        """Mass (kg) at time since ignition (closed form of the piecewise-linear mass flow)."""
        fb, fs = self._flows()
        t = np.asarray(t_s, dtype=float)
        tb = np.clip(t, 0.0, self.boost_time_s)
        ts = np.clip(t - self.boost_time_s, 0.0, self.sustain_time_s)
        return self.launch_mass_kg - fb * tb - fs * ts

    def replace(self, **changes: object) -> MissileAero:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ result
@dataclass(frozen=True)
class FlyoutResult:
    """What a flyout computed.

    Attributes
    ----------
    time_s : (nt,) recorded times.
    pos_enu_m, vel_enu_m_s : (nt, n, 3) recorded states (frozen after a missile's end).
    mode : (nt, n) int8 flight mode (``guidance.MODE_*``).
    intercept : (n,) bool, fuze function within ``kill_radius_m``.
    miss_m : (n,) smallest closest-approach distance seen (nan if none).
    intercept_time_s : (n,) time of the fuzing closest approach (nan if none).
    terminal_time_s : (n,) time of the command → terminal mode change (nan if never).
    guidance_start_s : (n,) time of the boost → command mode change (nan if never).
    end_time_s : (n,) time the flight ended (t_max if it did not).
    end_reason : (n,) int ``END_*`` code.
    end_pos_enu_m : (n, 3) position at the end (interpolated on ground / end-altitude crossing).
    max_alt_m : (n,) highest altitude reached.
    """

    time_s: np.ndarray
    pos_enu_m: np.ndarray
    vel_enu_m_s: np.ndarray
    mode: np.ndarray
    intercept: np.ndarray
    miss_m: np.ndarray
    intercept_time_s: np.ndarray
    terminal_time_s: np.ndarray
    guidance_start_s: np.ndarray
    end_time_s: np.ndarray
    end_reason: np.ndarray
    end_pos_enu_m: np.ndarray
    max_alt_m: np.ndarray


def launch_direction(el_rad: np.ndarray, az_rad: np.ndarray) -> np.ndarray:
    """Unit ENU vector (n, 3) for elevation and azimuth (clockwise from north)."""
    el = np.asarray(el_rad, dtype=float)
    az = np.asarray(az_rad, dtype=float)
    return np.stack([np.sin(az) * np.cos(el), np.cos(az) * np.cos(el), np.sin(el)], axis=-1)


# ------------------------------------------------------------------------------ kernel
def _accel(aero: MissileAero, t_since: float, vel: np.ndarray, alt: np.ndarray,
           lateral: np.ndarray, gravity: float, thrust_n: float) -> np.ndarray:
    v = np.linalg.norm(vel, axis=1)
    vhat = vel / np.maximum(v, _TINY)[:, None]
    rho = density_kg_m3(alt)
    mach = v / speed_of_sound_m_s(alt)
    m = float(aero.mass_kg(t_since))
    qs = 0.5 * rho * v * v * aero.ref_area_m2
    drag = qs * cd0(aero, mach) / m + _induced_drag_accel(aero, m, qs, lateral)
    along = thrust_n / m - drag
    acc = along[:, None] * vhat + lateral
    acc[:, 2] -= gravity
    return acc


def _induced_drag_accel(aero: MissileAero, m: float, qs: np.ndarray,
                        lateral: np.ndarray) -> np.ndarray:
    """Induced-drag deceleration (m/s², (n,)) for the lateral acceleration ``lateral`` (n, 3).

    ``CN = min(m |a_lat| / (q S), cn_max)``, ``D_i / m = q S k CN² / m`` with
    ``k = ALPHA_MAX_RAD / cn_max`` (see the module docstring). Zero when ``a_lat = 0``.
    """
    a_lat = np.linalg.norm(lateral, axis=1)
    if not a_lat.any():
        return np.zeros_like(qs)
    cn = np.minimum(m * a_lat / np.maximum(qs, _TINY), aero.cn_max)
    k = ALPHA_MAX_RAD / aero.cn_max
    return qs * k * cn * cn / m


def _lateral_capability(aero: MissileAero, t_since: float, vel: np.ndarray,
                        alt: np.ndarray) -> np.ndarray:
    """Available lateral acceleration (m/s², (n,)): min(max_lateral_g g0, q S cn_max / m)."""
    v2 = np.einsum("ij,ij->i", vel, vel)
    q = 0.5 * density_kg_m3(alt) * v2
    aero_cap = q * aero.ref_area_m2 * aero.cn_max / float(aero.mass_kg(t_since))
    return np.minimum(aero.max_lateral_g * G0_M_S2, aero_cap)


def _initial_velocity(aero: MissileAero, n: int, launch_vel_enu, launch_el_rad, launch_az_rad,
                      default_dir: np.ndarray | None) -> np.ndarray:
    if launch_vel_enu is not None:
        return np.broadcast_to(np.asarray(launch_vel_enu, dtype=float), (n, 3)).copy()
    if launch_el_rad is not None:
        az = 0.0 if launch_az_rad is None else launch_az_rad
        d = launch_direction(np.broadcast_to(launch_el_rad, (n,)), np.broadcast_to(az, (n,)))
    elif default_dir is not None:
        d = default_dir
    else:
        raise ValueError("give launch_vel_enu, launch_el_rad or a target to aim at")
    return aero.launch_speed_m_s * d


def fly(aero: MissileAero, launch_pos_enu: np.ndarray, target_fn: TargetFn | None = None, *,
        launch_vel_enu: np.ndarray | None = None, launch_el_rad: np.ndarray | float | None = None,
        launch_az_rad: np.ndarray | float | None = None, t0: float = 0.0,
        t_max: float = 600.0, dt: float = 0.05, track_fn: TargetFn | None = None,
        loft_rad: np.ndarray | float = 0.0, variant: Literal["true", "pure"] = "true",
        accel_limit: bool = True, gravity_m_s2: float = G0_M_S2,
        gravity_compensation: bool = True, end_alt_m: float = 0.0,
        record_every: int = 1) -> FlyoutResult:
    """Fly ``n`` missiles of one type from ``t0`` to ``t_max`` at a fixed step ``dt``.

    Parameters
    ----------
    aero : missile parameters.
    launch_pos_enu : (n, 3) launch positions (m).
    target_fn : ``t -> (pos (n, 3), vel (n, 3))`` true target state; ``None`` flies unguided.
    launch_vel_enu, launch_el_rad, launch_az_rad : launch velocity, or launch direction (speed
        ``aero.launch_speed_m_s``); by default towards the (lofted) aim point.
    track_fn : ground radar's track of the target used in command guidance (noisy/lagged);
        ``None`` → the true state.
    loft_rad : (n,) or scalar loft angle of the command-guidance aim point (see
        :func:`iadsim.weapons.guidance.lofted_aim`).
    variant : PN variant, ``"true"`` or ``"pure"``.
    accel_limit : apply the lateral-acceleration limit (g and dynamic pressure).
    gravity_compensation : add +g (perpendicular to the velocity) to the guidance command.
    end_alt_m : unguided flights end when descending through this altitude (guided: ground, 0 m).
    record_every : record every k-th step (trajectory memory is (nt, n, 3)).

    Mode logic: boost (no steering) until ``guidance_delay_s``; command guidance (PN on
    ``track_fn`` towards the lofted aim point) until the true range is within
    ``seeker_range_m``; then terminal PN on the true target. The fuze looks for the closest
    approach inside every step once guided; an approach within ``kill_radius_m`` is an intercept,
    a closest approach in terminal mode outside it a miss. A flight also ends on hitting the
    ground, on dropping below ``min_speed_m_s`` after burnout (energy), or at ``t_max``.
    """
    pos = np.array(launch_pos_enu, dtype=float, ndmin=2).copy()
    n = pos.shape[0]
    guided = target_fn is not None
    loft = np.broadcast_to(np.asarray(loft_rad, dtype=float), (n,)).copy()
    track = track_fn if track_fn is not None else target_fn

    tpos = tvel = None
    default_dir = None
    if guided:
        tpos, tvel = target_fn(t0)
        tp, tv = track(t0) if track is not target_fn else (tpos, tvel)
        aim, _ = lofted_aim(tp, tv, pos, np.zeros_like(pos), loft)
        rel = aim - pos
        default_dir = rel / np.maximum(np.linalg.norm(rel, axis=1), _TINY)[:, None]
    vel = _initial_velocity(aero, n, launch_vel_enu, launch_el_rad, launch_az_rad, default_dir)

    n_steps = int(np.ceil((t_max - t0) / dt - 1e-9))
    mode = np.full(n, MODE_BOOST, dtype=np.int8)
    done = np.zeros(n, dtype=bool)
    end_reason = np.zeros(n, dtype=np.int8)
    end_time = np.full(n, t_max)
    end_pos = np.full((n, 3), np.nan)
    miss = np.full(n, np.nan)
    t_int = np.full(n, np.nan)
    t_term = np.full(n, np.nan)
    t_guid = np.full(n, np.nan)
    max_alt = pos[:, 2].copy()
    zero = np.zeros((n, 3))

    rec_t = [t0]
    rec_p = [pos.copy()]
    rec_v = [vel.copy()]
    rec_m = [mode.copy()]

    for k in range(n_steps):
        t = t0 + k * dt
        since = t - t0
        alive = ~done
        if not alive.any():
            break
        lateral = zero
        if guided:
            rel_true = tpos - pos
            rng = np.linalg.norm(rel_true, axis=1)
            start = alive & (mode == MODE_BOOST) & (since >= aero.guidance_delay_s - 1e-9)
            mode[start] = MODE_COMMAND
            t_guid[start] = t
            acq = alive & (mode == MODE_COMMAND) & (rng <= aero.seeker_range_m)
            mode[acq] = MODE_TERMINAL
            t_term[acq] = t
            cmd = np.zeros((n, 3))
            in_cmd = alive & (mode == MODE_COMMAND)
            if in_cmd.any():
                tp, tv = track(t) if track is not target_fn else (tpos, tvel)
                aim, aim_v = lofted_aim(tp, tv, pos, vel, loft)
                a = proportional_navigation(aim - pos, aim_v - vel, aero.nav_gain, vel, variant)
                cmd[in_cmd] = a[in_cmd]
            in_term = alive & (mode == MODE_TERMINAL)
            if in_term.any():
                a = proportional_navigation(rel_true, tvel - vel, aero.nav_gain, vel, variant)
                cmd[in_term] = a[in_term]
            if gravity_compensation:
                steer = in_cmd | in_term
                cmd[steer, 2] += gravity_m_s2
            lateral = perpendicular_to(cmd, vel)
            if accel_limit:
                lateral = limit_magnitude(lateral, _lateral_capability(aero, since, vel, pos[:, 2]))

        # RK4 on (pos, vel) with the lateral command held over the step. Thrust is held at its
        # mid-step value so that a phase boundary on a step edge is integrated exactly.
        thrust = float(aero.thrust_n(since + 0.5 * dt))
        k1v = _accel(aero, since, vel, pos[:, 2], lateral, gravity_m_s2, thrust)
        k1p = vel
        v2 = vel + 0.5 * dt * k1v
        k2v = _accel(aero, since + 0.5 * dt, v2, pos[:, 2] + 0.5 * dt * k1p[:, 2], lateral,
                     gravity_m_s2, thrust)
        k2p = v2
        v3 = vel + 0.5 * dt * k2v
        k3v = _accel(aero, since + 0.5 * dt, v3, pos[:, 2] + 0.5 * dt * k2p[:, 2], lateral,
                     gravity_m_s2, thrust)
        k3p = v3
        v4 = vel + dt * k3v
        k4v = _accel(aero, since + dt, v4, pos[:, 2] + dt * k3p[:, 2], lateral, gravity_m_s2, thrust)
        k4p = v4
        new_pos = pos + dt / 6.0 * (k1p + 2 * k2p + 2 * k3p + k4p)
        new_vel = vel + dt / 6.0 * (k1v + 2 * k2v + 2 * k3v + k4v)
        t1 = t + dt

        ended = np.zeros(n, dtype=bool)
        if guided:
            tpos1, tvel1 = target_fn(t1)
            rel0 = tpos - pos
            rel1 = tpos1 - new_pos
            closing0 = np.einsum("ij,ij->i", rel0, tvel - vel) < 0
            opening1 = np.einsum("ij,ij->i", rel1, tvel1 - new_vel) >= 0
            ca = alive & (mode != MODE_BOOST) & closing0 & opening1
            if ca.any():
                m_ca, t_ca, frac = closest_approach(rel0, rel1, t, dt)
                miss = np.where(ca, np.fmin(miss, m_ca), miss)
                hit = ca & (m_ca <= aero.kill_radius_m)
                passed = ca & ~hit & (mode == MODE_TERMINAL)
                for sel, code in ((hit, END_INTERCEPT), (passed, END_MISS)):
                    if sel.any():
                        ended |= sel
                        end_reason[sel] = code
                        end_time[sel] = t_ca[sel]
                        end_pos[sel] = (pos + frac[:, None] * (new_pos - pos))[sel]
                t_int = np.where(hit, t_ca, t_int)
            tpos, tvel = tpos1, tvel1
        # ground / end-altitude crossing (descending)
        floor = 0.0 if guided else end_alt_m
        down = alive & ~ended & (new_pos[:, 2] < floor) & (new_vel[:, 2] < 0) & (since > 0)
        if down.any():
            frac = np.clip((pos[:, 2] - floor) / np.maximum(pos[:, 2] - new_pos[:, 2], _TINY),
                           0.0, 1.0)
            ended |= down
            end_reason[down] = END_GROUND
            end_time[down] = (t + frac * dt)[down]
            end_pos[down] = (pos + frac[:, None] * (new_pos - pos))[down]
        slow = (alive & ~ended & (since + dt > aero.burn_time_s)
                & (np.linalg.norm(new_vel, axis=1) < aero.min_speed_m_s))
        if slow.any():
            ended |= slow
            end_reason[slow] = END_ENERGY
            end_time[slow] = t1
            end_pos[slow] = new_pos[slow]

        upd = alive & ~ended
        pos = np.where(upd[:, None], new_pos, pos)
        vel = np.where(upd[:, None], new_vel, vel)
        max_alt = np.where(upd, np.maximum(max_alt, pos[:, 2]), max_alt)
        done |= ended
        if (k + 1) % record_every == 0:
            rec_t.append(t1)
            rec_p.append(pos.copy())
            rec_v.append(vel.copy())
            rec_m.append(mode.copy())

    live = ~done
    end_reason[live] = END_TIMEOUT
    end_pos[live] = pos[live]
    return FlyoutResult(
        time_s=np.array(rec_t), pos_enu_m=np.stack(rec_p), vel_enu_m_s=np.stack(rec_v),
        mode=np.stack(rec_m), intercept=end_reason == END_INTERCEPT, miss_m=miss,
        intercept_time_s=t_int, terminal_time_s=t_term, guidance_start_s=t_guid,
        end_time_s=end_time, end_reason=end_reason, end_pos_enu_m=end_pos, max_alt_m=max_alt)


def fly_unguided(aero: MissileAero, elevation_rad: np.ndarray, *, end_alt_m: float = 0.0,
                 t_max: float = 900.0, dt: float = 0.1, gravity_m_s2: float = G0_M_S2,
                 record_every: int = 1) -> FlyoutResult:
    """Unguided (ballistic / lofted) flyout from the origin, northwards, at ``elevation_rad`` (n,)."""
    el = np.atleast_1d(np.asarray(elevation_rad, dtype=float))
    n = el.shape[0]
    return fly(aero, np.zeros((n, 3)), None, launch_el_rad=el, launch_az_rad=np.zeros(n),
               t_max=t_max, dt=dt, gravity_m_s2=gravity_m_s2, end_alt_m=end_alt_m,
               record_every=record_every)


def fly_unguided_max_range(aero: MissileAero, elevation_rad: np.ndarray, *,
                           end_alt_m: float = 0.0, t_max: float = 900.0, dt: float = 0.1,
                           gravity_m_s2: float = G0_M_S2) -> np.ndarray:
    """Ground range (m, (n,)) at the end of useful flight of an unguided shot at each elevation.

    End of useful flight: the first of (a) descending through ``end_alt_m`` and (b) speed below
    ``aero.min_speed_m_s`` after burnout (then the missile can no longer catch or out-turn an
    aircraft). The ground range is the horizontal distance from the launcher at that moment.
    """
    res = fly_unguided(aero, elevation_rad, end_alt_m=end_alt_m, t_max=t_max, dt=dt,
                       gravity_m_s2=gravity_m_s2, record_every=10**9)
    return np.hypot(res.end_pos_enu_m[:, 0], res.end_pos_enu_m[:, 1])
