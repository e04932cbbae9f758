"""Route-following kinematics against independent references: pyproj Geod distances and times,
turn radius v^2/(g sqrt(n^2-1)) from the sampled curvature, constant speed, terrain following on a
synthetic DEM, deterministic raid expansion and spread statistics."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pyproj
import pytest

from iadsim.engine.kinematics import (
    Route,
    RouteWarning,
    Waypoint,
    fly,
    routes_from_scenario,
    turn_radius_m,
)
from iadsim.errors import InputError
from iadsim.geo.frames import geodetic2enu
from iadsim.geo.terrain import Dem
from iadsim.scenario.load import load_scenario, load_scenario_text

GEOD = pyproj.Geod(ellps="WGS84")
G0 = 9.80665
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _samples(traj, j=0):
    i = np.flatnonzero(traj.active[:, j])
    return (traj.time_s[i], traj.lat_deg[i, j], traj.lon_deg[i, j], traj.alt_msl_m[i, j],
            traj.vel_enu_m_s[i, j])


# ---------------------------------------------------------------------------------------------
# Straight legs
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lat1,lon1,lat2,lon2", [
    (53.0, 23.5, 53.0, 26.0),     # east along a parallel (a geodesic is not a parallel)
    (52.0, 24.0, 54.5, 24.5),     # roughly north
    (53.5, 27.0, 52.2, 23.1),     # south-west, long
])
def test_straight_leg_distance_and_time_match_pyproj(lat1, lon1, lat2, lon2):
    v, t0 = 240.0, 15.0
    az, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    route = Route("a", "F-16C", t0, (Waypoint(lat1, lon1, 5000.0),
                                     Waypoint(lat2, lon2, 5000.0, speed_m_s=v)))
    traj = fly([route], None, dt_s=2.0)
    t, lat, lon, alt, vel = _samples(traj)
    assert t[0] == pytest.approx(16.0)                 # first grid time >= start
    assert t[-1] <= t0 + dist / v < t[-1] + 2.0        # ends after dist / v
    # distance flown from the start is v * (t - t0), and every sample is on the geodesic
    az_s, _, d_s = GEOD.inv(np.full(t.size, lon1), np.full(t.size, lat1), lon, lat)
    np.testing.assert_allclose(d_s, v * (t - t0), atol=1e-3)
    np.testing.assert_allclose(az_s, az, atol=1e-8)
    np.testing.assert_allclose(alt, 5000.0)
    np.testing.assert_allclose(np.hypot(vel[:, 0], vel[:, 1]), v, rtol=1e-12)
    # t_end beyond the route: the last sample is exactly at the end of the route
    traj2 = fly([route], None, dt_s=1.0, t_end_s=t0 + dist / v + 5.0)
    assert traj2.active[:, 0].sum() == pytest.approx(int(dist / v + t0) - 15, abs=1)


def test_inactive_before_start_and_after_end():
    route = Route("a", "Tomahawk", 30.0, (Waypoint(53.0, 24.0, 100.0),
                                          Waypoint(53.0, 24.2, 100.0, speed_m_s=200.0)))
    traj = fly([route], None, dt_s=1.0, t_end_s=200.0)
    end = 30.0 + GEOD.inv(24.0, 53.0, 24.2, 53.0)[2] / 200.0
    inactive = (traj.time_s < 30.0) | (traj.time_s > end)
    assert not traj.active[inactive, 0].any() and traj.active[~inactive, 0].all()
    assert np.isnan(traj.lat_deg[inactive, 0]).all()
    assert np.isnan(traj.vel_enu_m_s[inactive, 0]).all()


# ---------------------------------------------------------------------------------------------
# Turns
# ---------------------------------------------------------------------------------------------

def _circumradius(e, n):
    """Radius of the circle through consecutive triples of points (independent of the model)."""
    a = np.hypot(e[1:-1] - e[:-2], n[1:-1] - n[:-2])
    b = np.hypot(e[2:] - e[1:-1], n[2:] - n[1:-1])
    c = np.hypot(e[2:] - e[:-2], n[2:] - n[:-2])
    cross = np.abs((e[1:-1] - e[:-2]) * (n[2:] - n[:-2]) - (n[1:-1] - n[:-2]) * (e[2:] - e[:-2]))
    with np.errstate(divide="ignore", invalid="ignore"):
        return a * b * c / (2.0 * cross)


@pytest.mark.parametrize("v,n,turn_deg", [(250.0, 3.0, 90.0), (245.0, 2.0, 45.0),
                                          (50.0, 1.5, 120.0), (300.0, 4.0, -70.0)])
def test_turn_radius_matches_load_factor(v, n, turn_deg):
    lat0, lon0 = 53.0, 25.0
    # 60 km north-east, then turn by turn_deg (positive = right) for another 60 km.
    h1 = 45.0
    lon1, lat1, _ = GEOD.fwd(lon0, lat0, h1, 60_000.0)
    _, back, _ = GEOD.inv(lon0, lat0, lon1, lat1)
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, back + 180.0 + turn_deg, 60_000.0)
    route = Route("t", "F-16C", 0.0, (Waypoint(lat0, lon0, 3000.0),
                                      Waypoint(lat1, lon1, 3000.0, speed_m_s=v),
                                      Waypoint(lat2, lon2, 3000.0, speed_m_s=v)),
                  max_load_factor_g=n)
    traj = fly([route], None, dt_s=0.25)
    t, lat, lon, alt, vel = _samples(traj)
    # On the ellipsoid surface: speeds are ground speeds (at 3 km altitude the path is
    # 1 + h/R = 1.0005 longer).
    e, nn, _ = geodetic2enu(lat, lon, np.zeros_like(alt), lat1, lon1, 0.0)
    radius = _circumradius(e, nn)
    expected = v**2 / (G0 * math.sqrt(n**2 - 1.0))
    assert turn_radius_m(v, n) == pytest.approx(expected)
    on_arc = radius < 2.0 * expected
    sweep = math.radians(abs(turn_deg))
    # samples on the arc: its length / step, less the two end triples
    assert on_arc.sum() == pytest.approx(expected * sweep / (v * 0.25), abs=3)
    np.testing.assert_allclose(np.median(radius[on_arc]), expected, rtol=2e-3)
    # closest approach to the waypoint: the fillet passes R (1/cos(theta/2) - 1) inside it
    inside = expected * (1.0 / math.cos(sweep / 2.0) - 1.0)
    assert np.hypot(e, nn).min() == pytest.approx(inside, rel=0.01, abs=2.0)
    # speed constant along the whole path (chords of 0.25 s on the arc differ by < 1e-4)
    step = np.hypot(np.diff(e), np.diff(nn)) / 0.25
    np.testing.assert_allclose(step, v, rtol=2e-4)
    np.testing.assert_allclose(np.hypot(vel[:, 0], vel[:, 1]), v, rtol=1e-9)
    # velocity is the path tangent: matches central differences of the position
    ve = np.gradient(e, t)
    vn = np.gradient(nn, t)
    np.testing.assert_allclose(vel[1:-1, 0], ve[1:-1], atol=0.02 * v)
    np.testing.assert_allclose(vel[1:-1, 1], vn[1:-1], atol=0.02 * v)


def test_short_legs_reduce_the_radius_with_a_warning():
    route = Route("s", "F-16C", 0.0, (Waypoint(53.0, 25.0, 3000.0),
                                      Waypoint(53.0, 25.02, 3000.0, speed_m_s=300.0),
                                      Waypoint(53.02, 25.02, 3000.0, speed_m_s=300.0)),
                  max_load_factor_g=2.0)
    with pytest.warns(RouteWarning, match="waypoint 1"):
        traj = fly([route], None, dt_s=0.5)
    assert traj.active[:, 0].any()


def test_waypoint_time_is_met_abeam_the_waypoint():
    text = (EXAMPLES / "minimal.yaml").read_text() + """
threats:
  - id: f-1
    type: F-16C
    start_time_s: 10
    route:
      - {lat_deg: 53.0, lon_deg: 24.0, alt_m: 8000}
      - {lat_deg: 53.3, lon_deg: 24.8, alt_m: 8000, time_s: 300}
      - {lat_deg: 53.0, lon_deg: 25.6, alt_m: 8000, time_s: 560}
"""
    sc = load_scenario_text(text)
    [route] = routes_from_scenario(sc)
    traj = fly([route], None, dt_s=0.1)
    t, lat, lon, *_ = _samples(traj)
    _, _, d = GEOD.inv(np.full(t.size, 24.8), np.full(t.size, 53.3), lon, lat)
    assert t[np.argmin(d)] == pytest.approx(300.0, abs=0.15)
    assert t[-1] == pytest.approx(560.0, abs=0.1)


# ---------------------------------------------------------------------------------------------
# Altitude
# ---------------------------------------------------------------------------------------------

def test_altitude_linear_and_climb_limited():
    gamma = math.radians(5.0)
    # 20 km legs: 1000 m -> 2000 m is within 5 deg (1750 m allowed), 2000 -> 8000 is not.
    lon1, lat1, _ = GEOD.fwd(25.0, 53.0, 90.0, 20_000.0)
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, 90.0, 20_000.0)
    route = Route("c", "F-16C", 0.0, (Waypoint(53.0, 25.0, 1000.0),
                                      Waypoint(lat1, lon1, 2000.0, speed_m_s=200.0),
                                      Waypoint(lat2, lon2, 8000.0, speed_m_s=200.0)),
                  max_climb_angle_rad=gamma)
    t, lat, lon, alt, vel = _samples(fly([route], None, dt_s=1.0))
    slope = np.diff(alt) / (200.0 * np.diff(t))
    assert slope.max() <= math.tan(gamma) + 1e-9
    first = t <= 100.0
    np.testing.assert_allclose(np.diff(alt[first]), 1000.0 / 100.0, rtol=1e-3)  # linear
    # past waypoint 1 (abeam at 100 s) it climbs at the limit toward the unreachable 8000 m
    assert alt[-1] == pytest.approx(2000.0 + math.tan(gamma) * 200.0 * (t[-1] - 100.0),
                                    rel=1e-3)
    np.testing.assert_allclose(vel[:-1, 2], 200.0 * slope, rtol=1e-3, atol=1e-6)


@pytest.fixture(scope="module")
def dem():
    return Dem.synthetic(52.5, 53.5, 23.5, 26.5, resolution_m=500.0, seed=7, relief_m=150.0,
                         base_m=150.0)


@pytest.mark.parametrize("agl", [30.0, 50.0, 300.0])
def test_terrain_following_keeps_height_above_ground(dem, agl):
    wps = (Waypoint(52.7, 23.8, agl, "agl"), Waypoint(53.2, 25.0, agl, "agl", 240.0),
           Waypoint(52.9, 26.2, agl, "agl", 240.0))
    steep = Route("tf", "Tomahawk", 0.0, wps, terrain_following=True,
                  max_load_factor_g=2.0, max_climb_angle_rad=math.radians(30.0))
    t, lat, lon, alt, vel = _samples(fly([steep], dem, dt_s=1.0))
    height = alt - dem.sample(lat, lon)
    np.testing.assert_allclose(height, agl, atol=3.0)
    # A gentle climb limit never goes below the target and respects the slope.
    gentle = Route("tf2", "Tomahawk", 0.0, wps, terrain_following=True,
                   max_load_factor_g=2.0, max_climb_angle_rad=math.radians(0.5))
    t, lat, lon, alt, vel = _samples(fly([gentle], dem, dt_s=1.0))
    height = alt - dem.sample(lat, lon)
    assert height.min() >= agl - 3.0
    assert height.max() > agl + 10.0          # it rides over rises it cannot follow
    assert np.abs(np.diff(alt)).max() <= math.tan(math.radians(0.5)) * 240.0 + 1e-6


def test_agl_waypoints_need_a_dem():
    route = Route("x", "Tomahawk", 0.0, (Waypoint(53.0, 25.0, 50.0, "agl"),
                                         Waypoint(53.0, 25.1, 50.0, "agl", 200.0)))
    with pytest.raises(InputError, match="needs a dem"):
        fly([route], None)


@pytest.mark.parametrize("kwargs,match", [
    ({"waypoints": (Waypoint(53.0, 25.0, 0.0),)}, "at least 2"),
    ({"max_load_factor_g": 1.0}, "max_load_factor_g"),
    ({"terrain_following": True}, "alt_ref 'agl'"),
])
def test_bad_routes_raise_input_error(kwargs, match):
    base = {"id": "r", "type": "F-16C", "start_time_s": 0.0,
            "waypoints": (Waypoint(53.0, 25.0, 100.0), Waypoint(53.0, 25.1, 100.0, "msl", 200.0))}
    with pytest.raises(InputError, match=match):
        Route(**{**base, **kwargs})


# ---------------------------------------------------------------------------------------------
# Raids
# ---------------------------------------------------------------------------------------------

RAID = """
seed: {seed}
raids:
  - id: swarm
    type: Shahed-136
    count: {count}
    start_time_s: 200
    route:
      - {{lat_deg: 52.70, lon_deg: 25.00, alt_m: 1000}}
      - {{lat_deg: 53.00, lon_deg: 25.00, alt_m: 1000}}
      - {{lat_deg: 53.00, lon_deg: 25.50, alt_m: 1000}}
    spread: {{time_s: 100, lateral_m: 5000, altitude_m: 200}}
"""


def _raid_scenario(seed: int, count: int = 30):
    text = (EXAMPLES / "minimal.yaml").read_text() + RAID.format(seed=seed, count=count)
    return load_scenario_text(text)


def test_raid_expansion_is_deterministic():
    a = fly(routes_from_scenario(_raid_scenario(5)), None, dt_s=5.0)
    b = fly(routes_from_scenario(_raid_scenario(5)), None, dt_s=5.0)
    c = fly(routes_from_scenario(_raid_scenario(6)), None, dt_s=5.0)
    for name in ("time_s", "lat_deg", "lon_deg", "alt_msl_m", "vel_enu_m_s", "active"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.ids == b.ids == tuple(f"swarm-{i:03d}" for i in range(1, 31))
    assert not np.array_equal(a.active, c.active)


def test_raid_spread_statistics_match_uniform_half_widths():
    count = 1000
    routes = routes_from_scenario(_raid_scenario(1, count))
    assert len(routes) == count
    dt = np.array([r.start_time_s for r in routes]) - 200.0
    dz = np.array([r.waypoints[0].alt_m for r in routes]) - 1000.0
    lat = np.array([r.waypoints[0].lat_deg for r in routes])
    lon = np.array([r.waypoints[0].lon_deg for r in routes])
    # signed cross-track offset of the first waypoint (axis heads north: right = east)
    az, _, d = GEOD.inv(np.full(count, 25.0), np.full(count, 52.70), lon, lat)
    dy = d * np.sin(np.radians(az))
    for x, w in ((dt, 100.0), (dz, 200.0), (dy, 5000.0)):
        assert np.abs(x).max() <= w * (1 + 1e-9)
        assert abs(x.mean()) < 4.0 * w / math.sqrt(3.0 * count)
        assert x.std() == pytest.approx(w / math.sqrt(3.0), rel=0.08)
    # the whole schedule shifts and the altitude offset applies to every waypoint
    np.testing.assert_allclose([r.waypoints[2].alt_m for r in routes], 1000.0 + dz)
    # the lateral offset is constant along the route (parallel tracks)
    lat_end = np.array([r.waypoints[2].lat_deg for r in routes])
    lon_end = np.array([r.waypoints[2].lon_deg for r in routes])
    az_e, _, d_e = GEOD.inv(np.full(count, 25.5), np.full(count, 53.0), lon_end, lat_end)
    np.testing.assert_allclose(-d_e * np.cos(np.radians(az_e)), dy, atol=1.0)


def test_raid_example_flies():
    sc = load_scenario(EXAMPLES / "raid_2022.yaml")
    routes = routes_from_scenario(sc)
    assert len(routes) == len(sc.threats) + sum(r.count for r in sc.raids)
    assert len({r.id for r in routes}) == len(routes)
    dem = Dem.synthetic(51.5, 55.0, 22.5, 28.0, resolution_m=1000.0, seed=2022,
                        relief_m=120.0, base_m=160.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RouteWarning)
        traj = fly(routes, dem, dt_s=2.0)
    minutes = traj.active.sum(axis=0) * 2.0 / 60.0
    assert 8.0 < minutes.min() and minutes.max() < 20.0
    # the Trajectories interpolation works on the result
    j = np.arange(traj.n_objects)
    lat, lon, alt, vel, active = traj.at(np.full(j.size, 301.0), j)
    assert active.any() and np.isfinite(lat[active]).all()
