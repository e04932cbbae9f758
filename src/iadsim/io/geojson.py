"""GeoJSON (RFC 7946) writer for coverage polygons, sites and range rings.

Coordinates are written in (lon, lat) order, degrees WGS84, rounded to 1e-6° (~0.1 m), two
per position (outlines on the ground; a height belongs in ``properties``); polygon exterior rings
are counter-clockwise and holes clockwise (RFC 7946 §3.1.6, right-hand rule). Every Feature has
``properties`` (an object, possibly empty); an empty geometry (a region with no cell, e.g. no
coverage at that level) is written as ``"geometry": null`` (RFC 7946 §3.2, an unlocated
Feature) rather than as an empty coordinate array, which RFC 7946 leaves to the reader's
interpretation. There is no ``crs`` member (RFC 7946 §4: WGS84 only), and no NaN or infinity.
The FeatureCollection carries a top-level foreign member ``metadata`` (RFC 7946 §6.1) with the
iadsim version, the figure set, the sources and the assumptions of the run.

The tests check the files with ``geojson-validator`` (RFC 7946 geometry rules) and the official
GeoJSON JSON Schema (npm ``geojson-schema``).

References
----------
Butler, H. et al. (2016), "The GeoJSON Format", IETF RFC 7946.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from iadsim.version import __version__
from iadsim.io.files import write_text_atomic

COORD_DECIMALS = 6
"""Decimal places of written coordinates, degrees (1e-6° ≈ 0.11 m)."""

REQUIRED_METADATA = ("figure_set", "sources", "assumptions")
"""Keys every export's metadata must hold, so no file leaves without its provenance."""


def export_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Check an export's metadata and prepend the iadsim version.

    Parameters
    ----------
    metadata : dict
        Must hold :data:`REQUIRED_METADATA` (``figure_set``, ``sources``, ``assumptions``).

    Returns
    -------
    dict
        ``{"iadsim_version": ..., **metadata}``.

    Raises
    ------
    ValueError
        If a required key is missing.
    """
    missing = [key for key in REQUIRED_METADATA if key not in metadata]
    if missing:
        raise ValueError(f"export metadata lacks {missing}; required: {list(REQUIRED_METADATA)}")
    return {"iadsim_version": __version__, **metadata}


def prepare_geometry(geom: BaseGeometry) -> BaseGeometry:
    """Drop heights, round coordinates to :data:`COORD_DECIMALS`, orient polygons (right-hand rule).

    Parameters
    ----------
    geom : shapely.geometry.base.BaseGeometry
        x = longitude, y = latitude, degrees.

    Returns
    -------
    shapely.geometry.base.BaseGeometry
        Same type, 2-D; exterior rings counter-clockwise, interior rings clockwise.
    """
    rounded = shapely.transform(shapely.force_2d(geom), lambda xy: np.round(xy, COORD_DECIMALS))
    if isinstance(rounded, Polygon):
        return orient(rounded, sign=1.0)
    if isinstance(rounded, MultiPolygon):
        return MultiPolygon([orient(p, sign=1.0) for p in rounded.geoms])
    if isinstance(rounded, GeometryCollection):
        return GeometryCollection([prepare_geometry(g) for g in rounded.geoms])
    return rounded


def _json_default(value: Any) -> Any:
    """Serialise numpy scalars and arrays found in properties or metadata."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON: {value!r}")


def _geometry_member(geom: BaseGeometry, index: int) -> dict[str, Any] | None:
    """The ``geometry`` member of feature ``index``: prepared mapping, or ``None`` if empty.

    Raises
    ------
    ValueError
        If a coordinate is not finite or lies outside longitude [-180, 180], latitude [-90, 90].
    """
    prepared = prepare_geometry(geom)
    if prepared.is_empty:
        return None
    lon_min, lat_min, lon_max, lat_max = prepared.bounds
    if not (-180.0 <= lon_min <= lon_max <= 180.0 and -90.0 <= lat_min <= lat_max <= 90.0):
        raise ValueError(
            f"feature {index}: coordinates must be finite, longitude in [-180, 180] and latitude in "
            f"[-90, 90] degrees (x = lon, y = lat), got lon {lon_min}..{lon_max}, lat {lat_min}..{lat_max}"
        )
    return mapping(prepared)


def feature_collection(
    features: list[tuple[BaseGeometry, dict[str, Any] | None]], metadata: dict[str, Any]
) -> dict[str, Any]:
    """Build the GeoJSON FeatureCollection mapping written by :func:`write_geojson`.

    Parameters
    ----------
    features : list of (geometry, properties)
        Shapely geometries with x = longitude, y = latitude (degrees) and JSON-able properties
        (``None`` means none: an empty object is written).
    metadata : dict
        See :func:`export_metadata`.

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        Missing metadata keys, or coordinates outside longitude/latitude bounds (or not finite).
    """
    return {
        "type": "FeatureCollection",
        "metadata": export_metadata(metadata),
        "features": [
            {
                "type": "Feature",
                "geometry": _geometry_member(geom, index),
                "properties": dict(properties or {}),
            }
            for index, (geom, properties) in enumerate(features)
        ],
    }


def write_geojson(
    path: str | os.PathLike[str],
    features: list[tuple[BaseGeometry, dict[str, Any] | None]],
    metadata: dict[str, Any],
) -> Path:
    """Write features to a GeoJSON file, atomically.

    Parameters
    ----------
    path : path-like
        Output ``.geojson`` file.
    features : list of (geometry, properties)
        Shapely geometries, x = longitude, y = latitude, degrees WGS84 (an empty geometry is
        written as ``null``); properties are JSON-able (numpy scalars/arrays are converted;
        ``None`` means none). NaN/inf are refused.
    metadata : dict
        Provenance: ``figure_set``, ``sources``, ``assumptions`` and anything else; the
        iadsim version is added.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        Missing metadata keys, non-finite numbers, or coordinates outside lon/lat bounds.
    """
    collection = feature_collection(features, metadata)
    text = json.dumps(collection, default=_json_default, allow_nan=False, ensure_ascii=False)
    return write_text_atomic(path, text + "\n")
