"""Time-animated KML 2.2 replay (Google Earth time slider) with ``gx:Track``.

Reads the replay and events tables described in :mod:`iadsim.io.acmi`. The document holds:

- one ``Style`` per coalition (icon and trail line colour);
- one ``Folder`` per object kind (in :data:`~iadsim.io.acmi.REPLAY_KINDS` order, only kinds
  present), holding one ``Placemark`` per object with a ``gx:Track``: ``altitudeMode``
  ``absolute`` (heights MSL), then one ``when`` (ISO-8601 UTC) per sample and as many
  ``gx:coord`` ``"lon lat alt"`` (space-separated, the gx:Track convention; degrees to 1e-7°,
  metres to 1 cm), and ``gx:angles`` ``"heading 0 0"`` when a heading is given for every sample;
  the placemark's ``ExtendedData`` holds the object id, kind and coalition and, where given, the
  radar and engagement ranges;
- a ``Folder`` ``events`` with one ``Placemark`` per event: ``TimeStamp`` ``when`` at the event
  time and a ``Point`` where it happened (position of ``object_id``, else ``other_id``, at that
  time; no geometry if neither is given).

Written with :mod:`xml.etree.ElementTree`, like :mod:`iadsim.io.kml`.

References
----------
Open Geospatial Consortium (2008), "OGC KML", version 2.2.0, OGC 07-147r2 (TimeStamp, Folder,
Placemark, altitudeMode).
Google, "KML Reference — gx:Track" and "Time and Animation", Google Earth KML extensions
namespace ``http://www.google.com/kml/ext/2.2``.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd

from iadsim.io.acmi import (
    DEFAULT_REFERENCE_TIME,
    REPLAY_KINDS,
    event_position,
    prepare_replay,
)
from iadsim.io.files import write_text_atomic
from iadsim.io.kml import KML_NS, POINT_ICON, kml_color

GX_NS = "http://www.google.com/kml/ext/2.2"
"""Google extensions namespace (gx:Track, gx:coord, gx:angles)."""

COALITION_COLORS = {"red": "#d62728", "blue": "#1f77b4"}
"""Icon and trail colour per coalition, ``#rrggbb``."""

EVENT_STYLE_COLOR = "#ff7f0e"
"""Icon colour of event placemarks."""


def _k(tag: str) -> str:
    """KML element name: the default namespace, declared on the root (as in :mod:`iadsim.io.kml`)."""
    return tag


def _gx(tag: str) -> str:
    """Google-extension element name with the ``gx`` prefix declared on the root."""
    return f"gx:{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _style(document: ET.Element, style_id: str, color: str, icon_scale: float) -> None:
    style = _sub(document, _k("Style"))
    style.set("id", style_id)
    icon_style = _sub(style, _k("IconStyle"))
    _sub(icon_style, _k("color"), kml_color(color, 1.0))
    _sub(icon_style, _k("scale"), f"{icon_scale:g}")
    _sub(_sub(icon_style, _k("Icon")), _k("href"), POINT_ICON)
    line_style = _sub(style, _k("LineStyle"))
    _sub(line_style, _k("color"), kml_color(color, 1.0))
    _sub(line_style, _k("width"), "2")


def _extended_data(parent: ET.Element, values: dict[str, str]) -> None:
    extended = _sub(parent, _k("ExtendedData"))
    for key, value in values.items():
        data = _sub(extended, _k("Data"))
        data.set("name", key)
        _sub(data, _k("value"), value)


def build_replay_kml(
    replay: pd.DataFrame,
    events: pd.DataFrame | None = None,
    reference_time: str = DEFAULT_REFERENCE_TIME,
    name: str = "iadsim replay",
) -> ET.Element:
    """Build the ``<kml>`` root element written by :func:`write_replay_kml`."""
    df, order, ev, _, at = prepare_replay(replay, events, reference_time)

    root = ET.Element("kml", {"xmlns": KML_NS, "xmlns:gx": GX_NS})
    document = _sub(root, _k("Document"))
    _sub(document, _k("name"), name)
    _sub(document, _k("description"), f"Replay from {at(0.0)}; heights metres above mean sea level.")
    for coalition, color in COALITION_COLORS.items():
        _style(document, coalition, color, 0.8)
    _style(document, "event", EVENT_STYLE_COLOR, 1.2)

    groups = dict(tuple(df.groupby("object_id", sort=False)))
    kinds_present = set(df["kind"])
    for kind in REPLAY_KINDS:
        if kind not in kinds_present:
            continue
        folder = _sub(document, _k("Folder"))
        _sub(folder, _k("name"), kind)
        for oid in order:
            rows = groups[oid]
            first = rows.iloc[0]
            if first["kind"] != kind:
                continue
            placemark = _sub(folder, _k("Placemark"))
            _sub(placemark, _k("name"), str(first["name"]))
            _sub(placemark, _k("styleUrl"), f"#{first['coalition']}")
            data = {"object_id": str(oid), "kind": kind, "coalition": str(first["coalition"])}
            for column in ("radar_range_m", "engagement_range_m"):
                if column in rows and rows[column].notna().any():
                    data[column] = f"{float(rows[column].dropna().iloc[0]):g}"
            _extended_data(placemark, data)
            track = _sub(placemark, _gx("Track"))
            _sub(track, _k("altitudeMode"), "absolute")
            for t in rows["time_s"]:
                _sub(track, _k("when"), at(t))
            for lon, lat, alt in rows[["lon_deg", "lat_deg", "alt_msl_m"]].to_numpy():
                _sub(track, _gx("coord"), f"{lon:.7f} {lat:.7f} {alt:.2f}")
            if "heading_deg" in rows and np.isfinite(rows["heading_deg"].to_numpy()).all():
                for heading in rows["heading_deg"]:
                    _sub(track, _gx("angles"), f"{heading % 360.0:.2f} 0 0")

    if len(ev):
        folder = _sub(document, _k("Folder"))
        _sub(folder, _k("name"), "events")
        for _, event in ev.iterrows():
            text = f"{event['event']}: {event['text']}" if event["text"] else str(event["event"])
            placemark = _sub(folder, _k("Placemark"))
            _sub(placemark, _k("name"), text)
            _sub(_sub(placemark, _k("TimeStamp")), _k("when"), at(event["time_s"]))
            _sub(placemark, _k("styleUrl"), "#event")
            data = {"event": str(event["event"])}
            for column in ("object_id", "other_id"):
                value = event[column]
                if value is not None and not (isinstance(value, float) and np.isnan(value)):
                    data[column] = str(value)
            _extended_data(placemark, data)
            where = event_position(df, event)
            if where is not None:
                lat, lon, alt = where
                point = _sub(placemark, _k("Point"))
                _sub(point, _k("altitudeMode"), "absolute")
                _sub(point, _k("coordinates"), f"{lon:.7f},{lat:.7f},{alt:.2f}")
    ET.indent(root)
    return root


def write_replay_kml(
    path: str | os.PathLike[str],
    replay: pd.DataFrame,
    events: pd.DataFrame | None = None,
    reference_time: str = DEFAULT_REFERENCE_TIME,
    name: str = "iadsim replay",
) -> Path:
    """Write a replay as time-animated KML 2.2 (``gx:Track``), atomically.

    Parameters
    ----------
    path : path-like
        Output ``.kml`` file.
    replay, events : pandas.DataFrame
        Replay and (optional) events tables, see :mod:`iadsim.io.acmi`.
    reference_time : str
        ISO-8601 UTC time of ``time_s = 0``.
    name : str
        Document name shown in the viewer.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    root = build_replay_kml(replay, events, reference_time, name)
    text = ET.tostring(root, encoding="unicode")
    return write_text_atomic(path, '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n")
