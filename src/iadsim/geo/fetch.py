"""Download public Copernicus DEM tiles for a bounding box, cache them, and mosaic them.

Backend of ``iadsim terrain fetch --bbox``. The Copernicus DEM GLO-30 (1 arc-second, ~30 m) and
GLO-90 (3 arc-second, ~90 m) are published as 1 deg x 1 deg Cloud-Optimized GeoTIFFs (EPSG:4326,
heights in metres) in the public AWS Open Data buckets ``copernicus-dem-30m`` and
``copernicus-dem-90m`` (no sign-in). Each tile is its own object in a folder of the same name::

    https://copernicus-dem-90m.s3.amazonaws.com/
        Copernicus_DSM_COG_30_N53_00_E027_00_DEM/Copernicus_DSM_COG_30_N53_00_E027_00_DEM.tif

``COG_10`` is GLO-30 (10 = 1.0 arc-second written as tenths), ``COG_30`` is GLO-90 (3.0
arc-seconds). ``N53``/``S03`` and ``E027``/``W160`` are the tile's *lower* (south-west) latitude
and longitude bound, zero-padded to 2 and 3 digits [1]_ [3]_.

Tiles over open sea do not exist; "there one can assume height values equal to zero" [1]_. A
tile the server reports as absent (HTTP 404, or 403 from buckets that hide listings) is therefore
filled with 0 m and listed in the output's ``missing_tiles`` tag, in the ``progress`` label and
in a logged warning. **Caveat:** GLO-30 *Public* also lacks a few land tiles the Copernicus
Programme has not released (e.g. Armenia, Azerbaijan) [1]_; those too come back as 0 m, so check
``missing_tiles`` -- use GLO-90, which covers all land, where that matters.

Tiles are cached as ``<cache>/<product>/<tile>.tif`` (``cache`` defaults to ``$IADSIM_CACHE/dem``,
else ``$XDG_CACHE_HOME/iadsim/dem``, else ``~/.cache/iadsim/dem``). Downloads go to a temporary
file in the same folder, are checked (length, readable GeoTIFF) and only then renamed into place
with :func:`os.replace`, so an interrupted or failed download never leaves a partial tile. A 404
leaves a small ``<tile>.missing`` marker so later runs need no network (delete it to ask again);
a 403 is not remembered, since it can also mean a mirror refused access.
Offline machines can copy tiles into the cache by hand, or point ``base_url`` /
``IADSIM_DEM_URL`` at a mirror with the same ``<name>/<name>.tif`` layout.

The licence allows reproduction, distribution and modification provided the output carries the
notice stored in :data:`ATTRIBUTION` [2]_.

References
----------
.. [1] Sinergise / AWS Open Data, "Copernicus Digital Elevation Model datasets" (readme of the
   buckets), https://copernicus-dem-30m.s3.amazonaws.com/readme.html ; registry entry
   https://registry.opendata.aws/copernicus-dem/ (awslabs/open-data-registry,
   ``datasets/copernicus-dem.yaml``).
.. [2] "Licence for the use of the Copernicus WorldDEM-30", art. 4 and the attribution notice,
   https://docs.sentinel-hub.com/api/latest/static/files/data/dem/resources/license/License-COPDEM-30.pdf
   (same terms for WorldDEM-90).
.. [3] Microsoft Planetary Computer, "Copernicus DEM storage" (same tile names: ``[N|S]nn`` /
   ``[W|E]nnn`` give the lower latitude/longitude bound),
   https://github.com/microsoft/AIforEarthDataSets/blob/main/storage-docs/copernicus-dem-storage.md
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import math
import os
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import rasterio
import rasterio.errors
import rasterio.merge
from rasterio.crs import CRS
from rasterio.transform import from_origin

from iadsim.errors import TerrainError

__all__ = [
    "ATTRIBUTION",
    "PRODUCTS",
    "Product",
    "default_cache_dir",
    "fetch_dem",
    "tile_name",
    "tile_names",
    "tile_url",
]

log = logging.getLogger(__name__)

#: ``progress(label, done, total)``: called once per tile, after it is cached/found/missing.
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Product:
    """One Copernicus DEM instance as published on AWS Open Data.

    Attributes
    ----------
    key : str
        iadsim's name (``"glo30"``, ``"glo90"``).
    title : str
        Human-readable name, e.g. ``"Copernicus DEM GLO-90"``.
    code : str
        Resolution code in the tile name (``"10"`` = 1.0", ``"30"`` = 3.0").
    base_url : str
        Public bucket URL (tiles at ``<base_url>/<name>/<name>.tif``).
    resolution_deg : float
        Nominal latitude spacing, degrees (longitude spacing widens above 50 deg latitude).
    worlddem : str
        Licence name used in the attribution notice.
    """

    key: str
    title: str
    code: str
    base_url: str
    resolution_deg: float
    worlddem: str


PRODUCTS: dict[str, Product] = {
    "glo30": Product("glo30", "Copernicus DEM GLO-30 Public", "10",
                     "https://copernicus-dem-30m.s3.amazonaws.com", 1.0 / 3600.0, "WorldDEM-30"),
    "glo90": Product("glo90", "Copernicus DEM GLO-90", "30",
                     "https://copernicus-dem-90m.s3.amazonaws.com", 1.0 / 1200.0, "WorldDEM-90"),
}

#: Attribution notice required by the Copernicus DEM licence [2]; ``{worlddem}`` per product.
ATTRIBUTION = (
    "produced using Copernicus {worlddem} © DLR e.V. 2010-2014 and © Airbus Defence and Space "
    "GmbH 2014-2018 provided under COPERNICUS by the European Union and ESA; all rights reserved"
)
#: Default cap on the number of 1 deg x 1 deg tiles one call may fetch (raise with ``max_tiles``).
DEFAULT_MAX_TILES = 100
#: Environment variables: tile mirror, cache root.
ENV_URL = "IADSIM_DEM_URL"
ENV_CACHE = "IADSIM_CACHE"
#: HTTP statuses that mean "no such tile" (open sea, or an unreleased GLO-30 tile).
_MISSING_STATUSES = (404, 403)
_CHUNK_BYTES = 1 << 20
_RETRY_BACKOFF_S = 1.0
_USER_AGENT = "iadsim (+https://github.com/iadsim) python-urllib"
_WGS84 = CRS.from_epsg(4326)


# ----------------------------------------------------------------------------- naming


def _product(product: str) -> Product:
    try:
        return PRODUCTS[product.lower()]
    except KeyError:
        raise TerrainError(
            f"unknown DEM product {product!r}; allowed: {', '.join(sorted(PRODUCTS))}"
        ) from None


def tile_name(lat_deg: int, lon_deg: int, product: str = "glo90") -> str:
    """Name of the tile whose south-west corner is at (``lat_deg``, ``lon_deg``).

    Parameters
    ----------
    lat_deg, lon_deg : int
        Lower latitude and longitude bound of the tile, degrees.
    product : {"glo90", "glo30"}

    Returns
    -------
    str
        e.g. ``Copernicus_DSM_COG_30_N53_00_E027_00_DEM``.

    Examples
    --------
    >>> tile_name(-3, -60, "glo30")
    'Copernicus_DSM_COG_10_S03_00_W060_00_DEM'
    """
    code = _product(product).code
    ns = "N" if lat_deg >= 0 else "S"
    ew = "E" if lon_deg >= 0 else "W"
    return f"Copernicus_DSM_COG_{code}_{ns}{abs(lat_deg):02d}_00_{ew}{abs(lon_deg):03d}_00_DEM"


def _validate_bbox(lat_min: float, lat_max: float, lon_min: float, lon_max: float) -> None:
    values = {"lat_min": lat_min, "lat_max": lat_max, "lon_min": lon_min, "lon_max": lon_max}
    for key, value in values.items():
        if not math.isfinite(value):
            raise TerrainError(f"bbox {key} must be a finite number of degrees (got {value!r})")
    if not -90.0 <= lat_min < lat_max <= 90.0:
        raise TerrainError(
            f"bad bbox latitudes lat_min={lat_min}, lat_max={lat_max}: need "
            "-90 <= lat_min < lat_max <= 90 (degrees, south before north)"
        )
    if not -180.0 <= lon_min < lon_max <= 180.0:
        raise TerrainError(
            f"bad bbox longitudes lon_min={lon_min}, lon_max={lon_max}: need "
            "-180 <= lon_min < lon_max <= 180 (degrees, west before east; boxes across the "
            "antimeridian must be fetched as two boxes)"
        )


def _tile_corners(
    lat_min: float, lat_max: float, lon_min: float, lon_max: float
) -> list[tuple[int, int]]:
    """South-west corners of the tiles that overlap the box, north row first, west to east."""
    lats = range(math.floor(lat_min), math.ceil(lat_max))
    lons = range(math.floor(lon_min), math.ceil(lon_max))
    return [(lat, lon) for lat in reversed(lats) for lon in lons]


def tile_names(
    lat_min: float, lat_max: float, lon_min: float, lon_max: float, product: str = "glo90"
) -> list[str]:
    """Names of the 1 deg x 1 deg tiles that overlap a bounding box.

    A tile is included when its interior overlaps the box, so a box edge on a whole degree does
    not pull in the neighbouring tile.

    Parameters
    ----------
    lat_min, lat_max, lon_min, lon_max : float
        Bounding box, degrees (``lat_min < lat_max``, ``lon_min < lon_max``).
    product : {"glo90", "glo30"}

    Returns
    -------
    list of str
        Tile names, northern row first, each row west to east.

    Raises
    ------
    TerrainError
        If the box or the product is invalid.

    Examples
    --------
    >>> tile_names(53.2, 53.8, 27.5, 28.0)
    ['Copernicus_DSM_COG_30_N53_00_E027_00_DEM']
    >>> tile_names(-1.5, -0.5, -0.5, 0.5, "glo30")  # doctest: +NORMALIZE_WHITESPACE
    ['Copernicus_DSM_COG_10_S01_00_W001_00_DEM', 'Copernicus_DSM_COG_10_S01_00_E000_00_DEM',
     'Copernicus_DSM_COG_10_S02_00_W001_00_DEM', 'Copernicus_DSM_COG_10_S02_00_E000_00_DEM']
    """
    _product(product)
    _validate_bbox(lat_min, lat_max, lon_min, lon_max)
    return [tile_name(lat, lon, product) for lat, lon in _tile_corners(lat_min, lat_max, lon_min,
                                                                        lon_max)]


def tile_url(name: str, base_url: str) -> str:
    """URL of tile ``name`` under ``base_url`` (``<base_url>/<name>/<name>.tif``)."""
    return f"{base_url.rstrip('/')}/{name}/{name}.tif"


def default_cache_dir() -> Path:
    """Tile cache: ``$IADSIM_CACHE/dem``, else ``$XDG_CACHE_HOME/iadsim/dem``, else ``~/.cache``."""
    root = os.environ.get(ENV_CACHE)
    if root:
        return Path(root).expanduser() / "dem"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "iadsim" / "dem"


# ----------------------------------------------------------------------------- download


class _TileMissing(Exception):
    """The server says the tile does not exist (sea, or not released)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class _Transient(Exception):
    """A failure worth retrying (5xx, connection problem, truncated body)."""


def _stream_to(response: http.client.HTTPResponse, fh: BinaryIO, url: str) -> None:
    """Copy a response body to ``fh``; raise :class:`_Transient` if it ends short."""
    expected = response.headers.get("Content-Length")
    received = 0
    while True:
        chunk = response.read(_CHUNK_BYTES)
        if not chunk:
            break
        fh.write(chunk)
        received += len(chunk)
    if expected is not None and received != int(expected):
        raise _Transient(f"download of {url} ended after {received} of {expected} bytes")


def _check_tile(path: Path, url: str) -> None:
    """Refuse a download that is not a readable geographic GeoTIFF (e.g. an HTML error page)."""
    try:
        with rasterio.open(path) as src:
            if src.crs is None or not src.crs.is_geographic or src.count < 1:
                raise TerrainError(
                    f"{url} is not a geographic DEM GeoTIFF (crs={src.crs}, bands={src.count}); "
                    f"is the mirror set by base_url/{ENV_URL} laid out like the AWS buckets?"
                )
    except rasterio.errors.RasterioError as exc:
        raise TerrainError(
            f"{url} did not return a readable GeoTIFF ({exc}); is base_url/{ENV_URL} right?"
        ) from exc


def _temp_beside(path: Path, suffix: str = ".part") -> Path:
    """A unique hidden temporary name in ``path``'s folder (same file system: atomic rename).

    Not :func:`tempfile.mkstemp`, whose files are mode 0600; these follow the umask.
    """
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{suffix}")


def _download_once(url: str, dest: Path, timeout_s: float) -> None:
    """One attempt: stream ``url`` into a temp file beside ``dest``, check it, rename it."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    tmp = _temp_beside(dest)
    try:
        with tmp.open("xb") as fh:
            try:
                with urllib.request.urlopen(request, timeout=timeout_s) as response:
                    _stream_to(response, fh, url)
            except urllib.error.HTTPError as exc:
                if exc.code in _MISSING_STATUSES:
                    raise _TileMissing(exc.code) from exc
                if exc.code >= 500 or exc.code == 429:
                    raise _Transient(f"HTTP {exc.code} {exc.reason} from {url}") from exc
                raise TerrainError(
                    f"HTTP {exc.code} {exc.reason} fetching DEM tile {url}; check base_url / "
                    f"{ENV_URL}"
                ) from exc
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise _Transient(f"cannot download {url}: {reason}") from exc
        _check_tile(tmp, url)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _download(url: str, dest: Path, timeout_s: float, retries: int) -> None:
    """Download with ``retries`` extra attempts on transient failures (exponential back-off)."""
    for attempt in range(retries + 1):
        try:
            _download_once(url, dest, timeout_s)
            return
        except _Transient as exc:
            if attempt == retries:
                raise TerrainError(
                    f"{exc} (after {retries + 1} attempt(s)). Check the network connection, or "
                    f"set {ENV_URL} / base_url to a reachable mirror, or copy the tile by hand "
                    f"to {dest}"
                ) from exc
            time.sleep(_RETRY_BACKOFF_S * 2**attempt)


def _write_marker(path: Path, text: str) -> None:
    """Atomically write a small text file."""
    tmp = _temp_beside(path)
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _ensure_tile(
    name: str, tile_dir: Path, base_url: str, timeout_s: float, retries: int
) -> tuple[Path | None, str]:
    """Return (cached tile path or None if missing, status word) for one tile."""
    path = tile_dir / f"{name}.tif"
    marker = tile_dir / f"{name}.missing"
    if path.exists():
        return path, "cached"
    if marker.exists():
        return None, "missing (cached: no tile on server, sea level 0 m)"
    url = tile_url(name, base_url)
    try:
        _download(url, path, timeout_s, retries)
    except _TileMissing as exc:
        if exc.status == 404:  # a definite "no such object": remember it
            _write_marker(marker, f"HTTP 404 from {url}\n")
        log.warning("DEM tile %s not on server (HTTP %d): filled with sea level 0 m", url,
                    exc.status)
        return None, f"missing (HTTP {exc.status}: no tile, sea level 0 m)"
    return path, "downloaded"


# ----------------------------------------------------------------------------- mosaic


def _snap_outward(
    bounds: tuple[float, float, float, float], grid: rasterio.Affine
) -> tuple[float, float, float, float]:
    """Grow ``bounds`` (west, south, east, north) to whole cells of the north-up ``grid``.

    The AWS tiles put cell *centres* on whole arc-seconds (their origin is half a cell west and
    north of the degree line), so cropping on the raw box would resample by half a cell; on the
    tiles' own grid the mosaic copies cells unchanged.
    """
    west, south, east, north = bounds
    x0, dx, y0, dy = grid.c, grid.a, grid.f, -grid.e
    eps = 1e-6  # of a cell: absorbs rounding in the origin
    return (
        x0 + math.floor((west - x0) / dx + eps) * dx,
        y0 - math.ceil((y0 - south) / dy - eps) * dy,
        x0 + math.ceil((east - x0) / dx - eps) * dx,
        y0 - math.floor((y0 - north) / dy + eps) * dy,
    )


def _write_mosaic(
    tiles: list[Path], bounds: tuple[float, float, float, float], product: Product, dest: Path
) -> None:
    """Merge ``tiles`` over ``bounds`` (west, south, east, north) into a float32 GeoTIFF.

    The box is grown to whole cells of the finest tile's grid. Areas no tile covers are 0 m; the
    file carries no nodata value, so every cell is a height.
    """
    profile = {"driver": "GTiff", "compress": "deflate", "tiled": True,
               "blockxsize": 256, "blockysize": 256}
    if tiles:
        with contextlib.ExitStack() as stack:
            sources = [stack.enter_context(rasterio.open(p)) for p in tiles]
            finest = min(sources, key=lambda src: src.res[0] * src.res[1])
            rasterio.merge.merge(
                sources, bounds=_snap_outward(bounds, finest.transform), res=finest.res,
                nodata=0.0, dtype="float32", indexes=[1], dst_path=dest, dst_kwds=profile,
            )
        return
    west, south, east, north = bounds  # all sea: a zero grid at the product's spacing
    res = product.resolution_deg
    width = max(1, round((east - west) / res))
    height = max(1, round((north - south) / res))
    with rasterio.open(
        dest, "w", width=width, height=height, count=1, dtype="float32", crs=_WGS84,
        transform=from_origin(west, north, (east - west) / width, (north - south) / height),
        **profile,
    ) as dst:
        dst.write(np.zeros((height, width), dtype=np.float32), 1)


def _tag_mosaic(path: Path, tags: dict[str, str]) -> None:
    with rasterio.open(path, "r+") as dst:
        dst.nodata = None
        dst.update_tags(**tags)  # (a band description would go to a side .aux.xml file)


# ----------------------------------------------------------------------------- public entry


def fetch_dem(
    lat_min: float,
    lat_max: float,
    lon_min: float,
    lon_max: float,
    out_path: str | Path,
    product: str = "glo90",
    cache_dir: str | Path | None = None,
    base_url: str | None = None,
    progress: ProgressCallback | None = None,
    *,
    max_tiles: int = DEFAULT_MAX_TILES,
    timeout_s: float = 60.0,
    retries: int = 2,
) -> Path:
    """Fetch the Copernicus DEM over a bounding box and write it as one GeoTIFF.

    Missing tiles are downloaded into the cache; cached tiles are reused without any network
    access. The mosaic (EPSG:4326, float32, heights in m above the EGM2008 geoid, at the finest
    tile spacing, cropped to the box grown outward to whole cells of the tiles' grid so cells
    are copied, not resampled) is written to a temporary file and renamed to ``out_path``.
    Tiles that do not exist on the server (open sea) are filled with 0 m.

    Parameters
    ----------
    lat_min, lat_max, lon_min, lon_max : float
        Bounding box, degrees.
    out_path : str or Path
        GeoTIFF to write (parent folders are created).
    product : {"glo90", "glo30"}
        GLO-90 (3", ~90 m, complete land cover) or GLO-30 Public (1", ~30 m, a few
        unreleased countries missing).
    cache_dir : str or Path, optional
        Tile cache; default :func:`default_cache_dir`. Tiles go to ``<cache_dir>/<product>/``.
    base_url : str, optional
        Root of the tile tree; default ``$IADSIM_DEM_URL``, else the product's AWS bucket.
    progress : callable, optional
        ``progress(label, done, total)`` after each tile; ``label`` names the tile and whether it
        was ``cached``, ``downloaded`` or ``missing (...)``.
    max_tiles : int
        Refuse boxes needing more tiles than this (memory and download size guard).
    timeout_s : float
        Socket timeout per request, s.
    retries : int
        Extra attempts after a transient failure (5xx, connection error, truncated body).

    Returns
    -------
    Path
        ``out_path``. Its tags: ``product``, ``tiles`` (all tile names), ``missing_tiles``
        (filled with 0 m; ``none`` if all were found), ``source_url``, ``bbox``, ``licence``
        (the attribution notice), ``units``, ``vertical_datum`` and ``source``.

    Raises
    ------
    TerrainError
        Bad box or product, too many tiles, a network or server failure (naming the URL), or a
        download that is not a GeoTIFF.
    """
    prod = _product(product)
    _validate_bbox(lat_min, lat_max, lon_min, lon_max)
    names = tile_names(lat_min, lat_max, lon_min, lon_max, prod.key)
    if len(names) > max_tiles:
        raise TerrainError(
            f"bbox lat {lat_min}..{lat_max}, lon {lon_min}..{lon_max} needs {len(names)} "
            f"{prod.title} tiles, more than max_tiles={max_tiles}; shrink the box or raise "
            "max_tiles (each GLO-90 tile is ~5 MB, each GLO-30 tile ~40 MB)"
        )
    root = base_url or os.environ.get(ENV_URL) or prod.base_url
    tile_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    tile_dir = tile_dir / prod.key
    try:
        tile_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TerrainError(f"cannot create DEM cache folder {tile_dir}: {exc}") from exc

    present: list[Path] = []
    missing: list[str] = []
    for done, name in enumerate(names, start=1):
        path, status = _ensure_tile(name, tile_dir, root, timeout_s, retries)
        if path is None:
            missing.append(name)
        else:
            present.append(path)
        if progress is not None:
            progress(f"{name}: {status}", done, len(names))

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    bbox = f"lat {lat_min}..{lat_max}, lon {lon_min}..{lon_max}"
    attribution = ATTRIBUTION.format(worlddem=prod.worlddem)
    tags = {
        "product": prod.title,
        "tiles": ",".join(names),
        "missing_tiles": ",".join(missing) or "none",  # GDAL drops empty tags
        "source_url": root,
        "bbox": bbox,
        "licence": attribution,
        "units": "m",
        "vertical_datum": "EGM2008 geoid (heights above mean sea level)",
        "source": (
            f"{prod.title} ({root}), {len(names)} tile(s), {bbox}"
            + (f"; {len(missing)} missing tile(s) set to 0 m (sea)" if missing else "")
            + f"; {attribution}"
        ),
    }
    tmp = _temp_beside(out, ".tif")
    try:
        _write_mosaic(present, (lon_min, lat_min, lon_max, lat_max), prod, tmp)
        _tag_mosaic(tmp, tags)
        os.replace(tmp, out)
    except rasterio.errors.RasterioError as exc:
        raise TerrainError(
            f"cannot mosaic {len(present)} DEM tile(s) from {tile_dir} into {out}: {exc}; a "
            "cached tile may be damaged -- delete it and fetch again"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".aux.xml").unlink(missing_ok=True)  # GDAL side file, if any
    return out
