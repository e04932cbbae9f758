"""Tests of iadsim.analysis.contours against closed-form ellipsoidal areas."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, box

from iadsim.analysis.contours import level_polygons, mask_to_polygons, polygon_area_km2

WGS84_A_M = 6378137.0
WGS84_F = 1 / 298.257223563


def quad_area_km2(lat1_deg: float, lat2_deg: float, dlon_deg: float) -> float:
    """Area between two parallels and two meridians on the WGS84 ellipsoid (closed form).

    Area from the equator to latitude φ over all longitudes is
    π b² [sin φ / (1 − e² sin² φ) + (1 / 2e) ln((1 + e sin φ) / (1 − e sin φ))]
    (Snyder, "Map Projections — A Working Manual", USGS PP 1395, 1987, eq. 3-12 times π a²(1-e²)).
    """
    e2 = WGS84_F * (2 - WGS84_F)
    e = math.sqrt(e2)
    b2 = WGS84_A_M**2 * (1 - e2)

    def zone(lat_deg: float) -> float:
        s = math.sin(math.radians(lat_deg))
        return math.pi * b2 * (s / (1 - e2 * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e))

    return (zone(lat2_deg) - zone(lat1_deg)) * dlon_deg / 360.0 / 1e6


def grid(lat0: float, lon0: float, step: float, ny: int, nx: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre axes of a grid whose south-west cell corner is (lat0, lon0)."""
    return lat0 + step * (np.arange(ny) + 0.5), lon0 + step * (np.arange(nx) + 0.5)


@pytest.mark.parametrize("lat_deg", [0.0, 45.0, 53.0, 70.0])
def test_one_degree_cell_area_matches_closed_form(lat_deg: float) -> None:
    cell = box(27.0, lat_deg, 28.0, lat_deg + 1.0)
    assert polygon_area_km2(cell) == pytest.approx(
        quad_area_km2(lat_deg, lat_deg + 1.0, 1.0), rel=1e-6
    )


def test_square_mask_is_exact_union_of_cells() -> None:
    lat, lon = grid(52.0, 26.0, 0.05, 40, 60)
    mask = np.zeros((lat.size, lon.size), dtype=bool)
    mask[10:30, 20:50] = True  # 20 rows x 30 columns of 0.05 deg cells
    geom = mask_to_polygons(lat, lon, mask)
    assert isinstance(geom, MultiPolygon) and len(geom.geoms) == 1
    np.testing.assert_allclose(geom.bounds, (27.0, 52.5, 28.5, 53.5), atol=1e-9)
    expected = quad_area_km2(52.5, 53.5, 1.5)
    assert polygon_area_km2(geom) == pytest.approx(expected, rel=1e-6)


def test_ring_mask_keeps_its_hole() -> None:
    lat, lon = grid(53.0, 27.0, 0.1, 10, 10)
    mask = np.zeros((10, 10), dtype=bool)
    mask[2:8, 2:8] = True
    mask[4:6, 4:6] = False
    geom = mask_to_polygons(lat, lon, mask)
    assert len(geom.geoms) == 1
    (polygon,) = geom.geoms
    assert len(polygon.interiors) == 1
    assert not geom.contains(Point(27.5, 53.5))  # centre of the hole
    assert geom.contains(Point(27.25, 53.25))
    outer = quad_area_km2(53.2, 53.8, 0.6)
    hole = quad_area_km2(53.4, 53.6, 0.2)
    assert polygon_area_km2(geom) == pytest.approx(outer - hole, rel=1e-6)


def test_descending_latitudes_give_same_outline() -> None:
    lat, lon = grid(53.0, 27.0, 0.1, 6, 5)
    mask = np.zeros((6, 5), dtype=bool)
    mask[1:3, 1:4] = True
    ascending = mask_to_polygons(lat, lon, mask)
    descending = mask_to_polygons(lat[::-1], lon, mask[::-1])
    assert ascending.symmetric_difference(descending).area == pytest.approx(0.0, abs=1e-12)


def test_random_masks_are_valid_and_cover_exactly_the_cells() -> None:
    rng = np.random.default_rng(7)
    lat, lon = grid(50.0, 20.0, 1.0, 12, 12)
    for _ in range(200):
        mask = rng.random((12, 12)) < rng.uniform(0.2, 0.8)
        geom = mask_to_polygons(lat, lon, mask)
        assert geom.is_valid
        assert geom.area == pytest.approx(mask.sum(), abs=1e-9)  # deg² of 1 deg cells
        lon2d, lat2d = np.meshgrid(lon, lat)
        np.testing.assert_array_equal(shapely.contains_xy(geom, lon2d, lat2d), mask)


def test_level_polygons_threshold_and_nan() -> None:
    lat, lon = grid(53.0, 27.0, 0.1, 3, 3)
    field = np.array([[0.1, 0.5, 0.9], [np.nan, 0.49, 0.5], [1.0, 0.0, 0.2]])
    geom = level_polygons(lat, lon, field, 0.5)
    assert geom.area == pytest.approx(4 * 0.01)


def test_empty_mask_and_bad_shapes() -> None:
    lat, lon = grid(53.0, 27.0, 0.1, 3, 4)
    assert mask_to_polygons(lat, lon, np.zeros((3, 4), dtype=bool)).is_empty
    assert polygon_area_km2(MultiPolygon()) == 0.0
    with pytest.raises(ValueError, match="mask shape"):
        mask_to_polygons(lat, lon, np.zeros((4, 3), dtype=bool))
    with pytest.raises(ValueError, match="evenly spaced"):
        mask_to_polygons(np.array([53.0, 53.1, 53.3]), lon, np.zeros((3, 4), dtype=bool))
