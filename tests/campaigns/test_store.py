"""The campaign store: atomic parts, exactly-once runs, orphans, identity of a campaign."""

from __future__ import annotations

import math
import sqlite3

import pandas as pd
import pytest

from iadsim.campaigns.store import (
    DATABASE,
    MANIFEST,
    PARTS,
    CampaignStore,
    manifest_hash,
    row_digest,
    run_key,
)
from iadsim.errors import InputError

MANIFEST_A = {"scenario": "a", "runs": 4, "seed": {"entropy": 1}}


def _row(key: str, point: int, rep: int, value: float) -> dict:
    return {"run_key": key, "point": point, "replication": rep, "leaked_fraction": value,
            "figure_set": "nominal", "killed_count": 3}


def test_run_key_is_a_function_of_campaign_point_and_replication():
    h = manifest_hash(MANIFEST_A)
    assert run_key(h, 0, 1) == run_key(h, 0, 1)
    keys = {run_key(h, p, r) for p in range(20) for r in range(20)}
    assert len(keys) == 400
    assert run_key(manifest_hash({**MANIFEST_A, "runs": 5}), 0, 1) != run_key(h, 0, 1)
    # key order and whitespace of the manifest do not matter, its content does
    assert manifest_hash(dict(reversed(list(MANIFEST_A.items())))) == h


def test_row_digest_sees_the_last_bit_of_a_float():
    row = _row("k", 0, 0, 0.1)
    assert row_digest(row) == row_digest(dict(reversed(list(row.items()))))
    assert row_digest(row) != row_digest({**row, "leaked_fraction": math.nextafter(0.1, 1.0)})
    assert row_digest({**row, "leaked_fraction": float("nan")}) == row_digest(
        {**row, "leaked_fraction": float("nan")})


def test_commit_counts_each_run_once_and_reads_back_sorted(tmp_path):
    d = tmp_path / "c"
    with CampaignStore(d, MANIFEST_A) as store:
        assert store.commit([_row("b", 1, 0, 0.5), _row("a", 0, 0, 0.25)]) == 2
        # a run executed twice (a retry, a resumed batch) and a duplicate within one batch
        assert store.commit([_row("a", 0, 0, 0.25), _row("c", 0, 1, 0.0), _row("c", 0, 1, 0.0)]) == 1
        assert store.commit([_row("a", 0, 0, 0.25)]) == 0
        runs = store.runs()
        assert list(runs["run_key"]) == ["a", "c", "b"]  # point, then replication
        assert list(runs["leaked_fraction"]) == [0.25, 0.0, 0.5]
        assert set(store.committed()) == {"a", "b", "c"}
        assert store.committed()["a"] == row_digest(_row("a", 0, 0, 0.25))
        assert store.verify() == []
        assert len(list((d / PARTS).iterdir())) == 2  # the empty commit wrote no part
    assert (d / MANIFEST).exists()
    # the store is SQLite that another program reads
    con = sqlite3.connect(d / DATABASE)
    assert con.execute("SELECT COUNT(*) FROM runs").fetchone() == (3,)
    assert con.execute("SELECT SUM(n_runs) FROM parts").fetchone() == (3,)
    con.close()


def test_timings_are_kept_apart_from_the_runs(tmp_path):
    with CampaignStore(tmp_path / "c", MANIFEST_A) as store:
        t = {"run_key": "a", "attempt": 1, "wall_s": 1.5, "host": "h", "worker": "12",
             "finished_utc": "2026-01-01T00:00:00+00:00"}
        store.commit([_row("a", 0, 0, 0.25)], [t, {**t, "attempt": 2, "wall_s": 1.6}])
        assert "wall_s" not in store.runs()
        assert list(store.timings()["attempt"]) == [1, 2]


def test_orphan_parts_and_temporary_files_are_removed_on_resume(tmp_path):
    d = tmp_path / "c"
    with CampaignStore(d, MANIFEST_A) as store:
        store.commit([_row("a", 0, 0, 0.25)])
    # a crash after the part was renamed into place but before the SQLite transaction, and one
    # while the part was being written
    pd.DataFrame([_row("b", 1, 0, 0.5)]).to_parquet(d / PARTS / "part-orphan.parquet")
    (d / PARTS / "part-x.parquet.tmp").write_bytes(b"half")
    with CampaignStore(d, MANIFEST_A) as store:
        assert sorted(store.removed_orphans) == ["part-orphan.parquet", "part-x.parquet.tmp"]
        assert list(store.runs()["run_key"]) == ["a"]
        assert set(store.committed()) == {"a"}


def test_verify_finds_a_changed_part(tmp_path):
    d = tmp_path / "c"
    with CampaignStore(d, MANIFEST_A) as store:
        store.commit([_row("a", 0, 0, 0.25)])
        part = next((d / PARTS).iterdir())
        pd.DataFrame([_row("a", 0, 0, 0.3)]).to_parquet(part)
        assert store.verify() == [f"{part.name}: SHA-256 differs from the manifest"]


def test_another_campaign_in_the_directory_is_refused(tmp_path):
    d = tmp_path / "c"
    CampaignStore(d, MANIFEST_A).close()
    with pytest.raises(InputError, match=r"holds a different campaign \(differs in: runs\)"):
        CampaignStore(d, {**MANIFEST_A, "runs": 8})
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="exists and is not a campaign directory"):
        CampaignStore(other, MANIFEST_A)
    with pytest.raises(InputError, match="not a campaign directory"):
        CampaignStore(tmp_path / "missing")


def test_replace_starts_afresh_where_another_campaign_was(tmp_path):
    d = tmp_path / "c"
    with CampaignStore(d, MANIFEST_A) as store:
        store.commit([_row("a", 0, 0, 0.25)])
    with CampaignStore(d, {**MANIFEST_A, "runs": 8}, replace=True) as store:
        assert store.runs().empty and store.manifest["runs"] == 8
    with CampaignStore(d, {**MANIFEST_A, "runs": 8}) as store:  # now it is that campaign
        assert store.committed() == {}


def test_alternatives_with_other_columns(tmp_path):
    """A compared deployment fires other missile types: its rows lack the first one's count
    columns (and vice versa); a missing count is 0, whatever part the rows are in."""
    a = {**_row("a", 0, 0, 0.5), "missiles_fired_48N6E_count": 4}
    b = {**_row("b", 1, 0, 0.25), "missiles_fired_48N6E3_count": 6}
    c = {**_row("c", 1, 1, 0.0), "missiles_fired_48N6E3_count": 2}
    with CampaignStore(tmp_path / "c", MANIFEST_A) as store:
        store.commit([a, b])
        store.commit([c])
        runs = store.runs()
    assert list(runs["missiles_fired_48N6E_count"]) == [4, 0, 0]
    assert list(runs["missiles_fired_48N6E3_count"]) == [0, 6, 2]
    assert str(runs["missiles_fired_48N6E3_count"].dtype) == "int64"
