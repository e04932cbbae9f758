"""Tests of iadsim.geo.fetch against a loopback HTTP server serving synthetic tiles."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.crs import CRS
from rasterio.transform import from_origin

from iadsim.errors import TerrainError
from iadsim.geo import fetch
from iadsim.geo.fetch import fetch_dem, tile_name, tile_names, tile_url

PIXELS = 36  # per 1 deg tile side in the synthetic tiles (100 arc-seconds)


def plane(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Known height field, m: a tilted plane that is nowhere 0 over the test boxes."""
    return 100.0 + 10.0 * lat_deg + 5.0 * lon_deg


def make_tile(path: Path, lat0: int, lon0: int, aws_offset: bool = False) -> None:
    """A 1 deg x 1 deg float32 GeoTIFF whose cell-centre values follow :func:`plane`.

    With ``aws_offset`` the grid is shifted half a cell west and north, as in the AWS COGs
    (cell centres on whole arc-seconds, e.g. origin -172.000138888, -12.999861111 for a 1"
    tile; Sentinel Hub forum thread "Copernicus DEM data available on AWS").
    """
    step = 1.0 / PIXELS
    west = lon0 - (step / 2 if aws_offset else 0.0)
    north = lat0 + 1 + (step / 2 if aws_offset else 0.0)
    lat_c = north - (np.arange(PIXELS) + 0.5) * step  # north-up rows
    lon_c = west + (np.arange(PIXELS) + 0.5) * step
    data = plane(lat_c[:, None], lon_c[None, :]).astype(np.float32)
    with rasterio.open(
        path, "w", driver="GTiff", width=PIXELS, height=PIXELS, count=1, dtype="float32",
        crs=CRS.from_epsg(4326), transform=from_origin(west, north, step, step),
    ) as dst:
        dst.write(data, 1)


@dataclass
class TileServer:
    """Loopback server: ``files`` maps URL path -> body; ``status`` forces a status per path;
    ``truncate`` lists paths whose body is cut short after the headers promised all of it."""

    base_url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    truncate: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def path_of(self, name: str) -> str:
        return f"/{name}/{name}.tif"


def _handler(state: TileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server API name
            with state.lock:
                state.requests.append(self.path)
            code = state.status.get(self.path)
            body = state.files.get(self.path)
            if code is None and body is None:
                code = 404
            if code is not None:
                self.send_error(code)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/tiff")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.path in state.truncate:
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def server(tmp_path: Path) -> Iterator[TileServer]:
    """Serve synthetic GLO-90-named tiles for lat -1..1, lon -1..1 (four tiles)."""
    state = TileServer()
    src = tmp_path / "tiles"
    src.mkdir()
    for lat0 in (-1, 0):
        for lon0 in (-1, 0):
            name = tile_name(lat0, lon0, "glo90")
            make_tile(src / f"{name}.tif", lat0, lon0)
            state.files[state.path_of(name)] = (src / f"{name}.tif").read_bytes()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def read_mosaic(path: Path) -> tuple[np.ndarray, rasterio.Affine, dict[str, str], object]:
    with rasterio.open(path) as src:
        assert src.crs == CRS.from_epsg(4326)
        assert src.dtypes[0] == "float32"
        return src.read(1), src.transform, src.tags(), src.nodata


def cache_files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.rglob("*") if p.is_file())


# ----------------------------------------------------------------------------- naming


@pytest.mark.parametrize(
    ("lat", "lon", "product", "expected"),
    [
        (53, 27, "glo30", "Copernicus_DSM_COG_10_N53_00_E027_00_DEM"),
        (53, 27, "glo90", "Copernicus_DSM_COG_30_N53_00_E027_00_DEM"),
        (53, -115, "glo90", "Copernicus_DSM_COG_30_N53_00_W115_00_DEM"),  # stactools example
        (-14, -172, "glo30", "Copernicus_DSM_COG_10_S14_00_W172_00_DEM"),  # forum example
        (0, 6, "glo90", "Copernicus_DSM_COG_30_N00_00_E006_00_DEM"),
        (-1, -1, "glo90", "Copernicus_DSM_COG_30_S01_00_W001_00_DEM"),
        (-90, -180, "glo90", "Copernicus_DSM_COG_30_S90_00_W180_00_DEM"),
    ],
)
def test_tile_name_known_cases(lat: int, lon: int, product: str, expected: str) -> None:
    assert tile_name(lat, lon, product) == expected


def test_tile_names_cover_box_and_respect_whole_degree_edges() -> None:
    assert tile_names(53.2, 53.8, 27.5, 27.9) == ["Copernicus_DSM_COG_30_N53_00_E027_00_DEM"]
    # edges on whole degrees do not pull in the neighbours
    assert tile_names(53.0, 54.0, 27.0, 28.0) == ["Copernicus_DSM_COG_30_N53_00_E027_00_DEM"]
    # negative coordinates: floor, not truncation toward zero
    assert tile_names(-2.5, -2.1, -60.5, -60.1, "glo30") == [
        "Copernicus_DSM_COG_10_S03_00_W061_00_DEM"
    ]
    assert tile_names(-0.5, 0.5, -0.5, 0.5) == [
        "Copernicus_DSM_COG_30_N00_00_W001_00_DEM",
        "Copernicus_DSM_COG_30_N00_00_E000_00_DEM",
        "Copernicus_DSM_COG_30_S01_00_W001_00_DEM",
        "Copernicus_DSM_COG_30_S01_00_E000_00_DEM",
    ]
    # Belarus-sized box: 6 x 10 tiles
    assert len(tile_names(51.2, 56.2, 23.1, 32.8)) == 60


def test_tile_url_layout() -> None:
    name = "Copernicus_DSM_COG_30_N53_00_E027_00_DEM"
    assert tile_url(name, "https://copernicus-dem-90m.s3.amazonaws.com/") == (
        f"https://copernicus-dem-90m.s3.amazonaws.com/{name}/{name}.tif"
    )


@pytest.mark.parametrize(
    "bbox",
    [
        (54.0, 53.0, 27.0, 28.0),  # lat_min > lat_max
        (53.0, 53.0, 27.0, 28.0),  # empty
        (-91.0, 0.0, 0.0, 1.0),
        (0.0, 1.0, 170.0, 181.0),
        (0.0, 1.0, 28.0, 27.0),
        (0.0, float("nan"), 0.0, 1.0),
    ],
)
def test_bad_bbox_raises(bbox: tuple[float, float, float, float], tmp_path: Path) -> None:
    with pytest.raises(TerrainError, match="bbox"):
        fetch_dem(*bbox, tmp_path / "out.tif", cache_dir=tmp_path / "cache",
                  base_url="http://127.0.0.1:9")
    assert not (tmp_path / "cache").exists() or cache_files(tmp_path / "cache") == []


def test_too_many_tiles_and_unknown_product(tmp_path: Path) -> None:
    with pytest.raises(TerrainError, match="max_tiles=100"):
        fetch_dem(40.0, 52.0, 20.0, 30.0, tmp_path / "o.tif", cache_dir=tmp_path,
                  base_url="http://127.0.0.1:9")
    with pytest.raises(TerrainError, match="glo30, glo90"):
        tile_names(0.0, 1.0, 0.0, 1.0, product="srtm")


# ----------------------------------------------------------------------------- fetching


def test_fetch_mosaics_plane_and_reuses_cache(server: TileServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    calls: list[tuple[str, int, int]] = []
    out = fetch_dem(-1.0, 1.0, -1.0, 1.0, tmp_path / "dem.tif", cache_dir=cache,
                    base_url=server.base_url, progress=lambda *a: calls.append(a))
    assert len(server.requests) == 4
    assert [c[1:] for c in calls] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert all("downloaded" in c[0] for c in calls)

    data, transform, tags, nodata = read_mosaic(out)
    assert data.shape == (2 * PIXELS, 2 * PIXELS)
    assert transform.c == pytest.approx(-1.0) and transform.f == pytest.approx(1.0)
    assert nodata is None
    assert_plane(data, transform)
    # a few known points, one in each tile (cell centres)
    for lat, lon in [(0.5 + 0.5 / PIXELS, 0.5 + 0.5 / PIXELS), (-0.25, -0.75)]:
        r, c = rasterio.transform.rowcol(transform, lon, lat)
        assert data[r, c] == pytest.approx(plane(np.array(lat), np.array(lon)), abs=10 / PIXELS)

    assert tags["product"] == "Copernicus DEM GLO-90"
    assert tags["tiles"].split(",") == tile_names(-1.0, 1.0, -1.0, 1.0)
    assert tags["missing_tiles"] == "none"
    assert "DLR e.V." in tags["licence"] and "Airbus" in tags["licence"]
    assert "provided under COPERNICUS by the European Union and ESA" in tags["licence"]
    assert cache_files(cache) == sorted(f"{n}.tif" for n in tile_names(-1.0, 1.0, -1.0, 1.0))

    calls.clear()
    out2 = fetch_dem(-0.75, 0.75, -0.5, 0.5, tmp_path / "dem2.tif", cache_dir=cache,
                     base_url=server.base_url, progress=lambda *a: calls.append(a))
    assert len(server.requests) == 4  # no new request: everything came from the cache
    assert all("cached" in c[0] for c in calls)
    data2, transform2, _, _ = read_mosaic(out2)
    assert data2.shape == (round(1.5 * PIXELS), PIXELS)  # cropped to the box
    assert transform2.c == pytest.approx(-0.5) and transform2.f == pytest.approx(0.75)
    lon2, lat2 = rasterio.transform.xy(transform2, [0, data2.shape[0] - 1], [0, PIXELS - 1])
    np.testing.assert_allclose(data2[[0, -1], [0, -1]], plane(np.array(lat2), np.array(lon2)),
                               atol=1e-4)


def assert_plane(data: np.ndarray, transform: rasterio.Affine) -> None:
    """Every mosaic cell equals the plane at its own centre (no half-cell shift)."""
    rows, cols = np.meshgrid(np.arange(data.shape[0]), np.arange(data.shape[1]), indexing="ij")
    lon_c, lat_c = rasterio.transform.xy(transform, rows.ravel(), cols.ravel())
    expected = plane(np.asarray(lat_c), np.asarray(lon_c)).reshape(data.shape)
    np.testing.assert_allclose(data, expected, atol=1e-3)


def test_aws_half_cell_grid_is_kept(server: TileServer, tmp_path: Path) -> None:
    for lat0 in (-1, 0):
        for lon0 in (-1, 0):
            name = tile_name(lat0, lon0, "glo90")
            make_tile(tmp_path / f"{name}.tif", lat0, lon0, aws_offset=True)
            server.files[server.path_of(name)] = (tmp_path / f"{name}.tif").read_bytes()
    out = fetch_dem(-0.5, 0.5, -0.5, 0.5, tmp_path / "dem.tif", cache_dir=tmp_path / "c",
                    base_url=server.base_url)
    data, transform, _, _ = read_mosaic(out)
    half = 0.5 / PIXELS
    assert transform.c == pytest.approx(-0.5 - half)  # box grown to whole cells of the tiles
    assert transform.f == pytest.approx(0.5 + half)
    assert data.shape == (PIXELS + 1, PIXELS + 1)
    assert_plane(data, transform)


def test_missing_tile_is_sea_level_and_reported(server: TileServer, tmp_path: Path) -> None:
    sea = tile_name(-1, 0, "glo90")
    del server.files[server.path_of(sea)]  # server answers 404, like the AWS bucket over sea
    cache = tmp_path / "cache"
    labels: list[str] = []
    out = fetch_dem(-1.0, 1.0, -1.0, 1.0, tmp_path / "dem.tif", cache_dir=cache,
                    base_url=server.base_url, progress=lambda label, d, t: labels.append(label))
    data, transform, tags, _ = read_mosaic(out)
    assert tags["missing_tiles"] == sea
    assert "missing" in tags["source"]
    assert any(sea in label and "missing" in label and "404" in label for label in labels)
    r, c = rasterio.transform.rowcol(transform, 0.5, -0.5)  # inside the sea tile
    assert data[r, c] == 0.0
    r, c = rasterio.transform.rowcol(transform, -0.5, -0.5)  # neighbouring land tile
    assert data[r, c] == pytest.approx(plane(np.array(-0.5), np.array(-0.5)), abs=0.5)
    assert np.count_nonzero(data == 0.0) == PIXELS * PIXELS

    n_requests = len(server.requests)
    fetch_dem(-1.0, 1.0, -1.0, 1.0, tmp_path / "dem2.tif", cache_dir=cache,
              base_url=server.base_url)
    assert len(server.requests) == n_requests  # the 404 was remembered


def test_all_sea_box_is_zero(server: TileServer, tmp_path: Path) -> None:
    out = fetch_dem(10.0, 10.5, 10.0, 11.0, tmp_path / "sea.tif", cache_dir=tmp_path / "c",
                    base_url=server.base_url)
    data, transform, tags, _ = read_mosaic(out)
    assert data.shape == (600, 1200) and not data.any()
    assert transform.c == pytest.approx(10.0) and transform.f == pytest.approx(10.5)
    assert tags["missing_tiles"] == tile_name(10, 10, "glo90")


def test_server_error_raises_naming_url(server: TileServer, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "_RETRY_BACKOFF_S", 0.0)
    bad = tile_name(0, 0, "glo90")
    server.status[server.path_of(bad)] = 500
    cache = tmp_path / "cache"
    with pytest.raises(TerrainError, match=r"HTTP 500.*" + bad) as info:
        fetch_dem(-1.0, 1.0, -1.0, 1.0, tmp_path / "dem.tif", cache_dir=cache,
                  base_url=server.base_url, retries=1)
    assert "IADSIM_DEM_URL" in str(info.value)
    assert server.requests.count(server.path_of(bad)) == 2  # first try + one retry
    assert not (tmp_path / "dem.tif").exists()
    assert f"{bad}.tif" not in cache_files(cache) and f"{bad}.missing" not in cache_files(cache)


def test_unreachable_server_raises(tmp_path: Path) -> None:
    with pytest.raises(TerrainError, match="cannot download http://127.0.0.1:9/"):
        fetch_dem(0.0, 1.0, 0.0, 1.0, tmp_path / "dem.tif", cache_dir=tmp_path / "c",
                  base_url="http://127.0.0.1:9", retries=0, timeout_s=2.0)


def test_interrupted_download_leaves_no_file(server: TileServer, tmp_path: Path) -> None:
    cut = tile_name(0, -1, "glo90")
    server.truncate.add(server.path_of(cut))
    cache = tmp_path / "cache"
    with pytest.raises(TerrainError, match=cut):
        fetch_dem(-1.0, 1.0, -1.0, 1.0, tmp_path / "dem.tif", cache_dir=cache,
                  base_url=server.base_url, retries=0)
    assert [f for f in cache_files(cache) if cut in f] == []  # no .tif, no .part, no marker
    assert not any(f.endswith(".part") for f in cache_files(cache))


def test_non_geotiff_response_is_refused(server: TileServer, tmp_path: Path) -> None:
    name = tile_name(0, 0, "glo90")
    server.files[server.path_of(name)] = b"<html>Access denied</html>"
    cache = tmp_path / "cache"
    with pytest.raises(TerrainError, match="GeoTIFF"):
        fetch_dem(0.2, 0.8, 0.2, 0.8, tmp_path / "dem.tif", cache_dir=cache,
                  base_url=server.base_url)
    assert cache_files(cache) == []


def test_environment_variables(server: TileServer, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IADSIM_DEM_URL", server.base_url)
    monkeypatch.setenv("IADSIM_CACHE", str(tmp_path / "root"))
    fetch_dem(0.1, 0.9, 0.1, 0.9, tmp_path / "dem.tif")
    assert server.requests == [server.path_of(tile_name(0, 0, "glo90"))]
    assert (tmp_path / "root" / "dem" / "glo90" / f"{tile_name(0, 0)}.tif").is_file()


def test_ctrl_c_mid_download_leaves_no_file(server: TileServer, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def half_then_interrupt(response: object, fh: object, url: str) -> None:
        fh.write(b"II*\x00partial")  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    monkeypatch.setattr(fetch, "_stream_to", half_then_interrupt)
    cache = tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        fetch_dem(0.2, 0.8, 0.2, 0.8, tmp_path / "out" / "dem.tif", cache_dir=cache,
                  base_url=server.base_url)
    assert cache_files(cache) == []
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_output_written_atomically_and_readable_as_dem(server: TileServer,
                                                       tmp_path: Path) -> None:
    from iadsim.geo.terrain import Dem

    out_dir = tmp_path / "out"
    out = fetch_dem(-1.0, 1.0, -1.0, 1.0, out_dir / "dem.tif", cache_dir=tmp_path / "c",
                    base_url=server.base_url)
    assert [p.name for p in out_dir.iterdir()] == ["dem.tif"]  # no temporary file left over
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600
    dem = Dem.from_geotiff(out)
    lat, lon = np.array([-0.7, 0.3, 0.9]), np.array([-0.2, 0.6, -0.9])
    np.testing.assert_allclose(dem.sample(lat, lon), plane(lat, lon), atol=1e-3)
