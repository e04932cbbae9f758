"""``viewshed`` / ``viewshed_min_height`` against ``gdal_viewshed`` (GDAL 3.6).

A seeded fractal DEM (float64, 50 m pixels, UTM 35N / EPSG:32635) and GDAL's outputs for several
observer positions (centre, near a corner, on an edge, on a corner, and with ``-md``) are
committed in ``fixtures/gdal_viewshed`` with the exact commands and the GDAL version that made
them (``MANIFEST.json``; ``tools/make_gdal_viewshed_fixtures.py`` regenerates them), so the
comparison runs on any machine. Where ``gdal_viewshed`` is installed (CI installs it) the same
cases also run live, and the live outputs must equal the committed ones.

Every cell is compared for exact equality: the boolean visibility against ``-om NORMAL``
(255/0) and the float64 minimum visible height against ``-om DEM``. There are no excepted edge
cells: the observer cell and its two row neighbours, the distance-1 cells of the observer row and
column, and the cells at ``max_distance`` follow GDAL's rules (see ``viewshed_min_height``
Notes). The only by-design difference is the value outside ``max_distance``: GDAL writes ``-ov``
(0) and clips its raster; we return the full grid with ``+inf`` / False there, so those cells
are compared as "out of range" on both sides.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import rasterio

from iadsim.geo.los import viewshed, viewshed_min_height

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "gdal_viewshed"
MANIFEST = json.loads((FIXTURES / "MANIFEST.json").read_text(encoding="utf-8"))
CASES = MANIFEST["cases"]
PX_M = MANIFEST["dem"]["pixel_m"]
X0_M, Y0_M = MANIFEST["dem"]["origin_m"]


def read(path: Path) -> tuple[np.ndarray, int, int]:
    """A GDAL output raster and its (row, col) offset in the DEM grid."""
    with rasterio.open(path) as src:
        data, t = src.read(1), src.transform
    return data, round((Y0_M - t.f) / PX_M), round((t.c - X0_M) / PX_M)


@pytest.fixture(scope="module")
def height() -> np.ndarray:
    with rasterio.open(FIXTURES / "dem.tif") as src:
        return src.read(1)


def assert_identical(height: np.ndarray, case: dict, vis: tuple, min_h: tuple) -> None:
    """Our viewshed and minimum visible height equal GDAL's, cell for cell, bit for bit."""
    (g_vis, r0, c0), (g_min, r1, c1) = vis, min_h
    assert (r0, c0) == (r1, c1)
    window = np.s_[r0 : r0 + g_vis.shape[0], c0 : c0 + g_vis.shape[1]]
    row, col, oz, tz = case["row"], case["col"], case["observer_agl_m"], case["target_agl_m"]
    cc, md = case["curvature_coeff"], case["max_distance_m"]

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


def test_fixtures_are_the_committed_gdal_outputs():
    for name, digest in MANIFEST["sha256"].items():
        assert hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest() == digest, name
    assert MANIFEST["gdal_version"].startswith("GDAL 3.6")


@pytest.mark.parametrize("case", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_identical_to_committed_gdal_viewshed(height, case):
    assert_identical(height, case, read(FIXTURES / case["visible"]["file"]),
                     read(FIXTURES / case["min_height"]["file"]))


def test_a_different_raster_fails_the_comparison(height):
    """The comparison can fail: the outputs of one observer do not pass for another."""
    a, b = CASES[0], CASES[1]
    with pytest.raises(AssertionError):
        assert_identical(height, a, read(FIXTURES / b["visible"]["file"]),
                         read(FIXTURES / b["min_height"]["file"]))


@pytest.mark.parametrize("case", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_identical_to_live_gdal_viewshed(height, case, tmp_path, external_tool):
    exe = shutil.which("gdal_viewshed")
    external_tool("gdal_viewshed (GDAL)", exe is not None, "apt-get install gdal-bin")
    shutil.copyfile(FIXTURES / "dem.tif", tmp_path / "dem.tif")
    outputs = []
    for key in ("visible", "min_height"):
        cmd = shlex.split(case[key]["command"])
        subprocess.run([exe, *cmd[1:]], cwd=tmp_path, check=True)
        outputs.append(read(tmp_path / case[key]["file"]))
    assert_identical(height, case, *outputs)
    version = subprocess.run(["gdalinfo", "--version"], capture_output=True, text=True,
                             check=False).stdout.strip()
    if version == MANIFEST["gdal_version"]:  # same GDAL: the fixtures are what it makes today
        for key, (data, _, _) in zip(("visible", "min_height"), outputs, strict=True):
            assert np.array_equal(data, read(FIXTURES / case[key]["file"])[0])
