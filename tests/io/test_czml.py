"""CZML writer: the file loads back into czml3's models and into CesiumJS; samples, epochs and
intervals check out.

The independent reader is CesiumJS's own ``CzmlDataSource`` under Node (``tests/js/czml_check.mjs``,
npm ``cesium`` pinned in ``tests/js/package.json``; install with ``npm ci --prefix tests/js``):
the positions Cesium interpolates are compared with the replay table.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from czml3 import Document, Packet
from czml3.properties import Position
from pyproj import Geod, Transformer

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
        [
            (20.0, "launch", 7, "tel", "away"),
            (26.0, "kill", "f1", 7, ""),
            (30.0, "missile_exhausted", None, None, "tel-1 magazine empty"),  # about no replay object
        ],
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
    assert len(document.packets) == 1 + 3 + 3


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
    # an event about no replay object has nowhere to be drawn: no position, no graphics
    unplaced = packets["event/2"]
    assert unplaced.position is None and unplaced.point is None and unplaced.label is None
    assert unplaced.description == "missile_exhausted: tel-1 magazine empty"


def test_custom_reference_time(tmp_path: Path) -> None:
    path = write_czml(tmp_path / "r.czml", replay_table(), reference_time="2022-02-17T10:30:00+01:00")
    doc = Document.load(path)
    assert parse_iso(doc.packets[1].position.epoch) == datetime(2022, 2, 17, 9, 30, tzinfo=UTC)
    assert len(doc.packets) == 4  # no events


# --------------------------------------------------------------------------------------------
# CesiumJS reads the file (independent reader)
# --------------------------------------------------------------------------------------------

JS_DIR = Path(__file__).resolve().parents[1] / "js"
CHECKER = JS_DIR / "czml_check.mjs"
CESIUM_INSTALL = "npm ci --prefix tests/js"
WGS84 = Geod(ellps="WGS84")
TO_ECEF = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)  # lon, lat, h -> x, y, z
TOLERANCE_M = 0.01


def cesium_available() -> bool:
    installed = (JS_DIR / "node_modules" / "cesium" / "package.json").is_file()
    return shutil.which("node") is not None and installed


def cesium_read(path: Path, times_s: list[float]) -> subprocess.CompletedProcess:
    """Run the Cesium checker on a CZML file, asking for positions at ``REF + times_s``."""
    at = [arg for t in times_s for arg in ("--at", iso(t))]
    command = [shutil.which("node"), str(CHECKER), str(path), *at]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def iso(t_s: float) -> str:
    return (REF + timedelta(seconds=t_s)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def error_m(cesium: dict, lat_deg: float, lon_deg: float, alt_m: float) -> float:
    """Distance between Cesium's position and (lat, lon, alt): geodesic on WGS84 and height."""
    _, _, horizontal_m = WGS84.inv(cesium["lon_deg"], cesium["lat_deg"], lon_deg, lat_deg)
    return float(np.hypot(horizontal_m, cesium["height_m"] - alt_m))


@pytest.fixture(scope="module")
def _cesium_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, list[float]] | None:
    """One Cesium run (Node start-up and Cesium's import take seconds) for the tests below."""
    if not cesium_available():
        return None
    path = write_czml(tmp_path_factory.mktemp("czml") / "replay.czml", replay_table(), events_table())
    sample_times = np.unique(replay_table()["time_s"])
    times = sorted({*sample_times, *(0.5 * (sample_times[1:] + sample_times[:-1])), 26.0, 61.0})
    return cesium_read(path, times), times


@pytest.fixture()
def cesium(_cesium_run, external_tool) -> tuple[dict, list[float]]:
    """What Cesium made of the replay CZML, with positions at every sample time and midway."""
    external_tool("node + cesium", _cesium_run is not None, CESIUM_INSTALL)
    done, times = _cesium_run
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), times


def test_cesium_loads_every_packet_and_the_clock(cesium) -> None:
    out, _ = cesium
    pinned = json.loads((JS_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]["cesium"]
    assert out["cesium_version"] == pinned
    written = [object_packet_id(oid) for oid in ("f1", 7, "tel")] + [f"event/{n}" for n in range(3)]
    assert sorted(e["id"] for e in out["entities"]) == sorted(written)  # the document packet is no entity
    assert parse_iso(out["clock"]["start"]) == REF
    assert parse_iso(out["clock"]["stop"]) == REF + timedelta(seconds=60)
    assert out["clock"]["multiplier"] == 10


def ecef_m(lat_deg, lon_deg, h_m) -> np.ndarray:
    """Earth-centred Cartesian coordinates (pyproj/PROJ, WGS84), m, shape (n, 3)."""
    return np.column_stack(TO_ECEF.transform(lon_deg, lat_deg, h_m))


def test_cesium_positions_equal_the_replay_table(cesium) -> None:
    """At every sample time Cesium's position is the replay table's (lat, lon, alt) within 1 cm.
    Midway between samples it is the straight line between them in Earth-centred coordinates,
    which is how CZML's linear interpolation of a Cartesian position is defined (it departs from
    linear in lat/lon/alt by ~d·Δh/4R, 2 cm for the climbing missile here). Outside an object's
    samples Cesium has no position (it is not drawn)."""
    out, times = cesium
    entities = {e["id"]: e for e in out["entities"]}
    replay = replay_table()
    at_samples = 0
    for oid, rows in replay.groupby("object_id", sort=False):
        entity = entities[object_packet_id(oid)]
        t = rows["time_s"].to_numpy()
        samples = ecef_m(rows["lat_deg"], rows["lon_deg"], rows["alt_msl_m"])
        assert parse_iso(entity["availability"]["start"]) == REF + timedelta(seconds=t[0])
        assert parse_iso(entity["availability"]["stop"]) == REF + timedelta(seconds=t[-1])
        for time_s in times:
            position = entity["positions"][iso(time_s)]
            if not t[0] <= time_s <= t[-1]:
                assert position is None, (oid, time_s)
                continue
            if time_s in t:
                row = rows[rows["time_s"] == time_s].iloc[0]
                error = error_m(position, row["lat_deg"], row["lon_deg"], row["alt_msl_m"])
                assert error < TOLERANCE_M, (oid, time_s, position, row)
                at_samples += 1
            cesium_xyz = ecef_m([position["lat_deg"]], [position["lon_deg"]], [position["height_m"]])[0]
            line_xyz = [np.interp(time_s, t, samples[:, k]) for k in range(3)]
            assert np.linalg.norm(cesium_xyz - line_xyz) < TOLERANCE_M, (oid, time_s)
    assert at_samples == len(replay)


def test_cesium_draws_every_visible_event_where_it_happened(cesium) -> None:
    out, _ = cesium
    entities = {e["id"]: e for e in out["entities"]}
    for entity in entities.values():
        if entity["has_point"] or entity["has_label"]:
            assert entity["position_at_start"] is not None, entity["id"]
    replay = replay_table()
    f1 = replay[replay["object_id"] == "f1"]
    kill = entities["event/1"]
    assert parse_iso(kill["availability"]["start"]) == REF + timedelta(seconds=26)
    expected = [np.interp(26.0, f1["time_s"], f1[c]) for c in ("lat_deg", "lon_deg", "alt_msl_m")]
    assert error_m(kill["position_at_start"], *expected) < TOLERANCE_M
    assert error_m(kill["positions"][iso(26.0)], *expected) < TOLERANCE_M  # same place as f1 then
    unplaced = entities["event/2"]
    assert not (unplaced["has_position"] or unplaced["has_point"] or unplaced["has_label"])


def test_cesium_checker_rejects_a_ragged_sample_array(tmp_path: Path, external_tool) -> None:
    """The checker can fail: one number missing from a cartographicDegrees array."""
    path = write_czml(tmp_path / "replay.czml", replay_table(), events_table())
    packets = json.loads(path.read_text(encoding="utf-8"))
    position = next(p for p in packets if p["id"] == "object/f1")["position"]
    position["cartographicDegrees"] = position["cartographicDegrees"][:-1]
    ragged = tmp_path / "ragged.czml"
    ragged.write_text(json.dumps(packets), encoding="utf-8")
    external_tool("node + cesium", cesium_available(), CESIUM_INSTALL)
    done = cesium_read(ragged, [10.0])
    assert done.returncode == 1 and "czml_check:" in done.stderr
    assert done.stdout == ""
