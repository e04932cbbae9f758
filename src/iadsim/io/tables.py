"""Parquet tables (truth, detections, tracks, events, engagements, magazine, metrics),
self-describing.

Every column of every table we write is documented in one place, :data:`COLUMNS` (with
per-table meanings in :data:`TABLE_COLUMNS`): its unit, a description and its type. The writer
stores them as Arrow field metadata (``unit``, ``description``; an empty ``unit`` means the
column is not a quantity: an identifier, a label or a flag; ``"1"`` a dimensionless number) and
refuses a table with a column that is not documented, so no new column leaves undocumented.

At this output boundary the writer also turns the engine's "no value" markers into nulls: an
identifier of ``-1`` (a false alarm's or a false track's ``truth_id``, a coasted track's
``detection_index``, an event without a track) and an empty label are written as Arrow null,
NaN floats too; identifiers and counts are written as integers (nullable: pandas ``Int64``).
The in-memory tables of :class:`iadsim.engine.air_picture.AirPicture` keep ``-1``, which the
engine's array code relies on.

The track covariance ``cov`` stays one list column (the :func:`iadsim.tracking.run_tracker`
contract, one ``reshape`` from the matrix): row-major ``6 x 6`` covariance of the state
``[x_m, y_m, z_m, vx_m_s, vy_m_s, vz_m_s]`` in the command-post ENU frame, element ``(i, j)`` in
the product of the two states' units (m², m²/s, m²/s²); its field metadata says so, with the
keys ``layout`` and ``state``.

pyarrow writes no timestamps into Parquet files, so identical DataFrames give identical files;
the provenance of the run (version, seed, figure set, sources, assumptions) is stored as file
key-value metadata under ``iadsim``. Files are written atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from iadsim.errors import IadsimError
from iadsim.io.files import current_umask


@dataclass(frozen=True)
class Column:
    """How one column is written.

    Attributes
    ----------
    unit : str
        UDUNITS-style unit (``m``, ``s``, ``m s-1``, ``rad``, ``dB``, ``1``); ``""`` when the
        column is not a quantity (identifier, label, flag).
    description : str
    kind : {'float', 'id', 'count', 'label', 'flag', 'list'}
        ``id`` and ``count`` are written as integers (nullable), ``float`` as float64,
        ``label`` as strings, ``flag`` as booleans, ``list`` as a list of float64.
    none : object
        The engine's "no value" marker written as null (``-1`` for ids, ``""`` for labels).
    extra : dict
        Further field metadata (e.g. the covariance layout).
    """

    unit: str
    description: str
    kind: str = "float"
    none: object = None
    extra: dict = field(default_factory=dict)


_ENU = "in the command-post ENU frame (east, north, up about the frame origin of the provenance)"
_TRACK_STATE = ["x_m", "y_m", "z_m", "vx_m_s", "vy_m_s", "vz_m_s"]


def _id(what: str, none: object = -1) -> Column:
    return Column("", what, "id", none)


def _label(what: str) -> Column:
    return Column("", what, "label", "")


#: Columns by name, meaning shared by every table that has them.
COLUMNS: dict[str, Column] = {
    "time_s": Column("s", "time since the start of the run"),
    "truth_id": _id("index of the true object (threat) in the run; null: none (a false alarm or "
                    "false track, or an event about no object)"),
    "object_id": _label("scenario id of the true object; null: none"),
    "type": _label("equipment type of the object (library id)"),
    "lat_deg": Column("degrees_north", "latitude (WGS84)"),
    "lon_deg": Column("degrees_east", "longitude (WGS84)"),
    "alt_msl_m": Column("m", "altitude above mean sea level"),
    "x_m": Column("m", f"east position {_ENU}"),
    "y_m": Column("m", f"north position {_ENU}"),
    "z_m": Column("m", f"up position {_ENU}"),
    "vx_m_s": Column("m s-1", f"east velocity {_ENU}"),
    "vy_m_s": Column("m s-1", f"north velocity {_ENU}"),
    "vz_m_s": Column("m s-1", f"up velocity {_ENU}"),
    # detections
    "radar_id": _label("id of the radar that made the detection"),
    "scan": Column("", "scan number of the radar, counted from its first scan", "count"),
    "range_m": Column("m", "measured slant range from the radar antenna (with noise)"),
    "az_rad": Column("rad", "measured azimuth from the radar, clockwise from true north, "
                            "in [0, 2 pi)"),
    "el_rad": Column("rad", "measured elevation from the radar (4/3-Earth refracted geometry)"),
    "snr_db": Column("dB", "signal-to-noise ratio of the detection (mean SNR of a target; "
                           "drawn noise statistic of a false alarm)"),
    **{f"r_{a}{b}_m2": Column("m2", f"converted-measurement covariance element {a}{b} of the "
                                    f"detection position {_ENU}")
       for a, b in ("xx", "xy", "xz", "yy", "yz", "zz")},
    # tracks
    "tracker": _label("tracker: a radar id (its own tracker) or 'fused' (command post)"),
    "track_id": _id("track number, unique within its tracker; null: no track"),
    "status": _label("track status ('confirmed'; 'tentative' when reported)"),
    "cov": Column(
        "m2 (position block), m2 s-1 (position-velocity), m2 s-2 (velocity block)",
        f"state covariance of the track {_ENU}: row-major 6 x 6 matrix of the state "
        "[x_m, y_m, z_m, vx_m_s, vy_m_s, vz_m_s]; element (i, j) has the unit of state i times "
        "state j", "list",
        extra={"layout": "row-major 6x6", "state": json.dumps(_TRACK_STATE)}),
    "detection_index": _id("row of detections.parquet that last updated the track; null: "
                           "coasted (no detection this report)"),
    # events
    "event": _label("event kind (iadsim.engine.engagement.EVENT_PRIORITY)"),
    "unit_id": _label("id of the fire unit; null: none"),
    "missile_type": _label("missile type, or gun id for a gun burst; null: none"),
    "missile_id": _label("id of the missile (or gun burst); null: none"),
    "miss_m": Column("m", "miss distance of the missile: the flyout's closest approach plus the "
                          "missile's own guidance error; null: target already destroyed or none"),
    "pk": Column("1", "kill probability of the intercept or burst"),
    "detail": _label("free text: reasons, guidance mode, why a track ended; null: none"),
    # engagements
    "weapon": _label("'missile' (a salvo) or 'gun' (a burst)"),
    "missiles": Column("", "missiles launched in the salvo (0 for a gun burst)", "count"),
    "gun_rounds": Column("", "gun rounds fired in the burst; null for a missile salvo", "count"),
    "first_detection_s": Column("s", "time of the first detection of the target by any radar"),
    "track_confirmed_s": Column("s", "time the fused track of the target was first confirmed"),
    "assign_s": Column("s", "time the fire unit was assigned the target"),
    "launch_s": Column("s", "time of the first launch of the salvo (or the burst)"),
    "intercept_s": Column("s", "time of the earliest end of flight (fuze, miss) of the salvo"),
    "killed": Column("", "the target was killed by this engagement", "flag"),
    "detect_to_track_s": Column("s", "track_confirmed_s - first_detection_s"),
    "track_to_assign_s": Column("s", "assign_s - track_confirmed_s"),
    "reaction_s": Column("s", "launch_s - assign_s"),
    "flight_s": Column("s", "intercept_s - launch_s"),
    # magazine
    "rounds": Column("", "rounds aboard the fire unit of this missile type (gun: ammunition) "
                         "from this time on", "count"),
}

#: Per-table meanings that differ from :data:`COLUMNS` (table name = file stem).
TABLE_COLUMNS: dict[str, dict[str, Column]] = {
    "truth": {
        "x_m": Column("m", f"true east position {_ENU}"),
        "y_m": Column("m", f"true north position {_ENU}"),
        "z_m": Column("m", f"true up position {_ENU}"),
        "vx_m_s": Column("m s-1", f"true east velocity {_ENU} (central differences)"),
        "vy_m_s": Column("m s-1", f"true north velocity {_ENU} (central differences)"),
        "vz_m_s": Column("m s-1", f"true up velocity {_ENU} (central differences)"),
        "time_s": Column("s", "time of the truth sample since the start of the run"),
    },
    "detections": {
        "x_m": Column("m", f"detection position converted to east {_ENU}"),
        "y_m": Column("m", f"detection position converted to north {_ENU}"),
        "z_m": Column("m", f"detection position converted to up {_ENU}"),
        "time_s": Column("s", "time the beam passed the object (look time)"),
        "truth_id": _id("index of the detected true object; null: a false alarm"),
    },
    "tracks": {
        "x_m": Column("m", f"estimated east position {_ENU}"),
        "y_m": Column("m", f"estimated north position {_ENU}"),
        "z_m": Column("m", f"estimated up position {_ENU}"),
        "vx_m_s": Column("m s-1", f"estimated east velocity {_ENU}"),
        "vy_m_s": Column("m s-1", f"estimated north velocity {_ENU}"),
        "vz_m_s": Column("m s-1", f"estimated up velocity {_ENU}"),
        "time_s": Column("s", "report time of the track"),
        "truth_id": _id("true object of the detections that updated the track (latest); null: "
                        "a false track (no detection of a true object yet)"),
    },
    "events": {"time_s": Column("s", "time of the event"),
               "object_id": _label("scenario id of the object the event is about: the threat, "
                                   "or the radar of a radar_off / radar_on event; null: none")},
    "magazine": {"time_s": Column("s", "time the magazine count changed")},
}


def column_spec(table: str, column: str, columns: Mapping[str, Any] | None = None) -> Column:
    """The documented :class:`Column` of ``column`` in ``table`` (the file stem).

    ``columns``: further documented columns of this table, taking precedence over
    :data:`TABLE_COLUMNS` and :data:`COLUMNS` -- :class:`Column`, or any spec with ``unit``,
    ``description`` and ``kind`` (e.g. the metrics row's,
    :func:`iadsim.engine.outcome.metric_columns`).

    Raises
    ------
    IadsimError
        The column is not documented.
    """
    given = (columns or {}).get(column)
    if given is not None:
        return given if isinstance(given, Column) else Column(given.unit, given.description,
                                                              given.kind)
    spec = TABLE_COLUMNS.get(table, {}).get(column) or COLUMNS.get(column)
    if spec is None:
        raise IadsimError(f"table {table!r}: column {column!r} is not documented; add its unit "
                          "and description to iadsim.io.tables.COLUMNS (and docs/ARCHITECTURE.md, "
                          "'Output tables')")
    return spec


def to_arrow(df: pd.DataFrame, table: str, columns: Mapping[str, Any] | None = None) -> pa.Table:
    """``df`` (index dropped) as an Arrow table with documented fields and nulls for "no value"
    (``columns``: see :func:`column_spec`)."""
    df = df.reset_index(drop=True)
    out = {}
    for name in df.columns:
        spec = column_spec(table, str(name), columns)
        out[name] = _convert(df[name], spec, table, str(name))
    arrow = pa.Table.from_pandas(pd.DataFrame(out, index=df.index), preserve_index=False)
    fields = []
    for fld in arrow.schema:
        spec = column_spec(table, fld.name, columns)
        meta = {"unit": spec.unit, "description": spec.description, **spec.extra}
        fields.append(fld.with_metadata({k: str(v) for k, v in meta.items()}))
    return arrow.cast(pa.schema(fields, metadata=arrow.schema.metadata))


def _convert(col: pd.Series, spec: Column, table: str, name: str) -> pd.Series:
    """``col`` in the dtype its kind is written as, "no value" markers as NA."""
    if spec.kind in ("id", "count"):
        if pd.api.types.is_integer_dtype(col.dtype):
            values = col.astype("Int64")
        else:
            as_float = pd.to_numeric(col, errors="raise").astype("Float64")
            bad = as_float.notna() & (as_float.fillna(0) % 1 != 0)
            if bad.any():
                raise IadsimError(f"table {table!r}: column {name!r} ({spec.kind}) has "
                                  f"non-integer values, e.g. {as_float[bad].iloc[0]}")
            values = as_float.astype("Int64")
        return values.mask(values == spec.none) if spec.none is not None else values
    if spec.kind == "label":
        values = col.astype(object).where(col.notna(), None)
        return values.mask(values == spec.none, None) if spec.none is not None else values
    if spec.kind == "float":
        return col.astype(np.float64)
    if spec.kind == "flag":
        return col.astype("boolean" if col.isna().any() else bool)
    return col


def write_parquet(path: str | os.PathLike[str], df: pd.DataFrame, metadata: Mapping,
                  table: str | None = None, columns: Mapping[str, Any] | None = None) -> Path:
    """Write ``df`` (index dropped) with ``metadata`` as JSON under the ``iadsim`` key.

    ``table`` (default: the file stem, e.g. ``tracks``) selects the per-table column meanings;
    every column must be documented (:func:`column_spec`; ``columns``: further documented
    columns of this table, e.g. those of a metrics row).
    """
    path = Path(path)
    arrow = to_arrow(df, table or path.stem, columns)
    meta = dict(arrow.schema.metadata or {})
    meta[b"iadsim"] = json.dumps(metadata, ensure_ascii=False, sort_keys=True).encode()
    arrow = arrow.replace_schema_metadata(meta)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        pq.write_table(arrow, tmp, compression="zstd")
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def read_parquet(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict]:
    """The DataFrame and the ``iadsim`` metadata of a file written by :func:`write_parquet`.

    Identifiers and counts come back as pandas ``Int64`` (``<NA>`` where the file has null).
    """
    table = pq.read_table(path)
    raw = (table.schema.metadata or {}).get(b"iadsim", b"{}")
    return table.to_pandas(), json.loads(raw)
