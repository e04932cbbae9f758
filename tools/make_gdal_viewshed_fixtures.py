"""Regenerate the committed ``gdal_viewshed`` reference rasters (tests/geo/fixtures/gdal_viewshed).

The viewshed-equals-GDAL test must keep its strength on a machine without GDAL, so the rasters
GDAL made are committed with the exact commands and the GDAL version that made them
(``MANIFEST.json``). Run on a machine with ``gdal-bin`` (Debian: ``apt-get install gdal-bin``)::

    .venv/bin/python tools/make_gdal_viewshed_fixtures.py

The DEM is a seeded fractal relief (float64, 50 m pixels, UTM 35N / EPSG:32635); the cases are
the observer positions of ``tests/geo/test_viewshed_gdal.py`` (centre, near a corner, on an
edge, on a corner, and with ``-md``). Every output is compressed losslessly (DEFLATE).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import rasterio

from iadsim.geo.terrain import fractal_relief

OUT = Path(__file__).resolve().parents[1] / "tests" / "geo" / "fixtures" / "gdal_viewshed"
PX_M = 50.0
X0_M, Y0_M = 500_000.0, 6_000_000.0
NY, NX = 257, 311
SEED = 3
#: row, col, observer AGL (m), target AGL (m), curvature coefficient, max distance (m) or None.
CASES = [
    (128, 155, 10.0, 5.0, 0.75, None),
    (10, 300, 25.0, 0.0, 0.75, None),
    (256, 0, 2.0, 10.0, 0.85714, None),
    (0, 0, 30.0, 0.0, 0.0, None),
    (200, 120, 10.0, 5.0, 0.75, 7000.0),
]
#: Lossless creation options: DEFLATE, with the floating-point predictor for the float64 heights.
CREATION = {"NORMAL": ["-co", "COMPRESS=DEFLATE"],
            "DEM": ["-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3", "-co", "ZLEVEL=9"]}


def write_dem(path: Path) -> None:
    """The seeded fractal DEM as a lossless float64 GeoTIFF."""
    height = fractal_relief(NY, NX, PX_M, seed=SEED)
    with rasterio.open(
        path, "w", driver="GTiff", width=NX, height=NY, count=1, dtype="float64",
        crs="EPSG:32635", transform=rasterio.Affine(PX_M, 0.0, X0_M, 0.0, -PX_M, Y0_M),
        compress="deflate", predictor=3,
    ) as dst:
        dst.write(height, 1)


def gdal_args(row: int, col: int, oz: float, tz: float, cc: float, md: float | None,
              mode: str) -> list[str]:
    """``gdal_viewshed`` options for one case; ``mode`` is 'NORMAL' (visibility) or 'DEM'."""
    x, y = X0_M + (col + 0.5) * PX_M, Y0_M - (row + 0.5) * PX_M
    args = ["-q", "-ox", repr(x), "-oy", repr(y), "-oz", repr(oz), "-cc", repr(cc)]
    args += ["-md", repr(md)] if md else []
    return args + (["-tz", repr(tz)] if mode == "NORMAL" else ["-om", "DEM"])


def main() -> int:
    exe = shutil.which("gdal_viewshed")
    if exe is None:
        print("gdal_viewshed not found: apt-get install gdal-bin", file=sys.stderr)
        return 2
    version = subprocess.run(["gdalinfo", "--version"], capture_output=True, text=True,
                             check=True).stdout.strip()
    OUT.mkdir(parents=True, exist_ok=True)
    write_dem(OUT / "dem.tif")
    cases = []
    for i, (row, col, oz, tz, cc, md) in enumerate(CASES):
        entry = {"row": row, "col": col, "observer_agl_m": oz, "target_agl_m": tz,
                 "curvature_coeff": cc, "max_distance_m": md}
        for mode, name in (("NORMAL", f"case{i}_visible.tif"), ("DEM", f"case{i}_min_height.tif")):
            cmd = ["gdal_viewshed", *gdal_args(row, col, oz, tz, cc, md, mode), *CREATION[mode],
                   "dem.tif", name]
            subprocess.run([exe, *cmd[1:]], cwd=OUT, check=True)
            entry["visible" if mode == "NORMAL" else "min_height"] = {"file": name,
                                                                     "command": " ".join(cmd)}
        cases.append(entry)
    files = sorted(p.name for p in OUT.glob("*.tif"))
    manifest = {
        "made_by": "tools/make_gdal_viewshed_fixtures.py",
        "gdal_version": version,
        "dem": {"file": "dem.tif", "generator": f"iadsim.geo.terrain.fractal_relief({NY}, {NX}, "
                f"{PX_M}, seed={SEED})", "crs": "EPSG:32635", "pixel_m": PX_M,
                "origin_m": [X0_M, Y0_M]},
        "cases": cases,
        "sha256": {f: hashlib.sha256((OUT / f).read_bytes()).hexdigest() for f in files},
    }
    (OUT / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(files)} rasters and MANIFEST.json to {OUT} ({version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
