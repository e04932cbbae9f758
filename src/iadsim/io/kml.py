"""KML 2.2 writer (Google Earth, QGIS, ATAK) for coverage polygons, sites and rings.

One ``Folder`` per layer; each feature is a ``Placemark`` with a ``Polygon`` (outer and inner
boundaries), ``LineString``, ``Point`` or ``MultiGeometry``, and its properties as
``ExtendedData``; an empty geometry (a region with no cell, e.g. no coverage at that level)
gives a Placemark without geometry. Coordinates are ``lon,lat,0`` (degrees WGS84, rounded to
1e-6°), clamped to the ground. The ``Document`` carries the provenance (iadsim version, figure
set, sources, assumptions) in its ``description`` and ``ExtendedData``. Elements are written in
the order the OGC KML 2.2 schema requires (checked in the tests against the schema, with
libxml2).

Written with :mod:`xml.etree.ElementTree` from the standard library: the subset of KML needed
here is small and a dependency (simplekml) would add nothing we test against.

References
----------
Open Geospatial Consortium (2008), "OGC KML", version 2.2.0, OGC 07-147r2.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import (
    GeometryCollection,
    LinearRing,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
)
from shapely.geometry.base import BaseGeometry

from iadsim.io.files import write_text_atomic
from iadsim.io.geojson import COORD_DECIMALS, export_metadata, prepare_geometry

KML_NS = "http://www.opengis.net/kml/2.2"
"""KML 2.2 namespace (OGC 07-147r2)."""

POINT_ICON = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"
"""Icon drawn for Point placemarks (tinted with the style's line colour)."""


@dataclass(frozen=True)
class KmlStyle:
    """Look of a placemark.

    Attributes
    ----------
    line_color : str
        ``"#rrggbb"``; also the fill and icon colour.
    line_width_px : float
        Outline width, pixels.
    fill_alpha : float
        Fill opacity of polygons, 0 (outline only) to 1.
    icon_scale : float
        Size of Point icons relative to the default.
    """

    line_color: str = "#d62728"
    line_width_px: float = 1.5
    fill_alpha: float = 0.25
    icon_scale: float = 1.0

    def __post_init__(self) -> None:
        _hex_rgb(self.line_color)
        if not 0.0 <= self.fill_alpha <= 1.0:
            raise ValueError(f"fill_alpha must be in [0, 1], got {self.fill_alpha}")

    @property
    def style_id(self) -> str:
        """Document-unique id derived from the style's values."""
        alpha = round(self.fill_alpha * 100)
        return f"s{self.line_color[1:]}-w{self.line_width_px:g}-a{alpha}-i{self.icon_scale:g}"


def _hex_rgb(color: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` → (r, g, b) integers 0–255."""
    if len(color) != 7 or color[0] != "#":
        raise ValueError(f"colour must be '#rrggbb', got {color!r}")
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def kml_color(color: str, alpha: float) -> str:
    """Convert ``"#rrggbb"`` and opacity to KML's ``aabbggrr`` hex string.

    Parameters
    ----------
    color : str
        ``"#rrggbb"``.
    alpha : float
        Opacity, 0 to 1.

    Returns
    -------
    str
        Alpha, blue, green, red as two hex digits each.

    Examples
    --------
    >>> kml_color("#ff8000", 1.0)
    'ff0080ff'
    """
    red, green, blue = _hex_rgb(color)
    return f"{round(alpha * 255):02x}{blue:02x}{green:02x}{red:02x}"


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    """Append a child element (in the default KML namespace), optionally with text."""
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _coordinates(xy: Any) -> str:
    """``lon,lat,0`` tuples separated by spaces."""
    return " ".join(f"{x:.{COORD_DECIMALS}f},{y:.{COORD_DECIMALS}f},0" for x, y in xy)


def _ring(parent: ET.Element, boundary: str, ring: LinearRing) -> None:
    """Append ``<outerBoundaryIs>``/``<innerBoundaryIs>`` holding one LinearRing."""
    linear_ring = _sub(_sub(parent, boundary), "LinearRing")
    _sub(linear_ring, "coordinates", _coordinates(ring.coords))


def _geometry(parent: ET.Element, geom: BaseGeometry) -> None:
    """Append the KML element of a shapely geometry (x = lon, y = lat, degrees)."""
    if isinstance(geom, Point):
        _sub(_sub(parent, "Point"), "coordinates", _coordinates(geom.coords))
    elif isinstance(geom, LineString):
        line = _sub(parent, "LineString")
        _sub(line, "tessellate", "1")
        _sub(line, "coordinates", _coordinates(geom.coords))
    elif isinstance(geom, Polygon):
        polygon = _sub(parent, "Polygon")
        _ring(polygon, "outerBoundaryIs", geom.exterior)
        for interior in geom.interiors:
            _ring(polygon, "innerBoundaryIs", interior)
    elif isinstance(geom, (MultiPolygon, MultiLineString, MultiPoint, GeometryCollection)):
        multi = _sub(parent, "MultiGeometry")
        for part in geom.geoms:
            _geometry(multi, part)
    else:
        raise TypeError(f"cannot write {geom.geom_type} to KML")


def _extended_data(parent: ET.Element, values: dict[str, Any]) -> None:
    """Append ``<ExtendedData>`` with one ``<Data name=...><value>`` per entry.

    Strings are written as they are; anything else as JSON.
    """
    extended = _sub(parent, "ExtendedData")
    for key, value in values.items():
        data = _sub(extended, "Data")
        data.set("name", str(key))
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        _sub(data, "value", text)


def _style(parent: ET.Element, style: KmlStyle) -> None:
    """Append a shared ``<Style>`` (point icon, line, polygon fill).

    The children follow the order of ``kml:StyleType`` in the OGC KML 2.2 schema (IconStyle,
    LabelStyle, LineStyle, PolyStyle, BalloonStyle, ListStyle): a viewer may ignore, and a
    validator rejects, sub-styles out of that order.
    """
    element = _sub(parent, "Style")
    element.set("id", style.style_id)
    icon_style = _sub(element, "IconStyle")
    _sub(icon_style, "color", kml_color(style.line_color, 1.0))
    _sub(icon_style, "scale", f"{style.icon_scale:g}")
    _sub(_sub(icon_style, "Icon"), "href", POINT_ICON)
    line = _sub(element, "LineStyle")
    _sub(line, "color", kml_color(style.line_color, 1.0))
    _sub(line, "width", f"{style.line_width_px:g}")
    poly = _sub(element, "PolyStyle")
    _sub(poly, "color", kml_color(style.line_color, style.fill_alpha))
    _sub(poly, "fill", "1" if style.fill_alpha > 0.0 else "0")
    _sub(poly, "outline", "1")


def _description(metadata: dict[str, Any]) -> str:
    """Plain-text provenance shown in the Document's balloon."""
    lines = [f"iadsim {metadata['iadsim_version']}, figure set: {metadata['figure_set']}"]
    lines += ["Sources:"] + [f"- {s}" for s in _as_list(metadata["sources"])]
    lines += ["Assumptions:"] + [f"- {a}" for a in _as_list(metadata["assumptions"])]
    return "\n".join(lines)


def _as_list(value: Any) -> list[Any]:
    """A list stays a list; a single item becomes a one-item list."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


def build_kml(
    layers: list[tuple[str, list[tuple[BaseGeometry, str, dict[str, Any], KmlStyle | None]]]],
    metadata: dict[str, Any],
    name: str = "iadsim",
) -> ET.Element:
    """Build the KML document written by :func:`write_kml`.

    Parameters
    ----------
    layers, metadata, name
        See :func:`write_kml`.

    Returns
    -------
    xml.etree.ElementTree.Element
        The ``<kml>`` root element.
    """
    full_metadata = export_metadata(metadata)
    root = ET.Element("kml", xmlns=KML_NS)
    document = _sub(root, "Document")
    _sub(document, "name", name)
    _sub(document, "description", _description(full_metadata))
    styles: dict[str, KmlStyle] = {}
    for _, placemarks in layers:
        for *_, style in placemarks:
            styles.setdefault((style or KmlStyle()).style_id, style or KmlStyle())
    for style in styles.values():
        _style(document, style)
    _extended_data(document, full_metadata)  # KML 2.2 schema order: Style before ExtendedData
    for layer_name, placemarks in layers:
        folder = _sub(document, "Folder")
        _sub(folder, "name", layer_name)
        for geom, placemark_name, properties, style in placemarks:
            placemark = _sub(folder, "Placemark")
            _sub(placemark, "name", placemark_name)
            _sub(placemark, "styleUrl", f"#{(style or KmlStyle()).style_id}")
            if properties:
                _extended_data(placemark, properties)
            prepared = prepare_geometry(geom)
            if not prepared.is_empty:  # an empty region (e.g. no coverage) is a Placemark without geometry
                _geometry(placemark, prepared)
    ET.indent(root)
    return root


def write_kml(
    path: str | os.PathLike[str],
    layers: list[tuple[str, list[tuple[BaseGeometry, str, dict[str, Any], KmlStyle | None]]]],
    metadata: dict[str, Any],
    name: str = "iadsim",
) -> Path:
    """Write layers of placemarks to a KML 2.2 file, atomically.

    Parameters
    ----------
    path : path-like
        Output ``.kml`` file.
    layers : list of (layer name, list of (geometry, name, properties, style))
        One Folder per layer. Geometries are shapely, x = longitude, y = latitude (degrees
        WGS84): Polygon/MultiPolygon for coverage, Point for sites, LineString for rings.
        ``properties`` become ExtendedData; ``style`` ``None`` means :class:`KmlStyle` ().
    metadata : dict
        Provenance: ``figure_set``, ``sources``, ``assumptions`` (see
        :func:`iadsim.io.geojson.export_metadata`); the iadsim version is added.
    name : str
        Document name shown in the viewer.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    text = ET.tostring(build_kml(layers, metadata, name), encoding="unicode")
    return write_text_atomic(path, '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n")
