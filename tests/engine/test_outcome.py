"""The one-row outcome of an engagement run (``EngagementResult.metrics``, ``run_metrics.parquet``).

Oracles: counts taken by hand from the event log of real runs with plain pandas (kills, leaks per
asset, launches per missile type -- not through :func:`run_metrics`); a hand-made event log whose
every measure is worked out in the test; pyarrow and cf-units for the written file.
"""

from __future__ import annotations

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
from iadsim.engine.outcome import METRICS, metric_columns, run_metrics
from iadsim.errors import IadsimError
from iadsim.io.tables import read_parquet, write_parquet
from iadsim.workflows import engagement_products

ROOT = Path(__file__).resolve().parents[2]
RAID = (ROOT / "tests" / "reference" / "two_jets.yaml").read_text()
MINIMAL = (ROOT / "examples" / "minimal.yaml").read_text()
CONFIG = EngagementConfig(air_picture=AirPictureConfig(t_end_s=420.0, report_interval_s=1.0))
#: The minimal battalion with one launcher of two rounds: one salvo of two, so one jet at
#: least reaches the defended asset ("base") untouched.
ONE_SALVO = MINIMAL.replace("count: 8, load: {48N6E3: 4}", "count: 1, load: {48N6E3: 2}")
LOG_COLUMNS = ["time_s", "event", "unit_id", "missile_type", "missile_id", "truth_id",
               "object_id", "track_id", "miss_m", "pk", "detail"]


def _scenario(tmp_path_factory, text: str):
    path = tmp_path_factory.mktemp("sc") / "raid.yaml"
    path.write_text(text + RAID)
    return iadsim.load_scenario(path)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    assert "count: 8, load: {48N6E3: 4}" in MINIMAL  # ONE_SALVO's replacement still applies
    return _scenario(tmp_path_factory, MINIMAL)


@pytest.fixture(scope="module")
def products(scenario, tmp_path_factory):
    """(output dir, result) of the two-jet raid, seed 5, 420 s, written with its products."""
    out = tmp_path_factory.mktemp("run") / "run"
    res, _ = engagement_products(scenario, out, seed=5, config=CONFIG)
    return out, res


@pytest.fixture(scope="module")
def notebook(scenario):
    """The same raid from the notebook API, another seed."""
    return iadsim.run(scenario, seed=6, config=iadsim.EngagementConfig(
        air_picture=iadsim.AirPictureConfig(t_end_s=420.0)))


@pytest.fixture(scope="module")
def one_salvo(tmp_path_factory):
    return iadsim.run(_scenario(tmp_path_factory, ONE_SALVO), seed=5, config=CONFIG)


def _by_hand(events: pd.DataFrame) -> dict:
    """The measures counted directly from an event log."""
    ev = events
    launches = ev[ev["event"] == "launch"]
    kills = ev[ev["event"] == "kill"]
    leaks = ev[ev["event"] == "leak"]
    assert kills["truth_id"].is_unique and leaks["truth_id"].is_unique
    return {
        "killed_count": len(kills),
        "leaked_count": len(leaks),
        "leaked_base_count": int((leaks["detail"] == "reached base").sum()),
        "first_leak_time_s": leaks["time_s"].min() if len(leaks) else np.nan,
        "missiles_fired_48N6E3_count": int((launches["missile_type"] == "48N6E3").sum()),
        "missiles_fired_count": len(launches),
        "interceptors_per_kill": len(launches) / len(kills) if len(kills) else np.nan,
        "wasted_interceptors_count": int(((ev["event"] == "miss")
                                          & ev["detail"].str.contains("already destroyed")).sum()),
        "hold_fire_count": int((ev["event"] == "hold_fire").sum()),
        "gun_bursts_count": int((ev["event"] == "gun_burst").sum()),
        "arms_launched_count": int((ev["event"] == "arm_launch").sum()),
        "radars_destroyed_count": int((ev["event"] == "radar_destroyed").sum()),
    }


def _assert_row_matches(row: pd.DataFrame, expected: dict) -> None:
    assert len(row) == 1
    for name, value in expected.items():
        got = row[name].iloc[0]
        if isinstance(value, float) and np.isnan(value):
            assert np.isnan(got), name
        else:
            assert got == pytest.approx(value, rel=1e-12), name


@pytest.mark.parametrize("run", ["products", "notebook", "one_salvo"])
def test_row_equals_counts_from_the_event_log(run, request):
    res = request.getfixturevalue(run)
    res = res[1] if isinstance(res, tuple) else res
    row = res.metrics
    assert len(row) == 1
    _assert_row_matches(row, {**_by_hand(res.events), "threats_count": 2, "gun_rounds_count": 0,
                              "seed": {"products": 5, "notebook": 6, "one_salvo": 5}[run]})
    assert row["figure_set"].iloc[0] == "nominal"
    # the fates tell the same story as the log
    fates = res.fates["fate"].value_counts()
    assert row["killed_count"].iloc[0] == fates.get("killed", 0)
    assert row["leaked_count"].iloc[0] == fates.get("leaked", 0)
    assert row["survived_count"].iloc[0] == fates.get("survived", 0)


def test_the_runs_exercise_kills_and_leaks(products, one_salvo):
    """The hand counts above compare something: kills in the full raid, a leak and no kill
    (interceptors per kill NaN) or a kill in the one-salvo raid."""
    full = products[1].metrics.iloc[0]
    assert full["killed_count"] > 0 and full["missiles_fired_48N6E3_count"] > 0
    salvo = one_salvo.metrics.iloc[0]
    assert salvo["leaked_count"] >= 1 and salvo["leaked_base_count"] >= 1
    assert np.isfinite(salvo["first_leak_time_s"])
    assert salvo["missiles_fired_count"] <= 2


def test_rows_of_different_runs_stack(products, notebook, one_salvo):
    rows = [products[1].metrics, notebook.metrics, one_salvo.metrics]
    assert all(list(r.columns) == list(rows[0].columns) for r in rows)
    stacked = pd.concat(rows, ignore_index=True)
    assert len(stacked) == 3 and list(stacked.columns) == list(rows[0].columns)
    counts = [c for c in stacked.columns if c.endswith("_count")]
    assert not stacked[counts].isna().any().any()
    assert (stacked.dtypes[counts] == np.int64).all()
    assert list(stacked["seed"]) == [5, 6, 5]
    assert set(metric_columns(stacked.columns)) == set(stacked.columns)


def test_metrics_is_cached_on_the_result(products):
    res = products[1]
    assert res.metrics is res.metrics


def test_hand_made_event_log():
    """Five threats: 0 killed by the first of two missiles (the second arrives after the kill:
    wasted; a third is launched after the kill, before its assessment: wasted and fired after
    the kill; a fourth committed missile is held), 1 killed by a gun burst of 160 rounds, 2 and 3
    leak to 'north' (250 s) and 'south' (300 s) after a missed shot at 2, 4 never detected (it
    fires two anti-radiation missiles: one destroys a radar, one is shot down by a fifth
    missile; another radar is a scripted loss)."""
    rows = [
        (5.0, "first_detection", 0), (6.0, "first_detection", 1), (7.0, "first_detection", 2),
        (8.0, "first_detection", 3),
        (10.0, "launch", 0, "48N6E3", "m1"), (10.0, "launch", 0, "48N6E3", "m2"),
        (40.0, "intercept", 0, "48N6E3", "m1"), (40.0, "kill", 0, "48N6E3", "m1"),
        (41.0, "miss", 0, "48N6E3", "m2", "target already destroyed at 40.0 s"),
        (42.0, "hold_fire", 0, "48N6E3", "", "m3 not launched: target known destroyed"),
        (44.0, "launch", 0, "48N6E3", "m5"),
        (70.0, "miss", 0, "48N6E3", "m5", "target already destroyed at 40.0 s"),
        (50.0, "gun_burst", 1, "2A38M", "g1", "160 rounds at 2.00 km"),
        (53.0, "kill", 1, "2A38M", "g1"),
        (60.0, "launch", 2, "48N6E3", "m4"), (90.0, "miss", 2, "48N6E3", "m4"),
        (250.0, "leak", 2, "", "", "reached north"), (300.0, "leak", 3, "", "", "reached south"),
        # SEAD: threat 4 fires two ARMs; one destroys a radar, another radar is a scripted loss
        (20.0, "radar_destroyed", -1, "", "", "r2 destroyed (scripted loss)"),
        (100.0, "arm_launch", 4, "AGM-88", "a1"), (101.0, "arm_launch", 4, "AGM-88", "a2"),
        (150.0, "arm_impact", 4, "AGM-88", "a1", "miss 3.0 m: r1 destroyed"),
        (150.0, "radar_destroyed", -1, "", "", "r1 destroyed (anti-radiation missile a1)"),
        # a2 (object 6 of the truth, not a threat) is detected and shot down by m6
        (110.0, "first_detection", 6), (120.0, "launch", 6, "48N6E3", "m6"),
        (140.0, "kill", 6, "48N6E3", "m6"),
    ]
    events = pd.DataFrame([dict(zip(["time_s", "event", "truth_id", "missile_type",
                                     "missile_id", "detail"], r, strict=False)) for r in rows],
                          columns=LOG_COLUMNS)
    events["truth_id"] = events["truth_id"].astype(np.int64)
    for col in ("unit_id", "missile_type", "missile_id", "object_id", "detail"):
        events[col] = events[col].astype(object).fillna("").astype(str)
    fates = pd.DataFrame({"truth_id": range(5), "fate": ["killed", "killed", "leaked", "leaked",
                                                         "survived"],
                          "time_s": [40.0, 53.0, 250.0, 300.0, 400.0],
                          "asset_id": ["", "", "north", "south", ""],
                          "type": ["Tomahawk", "F-16C", "Tomahawk", "Tomahawk", "F-16C"],
                          # 1 and 2 are decoys: one missile (m4) went at a decoy, one real kill
                          "threat_class": ["cruise_missile", "decoy", "decoy", "cruise_missile",
                                           "aircraft"]})
    engagements = pd.DataFrame({"weapon": ["missile", "gun", "missile"],
                                "missiles": [2, 0, 1], "gun_rounds": [np.nan, 160, np.nan]})
    row = run_metrics(events, fates, engagements, asset_ids=["north", "south", "east"],
                      missile_types=["9M96E2", "48N6E3"], seed=11, figure_set="low")
    assert list(row.columns) == [
        "seed", "figure_set", "threats_count", "detected_count", "engaged_count", "killed_count",
        "killed_by_missile_count", "killed_by_gun_count", "killed_F-16C_count",
        "killed_Tomahawk_count", "leaked_count", "survived_count", "killed_fraction",
        "leaked_fraction", "leaked_north_count", "leaked_south_count",
        "leaked_east_count", "first_leak_time_s", "missiles_fired_count",
        "missiles_fired_48N6E3_count", "missiles_fired_9M96E2_count",
        "wasted_interceptors_count", "fired_after_kill_count", "hold_fire_count",
        "interceptors_per_kill", "missiles_at_decoys_count", "interceptors_per_real_kill",
        "gun_bursts_count", "gun_rounds_count", "arms_launched_count", "radars_destroyed_count",
        "missiles_at_arms_count", "arms_shot_down_count"]
    _assert_row_matches(row, {
        "seed": 11, "threats_count": 5, "detected_count": 4, "engaged_count": 3,
        "killed_count": 2, "killed_by_missile_count": 1, "killed_by_gun_count": 1,
        "killed_F-16C_count": 1, "killed_Tomahawk_count": 1, "leaked_count": 2,
        "survived_count": 1, "killed_fraction": 0.4, "leaked_fraction": 0.4,
        "leaked_north_count": 1, "leaked_south_count": 1, "leaked_east_count": 0,
        "first_leak_time_s": 250.0, "missiles_fired_count": 5, "missiles_fired_48N6E3_count": 5,
        "missiles_fired_9M96E2_count": 0, "wasted_interceptors_count": 2,
        "fired_after_kill_count": 1, "hold_fire_count": 1,
        "interceptors_per_kill": 2.5, "missiles_at_decoys_count": 1,
        "interceptors_per_real_kill": 5.0, "gun_bursts_count": 1, "gun_rounds_count": 160,
        "arms_launched_count": 2, "radars_destroyed_count": 2, "missiles_at_arms_count": 1,
        "arms_shot_down_count": 1})
    assert row["figure_set"].iloc[0] == "low"


def test_nan_conventions_of_an_empty_run():
    """No threat, no event: counts 0, ratios over zero and times of what never happened NaN."""
    events = pd.DataFrame(columns=LOG_COLUMNS)
    fates = pd.DataFrame(columns=["truth_id", "fate", "time_s", "asset_id", "type"])
    row = run_metrics(events, fates, pd.DataFrame(), asset_ids=["base"],
                      missile_types=["48N6E3"])
    assert len(row) == 1
    counts = [c for c in row.columns if c.endswith("_count")]
    assert (row[counts].iloc[0] == 0).all()
    for name in ("killed_fraction", "leaked_fraction", "interceptors_per_kill",
                 "interceptors_per_real_kill", "first_leak_time_s"):
        assert np.isnan(row[name].iloc[0]), name
    assert row["seed"].isna().all()


def test_spec_names_say_units_and_kinds():
    """Every documented column's unit and kind agree with its name."""
    for name, spec in METRICS.items():
        if name.endswith("_count"):
            assert (spec.unit, spec.kind) == ("", "count"), name
        elif name.endswith("_s"):
            assert (spec.unit, spec.kind) == ("s", "float"), name
        elif name.endswith(("_fraction", "_per_kill", "_per_real_kill")):
            assert (spec.unit, spec.kind) == ("1", "float"), name
        else:
            assert spec.kind in ("id", "label") and spec.unit == "", name
        assert spec.description, name
    with pytest.raises(IadsimError, match="'leaked_count_total' is not documented"):
        metric_columns(["leaked_count", "leaked_count_total"])
    assert metric_columns(["leaked_s400-1_count"])["leaked_s400-1_count"] is \
        METRICS["leaked_{asset_id}_count"]


def test_metrics_parquet_is_one_documented_row(products, tmp_path):
    out, res = products
    path = out / "run_metrics.parquet"
    table = pq.read_table(path)
    assert table.num_rows == 1 and table.column_names == list(res.metrics.columns)
    for fld in table.schema:
        meta = {k.decode(): v.decode() for k, v in (fld.metadata or {}).items()}
        assert meta["description"], fld.name
        if fld.name.endswith("_count"):
            assert pa.types.is_integer(fld.type), fld.name
        if pa.types.is_floating(fld.type):
            assert cf_units.Unit(meta["unit"]) == cf_units.Unit(
                "s" if fld.name.endswith("_s") else "1"), fld.name
    df, meta = read_parquet(path)
    assert meta["seed"] == 5
    memory = res.metrics
    for name in memory.columns:
        want, got = memory[name].iloc[0], df[name].iloc[0]
        assert (pd.isna(want) and pd.isna(got)) or want == got, name
    # the writer refuses a column the spec does not document
    with pytest.raises(IadsimError, match="'mystery' is not documented"):
        bad = memory.assign(mystery=1)
        write_parquet(tmp_path / "metrics.parquet", bad, {},
                      columns=metric_columns(memory.columns))
