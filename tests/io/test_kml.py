"""Tests of iadsim.io.kml: namespace, folders, placemarks, coordinate order, styles."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import pytest
from shapely.geometry import LineString, MultiPolygon, Point, box

import iadsim
from iadsim.io import files
from iadsim.io.kml import KML_NS, KmlStyle, kml_color, write_kml

NS = {"k": KML_NS}
METADATA = {
    "figure_set": "high",
    "sources": ["https://example.org/s-400 (brochure)"],
    "assumptions": ["k = 4/3 refraction", "MSL = HAE"],
}


def layers():
    coverage = MultiPolygon(
        [
            box(27.0, 53.0, 28.0, 54.0).difference(box(27.25, 53.25, 27.5, 53.5)),
            box(29, 52, 29.5, 52.5),
        ]
    )
    return [
        (
            "Coverage 100 m AGL",
            [(coverage, "Pd >= 0.5", {"altitude_m": 100.0}, KmlStyle("#ff8000", fill_alpha=0.5))],
        ),
        (
            "Sites",
            [
                (Point(27.567, 53.9), "Minsk CP", {"kind": "command_post"}, None),
                (Point(23.83, 53.68), "Grodno radar", {"kind": "radar"}, None),
                (LineString([(27.0, 53.0), (28.0, 54.0)]), "link", {}, None),
            ],
        ),
    ]


@pytest.fixture()
def root(tmp_path) -> ET.Element:
    path = tmp_path / "coverage.kml"
    write_kml(path, layers(), METADATA)
    text = path.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text)


def test_namespace_folders_and_placemarks(root: ET.Element) -> None:
    assert root.tag == f"{{{KML_NS}}}kml"
    folders = root.findall("k:Document/k:Folder", NS)
    assert [f.findtext("k:name", namespaces=NS) for f in folders] == ["Coverage 100 m AGL", "Sites"]
    assert [len(f.findall("k:Placemark", NS)) for f in folders] == [1, 3]
    assert len(root.findall(".//k:Point", NS)) == 2
    assert len(root.findall(".//k:LineString", NS)) == 1


def test_multipolygon_boundaries(root: ET.Element) -> None:
    polygons = root.findall(".//k:MultiGeometry/k:Polygon", NS)
    assert len(polygons) == 2
    assert len(polygons[0].findall("k:outerBoundaryIs/k:LinearRing/k:coordinates", NS)) == 1
    assert len(polygons[0].findall("k:innerBoundaryIs/k:LinearRing/k:coordinates", NS)) == 1
    assert polygons[1].find("k:innerBoundaryIs", NS) is None


def test_coordinates_are_lon_lat_alt(root: ET.Element) -> None:
    text = root.find(".//k:Point/k:coordinates", NS).text
    assert text == "27.567000,53.900000,0"
    for coords in root.iter(f"{{{KML_NS}}}coordinates"):
        for triple in coords.text.split():
            lon, lat, alt = map(float, triple.split(","))
            assert 20.0 < lon < 30.0 and 50.0 < lat < 55.0 and alt == 0.0


def test_styles_and_metadata(root: ET.Element) -> None:
    styles = {s.get("id"): s for s in root.findall("k:Document/k:Style", NS)}
    assert len(styles) == 2  # the orange coverage style and the shared default
    orange = styles[KmlStyle("#ff8000", fill_alpha=0.5).style_id]
    assert orange.findtext("k:PolyStyle/k:color", namespaces=NS) == "800080ff"  # aabbggrr
    for placemark in root.iter(f"{{{KML_NS}}}Placemark"):
        assert placemark.findtext("k:styleUrl", namespaces=NS).lstrip("#") in styles
    data = {
        d.get("name"): d.findtext("k:value", namespaces=NS)
        for d in root.findall("k:Document/k:ExtendedData/k:Data", NS)
    }
    assert data["iadsim_version"] == iadsim.__version__
    assert data["figure_set"] == "high"
    description = root.findtext("k:Document/k:description", namespaces=NS)
    assert "k = 4/3 refraction" in description and "s-400" in description
    kinds = [
        d.text
        for d in root.iterfind(".//k:Placemark/k:ExtendedData/k:Data[@name='kind']/k:value", NS)
    ]
    assert kinds == ["command_post", "radar"]


def test_kml_color_and_bad_style() -> None:
    assert kml_color("#ff8000", 1.0) == "ff0080ff"
    assert kml_color("#000000", 0.0) == "00000000"
    with pytest.raises(ValueError, match="rrggbb"):
        KmlStyle("orange")
    with pytest.raises(ValueError, match="fill_alpha"):
        KmlStyle(fill_alpha=1.5)


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch) -> None:
    def fail(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", fail)
    with pytest.raises(OSError):
        write_kml(tmp_path / "x.kml", layers(), METADATA)
    assert os.listdir(tmp_path) == []
