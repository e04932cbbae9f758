"""Tacview ACMI 2.x text writer (``.txt.acmi``) for engagement replays, and the replay-table contract.

The replay writers (this module, :mod:`iadsim.io.czml`, :mod:`iadsim.io.replay_kml`) all read the
same two tables, checked here by :func:`check_replay` and :func:`check_events`:

*Replay table* (pandas DataFrame), one row per (object, sample time):
``time_s`` (seconds after ``reference_time``, ≥ 0), ``object_id`` (any hashable, unique per
object), ``name``, ``kind`` (one of :data:`REPLAY_KINDS`), ``coalition`` (``'red'`` or
``'blue'``), ``lat_deg``, ``lon_deg`` (WGS84), ``alt_msl_m``; optional ``heading_deg``
(clockwise from true north), ``radar_range_m``, ``engagement_range_m`` (NaN = not given).
An object is present from its first to its last sample.

*Events table*: ``time_s``, ``event`` (``'launch'``, ``'intercept'``, ``'kill'``, ``'miss'``, ...),
``object_id`` (the object the event is about; for ``'kill'``/``'destroyed'`` the object destroyed),
``other_id`` (optional second object, e.g. the launcher of a launched missile, or the target of
an intercept), ``text``. An event may name an object at a time outside its span of samples
(e.g. a track lost after the threat's flight ended); each writer decides how to show that.

ACMI file layout written here (Tacview's text format, UTF-8, LF line ends):

- header ``FileType=text/acmi/tacview`` and ``FileVersion=2.1``;
- global object ``0``: ``ReferenceTime`` (UTC), ``DataSource``, ``Title``, ``Author``, ``Comments``;
- ``#<seconds>`` time frames relative to ``ReferenceTime``, to the microsecond (times equal at
  that resolution share a frame), in increasing order;
- object lines ``<hex id>,T=lon|lat|alt,...``: object ids are 64-bit hexadecimal without prefix
  or leading zeros (:func:`acmi_object_ids`); longitude and latitude in degrees (7 decimals,
  ≈1 cm), altitude in metres MSL. Transform components that did not change since the object's
  previous line are left empty, as the format allows (``T=27.51||``). On its first line an object
  gets ``Type`` (:data:`ACMI_TYPES`), ``Name``, ``Coalition``, ``Color`` (``Red``/``Blue``); the
  numeric properties ``HDG`` (heading, deg), ``RadarRange`` and ``EngagementRange`` (m) are
  written when given and whenever they change;
- heading is written as the ``HDG`` property rather than as the yaw of a 6-component transform:
  the replay has no roll or pitch, and the specification recommends ``HDG`` precisely so that
  Tacview keeps emulating the rotation (a ``T`` with zero roll and pitch would freeze it level);
- ``-<hex id>`` removes an object at the first frame after its last sample, or after its
  last ``Destroyed``/``LeftArea`` event if that comes later (the event that ends an object needs
  it present; e.g. a kill logged between two samples);
- events on object 0: ``0,Event=Destroyed|<id>|text`` for ``kill``/``destroyed``,
  ``0,Event=LeftArea|<id>|text`` for ``left_area``, ``0,Event=Bookmark|text`` for
  ``bookmark`` and ``0,Event=Message|<id>[|<other id>]|<event>: <text>`` for everything else
  (launch, intercept, miss, ...). The event text is the last ``|``-separated part, so a ``|``
  inside it is written as ``/``;
- **no event names an object that is not present**: an event may legitimately be about an
  object outside its span of samples (a track lost after the threat's flight ended; a second
  missile of a salvo self-destructing after the first destroyed the target), but Tacview ids
  refer to live objects. Such an id is left out of the event and the object is named in the
  text instead (``[F-16C (jet-2): removed]``, or ``not yet present``), so no information is
  lost; a ``Destroyed``/``LeftArea`` event whose object has not appeared yet is written as a
  ``Message``. Keeping every object until its last event instead would show a destroyed or
  landed threat frozen in the air until, e.g., its track times out;
- commas in text values are escaped as ``\\,`` and line ends as ``\\`` + newline.

References
----------
Raia Software, "Technical Reference – ACMI flight recordings 2.2" (also published for 2.1,
2016), https://www.tacview.net/documentation/acmi/en/ — header, object ids, ``T`` notations,
global and object properties (``RadarRange``, ``EngagementRange`` in m, ``HDG`` in deg,
``Color`` values), object type tags, events. Version 2.2 only adds properties; everything written
here is already in 2.1.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Hashable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from iadsim.io.files import write_text_atomic
from iadsim.version import __version__

# --------------------------------------------------------------------------------------------
# Replay-table contract shared by the ACMI, CZML and KML replay writers.
# --------------------------------------------------------------------------------------------

REPLAY_KINDS = (
    "aircraft",
    "cruise_missile",
    "drone",
    "sam",
    "radar",
    "launcher",
    "ballistic_missile",
    "helicopter",
)
"""Allowed values of the replay table's ``kind`` column (``'sam'``: a surface-to-air missile in
flight; its ground equipment is ``'launcher'`` and ``'radar'``)."""

AIR_KINDS = frozenset({"aircraft", "cruise_missile", "drone", "sam", "ballistic_missile", "helicopter"})
"""Kinds that fly (drawn with a trail by the CZML writer)."""

COALITIONS = ("red", "blue")
"""Allowed values of the ``coalition`` column."""

REPLAY_COLUMNS = ("time_s", "object_id", "name", "kind", "coalition", "lat_deg", "lon_deg", "alt_msl_m")
"""Required columns of the replay table."""

OPTIONAL_REPLAY_COLUMNS = ("heading_deg", "radar_range_m", "engagement_range_m")
"""Optional numeric columns of the replay table (NaN where not given)."""

EVENT_COLUMNS = ("time_s", "event", "object_id", "other_id", "text")
"""Columns of the events table."""

DEFAULT_REFERENCE_TIME = "2022-02-10T06:00:00Z"
"""Default UTC time of ``time_s = 0``."""

DESTROY_EVENTS = frozenset({"kill", "destroyed"})
"""Event names meaning that ``object_id`` was destroyed."""


def parse_reference_time(reference_time: str) -> datetime:
    """Parse an ISO-8601 time (``Z`` or offset; naive means UTC) to an aware UTC datetime."""
    try:
        parsed = datetime.fromisoformat(reference_time)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"reference_time must be ISO-8601, e.g. {DEFAULT_REFERENCE_TIME!r}, got {reference_time!r}"
        ) from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso_utc(time: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` (fraction only when non-zero)."""
    time = time.astimezone(UTC)
    text = time.strftime("%Y-%m-%dT%H:%M:%S")
    if time.microsecond:
        text += f".{time.microsecond:06d}".rstrip("0")
    return text + "Z"


def _is_missing(value: Any) -> bool:
    """True for None and NaN (pandas' missing markers)."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def check_replay(replay: pd.DataFrame) -> pd.DataFrame:
    """Validate the replay table and return a copy sorted by (time, input order).

    Raises
    ------
    ValueError
        Naming the missing column, the bad value and the allowed values.
    """
    missing = [c for c in REPLAY_COLUMNS if c not in replay.columns]
    if missing:
        raise ValueError(f"replay table lacks columns {missing}; required: {list(REPLAY_COLUMNS)}")
    if len(replay) == 0:
        raise ValueError("replay table is empty")
    df = replay.reset_index(drop=True).copy()
    for column in ("time_s", "lat_deg", "lon_deg", "alt_msl_m", *OPTIONAL_REPLAY_COLUMNS):
        if column in df.columns:
            df[column] = pd.to_numeric(df[column], errors="raise").astype(np.float64)
    for column in ("time_s", "lat_deg", "lon_deg", "alt_msl_m"):
        bad = ~np.isfinite(df[column].to_numpy())
        if bad.any():
            rows = np.flatnonzero(bad)[:5].tolist()
            raise ValueError(f"replay column {column!r} has non-finite values at rows {rows}")
    if (df["time_s"] < 0.0).any():
        raise ValueError("replay column 'time_s' must be >= 0 (seconds after reference_time)")
    if ((df["lat_deg"].abs() > 90.0) | (df["lon_deg"].abs() > 180.0)).any():
        raise ValueError("replay lat_deg must be in [-90, 90] and lon_deg in [-180, 180]")
    if df["object_id"].isna().any():
        raise ValueError("replay column 'object_id' has missing values")
    for column, allowed in (("kind", REPLAY_KINDS), ("coalition", COALITIONS)):
        bad_values = sorted(set(df[column].astype(str)) - set(allowed))
        if bad_values:
            raise ValueError(f"replay column {column!r} has {bad_values}; allowed: {list(allowed)}")
    per_object = df.groupby("object_id", sort=False)[["kind", "coalition"]].nunique()
    if (per_object > 1).any(axis=None):
        raise ValueError("each object_id must keep one kind and one coalition")
    if df.duplicated(["object_id", "time_s"]).any():
        raise ValueError("replay has two rows for the same (object_id, time_s)")
    df["name"] = df["name"].astype(str)
    return df.sort_values("time_s", kind="stable").reset_index(drop=True)


def check_events(events: pd.DataFrame | None, object_ids: set[Hashable]) -> pd.DataFrame:
    """Validate the events table (``None`` → empty) and return a copy sorted by time.

    ``object_id`` and ``other_id`` may be missing (NaN/None) but, when given, must name objects of
    the replay table.
    """
    if events is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_COLUMNS}).astype({"time_s": float})
    missing = [c for c in ("time_s", "event") if c not in events.columns]
    if missing:
        raise ValueError(f"events table lacks columns {missing}; columns: {list(EVENT_COLUMNS)}")
    df = events.reset_index(drop=True).copy()
    for column in ("object_id", "other_id", "text"):
        if column not in df.columns:
            df[column] = None
    df["time_s"] = pd.to_numeric(df["time_s"], errors="raise").astype(np.float64)
    if (~np.isfinite(df["time_s"].to_numpy())).any() or (df["time_s"] < 0.0).any():
        raise ValueError("events column 'time_s' must be finite and >= 0")
    df["text"] = ["" if _is_missing(t) else str(t) for t in df["text"]]
    df["event"] = df["event"].astype(str)
    for column in ("object_id", "other_id"):
        unknown = {v for v in df[column] if not _is_missing(v) and v not in object_ids}
        if unknown:
            names = sorted(map(str, unknown))
            raise ValueError(f"events column {column!r} names objects not in the replay: {names}")
    return df.sort_values("time_s", kind="stable").reset_index(drop=True)


def object_order(replay: pd.DataFrame) -> list[Hashable]:
    """Object ids in order of first appearance in a :func:`check_replay`-ed table."""
    return list(pd.unique(replay["object_id"]))


def prepare_replay(replay: pd.DataFrame, events: pd.DataFrame | None, reference_time: str
                   ) -> tuple[pd.DataFrame, list[Hashable], pd.DataFrame, datetime,
                              Callable[[float], str]]:
    """What every replay writer starts from: the checked replay, its object order, the checked
    events, the epoch of ``reference_time`` and ``at(t_s)`` → ISO 8601 UTC text."""
    df = check_replay(replay)
    order = object_order(df)
    ev = check_events(events, set(order))
    epoch = parse_reference_time(reference_time)

    def at(t_s: float) -> str:
        return iso_utc(epoch + timedelta(seconds=float(t_s)))

    return df, order, ev, epoch, at


def position_at(replay: pd.DataFrame, object_id: Hashable, time_s: float) -> tuple[float, float, float]:
    """(lat_deg, lon_deg, alt_msl_m) of an object at a time, linear between samples, clamped.

    Linear in latitude, longitude and altitude: exact at samples, and between samples of a
    replay (seconds apart) the difference from a geodesic is far below a display pixel.
    """
    rows = replay[replay["object_id"] == object_id]
    t = rows["time_s"].to_numpy()
    return (
        float(np.interp(time_s, t, rows["lat_deg"].to_numpy())),
        float(np.interp(time_s, t, rows["lon_deg"].to_numpy())),
        float(np.interp(time_s, t, rows["alt_msl_m"].to_numpy())),
    )


def event_position(replay: pd.DataFrame, event: pd.Series) -> tuple[float, float, float] | None:
    """Where an event is drawn: ``object_id``'s position at its time, else ``other_id``'s."""
    for column in ("object_id", "other_id"):
        value = event.get(column)
        if not _is_missing(value):
            return position_at(replay, value, float(event["time_s"]))
    return None


# --------------------------------------------------------------------------------------------
# ACMI
# --------------------------------------------------------------------------------------------

FILE_TYPE = "text/acmi/tacview"
FILE_VERSION = "2.1"

ACMI_TYPES = {
    "aircraft": "Air+FixedWing",
    "helicopter": "Air+Rotorcraft",
    "drone": "Light+Air+FixedWing",
    "cruise_missile": "Weapon+Missile",
    "ballistic_missile": "Heavy+Weapon+Missile",
    "sam": "Weapon+Missile",
    "launcher": "Ground+AntiAircraft",
    "radar": "Ground+Static+Sensor",
}
"""ACMI ``Type`` tags per replay kind, from the specification's tag list (it has no 'Radar' or
'UAV' tag: a radar is a static ground sensor, a drone a light fixed-wing aircraft)."""

ACMI_COLORS = {"red": "Red", "blue": "Blue"}
"""ACMI ``Color`` (one of Tacview's predefined colours) and ``Coalition`` per coalition."""

ACMI_ID_BASE = 0x100
"""ACMI id of the first object; the rest follow in order of first appearance."""


def acmi_object_ids(replay: pd.DataFrame) -> dict[Hashable, str]:
    """ACMI object id (hexadecimal, no prefix or leading zeros) of each replay ``object_id``.

    Ids are assigned in order of first appearance (time, then row order), starting at
    :data:`ACMI_ID_BASE`; object 0 is the global object and is never used.
    """
    order = object_order(check_replay(replay))
    return {oid: format(ACMI_ID_BASE + i, "x") for i, oid in enumerate(order)}


def escape_text(text: str) -> str:
    """Escape a text property value: ``,`` → ``\\,``, line end → ``\\`` + LF."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace(",", "\\,").replace("\n", "\\\n")


FRAME_DECIMALS = 6
"""Frame offsets are written in seconds to this many decimals (microseconds)."""


def _frame_time(time_s: float) -> str:
    """Frame offset in seconds, microsecond resolution, no trailing zeros."""
    text = f"{time_s:.{FRAME_DECIMALS}f}".rstrip("0").rstrip(".")
    return text or "0"


def _transform_parts(row: Any) -> tuple[str, str, str]:
    return f"{row.lon_deg:.7f}", f"{row.lat_deg:.7f}", f"{row.alt_msl_m:.2f}"


def _numeric_properties(row: Any, columns: set[str]) -> dict[str, str]:
    """HDG, RadarRange, EngagementRange of one replay row, where given (finite)."""
    props = {}
    for column, key, fmt in (
        ("heading_deg", "HDG", "{:.2f}"),
        ("radar_range_m", "RadarRange", "{:.1f}"),
        ("engagement_range_m", "EngagementRange", "{:.1f}"),
    ):
        if column in columns:
            value = getattr(row, column)
            if np.isfinite(value):
                props[key] = fmt.format(value % 360.0 if key == "HDG" else value)
    return props


#: Replay events that end their ``object_id`` in Tacview (``Destroyed`` / ``LeftArea``).
ENDING_EVENTS = DESTROY_EVENTS | {"left_area"}


def _event_line(event: pd.Series, ids: dict[Hashable, str],
                absent: dict[Hashable, str] | None = None) -> str:
    """``0,Event=...`` line of one event.

    ``absent``: objects of the event that are not present in the file at its time, with the
    note that names them in the text instead of by id (module notes).
    """
    absent = absent or {}
    name = str(event["event"])
    text = str(event["text"])
    objects = [event[c] for c in ("object_id", "other_id") if not _is_missing(event[c])]
    refs = [ids[o] for o in objects if o not in absent]
    notes = [f"[{absent[o]}]" for o in objects if o in absent]
    first_present = bool(objects) and objects[0] not in absent
    if name in DESTROY_EVENTS and first_present:
        kind, refs, message = "Destroyed", refs[:1], text or name
    elif name == "left_area" and first_present:
        kind, refs, message = "LeftArea", refs[:1], text
    elif name == "bookmark":
        kind, refs, message = "Bookmark", [], text or name
    else:
        kind, message = "Message", f"{name}: {text}" if text else name
    message = " ".join([message, *notes]).replace("|", "/")
    return "0,Event=" + "|".join([kind, *refs, escape_text(message)])


def build_acmi(
    replay: pd.DataFrame,
    events: pd.DataFrame | None = None,
    reference_time: str = DEFAULT_REFERENCE_TIME,
    title: str = "iadsim replay",
    author: str = "iadsim",
    comments: str = "",
) -> str:
    """Text of the ACMI file written by :func:`write_acmi`."""
    df = check_replay(replay)
    ids = {oid: format(ACMI_ID_BASE + i, "x") for i, oid in enumerate(object_order(df))}
    ev = check_events(events, set(ids))
    # frames are written to the microsecond: times equal at that resolution share one frame
    df["time_s"] = df["time_s"].round(FRAME_DECIMALS)
    ev["time_s"] = ev["time_s"].round(FRAME_DECIMALS)
    ref = parse_reference_time(reference_time)
    columns = set(df.columns)

    frames: dict[float, list[str]] = {}
    removals: dict[float, list[str]] = {}
    sample_times = np.unique(df["time_s"].to_numpy())
    last_t: dict[Hashable, tuple[str, str, str]] = {}
    last_props: dict[Hashable, dict[str, str]] = {}
    for row in df.itertuples(index=False):
        oid = row.object_id
        parts = _transform_parts(row)
        props = {"Name": escape_text(row.name)} | _numeric_properties(row, columns)
        if oid not in last_t:
            fields = ["T=" + "|".join(parts), f"Type={ACMI_TYPES[row.kind]}"]
            fields += [f"Coalition={ACMI_COLORS[row.coalition]}", f"Color={ACMI_COLORS[row.coalition]}"]
            changed = props
        else:
            previous = last_t[oid]
            delta = ["" if p == q else p for p, q in zip(parts, previous, strict=True)]
            fields = ["T=" + "|".join(delta)] if any(delta) else []
            changed = {k: v for k, v in props.items() if last_props[oid].get(k) != v}
        fields += [f"{k}={v}" for k, v in changed.items()]
        last_t[oid] = parts
        last_props[oid] = props
        if fields:
            frames.setdefault(float(row.time_s), []).append(f"{ids[oid]}," + ",".join(fields))
    span = df.groupby("object_id", sort=False)["time_s"].agg(["min", "max"])
    ending = ev[ev["event"].isin(ENDING_EVENTS) & ev["object_id"].isin(span.index)]
    last = span["max"].combine(ending.groupby("object_id")["time_s"].max(), max, fill_value=-np.inf)
    frame_times = np.union1d(sample_times, ev["time_s"].to_numpy())
    removed_at: dict[Hashable, float] = {}
    for oid, t_last in last.items():
        later = frame_times[frame_times > t_last]
        if later.size:
            removed_at[oid] = float(later[0])
            removals.setdefault(float(later[0]), []).append(f"-{ids[oid]}")
    names = df.groupby("object_id", sort=False)["name"].first()
    event_lines: dict[float, list[str]] = {}
    for _, event in ev.iterrows():
        t = float(event["time_s"])
        absent = {}
        for oid in (event["object_id"], event["other_id"]):
            if _is_missing(oid):
                continue
            if t < span.at[oid, "min"]:
                absent[oid] = f"{names[oid]} ({oid}): not yet present"
            elif t >= removed_at.get(oid, np.inf):
                absent[oid] = f"{names[oid]} ({oid}): removed"
        event_lines.setdefault(t, []).append(_event_line(event, ids, absent))

    lines = [f"FileType={FILE_TYPE}", f"FileVersion={FILE_VERSION}"]
    lines.append(f"0,ReferenceTime={iso_utc(ref)}")
    lines.append(f"0,DataSource={escape_text(f'iadsim {__version__}')}")
    lines.append(f"0,Title={escape_text(title)}")
    lines.append(f"0,Author={escape_text(author)}")
    if comments:
        lines.append(f"0,Comments={escape_text(comments)}")
    for t in sorted(set(frames) | set(removals) | set(event_lines)):
        lines.append(f"#{_frame_time(t)}")
        lines += frames.get(t, []) + event_lines.get(t, []) + removals.get(t, [])
    return "\n".join(lines) + "\n"


def write_acmi(
    path: str | os.PathLike[str],
    replay: pd.DataFrame,
    events: pd.DataFrame | None = None,
    reference_time: str = DEFAULT_REFERENCE_TIME,
    title: str = "iadsim replay",
    author: str = "iadsim",
    comments: str = "",
) -> Path:
    """Write a replay as a Tacview ACMI 2.1 text file, atomically.

    Parameters
    ----------
    path : path-like
        Output file, conventionally ``*.txt.acmi`` (Tacview also opens it zipped as ``*.zip.acmi``).
    replay : pandas.DataFrame
        Replay table (see the module docstring).
    events : pandas.DataFrame, optional
        Events table (see the module docstring).
    reference_time : str
        ISO-8601 UTC time of ``time_s = 0``.
    title, author, comments : str
        Global ``Title``, ``Author`` and ``Comments`` properties (``Comments`` omitted if empty).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    text = build_acmi(replay, events, reference_time, title, author, comments)
    return write_text_atomic(path, text)
