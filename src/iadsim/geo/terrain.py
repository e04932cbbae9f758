"""Digital elevation models: a geographic grid of heights above mean sea level.

A :class:`Dem` holds heights on a regular latitude/longitude grid of *cell centres* (degrees,
both axes ascending, so row 0 is the southern edge) and samples them bilinearly. It reads any
GeoTIFF rasterio can open (reprojecting to EPSG:4326 when needed), writes EPSG:4326 GeoTIFFs, and
makes deterministic fractal test terrain.

References
----------
.. [1] R. F. Voss, "Random fractal forgeries", in *Fundamental Algorithms for Computer
   Graphics*, NATO ASI F17, Springer (1985), pp. 805-835 (spectral synthesis, sect. 3.3).
.. [2] D. L. Turcotte, *Fractals and Chaos in Geology and Geophysics*, 2nd ed., Cambridge
   University Press (1997), ch. 7 (power-law spectra of topography).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import rasterio.warp
import rasterio.windows
from numpy.typing import ArrayLike
from rasterio.crs import CRS

from iadsim.errors import TerrainError
from iadsim.units import EARTH_RADIUS_M

__all__ = ["Dem", "bilinear_sample", "fractal_relief"]

_WGS84_GEOGRAPHIC = CRS.from_epsg(4326)
#: Relative tolerance when checking that an axis is evenly spaced (for writing GeoTIFFs).
_SPACING_RTOL = 1e-6
#: Hurst exponent of the synthetic relief; amplitude spectrum ~ k^-(H+1) (Turcotte 1997, ch. 7).
_HURST = 0.8
#: Wavelength beyond which the synthetic spectrum stops growing, m (keeps relief lowland-like).
_ROLLOFF_WAVELENGTH_M = 20_000.0


def bilinear_sample(
    y_axis: np.ndarray,
    x_axis: np.ndarray,
    values: np.ndarray,
    y: ArrayLike,
    x: ArrayLike,
) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear interpolation on a rectilinear grid, vectorised over query points.

    Parameters
    ----------
    y_axis : ndarray, shape (ny,)
        Strictly ascending row coordinates (ny >= 2).
    x_axis : ndarray, shape (nx,)
        Strictly ascending column coordinates (nx >= 2).
    values : ndarray, shape (ny, nx)
        Grid values.
    y, x : array_like
        Query coordinates (broadcast against each other).

    Returns
    -------
    result : ndarray
        Interpolated values, broadcast shape of ``y`` and ``x``; NaN outside the grid and where
        any of the four surrounding nodes is NaN (even with zero weight: no-data spreads one cell).
    inside : ndarray of bool
        Whether each query point lies within ``[y_axis[0], y_axis[-1]] x [x_axis[0], x_axis[-1]]``.
    """
    yq, xq = np.broadcast_arrays(np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64))
    inside = (yq >= y_axis[0]) & (yq <= y_axis[-1]) & (xq >= x_axis[0]) & (xq <= x_axis[-1])
    i = np.clip(np.searchsorted(y_axis, yq, side="right") - 1, 0, y_axis.size - 2)
    j = np.clip(np.searchsorted(x_axis, xq, side="right") - 1, 0, x_axis.size - 2)
    t = (yq - y_axis[i]) / (y_axis[i + 1] - y_axis[i])
    u = (xq - x_axis[j]) / (x_axis[j + 1] - x_axis[j])
    result = (1.0 - t) * ((1.0 - u) * values[i, j] + u * values[i, j + 1]) + t * (
        (1.0 - u) * values[i + 1, j] + u * values[i + 1, j + 1]
    )
    return np.where(inside, result, np.nan), inside


def fractal_relief(
    ny: int, nx: int, pixel_m: float, seed: int, relief_m: float = 150.0, base_m: float = 150.0
) -> np.ndarray:
    """Deterministic fractal terrain by spectral synthesis (Fourier filtering of white noise).

    White Gaussian noise from ``numpy.random.default_rng(seed)`` is filtered in the wavenumber
    domain with the amplitude spectrum ``(k^2 + k0^2)^(-(H+1)/2)`` (Hurst exponent H = 0.8,
    roll-off wavelength 1/k0 = 20 km, both in physical units so the landscape does not change
    character with ``pixel_m``), then scaled linearly to ``[base_m, base_m + relief_m]``. With
    the defaults this gives 150-300 m heights with ridges and valleys of ~100-150 m over
    10-20 km, similar to the Belarusian lowland.

    Parameters
    ----------
    ny, nx : int
        Grid shape (rows, columns), each >= 2.
    pixel_m : float
        Grid spacing, m.
    seed : int
        Seed of the noise; the same seed gives a bit-identical array.
    relief_m : float
        Difference between the highest and the lowest cell, m.
    base_m : float
        Height of the lowest cell, m.

    Returns
    -------
    height_m : ndarray, shape (ny, nx)
        Heights, m, float64.

    References
    ----------
    Voss (1985), sect. 3.3 (spectral synthesis); Turcotte (1997), ch. 7.
    """
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((ny, nx))
    ky = np.fft.fftfreq(ny, d=pixel_m)[:, np.newaxis]
    kx = np.fft.rfftfreq(nx, d=pixel_m)[np.newaxis, :]
    k0 = 1.0 / _ROLLOFF_WAVELENGTH_M
    amplitude = (ky**2 + kx**2 + k0**2) ** (-(_HURST + 1.0) / 2.0)
    field = np.fft.irfft2(np.fft.rfft2(noise) * amplitude, s=(ny, nx))
    span = field.max() - field.min()
    return base_m + relief_m * (field - field.min()) / span


def _centres(start: float, step: float, n: int) -> np.ndarray:
    """Cell-centre coordinates ``start + (i + 0.5) * step`` for i in 0..n-1."""
    return start + (np.arange(n, dtype=np.float64) + 0.5) * step


@dataclass(frozen=True, eq=False)
class Dem:
    """Heights above mean sea level on a regular geographic grid of cell centres.

    Attributes
    ----------
    lat_deg : ndarray, shape (ny,)
        Latitudes of the cell centres, degrees, strictly ascending.
    lon_deg : ndarray, shape (nx,)
        Longitudes of the cell centres, degrees, strictly ascending.
    height_msl_m : ndarray, shape (ny, nx)
        Heights above mean sea level, m (NaN where the source has no data). Row 0 is south.
    source : str
        Human-readable provenance for reports (file name, dataset, or synthetic parameters).

    Notes
    -----
    The arrays are stored as read-only float64 copies. MSL is treated as equal to height above
    the WGS84 ellipsoid (ARCHITECTURE.md, conventions).
    """

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    height_msl_m: np.ndarray
    source: str

    def __post_init__(self) -> None:
        lat = np.array(self.lat_deg, dtype=np.float64)
        lon = np.array(self.lon_deg, dtype=np.float64)
        height = np.array(self.height_msl_m, dtype=np.float64)
        if lat.ndim != 1 or lon.ndim != 1 or lat.size < 2 or lon.size < 2:
            raise TerrainError(f"DEM {self.source!r}: lat_deg and lon_deg must be 1-D, >= 2 long")
        if height.shape != (lat.size, lon.size):
            raise TerrainError(
                f"DEM {self.source!r}: height_msl_m has shape {height.shape}, "
                f"expected (len(lat_deg), len(lon_deg)) = {(lat.size, lon.size)}"
            )
        if np.any(np.diff(lat) <= 0) or np.any(np.diff(lon) <= 0):
            raise TerrainError(f"DEM {self.source!r}: lat_deg and lon_deg must be ascending")
        for name, arr in (("lat_deg", lat), ("lon_deg", lon), ("height_msl_m", height)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    def sample(self, lat_deg: ArrayLike, lon_deg: ArrayLike, fill: float | None = None) -> np.ndarray:
        """Bilinearly interpolated height at arbitrary points.

        Parameters
        ----------
        lat_deg, lon_deg : array_like
            Query points, degrees (broadcast against each other).
        fill : float, optional
            Height returned for points outside the DEM or where it has no data. Without it,
            such points raise :class:`~iadsim.errors.TerrainError`.

        Returns
        -------
        height_msl_m : ndarray
            Heights above mean sea level, m, in the broadcast shape of the inputs.

        Raises
        ------
        TerrainError
            If a point lies outside the grid of cell centres or on a no-data cell and ``fill``
            is None; the message names the DEM and the first such point.
        """
        height, inside = bilinear_sample(
            self.lat_deg, self.lon_deg, self.height_msl_m, lat_deg, lon_deg
        )
        bad = np.isnan(height)
        if fill is not None:
            return np.where(bad, fill, height)
        if np.any(bad):
            lat, lon = np.broadcast_arrays(np.asarray(lat_deg), np.asarray(lon_deg))
            k = np.flatnonzero(bad)[0]
            what = "has no data at" if inside.ravel()[k] else "does not cover"
            raise TerrainError(
                f"DEM {self.source!r} {what} lat {float(lat.ravel()[k]):.6f} deg, "
                f"lon {float(lon.ravel()[k]):.6f} deg (covers lat {self.lat_deg[0]:.6f}.."
                f"{self.lat_deg[-1]:.6f}, lon {self.lon_deg[0]:.6f}..{self.lon_deg[-1]:.6f}; "
                f"{int(bad.sum())} of {bad.size} points affected); pass fill= to accept them"
            )
        return height

    @classmethod
    def from_geotiff(
        cls, path: str | Path, bbox: tuple[float, float, float, float] | None = None
    ) -> Dem:
        """Read band 1 of a GeoTIFF (any CRS rasterio understands) as a geographic DEM.

        Files not in EPSG:4326 are reprojected to it with bilinear resampling
        (``rasterio.warp.reproject``) at the default output resolution GDAL chooses. No-data
        cells become NaN (sampling them raises :class:`TerrainError` unless ``fill`` is given).

        Parameters
        ----------
        path : str or Path
            GeoTIFF file.
        bbox : (lat_min, lat_max, lon_min, lon_max), optional
            Keep only the cells whose centres fall inside this box, degrees.

        Returns
        -------
        Dem

        Raises
        ------
        TerrainError
            If the file cannot be read, has no CRS, or ``bbox`` selects fewer than 2x2 cells.
        """
        path = Path(path)
        try:
            with rasterio.open(path) as src:
                if src.crs is None:
                    raise TerrainError(f"DEM {str(path)!r} has no coordinate reference system")
                if src.crs == _WGS84_GEOGRAPHIC:
                    height = src.read(1, masked=True).astype(np.float64).filled(np.nan)
                    transform = src.transform
                else:
                    height, transform = _warp_to_geographic(src)
        except rasterio.errors.RasterioError as exc:
            raise TerrainError(f"cannot read DEM {str(path)!r}: {exc}") from exc
        if transform.b != 0.0 or transform.d != 0.0:
            raise TerrainError(f"DEM {str(path)!r} is rotated; only north-up grids are supported")
        ny, nx = height.shape
        lon = _centres(transform.c, transform.a, nx)
        lat = _centres(transform.f, transform.e, ny)
        if transform.e < 0:  # north-up file: flip to ascending latitude
            lat, height = lat[::-1], height[::-1]
        source = str(path)
        if bbox is not None:
            lat_min, lat_max, lon_min, lon_max = bbox
            rows = np.flatnonzero((lat >= lat_min) & (lat <= lat_max))
            cols = np.flatnonzero((lon >= lon_min) & (lon <= lon_max))
            if rows.size < 2 or cols.size < 2:
                raise TerrainError(
                    f"DEM {source!r} (lat {lat[0]:.6f}..{lat[-1]:.6f}, lon {lon[0]:.6f}.."
                    f"{lon[-1]:.6f}) has fewer than 2x2 cells inside bbox {bbox}"
                )
            lat, lon = lat[rows[0] : rows[-1] + 1], lon[cols[0] : cols[-1] + 1]
            height = height[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
            source += f" (bbox lat {lat_min}..{lat_max}, lon {lon_min}..{lon_max})"
        return cls(lat, lon, height, source)

    @classmethod
    def synthetic(
        cls,
        lat_min: float,
        lat_max: float,
        lon_min: float,
        lon_max: float,
        resolution_m: float,
        seed: int,
        relief_m: float = 150.0,
        base_m: float = 150.0,
    ) -> Dem:
        """Deterministic fractal DEM covering a latitude/longitude box.

        The grid spacing is ``resolution_m`` along the meridian (sphere of radius
        :data:`iadsim.units.EARTH_RADIUS_M`) and along the parallel at the box's mid latitude;
        heights come from :func:`fractal_relief`. The same arguments give a bit-identical DEM.

        Parameters
        ----------
        lat_min, lat_max, lon_min, lon_max : float
            Box to cover, degrees.
        resolution_m : float
            Grid spacing, m.
        seed : int
            Random seed.
        relief_m : float
            Highest minus lowest height, m.
        base_m : float
            Lowest height, m.

        Returns
        -------
        Dem
        """
        dlat = np.degrees(resolution_m / EARTH_RADIUS_M)
        dlon = dlat / np.cos(np.radians(0.5 * (lat_min + lat_max)))
        ny = max(2, int(np.ceil((lat_max - lat_min) / dlat)))
        nx = max(2, int(np.ceil((lon_max - lon_min) / dlon)))
        lat = _centres(lat_min, dlat, ny)
        lon = _centres(lon_min, dlon, nx)
        height = fractal_relief(ny, nx, resolution_m, seed, relief_m=relief_m, base_m=base_m)
        source = (
            f"synthetic fractal DEM (seed {seed}, {resolution_m:g} m, relief {relief_m:g} m, "
            f"base {base_m:g} m)"
        )
        return cls(lat, lon, height, source)

    def to_geotiff(self, path: str | Path) -> None:
        """Write the DEM as a north-up float64 GeoTIFF in EPSG:4326 (DEFLATE, no-data = NaN).

        Raises
        ------
        TerrainError
            If the axes are not evenly spaced (a GeoTIFF needs an affine grid).
        """
        dlat = _even_step(self.lat_deg, "lat_deg", self.source)
        dlon = _even_step(self.lon_deg, "lon_deg", self.source)
        transform = rasterio.Affine(
            dlon, 0.0, self.lon_deg[0] - 0.5 * dlon, 0.0, -dlat, self.lat_deg[-1] + 0.5 * dlat
        )
        ny, nx = self.height_msl_m.shape
        with rasterio.open(
            Path(path), "w", driver="GTiff", width=nx, height=ny, count=1, dtype="float64",
            crs=_WGS84_GEOGRAPHIC, transform=transform, nodata=np.nan, compress="deflate",
        ) as dst:
            dst.write(self.height_msl_m[::-1], 1)
            dst.update_tags(source=self.source)


def _even_step(axis: np.ndarray, name: str, source: str) -> float:
    """Spacing of an evenly spaced axis; TerrainError if it is not evenly spaced."""
    steps = np.diff(axis)
    step = float((axis[-1] - axis[0]) / (axis.size - 1))
    if not np.allclose(steps, step, rtol=_SPACING_RTOL, atol=0.0):
        raise TerrainError(f"DEM {source!r}: {name} is not evenly spaced; cannot write a GeoTIFF")
    return step


def _warp_to_geographic(src: rasterio.io.DatasetReader) -> tuple[np.ndarray, rasterio.Affine]:
    """Reproject band 1 of an open dataset to EPSG:4326 (bilinear); no-data -> NaN."""
    with warnings.catch_warnings():  # rasterio 1.4 uses Affine "*" internally
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        transform, width, height = rasterio.warp.calculate_default_transform(
            src.crs, _WGS84_GEOGRAPHIC, src.width, src.height, *src.bounds
        )
    out = np.full((height, width), np.nan, dtype=np.float64)
    rasterio.warp.reproject(
        source=rasterio.band(src, 1),
        destination=out,
        src_transform=src.transform,
        src_crs=src.crs,
        src_nodata=src.nodata,
        dst_transform=transform,
        dst_crs=_WGS84_GEOGRAPHIC,
        dst_nodata=np.nan,
        resampling=rasterio.warp.Resampling.bilinear,
    )
    return out, transform
