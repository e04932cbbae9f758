"""Line of sight over the Earth and over terrain: effective-Earth refraction, horizon, viewshed.

Refraction is modelled with the effective-Earth-radius factor ``k`` (4/3 for the standard
atmosphere at radar frequencies): rays are straight lines over a sphere of radius ``k * R``.
Terrain masking uses GDAL's viewshed algorithm (``gdal_viewshed``, GDAL 3.6), which scans the
grid outward from the observer row by row and interpolates the line-of-sight height of each cell
from its already-processed neighbours (Wang, Robinson & White 2000). On a grid the two are joined
by lowering every cell by ``curvature_coeff * d^2 / (2 * R_sphere)`` with
``curvature_coeff = 1/k`` (so 0.75 for k = 4/3; GDAL's documented 0.85714 is 1/k for the
optical k = 7/6).

References
----------
.. [1] M. I. Skolnik, *Introduction to Radar Systems*, 3rd ed., McGraw-Hill (2001), sect. 8.2,
   eqs. (8.5)-(8.7): 4/3 Earth, horizon ``d = sqrt(2 k R h)``, ``d[nmi] = 1.23 sqrt(h[ft])``.
.. [2] J. Wang, G. J. Robinson, K. White, "Generating viewsheds without using sightlines",
   Photogrammetric Engineering & Remote Sensing 66(1), 87-90 (2000).
.. [3] GDAL 3.6 ``alg/viewshed.cpp`` (``GDALViewshedGenerate``), https://gdal.org/programs/gdal_viewshed.html
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numba
import numpy as np
import pyproj
from numpy.typing import ArrayLike

from iadsim.errors import TerrainError
from iadsim.geo.terrain import Dem, bilinear_sample
from iadsim.units import EARTH_RADIUS_M, WGS84_A_M

__all__ = [
    "MinHeightField",
    "effective_earth_radius_m",
    "radar_horizon_m",
    "radar_min_visible_height",
    "slant_geometry",
    "viewshed",
    "viewshed_min_height",
]

#: Standard-atmosphere effective-Earth-radius factor for radar (Skolnik 2001, sect. 8.2).
K_STANDARD = 4.0 / 3.0


def effective_earth_radius_m(k: ArrayLike = K_STANDARD) -> np.ndarray:
    """Effective Earth radius ``k * R`` with R = :data:`iadsim.units.EARTH_RADIUS_M`, m.

    Examples
    --------
    >>> round(float(effective_earth_radius_m()) / 1000.0, 1)
    8494.7
    """
    return np.asarray(k, dtype=np.float64) * EARTH_RADIUS_M


def radar_horizon_m(antenna_m: ArrayLike, target_m: ArrayLike, k: ArrayLike = K_STANDARD) -> np.ndarray:
    """Longest line-of-sight distance between two heights over a smooth effective Earth.

    ``sqrt(2 k R h_a + h_a^2) + sqrt(2 k R h_t + h_t^2)``: the sum of the two tangent lengths
    to a sphere of radius ``k R`` (exact; the textbook form drops the ``h^2`` terms).

    Parameters
    ----------
    antenna_m, target_m : array_like
        Antenna and target heights above the smooth surface, m (>= 0).
    k : array_like
        Effective-Earth-radius factor.

    Returns
    -------
    distance_m : ndarray
        Straight-line distance, m (broadcast shape).

    References
    ----------
    Skolnik (2001), eq. (8.5); for k = 4/3: ``d[km] = 4.12 (sqrt(h_a[m]) + sqrt(h_t[m]))``.

    Examples
    --------
    >>> round(float(radar_horizon_m(10.0, 0.0)))   # 4.12 * sqrt(10) km
    13034
    """
    two_kr = 2.0 * effective_earth_radius_m(k)
    h_a = np.asarray(antenna_m, dtype=np.float64)
    h_t = np.asarray(target_m, dtype=np.float64)
    return np.sqrt(two_kr * h_a + h_a**2) + np.sqrt(two_kr * h_t + h_t**2)


def slant_geometry(
    ground_range_m: ArrayLike,
    h_radar_msl_m: ArrayLike,
    h_target_msl_m: ArrayLike,
    k: ArrayLike = K_STANDARD,
) -> tuple[np.ndarray, np.ndarray]:
    """Slant range and elevation angle between a radar and a target over the effective Earth.

    Radar and target stand at heights ``h`` above a sphere of radius ``k R`` separated by the
    arc ``ground_range_m`` along its surface (central angle ``theta = ground_range / (k R)``).
    The law of cosines is used in the cancellation-free form
    ``s^2 = (h_t - h_r)^2 + 4 r_r r_t sin^2(theta/2)``.

    Parameters
    ----------
    ground_range_m : array_like
        Arc length on the effective sphere between the two sub-points, m.
    h_radar_msl_m, h_target_msl_m : array_like
        Heights of the radar antenna and of the target, m.
    k : array_like
        Effective-Earth-radius factor.

    Returns
    -------
    slant_range_m : ndarray
        Straight-line (apparent) range, m.
    elevation_rad : ndarray
        Apparent elevation of the target above the radar's local horizontal, rad.

    References
    ----------
    Skolnik (2001), sect. 8.2, fig. 8.4 (geometry of the 4/3 Earth).
    """
    kr = effective_earth_radius_m(k)
    theta = np.asarray(ground_range_m, dtype=np.float64) / kr
    h_r = np.asarray(h_radar_msl_m, dtype=np.float64)
    h_t = np.asarray(h_target_msl_m, dtype=np.float64)
    r_r, r_t = kr + h_r, kr + h_t
    sin_half = np.sin(0.5 * theta)
    slant = np.sqrt((h_t - h_r) ** 2 + 4.0 * r_r * r_t * sin_half**2)
    # Target position relative to the radar: across = r_t sin(theta), up = r_t cos(theta) - r_r.
    up = (h_t - h_r) - 2.0 * r_t * sin_half**2
    return slant, np.arctan2(up, r_t * np.sin(theta))


# --------------------------------------------------------------------------------------------
# Viewshed: numba kernel following GDAL 3.6 alg/viewshed.cpp, "edge" cell mode.
# --------------------------------------------------------------------------------------------


@numba.njit(cache=True, inline="always")
def _line_z(i: int, z_a: float, z_o: float) -> float:
    """LOS height at step ``i`` along a straight line from the observer, from step ``i-1``."""
    if i == 1:
        return z_a
    return (z_a - z_o) / (i - 1) + z_a


@numba.njit(cache=True, inline="always")
def _edge_z(i: int, j: int, z_a: float, z_b: float, z_o: float) -> float:
    """Wang et al. (2000) interpolation: ``z_a`` on the diagonal, ``z_b`` on the axis side.

    ``i <= j`` are the offsets along the minor and major axis; ``i == j`` is the diagonal.
    """
    if i == j:
        return _line_z(i, z_a, z_o)
    return ((z_a - z_o) * i + (z_b - z_o) * (j - i)) / (j - 1) + z_o


@numba.njit(cache=True, inline="always")
def _emit(
    out_h: np.ndarray,
    out_v: np.ndarray,
    row: int,
    col: int,
    z_los: float,
    adjusted: float,
    raw: float,
    target_agl: float,
) -> None:
    """Write one cell's result: min visible height if ``out_h`` is a full grid, else visibility."""
    if out_h.shape[0] > 1:
        value = z_los - adjusted + raw
        out_h[row, col] = value if 0.0 < value else 0.0
    else:
        out_v[row, col] = not (adjusted + target_agl < z_los)


@numba.njit(cache=True, nogil=True)
def _sweep_observer_row(
    height: np.ndarray,
    dx: float,
    obs_row: int,
    obs_col: int,
    z_o: float,
    target_agl: float,
    curv: float,
    diameter: float,
    max_d2: float,
    out_h: np.ndarray,
    out_v: np.ndarray,
) -> np.ndarray:
    """Process the observer row; return its line-of-sight-raised heights for the next rows.

    The observer cell and its two row neighbours are visible by definition (GDAL).
    """
    nx = height.shape[1]
    first = height[obs_row].copy()
    full = out_h.shape[0] > 1
    if full:
        out_h[obs_row, obs_col] = first[obs_col]
    else:
        out_v[obs_row, obs_col] = True
    for side in (-1, 1):
        c = obs_col + side
        if 0 <= c < nx:
            raw = first[c]
            first[c] = raw - curv * (dx * dx) / diameter
            if full:
                out_h[obs_row, c] = raw
            else:
                out_v[obs_row, c] = True
        i = 2
        c = obs_col + 2 * side
        while 0 <= c < nx:
            r2 = (dx * i) * (dx * i)
            if max_d2 > 0.0 and r2 > max_d2:
                break
            raw = first[c]
            adjusted = raw - curv * r2 / diameter
            z = _line_z(i, first[c - side], z_o)
            _emit(out_h, out_v, obs_row, c, z, adjusted, raw, target_agl)
            first[c] = z if adjusted < z else adjusted
            c += side
            i += 1
    return first


@numba.njit(cache=True, nogil=True)
def _sweep_half(
    height: np.ndarray,
    first: np.ndarray,
    step: int,
    dx: float,
    dy: float,
    obs_row: int,
    obs_col: int,
    z_o: float,
    target_agl: float,
    curv: float,
    diameter: float,
    max_d2: float,
    out_h: np.ndarray,
    out_v: np.ndarray,
) -> None:
    """Process the rows above (``step = -1``) or below (``step = +1``) the observer row.

    Each row is scanned outward from the observer column. A cell nearer the column axis than the
    diagonal (``i < j``) depends on the previous row only; the others also on the cell just
    processed in the same row, hence the sequential in-row loop.
    """
    ny, nx = height.shape
    c0 = obs_col
    xs2 = np.empty(nx)
    for i in range(nx):
        xs2[i] = (dx * i) * (dx * i)
    last = first.copy()
    this = np.empty(nx)
    row = obs_row + step
    while 0 <= row < ny:
        j = (row - obs_row) * step
        ry2 = (dy * j) * (dy * j)
        if max_d2 > 0.0 and ry2 > max_d2:
            break
        raw = height[row, c0]
        adjusted = raw - curv * ry2 / diameter
        z = _line_z(j, last[c0], z_o)
        _emit(out_h, out_v, row, c0, z, adjusted, raw, target_agl)
        this[c0] = z if adjusted < z else adjusted
        for side in (-1, 1):
            c = c0 + side
            i = 1
            # Steep part (i < j): line of sight from the previous row only.
            while i < j and 0 <= c < nx:
                r2 = xs2[i] + ry2
                if max_d2 > 0.0 and r2 > max_d2:
                    break
                raw = height[row, c]
                adjusted = raw - curv * r2 / diameter
                z = _edge_z(i, j, last[c - side], last[c], z_o)
                _emit(out_h, out_v, row, c, z, adjusted, raw, target_agl)
                this[c] = z if adjusted < z else adjusted
                c += side
                i += 1
            if i < j:
                continue
            # Shallow part (i >= j): also from the cell just processed in this row.
            prev = this[c - side]
            while 0 <= c < nx:
                r2 = xs2[i] + ry2
                if max_d2 > 0.0 and r2 > max_d2:
                    break
                raw = height[row, c]
                adjusted = raw - curv * r2 / diameter
                z = _edge_z(j, i, last[c - side], prev, z_o)
                _emit(out_h, out_v, row, c, z, adjusted, raw, target_agl)
                prev = z if adjusted < z else adjusted
                this[c] = prev
                c += side
                i += 1
        last, this = this, last
        row += step


def _run_sweep(
    height_m: ArrayLike,
    dx_m: float,
    dy_m: float,
    obs_row: int,
    obs_col: int,
    obs_height_agl_m: float,
    target_height_agl_m: float,
    curvature_coeff: float,
    max_distance_m: float | None,
    earth_radius_m: float,
    want_height: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Validate the arguments; run the observer row, then the two halves in two threads."""
    height = np.ascontiguousarray(height_m, dtype=np.float64)
    if height.ndim != 2:
        raise ValueError(f"height_m must be 2-D (ny, nx); got shape {height.shape}")
    ny, nx = height.shape
    if not (0 <= obs_row < ny and 0 <= obs_col < nx):
        raise ValueError(f"observer cell ({obs_row}, {obs_col}) is outside the grid {height.shape}")
    if not (dx_m > 0.0 and dy_m > 0.0):
        raise ValueError(f"dx_m and dy_m must be > 0; got {dx_m}, {dy_m}")
    max_d = 0.0 if max_distance_m is None else float(max_distance_m)
    out_h = np.full((ny, nx) if want_height else (1, 1), np.inf)
    out_v = np.zeros((1, 1) if want_height else (ny, nx), dtype=np.bool_)
    z_o = float(obs_height_agl_m) + float(height[obs_row, obs_col])
    args = (
        float(target_height_agl_m), float(curvature_coeff), 2.0 * float(earth_radius_m),
        max_d * max_d,
    )
    first = _sweep_observer_row(
        height, float(dx_m), int(obs_row), int(obs_col), z_o, *args, out_h, out_v
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        halves = [
            pool.submit(
                _sweep_half, height, first, step, float(dx_m), float(dy_m), int(obs_row),
                int(obs_col), z_o, *args, out_h, out_v,
            )
            for step in (-1, 1)
        ]
        for half in halves:
            half.result()
    return out_h, out_v


def viewshed_min_height(
    height_m: ArrayLike,
    dx_m: float,
    dy_m: float,
    obs_row: int,
    obs_col: int,
    obs_height_agl_m: float,
    curvature_coeff: float = 0.75,
    max_distance_m: float | None = None,
    earth_radius_m: float = WGS84_A_M,
) -> np.ndarray:
    """Lowest height at which a target over each cell is in the observer's line of sight.

    Same algorithm and same numbers as ``gdal_viewshed -om DEM -cc <curvature_coeff>`` of
    GDAL 3.6 (``GVOT_MIN_TARGET_HEIGHT_FROM_DEM``, default "edge" cell mode): rows are processed
    outward from the observer row and, within a row, outward from the observer column. Each cell
    is first lowered by ``curvature_coeff * d^2 / (2 * earth_radius_m)`` (``d``: horizontal
    distance to the observer cell centre); its line-of-sight height ``z`` is interpolated from
    the two already-processed neighbours nearer the observer (the cell on the diagonal and the
    cell on the side of the dominant axis; Wang et al. 2000 with GDAL's "edge" variant), and the
    cell is then raised to ``max(height, z)`` for the cells behind it. The result is
    ``max(0, z - lowered_height + height)``.

    Parameters
    ----------
    height_m : array_like, shape (ny, nx)
        Terrain heights on a grid of evenly spaced cells, m (any row orientation).
    dx_m, dy_m : float
        Cell size along columns and rows, m (> 0).
    obs_row, obs_col : int
        Observer cell.
    obs_height_agl_m : float
        Observer height above the terrain of its cell, m.
    curvature_coeff : float
        Earth curvature coefficient: ``1/k`` for effective-Earth factor ``k`` (0.75 for 4/3;
        1.0 for geometric curvature only; 0 for a flat Earth).
    max_distance_m : float, optional
        Cells farther than this from the observer cell are left out (``+inf``).
    earth_radius_m : float
        Sphere radius of the curvature correction, m. GDAL uses the semi-major axis of the
        raster's ellipsoid (WGS84: 6378137 m), the default here.

    Returns
    -------
    min_visible_m : ndarray, shape (ny, nx)
        Minimum visible target height in the datum of ``height_m`` (MSL for a DEM), m. It is below
        the terrain where the terrain itself is visible; ``+inf`` beyond ``max_distance_m``.

    Notes
    -----
    Differences from GDAL, all by design: cells beyond ``max_distance_m`` are ``+inf`` rather
    than GDAL's ``-ov`` value (0), and the output covers the whole input grid rather than the
    clipped extent GDAL writes. Like GDAL, the result is clamped at 0 (GDAL's ``std::max(0.0,
    ...)``), so heights below 0 m are not resolved; the observer cell and its two row
    neighbours report their own terrain height; the first cells of the observer row and column
    (distance 1) take the observer's *terrain* height, not its eye height, as their
    line-of-sight height (GDAL's ``CalcHeightLine(1, ...)``).

    References
    ----------
    Wang, Robinson & White (2000); GDAL 3.6 ``alg/viewshed.cpp``.
    """
    out_h, _ = _run_sweep(
        height_m, dx_m, dy_m, obs_row, obs_col, obs_height_agl_m, 0.0, curvature_coeff,
        max_distance_m, earth_radius_m, True,
    )
    return out_h


def viewshed(
    height_m: ArrayLike,
    dx_m: float,
    dy_m: float,
    obs_row: int,
    obs_col: int,
    obs_height_agl_m: float,
    target_height_agl_m: float,
    curvature_coeff: float = 0.75,
    max_distance_m: float | None = None,
    earth_radius_m: float = WGS84_A_M,
) -> np.ndarray:
    """Whether a target ``target_height_agl_m`` above each cell is in the observer's line of sight.

    Same algorithm and same result as ``gdal_viewshed -oz <obs> -tz <target> -cc <coeff>``
    (GDAL 3.6, normal output, "edge" cell mode); see :func:`viewshed_min_height` for the
    algorithm and parameters. A cell is visible unless ``lowered_height + target < z``.

    Returns
    -------
    visible : ndarray of bool, shape (ny, nx)
        False beyond ``max_distance_m``.
    """
    _, out_v = _run_sweep(
        height_m, dx_m, dy_m, obs_row, obs_col, obs_height_agl_m, target_height_agl_m,
        curvature_coeff, max_distance_m, earth_radius_m, False,
    )
    return out_v


# --------------------------------------------------------------------------------------------
# Radar-centred minimum visible height field.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MinHeightField:
    """Minimum visible height MSL around a radar, on a radar-centred azimuthal-equidistant grid.

    A target at height ``h_msl`` over (lat, lon) is in the radar's line of sight iff
    ``h_msl >= field.sample(lat, lon)``.

    Attributes
    ----------
    lat_deg, lon_deg : float
        Radar position (grid centre), degrees.
    antenna_msl_m : float
        Antenna height above MSL, m.
    max_range_m : float
        Radius of the computed disk, m (distance on the azimuthal-equidistant plane, i.e. the
        geodesic distance from the radar).
    axis_m : ndarray, shape (n,)
        Easting = northing of the cell centres on the aeqd plane, m (centre cell at 0).
    min_visible_msl_m : ndarray, shape (n, n)
        Minimum visible height MSL per cell (row = northing), m; ``+inf`` outside the disk.
    ground_msl_grid_m : ndarray, shape (n, n)
        DEM heights resampled onto the grid, m; NaN outside the disk.
    k : float
        Effective-Earth-radius factor used.
    source : str
        Provenance of the terrain.
    """

    lat_deg: float
    lon_deg: float
    antenna_msl_m: float
    max_range_m: float
    axis_m: np.ndarray
    min_visible_msl_m: np.ndarray
    ground_msl_grid_m: np.ndarray
    k: float
    source: str

    def _xy(self, lat_deg: ArrayLike, lon_deg: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        lat, lon = np.broadcast_arrays(
            np.asarray(lat_deg, dtype=np.float64), np.asarray(lon_deg, dtype=np.float64)
        )
        x, y = _aeqd_transformer(self.lat_deg, self.lon_deg, inverse=False).transform(lon, lat)
        return np.asarray(x), np.asarray(y)

    def sample(self, lat_deg: ArrayLike, lon_deg: ArrayLike) -> np.ndarray:
        """Minimum visible height MSL at arbitrary points, m (bilinear).

        ``+inf`` beyond ``max_range_m`` and where a bilinear neighbour lies outside the disk
        (a conservative rim one cell wide).
        """
        x, y = self._xy(lat_deg, lon_deg)
        with np.errstate(invalid="ignore"):  # inf * 0 at the disk rim -> NaN -> +inf below
            value, inside = bilinear_sample(self.axis_m, self.axis_m, self.min_visible_msl_m, y, x)
        in_range = inside & (np.hypot(x, y) <= self.max_range_m)
        return np.where(in_range & ~np.isnan(value), value, np.inf)

    def ground_msl_m(self, lat_deg: ArrayLike, lon_deg: ArrayLike) -> np.ndarray:
        """Terrain height MSL at arbitrary points as seen by this field, m (bilinear; NaN outside)."""
        x, y = self._xy(lat_deg, lon_deg)
        value, _ = bilinear_sample(self.axis_m, self.axis_m, self.ground_msl_grid_m, y, x)
        return value


@lru_cache(maxsize=64)
def _aeqd_transformer(lat0_deg: float, lon0_deg: float, inverse: bool) -> pyproj.Transformer:
    """EPSG:4326 (lon, lat) <-> azimuthal equidistant centred on (lat0, lon0), WGS84."""
    aeqd = pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat0_deg!r} +lon_0={lon0_deg!r} +datum=WGS84 +units=m +no_defs"
    )
    src, dst = (aeqd, "EPSG:4326") if inverse else ("EPSG:4326", aeqd)
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def radar_min_visible_height(
    dem: Dem,
    lat_deg: float,
    lon_deg: float,
    antenna_msl_m: float,
    max_range_m: float,
    resolution_m: float,
    k: float = K_STANDARD,
    fill_msl_m: float | None = None,
) -> MinHeightField:
    """Terrain-masked minimum visible height around a radar.

    Builds a square azimuthal-equidistant grid (WGS84, centred on the radar, cells of
    ``resolution_m``, covering ``+-max_range_m``), samples the DEM bilinearly at the cell
    centres inside the disk of radius ``max_range_m``, and runs :func:`viewshed_min_height`
    with the antenna as observer (``obs_height_agl_m = antenna_msl_m - ground at the radar``),
    ``curvature_coeff = 1/k`` and ``earth_radius_m = EARTH_RADIUS_M`` (consistent with
    :func:`radar_horizon_m`).

    Parameters
    ----------
    dem : Dem
        Terrain; must cover the whole disk unless ``fill_msl_m`` is given.
    lat_deg, lon_deg : float
        Radar position, degrees.
    antenna_msl_m : float
        Antenna (phase centre) height above MSL, m; not below the terrain at the radar.
    max_range_m : float
        Radius to compute, m.
    resolution_m : float
        Grid cell size, m.
    k : float
        Effective-Earth-radius factor (4/3 standard atmosphere).
    fill_msl_m : float, optional
        Terrain height assumed where the disk extends beyond the DEM, m MSL; ``None`` (default)
        raises instead. The caller states such an assumption in its outputs.

    Returns
    -------
    MinHeightField

    Raises
    ------
    TerrainError
        If the DEM does not cover the disk (or has no data in it), or the antenna is below the
        terrain.
    """
    m = int(np.ceil(max_range_m / resolution_m))
    axis = (np.arange(2 * m + 1, dtype=np.float64) - m) * resolution_m
    x, y = np.meshgrid(axis, axis)
    # Sample one cell beyond the disk so that bilinear sampling near the rim has data.
    disk_radius_m = max_range_m + resolution_m * np.sqrt(2.0)
    disk = np.hypot(x, y) <= disk_radius_m
    lon, lat = _aeqd_transformer(lat_deg, lon_deg, inverse=True).transform(x[disk], y[disk])
    ground = np.full(x.shape, np.nan)
    try:
        ground[disk] = dem.sample(lat, lon, fill=fill_msl_m)
    except TerrainError as exc:
        raise TerrainError(
            f"radar at lat {lat_deg:.6f}, lon {lon_deg:.6f} with max range {max_range_m:g} m: {exc}"
        ) from exc
    obs_agl = antenna_msl_m - ground[m, m]
    if obs_agl < 0.0:
        raise TerrainError(
            f"radar at lat {lat_deg:.6f}, lon {lon_deg:.6f}: antenna at {antenna_msl_m:g} m MSL is "
            f"below the terrain ({ground[m, m]:.1f} m in DEM {dem.source!r})"
        )
    min_visible = viewshed_min_height(
        np.where(disk, ground, 0.0),
        resolution_m,
        resolution_m,
        m,
        m,
        obs_agl,
        curvature_coeff=1.0 / k,
        max_distance_m=disk_radius_m,
        earth_radius_m=EARTH_RADIUS_M,
    )
    min_visible[~disk] = np.inf
    for arr in (axis, min_visible, ground):
        arr.setflags(write=False)
    return MinHeightField(
        lat_deg=float(lat_deg),
        lon_deg=float(lon_deg),
        antenna_msl_m=float(antenna_msl_m),
        max_range_m=float(max_range_m),
        axis_m=axis,
        min_visible_msl_m=min_visible,
        ground_msl_grid_m=ground,
        k=float(k),
        source=dem.source,
    )
