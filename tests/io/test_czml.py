"""CZML writer: the file loads back into czml3's models; samples, epochs and intervals check out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from czml3 import Document, Packet
from czml3.properties import Position

from iadsim.io.czml import object_packet_id, write_czml

COLUMNS = [
    "time_s",
    "object_id",
    "name",
    "kind",
    "coalition",
    "lat_deg",
    "lon_deg",
    "alt_msl_m",
    "engagement_range_m",
]
REF = datetime(2022, 2, 10, 6, 0, tzinfo=UTC)


def replay_table() -> pd.DataFrame:
    rows = []
    for t in np.arange(0.0, 61.0, 2.0):
        rows.append((t, "f1", "Su-30SM", "aircraft", "blue", 53.9, 27.5 + 1e-3 * t, 6000.0, np.nan))
    for t in (20.0, 22.0, 24.0, 26.0):
        rows.append(
            (t, 7, "9M96E2", "sam", "red", 53.8 + 2e-3 * (t - 20), 27.6, 100.0 + 500 * (t - 20), np.nan)
        )
    for t in (0.0, 60.0):
        rows.append((t, "tel", "5P85SM2", "launcher", "red", 53.8, 27.6, 200.0, 120_000.0))
    return pd.DataFrame(rows, columns=COLUMNS)


def events_table() -> pd.DataFrame:
    return pd.DataFrame(
        [(20.0, "launch", 7, "tel", "away"), (26.0, "kill", "f1", 7, "")],
        columns=["time_s", "event", "object_id", "other_id", "text"],
    )


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def values(value: object) -> list[float]:
    """Numbers of a loaded czml3 value (``CartographicDegreesValue``) or of a plain list."""
    return list(getattr(value, "values", value))


@pytest.fixture()
def document(tmp_path: Path) -> Document:
    path = write_czml(tmp_path / "replay.czml", replay_table(), events_table())
    json.loads(path.read_text(encoding="utf-8"))  # plain JSON
    return Document.load(path)  # validated by czml3's pydantic models


def packets_by_id(document: Document) -> dict[str, Packet]:
    return {p.id: p for p in document.packets}


def test_preamble_and_clock(document: Document) -> None:
    preamble = document.packets[0]
    assert preamble.id == "document" and preamble.version == "1.0"
    interval = preamble.clock.interval
    assert parse_iso(interval.start) == REF
    assert parse_iso(interval.end) == REF + timedelta(seconds=60)
    assert parse_iso(preamble.clock.currentTime) == REF
    assert len(document.packets) == 1 + 3 + 2


def test_sampled_positions_epochs_and_availability(document: Document) -> None:
    packets = packets_by_id(document)
    replay = replay_table()
    for oid, rows in replay.groupby("object_id", sort=False):
        packet = packets[object_packet_id(oid)]
        position = packet.position
        assert isinstance(position, Position)
        assert parse_iso(position.epoch) == REF
        samples = np.asarray(values(position.cartographicDegrees), dtype=float).reshape(-1, 4)
        assert len(samples) == len(rows)  # one sample per replay row
        np.testing.assert_allclose(samples[:, 0], rows["time_s"])
        np.testing.assert_allclose(samples[:, 1], rows["lon_deg"], atol=1e-9)  # lon first
        np.testing.assert_allclose(samples[:, 2], rows["lat_deg"], atol=1e-9)
        np.testing.assert_allclose(samples[:, 3], rows["alt_msl_m"], atol=1e-9)
        assert parse_iso(packet.availability.start) == REF + timedelta(seconds=rows["time_s"].min())
        assert parse_iso(packet.availability.end) == REF + timedelta(seconds=rows["time_s"].max())
        assert packet.label.text == rows["name"].iloc[0]
        assert packet.point is not None
    assert packets["object/f1"].path is not None and packets["object/7"].path is not None
    assert packets["object/tel"].path is None
    assert packets["object/tel"].ellipse.semiMajorAxis == 120_000.0


def test_events_are_timed_points_and_labels(document: Document) -> None:
    packets = packets_by_id(document)
    launch, kill = packets["event/0"], packets["event/1"]
    assert parse_iso(launch.availability.start) == REF + timedelta(seconds=20)
    assert parse_iso(launch.availability.end) == REF + timedelta(seconds=30)
    assert launch.label.text == "launch: away"
    assert kill.label.text == "kill"
    # the kill is drawn where the fighter was at 26 s
    lon, lat, alt = values(kill.position.cartographicDegrees)
    assert (lon, lat, alt) == pytest.approx((27.5 + 0.026, 53.9, 6000.0))


def test_custom_reference_time(tmp_path: Path) -> None:
    path = write_czml(tmp_path / "r.czml", replay_table(), reference_time="2022-02-17T10:30:00+01:00")
    doc = Document.load(path)
    assert parse_iso(doc.packets[1].position.epoch) == datetime(2022, 2, 17, 9, 30, tzinfo=UTC)
    assert len(doc.packets) == 4  # no events
