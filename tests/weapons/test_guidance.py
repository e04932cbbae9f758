"""Guidance laws against independent closed forms (Zarchan, Tactical and Strategic Missile Guidance,
6th ed., ch. 2-3: linearised PN engagement)."""

import numpy as np
import pytest

from iadsim.weapons.flyout import MissileAero, fly
from iadsim.weapons.guidance import (
    MODE_TERMINAL,
    closest_approach,
    limit_magnitude,
    los_rate,
    proportional_navigation,
)

G = 9.80665


def _ballistic_aero(**kw) -> MissileAero:
    base = dict(name="test", launch_mass_kg=100.0, propellant_mass_kg=0.0, diameter_m=0.2,
                isp_s=250.0, boost_time_s=0.0, sustain_time_s=0.0,
                boost_propellant_fraction=1.0, cd_mach=(0.0, 10.0), cd0=(0.0, 0.0), cn_max=1e9,
                max_lateral_g=1e9, seeker_range_m=0.0, min_speed_m_s=0.0,
                launch_speed_m_s=1000.0, guidance_delay_s=0.0, kill_radius_m=5.0, nav_gain=4.0)
    base.update(kw)
    return MissileAero(**base)


def _linear_engagement(n_gain, t_f, vm, vt, n_target, heading_error, dt=2e-3):
    """Planar head-on engagement with fixed along-track speeds (constant V_c = vm + vt) and
    lateral motion only: Zarchan's linearised PN loop, but the command comes from the 3-D law."""
    vc = vm + vt
    n_steps = int(round(t_f / dt))
    y_rel = 0.0
    vy_rel = vm * heading_error          # target lateral velocity minus missile's: y' = -(-Vm HE)
    times, cmds = [], []

    def command(t, y, vy):
        x = vc * (t_f - t)
        rel_p = np.array([[x, y, 0.0]])
        rel_v = np.array([[-vc, vy, 0.0]])
        return proportional_navigation(rel_p, rel_v, n_gain)[0, 1]

    for k in range(n_steps - 25):       # stop short of t_F (the LOS rate blows up there)
        t = k * dt
        nc = command(t, y_rel, vy_rel)
        times.append(t)
        cmds.append(nc)
        # RK4 on y'' = nT - nc(y, y')
        def f(tt, y, vy):
            return vy, n_target - command(tt, y, vy)
        k1 = f(t, y_rel, vy_rel)
        k2 = f(t + dt / 2, y_rel + dt / 2 * k1[0], vy_rel + dt / 2 * k1[1])
        k3 = f(t + dt / 2, y_rel + dt / 2 * k2[0], vy_rel + dt / 2 * k2[1])
        k4 = f(t + dt, y_rel + dt * k3[0], vy_rel + dt * k3[1])
        y_rel += dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        vy_rel += dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
    return np.array(times), np.array(cmds)


@pytest.mark.parametrize("n_gain", [3.0, 5.0])
def test_step_target_manoeuvre_matches_zarchan_closed_form(n_gain):
    # Zarchan ch. 3: n_c / n_T = N'/(N'-2) * (1 - (1 - t/t_F)^(N'-2)), zero-lag PN.
    t_f, n_t = 10.0, 1.0 * G
    t, nc = _linear_engagement(n_gain, t_f, vm=1000.0, vt=500.0, n_target=n_t, heading_error=0.0)
    expected = n_gain / (n_gain - 2.0) * (1.0 - (1.0 - t / t_f) ** (n_gain - 2.0))
    ratio = nc / n_t
    assert np.max(np.abs(ratio - expected)) < 0.02 * n_gain / (n_gain - 2.0)
    # it tends to N/(N-2) towards the end of flight
    assert ratio[-1] == pytest.approx(n_gain / (n_gain - 2.0), rel=0.03)


@pytest.mark.parametrize("n_gain", [3.0, 5.0])
def test_heading_error_response_matches_zarchan_closed_form(n_gain):
    # Zarchan ch. 3: n_c = -Vm HE N'/t_F (1 - t/t_F)^(N'-2) (sign: towards correcting the error).
    t_f, vm, he = 10.0, 1000.0, np.radians(2.0)
    t, nc = _linear_engagement(n_gain, t_f, vm=vm, vt=500.0, n_target=0.0, heading_error=he)
    expected = vm * he * n_gain / t_f * (1.0 - t / t_f) ** (n_gain - 2.0)
    assert np.max(np.abs(nc - expected)) < 0.01 * expected[0]


def test_zero_miss_against_constant_velocity_target():
    aero = _ballistic_aero()
    tv = np.array([[200.0, -150.0, 0.0]])

    def target(t):
        return np.array([[-2000.0, 12_000.0, 3000.0]]) + tv * t, tv

    res = fly(aero, np.zeros((1, 3)), target, launch_el_rad=np.radians(30.0), launch_az_rad=0.0,
              t_max=60.0, dt=0.01, accel_limit=False, gravity_m_s2=0.0)
    assert res.intercept[0]
    assert res.miss_m[0] < 5.0


def test_command_then_terminal_with_noisy_lagged_track():
    aero = _ballistic_aero(seeker_range_m=5000.0, kill_radius_m=5.0)
    tv = np.array([[0.0, -300.0, 0.0]])
    rng = np.random.default_rng(1)
    offsets = rng.normal(0.0, 50.0, size=(10_000, 3))

    def target(t):
        return np.array([[1000.0, 20_000.0, 5000.0]]) + tv * t, tv

    def track(t):                          # 0.5 s lag, 50 m noise, 100 ms sample-and-hold
        p, v = target(t - 0.5)
        return p + offsets[int(t * 10) % len(offsets)], v

    res = fly(aero, np.zeros((1, 3)), target, track_fn=track, t_max=60.0, dt=0.01,
              gravity_m_s2=0.0, accel_limit=False)
    assert res.intercept[0] and res.miss_m[0] < 5.0
    i = np.searchsorted(res.time_s, res.terminal_time_s[0])
    assert res.mode[i + 1, 0] == MODE_TERMINAL
    p, _ = target(res.terminal_time_s[0])
    assert np.linalg.norm(p[0] - res.pos_enu_m[i, 0]) <= 5000.0 + 1500 * 0.01


def test_closest_approach_interpolation_and_limit():
    rel0 = np.array([[100.0, 3.0, 0.0]])
    rel1 = np.array([[-50.0, 3.0, 0.0]])
    miss, t, frac = closest_approach(rel0, rel1, 2.0, 0.1)
    assert miss[0] == pytest.approx(3.0)
    assert t[0] == pytest.approx(2.0 + 0.1 * 100 / 150)
    a = limit_magnitude(np.array([[30.0, 40.0, 0.0], [3.0, 4.0, 0.0]]), 10.0)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), [10.0, 5.0])
    w, vc = los_rate(np.array([[1000.0, 0, 0]]), np.array([[-100.0, 10.0, 0]]))
    np.testing.assert_allclose(w[0], [0, 0, 0.01])
    assert vc[0] == pytest.approx(100.0)


def test_pure_and_true_pn_agree_on_collision_course_geometry():
    rel_p = np.array([[10_000.0, 100.0, 0.0]])
    rel_v = np.array([[-1000.0, 5.0, 0.0]])
    vm = np.array([[1000.0, 0.0, 0.0]])
    a_true = proportional_navigation(rel_p, rel_v, 4.0, variant="true")
    a_pure = proportional_navigation(rel_p, rel_v, 4.0, vm, variant="pure")
    # same magnitude (V_c ~ V_m here); directions differ by the small LOS angle
    assert np.linalg.norm(a_true) == pytest.approx(np.linalg.norm(a_pure), rel=1e-3)
    assert abs(a_pure[0, 0]) < 1e-12 and abs(a_true[0, 0]) > 0
