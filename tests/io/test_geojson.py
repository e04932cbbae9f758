"""Tests of iadsim.io.geojson: RFC 7946 structure, orientation, round trip, atomic write."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from shapely.geometry import LinearRing, MultiPolygon, Point, box, shape

import iadsim
from iadsim.analysis.contours import polygon_area_km2
from iadsim.io import files
from iadsim.io.geojson import write_geojson

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
