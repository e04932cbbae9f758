"""Flyout integration against closed forms: vacuum ballistic trajectory, the rocket equation and
induced drag in level (gravity-compensated) flight."""

import numpy as np
import pytest

from iadsim.weapons.flyout import (
    ALPHA_MAX_RAD,
    G0_M_S2,
    MissileAero,
    density_kg_m3,
    fly,
    fly_unguided,
    fly_unguided_max_range,
    speed_of_sound_m_s,
)


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
    res = fly_unguided(aero, el, dt=0.05, t_max=70.0)
    v0, g = aero.launch_speed_m_s, G0_M_S2
    t = res.time_s[:, None]
    live = t <= (2 * v0 * np.sin(el) / g)[None, :] - 0.05
    y = v0 * np.cos(el)[None, :] * t
    z = v0 * np.sin(el)[None, :] * t - 0.5 * g * t**2
    np.testing.assert_allclose(res.pos_enu_m[..., 1][live], y[live], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(res.pos_enu_m[..., 2][live], z[live], rtol=1e-9, atol=1e-6)
    r = fly_unguided_max_range(aero, el, dt=0.05)
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

    kw = dict(launch_vel_enu=np.array([[0.0, v0, 0.0]]), t_max=20.0, dt=0.05)
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
