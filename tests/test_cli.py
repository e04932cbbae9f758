"""The command line speaks the user's language: a bad option is named as typed, with the bad
value and the allowed values, before any work starts (no progress bar, nothing written)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import xarray as xr
from typer.testing import CliRunner

from iadsim.cli import app
from iadsim.scenario.load import example_scenarios

runner = CliRunner()
RAID = str(example_scenarios()["raid_2022"])
MINIMAL = str(example_scenarios()["minimal"])


def _flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


@pytest.mark.parametrize("args, option, value, allowed", [
    (["run", RAID, "--duration-s", "-5"], "--duration-s", "-5", "numbers > 0 s"),
    (["run", RAID, "--duration-s", "0"], "--duration-s", "0", "numbers > 0 s"),
    (["run", RAID, "--duration-s", "nan"], "--duration-s", "nan", "numbers > 0 s"),
    (["track", RAID, "--duration-s", "-1"], "--duration-s", "-1", "numbers > 0 s"),
    (["run", RAID, "--seed", "-3"], "--seed", "-3", "numbers >= 0"),
    (["track", RAID, "--seed", "-3"], "--seed", "-3", "numbers >= 0"),
    (["run", RAID, "--salvo", "0"], "--salvo", "0", "numbers >= 1"),
    (["run", RAID, "--max-engagements", "0"], "--max-engagements", "0", "numbers >= 1"),
    (["run", RAID, "--min-pk", "1.5"], "--min-pk", "1.5", "numbers >= 0 and <= 1"),
    (["run", RAID, "--link-latency-s", "-2"], "--link-latency-s", "-2", "numbers >= 0 s"),
    (["envelope", "48N6E3", "--target-speed", "0"], "--target-speed", "0", "numbers > 0 m/s"),
    (["envelope", "48N6E3", "--target-alt", "-10"], "--target-alt", "-10",
     "numbers >= 0 and <= 100000 m"),
    (["demo", "--resolution-km", "-3"], "--resolution-km", "-3", "numbers > 0 km"),
    (["demo", "--seed", "-1"], "--seed", "-1", "numbers >= 0"),
    (["coverage", MINIMAL, "--alt", "100", "--alt", "200000"], "--alt", "200000",
     "numbers >= -500 and <= 100000 m"),
    (["campaign", RAID, "--runs", "0"], "--runs", "0", "numbers >= 1"),
    (["campaign", RAID, "--target-halfwidth", "0.7"], "--target-halfwidth", "0.7",
     "numbers > 0 and <= 0.5"),
    (["campaign", RAID, "--workers", "0"], "--workers", "0", "numbers >= 1"),
    (["compare", RAID, MINIMAL, "--runs", "0"], "--runs", "0", "numbers >= 1"),
])
def test_bad_option_is_named_with_value_and_allowed_values(tmp_path, args, option, value, allowed):
    out = tmp_path / "out"
    result = runner.invoke(app, [*args, "--out", str(out)])
    text = _flat(result.output)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}': {value}: allowed values are {allowed}" in text, text
    assert "Traceback" not in text and "━" not in text  # no progress bar was started
    assert not out.exists()


@pytest.mark.parametrize("command", ["run", "track", "coverage"])
def test_missing_dem_file_is_named_before_work(tmp_path, command):
    extra = ["--alt", "100"] if command == "coverage" else []
    result = runner.invoke(app, [command, MINIMAL, *extra, "--dem", str(tmp_path / "no.tif"),
                                 "--out", str(tmp_path / "o")])
    text = _flat(result.output)
    assert result.exit_code == 2, text
    assert "'--dem'" in text and "no.tif" in text and "does not exist" in text
    assert not (tmp_path / "o").exists()


def test_scenario_error_comes_before_the_progress_bar(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(open(RAID, encoding="utf-8").read().replace("type: 92N6E", "type: 92N6X", 1))
    result = runner.invoke(app, ["run", str(bad), "--out", str(tmp_path / "o")])
    text = _flat(result.output)
    assert result.exit_code == 2 and "92N6E" in text and "━" not in text, text


@pytest.mark.parametrize("args, expected", [
    (["--vary", "48N6E3.max_rang_km"], "48N6E3.max_range_km"),              # closest names
    (["--vary", "1RS2-1E.reference_detection.range_km"],                     # no low-high range
     "1RS2-1E.reference_detection.range_km: range"),
    (["--sweep", "raid.sise=10..20"], "allowed: raid.size, raid.<ID>.count, salvo, policy"),
    (["--sweep", "salvo=0"], "Doctrine.salvo_size: got 0"),
    (["--sensitivity", "morris"], "no varied figure"),
    (["--vary", "48N6E3.max_range_km", "--sensitivity", "sobol", "--samples", "10"],
     "powers of two"),
    (["--batch-size", "4"], "allowed only with --scheduler"),
    (["--batch-size", "0"], "--batch-size"),
])
def test_bad_campaign_input_is_one_clear_error_before_any_run(tmp_path, args, expected):
    out = tmp_path / "camp"
    result = runner.invoke(app, ["campaign", RAID, *args, "--out", str(out), "--workers", "1",
                                 "--runs", "1"])
    text = _flat(result.output)
    assert result.exit_code == 2, text
    assert expected in text and "Traceback" not in text and "━" not in text, text
    assert not out.exists()


def test_validate_without_arguments_checks_the_installation():
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert "equipment library" in result.output
    for name in ("minimal", "raid_2022", "united_resolve_2022"):
        assert f"{name}.yaml" in result.output


def test_examples_are_copied_out_and_never_overwritten(tmp_path):
    result = runner.invoke(app, ["examples", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "raid_2022.yaml").read_bytes() == open(RAID, "rb").read()
    again = runner.invoke(app, ["examples", "--out", str(tmp_path)])
    assert again.exit_code == 2 and "already exist" in again.output


def test_python_dash_m_runs_the_command_line():
    done = subprocess.run([sys.executable, "-m", "iadsim", "--help"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Usage: iadsim" in done.stdout and "demo" in done.stdout


# ------------------------------------------------------------------------------ --figure
@pytest.mark.parametrize("command", ["coverage", "track", "run"])
@pytest.mark.parametrize(("value", "expected"), [
    ("48N6E3.max_rang_km=230", ["unknown figure '48N6E3.max_rang_km'", "48N6E3.max_range_km"]),
    ("S400.max_range_km=230", ["unknown figure 'S400.max_range_km'"]),
    ("48N6E3.max_range_km=-5", ["48N6E3.max_range_km = -5 km", "allowed values are numbers >= 0"]),
    ("92N6E.reference_detection.pfa_ratio=2",
     ["allowed values are numbers > 0 and < 1 (ratio)"]),
    ("48N6E3.max_range_km", ["expected NAME=VALUE with a number"]),
    ("48N6E3.max_range_km=far", ["expected NAME=VALUE with a number"]),
])
def test_bad_figure_is_named_before_work(tmp_path, command, value, expected):
    extra = ["--alt", "100"] if command == "coverage" else []
    out = tmp_path / "o"
    result = runner.invoke(app, [command, MINIMAL, *extra, "--figure", "48N6E3.max_range_km=200",
                                 "--figure", value, "--out", str(out)])
    _assert_refused_before_work(result, "--figure", value, expected, out)


def _assert_refused_before_work(result, option: str, value: str, expected: list[str], out):
    """Exit 2 naming the option and the value as typed, with each of ``expected``; no
    traceback, no progress bar, nothing written."""
    text = _flat(result.output)
    assert result.exit_code == 2, text
    assert f"Invalid value for '{option}': {value}:" in text, text
    for part in expected:
        assert part in text, text
    assert "Traceback" not in text and "━" not in text
    assert not out.exists()


def test_figure_override_on_every_figure_set_reaches_the_products(tmp_path):
    out = tmp_path / "cov"
    result = runner.invoke(app, ["coverage", MINIMAL, "--alt", "1000", "--resolution-km", "20",
                                 "--assume", "low", "--assume", "high", "--target", "0",
                                 "--figure", "48N6E3.max_range_km=100", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assumptions = summary.split("## Assumptions this rests on", 1)[1]
    assert "- 48N6E3.max_range_km = 100 km: user override (library low/nominal/high " in assumptions
    import json

    gj = json.loads((out / "coverage.geojson").read_text(encoding="utf-8"))
    labels = {f["properties"].get("figure_set") for f in gj["features"]}
    assert {"low + 1 override (48N6E3.max_range_km=100)",
            "high + 1 override (48N6E3.max_range_km=100)"} <= labels


def test_figure_override_reaches_the_run_summary(tmp_path):
    from pathlib import Path

    jets = Path(__file__).resolve().parent / "reference" / "two_jets.yaml"
    scenario = tmp_path / "jets.yaml"
    scenario.write_text(open(MINIMAL, encoding="utf-8").read() + jets.read_text(encoding="utf-8"))
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(scenario), "--duration-s", "60", "--assume", "low",
                                 "--figure", "48N6E3.warhead_mass_kg=1440", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "figure set low + 1 override (48N6E3.warhead_mass_kg=1440)" in summary
    assert "- 48N6E3.warhead_mass_kg = 1440 kg: user override (library low/nominal/high " \
           "143/180/180 kg;" in summary
    assert "48N6E3 40.0 m" in summary   # lethal radius from the overridden mass (cube root)
    # the headline counts the missiles that flew at a threat already destroyed (events log)
    import re

    import pandas as pd

    events = pd.read_parquet(out / "events.parquet")
    wasted = ((events["event"] == "miss")
              & events["detail"].str.startswith("target already destroyed")).sum()
    headline = re.search(r"(\d+) missiles \((\d+) of them at threats\s+already\s+destroyed\)",
                         result.output)
    assert headline and int(headline[1]) == (events["event"] == "launch").sum()
    assert int(headline[2]) == wasted
    assert f"missiles fired ({wasted} of them at threats already destroyed)" in " ".join(
        summary.split())


def test_rcs_override_reaches_the_coverage_target(tmp_path):
    """``--target F-16C --figure F-16C.rcs_dbsm=-20``: the F-16C is covered exactly like the
    explicit -20 dBsm target, over less area than at its library nominal RCS, and the notes
    say that its RCS is the override."""
    import numpy as np
    import xarray as xr

    from iadsim.scenario.library import load_library

    nominal = load_library().get("F-16C").figure("rcs_dbsm").nominal
    assert nominal > -20.0
    out = tmp_path / "cov"
    result = runner.invoke(app, ["coverage", MINIMAL, "--alt", "1000", "--resolution-km", "20",
                                 "--assume", "nominal", "--target", "F-16C", "--target", "-20",
                                 "--target", f"{nominal:g}", "--figure", "F-16C.rcs_dbsm=-20",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    with xr.open_dataset(out / "coverage.nc", engine="h5netcdf") as ds:
        labels = ds.target_label.values.tolist()
        rcs = dict(zip(labels, ds.target_rcs_dbsm.values.tolist(), strict=True))
        pd_any = {t: ds.pd_any.isel(target=i).values for i, t in enumerate(labels)}
    assert rcs["F-16C"] == -20.0
    np.testing.assert_array_equal(pd_any["F-16C"], pd_any["RCS -20 dBsm"])
    at_nominal = pd_any[f"RCS {nominal:+g} dBsm"]
    assert (pd_any["F-16C"] >= 0.5).sum() < (at_nominal >= 0.5).sum()
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert f"Target F-16C: mean RCS -20.0 dBsm is a user override of F-16C.rcs_dbsm (library " \
           f"nominal {nominal:+.1f} dBsm" in summary


# ------------------------------------------------------------------------------ jamming
@pytest.mark.parametrize(("value", "expected"), [
    ("ALQ-98@52.9,22.6,9000", ["ALQ-99"]),                        # closest jammer names
    ("F-16C@52.9,22.6,9000", ["F-16C"]),                          # not a jammer
    ("ALQ-99@52.9,22.6", ["expected TYPE@LAT,LON,ALT_M"]),
    ("ALQ-99 52.9,22.6,9000", ["expected TYPE@LAT,LON,ALT_M"]),
    ("ALQ-99@95,22.6,9000", ["latitude -90..90"]),
    ("ALQ-99@52.9,22.6,9000x0", ["count 1..100"]),
])
def test_bad_jammer_is_named_before_work(tmp_path, value, expected):
    out = tmp_path / "o"
    result = runner.invoke(app, ["coverage", MINIMAL, "--alt", "100", "--jammer", value,
                                 "--out", str(out)])
    _assert_refused_before_work(result, "--jammer", value, expected, out)


def test_coverage_under_jamming_writes_the_jammed_and_free_products(tmp_path):
    out = tmp_path / "cov"
    result = runner.invoke(app, ["coverage", MINIMAL, "--alt", "5000", "--resolution-km", "20",
                                 "--jammer", "ALQ-99@53.2,23.8,9000x2",
                                 "--self-screening", "ALQ-184", "--out", str(out)])
    assert result.exit_code == 0, result.output
    ds = xr.open_dataset(out / "coverage.nc", engine="h5netcdf")
    assert any(v.startswith("jammer_to_noise_db_") for v in ds.data_vars)
    assert float(ds["pd_any"].sum()) < float(ds["pd_any_unjammed"].sum())
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "S/(N+J)" in summary and "ALQ-184 self-screening" in summary
    assert "cli-jammer-1" in summary                    # the command-line station, assumed


def test_self_screening_must_be_a_jammer(tmp_path):
    out = tmp_path / "cov"
    result = runner.invoke(app, ["coverage", MINIMAL, "--alt", "5000", "--self-screening",
                                 "ALQ-13", "--out", str(out)])
    text = _flat(result.output)
    assert result.exit_code == 2 and "Invalid value for '--self-screening': ALQ-13" in text, text
    assert "ALQ-184" in text and "Traceback" not in text and "━" not in text
    assert not out.exists()
