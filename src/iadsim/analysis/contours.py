"""Polygons of grid regions (coverage masks, field ≥ level) and their geodesic areas.

Outlines follow the grid's cell edges exactly: each selected cell contributes its rectangle
(centre ± half a grid step in latitude and longitude) and the result is the union of those
rectangles, holes kept. Geometries use x = longitude, y = latitude, degrees (WGS84), and are
oriented by the right-hand rule of RFC 7946 (exterior rings counter-clockwise, holes clockwise),
whichever way the grid's axes run.
"""

from __future__ import annotations

import numpy as np
import shapely
from affine import Affine
from pyproj import Geod
from rasterio.features import shapes
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

AREA_DENSIFY_DEG = 0.01
"""Longest edge (degrees) kept before computing geodesic areas; see :func:`polygon_area_km2`."""

_WGS84 = Geod(ellps="WGS84")


def _grid_step(axis_deg: np.ndarray, name: str) -> float:
    """Uniform spacing of a 1-D coordinate axis of cell centres, degrees."""
    if axis_deg.ndim != 1 or axis_deg.size < 2:
        raise ValueError(f"{name} must be 1-D with at least 2 cell centres")
    steps = np.diff(axis_deg)
    step = float(steps.mean())
    if step == 0.0 or not np.allclose(steps, step, rtol=1e-6, atol=0.0):
        raise ValueError(f"{name} must be evenly spaced and strictly monotonic")
    return step


def mask_to_polygons(lat_deg: np.ndarray, lon_deg: np.ndarray, mask: np.ndarray) -> MultiPolygon:
    """Outline the ``True`` cells of a regular lat/lon grid.

    Parameters
    ----------
    lat_deg : numpy.ndarray, shape (ny,)
        Cell-centre latitudes, degrees, evenly spaced (ascending or descending).
    lon_deg : numpy.ndarray, shape (nx,)
        Cell-centre longitudes, degrees, evenly spaced.
    mask : numpy.ndarray of bool, shape (ny, nx)
        Cells to outline; ``mask[i, j]`` is the cell at ``(lat_deg[i], lon_deg[j])``.

    Returns
    -------
    shapely.geometry.MultiPolygon
        Union of the selected cells' rectangles (x = lon, y = lat, degrees); holes preserved;
        cells touching only at a corner are separate polygons. Exterior rings counter-clockwise,
        holes clockwise (RFC 7946 §3.1.6). Empty if no cell is selected.

    Notes
    -----
    Uses GDAL's polygonize (``rasterio.features.shapes``, 4-connectivity) through an affine
    transform from (column, row) to cell-edge (lon, lat). Each 4-connected region comes out as
    one polygon with its holes; distinct regions can only meet at corners, so together they
    already form a valid MultiPolygon and no (slow) union is needed. GDAL's ring direction
    depends on the sign of the latitude step, so each polygon is re-oriented.
    """
    lat_deg = np.asarray(lat_deg, dtype=np.float64)
    lon_deg = np.asarray(lon_deg, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (lat_deg.size, lon_deg.size):
        raise ValueError(f"mask shape {mask.shape} != (ny, nx) = ({lat_deg.size}, {lon_deg.size})")
    dlat = _grid_step(lat_deg, "lat_deg")
    dlon = _grid_step(lon_deg, "lon_deg")
    if not mask.any():
        return MultiPolygon()
    transform = Affine(dlon, 0.0, lon_deg[0] - 0.5 * dlon, 0.0, dlat, lat_deg[0] - 0.5 * dlat)
    regions = shapes(mask.astype(np.uint8), mask=mask, connectivity=4, transform=transform)
    return MultiPolygon([orient(shape(geojson), sign=1.0) for geojson, _ in regions])


def level_polygons(
    lat_deg: np.ndarray, lon_deg: np.ndarray, field: np.ndarray, level: float
) -> MultiPolygon:
    """Outline the cells where ``field >= level`` (NaN cells are excluded).

    Parameters
    ----------
    lat_deg : numpy.ndarray, shape (ny,)
        Cell-centre latitudes, degrees.
    lon_deg : numpy.ndarray, shape (nx,)
        Cell-centre longitudes, degrees.
    field : numpy.ndarray, shape (ny, nx)
        Any quantity, e.g. probability of detection.
    level : float
        Threshold in the field's units.

    Returns
    -------
    shapely.geometry.MultiPolygon
        See :func:`mask_to_polygons`.
    """
    with np.errstate(invalid="ignore"):
        mask = np.asarray(field, dtype=np.float64) >= level
    return mask_to_polygons(lat_deg, lon_deg, mask)


def polygon_area_km2(geom: BaseGeometry) -> float:
    """Area of a lon/lat (Multi)Polygon on the WGS84 ellipsoid, km².

    Edges are first split to at most :data:`AREA_DENSIFY_DEG` degrees so that the polygon's
    straight lon/lat edges (e.g. cell edges along parallels) are followed, not replaced by the
    geodesics between their end points (which would bow poleward by up to ~100 m per degree).

    Parameters
    ----------
    geom : shapely.geometry.base.BaseGeometry
        Polygon or MultiPolygon, x = longitude, y = latitude, degrees; holes are subtracted.

    Returns
    -------
    float
        Area, km².

    References
    ----------
    Karney, C. F. F. (2013), "Algorithms for geodesics", J. Geodesy 87, 43–55, eq. (58)–(62)
    (as implemented by ``pyproj.Geod.geometry_area_perimeter``).
    """
    polygons = [geom] if isinstance(geom, Polygon) else list(getattr(geom, "geoms", []))
    total_m2 = 0.0
    for polygon in polygons:
        dense = shapely.segmentize(orient(polygon, sign=1.0), max_segment_length=AREA_DENSIFY_DEG)
        total_m2 += _WGS84.geometry_area_perimeter(dense)[0]
    return total_m2 / 1e6
