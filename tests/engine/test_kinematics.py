"""Route-following kinematics against independent references: pyproj Geod distances and times,
turn radius v^2/(g sqrt(n^2-1)) from the sampled curvature and from least-squares circle fits,
the horizontal acceleration normal to the path from second differences of the sampled positions
(pyproj ECEF, independent of the planner) never beyond sqrt(n^2-1) g -- also for turns the legs
are too short for, wide-spread raids and random routes --, the closed-form length of a reversal
(teardrop of 2 pi R), constant speed, terrain following on a synthetic DEM, deterministic raid
expansion and spread statistics."""

from __future__ import annotations

import math
import re
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
    turn_radius_m,
)
from iadsim.errors import InputError
from iadsim.geo.frames import geodetic2enu
from iadsim.geo.terrain import Dem
from iadsim.scenario.load import load_scenario, load_scenario_text
from iadsim.scenario.routes import routes_from_scenario

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


# ---------------------------------------------------------------------------------------------
# Turns the legs are too short for: flown over, at the load factor
# ---------------------------------------------------------------------------------------------

_ECEF = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)


def _lateral_g(traj, j=0):
    """Horizontal acceleration normal to the path (g) at each interior sample of object j.

    From second differences of the sampled positions only (pyproj ECEF on the ellipsoid surface,
    the local vertical removed): independent of the planner's radii. A level coordinated turn at
    load factor n has ``sqrt(n^2 - 1) g`` of it (the lift n m g tilted by the bank angle).
    Chords under-read a steady turn, so sampling cannot inflate it.
    """
    i = np.flatnonzero(traj.active[:, j])
    dt = np.diff(traj.time_s[i])
    assert np.allclose(dt, dt[0])
    lat, lon = traj.lat_deg[i, j], traj.lon_deg[i, j]
    x = np.stack(_ECEF.transform(lon, lat, np.zeros(i.size)), axis=-1)
    la, lo = np.radians(lat[1:-1]), np.radians(lon[1:-1])
    up = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
    a = (x[2:] - 2.0 * x[1:-1] + x[:-2]) / dt[0] ** 2
    a -= np.sum(a * up, axis=-1, keepdims=True) * up
    t = x[2:] - x[:-2]
    t /= np.linalg.norm(t, axis=-1, keepdims=True)
    a -= np.sum(a * t, axis=-1, keepdims=True) * t
    return np.linalg.norm(a, axis=-1) / G0


def _limit_g(route):
    return math.sqrt(route.max_load_factor_g**2 - 1.0)


def _corner_route(turns_deg, legs_m, v=250.0, n=2.0, rid="c"):
    """North-east from (53, 25) for legs_m[0], then turn by each turns_deg (positive: right)."""
    lat, lon, heading = 53.0, 25.0, 45.0
    wps = [Waypoint(lat, lon, 3000.0)]
    for k, leg in enumerate(legs_m):
        if k:
            heading += turns_deg[k - 1]
        lon2, lat2, back = GEOD.fwd(lon, lat, heading, leg)
        wps.append(Waypoint(lat2, lon2, 3000.0, speed_m_s=v))
        lat, lon, heading = lat2, lon2, back + 180.0
    return Route(rid, "F-16C", 0.0, tuple(wps), max_load_factor_g=n)


@pytest.mark.parametrize("turns,legs", [
    ((90.0,), (20e3, 1.5e3)),                       # short last leg
    ((150.0,), (20e3, 2.5e3)),
    ((179.0,), (20e3, 30e3)),                       # long legs, but a 179 deg fillet needs 420 km
    ((-179.0,), (2e3, 30e3)),                       # short first leg
    ((120.0, -150.0), (25e3, 2e3, 2e3)),            # two short legs in a row
    ((-150.0, 150.0, 90.0), (3e3, 3e3, 2e3, 10e3)),  # zig-zag tighter than the turn circle
    ((150.0, 0.0), (20e3, 1e3, 20e3)),              # reaches waypoint 2 (straight on) askew
])
def test_turns_too_tight_for_the_legs_are_flown_at_the_load_factor(turns, legs):
    route = _corner_route(turns, legs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RouteWarning)
        traj = fly([route], None, dt_s=0.2)
    g = _lateral_g(traj)
    assert g.max() <= _limit_g(route) * 1.002       # before fly-overs: 4.3 to 158 g here
    assert g.max() >= _limit_g(route) * 0.99        # ... and it does turn at the limit
    [note] = [w for w in caught if issubclass(w.category, RouteWarning)]
    assert "route 'c' waypoint 1: " in str(note.message)
    t, lat, lon, alt, vel = _samples(traj)
    e, nn, _ = geodetic2enu(lat, lon, np.zeros_like(lat), 53.0, 25.0, 0.0)
    # constant speed, no jump: every chord of 0.2 s is v dt (to the chord/arc difference)
    np.testing.assert_allclose(np.hypot(np.diff(e), np.diff(nn)), 250.0 * 0.2, rtol=1e-4)
    np.testing.assert_allclose(np.hypot(vel[:, 0], vel[:, 1]), 250.0, rtol=1e-9)
    # passes over waypoint 1 (a fly-over) and ends on the last waypoint
    w1, w_end = route.waypoints[1], route.waypoints[-1]
    _, _, d1 = GEOD.inv(np.full(t.size, w1.lon_deg), np.full(t.size, w1.lat_deg), lon, lat)
    assert d1.min() <= 250.0 * 0.2 / 2 + 1e-3
    assert GEOD.inv(w_end.lon_deg, w_end.lat_deg, lon[-1], lat[-1])[2] <= 250.0 * 0.2


def test_random_routes_never_turn_beyond_the_load_factor():
    # 40 random routes: 2-6 waypoints anywhere within +-60 deg latitude, legs from 0.03 to 30
    # turn radii in random directions (some straight on), load factors 1.2-6, speeds 40-400
    # m/s. Whatever the geometry: curvature v^2/R within the limit, no jump, and the route ends
    # on its last waypoint. (Constant speed per route: a speed step between legs is
    # instantaneous, a longitudinal simplification, not a turn.)
    rng = np.random.default_rng(20240611)
    for i in range(40):
        n, v = rng.uniform(1.2, 6.0), rng.uniform(40.0, 400.0)
        r = v**2 / (G0 * math.sqrt(n * n - 1.0))
        lat, lon = rng.uniform(-60.0, 60.0), rng.uniform(-179.0, 179.0)
        wps, az = [Waypoint(lat, lon, 1000.0)], rng.uniform(0.0, 360.0)
        for _ in range(rng.integers(1, 6)):
            lon, lat, back = GEOD.fwd(lon, lat, az, r * 10 ** rng.uniform(-1.5, 1.5))
            wps.append(Waypoint(lat, lon, 1000.0, speed_m_s=v))
            # next leg: straight on (30 %) or in any direction
            az = back + 180.0 if rng.uniform() < 0.3 else rng.uniform(0.0, 360.0)
        route = Route(f"r{i}", "x", 0.0, tuple(wps), max_load_factor_g=n)
        dt = 0.1 * r / v
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RouteWarning)
            traj = fly([route], None, dt_s=dt)
        t, lat_s, lon_s, *_ = _samples(traj)
        if t.size >= 3:
            assert _lateral_g(traj).max() <= _limit_g(route) * 1.002, route
            x = np.stack(_ECEF.transform(lon_s, lat_s, np.zeros_like(lat_s)), axis=-1)
            np.testing.assert_allclose(np.linalg.norm(np.diff(x, axis=0), axis=1), v * dt,
                                       rtol=1e-3)
        end = route.waypoints[-1]
        assert GEOD.inv(end.lon_deg, end.lat_deg, lon_s[-1], lat_s[-1])[2] <= v * dt + 1.0


def _circle_fit(x, y):
    """Least-squares circle (Kasa 1976): centre and radius."""
    a = np.column_stack([x, y, np.ones_like(x)])
    c, *_ = np.linalg.lstsq(a, x**2 + y**2, rcond=None)
    xc, yc = c[0] / 2, c[1] / 2
    return xc, yc, math.sqrt(c[2] + xc**2 + yc**2)


@pytest.mark.parametrize("v,n,turn", [(250.0, 3.0, 150.0), (240.0, 2.0, -120.0),
                                      (50.0, 1.5, 170.0)])
def test_fly_over_turns_have_the_load_factor_radius(v, n, turn):
    r = v**2 / (G0 * math.sqrt(n**2 - 1.0))
    route = _corner_route((turn,), (40 * r, 1.0 * r), v=v, n=n)
    with pytest.warns(RouteWarning):
        traj = fly([route], None, dt_s=0.1 * r / v)          # 0.1 rad of turn per step
    t, lat, lon, alt, vel = _samples(traj)
    w1 = route.waypoints[1]
    e, nn, _ = geodetic2enu(lat, lon, np.zeros_like(lat), w1.lat_deg, w1.lon_deg, 0.0)
    # heading change per step from the positions; runs of turning samples are the arcs
    h = np.unwrap(np.arctan2(np.diff(e), np.diff(nn)))
    turning = np.abs(np.diff(h)) > 0.05
    edges = np.flatnonzero(np.diff(np.concatenate([[0], turning.astype(int), [0]])))
    assert math.hypot(e[edges[0]], nn[edges[0]]) <= 2.0 * v * (t[1] - t[0])  # from waypoint 1
    runs = [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= 8]
    assert runs, "no turn found"
    for a, b in runs:
        sl = slice(a + 2, b)                     # samples strictly inside the arc
        *_, radius = _circle_fit(e[sl], nn[sl])
        assert radius == pytest.approx(r, rel=2e-3)


def test_reversal_is_a_teardrop_of_two_pi_r():
    # Out 20 km and straight back: fly over, turn 270 deg one way and 90 deg the other (the
    # shortest way back onto the reversed leg, rejoining it 2 R past the waypoint), 2 pi R of
    # turning instead of the straight legs' 2 R: the route is 2 R (pi - 1) longer.
    v, n = 250.0, 3.0
    r = v**2 / (G0 * math.sqrt(n**2 - 1.0))
    lon1, lat1, back = GEOD.fwd(25.0, 53.0, 45.0, 20_000.0)
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, back, 20_000.0)
    route = Route("rev", "F-16C", 0.0, (Waypoint(53.0, 25.0, 3000.0),
                                        Waypoint(lat1, lon1, 3000.0, speed_m_s=v),
                                        Waypoint(lat2, lon2, 3000.0, speed_m_s=v)),
                  max_load_factor_g=n)
    with pytest.warns(RouteWarning, match="180 deg turn"):
        traj = fly([route], None, dt_s=0.05)
    t, lat, lon, *_ = _samples(traj)
    assert t[-1] == pytest.approx((40_000.0 + 2 * r * (math.pi - 1.0)) / v, abs=0.05 + 1e-3)
    assert _lateral_g(traj).max() <= _limit_g(route) * 1.002


def test_timed_waypoint_after_a_fly_over_arrives_later_at_the_same_speed():
    # Reversal at waypoint 1, 20 km legs timed at 100 s each: the speeds are set on the straight
    # legs through the fly-over waypoint (200 m/s); the object is over waypoint 1 on time, and
    # the teardrop makes it arrive at the end 2 R (pi - 1) / v later than asked, not faster.
    lon1, lat1, back = GEOD.fwd(25.0, 53.0, 45.0, 20_000.0)
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, back, 20_000.0)
    text = (EXAMPLES / "minimal.yaml").read_text() + f"""
threats:
  - id: jet
    type: F-16C
    start_time_s: 10
    max_load_factor_g: 3
    route:
      - {{lat_deg: 53.0, lon_deg: 25.0, alt_m: 3000}}
      - {{lat_deg: {lat1!r}, lon_deg: {lon1!r}, alt_m: 3000, time_s: 110}}
      - {{lat_deg: {lat2!r}, lon_deg: {lon2!r}, alt_m: 3000, time_s: 210}}
"""
    [route] = routes_from_scenario(load_scenario_text(text))
    with pytest.warns(RouteWarning, match=r"threats\[0\]\.route\[1\] \(route 'jet'\)"):
        traj = fly([route], None, dt_s=0.05)
    v = 20_000.0 / 100.0
    assert [w.speed_m_s for w in route.waypoints[1:]] == pytest.approx([v, v], rel=1e-6)
    t, lat, lon, alt, vel = _samples(traj)
    np.testing.assert_allclose(np.hypot(vel[:, 0], vel[:, 1]), v, rtol=1e-6)
    _, _, d1 = GEOD.inv(np.full(t.size, lon1), np.full(t.size, lat1), lon, lat)
    assert t[np.argmin(d1)] == pytest.approx(110.0, abs=0.05)
    r = v**2 / (G0 * math.sqrt(8.0))
    assert t[-1] == pytest.approx(210.0 + 2 * r * (math.pi - 1.0) / v, abs=0.05 + 1e-3)


@pytest.mark.parametrize("source,match", [("", r"route 'r' waypoint 2: at the same place"),
                                          ("threats[3]", r"threats\[3\]\.route\[2\]")])
def test_coincident_waypoints_are_an_input_error_naming_the_waypoint(source, match):
    wps = (Waypoint(53.0, 25.0, 100.0), Waypoint(53.0, 25.1, 100.0, speed_m_s=200.0),
           Waypoint(53.0, 25.1, 500.0, speed_m_s=200.0), Waypoint(53.1, 25.1, 500.0,
                                                                 speed_m_s=200.0))
    with pytest.raises(InputError, match=match):
        fly([Route("r", "F-16C", 0.0, wps, source=source)], None)


def test_velocity_is_the_path_tangent_on_arcs():
    # The chord between the neighbours of a sample on a circle is parallel to the tangent there:
    # the velocity's heading must match it (on a geodesic circle, at the object's own north).
    route = _corner_route((100.0,), (30e3, 30e3), v=250.0, n=2.0)
    traj = fly([route], None, dt_s=0.5)
    t, lat, lon, alt, vel = _samples(traj)
    x = np.stack(_ECEF.transform(lon, lat, np.zeros_like(lat)), axis=-1)
    chord = x[2:] - x[:-2]
    la, lo = np.radians(lat[1:-1]), np.radians(lon[1:-1])
    east = np.stack([-np.sin(lo), np.cos(lo), np.zeros_like(lo)], axis=-1)
    north = np.stack([-np.sin(la) * np.cos(lo), -np.sin(la) * np.sin(lo), np.cos(la)], axis=-1)
    h_chord = np.arctan2(np.sum(chord * east, -1), np.sum(chord * north, -1))
    h_vel = np.arctan2(vel[1:-1, 0], vel[1:-1, 1])
    diff = np.abs(np.angle(np.exp(1j * (h_vel - h_chord))))
    on_arc = _lateral_g(traj) > 0.5
    inner = on_arc & np.roll(on_arc, 1) & np.roll(on_arc, -1)     # chord within the arc
    assert inner.sum() > 40
    assert diff[inner].max() < 2e-6   # the bearing at the arc centre was off by up to 4e-4 rad
    straight = ~(on_arc | np.roll(on_arc, 1) | np.roll(on_arc, -1))
    assert diff[straight].max() < 2e-6


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
        traj = fly(routes, dem, dt_s=0.5)
    minutes = traj.active.sum(axis=0) * 0.5 / 60.0
    assert 8.0 < minutes.min() and minutes.max() < 20.0
    for j, route in enumerate(routes):
        assert _lateral_g(traj, j).max() <= _limit_g(route) * 1.002, route.id
    # the Trajectories interpolation works on the result
    j = np.arange(traj.n_objects)
    lat, lon, alt, vel, active = traj.at(np.full(j.size, 301.0), j)
    assert active.any() and np.isfinite(lat[active]).all()


WIDE_RAID = """
seed: {seed}
raids:
  - id: wide
    type: F-16C
    count: 40
    start_time_s: 60
    route:                      # the demo's fighter axis: a 145 deg right turn at route[2]
      - {{lat_deg: 53.70, lon_deg: 23.50, alt_m: 9000}}
      - {{lat_deg: 53.40, lon_deg: 25.00, alt_m: 9000}}
      - {{lat_deg: 53.30, lon_deg: 25.80, alt_m: 9000}}
      - {{lat_deg: 53.00, lon_deg: 24.80, alt_m: 9000}}
    spread: {{time_s: 30, lateral_m: {lateral_m}}}
"""


@pytest.mark.parametrize("seed,lateral_m", [(3, 20_000.0), (4, 30_000.0), (5, 50_000.0)])
def test_wide_raid_members_turn_within_their_load_factor(seed, lateral_m):
    text = (EXAMPLES / "minimal.yaml").read_text() + WIDE_RAID.format(seed=seed,
                                                                      lateral_m=lateral_m)
    routes = routes_from_scenario(load_scenario_text(text))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RouteWarning)
        traj = fly(routes, None, dt_s=0.25)
    for j, route in enumerate(routes):          # before fly-overs: up to 6.9 g here, 137 g in
        assert _lateral_g(traj, j).max() <= _limit_g(route) * 1.002, route.id  # other draws
    for w in caught:                            # fly-overs are named as written in the file
        assert re.search(r"raids\[0\]\.route\[\d\] \(route 'wide-\d{3}'\)", str(w.message))
    # the offset never reverses a leg: each member leg keeps the axis leg's direction
    axis = [(53.70, 23.50), (53.40, 25.00), (53.30, 25.80), (53.00, 24.80)]
    az_axis = [GEOD.inv(a[1], a[0], b[1], b[0])[0] for a, b in zip(axis[:-1], axis[1:], strict=True)]
    for route in routes:
        w = route.waypoints
        for k in range(3):
            az = GEOD.inv(w[k].lon_deg, w[k].lat_deg, w[k + 1].lon_deg, w[k + 1].lat_deg)[0]
            assert abs((az - az_axis[k] + 180.0) % 360.0 - 180.0) < 90.0, (route.id, k)

