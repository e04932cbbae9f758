"""Tests of iadsim.plot.basemap against published areas and known city locations."""

from __future__ import annotations

import re
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point
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


@pytest.fixture(scope="module")
def borders() -> basemap.Borders:
    if not basemap.DCW_PATH.is_file():
        pytest.skip("needs the Debian package gmt-dcw")
    return load_borders(*BBOX)


def test_required_countries_present(borders: basemap.Borders) -> None:
    codes = {c.iso2 for c in borders.countries}
    assert {"BY", "PL", "LT", "LV", "UA", "RU"} <= codes
    assert borders.get("BY").name == "Belarus"
    assert "Digital Chart of the World" in borders.source_label
    assert re.search(r"GMT DCW \d+\.\d+", borders.source_label)


def test_belarus_area_matches_published(borders: basemap.Borders) -> None:
    # CIA World Factbook, "Belarus", Geography > Area: total 207,600 sq km
    # https://www.cia.gov/the-world-factbook/countries/belarus/ (same figure on Wikipedia).
    area_m2, _ = Geod(ellps="WGS84").geometry_area_perimeter(
        orient(borders.get("BY").geometry, sign=1.0)
    )
    assert area_m2 / 1e6 == pytest.approx(207_600.0, rel=0.02)


@pytest.mark.parametrize(
    ("iso2", "lat_deg", "lon_deg"),
    [
        ("PL", 52.23, 21.01),  # Warsaw
        ("LT", 54.69, 25.28),  # Vilnius
        ("BY", 53.90, 27.57),  # Minsk
        ("UA", 50.45, 30.52),  # Kyiv
        ("LV", 56.95, 24.11),  # Riga
        ("RU", 54.71, 20.51),  # Kaliningrad (exclave)
    ],
)
def test_capital_inside_its_country(
    borders: basemap.Borders, iso2: str, lat_deg: float, lon_deg: float
) -> None:
    point = Point(lon_deg, lat_deg)
    inside = [c.iso2 for c in borders.countries if c.geometry.contains(point)]
    assert inside == [iso2]


def test_geometries_valid_and_clipped(borders: basemap.Borders) -> None:
    lon_min, lon_max, lat_min, lat_max = BBOX
    for country in borders.countries:
        assert country.geometry.is_valid, country.iso2
        x0, y0, x1, y1 = country.geometry.bounds
        assert lon_min <= x0 and x1 <= lon_max and lat_min <= y0 and y1 <= lat_max


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


def test_missing_dcw_file_says_how_to_install(tmp_path) -> None:
    with pytest.raises(IadsimError, match="apt-get install gmt-dcw"):
        load_borders(*BBOX, path=tmp_path / "absent.nc")


def test_unknown_source_and_bad_box() -> None:
    with pytest.raises(IadsimError, match="allowed"):
        load_borders(*BBOX, source="osm")
    with pytest.raises(IadsimError, match="lon_min < lon_max"):
        load_borders(33.0, 14.0, 49.0, 57.5)


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
        _, _, dist_m = Geod(ellps="WGS84").inv(
            np.full(lon.size, 27.57), np.full(lat.size, 53.9), lon, lat
        )
        np.testing.assert_allclose(dist_m, 100e3, rtol=1e-9)
    finally:
        plt.close(fig)


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


def test_naturalearth_needs_pyshp_and_path(tmp_path, monkeypatch) -> None:
    with pytest.raises(IadsimError, match="path="):
        load_borders(*BBOX, source="naturalearth")
    monkeypatch.setitem(sys.modules, "shapefile", None)  # import fails as if not installed
    with pytest.raises(IadsimError, match="pip install pyshp"):
        load_borders(*BBOX, source="naturalearth", path=tmp_path / "ne.shp")
