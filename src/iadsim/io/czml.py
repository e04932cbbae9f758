"""CZML writer (CesiumJS) for engagement replays, built with the czml3 library.

Reads the replay and events tables described in :mod:`iadsim.io.acmi`. The document is:

- the preamble packet ``document`` (name, CZML version ``1.0``) with a ``clock`` spanning the
  replay (start = first sample, loop-stop, × ``clock_multiplier``);
- one packet per object, id ``object/<object_id>``: ``availability`` from its first to its last
  sample; ``position`` sampled in ``cartographicDegrees`` ``[t, lon, lat, alt_msl_m, ...]``,
  ``t`` in seconds from ``epoch`` = ``reference_time``, linear interpolation; a ``point`` and a
  ``label`` (name) coloured by coalition; a ``path`` (trail) for flying kinds; an ``ellipse`` of
  the engagement range, when given, for ground objects;
- one packet per event, id ``event/<n>``, available from the event time for
  ``event_display_s``, with its text as ``description``. An event about a replay object gets a
  constant ``position`` where it happened (the position of ``object_id``, else ``other_id``, at
  the event time), a ``point`` and a ``label``; an event about no replay object (e.g. a fire
  unit's magazine exhausted, a false track) has no position and therefore no graphics: Cesium
  lists it but cannot draw it.

The tests load the file with CesiumJS's own ``CzmlDataSource`` under Node
(``tests/js/czml_check.mjs``) and compare the positions Cesium interpolates with the replay table.

Heights: CZML ``cartographicDegrees`` heights are above the WGS84 ellipsoid; the replay's
``alt_msl_m`` is written as is (MSL = HAE, the package-wide assumption, see ARCHITECTURE.md).

czml3 (https://github.com/Stoops-ML/czml3, ``pip install czml3``) is the maintained Python CZML
writer: its pydantic models check every property against the CZML schema as the document is
built, and load it back for the tests.

References
----------
Analytical Graphics / Cesium, "CZML Guide" and "Packet", "Position", "Clock", "Path"
reference pages, https://github.com/AnalyticalGraphicsInc/czml-writer/wiki.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from czml3 import CZML_VERSION, Document, Packet
from czml3.enums import ClockRanges, ClockSteps, InterpolationAlgorithms, LabelStyles
from czml3.properties import (
    Clock,
    Color,
    Ellipse,
    Label,
    Material,
    Path as CzmlPath,
    Point,
    PolylineMaterial,
    Position,
    SolidColorMaterial,
)
from czml3.types import Cartesian2Value, TimeInterval

from iadsim.io.acmi import (
    AIR_KINDS,
    DEFAULT_REFERENCE_TIME,
    event_position,
    iso_utc,
    prepare_replay,
)
from iadsim.io.files import write_text_atomic

COALITION_RGBA = {"red": [214, 39, 40, 255], "blue": [31, 119, 180, 255]}
"""Point, label and trail colour per coalition."""

EVENT_RGBA = {
    "launch": [255, 215, 0, 255],
    "intercept": [255, 127, 14, 255],
    "kill": [255, 0, 0, 255],
    "destroyed": [255, 0, 0, 255],
    "miss": [160, 160, 160, 255],
}
"""Point colour per event name (anything else: white)."""

POINT_PIXELS = {"radar": 9.0, "launcher": 9.0}
"""Point size per kind (others: 7 px)."""


def _label(text: str, rgba: list[int], font_pt: int, offset_px: list[float]) -> Label:
    """Outlined label beside its point."""
    return Label(
        text=text,
        font=f"{font_pt}pt sans-serif",
        style=LabelStyles.FILL_AND_OUTLINE,
        fillColor=Color(rgba=rgba),
        outlineColor=Color(rgba=[0, 0, 0, 255]),
        outlineWidth=2.0,
        pixelOffset=Cartesian2Value(values=offset_px),
    )


def object_packet_id(object_id: object) -> str:
    """CZML packet id of a replay object."""
    return f"object/{object_id}"


def build_czml(
    replay: pd.DataFrame,
    events: pd.DataFrame | None = None,
    reference_time: str = DEFAULT_REFERENCE_TIME,
    name: str = "iadsim replay",
    clock_multiplier: float = 10.0,
    trail_s: float = 120.0,
    event_display_s: float = 10.0,
) -> Document:
    """Build the czml3 ``Document`` written by :func:`write_czml` (parameters as there)."""
    df, order, ev, epoch, at = prepare_replay(replay, events, reference_time)

    t_end = max(float(df["time_s"].max()), float(ev["time_s"].max()) if len(ev) else 0.0)
    t_start = float(df["time_s"].min())
    packets = [
        Packet(
            id="document",
            name=name,
            version=CZML_VERSION,
            clock=Clock(
                interval=TimeInterval(start=at(t_start), end=at(t_end)),
                currentTime=at(t_start),
                multiplier=clock_multiplier,
                range=ClockRanges.LOOP_STOP,
                step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER,
            ),
        )
    ]
    groups = dict(tuple(df.groupby("object_id", sort=False)))
    for oid in order:
        rows = groups[oid]
        first = rows.iloc[0]
        rgba = COALITION_RGBA[first["coalition"]]
        samples = rows[["time_s", "lon_deg", "lat_deg", "alt_msl_m"]].to_numpy().ravel().tolist()
        path_graphic = None
        ellipse = None
        if first["kind"] in AIR_KINDS:
            path_graphic = CzmlPath(
                leadTime=0.0,
                trailTime=trail_s,
                width=2.0,
                material=PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=rgba))),
            )
        elif "engagement_range_m" in rows and rows["engagement_range_m"].notna().any():
            radius = float(rows["engagement_range_m"].dropna().iloc[0])
            ellipse = Ellipse(
                semiMajorAxis=radius,
                semiMinorAxis=radius,
                fill=True,
                material=Material(solidColor=SolidColorMaterial(color=Color(rgba=[*rgba[:3], 40]))),
                outline=True,
                outlineColor=Color(rgba=rgba),
            )
        packets.append(
            Packet(
                id=object_packet_id(oid),
                name=str(first["name"]),
                description=f"{first['name']} ({first['kind']}, {first['coalition']})",
                availability=TimeInterval(start=at(rows["time_s"].iloc[0]), end=at(rows["time_s"].iloc[-1])),
                position=Position(
                    epoch=iso_utc(epoch),
                    cartographicDegrees=samples,
                    interpolationAlgorithm=InterpolationAlgorithms.LINEAR,
                    interpolationDegree=1,
                ),
                point=Point(
                    pixelSize=POINT_PIXELS.get(first["kind"], 7.0),
                    color=Color(rgba=rgba),
                    outlineColor=Color(rgba=[255, 255, 255, 255]),
                    outlineWidth=1.0,
                ),
                label=_label(str(first["name"]), rgba, 12, [10.0, -10.0]),
                path=path_graphic,
                ellipse=ellipse,
            )
        )
    for n, (_, event) in enumerate(ev.iterrows()):
        text = f"{event['event']}: {event['text']}" if event["text"] else str(event["event"])
        where = event_position(df, event)
        t = float(event["time_s"])
        position = point = label = None
        if where is not None:  # graphics only where Cesium has a place to draw them
            lat, lon, alt = where
            position = Position(cartographicDegrees=[lon, lat, alt])
            point = Point(pixelSize=14.0, color=Color(rgba=EVENT_RGBA.get(event["event"], [255] * 4)))
            label = _label(text, [255, 255, 255, 255], 11, [12.0, 12.0])
        packets.append(
            Packet(
                id=f"event/{n}",
                name=str(event["event"]),
                description=text,
                availability=TimeInterval(start=at(t), end=at(t + event_display_s)),
                position=position,
                point=point,
                label=label,
            )
        )
    return Document(packets=packets)


def write_czml(
    path: str | os.PathLike[str],
    replay: pd.DataFrame,
    events: pd.DataFrame | None = None,
    reference_time: str = DEFAULT_REFERENCE_TIME,
    name: str = "iadsim replay",
    clock_multiplier: float = 10.0,
    trail_s: float = 120.0,
    event_display_s: float = 10.0,
) -> Path:
    """Write a replay as a CZML document (CesiumJS), atomically.

    Parameters
    ----------
    path : path-like
        Output ``.czml`` file (JSON, UTF-8).
    replay, events : pandas.DataFrame
        Replay and (optional) events tables, see :mod:`iadsim.io.acmi`.
    reference_time : str
        ISO-8601 UTC time of ``time_s = 0`` (the ``epoch`` of the sampled positions).
    name : str
        Document name.
    clock_multiplier : float
        Replay speed, simulated seconds per wall-clock second.
    trail_s : float
        Length of the trail drawn behind flying objects, s.
    event_display_s : float
        How long an event marker stays visible, s.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    document = build_czml(replay, events, reference_time, name, clock_multiplier, trail_s, event_display_s)
    return write_text_atomic(path, document.dumps() + "\n")
