"""The campaign store: every finished run counted exactly once, whatever kills the process.

A campaign directory holds

- ``manifest.json``: the campaign's definition (scenario, figures, design, seeds, options,
  iadsim version); the SHA-256 of its identity (what makes the runs) is the root of every run's
  key, so the same command resumes the same campaign, a larger one of the same runs extends it,
  and a different one is refused;
- ``parts/part-<uuid>.parquet``: the runs table in parts, one row per run (design point,
  replication, seed key, every varied figure, every metric), what the model computed only;
- ``campaign.sqlite``: the manifest of the store (SQLite, write-ahead log): which parts exist
  (``parts``: file, SHA-256, rows), which runs they hold (``runs``: run key, design point,
  replication, part, the digest of the row), and how each run was executed (``timings``: wall
  time, host, worker process, attempt) -- kept apart from the runs table so that two campaigns
  compare row for row.

One writer (the coordinator) commits: a batch of new rows is written to a temporary file,
fsynced, renamed into ``parts/`` (atomic on POSIX) and the directory fsynced; then one SQLite
transaction records the part and its runs. A crash before the transaction leaves a part that
no manifest row names: an orphan, deleted when the store is opened again, and its runs are
re-executed. A run computed twice (a retried task, a resumed batch) is recognised by its key
and not written again. Workers never write the store.

References
----------
.. [1] SQLite, "Atomic Commit In SQLite" and "Write-Ahead Logging",
   https://www.sqlite.org/atomiccommit.html, https://www.sqlite.org/wal.html
.. [2] POSIX ``rename(2)``: atomic replacement of a directory entry.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from iadsim.errors import InputError
from iadsim.io.files import current_umask, write_text_atomic

__all__ = ["CampaignStore", "manifest_hash", "run_key", "row_digest", "MANIFEST", "DATABASE",
           "PARTS"]

MANIFEST = "manifest.json"
DATABASE = "campaign.sqlite"
PARTS = "parts"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parts (part_id TEXT PRIMARY KEY, file TEXT NOT NULL UNIQUE,
                                  sha256 TEXT NOT NULL, n_runs INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs (run_key TEXT PRIMARY KEY, point INTEGER NOT NULL,
                                 replication INTEGER NOT NULL,
                                 part_id TEXT NOT NULL REFERENCES parts(part_id),
                                 digest TEXT NOT NULL, UNIQUE (point, replication));
CREATE TABLE IF NOT EXISTS timings (run_key TEXT NOT NULL, attempt INTEGER NOT NULL,
                                    wall_s REAL NOT NULL, host TEXT NOT NULL,
                                    worker TEXT NOT NULL, finished_utc TEXT NOT NULL,
                                    PRIMARY KEY (run_key, attempt));
"""


def manifest_hash(manifest: Mapping) -> str:
    """SHA-256 of the manifest's canonical JSON (sorted keys, no whitespace): the identity of
    a campaign."""
    text = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def run_key(campaign: str, point: int, replication: int) -> str:
    """The key of one run: the first 16 bytes (hex) of SHA-256 over the campaign's manifest hash,
    the design point and the replication. The same in every process and on every resume."""
    return hashlib.sha256(f"{campaign}/{int(point)}/{int(replication)}".encode()).hexdigest()[:32]


def _canonical(value) -> object:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else float.hex(value)
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):  # numpy scalar
        return _canonical(value.item())
    return value


def row_digest(row: Mapping) -> str:
    """SHA-256 of a run's row, floats by their exact bits (``float.hex``): two executions of a
    run give the same digest only if they computed the same bytes."""
    text = json.dumps({k: _canonical(v) for k, v in row.items()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class CampaignStore:
    """The store of one campaign in ``directory`` (single writer).

    Opening creates the directory and its manifest, or checks that an existing one holds the
    same campaign (else :class:`InputError` naming what differs), and deletes orphan parts.

    Parameters
    ----------
    directory : path
        The campaign directory (``--out``).
    manifest : mapping or None
        The campaign's definition (JSON-serialisable). ``None``: open an existing campaign as it
        is (:func:`iadsim.campaigns.report.load_campaign`).
    identity : mapping or None
        The part of the manifest that makes the runs (default: all of it): its hash roots the
        run keys, and a stored campaign with the same identity is the same campaign, resumed
        or extended (its manifest is then replaced by ``manifest``: e.g. more runs of the same
        replications).
    replace : bool
        A directory holding a different campaign is emptied and the campaign starts afresh
        (instead of an error).
    """

    def __init__(self, directory: str | os.PathLike[str], manifest: Mapping | None = None,
                 identity: Mapping | None = None, replace: bool = False):
        self.directory = Path(directory)
        db_path = self.directory / DATABASE
        if manifest is None:
            if not db_path.exists():
                raise InputError(f"{self.directory}: not a campaign directory (no {DATABASE}); "
                                 "allowed: the --out directory of an `iadsim campaign` run")
        else:
            self._check_directory(manifest)
        (self.directory / PARTS).mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(db_path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        stored = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if manifest is None:
            self.manifest = json.loads(stored["manifest"])
            self.hash = stored["identity_hash"]
        else:
            ident = manifest if identity is None else identity
            self.hash = manifest_hash(ident)
            if "identity" in stored and stored["identity_hash"] != self.hash:
                self._db.close()
                if not replace:
                    raise InputError(self._difference(json.loads(stored["identity"]), ident))
                shutil.rmtree(self.directory)
                self.__init__(directory, manifest, identity)
                return
            text = json.dumps(manifest, sort_keys=True, indent=1, allow_nan=False)
            if stored.get("manifest") != text:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
                    ("manifest", text), ("identity", json.dumps(ident, sort_keys=True)),
                    ("identity_hash", self.hash)])
                self._db.execute("COMMIT")
                write_text_atomic(self.directory / MANIFEST, text + "\n")
            self.manifest = json.loads(text)
        self.removed_orphans = self._remove_orphans()

    def _check_directory(self, manifest: Mapping) -> None:
        d = self.directory
        if d.exists() and not d.is_dir():
            raise InputError(f"--out {d}: is a file; allowed: a new or campaign directory")
        if d.is_dir() and any(d.iterdir()) and not (d / DATABASE).exists():
            raise InputError(f"--out {d}: exists and is not a campaign directory (no {DATABASE}); "
                             "allowed: a new directory, or the --out of the same campaign to "
                             "resume it")
        d.mkdir(parents=True, exist_ok=True)

    def _difference(self, old: Mapping, new: Mapping) -> str:
        keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        return (f"--out {self.directory}: holds a different campaign (differs in: "
                f"{', '.join(keys)}); allowed: the same command to resume it, or a new --out")

    def _remove_orphans(self) -> list[str]:
        named = {row[0] for row in self._db.execute("SELECT file FROM parts")}
        removed = []
        for path in sorted((self.directory / PARTS).iterdir()):
            if path.name not in named:
                path.unlink()
                removed.append(path.name)
        return removed

    def committed(self) -> dict[str, str]:
        """``{run_key: digest}`` of every committed run."""
        return dict(self._db.execute("SELECT run_key, digest FROM runs").fetchall())

    def commit(self, rows: Sequence[Mapping], timings: Iterable[Mapping] = ()) -> int:
        """Commit finished runs atomically; returns how many were new.

        ``rows``: one mapping per run with ``run_key``, ``point``, ``replication`` and the row's
        values (every row the same columns); rows whose key is already committed are dropped
        (a run executed twice counts once). ``timings``: ``run_key, attempt, wall_s, host,
        worker, finished_utc`` per execution.
        """
        done = self.committed()
        new = [r for r in {r["run_key"]: r for r in rows}.values() if r["run_key"] not in done]
        timing_rows = [(t["run_key"], int(t["attempt"]), float(t["wall_s"]), str(t["host"]),
                        str(t["worker"]), str(t["finished_utc"])) for t in timings]
        part_id = None
        if new:
            part_id = uuid.uuid4().hex
            name = f"part-{part_id}.parquet"
            final = self.directory / PARTS / name
            tmp = final.with_name(name + ".tmp")
            columns = dict.fromkeys(k for r in new for k in r)  # alternatives' columns differ
            pq.write_table(pa.table({k: [r.get(k) for r in new] for k in columns}), tmp,
                           compression="zstd")
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.chmod(tmp, 0o666 & ~current_umask())
            os.replace(tmp, final)
            _fsync_dir(final.parent)
            sha = _file_sha256(final)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if part_id is not None:
                self._db.execute("INSERT INTO parts VALUES (?, ?, ?, ?)",
                                 (part_id, name, sha, len(new)))
                self._db.executemany(
                    "INSERT INTO runs VALUES (?, ?, ?, ?, ?)",
                    [(r["run_key"], int(r["point"]), int(r["replication"]), part_id,
                      row_digest(r)) for r in new])
            self._db.executemany("INSERT OR IGNORE INTO timings VALUES (?, ?, ?, ?, ?, ?)",
                                 timing_rows)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return len(new)

    def runs(self) -> pd.DataFrame:
        """The runs table: every committed run, sorted by design point and replication.

        Alternatives may have different columns (a compared deployment carries other missile
        types): a ``*_count`` column missing from a run's row is 0 there (none of that kind),
        any other missing value is null (NaN)."""
        files = [self.directory / PARTS / f for (f,) in
                 self._db.execute("SELECT file FROM parts ORDER BY part_id")]
        if not files:
            return pd.DataFrame()
        table = pa.concat_tables([pq.read_table(f) for f in files], promote_options="permissive")
        df = table.to_pandas()
        for column in df.columns:
            if column.endswith("_count") and df[column].isna().any():
                df[column] = df[column].fillna(0).astype("int64")
        return df.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)

    def timings(self) -> pd.DataFrame:
        """How each run was executed (one row per attempt that finished)."""
        return pd.read_sql_query("SELECT * FROM timings ORDER BY run_key, attempt", self._db)

    def verify(self) -> list[str]:
        """Problems of the store: a part missing or whose bytes differ from its recorded
        SHA-256, or a part whose row count differs from the runs it is recorded to hold."""
        problems = []
        for name, sha, n in self._db.execute("SELECT file, sha256, n_runs FROM parts"):
            path = self.directory / PARTS / name
            if not path.exists():
                problems.append(f"{name}: missing")
            elif _file_sha256(path) != sha:
                problems.append(f"{name}: SHA-256 differs from the manifest")
            elif pq.read_metadata(path).num_rows != n:
                problems.append(f"{name}: {pq.read_metadata(path).num_rows} rows, manifest {n}")
        return problems

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> CampaignStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
