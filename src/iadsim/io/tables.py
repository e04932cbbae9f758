"""Parquet tables (truth, detections, tracks) written so that the same data gives the same bytes.

pyarrow writes no timestamps into Parquet files, so identical DataFrames give identical files;
the provenance of the run (version, seed, figure set, sources, assumptions) is stored as file
key-value metadata under ``iadsim``. Files are written atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from iadsim.io.files import current_umask


def write_parquet(path: str | os.PathLike[str], df: pd.DataFrame, metadata: Mapping) -> Path:
    """Write ``df`` (index dropped) with ``metadata`` as JSON under the ``iadsim`` key."""
    path = Path(path)
    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"iadsim"] = json.dumps(metadata, ensure_ascii=False, sort_keys=True).encode()
    table = table.replace_schema_metadata(meta)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def read_parquet(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict]:
    """The DataFrame and the ``iadsim`` metadata of a file written by :func:`write_parquet`."""
    table = pq.read_table(path)
    raw = (table.schema.metadata or {}).get(b"iadsim", b"{}")
    return table.to_pandas(), json.loads(raw)
