"""Tests of iadsim.io.geojson: RFC 7946 structure, orientation, round trip, atomic write.

Written files are checked by two validators we did not write: ``geojson-validator`` (RFC 7946
geometry rules: closed rings, right-hand winding, lon/lat bounds, 2-D positions, valid
geometries; structure incl. the forbidden ``crs`` member) and the official GeoJSON JSON Schema
(npm ``geojson-schema`` 1.0.5, ``tests/reference/geojson-schema/``, with jsonschema's draft-07
validator).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import geojson_validator
import numpy as np
import pytest
from jsonschema import Draft7Validator
from shapely.geometry import LinearRing, LineString, MultiPolygon, Point, Polygon, box, mapping, shape

import iadsim
from iadsim.analysis.contours import mask_to_polygons, polygon_area_km2
from iadsim.io import files
from iadsim.io.geojson import write_geojson

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "reference" / "geojson-schema"

RFC7946_PROBLEMS = (
    "inner_and_exterior_ring_intersect",
    "self_intersection",
    "duplicate_nodes",
    "excessive_coordinate_precision",
    "3d_coordinates",
    "outside_lat_lon_boundaries",
    "crosses_antimeridian",
)
"""geojson-validator's 'problematic' criteria that our files must also pass (all but 'holes',
which coverage legitimately has, and 'excessive_vertices', a limit of some web tools, not of
RFC 7946); every 'invalid' criterion is checked."""

geojson_validator.configure_logging(enabled=False)

METADATA = {
    "figure_set": "nominal",
    "sources": [{"url": "https://example.org/s-300", "title": "S-300 brochure"}],
    "assumptions": ["MSL = HAE over Belarus (geoid 20-25 m)"],
}


def coverage_with_hole() -> MultiPolygon:
    """Clockwise shell (wrong for RFC 7946) with a hole, plus a second part."""
    ring = box(27.0, 53.0, 28.0, 54.0).difference(box(27.25, 53.25, 27.5, 53.5))
    clockwise = type(ring)(ring.exterior.coords[::-1], [i.coords for i in ring.interiors])
    return MultiPolygon([clockwise, box(29.0, 52.0, 29.5, 52.5)])


def write(tmp_path, features):
    path = tmp_path / "coverage.geojson"
    write_geojson(path, features, METADATA)
    return json.loads(path.read_text(encoding="utf-8"))


def test_feature_collection_structure_and_metadata(tmp_path) -> None:
    doc = write(
        tmp_path,
        [
            (coverage_with_hole(), {"pd_min": 0.5, "altitude_m": np.float64(100.0)}),
            (Point(27.567, 53.9), {"name": "Minsk"}),
        ],
    )
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc  # RFC 7946 §4: WGS84 only, no crs member
    assert doc["metadata"]["iadsim_version"] == iadsim.__version__
    for key in ("figure_set", "sources", "assumptions"):
        assert doc["metadata"][key] == METADATA[key]
    kinds = [(f["type"], f["geometry"]["type"]) for f in doc["features"]]
    assert kinds == [("Feature", "MultiPolygon"), ("Feature", "Point")]
    assert doc["features"][0]["properties"] == {"pd_min": 0.5, "altitude_m": 100.0}
    assert doc["features"][1]["geometry"]["coordinates"] == [27.567, 53.9]  # lon, lat


def test_right_hand_rule(tmp_path) -> None:
    doc = write(tmp_path, [(coverage_with_hole(), {})])
    for polygon in doc["features"][0]["geometry"]["coordinates"]:
        exterior, *holes = polygon
        assert LinearRing(exterior).is_ccw
        assert all(not LinearRing(hole).is_ccw for hole in holes)
    assert len(doc["features"][0]["geometry"]["coordinates"][0]) == 2  # shell + hole


def test_round_trip_geometry_and_area(tmp_path) -> None:
    original = coverage_with_hole()
    doc = write(tmp_path, [(original, {})])
    back = shape(doc["features"][0]["geometry"])
    assert back.is_valid
    assert back.symmetric_difference(original).area == pytest.approx(0.0, abs=1e-12)
    assert polygon_area_km2(back) == pytest.approx(polygon_area_km2(original), rel=1e-9)


def test_coordinates_rounded_to_micro_degrees(tmp_path) -> None:
    doc = write(tmp_path, [(Point(27.123456789, 53.987654321), {})])
    assert doc["features"][0]["geometry"]["coordinates"] == [27.123457, 53.987654]


def test_missing_metadata_and_nan_refused(tmp_path) -> None:
    path = tmp_path / "x.geojson"
    with pytest.raises(ValueError, match="assumptions"):
        write_geojson(path, [], {"figure_set": "low", "sources": []})
    with pytest.raises(ValueError):
        write_geojson(path, [(Point(27, 53), {"pd": float("nan")})], METADATA)
    assert not path.exists()


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch) -> None:
    path = tmp_path / "coverage.geojson"
    write_geojson(path, [(Point(27, 53), {})], METADATA)
    before = path.read_text(encoding="utf-8")

    def fail(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_geojson(path, [(Point(28, 54), {})], METADATA)
    assert path.read_text(encoding="utf-8") == before
    assert os.listdir(tmp_path) == ["coverage.geojson"]  # no temporary file left behind


def geometry_problems(doc: dict, problematic: tuple[str, ...] = RFC7946_PROBLEMS) -> dict:
    """geojson-validator's findings: structure (incl. ``crs``), every 'invalid' geometry criterion
    and the ``problematic`` ones."""
    structure = geojson_validator.validate_structure(doc, check_crs=True)
    geometries = geojson_validator.validate_geometries(doc, criteria_problematic=problematic)
    found = {"structure": structure, **{key: geometries[key] for key in ("invalid", "problematic")}}
    return {key: value for key, value in found.items() if value}


def schema_errors(doc: dict) -> list[str]:
    """Violations of the official GeoJSON FeatureCollection JSON Schema (draft-07)."""
    schema = json.loads((SCHEMA_DIR / "FeatureCollection.json").read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in Draft7Validator(schema).iter_errors(doc)]


def coverage_features() -> list:
    """What the coverage workflow writes: grid-cell outlines (both latitude directions, holes,
    corner-touching parts), an empty region, sites and a ring line, plus hand-made shapes."""
    lat = 53.0 + 0.05 * np.arange(10)
    lon = 27.0 + 0.07 * np.arange(12)
    rng = np.random.default_rng(10)
    mask = rng.random((10, 12)) < 0.6
    mask[2:8, 2:10] = True
    mask[4:6, 4:6] = False  # a hole
    return [
        (mask_to_polygons(lat, lon, mask), {"layer": "detection", "pd_min": 0.5}),
        (mask_to_polygons(lat[::-1], lon, mask), {"layer": "detection", "pd_min": np.float64(0.9)}),
        (mask_to_polygons(lat, lon, np.zeros_like(mask)), {"layer": "engageable", "pd_min": 0.9}),
        (coverage_with_hole(), {"note": "clockwise input"}),
        (Polygon([(27, 53, 100.0), (28, 53, 100.0), (28, 54, 100.0)]), None),  # 3-D input, no properties
        (Point(27.567, 53.9), {"name": "Minsk"}),
        (LineString([(27.0, 53.0), (28.0, 54.0)]), {"name": "ring"}),
    ]


def test_written_file_passes_geojson_validator_and_json_schema(tmp_path) -> None:
    doc = write(tmp_path, coverage_features())
    assert geometry_problems(doc) == {}
    assert schema_errors(doc) == []
    assert all(isinstance(f["properties"], dict) for f in doc["features"])
    assert doc["features"][2]["geometry"] is None  # empty region: an unlocated Feature
    assert doc["features"][4]["properties"] == {}
    assert all(len(xy) == 2 for xy in doc["features"][4]["geometry"]["coordinates"][0])


def test_contours_follow_the_right_hand_rule_before_any_writer() -> None:
    """mask_to_polygons itself gives RFC 7946 winding, whichever way the latitude axis runs."""
    lat = 53.0 + 0.1 * np.arange(4)
    mask = np.ones((4, 4), dtype=bool)
    mask[1:3, 1:3] = False
    for lats, cells in ((lat, mask), (lat[::-1], mask[::-1])):
        doc = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {}, "geometry": mapping(mask_to_polygons(lats, lat, cells))}
            ],
        }
        doc = json.loads(json.dumps(doc))  # tuples -> lists, as in a file
        # cell edges are not yet rounded to 1e-6 degrees: that is the writer's job
        unrounded = tuple(c for c in RFC7946_PROBLEMS if c != "excessive_coordinate_precision")
        assert geometry_problems(doc, unrounded) == {}


def test_validators_flag_clockwise_ring_and_missing_properties() -> None:
    """The validators can fail: a clockwise exterior ring (right-hand rule broken), an unclosed
    ring, a latitude beyond 90° and a Feature without ``properties`` are all caught."""
    clockwise = [[[27.0, 53.0], [27.0, 54.0], [28.0, 54.0], [28.0, 53.0], [27.0, 53.0]]]
    unclosed = [[[27.0, 53.0], [28.0, 53.0], [28.0, 54.0], [27.0, 54.0]]]
    features = [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": clockwise}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": unclosed}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [27.0, 95.0]}},
    ]
    problems = geometry_problems({"type": "FeatureCollection", "features": features})
    assert problems["invalid"]["exterior_not_ccw"] == [0]
    assert problems["invalid"]["unclosed"] == [1]
    assert problems["problematic"]["outside_lat_lon_boundaries"] == [2]
    no_properties = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]}
    assert geometry_problems(no_properties)["structure"]
    assert any("properties" in e for e in schema_errors(no_properties))
    assert schema_errors({"type": "FeatureCollection", "features": features}) == []  # structure only


def test_out_of_range_coordinates_refused(tmp_path) -> None:
    path = tmp_path / "x.geojson"
    with pytest.raises(ValueError, match=r"feature 1: .*latitude in \[-90, 90\]"):
        write_geojson(path, [(Point(27, 53), {}), (Point(53.9, 127.5), {})], METADATA)  # lat/lon swapped
    with pytest.raises(ValueError, match="finite"):
        write_geojson(path, [(Point(27, float("nan")), {})], METADATA)
    assert not path.exists()
