"""Tacview ACMI writer: write, parse back with a small reader written from the specification."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iadsim.io.acmi import acmi_object_ids, build_acmi, write_acmi

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
    "engagement_range_m",
]


def replay_table() -> pd.DataFrame:
    """A fighter flying east, a missile launched at it, a static radar and a static launcher."""
    rows = []
    for t in np.arange(0.0, 31.0, 5.0):
        rows.append(
            (
                t,
                "f1",
                "Su-30SM, Lead",
                "aircraft",
                "blue",
                53.9 + 1e-4 * t,
                27.5 + 0.00123457 * t,
                6000.0 - 10.0 * t,
                90.0,
                np.nan,
                np.nan,
            )
        )
    for t in (10.0, 15.0, 20.0):
        rows.append(
            (
                t,
                7,
                "9M96E2",
                "sam",
                "red",
                53.8 + 0.002 * (t - 10),
                27.6,
                100.0 + 400 * (t - 10),
                10.0,
                np.nan,
                np.nan,
            )
        )
    for t in np.arange(0.0, 31.0, 10.0):
        rows.append(
            (t, "radar", "96L6", "radar", "red", 53.81234567, 27.61234567, 210.0, np.nan, 300_000.0, np.nan)
        )
        rows.append((t, "tel", "5P85SM2", "launcher", "red", 53.8, 27.6, 200.0, np.nan, np.nan, 120_000.0))
    return pd.DataFrame(rows, columns=COLUMNS)


def events_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (10.0, "launch", 7, "tel", "9M96E2 away"),
            (20.0, "intercept", 7, "f1", "fuze, miss distance 4 m"),
            (20.0, "kill", "f1", 7, "Su-30SM destroyed"),
            (22.5, "miss", None, None, None),
        ],
        columns=["time_s", "event", "object_id", "other_id", "text"],
    )


def split_unescaped(text: str, sep: str) -> list[str]:
    """Split on ``sep`` not preceded by a backslash, then drop the escapes."""
    parts, current, i = [], "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current += text[i + 1]
            i += 2
            continue
        if text[i] == sep:
            parts.append(current)
            current = ""
        else:
            current += text[i]
        i += 1
    parts.append(current)
    return parts


def read_acmi(text: str) -> dict:
    """Minimal ACMI 2.x text reader, per the Tacview technical reference.

    Returns the header, global properties, events, per-object properties (last value) and
    per-object samples ``(time, lon, lat, alt)`` with empty T components carried forward, and
    removal times.
    """
    raw = text.split("\n")
    lines: list[str] = []
    for line in raw:  # a line ending with an unescaped backslash continues on the next one
        if lines and lines[-1].endswith("\\") and not lines[-1].endswith("\\\\"):
            lines[-1] = lines[-1][:-1] + "\n" + line
        else:
            lines.append(line)
    header = dict(line.split("=", 1) for line in lines[:2])
    out: dict = {
        "header": header,
        "global": {},
        "events": [],
        "props": {},
        "samples": {},
        "removed": {},
        "frames": [],
    }
    t = 0.0
    for line in lines[2:]:
        if not line:
            continue
        if line.startswith("#"):
            t = float(line[1:])
            out["frames"].append(t)
            continue
        if line.startswith("-"):
            out["removed"][int(line[1:], 16)] = t
            continue
        fields = split_unescaped(line, ",")
        oid = int(fields[0], 16)  # ids are hexadecimal
        for field in fields[1:]:
            key, value = field.split("=", 1)
            if oid == 0:
                if key == "Event":
                    out["events"].append((t, *value.split("|")))
                else:
                    out["global"][key] = value
            elif key == "T":
                prev = out["samples"].setdefault(oid, [])
                comps = value.split("|")
                last = prev[-1][1:] if prev else (None, None, None)
                lon, lat, alt = (float(c) if c else p for c, p in zip(comps[:3], last, strict=True))
                prev.append((t, lon, lat, alt))
            else:
                out["props"].setdefault(oid, {})[key] = value
    return out


def test_header_global_object_and_frames(tmp_path: Path) -> None:
    path = write_acmi(
        tmp_path / "r.txt.acmi", replay_table(), events_table(), comments="line 1\nline, 2", title="Test, run"
    )
    text = path.read_text(encoding="utf-8")
    assert text.startswith("FileType=text/acmi/tacview\nFileVersion=2.1\n")
    acmi = read_acmi(text)
    assert acmi["global"]["ReferenceTime"] == "2022-02-10T06:00:00Z"
    assert acmi["global"]["Title"] == "Test, run"
    assert acmi["global"]["Author"] == "iadsim"
    assert acmi["global"]["Comments"] == "line 1\nline, 2"
    assert acmi["global"]["DataSource"].startswith("iadsim ")
    assert acmi["frames"] == sorted(acmi["frames"])
    assert acmi["frames"] == [0.0, 5.0, 10.0, 15.0, 20.0, 22.5, 25.0, 30.0]


def test_objects_ids_types_and_properties(tmp_path: Path) -> None:
    replay = replay_table()
    ids = acmi_object_ids(replay)
    assert all(int(h, 16) > 0 and h == h.lower() and not h.startswith("0") for h in ids.values())
    acmi = read_acmi(write_acmi(tmp_path / "r.acmi", replay, events_table()).read_text())
    fighter, missile = acmi["props"][int(ids["f1"], 16)], acmi["props"][int(ids[7], 16)]
    radar, tel = acmi["props"][int(ids["radar"], 16)], acmi["props"][int(ids["tel"], 16)]
    assert fighter["Type"] == "Air+FixedWing" and fighter["Name"] == "Su-30SM, Lead"
    assert fighter["Coalition"] == "Blue" and fighter["Color"] == "Blue"
    assert float(fighter["HDG"]) == 90.0
    assert missile["Type"] == "Weapon+Missile" and missile["Color"] == "Red"
    assert tel["Type"] == "Ground+AntiAircraft" and float(tel["EngagementRange"]) == 120_000.0
    assert radar["Type"] == "Ground+Static+Sensor" and float(radar["RadarRange"]) == 300_000.0
    assert "EngagementRange" not in radar and "HDG" not in radar


def test_positions_and_times_round_trip(tmp_path: Path) -> None:
    replay = replay_table()
    ids = acmi_object_ids(replay)
    acmi = read_acmi(write_acmi(tmp_path / "r.acmi", replay).read_text())
    for oid, rows in replay.groupby("object_id", sort=False):
        samples = np.array(acmi["samples"][int(ids[oid], 16)])
        # static objects: unchanged lines are omitted, so compare at the written frames
        got = pd.DataFrame(samples, columns=["time_s", "lon", "lat", "alt"]).set_index("time_s")
        want = rows.set_index("time_s").loc[got.index]
        np.testing.assert_allclose(got["lon"], want["lon_deg"], atol=1e-6, rtol=0)
        np.testing.assert_allclose(got["lat"], want["lat_deg"], atol=1e-6, rtol=0)
        np.testing.assert_allclose(got["alt"], want["alt_msl_m"], atol=0.01, rtol=0)
        assert got.index[0] == rows["time_s"].min()
    fighter = np.array(acmi["samples"][int(ids["f1"], 16)])
    np.testing.assert_array_equal(fighter[:, 0], np.arange(0.0, 31.0, 5.0))  # moving: every sample


def test_unchanged_transform_components_are_omitted() -> None:
    text = build_acmi(replay_table())
    ids = acmi_object_ids(replay_table())
    missile_lines = [line for line in text.splitlines() if line.startswith(ids[7] + ",")]
    assert missile_lines[1].startswith(f"{ids[7]},T=|")  # longitude constant → empty component
    radar_lines = [line for line in text.splitlines() if line.startswith(ids["radar"] + ",")]
    assert len(radar_lines) == 1  # a static object is written once


def test_removal_and_events(tmp_path: Path) -> None:
    replay = replay_table()
    ids = acmi_object_ids(replay)
    acmi = read_acmi(write_acmi(tmp_path / "r.acmi", replay, events_table()).read_text())
    assert acmi["removed"] == {int(ids[7], 16): 25.0}  # first frame after its last sample (20 s)
    events = acmi["events"]
    assert (20.0, "Destroyed", ids["f1"], "Su-30SM destroyed") in events
    assert (10.0, "Message", ids[7], ids["tel"], "launch: 9M96E2 away") in events
    assert (20.0, "Message", ids[7], ids["f1"], "intercept: fuze, miss distance 4 m") in events
    assert (22.5, "Message", "miss") in events
    assert len(events) == 4


def test_reference_time_and_validation(tmp_path: Path) -> None:
    text = build_acmi(replay_table(), reference_time="2022-02-10T08:00:00+02:00")
    assert "0,ReferenceTime=2022-02-10T06:00:00Z" in text
    with pytest.raises(ValueError, match="reference_time"):
        build_acmi(replay_table(), reference_time="10 Feb 2022")
    with pytest.raises(ValueError, match="kind"):
        build_acmi(replay_table().assign(kind="tank"))
    with pytest.raises(ValueError, match="lacks columns"):
        build_acmi(replay_table().drop(columns="alt_msl_m"))
    with pytest.raises(ValueError, match="not in the replay"):
        build_acmi(replay_table(), events_table().assign(other_id="ghost"))
    # atomic: a failed write leaves the old file
    target = tmp_path / "keep.acmi"
    target.write_text("old")
    with pytest.raises(ValueError):
        write_acmi(target, replay_table().assign(coalition="green"))
    assert target.read_text() == "old"
