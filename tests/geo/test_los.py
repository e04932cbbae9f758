"""Tests of iadsim.geo.los against closed forms: radar horizon, slant geometry, knife-edge
shadows, and the radar-centred minimum visible height over a smooth Earth."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.errors import TerrainError
from iadsim.geo import los
from iadsim.geo.frames import geodesic_direct
from iadsim.geo.terrain import Dem
from iadsim.units import EARTH_RADIUS_M, FT_M, NMI_M, WGS84_A_M

KR = 4.0 / 3.0 * EARTH_RADIUS_M


def test_effective_radius():
    assert los.effective_earth_radius_m() == pytest.approx(4.0 / 3.0 * EARTH_RADIUS_M)
    assert los.effective_earth_radius_m(1.0) == EARTH_RADIUS_M


@pytest.mark.parametrize("h_a, h_t", [(10.0, 0.0), (30.0, 100.0), (5.0, 5000.0), (0.0, 12000.0)])
def test_radar_horizon_textbook_4_12_km(h_a, h_t):
    """Skolnik (2001) eq. 8.5 for 4/3 Earth: d[km] = 4.12 (sqrt h_a + sqrt h_t), h in m.
    The constant is rounded to 3 digits (exact 4.1218 with R = 6371 km) and drops h^2."""
    expected = 4.12e3 * (np.sqrt(h_a) + np.sqrt(h_t))
    assert los.radar_horizon_m(h_a, h_t) == pytest.approx(expected, rel=1.5e-3)


def test_radar_horizon_public_name_and_k_keyword():
    """The foundation API: ``iadsim.geo.radar_horizon_m(antenna_m, target_m, k=4/3)``. With k = 1
    (no refraction) Skolnik's constant becomes sqrt(2 R) = 3.57 km per sqrt(m)."""
    from iadsim.geo import radar_horizon_m

    assert radar_horizon_m(30.0, 100.0) == pytest.approx(4.12e3 * (np.sqrt(30.0) + 10.0), rel=1.5e-3)
    assert radar_horizon_m(30.0, 100.0, k=1.0) == pytest.approx(
        3.57e3 * (np.sqrt(30.0) + 10.0), rel=1.5e-3)


def test_radar_horizon_nmi_ft_form_and_broadcast():
    """Skolnik (2001) eq. 8.7: d[nmi] = 1.23 sqrt(h[ft]); e.g. a 100 ft mast sees 12.3 nmi."""
    d = los.radar_horizon_m(100.0 * FT_M, 0.0)
    assert d / NMI_M == pytest.approx(12.3, rel=2e-3)
    got = los.radar_horizon_m(np.array([[10.0], [20.0]]), np.array([0.0, 100.0, 1000.0]))
    assert got.shape == (2, 3)
    # Exact tangent length: sqrt((kR + h)^2 - (kR)^2).
    assert los.radar_horizon_m(1e5, 0.0) == pytest.approx(np.sqrt((KR + 1e5) ** 2 - KR**2))


def test_slant_geometry_flat_limit_and_vertical():
    s, el = los.slant_geometry(0.0, 100.0, 1100.0)
    assert s == pytest.approx(1000.0) and el == pytest.approx(np.pi / 2)
    s, el = los.slant_geometry(1000.0, 0.0, 0.0, k=1e9)  # effectively flat
    assert s == pytest.approx(1000.0) and el == pytest.approx(0.0, abs=1e-9)


def test_slant_geometry_tangent_point():
    """A target on the ground at the tangent point: elevation = -dip = -central angle, and the
    slant range equals the radar horizon (exact sphere geometry)."""
    h = 25.0
    theta = np.arccos(KR / (KR + h))
    s, el = los.slant_geometry(KR * theta, h, 0.0)
    assert el == pytest.approx(-theta, rel=1e-9)
    assert s == pytest.approx(los.radar_horizon_m(h, 0.0), rel=1e-9)  # arccos near 1


def test_slant_geometry_law_of_cosines():
    rng = np.random.default_rng(0)
    d, hr, ht = rng.uniform(0, 4e5, 100), rng.uniform(0, 50, 100), rng.uniform(0, 2e4, 100)
    s, el = los.slant_geometry(d, hr, ht)
    th = d / KR
    rr, rt = KR + hr, KR + ht
    np.testing.assert_allclose(s, np.sqrt(rr**2 + rt**2 - 2 * rr * rt * np.cos(th)), rtol=1e-7)
    np.testing.assert_allclose(np.sin(el), (rt * np.cos(th) - rr) / s, atol=1e-7)


def knife_edge_dem(n=121, wall_col=70, ground=100.0, wall=160.0):
    h = np.full((n, n), ground)
    h[:, wall_col] = wall
    return h


def test_knife_edge_shadow_on_observer_row_with_curvature():
    """Behind a wall of height H at distance D, the line through the eye (height Zo) and the
    curvature-lowered wall top H' = H - c D^2/(2a) sets the shadow: at distance x the lowest
    visible height is Zo + (H' - Zo) x/D + c x^2/(2a) (GDAL's curvature model)."""
    dx, c, n, r0, c0, oz = 50.0, 0.75, 121, 60, 10, 20.0
    h = knife_edge_dem()
    got = los.viewshed_min_height(h, dx, dx, r0, c0, oz, curvature_coeff=c)
    z_o = h[r0, c0] + oz
    d_wall = (70 - c0) * dx
    wall_adj = 160.0 - c * d_wall**2 / (2 * WGS84_A_M)
    x = (np.arange(71, n) - c0) * dx
    expected = z_o + (wall_adj - z_o) * x / d_wall + c * x**2 / (2 * WGS84_A_M)
    np.testing.assert_allclose(got[r0, 71:], expected, rtol=0, atol=1e-9)
    # In front of the wall the ground is visible: min visible height below the ground.
    assert np.all(got[r0, c0 + 2 : 70] < 100.0)
    vis = los.viewshed(h, dx, dx, r0, c0, oz, target_height_agl_m=0.0, curvature_coeff=c)
    assert vis[r0, c0 : 71].all() and not vis[r0, 71:].any()


def test_knife_edge_shadow_plane_off_axis_flat_earth():
    """Without curvature the shadow behind a straight wall is the plane through the eye and the
    wall top; the Wang et al. interpolation is linear, so it is reproduced exactly in the
    octant |row offset| <= column offset beyond the wall."""
    dx, n, r0, c0, oz = 50.0, 121, 60, 10, 20.0
    h = knife_edge_dem()
    got = los.viewshed_min_height(h, dx, dx, r0, c0, oz, curvature_coeff=0.0)
    z_o = 100.0 + oz
    cols = np.arange(71, n)
    rows = np.arange(n)
    xo = cols[None, :] - c0
    yo = np.abs(rows[:, None] - r0)
    octant = yo <= xo - (70 - c0) * yo / xo  # rays cross the wall inside the grid
    plane = z_o + (160.0 - z_o) * xo / (70 - c0) + 0.0 * yo
    np.testing.assert_allclose(got[:, 71:][octant], plane[octant], atol=1e-9)


def test_max_distance_and_argument_checks():
    h = np.zeros((50, 50))
    got = los.viewshed_min_height(h, 10.0, 10.0, 25, 25, 2.0, max_distance_m=100.0)
    assert np.isinf(got[25, 36]) and np.isfinite(got[25, 35]) and np.isinf(got[0, 0])
    assert not los.viewshed(h, 10.0, 10.0, 25, 25, 2.0, 0.0, max_distance_m=100.0)[0, 0]
    with pytest.raises(ValueError, match="outside the grid"):
        los.viewshed(h, 10.0, 10.0, 50, 0, 2.0, 0.0)


@pytest.fixture(scope="module")
def flat_field():
    dem = Dem.synthetic(53.0, 54.0, 27.0, 28.6, 1000.0, seed=0, relief_m=0.0, base_m=200.0)
    field = los.radar_min_visible_height(dem, 53.5, 27.8, 230.0, 40_000.0, 250.0)
    return dem, field


def test_radar_field_over_smooth_earth_matches_horizon(flat_field):
    """Flat 200 m terrain, antenna 30 m above it: beyond the horizon d_h = sqrt(2 kR h_a) the
    lowest visible height above ground is (d - d_h)^2 / (2 kR) (4/3 Earth, tangent line)."""
    _, field = flat_field

    d = np.array([25_000.0, 30_000.0, 35_000.0, 39_000.0])
    d_h = np.sqrt(2 * KR * 30.0)
    for az_deg in (0.0, 33.0, 90.0, 210.0, 315.0):
        lat, lon = geodesic_direct(53.5, 27.8, np.radians(az_deg), d)
        expected = 200.0 + (d - d_h) ** 2 / (2 * KR)
        # Discretisation: the tangent point is found on 250 m cells (bilinear in between).
        np.testing.assert_allclose(field.sample(lat, lon), expected, atol=1.0)
    assert np.isinf(field.sample(53.5, 28.6))  # beyond 40 km
    assert field.ground_msl_m(53.5, 27.8) == pytest.approx(200.0)
    assert field.sample(53.5, 27.8) <= 200.0
    # Inside the horizon the ground itself is visible.
    lat, lon = geodesic_direct(53.5, 27.8, 1.0, 5_000.0)
    assert field.sample(lat, lon) < 200.0


def test_radar_field_errors():
    dem = Dem.synthetic(53.0, 53.2, 27.0, 27.3, 500.0, seed=0)
    with pytest.raises(TerrainError, match="max range 50000 m.*does not cover"):
        los.radar_min_visible_height(dem, 53.1, 27.15, 400.0, 50_000.0, 500.0)
    with pytest.raises(TerrainError, match="below the terrain"):
        los.radar_min_visible_height(dem, 53.1, 27.15, 0.0, 5_000.0, 500.0)
