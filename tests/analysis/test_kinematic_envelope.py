"""Kinematic launch envelope: a hand-checkable constant-speed case, the calibrated range bound and
monotonic shrinkage."""

import numpy as np
import pytest

from iadsim.weapons.calibration import load_aero, max_range_m
from iadsim.weapons.flyout import MissileAero
from iadsim.analysis.kinematic_envelope import launch_acceptability
from iadsim.plot.envelope import envelope_plot


def test_hand_checkable_constant_speed_missile():
    # No thrust, drag or gravity: a 1000 m/s missile flying at most T = 20 s meets a head-on
    # target (250 m/s, h = 5 km) at best at t = T on a straight line, so the largest initial
    # ground range is R = v T + sqrt((V T)^2 - h^2) = 24 365 m. PN from a launch along the LOS
    # flies a slightly longer path, so the last acceptable 1 km grid point is 23 or 24 km.
    aero = MissileAero(name="hand", launch_mass_kg=100.0, propellant_mass_kg=0.0, diameter_m=0.2,
                       isp_s=250.0, boost_time_s=0.0, sustain_time_s=0.0,
                       boost_propellant_fraction=1.0, cd_mach=(0.0, 10.0), cd0=(0.0, 0.0),
                       cn_max=1e9, max_lateral_g=1e9, seeker_range_m=0.0, min_speed_m_s=0.0,
                       launch_speed_m_s=1000.0, guidance_delay_s=0.0, kill_radius_m=10.0)
    ds = launch_acceptability(aero, [5000.0], 250.0, ranges=np.arange(10_000.0, 30_001.0, 1000.0),
                              lofts_deg=(0.0,), dt_s=0.01, t_max_s=20.0)
    r_max = float(ds["max_launch_range_m"].sel(heading="approaching").values[0])
    assert r_max in (23_000.0, 24_000.0)
    assert float(ds["min_launch_range_m"].values[0, 0]) == 10_000.0
    ok = ds["intercept"].values[0, 0]
    assert ok[ds["range"].values <= 23_000.0].all() and not ok[ds["range"].values >= 25_000].any()


@pytest.fixture(scope="module")
def env_9m96():
    aero = load_aero("9M96E2")
    ds = launch_acceptability(aero, [1000.0, 10_000.0], 100.0, headings=("approaching", "receding"),
                              ranges=np.arange(10_000.0, 260_001.0, 10_000.0), dt_s=0.1)
    ds_fast = launch_acceptability(aero, [10_000.0], 400.0, headings=("approaching", "receding"),
                                   ranges=np.arange(10_000.0, 260_001.0, 10_000.0), dt_s=0.1)
    return aero, ds, ds_fast


def test_max_launch_range_reaches_calibrated_range(env_9m96):
    aero, ds, _ = env_9m96
    r_cal, _ = max_range_m(aero)
    sel = ds.sel(heading="approaching", altitude=10_000.0)
    r_max = float(sel["max_launch_range_m"])
    tof = float(sel["time_of_flight_s"].sel(range=r_max))
    assert r_max >= r_cal - 100.0 * tof - 10_000.0   # grid step 10 km


def test_envelopes_shrink_for_low_altitude_and_faster_receding_targets(env_9m96, tmp_path):
    _, ds, ds_fast = env_9m96
    for heading in ("approaching", "receding"):
        r = ds["max_launch_range_m"].sel(heading=heading)
        assert float(r.sel(altitude=1000.0)) <= float(r.sel(altitude=10_000.0))
    slow = float(ds["max_launch_range_m"].sel(heading="receding", altitude=10_000.0))
    fast = float(ds_fast["max_launch_range_m"].sel(heading="receding", altitude=10_000.0))
    assert fast < slow
    # approaching: a faster target lets the launch start further out, but the intercept point
    # (initial range minus target travel) is no further from the launcher.
    def reach(d):
        s = d.sel(heading="approaching", altitude=10_000.0)
        r = float(s["max_launch_range_m"])
        return r, r - d.attrs["target_speed_m_s"] * float(s["time_of_flight_s"].sel(range=r))
    (r_s, p_s), (r_f, p_f) = reach(ds), reach(ds_fast)
    assert r_f >= r_s and p_f <= p_s + 10_000.0
    out = envelope_plot(ds, tmp_path / "env.png", "9M96E2 kinematic envelope",
                        {"iadsim_version": "test", "figure_set": "nominal", "assumptions": [],
                         "sources": []})
    assert out.exists() and out.stat().st_size > 1000
