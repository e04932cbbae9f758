"""Map base layers: country borders, graticule, range rings and site markers.

Borders come from one of two public datasets:

* a Natural Earth 4.1.0 admin-0 countries extract at 1:10m for Europe (lon -32..62°, lat
  25..82°), public domain, shipped with iadsim (``iadsim/data/borders/``; made by
  ``tools/make_borders.py`` from the npm package world-atlas 2.0.2; citation in ``SOURCE.yaml``
  beside it). Maps therefore work on a fresh machine with nothing else installed;
* the Digital Chart of the World as packaged for GMT (DCW-GMT, 1:1,000,000, Debian package
  ``gmt-dcw``, LGPL-3+), read straight from its netCDF-4 file. When that file is installed it is
  used by default (``source="auto"``): it is worldwide and at higher resolution.

A user's own Natural Earth admin-0 shapefile (any scale, worldwide) can also be read. Every map
prints the chosen dataset's attribution (:attr:`Borders.source_label`). Coordinates inside are
(lat_deg, lon_deg) in function arguments; on a matplotlib axis x is longitude and y is
latitude, both in degrees.

References
----------
Natural Earth, "Admin 0 – Countries", version 4.1.0, 1:10m, public domain,
https://www.naturalearthdata.com/downloads/10m-cultural-vectors/
M. Bostock, world-atlas 2.0.2 (Natural Earth as TopoJSON, quantized to 1e5 steps, ISC),
https://github.com/topojson/world-atlas
Wessel, P. et al., "DCW-GMT: The Digital Chart of the World for the Generic Mapping Tools",
https://github.com/GenericMappingTools/dcw-gmt (file format: GMT ``src/gmt_dcw.c``).
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import shapely
from matplotlib import cbook
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator
from pyproj import Geod
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from iadsim.errors import IadsimError

DCW_PATH = Path("/usr/share/gmt-dcw/dcw-gmt.nc")
"""Where Debian's ``gmt-dcw`` package installs the DCW netCDF file (override: ``IADSIM_DCW``)."""

NATURAL_EARTH_EXTRACT = "naturalearth_admin0_10m.geojson.gz"
"""The shipped Natural Earth extract, in package data ``iadsim/data/borders/``."""

BORDER_SOURCES = ("auto", "dcw", "naturalearth")
"""Allowed ``source`` values of :func:`load_borders`."""

_DCW_SEPARATOR = 65535
"""uint16 value of the longitude array that starts a new segment (GMT ``gmt_dcw.c``)."""
_DCW_HOLE_FLAG = 1
"""Latitude value on a separator that marks the next segment as a hole (DCW-GMT >= 2.0)."""

_WGS84 = Geod(ellps="WGS84")

SITE_STYLES: dict[str, dict[str, Any]] = {
    "radar": {"marker": "^", "color": "tab:red"},
    "launcher": {"marker": "s", "color": "tab:orange"},
    "command_post": {"marker": "D", "color": "tab:purple"},
    "gun": {"marker": "o", "color": "tab:brown"},
    "battalion": {"marker": "*", "color": "darkred", "markersize": 9},
    "city": {"marker": "o", "color": "black", "markersize": 3},
    "reference": {"marker": "o", "color": "black", "markersize": 3},
}
"""Marker style of each site ``kind`` accepted by :func:`draw_site`."""


class Country(NamedTuple):
    """One country's borders clipped to a map box.

    Attributes
    ----------
    name : str
        English short name (DCW ``dcw-countries.txt`` or Natural Earth ``NAME``).
    iso2 : str
        ISO 3166-1 alpha-2 code, e.g. ``"BY"``; Kosovo ``"XK"`` (user-assigned code, as in DCW);
        Natural Earth units without an ISO code (N. Cyprus, Akrotiri, ...) ``"-99"``.
    geometry : shapely.geometry.base.BaseGeometry
        (Multi)Polygon, x = longitude, y = latitude, degrees (WGS84), clipped to the box.
    """

    name: str
    iso2: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Borders:
    """Country polygons covering a longitude/latitude box.

    Attributes
    ----------
    countries : tuple of Country
        Every country whose polygons intersect the box, clipped to it, sorted by ISO code.
    source_label : str
        Attribution printed on every map that uses these borders.
    lon_min, lon_max, lat_min, lat_max : float
        The box, degrees.
    """

    countries: tuple[Country, ...]
    source_label: str
    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float

    def get(self, iso2: str) -> Country:
        """Return the country with ISO 3166-1 alpha-2 code ``iso2``.

        Raises
        ------
        IadsimError
            If that country does not intersect the box.
        """
        for country in self.countries:
            if country.iso2 == iso2:
                return country
        known = ", ".join(c.iso2 for c in self.countries)
        raise IadsimError(f"country {iso2!r} is not in the map box; countries there: {known}")


def dcw_path() -> Path:
    """The DCW-GMT netCDF file looked for: ``$IADSIM_DCW`` if set, else :data:`DCW_PATH`."""
    return Path(os.environ.get("IADSIM_DCW", DCW_PATH))


def load_borders(
    lon_min: float,
    lon_max: float,
    lat_min: float,
    lat_max: float,
    source: str = "auto",
    path: str | os.PathLike[str] | None = None,
) -> Borders:
    """Load every country intersecting a box, clipped to it.

    Parameters
    ----------
    lon_min, lon_max, lat_min, lat_max : float
        Box, degrees; ``-180 <= lon_min < lon_max <= 360``.
    source : {"auto", "dcw", "naturalearth"}
        ``"auto"``: DCW when its file (:func:`dcw_path`) is installed, else the shipped Natural
        Earth extract.
        ``"dcw"``: GMT's Digital Chart of the World, 1:1,000,000 (``apt-get install gmt-dcw``).
        ``"naturalearth"``: without ``path``, the shipped Natural Earth 4.1.0 admin-0 extract,
        1:10m, covering lon -32..62°, lat 25..82°; with ``path``, a user's Natural Earth admin-0
        countries shapefile (needs the ``pyshp`` package).
    path : path-like, optional
        DCW netCDF file (default :func:`dcw_path`) or the ``.shp`` file; not with ``"auto"``.

    Returns
    -------
    Borders
        With the shipped extract, a box reaching beyond the extract gets the borders inside it
        only, and :attr:`Borders.source_label` says where none are drawn (the map is still
        made; install gmt-dcw for worldwide borders).

    Raises
    ------
    IadsimError
        Unknown source, missing file, or missing optional dependency.
    """
    if not (lon_min < lon_max and lat_min < lat_max):
        raise IadsimError(
            f"map box must have lon_min < lon_max and lat_min < lat_max "
            f"(got lon {lon_min}..{lon_max}, lat {lat_min}..{lat_max})"
        )
    bbox = (lon_min, lon_max, lat_min, lat_max)
    if source not in BORDER_SOURCES:
        allowed = ", ".join(repr(s) for s in BORDER_SOURCES)
        raise IadsimError(f"unknown border source {source!r}; allowed: {allowed}")
    if source == "auto":
        if path is not None:
            raise IadsimError("path= needs source='dcw' (a dcw-gmt.nc file) or source='naturalearth' "
                              "(a .shp file); source='auto' chooses the file itself")
        source = "dcw" if dcw_path().is_file() else "naturalearth"
    if source == "dcw":
        countries, label = _load_dcw(Path(path if path is not None else dcw_path()).resolve(), bbox)
    elif path is None:
        countries, label = _load_shipped(bbox)
    else:
        countries, label = _load_naturalearth(Path(path), bbox)
    return Borders(tuple(sorted(countries, key=lambda c: c.iso2)), label, *bbox)


@functools.lru_cache(maxsize=1)
def shipped_extract() -> tuple[tuple[Country, ...], dict[str, Any], tuple[float, float, float, float]]:
    """The shipped Natural Earth extract, unclipped (read once).

    Returns
    -------
    countries : tuple of Country
    source : dict
        The file's citation (member ``source``: dataset, version, scale, url, license, ...).
    bounds : (lon_min, lon_max, lat_min, lat_max)
        The box the extract covers, degrees.
    """
    resource = resources.files("iadsim") / "data" / "borders" / NATURAL_EARTH_EXTRACT
    try:
        data = resource.read_bytes()
    except FileNotFoundError as exc:
        raise IadsimError(
            f"the Natural Earth borders shipped with iadsim ({resource}) are missing: reinstall "
            "iadsim, or use source='dcw' with gmt-dcw installed"
        ) from exc
    collection = json.loads(gzip.decompress(data).decode("utf-8"))
    west, south, east, north = collection["bbox"]
    countries = tuple(
        Country(f["properties"]["name"], f["properties"]["iso2"], shape(f["geometry"]))
        for f in collection["features"]
    )
    return countries, collection["source"], (west, east, south, north)


def _load_shipped(bbox: tuple[float, float, float, float]) -> tuple[tuple[Country, ...], str]:
    """Clip the shipped extract to ``bbox``; the label notes any part of the box it misses."""
    extract, source, (west, east, south, north) = shipped_extract()
    lon_min, lon_max, lat_min, lat_max = bbox
    countries = []
    for country in extract:
        x0, y0, x1, y1 = country.geometry.bounds
        if _overlaps_lon(x0, x1, lon_min, lon_max) and y0 <= lat_max and y1 >= lat_min:
            clipped = _clip_wrapped(country.geometry, bbox)
            if clipped is not None:
                countries.append(Country(country.name, country.iso2, clipped))
    label = (f"Borders: Natural Earth {source['version']} admin-0, {source['scale']}, de-facto "
             "boundaries (public domain)")
    covered = unary_union([box(west + s, south, east + s, north) for s in (-360.0, 0.0, 360.0)])
    if not box(lon_min, lat_min, lon_max, lat_max).within(covered):
        label += (f"; none drawn outside its extract lon {west:g}..{east:g}°, "
                  f"lat {south:g}..{north:g}° (gmt-dcw has the world)")
    return tuple(countries), label


def decode_dcw_segments(
    lon_raw: np.ndarray, lat_raw: np.ndarray, lon_attrs: dict, lat_attrs: dict
) -> list[tuple[np.ndarray, bool]]:
    """Decode one DCW-GMT variable pair into rings.

    DCW-GMT stores each country as two uint16 arrays ``<CC>_lon``, ``<CC>_lat`` with
    attributes ``min`` and ``scale``: ``value_deg = raw / scale + min``. A longitude of 65535
    starts a new segment (ring); on that separator a latitude of 1 flags the ring as a hole
    of the polygon before it (DCW-GMT 2.x), 0 as an outer ring.

    Parameters
    ----------
    lon_raw, lat_raw : numpy.ndarray of uint16, shape (n,)
    lon_attrs, lat_attrs : dict
        The variables' ``min`` (deg) and ``scale`` (counts per degree) attributes.

    Returns
    -------
    list of (numpy.ndarray shape (m, 2), bool)
        Ring coordinates (lon_deg, lat_deg) and whether the ring is a hole.

    References
    ----------
    GMT ``src/gmt_dcw.c``, function ``gmt_DCW_operation`` (unpacking loop).
    """
    lon_raw = np.asarray(lon_raw, dtype=np.int64)
    lat_raw = np.asarray(lat_raw, dtype=np.int64)
    starts = np.flatnonzero(lon_raw == _DCW_SEPARATOR)
    lon = lon_raw / float(lon_attrs["scale"]) + float(lon_attrs["min"])
    lat = lat_raw / float(lat_attrs["scale"]) + float(lat_attrs["min"])
    ends = np.append(starts[1:], lon_raw.size)
    rings = []
    for start, end in zip(starts, ends, strict=True):
        if end - start - 1 >= 3:
            xy = np.column_stack((lon[start + 1 : end], lat[start + 1 : end]))
            rings.append((xy, bool(lat_raw[start] == _DCW_HOLE_FLAG)))
    return rings


def _valid_polygon(xy: np.ndarray) -> BaseGeometry:
    """Polygon of a ring, repaired with ``make_valid`` if it self-intersects (a few DCW rings do)."""
    polygon = Polygon(xy)
    return polygon if polygon.is_valid else unary_union(_polygons(shapely.make_valid(polygon)))


def _rings_to_geometry(
    rings: list[tuple[np.ndarray, bool]], bbox: tuple[float, float, float, float]
) -> BaseGeometry:
    """Union of the outer rings minus the union of the holes, keeping rings that meet ``bbox``."""
    lon_min, lon_max, lat_min, lat_max = bbox
    near = [
        (xy, hole)
        for xy, hole in rings
        if _overlaps_lon(xy[:, 0].min(), xy[:, 0].max(), lon_min, lon_max)
        and xy[:, 1].min() <= lat_max
        and xy[:, 1].max() >= lat_min
    ]
    outer = unary_union([_valid_polygon(xy) for xy, hole in near if not hole])
    holes = [_valid_polygon(xy) for xy, hole in near if hole]
    return outer.difference(unary_union(holes)) if holes else outer


def _clip_wrapped(
    geom: BaseGeometry, bbox: tuple[float, float, float, float]
) -> BaseGeometry | None:
    """Clip ``geom`` to the box, also trying the box shifted by ±360° of longitude."""
    lon_min, lon_max, lat_min, lat_max = bbox
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        window = box(lon_min + shift, lat_min, lon_max + shift, lat_max)
        if geom.intersects(window):
            piece = geom.intersection(window)
            pieces.append(affinity.translate(piece, xoff=-shift))
    merged = unary_union(pieces) if pieces else None
    if merged is None or merged.is_empty or merged.area == 0.0:
        return None
    return merged


def _overlaps_lon(west: float, east: float, lon_min: float, lon_max: float) -> bool:
    """Whether [west, east] overlaps [lon_min, lon_max] modulo 360°."""
    return any(west <= lon_max + s and east >= lon_min + s for s in (-360.0, 0.0, 360.0))


def _dcw_names(nc_path: Path) -> dict[str, str]:
    """ISO code → country name from ``dcw-countries.txt`` beside the netCDF file."""
    names_path = nc_path.with_name("dcw-countries.txt")
    if not names_path.is_file():
        raise IadsimError(f"DCW country list {names_path} not found (it ships with gmt-dcw)")
    names = {}
    for line in names_path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            _continent, code, name = line.split(maxsplit=2)
            names[code] = name
    return names


@functools.lru_cache(maxsize=8)
def _load_dcw(
    nc_path: Path, bbox: tuple[float, float, float, float]
) -> tuple[tuple[Country, ...], str]:
    """Read and clip every DCW country whose bounding box meets ``bbox`` (cached)."""
    if not nc_path.is_file():
        raise IadsimError(
            f"Digital Chart of the World file {nc_path} not found. Install it with "
            "`sudo apt-get install gmt-dcw` (Debian/Ubuntu), or download dcw-gmt from "
            "https://github.com/GenericMappingTools/dcw-gmt/releases and set IADSIM_DCW "
            "to the path of dcw-gmt.nc; or use source='auto' or 'naturalearth' for the "
            "Natural Earth borders shipped with iadsim"
        )
    import h5py  # local: only map-making reads HDF5; netCDF-4 files are HDF5 files

    lon_min, lon_max, lat_min, lat_max = bbox
    names = _dcw_names(nc_path)
    countries = []
    with h5py.File(nc_path, "r") as nc:
        version = nc.attrs.get("version", b"unknown").decode()
        for code, name in names.items():
            if f"{code}_lon" not in nc:
                continue
            xvar, yvar = nc[f"{code}_lon"], nc[f"{code}_lat"]
            xattrs = {k: float(np.ravel(xvar.attrs[k])[0]) for k in ("min", "max", "scale")}
            yattrs = {k: float(np.ravel(yvar.attrs[k])[0]) for k in ("min", "max", "scale")}
            if not (
                _overlaps_lon(xattrs["min"], xattrs["max"], lon_min, lon_max)
                and yattrs["min"] <= lat_max
                and yattrs["max"] >= lat_min
            ):
                continue
            rings = decode_dcw_segments(xvar[:], yvar[:], xattrs, yattrs)
            clipped = _clip_wrapped(_rings_to_geometry(rings, bbox), bbox)
            if clipped is not None:
                countries.append(Country(name, code, clipped))
    label = f"Borders: Digital Chart of the World, 1:1,000,000 (GMT DCW {version}, LGPL-3+)"
    return tuple(countries), label


def _load_naturalearth(
    shp_path: Path, bbox: tuple[float, float, float, float]
) -> tuple[tuple[Country, ...], str]:
    """Read a Natural Earth admin-0 shapefile with pyshp.

    Names come from field ``NAME``; codes from ``ISO_A2_EH`` when present (Natural Earth >= 5.1
    fills it for France, Norway, Kosovo, whose ``ISO_A2`` is ``-99``), else ``ISO_A2``.
    """
    try:
        import shapefile  # pyshp
    except ImportError as exc:
        raise IadsimError(
            "source='naturalearth' with path= needs the pyshp package (`pip install pyshp`); "
            "or leave out path= for the Natural Earth extract shipped with iadsim"
        ) from exc
    if not shp_path.is_file():
        raise IadsimError(f"Natural Earth shapefile {shp_path} not found")
    from shapely.geometry import shape

    countries = []
    with shapefile.Reader(str(shp_path)) as reader:
        for record in reader.iterShapeRecords():
            attrs = record.record.as_dict()
            clipped = _clip_wrapped(shapely.make_valid(shape(record.shape.__geo_interface__)), bbox)
            if clipped is not None:
                code = attrs.get("ISO_A2_EH", attrs["ISO_A2"])
                countries.append(Country(attrs["NAME"], code, clipped))
    return tuple(countries), f"Borders: Natural Earth ({shp_path.name}), public domain"


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    """The polygons of a Polygon, MultiPolygon or GeometryCollection."""
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [p for g in getattr(geom, "geoms", []) for p in _polygons(g)]


def _format_degrees(value: float, positive: str, negative: str) -> str:
    """``23.5`` → ``"23.5°E"``; integer values without decimals."""
    hemisphere = positive if value >= 0 else negative
    text = f"{abs(value):.0f}" if float(value).is_integer() else f"{abs(value):g}"
    return f"{text}°{hemisphere}"


def draw_basemap(
    ax: Axes,
    borders: Borders,
    lon_min: float,
    lon_max: float,
    lat_min: float,
    lat_max: float,
    label_min_fraction: float = 0.005,
) -> None:
    """Draw country outlines, names, a graticule and the border attribution.

    The axis uses an equirectangular projection with aspect ``1 / cos(lat0)`` at the box's
    mid-latitude ``lat0``, so distances are true to scale along that parallel.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    borders : Borders
    lon_min, lon_max, lat_min, lat_max : float
        Map extent, degrees.
    label_min_fraction : float
        Countries covering less than this fraction of the map (in deg²) are not named.
    """
    map_area = (lon_max - lon_min) * (lat_max - lat_min)
    for country in borders.countries:
        polygons = _polygons(country.geometry)
        for polygon in polygons:
            for ring in (polygon.exterior, *polygon.interiors):
                x, y = ring.xy
                ax.plot(x, y, color="0.35", linewidth=0.8, zorder=1)
        if country.geometry.area >= label_min_fraction * map_area:
            largest = max(polygons, key=lambda p: p.area)
            point = largest.representative_point()
            ax.text(
                point.x,
                point.y,
                country.name.upper(),
                ha="center",
                va="center",
                fontsize=8,
                color="0.45",
                alpha=0.8,
                zorder=1,
                clip_on=True,
            )
    ax.set_xlim(lon_min, lon_max)
    ax.set_ylim(lat_min, lat_max)
    ax.set_aspect(1.0 / math.cos(math.radians(0.5 * (lat_min + lat_max))))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _format_degrees(v, "E", "W")))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _format_degrees(v, "N", "S")))
    ax.grid(True, color="0.8", linewidth=0.5, linestyle=":", zorder=0)
    ax.text(
        0.995,
        0.005,
        borders.source_label,
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=6,
        color="0.3",
        zorder=5,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1.5},
    )


def geodesic_circle(
    lat_deg: float, lon_deg: float, radius_m: float, n_points: int = 361
) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic circle: points at ``radius_m`` from the centre on the WGS84 ellipsoid.

    Parameters
    ----------
    lat_deg, lon_deg : float
        Centre, degrees.
    radius_m : float
        Geodesic distance, m.
    n_points : int
        Number of azimuths from 0° to 360° inclusive (closed ring).

    Returns
    -------
    lat_deg, lon_deg : numpy.ndarray, shape (n_points,)
    """
    az_deg = np.linspace(0.0, 360.0, n_points)
    lon, lat, _ = _WGS84.fwd(
        np.full(n_points, lon_deg), np.full(n_points, lat_deg), az_deg, np.full(n_points, radius_m)
    )
    return np.asarray(lat), np.asarray(lon)


def draw_range_ring(
    ax: Axes, lat_deg: float, lon_deg: float, radius_m: float, **style: Any
) -> Line2D:
    """Draw a geodesic range ring.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    lat_deg, lon_deg : float
        Centre, degrees.
    radius_m : float
        Radius, m (geodesic distance on WGS84).
    **style
        Passed to :meth:`matplotlib.axes.Axes.plot` (default: thin dashed red line).

    Returns
    -------
    matplotlib.lines.Line2D
    """
    lat, lon = geodesic_circle(lat_deg, lon_deg, radius_m)
    kwargs: dict[str, Any] = {
        "color": "tab:red",
        "linewidth": 1.0,
        "linestyle": "--",
        "zorder": 3,
    } | cbook.normalize_kwargs(style, Line2D)  # so lw= overrides linewidth, ls= linestyle
    (line,) = ax.plot(lon, lat, **kwargs)
    return line


def draw_site(ax: Axes, lat_deg: float, lon_deg: float, label: str, kind: str) -> Line2D:
    """Draw a site marker with its label.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    lat_deg, lon_deg : float
        Position, degrees.
    label : str
        Text written beside the marker (empty for none).
    kind : str
        One of :data:`SITE_STYLES` (radar, launcher, command_post, gun, battalion, city,
        reference).

    Returns
    -------
    matplotlib.lines.Line2D

    Raises
    ------
    IadsimError
        Unknown ``kind``.
    """
    if kind not in SITE_STYLES:
        raise IadsimError(f"unknown site kind {kind!r}; allowed: {', '.join(SITE_STYLES)}")
    style: dict[str, Any] = {"markersize": 6, "markeredgecolor": "white", "markeredgewidth": 0.5}
    style |= SITE_STYLES[kind]
    (marker,) = ax.plot([lon_deg], [lat_deg], linestyle="none", zorder=4, **style)
    if label:
        ax.annotate(
            label,
            (lon_deg, lat_deg),
            xytext=(4, 3),
            textcoords="offset points",
            fontsize=7,
            zorder=4,
        )
    return marker
