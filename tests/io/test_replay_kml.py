"""Time-animated KML replay: namespaces, folders, gx:Track samples (lon lat alt), ISO-8601 times,
and validity against the OGC KML 2.2 schema with Google's gx extensions (fastkml's copy, libxml2;
the helpers live in test_kml.py)."""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from iadsim.io.replay_kml import write_replay_kml

_spec = importlib.util.spec_from_file_location("kml_schema_helpers", Path(__file__).with_name("test_kml.py"))
_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_helpers)
kml_schema_errors = _helpers.kml_schema_errors
xmllint_errors = _helpers.xmllint_errors

KML = "{http://www.opengis.net/kml/2.2}"
GX = "{http://www.google.com/kml/ext/2.2}"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
REF = datetime(2022, 2, 10, 6, 0, tzinfo=UTC)
COLUMNS = [
    "time_s",
    "object_id",
    "name",
    "kind",
    "coalition",
    "lat_deg",
    "lon_deg",
    "alt_msl_m",
    "heading_deg",
    "radar_range_m",
]


def replay_table() -> pd.DataFrame:
    rows = []
    for t in np.arange(0.0, 41.0, 4.0):
        rows.append((t, "f1", "Su-30SM", "aircraft", "blue", 53.9, 27.5 + 1e-3 * t, 6000.0 - t, 95.0, np.nan))
        rows.append(
            (t, "f2", "Su-30SM #2", "aircraft", "blue", 53.95, 27.5 + 1e-3 * t, 6100.0, np.nan, np.nan)
        )
    for t in (12.0, 16.5, 20.0):
        rows.append(
            (
                t,
                "m1",
                "9M96E2",
                "sam",
                "red",
                53.8 + 2e-3 * (t - 12),
                27.6,
                500.0 * (t - 12) + 100,
                10.0,
                np.nan,
            )
        )
    rows.append((0.0, "r1", "96L6", "radar", "red", 53.81, 27.61, 210.0, np.nan, 300_000.0))
    return pd.DataFrame(rows, columns=COLUMNS)


def events_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (12.0, "launch", "m1", None, "away"),
            (20.0, "kill", "f1", "m1", "splash"),
            (30.0, "bookmark", None, None, "end"),
        ],
        columns=["time_s", "event", "object_id", "other_id", "text"],
    )


@pytest.fixture()
def replay_kml(tmp_path: Path) -> Path:
    return write_replay_kml(tmp_path / "replay.kml", replay_table(), events_table(), name="raid <1> & co")


@pytest.fixture()
def root(replay_kml: Path) -> ET.Element:
    path = replay_kml
    text = path.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert 'xmlns="http://www.opengis.net/kml/2.2"' in text
    assert 'xmlns:gx="http://www.google.com/kml/ext/2.2"' in text
    return ET.parse(path).getroot()


def folders(root: ET.Element) -> dict[str, ET.Element]:
    return {f.findtext(f"{KML}name"): f for f in root.iter(f"{KML}Folder")}


def test_namespaces_and_folders_by_kind(root: ET.Element) -> None:
    assert root.tag == f"{KML}kml"
    found = folders(root)
    assert list(found) == ["aircraft", "sam", "radar", "events"]
    assert len(found["aircraft"].findall(f"{KML}Placemark")) == 2
    assert len(found["sam"].findall(f"{KML}Placemark")) == 1
    assert len(root.findall(f".//{GX}Track")) == 4


def test_tracks_when_and_coord(root: ET.Element) -> None:
    replay = replay_table()
    for placemark in root.iter(f"{KML}Placemark"):
        track = placemark.find(f"{GX}Track")
        if track is None:
            continue
        oid = placemark.find(f".//{KML}Data[@name='object_id']/{KML}value").text
        rows = replay[replay["object_id"] == oid]
        assert track.findtext(f"{KML}altitudeMode") == "absolute"
        whens = [w.text for w in track.findall(f"{KML}when")]
        coords = np.array([[float(v) for v in c.text.split()] for c in track.findall(f"{GX}coord")])
        assert len(whens) == len(coords) == len(rows)
        assert all(ISO_Z.match(w) for w in whens)
        times = [(datetime.fromisoformat(w) - REF).total_seconds() for w in whens]
        np.testing.assert_allclose(times, rows["time_s"])
        # coordinate order is lon lat alt
        np.testing.assert_allclose(coords[:, 0], rows["lon_deg"], atol=1e-7)
        np.testing.assert_allclose(coords[:, 1], rows["lat_deg"], atol=1e-7)
        np.testing.assert_allclose(coords[:, 2], rows["alt_msl_m"], atol=0.01)
        angles = track.findall(f"{GX}angles")
        has_heading = rows["heading_deg"].notna().all()
        assert len(angles) == (len(rows) if has_heading else 0)
        if has_heading:
            assert float(angles[0].text.split()[0]) == rows["heading_deg"].iloc[0]


def test_half_second_times_and_ranges(root: ET.Element) -> None:
    whens = [w.text for w in root.iter(f"{KML}when")]
    assert "2022-02-10T06:00:16.5Z" in whens
    radar = folders(root)["radar"].find(f"{KML}Placemark")
    assert radar.findtext(f".//{KML}Data[@name='radar_range_m']/{KML}value") == "300000"


def test_events_have_timestamps_and_points(root: ET.Element) -> None:
    placemarks = folders(root)["events"].findall(f"{KML}Placemark")
    assert [p.findtext(f"{KML}name") for p in placemarks] == ["launch: away", "kill: splash", "bookmark: end"]
    stamps = [p.findtext(f"{KML}TimeStamp/{KML}when") for p in placemarks]
    assert all(ISO_Z.match(s) for s in stamps)
    assert [datetime.fromisoformat(s) for s in stamps] == [REF + timedelta(seconds=s) for s in (12, 20, 30)]
    kill_point = placemarks[1].findtext(f"{KML}Point/{KML}coordinates")
    lon, lat, alt = (float(v) for v in kill_point.split(","))
    assert (lon, lat, alt) == pytest.approx((27.52, 53.9, 5980.0))  # f1 at 20 s
    assert placemarks[2].find(f"{KML}Point") is None  # no object, no geometry


def test_reference_time_option(tmp_path: Path) -> None:
    path = write_replay_kml(tmp_path / "r.kml", replay_table(), reference_time="2022-02-17T00:00:00Z")
    first = ET.parse(path).getroot().find(f".//{KML}when").text
    assert first == "2022-02-17T00:00:00Z"
    assert "events" not in folders(ET.parse(path).getroot())


def test_replay_kml_is_valid_against_ogc_kml22_schema(replay_kml: Path, tmp_path: Path) -> None:
    assert kml_schema_errors(replay_kml) == []
    without_events = write_replay_kml(tmp_path / "quiet.kml", replay_table())
    assert kml_schema_errors(without_events) == []


def _coord_before_when(path: Path, out: Path) -> Path:
    """Move the first gx:coord of a gx:Track before its first when (the schema wants all when first)."""
    tree = etree.parse(str(path))
    track = next(tree.iter(f"{GX}Track"))
    coord = track.find(f"{GX}coord")
    track.remove(coord)
    track.insert(list(track).index(track.find(f"{KML}when")), coord)
    tree.write(str(out), xml_declaration=True, encoding="UTF-8")
    return out


def test_schema_checks_inside_gx_track(replay_kml: Path, tmp_path: Path) -> None:
    """The gx extension schema is really applied (not skipped as foreign content)."""
    errors = kml_schema_errors(_coord_before_when(replay_kml, tmp_path / "bad.kml"))
    assert errors and "when" in errors[0] and "not expected" in errors[0]


def test_xmllint_accepts_replay_kml(replay_kml: Path, tmp_path: Path, external_tool) -> None:
    rc, messages = xmllint_errors(replay_kml, external_tool)
    assert rc == 0, messages
    rc, messages = xmllint_errors(_coord_before_when(replay_kml, tmp_path / "bad.kml"), external_tool)
    assert rc != 0 and "when" in messages
