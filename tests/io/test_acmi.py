"""Tacview ACMI writer: write; read back with the independent parser pyacmi (objects, names,
types, positions, removals; it ignores events) and with a small reader written from the
specification; check every line with a strict checker written from the specification (it is
itself tested on broken files); on synthetic tables and on real engagement runs.

Specification: Raia Software, "Technical Reference – ACMI flight recordings 2.2",
https://www.tacview.net/documentation/acmi/en/ (header, frames, object ids, ``T``, removal
lines, events ``Event=Type|FirstObjectId|...|EventText``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyacmi
import pytest
from vignettes import pantsir_one_jet

import iadsim
from iadsim.c2.doctrine import Doctrine
from iadsim.engine.air_picture import AirPictureConfig
from iadsim.engine.engagement import EngagementConfig
from iadsim.io.acmi import acmi_object_ids, build_acmi, write_acmi
from iadsim.scenario.model_figures import engagement_model
from iadsim.workflows import replay_tables

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
    assert acmi["removed"] == {int(ids[7], 16): 22.5}  # first frame after its last sample (20 s)
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


# ------------------------------------------------------------------ strict checker (the spec)
EVENT_TYPES = {"Message", "Bookmark", "Debug", "LeftArea", "Destroyed", "TakenOff", "Landed",
               "Timeout"}
"""Event types of the specification's table."""
HEX_ID = re.compile(r"[0-9a-fA-F]{1,16}")
"""Object ids: 64-bit hexadecimal, no prefix (leading zeros are checked separately)."""


def logical_lines(text: str) -> list[str]:
    """Lines, a line ending with an unescaped backslash continuing on the next one."""
    out: list[str] = []
    for line in text.split("\n"):
        if out and out[-1].endswith("\\") and not out[-1].endswith("\\\\"):
            out[-1] = out[-1][:-1] + "\n" + line
        else:
            out.append(line)
    return out


def split_raw(text: str, sep: str) -> list[str]:
    """Split on ``sep`` not preceded by a backslash, keeping the escapes."""
    return re.split(rf"(?<!\\){re.escape(sep)}", text)


def strict_check(text: str) -> list[str]:
    """Every departure from the ACMI 2.1 text format found in ``text`` (empty: none).

    Walks the file in order and tracks which objects are present: header lines
    ``FileType=text/acmi/tacview`` and ``FileVersion=2.1`` (or 2.2) first; LF line ends;
    ``0,ReferenceTime`` given (ISO 8601 UTC); frames ``#t`` strictly increasing and >= 0;
    object ids hexadecimal without prefix or leading zeros; object lines only after a frame,
    never after the object's ``-id`` removal, the first one with a complete ``T`` (longitude,
    latitude, altitude; 3, 5, 6 or 9 numeric components, within bounds); removals only of
    present objects, once; events of the specification's types, after a frame, with their
    mandatory text, ``Destroyed``/``LeftArea`` naming an object, and every object id they
    name present at that point (after its first line and before its removal).
    """
    problems: list[str] = []

    def bad(n: int, message: str) -> None:
        problems.append(f"line {n}: {message}")

    if "\r" in text:
        problems.append("CR in line ends (LF only)")
    lines = logical_lines(text.removeprefix("\ufeff"))
    if lines[0] != "FileType=text/acmi/tacview":
        bad(1, "header: FileType=text/acmi/tacview expected first")
    if len(lines) < 2 or not re.fullmatch(r"FileVersion=2\.[12]", lines[1]):
        bad(2, "header: FileVersion=2.1 expected second")
    t: float | None = None
    present: dict[str, float | None] = {}
    removed: dict[str, float | None] = {}
    reference_time = False
    for n, line in enumerate(lines[2:], start=3):
        if not line:
            if n != len(lines):
                bad(n, "empty line")
            continue
        if line.startswith("//"):
            continue
        if line.startswith("#"):
            try:
                frame = float(line[1:])
            except ValueError:
                bad(n, f"bad frame {line!r}")
                continue
            if frame < 0 or (t is not None and frame <= t):
                bad(n, f"frame {frame} not after {t}")
            t = frame
            continue
        if line.startswith("-"):
            oid = line[1:]
            if oid not in present:
                bad(n, f"removal of {oid!r}, which never appeared")
            elif oid in removed:
                bad(n, f"{oid} removed twice")
            else:
                removed[oid] = t
            continue
        fields = split_raw(line, ",")
        oid = fields[0]
        if not HEX_ID.fullmatch(oid) or (oid != "0" and oid.startswith("0")):
            bad(n, f"bad object id {oid!r} (hexadecimal, no prefix or leading zeros)")
            continue
        props = []
        for field in fields[1:]:
            if "=" not in field:
                bad(n, f"property without '=': {field!r}")
            else:
                props.append(tuple(field.split("=", 1)))
        if oid == "0":
            for key, value in props:
                if key == "ReferenceTime":
                    reference_time = True
                    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", value):
                        bad(n, f"bad ReferenceTime {value!r}")
                elif key == "Event":
                    parts = value.split("|")
                    kind, refs = parts[0], parts[1:-1]
                    if t is None:
                        bad(n, "event before the first frame")
                    if kind not in EVENT_TYPES:
                        bad(n, f"unknown event type {kind!r}")
                    if len(parts) < 2:
                        bad(n, "event without its text (the last part is mandatory)")
                    if kind in ("Destroyed", "LeftArea") and not refs:
                        bad(n, f"{kind} names no object")
                    for ref in refs if kind != "Timeout" else []:
                        if not HEX_ID.fullmatch(ref):
                            bad(n, f"event names a bad id {ref!r}")
                        elif ref in removed:
                            bad(n, f"event names {ref} after its removal (at {removed[ref]})")
                        elif ref not in present:
                            bad(n, f"event names {ref} before its first appearance")
            continue
        if t is None:
            bad(n, f"object {oid} before the first frame")
        if oid in removed:
            bad(n, f"object {oid} after its removal (at {removed[oid]})")
        keys = dict(props)
        if "T" in keys:
            comps = keys["T"].split("|")
            if len(comps) not in (3, 5, 6, 9):
                bad(n, f"T with {len(comps)} components")
            try:
                values = [float(c) if c else None for c in comps]
            except ValueError:
                bad(n, f"T not numeric: {keys['T']!r}")
                values = [None] * len(comps)
            if oid not in present and None in values[:3]:
                bad(n, f"first T of {oid} lacks longitude, latitude or altitude")
            lon, lat = (values + [None, None])[:2]
            if (lon is not None and abs(lon) > 180) or (lat is not None and abs(lat) > 90):
                bad(n, f"T out of bounds: {keys['T']!r}")
        elif oid not in present:
            bad(n, f"first line of {oid} has no T")
        present.setdefault(oid, t)
    if not reference_time:
        problems.append("no 0,ReferenceTime")
    return problems


GOOD = """FileType=text/acmi/tacview
FileVersion=2.1
0,ReferenceTime=2022-02-10T06:00:00Z
#0
101,T=27.5|53.9|6000,Type=Air+FixedWing,Name=F-16C
102,T=27.6|53.8|100,Type=Weapon+Missile,Name=48N6E3
0,Event=Message|102|101|launch: 48N6E3 at F-16C
#10.5
101,T=27.6||
0,Event=Destroyed|101|F-16C destroyed
-102
#11
-101
0,Event=Bookmark|end
"""


@pytest.mark.parametrize(("mutate", "problem"), [
    (lambda s: s.replace("0,Event=Bookmark|end", "0,Event=Message|101|late"),
     "event names 101 after its removal"),
    (lambda s: s.replace("0,Event=Bookmark|end", "101,T=27.7||"), "object 101 after its removal"),
    (lambda s: s.replace("0,Event=Message|102|101|launch", "0,Event=Message|102|103|launch"),
     "event names 103 before its first appearance"),
    (lambda s: s.replace("#11", "#10.5"), "frame 10.5 not after 10.5"),
    (lambda s: s.replace("#11", "#9"), "frame 9.0 not after 10.5"),
    (lambda s: s.replace("FileType=text/acmi/tacview", "FileType=text/acmi"), "header: FileType"),
    (lambda s: s.replace("FileVersion=2.1\n", ""), "header: FileVersion"),
    (lambda s: s.replace("-102", "-104"), "removal of '104', which never appeared"),
    (lambda s: s.replace("#11\n-101", "#11\n-102"), "102 removed twice"),
    (lambda s: s.replace("101,T=27.5|53.9|6000", "0101,T=27.5|53.9|6000"), "bad object id '0101'"),
    (lambda s: s.replace("102,T=27.6|53.8|100", "102,T=27.6||100"), "first T of 102 lacks"),
    (lambda s: s.replace("0,Event=Destroyed|101|F-16C destroyed", "0,Event=Destroyed|101"),
     "Destroyed names no object"),
    (lambda s: s.replace("0,Event=Bookmark|end", "0,Event=Boom|end"), "unknown event type"),
    (lambda s: s.replace("0,ReferenceTime=2022-02-10T06:00:00Z\n", ""), "no 0,ReferenceTime"),
    (lambda s: s.replace("\n", "\r\n"), "CR in line ends"),
    (lambda s: s.replace("101,T=27.6||", "101,T=27.6|95|"), "T out of bounds"),
])
def test_strict_checker_catches_what_the_specification_forbids(mutate, problem):
    assert strict_check(GOOD) == []
    found = strict_check(mutate(GOOD))
    assert any(problem in p for p in found), found


def test_written_file_passes_the_strict_checker_and_pyacmi(tmp_path, capsys):
    path = write_acmi(tmp_path / "r.txt.acmi", replay_table(), events_table())
    assert strict_check(path.read_text(encoding="utf-8")) == []
    check_against_pyacmi(path, replay_table())


def test_events_about_absent_objects_keep_the_information_without_the_id(tmp_path):
    """An event naming an object after its removal (the missile ends at 20 s, removed at the
    next frame) or before its first sample names it in the text instead; a kill logged after
    the target's last sample keeps the target until then (its removal follows the event)."""
    replay = replay_table()
    ids = acmi_object_ids(replay)
    events = pd.concat([events_table(), pd.DataFrame([
        (27.0, "miss", 7, "f1", "self-destruct"),            # missile 7: last sample 20 s
        (2.0, "assign", "f1", 7, "engage"),                  # missile 7: first sample 10 s
        (32.0, "kill", "f1", None, "late kill"),             # f1: last sample 30 s
    ], columns=["time_s", "event", "object_id", "other_id", "text"])], ignore_index=True)
    text = build_acmi(replay, events)
    assert strict_check(text) == []
    acmi = read_acmi(text)
    assert (27.0, "Message", ids["f1"], "miss: self-destruct [9M96E2 (7): removed]") in acmi["events"]
    assert (2.0, "Message", ids["f1"], "assign: engage [9M96E2 (7): not yet present]") in acmi["events"]
    assert (32.0, "Destroyed", ids["f1"], "late kill") in acmi["events"]
    assert int(ids["f1"], 16) not in acmi["removed"]          # no frame after 32 s
    assert len(acmi["events"]) == len(events)


def check_against_pyacmi(path: Path, replay: pd.DataFrame) -> None:
    """pyacmi reads the file back: the same objects, names and types, and at every sample
    time of the replay table the position of the table (pyacmi holds the last written value
    of each T component; unchanged components are omitted by the writer)."""
    acmi = pyacmi.Acmi()
    acmi.load_acmi(str(path))
    assert acmi.file_type == "text/acmi/tacview" and acmi.file_version == 2.1
    assert acmi.reference_time is not None
    ids = acmi_object_ids(replay)
    assert set(acmi.objects) == set(ids.values())
    for oid, rows in replay.groupby("object_id", sort=False):
        obj = acmi.objects[ids[oid]]
        assert obj.name.replace("\\,", ",") == str(rows["name"].iloc[0])   # pyacmi keeps "\,"
        t = rows["time_s"].to_numpy()
        probe = np.round(t, 6) + 2e-7          # frames are written to the microsecond
        got = np.array([[obj.longitude(s), obj.latitude(s), obj.altitude(s)] for s in probe])
        np.testing.assert_allclose(got[:, 0], rows["lon_deg"], atol=1e-6, rtol=0)
        np.testing.assert_allclose(got[:, 1], rows["lat_deg"], atol=1e-6, rtol=0)
        np.testing.assert_allclose(got[:, 2], rows["alt_msl_m"], atol=0.01, rtol=0)
        if obj.removed_at is not None:
            assert obj.removed_at > t.max()


# -------------------------------------------------------------- real engagement runs (engine)
def pantsir_run(end_lat: float, missiles: bool, **config):
    """One Pantsir-S1 and one F-16C at 500 m flying south over it at 250 m/s (see
    tests/engine/test_engagement_consistency.py): with ``missiles`` and a 1 km lethal radius,
    the first 57E6E of a salvo kills and the second arrives after the kill; without, the guns
    fire until the jet's route ends near the site (its track is lost after that)."""
    sc = pantsir_one_jet(53.06 if missiles else 53.18, end_lat, missiles)
    return iadsim.run(sc, seed=4, config=EngagementConfig(
        air_picture=AirPictureConfig(report_interval_s=1.0), doctrine=Doctrine(salvo_size=2),
        **config))


@pytest.fixture(scope="module", params=["late missile", "route ends"])
def engagement_run(request):
    """(result, whether an event names the jet after its removal)."""
    if request.param == "late missile":
        return pantsir_run(52.9, True, lethal_radius_m=1000.0), True
    no_area = {k: 1e-9 for k in engagement_model().gun_target_area_m2}
    return pantsir_run(53.02, False, gun_target_area_m2=no_area), False


def test_engagement_replay_is_valid_acmi(engagement_run, tmp_path, capsys):
    """A real run's replay: strictly valid, read back by pyacmi with the replay's positions,
    every event of the run written (Destroyed for each kill), and the events about an object
    no longer present (the jet after its kill or the end of its route) name it in the text."""
    engagement_run, expect_late = engagement_run
    replay, events = replay_tables(engagement_run)
    path = write_acmi(tmp_path / "replay.txt.acmi", replay, events)
    text = path.read_text(encoding="utf-8")
    assert strict_check(text) == []
    check_against_pyacmi(path, replay)
    acmi = read_acmi(text)
    assert len(acmi["events"]) == len(events)
    kills = engagement_run.events[engagement_run.events["event"] == "kill"]
    assert sum(e[1] == "Destroyed" for e in acmi["events"]) == len(kills)
    jet = acmi_object_ids(replay)["jet"]
    late = [e for e in acmi["events"] if "[F-16C (jet): removed]" in e[-1]]
    assert bool(late) == expect_late and all(jet not in e[2:-1] for e in late)
    removed_at = acmi["removed"].get(int(jet, 16), np.inf)
    assert all(e[0] >= removed_at for e in late)
    if len(kills):                        # the jet ends where it was killed, at the kill
        t_kill = kills["time_s"].iloc[0]
        jet_rows = replay[replay["object_id"] == "jet"]
        assert jet_rows["time_s"].max() == t_kill


def test_sead_replay_shows_the_anti_radiation_missiles(tmp_path, capsys):
    """A SEAD run (tests/engine/test_sead.py's vignette): the ARMs are objects of the replay
    with their flights, and their launches and impacts are events; strictly valid, read back
    by pyacmi with the replay's positions."""
    from tests.engine.test_sead import fight, sead_text

    _, result = fight(sead_text(), t_end_s=300.0)
    replay, events = replay_tables(result)
    path = write_acmi(tmp_path / "replay.txt.acmi", replay, events)
    text = path.read_text(encoding="utf-8")
    assert strict_check(text) == []
    check_against_pyacmi(path, replay)
    arms = result.events[result.events["event"] == "arm_launch"]["missile_id"]
    assert len(arms) == 2 and set(arms) <= set(replay["object_id"])
    acmi = read_acmi(text)
    texts = " ".join(e[-1] for e in acmi["events"])
    assert "arm_launch" in texts and "arm_impact" in texts
