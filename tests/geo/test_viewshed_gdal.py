"""``viewshed`` / ``viewshed_min_height`` against the installed ``gdal_viewshed`` (GDAL 3.6).

A seeded fractal DEM (float64, 50 m pixels, UTM 35N / EPSG:32635) is written to a GeoTIFF and
both programs run on it for several observer positions (centre, near a corner, on an edge, on
a corner, and with ``-md``). Every cell is compared for exact equality: the boolean visibility
against ``-om NORMAL`` (255/0) and the float64 minimum visible height against ``-om DEM``.
There are no excepted edge cells: the observer cell and its two row neighbours, the distance-1
cells of the observer row and column, and the cells at ``max_distance`` follow GDAL's rules
(see ``viewshed_min_height`` Notes). The only by-design difference is the value outside
``max_distance``: GDAL writes ``-ov`` (0) and clips its raster; we return the full grid with
``+inf`` / False there, so those cells are compared as "out of range" on both sides.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import rasterio

from iadsim.geo.los import viewshed, viewshed_min_height
from iadsim.geo.terrain import fractal_relief

GDAL_VIEWSHED = shutil.which("gdal_viewshed")
pytestmark = pytest.mark.skipif(
    GDAL_VIEWSHED is None, reason="gdal_viewshed (gdal-bin) is not installed"
)

PX_M = 50.0
X0_M, Y0_M = 500_000.0, 6_000_000.0
NY, NX = 257, 311


@pytest.fixture(scope="module")
def dem_file(tmp_path_factory) -> tuple[Path, np.ndarray]:
    height = fractal_relief(NY, NX, PX_M, seed=3)
    path = tmp_path_factory.mktemp("viewshed") / "dem.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=NX, height=NY, count=1, dtype="float64",
        crs="EPSG:32635", transform=rasterio.Affine(PX_M, 0.0, X0_M, 0.0, -PX_M, Y0_M),
    ) as dst:
        dst.write(height, 1)
    return path, height


def run_gdal(dem: Path, row: int, col: int, extra: list[str]) -> tuple[np.ndarray, int, int]:
    """Run gdal_viewshed with the observer at a cell centre; return output and its offset."""
    out = dem.with_name(f"out_{row}_{col}_{'_'.join(extra)}.tif")
    x, y = X0_M + (col + 0.5) * PX_M, Y0_M - (row + 0.5) * PX_M
    subprocess.run(
        [GDAL_VIEWSHED, "-q", "-ox", str(x), "-oy", str(y), *extra, str(dem), str(out)],
        check=True,
    )
    with rasterio.open(out) as src:
        data, t = src.read(1), src.transform
    return data, round((Y0_M - t.f) / PX_M), round((t.c - X0_M) / PX_M)


CASES = [  # row, col, observer AGL, target AGL, curvature coeff, max distance
    (128, 155, 10.0, 5.0, 0.75, None),
    (10, 300, 25.0, 0.0, 0.75, None),
    (256, 0, 2.0, 10.0, 0.85714, None),
    (0, 0, 30.0, 0.0, 0.0, None),
    (200, 120, 10.0, 5.0, 0.75, 7000.0),
]


@pytest.mark.parametrize("row, col, oz, tz, cc, md", CASES)
def test_identical_to_gdal_viewshed(dem_file, row, col, oz, tz, cc, md):
    path, height = dem_file
    common = ["-oz", str(oz), "-cc", str(cc)] + (["-md", str(md)] if md else [])
    g_vis, r0, c0 = run_gdal(path, row, col, common + ["-tz", str(tz)])
    g_min, r1, c1 = run_gdal(path, row, col, common + ["-om", "DEM"])
    assert (r0, c0) == (r1, c1)
    window = np.s_[r0 : r0 + g_vis.shape[0], c0 : c0 + g_vis.shape[1]]

    ours_vis = viewshed(height, PX_M, PX_M, row, col, oz, tz, cc, md)
    ours_min = viewshed_min_height(height, PX_M, PX_M, row, col, oz, cc, md)
    in_range = np.isfinite(ours_min)
    assert (~in_range).any() if md else in_range.all()
    assert not (ours_vis & ~in_range).any()  # out of range is never visible

    n_cells = g_vis.size
    assert np.count_nonzero((g_vis == 255) != ours_vis[window]) == 0, f"of {n_cells} cells"
    mine, in_win = ours_min[window], in_range[window]
    assert np.array_equal(g_min[in_win], mine[in_win])  # bit-identical float64
    assert np.all(g_min[~in_win] == 0.0) and np.all(g_vis[~in_win] == 0)  # GDAL -ov 0
    assert 0.01 < ours_vis.mean() < 0.99  # the case is not trivial
