"""Tests of iadsim.geo.frames against closed-form formulas and published geodesic values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.geo import frames

# WGS84 defining constants (NIMA TR8350.2, table 3.1) for the independent formulas below.
A_M = 6_378_137.0
F = 1.0 / 298.257223563
E2 = F * (2.0 - F)

lat_st = st.floats(-89.999, 89.999)
lon_st = st.floats(-180.0, 180.0)
alt_st = st.floats(-1_000.0, 1_000_000.0)


def hand_geodetic2ecef(lat_deg, lon_deg, alt_m):
    """TR8350.2 eq. 4-14: prime-vertical radius N, then x, y, z."""
    phi, lam = np.radians(lat_deg), np.radians(lon_deg)
    n = A_M / np.sqrt(1.0 - E2 * np.sin(phi) ** 2)
    return (
        (n + alt_m) * np.cos(phi) * np.cos(lam),
        (n + alt_m) * np.cos(phi) * np.sin(lam),
        (n * (1.0 - E2) + alt_m) * np.sin(phi),
    )


@settings(max_examples=200, deadline=None)
@given(lat_st, lon_st, alt_st)
def test_geodetic_ecef_round_trip_below_1mm(lat, lon, alt):
    x, y, z = frames.geodetic2ecef(lat, lon, alt)
    lat2, lon2, alt2 = frames.ecef2geodetic(x, y, z)
    x2, y2, z2 = frames.geodetic2ecef(lat2, lon2, alt2)
    assert np.hypot(np.hypot(x2 - x, y2 - y), z2 - z) < 1e-3
    assert abs(alt2 - alt) < 1e-3


def test_geodetic2ecef_matches_closed_form_vectorised():
    rng = np.random.default_rng(1)
    lat, lon = rng.uniform(-90, 90, 500), rng.uniform(-180, 180, 500)
    alt = rng.uniform(-500, 2e5, 500)
    got = np.array(frames.geodetic2ecef(lat, lon, alt))
    np.testing.assert_allclose(got, np.array(hand_geodetic2ecef(lat, lon, alt)), rtol=0, atol=1e-6)


def test_ecef_known_points():
    np.testing.assert_allclose(frames.geodetic2ecef(0.0, 0.0, 0.0), (A_M, 0.0, 0.0), atol=1e-6)
    # Semi-minor axis b = a (1 - f) = 6356752.314245 m (TR8350.2 table 3.3).
    np.testing.assert_allclose(
        frames.geodetic2ecef(90.0, 0.0, 0.0), (0.0, 0.0, 6_356_752.314245), atol=1e-6
    )


def test_geodetic2enu_matches_hand_rotation():
    lat0, lon0, alt0 = 53.9, 27.56, 220.0
    rng = np.random.default_rng(2)
    lat = lat0 + rng.uniform(-1, 1, 100)
    lon = lon0 + rng.uniform(-1, 1, 100)
    alt = rng.uniform(0, 12_000, 100)
    d = np.array(hand_geodetic2ecef(lat, lon, alt)) - np.array(
        hand_geodetic2ecef(lat0, lon0, alt0)
    )[:, None]
    p, lam = np.radians(lat0), np.radians(lon0)
    rot = np.array(
        [
            [-np.sin(lam), np.cos(lam), 0.0],
            [-np.sin(p) * np.cos(lam), -np.sin(p) * np.sin(lam), np.cos(p)],
            [np.cos(p) * np.cos(lam), np.cos(p) * np.sin(lam), np.sin(p)],
        ]
    )
    got = np.array(frames.geodetic2enu(lat, lon, alt, lat0, lon0, alt0))
    np.testing.assert_allclose(got, rot @ d, atol=1e-6)


def test_enu_known_directions():
    e, n, u = frames.geodetic2enu(53.9, 27.56, 1_220.0, 53.9, 27.56, 220.0)
    np.testing.assert_allclose((e, n, u), (0.0, 0.0, 1000.0), atol=1e-6)
    e, n, u = frames.geodetic2enu(53.91, 27.56, 220.0, 53.9, 27.56, 220.0)
    assert n > 1000.0 and abs(e) < 1e-6 and u < 0.0  # north, below the tangent plane
    e, n, u = frames.geodetic2enu(53.9, 27.57, 220.0, 53.9, 27.56, 220.0)
    assert e > 600.0 and n > 0.0 and u < 0.0  # east; parallels curve toward the pole


def test_enu2enu_quarter_turn_on_the_equator():
    """Origins on the equator at longitudes 0 and 90 deg, on the ellipsoid: origin 0 is (a, 0, 0)
    in ECEF, origin 1 is (0, a, 0) with east = -x and up = +y, so origin 0 seen from origin 1 is
    e = -a, n = 0, u = -a; an eastward velocity at origin 0 (+y) is upward at origin 1."""
    e, n, u = frames.enu2enu(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 90.0, 0.0)
    np.testing.assert_allclose([e, n, u], [-A_M, 0.0, -A_M], atol=1e-6)
    rotation, _ = frames.enu2enu_transform((0.0, 0.0, 0.0), (0.0, 90.0, 0.0))
    np.testing.assert_allclose(rotation @ [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], atol=1e-15)


@settings(max_examples=100, deadline=None)
@given(lat_st, lon_st, st.floats(-3, 3), st.floats(-3, 3), st.floats(-100, 3000),
       st.lists(st.floats(-4e5, 4e5), min_size=3, max_size=3))
def test_enu2enu_equals_the_way_through_ecef(lat0, lon0, dlat, dlon, alt1, point):
    """The cached rigid transform equals the hand-rotated ECEF path (TR8350.2 eq. 4-14 origins,
    Navipedia rotation) to 1e-6 m, and velocities rotate: (p + v) - p."""
    o0, o1 = (lat0, lon0, 50.0), (float(np.clip(lat0 + dlat, -89.9, 89.9)), lon0 + dlon, alt1)

    def rot(lat, lon):
        p, lam = np.radians(lat), np.radians(lon)
        return np.array([[-np.sin(lam), np.cos(lam), 0],
                         [-np.sin(p) * np.cos(lam), -np.sin(p) * np.sin(lam), np.cos(p)],
                         [np.cos(p) * np.cos(lam), np.cos(p) * np.sin(lam), np.sin(p)]])

    ecef = rot(*o0[:2]).T @ point + np.array(hand_geodetic2ecef(*o0))
    want = rot(*o1[:2]) @ (ecef - np.array(hand_geodetic2ecef(*o1)))
    np.testing.assert_allclose(frames.enu2enu(*point, *o0, *o1), want, atol=1e-6)
    rotation, offset = frames.enu2enu_transform(o0, o1)
    v = np.array([250.0, -30.0, 5.0])
    moved = np.array(frames.enu2enu(*(np.array(point) + v), *o0, *o1))
    np.testing.assert_allclose(rotation @ v, moved - want, atol=1e-6)
    assert not offset.flags.writeable


@settings(max_examples=100, deadline=None)
@given(lat_st, lon_st, st.floats(-2e5, 2e5), st.floats(-2e5, 2e5), st.floats(-1e3, 3e4))
def test_enu_round_trip_below_1mm(lat0, lon0, e, n, u):
    lat, lon, alt = frames.enu2geodetic(e, n, u, lat0, lon0, 100.0)
    e2, n2, u2 = frames.geodetic2enu(lat, lon, alt, lat0, lon0, 100.0)
    assert np.hypot(np.hypot(e2 - e, n2 - n), u2 - u) < 1e-3


def test_aer_round_trip_and_conventions():
    az, el, r = frames.enu2aer(1.0, 0.0, 0.0)
    np.testing.assert_allclose((az, el, r), (np.pi / 2, 0.0, 1.0))
    az, _, _ = frames.enu2aer(-1.0, -1e-12, 0.0)
    assert np.pi < az < 2 * np.pi
    rng = np.random.default_rng(3)
    enu = rng.normal(size=(3, 50)) * 1e4
    np.testing.assert_allclose(frames.aer2enu(*frames.enu2aer(*enu)), enu, atol=1e-8)


def test_geodesic_inverse_karney_example():
    """Wellington (41.32S, 174.81E) to Salamanca (40.96N, 5.50W): s12 = 19959679.267353 m,
    azi1 = 161.06766998615 deg (GeographicLib documentation, Karney 2013)."""
    d, az = frames.geodesic_inverse(-41.32, 174.81, 40.96, -5.50)
    assert d == pytest.approx(19_959_679.267353, abs=1e-5)
    assert np.degrees(az) == pytest.approx(161.06766998615, abs=1e-10)


def test_geodesic_quarter_meridian():
    """WGS84 quarter meridian = 10001965.729 m (TR8350.2 derived constants)."""
    d, az = frames.geodesic_inverse(0.0, 0.0, 90.0, 0.0)
    assert d == pytest.approx(10_001_965.729, abs=1e-3)
    assert az == 0.0


def test_geodesic_direct_inverts_inverse_and_broadcasts():
    lat1, lon1 = 53.9, 27.56
    lat2 = np.array([[52.1, 55.2], [53.9, 51.5]])
    lon2 = np.array([[23.7, 30.2], [30.0, 27.56]])
    d, az = frames.geodesic_inverse(lat1, lon1, lat2, lon2)
    assert d.shape == az.shape == (2, 2)
    assert np.all((az >= 0) & (az < 2 * np.pi))
    lat3, lon3 = frames.geodesic_direct(lat1, lon1, az, d)
    np.testing.assert_allclose(lat3, lat2, atol=1e-9)
    np.testing.assert_allclose(lon3, lon2, atol=1e-9)
