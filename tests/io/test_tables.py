"""The Parquet tables of a short real engagement run describe themselves (read with pyarrow).

pyarrow's reader is the oracle for what a file holds (types, nulls, field metadata); cf-units
(UDUNITS) checks that the units written are real units and agree with the unit in the column
name; the in-memory result of the same run says where "no value" was meant.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import cf_units
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import iadsim
from iadsim.engine.air_picture import AirPictureConfig
from iadsim.engine.engagement import EngagementConfig
from iadsim.errors import IadsimError
from iadsim.io.tables import COLUMNS, TABLE_COLUMNS, read_parquet, write_parquet
from iadsim.workflows import engagement_products

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("truth", "detections", "tracks", "events", "engagements", "magazine")
COUNTS = {"scan", "missiles", "gun_rounds", "rounds"}
IDS = {"truth_id", "track_id", "detection_index"}
#: Unit suffix of a column name -> the unit the metadata must give (UDUNITS-equivalent).
SUFFIX_UNITS = {"_m_s": "m s-1", "_m2": "m2", "_m": "m", "_s": "s", "_rad": "rad",
                "_db": None, "_deg": None}
RAID = (ROOT / "tests" / "reference" / "two_jets.yaml").read_text()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(output dir, EngagementResult): two jets against the minimal deployment, 420 s (the raid
    of tests/engine/test_engagement.py: false alarms, false tracks, coasted reports, kills)."""
    tmp = tmp_path_factory.mktemp("tables")
    path = tmp / "raid.yaml"
    path.write_text((ROOT / "examples" / "minimal.yaml").read_text() + RAID)
    config = EngagementConfig(air_picture=AirPictureConfig(t_end_s=420.0, report_interval_s=1.0))
    res, _ = engagement_products(iadsim.load_scenario(path), tmp / "run", seed=5, config=config)
    return tmp / "run", res


def _in_memory(res, table: str) -> pd.DataFrame:
    return getattr(res.picture, table) if table in ("truth", "detections", "tracks") \
        else getattr(res, table)


@pytest.mark.parametrize("table", TABLES)
def test_every_column_documented_with_a_unit(run, table):
    out, _ = run
    schema = pq.read_schema(out / f"{table}.parquet")
    assert len(schema) > 0
    for fld in schema:
        meta = {k.decode(): v.decode() for k, v in (fld.metadata or {}).items()}
        assert meta.get("description"), fld.name
        assert "unit" in meta, fld.name
        unit = meta["unit"]
        if pa.types.is_floating(fld.type):
            assert unit, f"{table}.{fld.name} is a float without a unit"
            if unit != "dB":  # UDUNITS has no dB; the name says it (snr_db)
                cf_units.Unit(unit)  # a real unit
        suffix = next((s for s in SUFFIX_UNITS if fld.name.endswith(s)), None)
        if suffix == "_deg":
            assert unit in ("degrees_north", "degrees_east"), fld.name
        elif suffix == "_db":
            assert unit == "dB", fld.name
        elif suffix is not None:
            assert cf_units.Unit(unit) == cf_units.Unit(SUFFIX_UNITS[suffix]), fld.name


@pytest.mark.parametrize("table", TABLES)
def test_counts_and_ids_are_integers_and_no_value_is_null(run, table):
    out, res = run
    arrow = pq.read_table(out / f"{table}.parquet")
    memory = _in_memory(res, table).reset_index(drop=True)
    assert arrow.num_rows == len(memory) > 0
    for name in arrow.column_names:
        col = arrow.column(name)
        if name in COUNTS | IDS:
            assert pa.types.is_integer(col.type), f"{table}.{name} is {col.type}"
        if name in IDS:
            values = col.to_numpy(zero_copy_only=False)
            assert not (values[~np.isnan(values.astype(float))] == -1).any()
            # null exactly where the engine meant "none" (-1 in memory), the value elsewhere
            none = memory[name].to_numpy() == -1
            np.testing.assert_array_equal(col.is_null().to_numpy(zero_copy_only=False), none)
            kept = col.to_pandas().to_numpy()[~none].astype(np.int64)
            np.testing.assert_array_equal(kept, memory[name].to_numpy()[~none])
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            assert "" not in col.to_pylist(), f"{table}.{name}: empty label instead of null"


def test_false_alarms_and_false_tracks_have_no_truth(run):
    out, _ = run
    det = pq.read_table(out / "detections.parquet")
    tracks = pq.read_table(out / "tracks.parquet")
    assert det.column("truth_id").null_count > 0  # false alarms exist in this run
    assert tracks.column("truth_id").null_count > 0  # and false tracks
    assert tracks.column("detection_index").null_count > 0  # and coasted reports
    df, meta = read_parquet(out / "tracks.parquet")
    assert str(df["truth_id"].dtype) == "Int64" and df["truth_id"].isna().any()
    assert meta["seed"] == 5


def test_track_covariance_layout_is_documented_and_holds(run):
    out, _ = run
    tracks = pq.read_table(out / "tracks.parquet")
    meta = {k.decode(): v.decode() for k, v in tracks.schema.field("cov").metadata.items()}
    state = json.loads(meta["state"])
    assert state == ["x_m", "y_m", "z_m", "vx_m_s", "vy_m_s", "vz_m_s"]
    assert meta["layout"] == "row-major 6x6"
    assert all(name in tracks.column_names for name in state)
    assert "m2 s-1" in meta["unit"] and "row-major" in meta["description"]
    cov = np.array(tracks.column("cov").to_pylist())
    assert cov.shape[1] == len(state) ** 2
    p = cov.reshape(-1, 6, 6)
    np.testing.assert_allclose(p, np.swapaxes(p, 1, 2), rtol=1e-9, atol=1e-9)
    assert (np.linalg.eigvalsh(p) > 0).all()


def test_undocumented_column_is_refused(tmp_path):
    df = pd.DataFrame({"time_s": [0.0], "mystery": [1.0]})
    with pytest.raises(IadsimError, match="'mystery' is not documented"):
        write_parquet(tmp_path / "tracks.parquet", df, {})
    assert not list(tmp_path.iterdir())
    with pytest.raises(IadsimError, match="non-integer"):
        write_parquet(tmp_path / "magazine.parquet", pd.DataFrame({"rounds": [1.5]}), {})


def test_docs_list_every_column():
    """docs/ARCHITECTURE.md 'Output tables' names every documented column, unit included."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    section = text[text.index("### Output tables"):]
    section = section[:section.index("\n## ") if "\n## " in section else None]
    names = set(re.findall(r"`([a-z_0-9]+)`", section))
    missing = (set(COLUMNS) | {c for t in TABLE_COLUMNS.values() for c in t}) - names
    assert not missing
    for table in TABLES:
        assert f"`{table}.parquet`" in section
