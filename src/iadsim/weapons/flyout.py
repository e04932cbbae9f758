"""3-DOF point-mass missile flyout with guidance, vectorised over missiles.

Model
-----
* Frame: launcher-centred ENU tangent plane (x east, y north, z up, metres; origin at the
  launcher) on a **spherical Earth** of radius R = :data:`EARTH_RADIUS_M` (mean radius). The
  Earth centre is at ``−R ẑ``; a point ``p`` has altitude ``h = |p + R ẑ| − R`` (above the
  sphere through the launcher), which sets density, speed of sound, the ground / end-altitude
  crossing and the recorded ``max_alt_m``. Gravity points at the Earth centre with the
  inverse-square magnitude ``g (R / (R + h))²`` (Newton's law of gravitation; Vallado,
  *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, ch. 1, two-body motion); the
  Earth's rotation (Coriolis, centrifugal) is neglected. Ground range is the great-circle arc
  ``R · atan2(|p_h|, R + z)`` (:func:`ground_range_m`). Target states given in the same ENU
  frame (the engine converts geodetic truth with ``pyproj``'s ``geodetic2enu``, a true tangent
  plane on the WGS84 ellipsoid) are on the same footing: their ``h`` is their height above the
  launcher's level to within the sphere-vs-ellipsoid difference of the local radius of
  curvature (≈ d²/2 · |1/R − 1/R_local| ≈ 15 m at d = 250 km). ``earth_radius_m=numpy.inf``
  gives the flat Earth (constant ``g`` along −z, ``h = z``), used by closed-form tests.
  Without curvature a target 250 km away at 10 km altitude would sit 4.9 km higher
  (d²/2R) and a low-flying one far beyond the radar horizon would appear under the ground.
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
  slender-body slope (CN_α = 2 /rad, Munk) is not used: the calibrated ``cn_max`` (2.8-58) is far
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
  Two-stage missiles (:class:`MissileAero` ``booster_inert_mass_kg``, ``dart_diameter_m``)
  jettison the booster's inert mass at the end of boost and fly on with the dart's smaller
  reference area; the velocity is continuous at separation (the booster falls away with it).
* Drag: D = q · S · C_D0(Mach), S = π d²/4, with a Mach table (assumed, see
  ``iadsim/data/missile_aero.yaml``).
* Integration: classical RK4 at a fixed step ``dt``; the guidance command is held over the
  step (zero-order hold, as in a sampled autopilot). Closest approach is interpolated inside the
  step that contains it (:func:`iadsim.weapons.guidance.closest_approach`).
* Implementation (STYLE: array kernels + thin component): the step loop is a numba kernel
  (``_fly_steps``, compiled once and cached on disk) that advances each missile on plain floats;
  :func:`fly` prepares the per-step mass, area and thrust and samples the target and track on
  the step grid, chunk by chunk, from a callable or a :class:`SampledTarget`.

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
from typing import Literal, NamedTuple

import numba
import numpy as np

from iadsim.weapons.guidance import (
    MODE_BOOST,
    MODE_COMMAND,
    MODE_TERMINAL,
    PN_PURE,
    PN_TRUE,
    closest_approach_1,
    dot3,
    limit_1,
    lofted_aim,
    lofted_aim_1,
    perpendicular_1,
    pn_accel,
    scale3,
    sub3,
)

__all__ = [
    "END_ENERGY",
    "END_GROUND",
    "END_INTERCEPT",
    "END_MISS",
    "END_NONE",
    "END_TIMEOUT",
    "ALPHA_MAX_RAD",
    "EARTH_RADIUS_M",
    "G0_M_S2",
    "FlyoutResult",
    "MissileAero",
    "SampledTarget",
    "TargetFn",
    "altitude_m",
    "cd0",
    "density_kg_m3",
    "fly",
    "fly_unguided",
    "fly_unguided_max_range",
    "ground_range_m",
    "launch_direction",
    "speed_of_sound_m_s",
]

#: Standard gravity, m/s² (also the Isp reference g0).
G0_M_S2 = 9.80665

#: Mean Earth radius, m (IUGG mean radius R1 = 6 371 008.8 m, Moritz, *Geodetic Reference System
#: 1980*, Bull. Géod. 54, 1980; rounded to the metre-level figure used throughout).
EARTH_RADIUS_M = 6_371_000.0

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


@numba.vectorize(["float64(float64)"], cache=True)
def density_kg_m3(alt_m: float) -> float:
    """Air density (kg/m³), two-segment exponential fit (see module docstring); h < 0 → h = 0.

    A numpy ufunc (numba ``vectorize``): takes scalars or arrays, and is called as is by the
    compiled flyout kernel.

    Examples
    --------
    >>> round(float(density_kg_m3(20_000.0)), 4)   # USSA-76: 0.0889
    0.0888
    """
    h = max(alt_m, 0.0)
    if h < 9144.0:
        return 1.2256 * np.exp(-h / 9144.0)
    return 1.7523 * np.exp(-h / 6705.6)


@numba.vectorize(["float64(float64)"], cache=True)
def speed_of_sound_m_s(alt_m: float) -> float:
    """Speed of sound (m/s) from the USSA-76 temperature profile (held constant above 84.9 km);
    a numpy ufunc like :func:`density_kg_m3`."""
    return np.sqrt(1.4 * 287.053 * np.interp(alt_m, _ISA_H_M, _ISA_T_K))


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
    diameter_m : body (booster) diameter; reference area S = π d²/4.
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
    booster_inert_mass_kg : two-stage missiles: inert booster mass jettisoned at stage separation,
        the end of the boost phase (``boost_time_s``); the boost propellant is the booster's,
        the sustain propellant (if any) the dart's. 0: single stage.
    dart_diameter_m : two-stage missiles: diameter of the upper stage (dart), the reference
        area from separation on; ``None``: unchanged.
    guidance_error_m : 1-σ per axis of the missile's guidance error in the plane normal to the
        closing velocity at closest approach (m). Not flown: the noise-free flyout resolves the
        closest approach to millimetres, and the engine adds an independent error draw per
        missile (:func:`iadsim.weapons.guidance.miss_with_guidance_error`). 0: none.

    Staging (e.g. the 57E6E of Pantsir-S1: a booster that burns, then falls away, leaving an
    unpowered slender dart) makes mass and reference area step at separation: ``mass_kg`` and
    ``ref_area_at_m2`` are right-continuous there (the booster is gone *at* ``boost_time_s``);
    ``before=True`` gives the limit from before (the flyout's step ending at separation).
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
    booster_inert_mass_kg: float = 0.0
    dart_diameter_m: float | None = None
    guidance_error_m: float = 0.0

    def __post_init__(self) -> None:
        if len(self.cd_mach) != len(self.cd0):
            raise ValueError("cd_mach and cd0 must have the same length")
        if not 0.0 <= self.propellant_mass_kg < self.launch_mass_kg:
            raise ValueError("need 0 <= propellant_mass_kg < launch_mass_kg")
        if not 0.0 <= self.boost_propellant_fraction <= 1.0:
            raise ValueError("boost_propellant_fraction must lie in [0, 1]")
        if not 0.0 <= self.booster_inert_mass_kg < self.launch_mass_kg - self.propellant_mass_kg:
            raise ValueError("need 0 <= booster_inert_mass_kg < launch mass - propellant mass")
        if not (np.isfinite(self.guidance_error_m) and self.guidance_error_m >= 0.0):
            raise ValueError("guidance_error_m must be finite and >= 0")

    @property
    def ref_area_m2(self) -> float:
        """Reference area at launch, π d²/4 (booster diameter for a two-stage missile)."""
        return float(np.pi * self.diameter_m**2 / 4.0)

    @property
    def burn_time_s(self) -> float:
        return self.boost_time_s + self.sustain_time_s

    @property
    def burnout_mass_kg(self) -> float:
        """Mass once every motor has burnt out (after stage separation)."""
        return self.launch_mass_kg - self.propellant_mass_kg - self.booster_inert_mass_kg

    @property
    def staged(self) -> bool:
        """Whether the booster separates at the end of boost (two-stage missile)."""
        return self.booster_inert_mass_kg > 0.0 or self.dart_diameter_m is not None

    def _separated(self, t_s: np.ndarray, before: bool) -> np.ndarray:
        t = np.asarray(t_s, dtype=float)
        if not self.staged:
            return np.zeros(t.shape, dtype=bool)
        return t > self.boost_time_s if before else t >= self.boost_time_s

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

    def mass_kg(self, t_s: np.ndarray, *, before: bool = False) -> np.ndarray:
        """Mass (kg) at time since ignition (closed form of the piecewise-linear mass flow).

        ``before``: the limit from earlier times (differs from the value only at separation).
        """
        fb, fs = self._flows()
        t = np.asarray(t_s, dtype=float)
        tb = np.clip(t, 0.0, self.boost_time_s)
        ts = np.clip(t - self.boost_time_s, 0.0, self.sustain_time_s)
        jettisoned = np.where(self._separated(t, before), self.booster_inert_mass_kg, 0.0)
        return self.launch_mass_kg - fb * tb - fs * ts - jettisoned

    def ref_area_at_m2(self, t_s: np.ndarray, *, before: bool = False) -> np.ndarray:
        """Drag / normal-force reference area (m²) at time since ignition (``before`` as in
        :meth:`mass_kg`)."""
        if self.dart_diameter_m is None:
            return np.full(np.shape(t_s), self.ref_area_m2)
        dart = np.pi * self.dart_diameter_m**2 / 4.0
        return np.where(self._separated(t_s, before), dart, self.ref_area_m2)

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


@numba.njit(cache=True)
def _rows_altitude(pos_enu, earth_radius_m):
    out = np.empty(pos_enu.shape[0])
    for i in range(pos_enu.shape[0]):
        _, out[i] = _up_alt((pos_enu[i, 0], pos_enu[i, 1], pos_enu[i, 2]), earth_radius_m)
    return out


def altitude_m(pos_enu: np.ndarray, earth_radius_m: float = EARTH_RADIUS_M) -> np.ndarray:
    """Altitude above the spherical Earth of ENU points (..., 3): h = |p + R ẑ| − R (m).

    The ENU frame is tangent to the Earth at the launcher (origin at its height); with
    ``earth_radius_m = inf`` this is the flat-Earth ``z``.

    Examples
    --------
    >>> float(altitude_m(np.array([100_000.0, 0.0, 0.0])).round(1))   # d²/2R ≈ 784.8 m
    784.8
    """
    p = np.asarray(pos_enu, dtype=float)
    flat = np.ascontiguousarray(p.reshape(-1, 3))
    return _rows_altitude(flat, float(earth_radius_m)).reshape(p.shape[:-1])


def ground_range_m(pos_enu: np.ndarray, earth_radius_m: float = EARTH_RADIUS_M) -> np.ndarray:
    """Great-circle ground range (m) from the launcher to the ground point below ENU points
    (..., 3): the arc ``R · atan2(|p_h|, R + z)`` subtended at the Earth centre.

    Examples
    --------
    >>> float(ground_range_m(np.array([0.0, 100_000.0, 0.0])).round(1))   # R (x - x³/3), x = d/R
    99991.8
    """
    p = np.asarray(pos_enu, dtype=float)
    horiz = np.hypot(p[..., 0], p[..., 1])
    if earth_radius_m == np.inf:
        return horiz
    return earth_radius_m * np.arctan2(horiz, earth_radius_m + p[..., 2])


# ------------------------------------------------------------------------------ targets
@dataclass(frozen=True)
class SampledTarget:
    """Target state on a time grid, interpolated linearly in time (held constant outside it).

    A cheap alternative to a :data:`TargetFn` callable: :func:`fly` interpolates it onto its step
    grid chunk by chunk (vectorised, no Python call per step), and a time grid far coarser than
    the flyout step costs no memory per step (a constant-velocity target needs two samples).

    Attributes
    ----------
    time_s : (m,) increasing sample times, s.
    pos_enu_m : (m, 3) one target shared by every missile, or (m, n, 3) one per missile.
    vel_enu_m_s : same shape as ``pos_enu_m``.
    """

    time_s: np.ndarray
    pos_enu_m: np.ndarray
    vel_enu_m_s: np.ndarray

    def __post_init__(self) -> None:
        if np.shape(self.pos_enu_m) != np.shape(self.vel_enu_m_s):
            raise ValueError("pos_enu_m and vel_enu_m_s must have the same shape")
        if np.ndim(self.pos_enu_m) not in (2, 3) or np.shape(self.pos_enu_m)[0] != np.size(self.time_s):
            raise ValueError("pos_enu_m must be (m, 3) or (m, n, 3) with m = len(time_s)")

    def sample(self, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions and velocities at times ``t_s`` (k,), each (k, n_t, 3) (n_t = 1 if shared)."""
        tg = np.asarray(self.time_s, dtype=float)
        p = np.asarray(self.pos_enu_m, dtype=float)
        v = np.asarray(self.vel_enu_m_s, dtype=float)
        if p.ndim == 2:
            p, v = p[:, None, :], v[:, None, :]
        t = np.asarray(t_s, dtype=float)
        if tg.size == 1:
            return (np.broadcast_to(p, (t.size, *p.shape[1:])).copy(),
                    np.broadcast_to(v, (t.size, *v.shape[1:])).copy())
        k = np.clip(np.searchsorted(tg, t, side="right") - 1, 0, tg.size - 2)
        w = np.clip((t - tg[k]) / (tg[k + 1] - tg[k]), 0.0, 1.0)[:, None, None]
        return p[k] + w * (p[k + 1] - p[k]), v[k] + w * (v[k + 1] - v[k])

    def __call__(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        p, v = self.sample(np.array([t]))
        return p[0], v[0]


def _sample(fn: TargetFn | SampledTarget, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Target or track states at the step times ``t_s`` (k,): (k, n_t, 3) each."""
    if isinstance(fn, SampledTarget):
        return fn.sample(t_s)
    first_p, first_v = fn(float(t_s[0]))
    first_p = np.atleast_2d(first_p)
    pos = np.empty((t_s.size, *first_p.shape))
    vel = np.empty_like(pos)
    pos[0], vel[0] = first_p, first_v
    for j in range(1, t_s.size):
        pos[j], vel[j] = fn(float(t_s[j]))
    return pos, vel


# ------------------------------------------------------------------------------ kernel
class _Params(NamedTuple):
    """Constants of one flyout, in SI, as the compiled kernel reads them."""

    t0: float
    dt: float
    guided: bool
    variant: int
    accel_limit: bool
    gravity_compensation: bool
    gravity_m_s2: float
    earth_radius_m: float
    floor_m: float
    guidance_delay_s: float
    seeker_range_m: float
    kill_radius_m: float
    nav_gain: float
    min_speed_m_s: float
    burn_time_s: float
    cn_max: float
    k_induced: float          # ALPHA_MAX_RAD / cn_max
    max_lateral_m_s2: float
    cd_mach: np.ndarray
    cd0: np.ndarray
    # per step k (n_steps,): mass / reference area at the step start, middle and end (the end
    # value is the limit from inside the step), thrust held at its mid-step value
    mass_a: np.ndarray
    mass_m: np.ndarray
    mass_b: np.ndarray
    area_a: np.ndarray
    area_m: np.ndarray
    area_b: np.ndarray
    thrust_m: np.ndarray


class _State(NamedTuple):
    """Per-missile state the kernel advances in place (shapes as in :class:`FlyoutResult`)."""

    pos: np.ndarray
    vel: np.ndarray
    loft: np.ndarray
    mode: np.ndarray
    done: np.ndarray
    end_step: np.ndarray      # (n,) number of steps taken when the flight ended
    end_reason: np.ndarray
    end_time: np.ndarray
    end_pos: np.ndarray
    miss: np.ndarray
    t_int: np.ndarray
    t_term: np.ndarray
    t_guid: np.ndarray
    max_alt: np.ndarray


_kernel = numba.njit(cache=True)


@_kernel
def _up_alt(p, earth_radius_m):
    """Local vertical (unit, from the Earth centre) and altitude above the sphere at ``p``.

    h = |p + R ẑ| − R, computed as (|p_h|² + z² + 2 R z) / (|p + R ẑ| + R) to avoid cancellation;
    R = inf is the flat Earth (ẑ, z).
    """
    if earth_radius_m == np.inf:
        return (0.0, 0.0, 1.0), p[2]
    c = (p[0], p[1], p[2] + earth_radius_m)
    rc = np.sqrt(dot3(c, c))
    h = (p[0] * p[0] + p[1] * p[1] + p[2] * (p[2] + 2.0 * earth_radius_m)) / (rc + earth_radius_m)
    return scale3(1.0 / rc, c), h


@_kernel
def _gravity(h, prm):
    """Gravity magnitude at altitude h: g (R / (R + h))² (inverse square; flat Earth: g)."""
    if prm.earth_radius_m == np.inf:
        return prm.gravity_m_s2
    s = prm.earth_radius_m / (prm.earth_radius_m + h)
    return prm.gravity_m_s2 * s * s


@_kernel
def _accel(p, v, lat, m, area, thrust, prm):
    """dv/dt: thrust and drag (zero-lift + induced) along v, the lateral command, gravity."""
    vv = np.sqrt(dot3(v, v))
    up, h = _up_alt(p, prm.earth_radius_m)
    rho = density_kg_m3(h)
    mach = vv / speed_of_sound_m_s(h)
    qs = 0.5 * rho * vv * vv * area
    a_lat = np.sqrt(dot3(lat, lat))
    induced = 0.0
    if a_lat > 0.0:
        cn = min(m * a_lat / max(qs, _TINY), prm.cn_max)
        induced = qs * prm.k_induced * cn * cn / m
    along = thrust / m - (qs * np.interp(mach, prm.cd_mach, prm.cd0) / m + induced)
    g = _gravity(h, prm)
    vn = max(vv, _TINY)
    return (along * (v[0] / vn) + lat[0] - g * up[0], along * (v[1] / vn) + lat[1] - g * up[1],
            along * (v[2] / vn) + lat[2] - g * up[2])


@_kernel
def _lerp3(a, b, f):
    return (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2]))


@_kernel
def _axpy3(a, x, y):
    return (y[0] + a * x[0], y[1] + a * x[1], y[2] + a * x[2])


@_kernel
def _end(st, i, k, reason, t_s, pos):
    st.end_reason[i] = reason
    st.end_time[i] = t_s
    st.end_pos[i, 0], st.end_pos[i, 1], st.end_pos[i, 2] = pos
    st.end_step[i] = k + 1
    st.done[i] = True


@numba.njit(cache=True)
def _step(k, i, p, v, mode, prm, st, tp0, tv0, tp1, tv1, rp, rv):
    """One RK4 step of missile ``i`` from step time k; returns the new (pos, vel, mode)."""
    dt = prm.dt
    t = prm.t0 + k * dt
    since = t - prm.t0
    lat = (0.0, 0.0, 0.0)
    if prm.guided:
        rel_true = sub3(tp0, p)
        if mode == MODE_BOOST and since >= prm.guidance_delay_s - 1e-9:
            mode = MODE_COMMAND
            st.t_guid[i] = t
        if mode == MODE_COMMAND and np.sqrt(dot3(rel_true, rel_true)) <= prm.seeker_range_m:
            mode = MODE_TERMINAL
            st.t_term[i] = t
        if mode != MODE_BOOST:
            if mode == MODE_COMMAND:
                aim, aim_v = lofted_aim_1(rp, rv, p, v, st.loft[i])
                cmd = pn_accel(sub3(aim, p), sub3(aim_v, v), prm.nav_gain, v, prm.variant)
            else:
                cmd = pn_accel(rel_true, sub3(tv0, v), prm.nav_gain, v, prm.variant)
            if prm.gravity_compensation:
                up, h = _up_alt(p, prm.earth_radius_m)
                cmd = _axpy3(_gravity(h, prm), up, cmd)
            lat = perpendicular_1(cmd, v)
            if prm.accel_limit:
                _, h = _up_alt(p, prm.earth_radius_m)
                q = 0.5 * density_kg_m3(h) * dot3(v, v)
                cap = q * prm.area_a[k] * prm.cn_max / prm.mass_a[k]
                lat = limit_1(lat, min(prm.max_lateral_m_s2, cap))

    # RK4 on (pos, vel), lateral command held over the step (zero-order hold)
    thrust = prm.thrust_m[k]
    k1v = _accel(p, v, lat, prm.mass_a[k], prm.area_a[k], thrust, prm)
    k1p = v
    v2 = _axpy3(0.5 * dt, k1v, v)
    k2v = _accel(_axpy3(0.5 * dt, k1p, p), v2, lat, prm.mass_m[k], prm.area_m[k], thrust, prm)
    k2p = v2
    v3 = _axpy3(0.5 * dt, k2v, v)
    k3v = _accel(_axpy3(0.5 * dt, k2p, p), v3, lat, prm.mass_m[k], prm.area_m[k], thrust, prm)
    k3p = v3
    v4 = _axpy3(dt, k3v, v)
    k4v = _accel(_axpy3(dt, k3p, p), v4, lat, prm.mass_b[k], prm.area_b[k], thrust, prm)
    k4p = v4
    new_p = (p[0] + dt / 6.0 * (k1p[0] + 2 * k2p[0] + 2 * k3p[0] + k4p[0]),
             p[1] + dt / 6.0 * (k1p[1] + 2 * k2p[1] + 2 * k3p[1] + k4p[1]),
             p[2] + dt / 6.0 * (k1p[2] + 2 * k2p[2] + 2 * k3p[2] + k4p[2]))
    new_v = (v[0] + dt / 6.0 * (k1v[0] + 2 * k2v[0] + 2 * k3v[0] + k4v[0]),
             v[1] + dt / 6.0 * (k1v[1] + 2 * k2v[1] + 2 * k3v[1] + k4v[1]),
             v[2] + dt / 6.0 * (k1v[2] + 2 * k2v[2] + 2 * k3v[2] + k4v[2]))

    if prm.guided and mode != MODE_BOOST:
        rel0 = sub3(tp0, p)
        rel1 = sub3(tp1, new_p)
        if dot3(rel0, sub3(tv0, v)) < 0 and dot3(rel1, sub3(tv1, new_v)) >= 0:
            m_ca, frac = closest_approach_1(rel0, rel1)
            if not st.miss[i] <= m_ca:          # fmin, nan-aware
                st.miss[i] = m_ca
            if m_ca <= prm.kill_radius_m:
                st.t_int[i] = t + frac * dt
                _end(st, i, k, END_INTERCEPT, t + frac * dt, _lerp3(p, new_p, frac))
                return p, v, mode
            if mode == MODE_TERMINAL:
                _end(st, i, k, END_MISS, t + frac * dt, _lerp3(p, new_p, frac))
                return p, v, mode
    # ground / end-altitude crossing (descending)
    _, h0 = _up_alt(p, prm.earth_radius_m)
    up1, h1 = _up_alt(new_p, prm.earth_radius_m)
    if h1 < prm.floor_m and dot3(new_v, up1) < 0 and since > 0:
        frac = min(max((h0 - prm.floor_m) / max(h0 - h1, _TINY), 0.0), 1.0)
        _end(st, i, k, END_GROUND, t + frac * dt, _lerp3(p, new_p, frac))
        return p, v, mode
    if since + dt > prm.burn_time_s and np.sqrt(dot3(new_v, new_v)) < prm.min_speed_m_s:
        _end(st, i, k, END_ENERGY, t + dt, new_p)
        return p, v, mode
    st.max_alt[i] = max(st.max_alt[i], h1)
    return new_p, new_v, mode


@numba.njit(cache=True)
def _fly_steps(k0, k1, prm, st, tpos, tvel, rpos, rvel, rec_p, rec_v, rec_m, record_every):
    """Advance every missile over steps ``k0 <= k < k1``; target / track samples ``tpos`` etc.
    are (k1 - k0 + 1, 1 or n, 3) at the step times t0 + k dt, k0 <= k <= k1."""
    n = st.pos.shape[0]
    last = tpos.shape[0] - 1         # unguided flights get one dummy sample
    for i in range(n):
        jt = i if tpos.shape[1] > 1 else 0
        jr = i if rpos.shape[1] > 1 else 0
        p = (st.pos[i, 0], st.pos[i, 1], st.pos[i, 2])
        v = (st.vel[i, 0], st.vel[i, 1], st.vel[i, 2])
        mode = st.mode[i]
        for k in range(k0, k1):
            if not st.done[i]:
                s0, s1 = min(k - k0, last), min(k - k0 + 1, last)
                p, v, mode = _step(
                    k, i, p, v, mode, prm, st,
                    (tpos[s0, jt, 0], tpos[s0, jt, 1], tpos[s0, jt, 2]),
                    (tvel[s0, jt, 0], tvel[s0, jt, 1], tvel[s0, jt, 2]),
                    (tpos[s1, jt, 0], tpos[s1, jt, 1], tpos[s1, jt, 2]),
                    (tvel[s1, jt, 0], tvel[s1, jt, 1], tvel[s1, jt, 2]),
                    (rpos[s0, jr, 0], rpos[s0, jr, 1], rpos[s0, jr, 2]),
                    (rvel[s0, jr, 0], rvel[s0, jr, 1], rvel[s0, jr, 2]))
            if (k + 1) % record_every == 0:
                r = (k + 1) // record_every
                rec_p[r, i, 0], rec_p[r, i, 1], rec_p[r, i, 2] = p
                rec_v[r, i, 0], rec_v[r, i, 1], rec_v[r, i, 2] = v
                rec_m[r, i] = mode
        st.pos[i, 0], st.pos[i, 1], st.pos[i, 2] = p
        st.vel[i, 0], st.vel[i, 1], st.vel[i, 2] = v
        st.mode[i] = mode


# ------------------------------------------------------------------------------ component
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


def _params(aero: MissileAero, t0: float, dt: float, n_steps: int, **flags: object) -> _Params:
    since = (t0 + np.arange(n_steps) * dt) - t0
    return _Params(
        t0=float(t0), dt=float(dt), **flags,  # type: ignore[arg-type]
        guidance_delay_s=aero.guidance_delay_s, seeker_range_m=aero.seeker_range_m,
        kill_radius_m=aero.kill_radius_m, nav_gain=aero.nav_gain, min_speed_m_s=aero.min_speed_m_s,
        burn_time_s=aero.burn_time_s, cn_max=aero.cn_max,
        k_induced=ALPHA_MAX_RAD / aero.cn_max if aero.cn_max > 0 else 0.0,
        max_lateral_m_s2=aero.max_lateral_g * G0_M_S2,
        cd_mach=np.asarray(aero.cd_mach, dtype=float), cd0=np.asarray(aero.cd0, dtype=float),
        mass_a=aero.mass_kg(since), mass_m=aero.mass_kg(since + 0.5 * dt),
        mass_b=aero.mass_kg(since + dt, before=True),
        area_a=aero.ref_area_at_m2(since), area_m=aero.ref_area_at_m2(since + 0.5 * dt),
        area_b=aero.ref_area_at_m2(since + dt, before=True),
        thrust_m=aero.thrust_n(since + 0.5 * dt))


_PN_VARIANTS = {"true": PN_TRUE, "pure": PN_PURE}

#: Target/track samples held in memory per chunk of steps, in (step, missile) pairs.
_CHUNK_SAMPLES = 2**18
_FIRST_CHUNK_STEPS = 64


def fly(aero: MissileAero, launch_pos_enu: np.ndarray,
        target_fn: TargetFn | SampledTarget | None = None, *,
        launch_vel_enu: np.ndarray | None = None, launch_el_rad: np.ndarray | float | None = None,
        launch_az_rad: np.ndarray | float | None = None, t0: float = 0.0,
        t_max: float = 600.0, dt: float = 0.05, track_fn: TargetFn | SampledTarget | None = None,
        loft_rad: np.ndarray | float = 0.0, variant: Literal["true", "pure"] = "true",
        accel_limit: bool = True, gravity_m_s2: float = G0_M_S2,
        gravity_compensation: bool = True, end_alt_m: float = 0.0,
        record_every: int = 1, earth_radius_m: float = EARTH_RADIUS_M,
        until_first_intercept: bool = False) -> FlyoutResult:
    """Fly ``n`` missiles of one type from ``t0`` to ``t_max`` at a fixed step ``dt``.

    Parameters
    ----------
    aero : missile parameters.
    launch_pos_enu : (n, 3) launch positions (m).
    target_fn : true target state: a :class:`SampledTarget`, or a callable
        ``t -> (pos (n, 3), vel (n, 3))`` (rows may be 1 for a target shared by every missile);
        ``None`` flies unguided. A callable must be a pure function of ``t``: it is queried
        at the step times ``t0 + k dt`` only, ahead of the integration, in chunks of steps.
    launch_vel_enu, launch_el_rad, launch_az_rad : launch velocity, or launch direction (speed
        ``aero.launch_speed_m_s``); by default towards the (lofted) aim point.
    track_fn : ground radar's track of the target used in command guidance (noisy/lagged), same
        forms as ``target_fn``; ``None`` → the true state.
    loft_rad : (n,) or scalar loft angle of the command-guidance aim point (see
        :func:`iadsim.weapons.guidance.lofted_aim`).
    variant : PN variant, ``"true"`` or ``"pure"``.
    accel_limit : apply the lateral-acceleration limit (g and dynamic pressure).
    gravity_compensation : add the local +g (perpendicular to the velocity) to the guidance
        command.
    end_alt_m : unguided flights end when descending through this altitude (guided: ground, 0 m).
    record_every : record every k-th step (trajectory memory is (nt, n, 3)).
    earth_radius_m : radius of the spherical Earth; ``numpy.inf`` gives the flat Earth.

    Mode logic: boost (no steering) until ``guidance_delay_s``; command guidance (PN on
    ``track_fn`` towards the lofted aim point) until the true range is within
    ``seeker_range_m``; then terminal PN on the true target. The fuze looks for the closest
    approach inside every step once guided; an approach within ``kill_radius_m`` is an intercept,
    a closest approach in terminal mode outside it a miss. A flight also ends on hitting the
    ground, on dropping below ``min_speed_m_s`` after burnout (energy), or at ``t_max``.

    ``until_first_intercept``: stop once a missile has fuzed (at the end of that chunk of
    steps, below), for a launch-solution search that wants only the earliest intercept;
    missiles still flying then end by timeout at the stop time.

    The step loop runs compiled (numba) per missile; the target and track are sampled on the
    step grid in chunks of steps that grow geometrically (64, 128, ... steps, at most
    ``_CHUNK_SAMPLES`` (step, missile) pairs), so that memory stays bounded and sampling stops
    soon after the last missile ends.
    """
    if variant not in _PN_VARIANTS:
        raise ValueError(f"variant {variant!r}: allowed 'true', 'pure'")
    pos = np.array(launch_pos_enu, dtype=float, ndmin=2).copy()
    n = pos.shape[0]
    guided = target_fn is not None
    track = track_fn if track_fn is not None else target_fn
    n_steps = max(int(np.ceil((t_max - t0) / dt - 1e-9)), 0)

    def samples(k0: int, k1: int) -> tuple[np.ndarray, ...]:
        if target_fn is None or track is None:
            z = np.zeros((1, 1, 3))
            return z, z, z, z
        t = t0 + np.arange(k0, k1 + 1) * dt
        tp, tv = _sample(target_fn, t)
        rp, rv = (tp, tv) if track is target_fn else _sample(track, t)
        return tp, tv, rp, rv

    chunk = _FIRST_CHUNK_STEPS if guided else max(n_steps, 1)
    smp = samples(0, min(chunk, n_steps))
    default_dir = None
    if guided:
        tp0 = np.broadcast_to(smp[2][0], (n, 3))
        aim, _ = lofted_aim(tp0, np.broadcast_to(smp[3][0], (n, 3)), pos, np.zeros_like(pos),
                            np.broadcast_to(np.asarray(loft_rad, dtype=float), (n,)))
        rel = aim - pos
        default_dir = rel / np.maximum(np.linalg.norm(rel, axis=1), _TINY)[:, None]
    vel = _initial_velocity(aero, n, launch_vel_enu, launch_el_rad, launch_az_rad, default_dir)

    prm = _params(aero, t0, dt, n_steps, guided=guided, variant=_PN_VARIANTS[variant],
                  accel_limit=accel_limit, gravity_compensation=gravity_compensation,
                  gravity_m_s2=float(gravity_m_s2), earth_radius_m=float(earth_radius_m),
                  floor_m=0.0 if guided else float(end_alt_m))
    st = _State(pos=pos, vel=vel,
                loft=np.broadcast_to(np.asarray(loft_rad, dtype=float), (n,)).copy(),
                mode=np.full(n, MODE_BOOST, dtype=np.int8), done=np.zeros(n, dtype=np.bool_),
                end_step=np.zeros(n, dtype=np.int64), end_reason=np.zeros(n, dtype=np.int8),
                end_time=np.full(n, float(t_max)), end_pos=np.full((n, 3), np.nan),
                miss=np.full(n, np.nan), t_int=np.full(n, np.nan), t_term=np.full(n, np.nan),
                t_guid=np.full(n, np.nan), max_alt=altitude_m(pos, earth_radius_m))
    n_rec = n_steps // record_every + 1
    rec_p = np.empty((n_rec, n, 3))
    rec_v = np.empty((n_rec, n, 3))
    rec_m = np.empty((n_rec, n), dtype=np.int8)
    rec_p[0], rec_v[0], rec_m[0] = pos, vel, st.mode

    k = 0
    while k < n_steps and not st.done.all():
        if until_first_intercept and (st.end_reason == END_INTERCEPT).any():
            break
        k1 = min(k + chunk, n_steps)
        if k > 0:
            smp = samples(k, k1)
        _fly_steps(k, k1, prm, st, *smp, rec_p, rec_v, rec_m, record_every)
        k = k1
        chunk = max(min(2 * chunk, _CHUNK_SAMPLES // max(smp[0].shape[1], smp[2].shape[1])),
                    _FIRST_CHUNK_STEPS)
    # steps taken: up to the step in which the last missile ended (all of them if any flies on)
    taken = k if not st.done.all() else int(st.end_step.max(initial=0))
    nr = taken // record_every + 1
    live = ~st.done
    if k < n_steps:                                     # stopped at the first intercept
        st.end_time[live] = t0 + k * dt
    st.end_reason[live] = END_TIMEOUT
    st.end_pos[live] = st.pos[live]
    return FlyoutResult(
        time_s=t0 + np.arange(nr) * (record_every * dt), pos_enu_m=rec_p[:nr],
        vel_enu_m_s=rec_v[:nr], mode=rec_m[:nr], intercept=st.end_reason == END_INTERCEPT,
        miss_m=st.miss, intercept_time_s=st.t_int, terminal_time_s=st.t_term,
        guidance_start_s=st.t_guid, end_time_s=st.end_time, end_reason=st.end_reason,
        end_pos_enu_m=st.end_pos, max_alt_m=st.max_alt)


def fly_unguided(aero: MissileAero, elevation_rad: np.ndarray, *, end_alt_m: float = 0.0,
                 t_max: float = 900.0, dt: float = 0.1, gravity_m_s2: float = G0_M_S2,
                 record_every: int = 1, earth_radius_m: float = EARTH_RADIUS_M) -> FlyoutResult:
    """Unguided (ballistic / lofted) flyout from the origin, northwards, at ``elevation_rad`` (n,)."""
    el = np.atleast_1d(np.asarray(elevation_rad, dtype=float))
    n = el.shape[0]
    return fly(aero, np.zeros((n, 3)), None, launch_el_rad=el, launch_az_rad=np.zeros(n),
               t_max=t_max, dt=dt, gravity_m_s2=gravity_m_s2, end_alt_m=end_alt_m,
               record_every=record_every, earth_radius_m=earth_radius_m)


def fly_unguided_max_range(aero: MissileAero, elevation_rad: np.ndarray, *,
                           end_alt_m: float = 0.0, t_max: float = 900.0, dt: float = 0.1,
                           gravity_m_s2: float = G0_M_S2,
                           earth_radius_m: float = EARTH_RADIUS_M) -> np.ndarray:
    """Ground range (m, (n,)) at the end of useful flight of an unguided shot at each elevation.

    End of useful flight: the first of (a) descending through ``end_alt_m`` and (b) speed below
    ``aero.min_speed_m_s`` after burnout (then the missile can no longer catch or out-turn an
    aircraft). The ground range is the great-circle distance from the launcher at that moment
    (:func:`ground_range_m`).
    """
    res = fly_unguided(aero, elevation_rad, end_alt_m=end_alt_m, t_max=t_max, dt=dt,
                       gravity_m_s2=gravity_m_s2, record_every=10**9, earth_radius_m=earth_radius_m)
    return ground_range_m(res.end_pos_enu_m, earth_radius_m)
