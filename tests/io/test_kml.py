"""Tests of iadsim.io.kml: namespace, folders, placemarks, coordinate order, styles, and validity
against the OGC KML 2.2 schema.

The schema is the one fastkml ships (``fastkml/schema/ogckml22.xsd``, which imports the Google
extensions ``kml22gx.xsd``, ``atom-author-link.xsd`` and ``xAL.xsd`` from the same directory). It
is applied with libxml2 twice: through lxml (always) and, where installed, through the
``xmllint`` program. :func:`kml_schema_errors` and :func:`xmllint_errors` are also used by
``test_replay_kml.py``.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import fastkml
import numpy as np
import pytest
from lxml import etree
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

import iadsim
from iadsim.analysis.contours import mask_to_polygons
from iadsim.io import files
from iadsim.io.kml import KML_NS, KmlStyle, kml_color, write_kml

KML_SCHEMA = Path(fastkml.__file__).parent / "schema" / "ogckml22.xsd"
"""OGC KML 2.2 schema (2008-01-23) as shipped by fastkml, with its imports beside it."""

XMLLINT_INSTALL = "apt-get install libxml2-utils"


class _RecordingResolver(etree.Resolver):
    """Records every document libxml2 loads while building the schema (and resolves none)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def resolve(self, system_url, public_id, context):
        self.urls.append(system_url)
        return None


def _offline_parser() -> tuple[etree.XMLParser, _RecordingResolver]:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    resolver = _RecordingResolver()
    parser.resolvers.add(resolver)
    return parser, resolver


@functools.lru_cache(maxsize=1)
def _schema_and_loaded() -> tuple[etree.XMLSchema, tuple[str, ...]]:
    parser, resolver = _offline_parser()
    schema = etree.XMLSchema(etree.parse(str(KML_SCHEMA), parser))
    return schema, tuple(resolver.urls)


def kml_schema_errors(path: Path) -> list[str]:
    """``line: message`` of every OGC KML 2.2 schema violation in a file (empty if valid)."""
    schema, _ = _schema_and_loaded()
    parser, _ = _offline_parser()
    ok = schema.validate(etree.parse(str(path), parser))
    errors = [f"{e.line}: {e.message}" for e in schema.error_log]
    assert ok == (not errors)
    return errors


def xmllint_errors(path: Path, external_tool: Callable[[str, bool, str], None]) -> tuple[int, str]:
    """Return code and messages of ``xmllint --noout --nonet --schema ogckml22.xsd path``."""
    xmllint = shutil.which("xmllint")
    external_tool("xmllint", xmllint is not None, XMLLINT_INSTALL)
    done = subprocess.run(
        [xmllint, "--noout", "--nonet", "--schema", str(KML_SCHEMA), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stderr

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


def contour_layers():
    """What the coverage workflow writes: grid-cell outlines with holes (ascending and descending
    latitude axes), a single Polygon, an empty region (no coverage at that level) and sites."""
    lat = 53.0 + 0.05 * np.arange(8)
    lon = 27.0 + 0.07 * np.arange(9)
    mask = np.zeros((8, 9), dtype=bool)
    mask[1:7, 1:8] = True
    mask[3:5, 3:5] = False  # a hole
    mask[0, 0] = True  # a part touching the main region at a corner only
    coverage = mask_to_polygons(lat, lon, mask)
    flipped = mask_to_polygons(lat[::-1], lon, mask)
    empty = mask_to_polygons(lat, lon, np.zeros_like(mask))
    assert len(coverage.geoms) == 2 and sum(len(p.interiors) for p in coverage.geoms) == 1
    assert empty.is_empty
    styled = KmlStyle("#2ca02c", line_width_px=2.0, fill_alpha=0.0, icon_scale=1.5)
    return [
        ("detection", [(coverage, "Pd>=0.5", {"pd_min": 0.5}, None),
                       (flipped, "Pd>=0.5 flipped", {"pd_min": 0.5}, styled),
                       (empty, "Pd>=0.9 (none)", {"pd_min": 0.9}, None)]),
        ("reach", [(Polygon([(26, 52), (27, 52), (27, 53)]), "triangle", {"ok": True, "n": 3}, styled)]),
        *layers(),
    ]


@pytest.fixture()
def coverage_kml(tmp_path) -> Path:
    return write_kml(tmp_path / "coverage.kml", contour_layers(), METADATA, name="coverage & <test>")


def test_schema_is_loaded_from_local_files_only() -> None:
    _, loaded = _schema_and_loaded()
    names = {Path(url).name for url in loaded}
    assert {"ogckml22.xsd", "kml22gx.xsd", "atom-author-link.xsd", "xAL.xsd"} <= names
    assert all(Path(url).resolve().parent == KML_SCHEMA.parent.resolve() for url in loaded), loaded


def test_coverage_kml_is_valid_against_ogc_kml22_schema(coverage_kml: Path) -> None:
    assert kml_schema_errors(coverage_kml) == []


def test_empty_region_is_a_placemark_without_geometry(coverage_kml: Path) -> None:
    root = ET.parse(coverage_kml).getroot()
    placemarks = {p.findtext("k:name", namespaces=NS): p for p in root.iter(f"{{{KML_NS}}}Placemark")}
    empty = placemarks["Pd>=0.9 (none)"]
    assert [child.tag.split("}")[1] for child in empty] == ["name", "styleUrl", "ExtendedData"]
    assert placemarks["Pd>=0.5"].find("k:MultiGeometry", NS) is not None


def _with_old_style_order(path: Path, out: Path) -> Path:
    """The coverage.kml Style as written before issue 10: LineStyle, PolyStyle, IconStyle."""
    tree = etree.parse(str(path))
    for style in tree.iter(f"{{{KML_NS}}}Style"):
        icon = style.find(f"{{{KML_NS}}}IconStyle")
        style.remove(icon)
        style.append(icon)
    tree.write(str(out), xml_declaration=True, encoding="UTF-8")
    return out


def test_schema_rejects_wrong_style_order(coverage_kml: Path, tmp_path) -> None:
    errors = kml_schema_errors(_with_old_style_order(coverage_kml, tmp_path / "bad.kml"))
    assert errors and all("IconStyle" in e and "not expected" in e for e in errors)


def test_xmllint_accepts_coverage_kml_and_rejects_wrong_order(
    coverage_kml: Path, tmp_path, external_tool
) -> None:
    rc, messages = xmllint_errors(coverage_kml, external_tool)
    assert rc == 0, messages
    rc, messages = xmllint_errors(_with_old_style_order(coverage_kml, tmp_path / "bad.kml"), external_tool)
    assert rc != 0 and "IconStyle" in messages


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch) -> None:
    def fail(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", fail)
    with pytest.raises(OSError):
        write_kml(tmp_path / "x.kml", layers(), METADATA)
    assert os.listdir(tmp_path) == []
