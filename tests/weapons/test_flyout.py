"""Flyout integration against closed forms: vacuum ballistic trajectory (flat and spherical Earth),
circular orbit, the rocket equation and induced drag in level (gravity-compensated) flight."""

import numpy as np
import pytest

from iadsim.geo.frames import geodesic_direct, geodetic2enu
from iadsim.weapons.flyout import (
    ALPHA_MAX_RAD,
    EARTH_RADIUS_M,
    G0_M_S2,
    MissileAero,
    SampledTarget,
    altitude_m,
    density_kg_m3,
    fly,
    fly_unguided,
    fly_unguided_max_range,
    ground_range_m,
    speed_of_sound_m_s,
)

FLAT = np.inf


def _aero(**kw) -> MissileAero:
    base = dict(name="test", launch_mass_kg=1000.0, propellant_mass_kg=0.0, diameter_m=0.3,
                isp_s=250.0, boost_time_s=0.0, sustain_time_s=0.0,
                boost_propellant_fraction=1.0, cd_mach=(0.0, 10.0), cd0=(0.0, 0.0), cn_max=1.0,
                max_lateral_g=20.0, seeker_range_m=0.0, min_speed_m_s=0.0,
                launch_speed_m_s=300.0)
    base.update(kw)
    return MissileAero(**base)


def test_vacuum_trajectory_matches_ballistic_closed_form():
    aero = _aero()
    el = np.radians([20.0, 45.0, 70.0])
    res = fly_unguided(aero, el, dt=0.05, t_max=70.0, earth_radius_m=FLAT)
    v0, g = aero.launch_speed_m_s, G0_M_S2
    t = res.time_s[:, None]
    live = t <= (2 * v0 * np.sin(el) / g)[None, :] - 0.05
    y = v0 * np.cos(el)[None, :] * t
    z = v0 * np.sin(el)[None, :] * t - 0.5 * g * t**2
    np.testing.assert_allclose(res.pos_enu_m[..., 1][live], y[live], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(res.pos_enu_m[..., 2][live], z[live], rtol=1e-9, atol=1e-6)
    r = fly_unguided_max_range(aero, el, dt=0.05, earth_radius_m=FLAT)
    # the ground crossing is interpolated linearly inside the last step: O(dt^2) error
    np.testing.assert_allclose(r, v0**2 * np.sin(2 * el) / g, rtol=1e-5)


def test_rocket_equation_without_drag_or_gravity():
    aero = _aero(propellant_mass_kg=600.0, boost_time_s=5.0, sustain_time_s=10.0,
                 boost_propellant_fraction=0.6, launch_speed_m_s=30.0)
    res = fly_unguided(aero, np.array([0.0]), dt=0.05, t_max=20.0, gravity_m_s2=0.0)
    speed = np.linalg.norm(res.vel_enu_m_s[:, 0], axis=1)
    ve = aero.isp_s * G0_M_S2
    for t_check, m1 in ((5.0, 1000.0 - 360.0), (15.0, 400.0), (20.0, 400.0)):
        i = int(np.argmin(np.abs(res.time_s - t_check)))
        assert speed[i] == pytest.approx(30.0 + ve * np.log(1000.0 / m1), rel=1e-9)
    assert aero.mass_kg(15.0) == pytest.approx(400.0)


def test_atmosphere_against_ussa76():
    # U.S. Standard Atmosphere 1976: rho(0)=1.2250, rho(11 km)=0.3639, rho(20 km)=0.08891 kg/m3;
    # a(0)=340.29, a(11 km)=295.07 m/s.
    np.testing.assert_allclose(density_kg_m3(np.array([0.0, 11_000.0, 20_000.0])),
                               [1.2250, 0.3639, 0.08891], rtol=0.07)  # fit error <= 7 %
    np.testing.assert_allclose(speed_of_sound_m_s(np.array([0.0, 11_000.0, 15_000.0])),
                               [340.29, 295.07, 295.07], rtol=1e-3)


def test_drag_reduces_range():
    clean = _aero(launch_speed_m_s=600.0)
    draggy = clean.replace(cd0=(0.3, 0.3))
    el = np.radians([45.0])
    assert fly_unguided_max_range(draggy, el)[0] < 0.9 * fly_unguided_max_range(clean, el)[0]


def test_induced_drag_in_level_flight_matches_closed_form():
    # Level flight at 5 km, 600 m/s, no thrust, C_D0 = 0. With gravity, gravity compensation
    # holds a constant lateral acceleration a_lat = g (PN command is zero: the target flies
    # ahead at the same altitude, LOS rate 0); without gravity the missile flies straight with
    # a_lat = 0 and keeps its speed. Induced drag: CN = m a_lat / (q S),
    # D_i / m = q S k CN^2 / m = k m g^2 / (q S), k = ALPHA_MAX_RAD / cn_max.
    # Hand numbers: rho(5 km) = 1.2256 exp(-5000/9144) = 0.70937 kg/m3, S = pi 0.3^2/4 =
    # 0.070686 m2, q S = 0.5 * 0.70937 * 600^2 * 0.070686 = 9025.7 N, CN = 1000 g / 9025.7 =
    # 1.0865, k = 0.34907 / 10 = 0.034907, D_i / m = 9025.7 * 0.034907 * 1.0865^2 / 1000
    # = 0.37194 m/s^2. With dv/dt = -c / v^2, c = 2 k m g^2 / (rho S) = 133 898 m^3/s^3,
    # v(t)^3 = v0^3 - 3 c t.
    aero = _aero(cn_max=10.0, guidance_delay_s=0.0, launch_speed_m_s=600.0)
    assert ALPHA_MAX_RAD / aero.cn_max == pytest.approx(0.0349066, rel=1e-5)
    h, v0 = 5000.0, 600.0
    tp0 = np.array([[0.0, 50_000.0, h]])
    tv = np.array([[0.0, v0, 0.0]])

    def target(t):
        return tp0 + tv * t, tv

    kw = dict(launch_vel_enu=np.array([[0.0, v0, 0.0]]), t_max=20.0, dt=0.05, earth_radius_m=FLAT)
    turning = fly(aero, np.array([[0.0, 0.0, h]]), target, **kw)
    straight = fly(aero, np.array([[0.0, 0.0, h]]), target, gravity_m_s2=0.0, **kw)
    z = turning.pos_enu_m[:, 0, 2]
    np.testing.assert_allclose(z, h, atol=1e-6)          # level: lateral g balances gravity
    sp_turn = np.linalg.norm(turning.vel_enu_m_s[:, 0], axis=1)
    sp_straight = np.linalg.norm(straight.vel_enu_m_s[:, 0], axis=1)
    np.testing.assert_allclose(sp_straight, v0, rtol=1e-12)   # no lateral accel, no drag
    assert sp_turn[-1] < sp_straight[-1] - 5.0
    # initial deceleration = hand-computed induced drag
    dv0 = (sp_turn[1] - sp_turn[0]) / (turning.time_s[1] - turning.time_s[0])
    assert -dv0 == pytest.approx(0.37194, rel=2e-3)
    # whole flight against the closed form v^3 = v0^3 - 3 c t
    c = 133_897.56
    np.testing.assert_allclose(sp_turn, np.cbrt(v0**3 - 3 * c * turning.time_s), rtol=1e-6)


# ------------------------------------------------------------------------------ spherical Earth
def test_gravity_points_at_the_earth_centre():
    # Free fall from rest 100 km downrange on the tangent plane: the fall is radial, so the
    # velocity is tilted from -z towards the launcher by atan2(100 km, R) (~ 100/6371 rad) and
    # its magnitude is g (R / r0)^2 t to O(fall height / R).
    aero = _aero(launch_speed_m_s=0.0)
    res = fly(aero, np.array([[0.0, 100_000.0, 0.0]]), None, launch_vel_enu=np.zeros((1, 3)),
              t_max=1.0, dt=0.01, end_alt_m=-1e9)
    v = res.vel_enu_m_s[-1, 0]
    assert np.arctan2(-v[1], -v[2]) == pytest.approx(np.arctan2(100_000.0, EARTH_RADIUS_M), rel=1e-9)
    assert np.arctan2(-v[1], -v[2]) == pytest.approx(100.0 / 6371.0, rel=1e-4)
    r0 = np.hypot(100_000.0, EARTH_RADIUS_M)
    assert np.linalg.norm(v) == pytest.approx(G0_M_S2 * (EARTH_RADIUS_M / r0) ** 2, rel=1e-5)


def test_circular_orbit_keeps_its_altitude():
    # Horizontal launch at v = sqrt(g R) (inverse-square gravity, no drag): a circular orbit of
    # angular rate w = v / R, p(t) = (0, R sin wt, R cos wt - R) (Vallado ch. 1).
    v0 = np.sqrt(G0_M_S2 * EARTH_RADIUS_M)
    aero = _aero(launch_speed_m_s=v0)
    res = fly_unguided(aero, np.array([0.0]), end_alt_m=-1000.0, t_max=2500.0, dt=0.5,
                       record_every=50)
    np.testing.assert_allclose(altitude_m(res.pos_enu_m[:, 0]), 0.0, atol=1e-3)
    wt = v0 / EARTH_RADIUS_M * res.time_s
    np.testing.assert_allclose(res.pos_enu_m[:, 0, 1], EARTH_RADIUS_M * np.sin(wt), atol=1e-3)
    np.testing.assert_allclose(res.pos_enu_m[:, 0, 2], EARTH_RADIUS_M * (np.cos(wt) - 1.0), atol=1e-3)
    assert res.end_reason[0] == 5 and np.isclose(res.max_alt_m[0], 0.0, atol=1e-3)


def test_vacuum_range_on_the_sphere_matches_free_flight_range_equation():
    # Free-flight range angle on a spherical, non-rotating Earth for a launch from the surface at
    # speed v and flight-path angle g: tan(psi/2) = Q sin g cos g / (1 - Q cos^2 g), Q = v^2/(g0 R)
    # (Bate, Mueller & White, Fundamentals of Astrodynamics, 1971, ch. 6 free-flight range
    # equation); ground range R psi. Q -> 0 gives the flat v^2 sin 2g / g0.
    v0 = 3000.0
    aero = _aero(launch_speed_m_s=v0)
    el = np.radians([20.0, 40.0, 60.0])
    q = v0**2 / (G0_M_S2 * EARTH_RADIUS_M)
    psi = 2.0 * np.arctan(q * np.sin(el) * np.cos(el) / (1.0 - q * np.cos(el) ** 2))
    r = fly_unguided_max_range(aero, el, dt=0.05, t_max=1500.0)
    np.testing.assert_allclose(r, EARTH_RADIUS_M * psi, rtol=1e-5)
    assert (r > v0**2 * np.sin(2 * el) / G0_M_S2).all()     # a falling-away Earth lengthens range


def test_enu_targets_from_geodetic_have_their_altitude_and_great_circle_range():
    # Targets come from pyproj's geodetic2enu (WGS84 tangent plane at the launcher): on the sphere
    # their altitude is their height above the launcher to within d^2/2 |1/R - 1/R_local|, with
    # the WGS84 radii of curvature R_local in [6.33, 6.40] Mm (|1/R - 1/R_local| <= 1.02e-9 /m:
    # 32 m at 250 km), and the great-circle ground range matches the WGS84 geodesic to R / R_local.
    lat0, lon0, h0 = 52.0, 21.0, 0.0
    dist = np.array([50_000.0, 150_000.0, 250_000.0, 400_000.0])
    for az_deg in (0.0, 90.0, 225.0):
        lat, lon = geodesic_direct(np.full(4, lat0), np.full(4, lon0), np.radians(az_deg), dist)
        e, n, u = geodetic2enu(lat, lon, np.full(4, 10_000.0), lat0, lon0, h0)
        p = np.stack([e, n, u], axis=-1)
        assert (u < 10_000.0 - 150.0).all()                  # below the tangent plane's 10 km
        assert (np.abs(altitude_m(p) - 10_000.0) <= dist**2 / 2 * 1.02e-9 + 1.0).all()
        np.testing.assert_allclose(ground_range_m(p), dist, rtol=4e-3)
        np.testing.assert_allclose(altitude_m(p, FLAT), u)


def test_ground_range_is_the_great_circle_arc():
    theta = np.array([0.0, 0.01, 0.05])
    for h in (0.0, 20_000.0):
        p = np.stack([np.zeros(3), (EARTH_RADIUS_M + h) * np.sin(theta),
                      (EARTH_RADIUS_M + h) * np.cos(theta) - EARTH_RADIUS_M], axis=-1)
        np.testing.assert_allclose(ground_range_m(p), EARTH_RADIUS_M * theta, rtol=1e-12, atol=1e-6)
        np.testing.assert_allclose(altitude_m(p), h, atol=1e-6)


# ------------------------------------------------------------------------------ sampled targets
def test_sampled_target_interpolates_linearly_and_flies_like_the_callable():
    aero = _aero(cn_max=50.0, guidance_delay_s=0.5, seeker_range_m=3000.0, launch_speed_m_s=900.0)
    p0 = np.array([[1000.0, 15_000.0, 4000.0], [-500.0, 12_000.0, 6000.0]])
    v = np.array([[0.0, -250.0, 0.0], [30.0, -200.0, 5.0]])
    sampled = SampledTarget(np.array([0.0, 100.0]), np.stack([p0, p0 + 100.0 * v]), np.stack([v, v]))
    pos, vel = sampled.sample(np.array([-1.0, 0.0, 37.5, 250.0]))
    np.testing.assert_allclose(pos[2], p0 + 37.5 * v)
    np.testing.assert_allclose(pos[0], p0)                      # held outside the grid
    np.testing.assert_allclose(pos[3], p0 + 100.0 * v)
    np.testing.assert_allclose(vel[1], v)
    kw = dict(loft_rad=np.radians([10.0, 20.0]), t_max=60.0, dt=0.05, record_every=7)
    a = fly(aero, np.zeros((2, 3)), sampled, **kw)
    b = fly(aero, np.zeros((2, 3)), lambda t: (p0 + v * t, v), **kw)
    assert a.intercept.all()
    for f in ("time_s", "pos_enu_m", "miss_m", "intercept_time_s", "end_time_s"):
        np.testing.assert_allclose(getattr(a, f), getattr(b, f), rtol=1e-9)
    # a target shared by every missile: (m, 3) samples
    shared = SampledTarget(np.array([0.0, 100.0]), np.stack([p0[0], p0[0] + 100.0 * v[0]]),
                           np.stack([v[0], v[0]]))
    c = fly(aero, np.zeros((2, 3)), shared, **kw)
    np.testing.assert_allclose(c.intercept_time_s[0], a.intercept_time_s[0], rtol=1e-12)


# ------------------------------------------------------------------------------ two stages
def test_two_stage_rocket_equation_separation_and_dart_drag():
    # Booster 75 kg -> 45 kg after 30 kg propellant in 2.5 s, then 15 kg case jettisoned: the
    # 30 kg dart coasts with the 0.09 m reference diameter. Gravity-free, level, flat Earth.
    # (1) without drag, speed = v0 + ve ln(75/45) (rocket equation, Sutton & Biblarz eq. 4-7) and
    # unchanged by the separation; (2) with constant C_D0 at constant density the dart's speed
    # follows v(t) = v_s / (1 + v_s k (t - t_s)), k = rho S_dart C_D0 / (2 m_dart).
    base = dict(launch_mass_kg=75.0, propellant_mass_kg=30.0, diameter_m=0.17, boost_time_s=2.5,
                sustain_time_s=0.0, boost_propellant_fraction=1.0, booster_inert_mass_kg=15.0,
                dart_diameter_m=0.09, launch_speed_m_s=30.0)
    aero = _aero(**base)
    s_dart, s_boost = np.pi * 0.09**2 / 4, np.pi * 0.17**2 / 4
    assert aero.mass_kg(2.5) == pytest.approx(30.0) and aero.mass_kg(2.5, before=True) == pytest.approx(45.0)
    assert aero.burnout_mass_kg == pytest.approx(30.0) and aero.staged
    np.testing.assert_allclose(aero.ref_area_at_m2(np.array([0.0, 2.5, 9.0])), [s_boost, s_dart, s_dart])
    assert aero.ref_area_at_m2(2.5, before=True) == pytest.approx(s_boost)
    kw = dict(launch_vel_enu=np.array([[0.0, 30.0, 0.0]]), t_max=20.0, dt=0.05, gravity_m_s2=0.0,
              earth_radius_m=FLAT)
    h = 10_000.0
    res = fly(aero, np.array([[0.0, 0.0, h]]), None, **kw)
    speed = np.linalg.norm(res.vel_enu_m_s[:, 0], axis=1)
    v_sep = 30.0 + 250.0 * G0_M_S2 * np.log(75.0 / 45.0)
    np.testing.assert_allclose(speed[res.time_s >= 2.5 - 1e-9], v_sep, rtol=1e-9)
    draggy = aero.replace(cd0=(0.3, 0.3))
    res = fly(draggy, np.array([[0.0, 0.0, h]]), None, **kw)
    speed = np.linalg.norm(res.vel_enu_m_s[:, 0], axis=1)
    after = res.time_s >= 2.5 - 1e-9
    v_s = speed[after][0]
    k = float(density_kg_m3(h)) * s_dart * 0.3 / (2 * 30.0)
    np.testing.assert_allclose(speed[after], v_s / (1 + v_s * k * (res.time_s[after] - 2.5)), rtol=1e-8)
    with pytest.raises(ValueError, match="booster_inert_mass_kg"):
        _aero(**{**base, "booster_inert_mass_kg": 45.0})


def test_until_first_intercept_keeps_the_earliest_intercept_and_stops_early():
    """A launch-solution search over lofts (fire control) wants only the earliest intercept:
    stopping there gives the same first intercept (loft, time, miss) as flying every missile
    to its end, and the lofts still in flight end by timeout at the stop time, not later."""
    aero = _aero(cn_max=50.0, guidance_delay_s=0.5, seeker_range_m=3000.0, launch_speed_m_s=900.0)
    p0, v = np.array([2000.0, 30_000.0, 5000.0]), np.array([0.0, -250.0, 0.0])
    lofts = np.radians([5.0, 20.0, 40.0, 60.0, 75.0])
    kw = dict(loft_rad=lofts, t_max=300.0, dt=0.05, record_every=10**6)
    target = lambda t: (p0 + v * t, v)                                      # noqa: E731
    full = fly(aero, np.zeros((5, 3)), target, **kw)
    fast = fly(aero, np.zeros((5, 3)), target, until_first_intercept=True, **kw)
    first = int(np.nanargmin(np.where(full.intercept, full.intercept_time_s, np.inf)))
    assert full.intercept.sum() >= 2 and fast.intercept[first]
    assert int(np.nanargmin(np.where(fast.intercept, fast.intercept_time_s, np.inf))) == first
    for f in ("intercept_time_s", "miss_m"):
        assert getattr(fast, f)[first] == getattr(full, f)[first]
    cut = ~fast.intercept & full.intercept
    assert cut.any() and (fast.end_time_s[cut] < full.intercept_time_s[cut]).all()
