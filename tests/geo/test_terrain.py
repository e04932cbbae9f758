"""Tests of iadsim.geo.terrain: bilinear sampling, GeoTIFF I/O, synthetic relief."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import rasterio

from iadsim.errors import TerrainError
from iadsim.geo.terrain import Dem, fractal_relief


def plane(lat, lon):
    return 120.0 + 35.0 * (lat - 53.0) - 12.5 * (lon - 27.0)


@pytest.fixture
def plane_dem() -> Dem:
    rng = np.random.default_rng(5)
    lat = np.sort(53.0 + rng.uniform(0, 1, 40))  # uneven spacing on purpose
    lon = np.sort(27.0 + rng.uniform(0, 1.5, 50))
    return Dem(lat, lon, plane(lat[:, None], lon[None, :]), source="plane test DEM")


def test_bilinear_is_exact_on_a_plane(plane_dem):
    rng = np.random.default_rng(6)
    lat = rng.uniform(plane_dem.lat_deg[0], plane_dem.lat_deg[-1], (30, 7))
    lon = rng.uniform(plane_dem.lon_deg[0], plane_dem.lon_deg[-1], (30, 7))
    got = plane_dem.sample(lat, lon)
    assert got.shape == (30, 7)
    np.testing.assert_allclose(got, plane(lat, lon), rtol=0, atol=1e-10)
    # Grid nodes and the corners are returned as stored.
    assert plane_dem.sample(plane_dem.lat_deg[-1], plane_dem.lon_deg[0]) == pytest.approx(
        plane_dem.height_msl_m[-1, 0], abs=1e-12
    )


def test_bilinear_between_four_nodes():
    dem = Dem(np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([[0.0, 1.0], [2.0, 7.0]]), "t")
    # f(t, u) = (1-t)(u) + t(2(1-u) + 7u) at t = 0.25, u = 0.5: 0.375 + 1.125
    assert dem.sample(0.25, 0.5) == pytest.approx(1.5)


def test_outside_raises_naming_dem_and_point(plane_dem):
    with pytest.raises(TerrainError, match=r"plane test DEM.*does not cover lat 60\.000000"):
        plane_dem.sample([53.5, 60.0], [27.5, 27.5])
    got = plane_dem.sample([53.5, 60.0], [27.5, 27.5], fill=0.0)
    assert got[1] == 0.0 and got[0] == pytest.approx(plane(53.5, 27.5))


def test_no_data_raises_unless_filled():
    h = np.full((4, 4), 100.0)
    h[2, 2] = np.nan
    dem = Dem(np.arange(4.0), np.arange(4.0), h, "holey")
    with pytest.raises(TerrainError, match="holey.*has no data at"):
        dem.sample(2.0, 1.2)
    assert dem.sample(2.0, 1.2, fill=-1.0) == -1.0
    assert dem.sample(0.5, 0.5) == 100.0


def test_invalid_dem_is_rejected():
    with pytest.raises(TerrainError, match="ascending"):
        Dem(np.array([1.0, 0.0]), np.arange(2.0), np.zeros((2, 2)), "x")
    with pytest.raises(TerrainError, match="shape"):
        Dem(np.arange(2.0), np.arange(3.0), np.zeros((3, 2)), "x")


def test_arrays_are_read_only(plane_dem):
    with pytest.raises(ValueError):
        plane_dem.height_msl_m[0, 0] = 1.0


def test_synthetic_is_deterministic_and_lowland_like():
    args = (53.0, 53.3, 27.0, 27.5, 100.0)
    a = Dem.synthetic(*args, seed=7)
    b = Dem.synthetic(*args, seed=7)
    c = Dem.synthetic(*args, seed=8)
    assert np.array_equal(a.height_msl_m, b.height_msl_m)
    assert not np.array_equal(a.height_msl_m, c.height_msl_m)
    h = a.height_msl_m
    assert h.min() == pytest.approx(150.0) and h.max() == pytest.approx(300.0)
    # Gentle slopes at 100 m: median a few percent, 99th percentile below 10 % (~6 deg).
    slope = np.hypot(*np.gradient(h, 100.0))
    assert 0.005 < np.median(slope) < 0.05 and np.percentile(slope, 99) < 0.1
    # Spacing ~ resolution_m along both axes.
    assert np.diff(a.lat_deg).mean() * 111_195 == pytest.approx(100.0, rel=1e-3)
    assert a.lat_deg[0] > 53.0 and a.lat_deg[-1] < 53.3 + np.diff(a.lat_deg)[0]
    assert "seed 7" in a.source


def test_fractal_relief_bit_identical():
    assert np.array_equal(fractal_relief(64, 80, 30.0, 1), fractal_relief(64, 80, 30.0, 1))


def test_geotiff_round_trip_epsg4326(tmp_path):
    dem = Dem.synthetic(53.0, 53.2, 27.0, 27.3, 250.0, seed=1)
    dem.to_geotiff(tmp_path / "dem.tif")
    with rasterio.open(tmp_path / "dem.tif") as src:
        assert src.crs.to_epsg() == 4326 and src.transform.e < 0
    back = Dem.from_geotiff(tmp_path / "dem.tif")
    assert np.array_equal(back.height_msl_m, dem.height_msl_m)
    np.testing.assert_allclose(back.lat_deg, dem.lat_deg, rtol=0, atol=1e-11)
    np.testing.assert_allclose(back.lon_deg, dem.lon_deg, rtol=0, atol=1e-11)
    part = Dem.from_geotiff(tmp_path / "dem.tif", bbox=(53.05, 53.1, 27.1, 27.2))
    assert 53.05 <= part.lat_deg[0] and part.lat_deg[-1] <= 53.1
    assert 27.1 <= part.lon_deg[0] and part.lon_deg[-1] <= 27.2
    assert part.sample(53.07, 27.15) == pytest.approx(dem.sample(53.07, 27.15), abs=1e-9)
    with pytest.raises(TerrainError, match="fewer than 2x2"):
        Dem.from_geotiff(tmp_path / "dem.tif", bbox=(10.0, 11.0, 27.1, 27.2))


def test_geotiff_from_utm_is_reprojected(tmp_path):
    """A plane in UTM 35N (EPSG:32635) read back in lat/lon: values follow the plane at the
    projected position of each query point, and no-data (-9999) cells become TerrainError.

    Tolerance 5 cm: GDAL's bilinear warp itself departs from the plane by up to ~3 cm here
    (checked separately at the warped cell centres), i.e. a ~7 m position error on a 0.45 %
    slope, far below the 100 m pixel."""
    px, x0, y0, n = 100.0, 400_000.0, 5_900_000.0, 200

    def utm_plane(e, nn):
        return 150.0 + 0.004 * (e - x0) - 0.002 * (nn - y0)

    e = x0 + (np.arange(n) + 0.5) * px
    nn = y0 - (np.arange(n) + 0.5) * px
    h = utm_plane(e[None, :], nn[:, None])
    h[:5, :5] = -9999.0
    with rasterio.open(
        tmp_path / "utm.tif", "w", driver="GTiff", width=n, height=n, count=1, dtype="float32",
        crs="EPSG:32635", transform=rasterio.Affine(px, 0.0, x0, 0.0, -px, y0), nodata=-9999.0,
    ) as dst:
        dst.write(h.astype(np.float32), 1)
    dem = Dem.from_geotiff(tmp_path / "utm.tif")
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32635", always_xy=True)
    rng = np.random.default_rng(9)
    qe, qn = rng.uniform(x0 + 2_000, x0 + 18_000, 200), rng.uniform(y0 - 18_000, y0 - 2_000, 200)
    lon, lat = to_utm.transform(qe, qn, direction="INVERSE")
    np.testing.assert_allclose(dem.sample(lat, lon), utm_plane(qe, qn), atol=0.05)
    lon_nd, lat_nd = to_utm.transform(x0 + 150.0, y0 - 150.0, direction="INVERSE")
    with pytest.raises(TerrainError, match="has no data at"):
        dem.sample(lat_nd, lon_nd)


def test_unreadable_file_raises_terrain_error(tmp_path):
    (tmp_path / "bad.tif").write_text("not a tiff")
    with pytest.raises(TerrainError, match="cannot read DEM"):
        Dem.from_geotiff(tmp_path / "bad.tif")
