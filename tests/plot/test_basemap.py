"""Tests of iadsim.plot.basemap against published areas, treaty points and known city locations.

The shipped Natural Earth extract is tested everywhere; the DCW-GMT tests (and the comparison
of the two datasets) run where the Debian package gmt-dcw is installed or ``IADSIM_DCW`` points
at its ``dcw-gmt.nc``.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import sys
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import yaml
from pyproj import Geod
from shapely.geometry import LineString, Point
from shapely.geometry.polygon import orient

from iadsim.errors import IadsimError
from iadsim.plot import basemap
from iadsim.plot.basemap import (
    decode_dcw_segments,
    draw_basemap,
    draw_range_ring,
    draw_site,
    load_borders,
)

BBOX = (14.0, 33.0, 49.0, 57.5)  # lon_min, lon_max, lat_min, lat_max: Belarus and neighbours
GEOD = Geod(ellps="WGS84")
BORDERS_DIR = resources.files("iadsim") / "data" / "borders"
MAKE_BORDERS = Path(__file__).resolve().parents[2] / "tools" / "make_borders.py"


def _needs_dcw() -> None:
    if not basemap.dcw_path().is_file():
        pytest.skip("needs the Debian package gmt-dcw (or IADSIM_DCW=path/to/dcw-gmt.nc)")


@pytest.fixture(scope="module")
def ne_borders() -> basemap.Borders:
    return load_borders(*BBOX, source="naturalearth")


@pytest.fixture(scope="module")
def dcw_borders() -> basemap.Borders:
    _needs_dcw()
    return load_borders(*BBOX, source="dcw")


@pytest.fixture(params=["naturalearth", "dcw"])
def borders(request) -> basemap.Borders:
    return request.getfixturevalue(f"{'ne' if request.param == 'naturalearth' else 'dcw'}_borders")


def _area_km2(geometry) -> float:
    area_m2, _ = GEOD.geometry_area_perimeter(orient(geometry, sign=1.0))
    return area_m2 / 1e6


def _distance_m(geometry, lat_deg: float, lon_deg: float) -> float:
    """Geodesic distance from a point to the nearest vertex of a geometry's boundary."""
    xy = np.concatenate([np.asarray(g.coords) for g in getattr(geometry.boundary, "geoms",
                                                                   [geometry.boundary])])
    _, _, dist_m = GEOD.inv(np.full(len(xy), lon_deg), np.full(len(xy), lat_deg), xy[:, 0], xy[:, 1])
    return float(dist_m.min())


# --- both datasets -------------------------------------------------------------------------------

def test_required_countries_present(borders: basemap.Borders) -> None:
    codes = {c.iso2 for c in borders.countries}
    assert {"BY", "PL", "LT", "LV", "UA", "RU"} <= codes
    assert borders.get("BY").name == "Belarus"


@pytest.mark.parametrize(
    ("iso2", "area_km2"),
    [
        # CIA World Factbook, Geography > Area, total: Belarus 207,600 sq km, Lithuania 65,300 sq km
        # (https://www.cia.gov/the-world-factbook/countries/belarus/ , .../lithuania/).
        ("BY", 207_600.0),
        ("LT", 65_300.0),
        # Statistics Poland (GUS), Concise Statistical Yearbook of Poland: 312,696 km²
        # (CIA World Factbook: 312,685 sq km).
        ("PL", 312_696.0),
    ],
)
def test_area_matches_published(borders: basemap.Borders, iso2: str, area_km2: float) -> None:
    assert _area_km2(borders.get(iso2).geometry) == pytest.approx(area_km2, rel=0.02)


@pytest.mark.parametrize(
    ("iso2", "lat_deg", "lon_deg"),
    [
        ("PL", 52.23, 21.01),  # Warsaw
        ("LT", 54.69, 25.28),  # Vilnius
        ("BY", 53.90, 27.56),  # Minsk
        ("UA", 50.45, 30.52),  # Kyiv
        ("LV", 56.95, 24.11),  # Riga
        ("RU", 54.71, 20.51),  # Kaliningrad (exclave)
        # Either side of the Bug at the Terespol–Brest crossing, 2.9 km apart (Wikipedia:
        # Terespol 52°04′N 23°37′E; Brest Fortress 52°04′59″N 23°39′19″E).
        ("PL", 52.0667, 23.6167),
        ("BY", 52.0831, 23.6553),
    ],
)
def test_city_inside_its_country_only(
    borders: basemap.Borders, iso2: str, lat_deg: float, lon_deg: float
) -> None:
    point = Point(lon_deg, lat_deg)
    inside = [c.iso2 for c in borders.countries if c.geometry.contains(point)]
    assert inside == [iso2]


def test_belarus_latvia_lithuania_tripoint(borders: basemap.Borders) -> None:
    # Belarus–Lithuania border treaty of 6 February 1995: the border starts at the tripoint with
    # Latvia, marked by a monument at 55°40′50″N 26°37′48″E (Wikipedia, "Belarus–Lithuania
    # border"). All three countries reach it; Poland and Russia are far away.
    lat_deg, lon_deg = 55 + 40 / 60 + 50 / 3600, 26 + 37 / 60 + 48 / 3600
    for iso2 in ("BY", "LT", "LV"):
        assert _distance_m(borders.get(iso2).geometry, lat_deg, lon_deg) < 5e3, iso2
    for iso2 in ("PL", "RU"):
        assert _distance_m(borders.get(iso2).geometry, lat_deg, lon_deg) > 100e3, iso2


def test_geometries_valid_and_clipped(borders: basemap.Borders) -> None:
    lon_min, lon_max, lat_min, lat_max = BBOX
    for country in borders.countries:
        assert country.geometry.is_valid, country.iso2
        x0, y0, x1, y1 = country.geometry.bounds
        assert lon_min <= x0 and x1 <= lon_max and lat_min <= y0 and y1 <= lat_max


def test_figure_renders_with_source_label(borders: basemap.Borders) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    try:
        draw_basemap(ax, borders, *BBOX)
        ring = draw_range_ring(ax, 53.9, 27.57, 100e3, color="blue", lw=2.0)
        draw_site(ax, 53.9, 27.57, "Minsk", "city")
        fig.canvas.draw()
        assert ring.get_linewidth() == 2.0 and ring.get_color() == "blue"
        texts = [t.get_text() for t in ax.texts]
        assert borders.source_label in texts
        assert "BELARUS" in texts
        assert ax.get_aspect() == pytest.approx(1.0 / np.cos(np.radians(53.25)))
        assert ax.get_xticklabels()[1].get_text().endswith("°E")
        # Every ring vertex is 100 km (geodesic) from the centre.
        lon, lat = ring.get_data()
        _, _, dist_m = GEOD.inv(np.full(lon.size, 27.57), np.full(lat.size, 53.9), lon, lat)
        np.testing.assert_allclose(dist_m, 100e3, rtol=1e-9)
    finally:
        plt.close(fig)


# --- the shipped Natural Earth extract -----------------------------------------------------------

def _shipped() -> dict:
    return json.loads(gzip.decompress((BORDERS_DIR / basemap.NATURAL_EARTH_EXTRACT).read_bytes()))


def test_shipped_extract_is_cited_and_labelled(ne_borders: basemap.Borders) -> None:
    source = yaml.safe_load((BORDERS_DIR / "SOURCE.yaml").read_text(encoding="utf-8"))
    assert source == _shipped()["source"]  # one citation, in the data file and beside it
    assert source["dataset"] == "Natural Earth Admin 0 – Countries"
    assert (source["version"], source["scale"]) == ("4.1.0", "1:10m")
    assert source["redistribution"]["package"] == "npm world-atlas 2.0.2"
    assert "public domain" in source["license"]
    assert ne_borders.source_label == ("Borders: Natural Earth 4.1.0 admin-0, 1:10m, de-facto "
                                       "boundaries (public domain)")
    box = source["box_deg"]
    assert box["lon_min"] <= -30 and box["lon_max"] >= 60 and box["lat_min"] <= 25 and box["lat_max"] >= 75


def test_shipped_extract_is_valid_rfc7946() -> None:
    geojson_validator = pytest.importorskip("geojson_validator")
    collection = _shipped()
    assert geojson_validator.validate_structure(collection) == {}
    result = geojson_validator.validate_geometries(
        collection, criteria_problematic=("inner_and_exterior_ring_intersect", "self_intersection",
                                          "duplicate_nodes", "outside_lat_lon_boundaries"))
    assert result["invalid"] == {} and result["problematic"] == {}
    codes = [f["properties"]["iso2"] for f in collection["features"]]
    assert all(re.fullmatch(r"[A-Z]{2}|-99", c) for c in codes)
    assert len({c for c in codes if c != "-99"}) == sum(c != "-99" for c in codes)  # unique


def test_shipped_extract_de_facto_units_as_documented() -> None:
    # SOURCE.yaml states which de-facto boundaries Natural Earth 4.1.0 draws; check they hold.
    borders = load_borders(18.0, 45.0, 40.0, 50.0, source="naturalearth")
    simferopol, tiraspol, pristina = Point(34.10, 44.95), Point(29.63, 46.84), Point(21.16, 42.66)
    assert [c.iso2 for c in borders.countries if c.geometry.contains(simferopol)] == ["RU"]
    assert [c.iso2 for c in borders.countries if c.geometry.contains(tiraspol)] == ["MD"]
    assert [c.iso2 for c in borders.countries if c.geometry.contains(pristina)] == ["XK"]
    assert borders.get("XK").name == "Kosovo"


def test_box_beyond_the_extract_keeps_what_is_inside_and_says_so() -> None:
    borders = load_borders(55.0, 70.0, 45.0, 55.0, source="naturalearth")
    assert {"KZ", "RU"} <= {c.iso2 for c in borders.countries}
    assert max(c.geometry.bounds[2] for c in borders.countries) <= 62.0
    assert "none drawn outside its extract lon -32..62°, lat 25..82°" in borders.source_label
    assert load_borders(100.0, 120.0, 40.0, 50.0, source="naturalearth").countries == ()
    # A box given in 0..360° longitudes west of Greenwich is inside.
    west = load_borders(350.0, 358.0, 40.0, 44.0, source="naturalearth")
    assert {"ES", "PT"} <= {c.iso2 for c in west.countries}
    assert "none drawn" not in west.source_label


def test_missing_shipped_extract_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setattr(basemap, "NATURAL_EARTH_EXTRACT", "absent.geojson.gz")
    basemap.shipped_extract.cache_clear()
    try:
        with pytest.raises(IadsimError, match="absent.geojson.gz.*missing: reinstall iadsim"):
            load_borders(*BBOX, source="naturalearth")
    finally:
        basemap.shipped_extract.cache_clear()


def test_auto_prefers_dcw_and_falls_back_to_the_extract(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("IADSIM_DCW", str(tmp_path / "absent.nc"))
    assert load_borders(*BBOX).source_label.startswith("Borders: Natural Earth 4.1.0")
    monkeypatch.undo()
    _needs_dcw()
    assert "Digital Chart of the World" in load_borders(*BBOX).source_label


def test_datasets_agree(ne_borders: basemap.Borders, dcw_borders: basemap.Borders) -> None:
    for iso2 in ("BY", "LT"):  # wholly inside BBOX in both
        ne, dcw = ne_borders.get(iso2).geometry, dcw_borders.get(iso2).geometry
        assert _area_km2(ne) == pytest.approx(_area_km2(dcw), rel=0.01), iso2
        _, _, dist_m = GEOD.inv(ne.centroid.x, ne.centroid.y, dcw.centroid.x, dcw.centroid.y)
        assert dist_m < 5e3, iso2


# --- TopoJSON decoding of tools/make_borders.py --------------------------------------------------

@pytest.fixture(scope="module")
def make_borders():
    if not MAKE_BORDERS.is_file():
        pytest.skip("tools/make_borders.py is in the source tree only")
    spec = importlib.util.spec_from_file_location("make_borders", MAKE_BORDERS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_topojson_decoding_matches_the_specification_example(make_borders) -> None:
    # TopoJSON specification 1.1: the same topology plain and quantized; the polygon is arc 1
    # reversed in the plain form and arc 1 (quantized, delta-encoded) in the quantized form.
    plain = {"arcs": [[[102, 0], [103, 1], [104, 0], [105, 1]],
                      [[100, 0], [101, 0], [101, 1], [100, 1], [100, 0]]]}
    quantized = {"transform": {"scale": [0.0005000500050005, 0.00010001000100010001],
                               "translate": [100, 0]},
                 "arcs": [[[4000, 0], [1999, 9999], [2000, -9999], [2000, 9999]],
                          [[0, 0], [0, 9999], [2000, 0], [0, -9999], [-2000, 0]]]}
    arcs_plain, arcs_q = make_borders.decode_arcs(plain), make_borders.decode_arcs(quantized)
    half_step = 0.5 * np.array(quantized["transform"]["scale"]) + 1e-12  # quantization error
    assert np.all(np.abs(arcs_q[0] - arcs_plain[0]) <= half_step)
    ring_plain = make_borders.ring_coordinates(arcs_plain, [-2])
    assert np.all(np.abs(make_borders.ring_coordinates(arcs_q, [1]) - ring_plain) <= half_step)
    (polygon,) = make_borders.geometry_polygons({"type": "Polygon", "arcs": [[-2]]}, arcs_plain)
    assert polygon.area == pytest.approx(1.0)
    # Two arcs joined: the shared position is kept once.
    joined = make_borders.ring_coordinates([np.array([[0.0, 0], [1, 0], [1, 1]]),
                                            np.array([[1.0, 1], [0, 1], [0, 0]])], [0, 1])
    assert len(joined) == 5


def test_antimeridian_ring_is_unwrapped(make_borders) -> None:
    ring = np.array([[179.0, 60.0], [-179.0, 60.0], [-179.0, 62.0], [179.0, 62.0], [179.0, 60.0]])
    unwrapped = make_borders.unwrap_longitudes(ring)
    np.testing.assert_allclose(unwrapped[:, 0], [179.0, 181.0, 181.0, 179.0, 179.0])
    assert LineString(unwrapped).length == pytest.approx(8.0)


# --- errors and helpers --------------------------------------------------------------------------

def test_decode_segments_and_hole_flag() -> None:
    sep = 65535
    lon = np.array([sep, 0, 100, 100, 0, sep, 25, 75, 75, 25], dtype=np.uint16)
    lat = np.array([0, 0, 0, 100, 100, 1, 25, 25, 75, 75], dtype=np.uint16)
    rings = decode_dcw_segments(
        lon, lat, {"min": 20.0, "scale": 100.0}, {"min": 50.0, "scale": 50.0}
    )
    assert [hole for _, hole in rings] == [False, True]
    np.testing.assert_allclose(rings[0][0][2], [21.0, 52.0])
    np.testing.assert_allclose(rings[1][0][0], [20.25, 50.5])


def test_missing_dcw_file_says_how_to_install_and_what_else(tmp_path) -> None:
    with pytest.raises(IadsimError, match="apt-get install gmt-dcw") as err:
        load_borders(*BBOX, source="dcw", path=tmp_path / "absent.nc")
    assert "source='auto' or 'naturalearth'" in str(err.value)


def test_unknown_source_path_with_auto_and_bad_box() -> None:
    with pytest.raises(IadsimError, match="allowed: 'auto', 'dcw', 'naturalearth'"):
        load_borders(*BBOX, source="osm")
    with pytest.raises(IadsimError, match="path= needs source='dcw'"):
        load_borders(*BBOX, path="dcw-gmt.nc")
    with pytest.raises(IadsimError, match="lon_min < lon_max"):
        load_borders(33.0, 14.0, 49.0, 57.5)


def test_draw_site_rejects_unknown_kind() -> None:
    fig, ax = plt.subplots()
    try:
        with pytest.raises(IadsimError, match="radar"):
            draw_site(ax, 53.9, 27.57, "x", "spaceport")
    finally:
        plt.close(fig)


def test_naturalearth_shapefile(tmp_path) -> None:
    shapefile = pytest.importorskip("shapefile")
    path = tmp_path / "ne_admin0.shp"
    with shapefile.Writer(str(path), shapeType=shapefile.POLYGON) as writer:
        writer.field("NAME", "C", 40)
        writer.field("ISO_A2", "C", 3)
        writer.field("ISO_A2_EH", "C", 3)
        writer.poly([[(20.0, 50.0), (20.0, 52.0), (22.0, 52.0), (22.0, 50.0), (20.0, 50.0)]])
        writer.record("Testland", "-99", "TL")
        writer.poly([[(40.0, 50.0), (40.0, 51.0), (41.0, 51.0), (41.0, 50.0), (40.0, 50.0)]])
        writer.record("Faraway", "FA", "FA")
    borders = load_borders(21.0, 30.0, 49.0, 57.0, source="naturalearth", path=path)
    assert [(c.name, c.iso2) for c in borders.countries] == [("Testland", "TL")]
    assert borders.countries[0].geometry.bounds == (21.0, 50.0, 22.0, 52.0)
    assert "Natural Earth" in borders.source_label


def test_naturalearth_shapefile_needs_pyshp(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "shapefile", None)  # import fails as if not installed
    with pytest.raises(IadsimError, match="pip install pyshp"):
        load_borders(*BBOX, source="naturalearth", path=tmp_path / "ne.shp")
    # Without path= no pyshp is needed: the shipped extract.
    assert load_borders(*BBOX, source="naturalearth").get("BY").name == "Belarus"
