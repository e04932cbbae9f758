"""End-to-end products from a scenario file, and the command line, on coarse grids."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

import iadsim
from iadsim import workflows
from iadsim.cli import app
from iadsim.scenario.build import build_deployment, load_terrain

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MINIMAL = EXAMPLES / "minimal.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "cov"
    sc = iadsim.load_scenario(MINIMAL)
    run = workflows.coverage_products(sc, out, [100.0, 5000.0],
                                      [workflows.target_spec("F-16C"), workflows.target_spec("-10")],
                                      resolution_m=10_000.0, figure_sets=("low", "nominal"))
    return out, run


def test_all_products_written_with_provenance(products):
    out, run = products
    names = {p.name for p in out.iterdir()}
    assert {"coverage.geojson", "coverage.kml", "coverage.nc", "summary.md",
            "map_f_16c_100m.png", "map_rcs__10_dbsm_5000m.png", "min_altitude_f_16c.png",
            "vertical_92n6e.png", "vertical_91n6e.png"} <= names
    assert {p.name for p in run.files} == names
    gj = json.loads((out / "coverage.geojson").read_text())
    assert gj["metadata"]["iadsim_version"] == iadsim.__version__
    assert gj["metadata"]["figure_set"] == "nominal"
    assert any("91N6E" in a for a in gj["metadata"]["assumptions"])
    assert all(s["url"].startswith("http") for s in gj["metadata"]["sources"])
    ET.parse(out / "coverage.kml")
    ds = xr.open_dataset(out / "coverage.nc", engine="h5netcdf")
    assert ds.sizes["target"] == 2 and ds.sizes["height"] == 2  # AGL: CF "height"
    assert json.loads(ds.attrs["assumptions"])
    summary = (out / "summary.md").read_text()
    for text in ("Warsaw", "Key findings", "Assumptions this rests on", "Sources", "48N6E3",
                 "250 km", "ESTIMATE"):
        assert text in summary


def test_coverage_grows_with_altitude_and_rcs(products):
    _, run = products
    nominal = run.results["nominal"]
    big, small = nominal["F-16C"], nominal["RCS -10 dBsm"]

    def area(ds, i):
        return float((ds["pd_any"].values[i] >= 0.5).sum())

    assert area(big, 1) > area(big, 0) > 0
    assert area(big, 1) >= area(small, 1)
    # the low figure set never covers more than the nominal one
    low = run.results["low"]["F-16C"]
    assert (low["pd_any"].values >= 0.5).sum() <= (big["pd_any"].values >= 0.5).sum()


def test_failed_run_leaves_nothing_behind(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(workflows, "coverage_summary_md", boom)
    sc = iadsim.load_scenario(MINIMAL)
    with pytest.raises(RuntimeError):
        workflows.coverage_products(sc, tmp_path / "out", [100.0], [workflows.target_spec("0")],
                                    resolution_m=20_000.0, figure_sets=("nominal",),
                                    vertical=False)
    assert list(tmp_path.iterdir()) == []


def test_python_api_coverage_dims_and_units():
    sc = iadsim.load_scenario(MINIMAL)
    ds = iadsim.coverage(sc, altitudes_m=[200.0], rcs_dbsm=0.0, resolution_m=20_000.0)
    assert ds["pd_any"].dims == ("altitude", "lat", "lon")
    assert {"pd_s400-1-92n6e", "pd_s400-1-91n6e", "in_missile_reach_48N6E3"} <= set(ds.data_vars)
    assert ds["altitude"].attrs["units"] == "m" and ds.attrs["altitude_reference"] == "AGL"
    assert 0.0 <= float(ds["pd_any"].min()) <= float(ds["pd_any"].max()) <= 1.0


def test_same_scenario_same_numbers():
    sc = iadsim.load_scenario(MINIMAL)
    a = iadsim.coverage(sc, altitudes_m=[300.0], rcs_dbsm=0.0, resolution_m=25_000.0)
    b = iadsim.coverage(sc, altitudes_m=[300.0], rcs_dbsm=0.0, resolution_m=25_000.0)
    xr.testing.assert_identical(a, b)


def test_inactive_battalion_is_not_in_coverage():
    sc = iadsim.load_scenario(EXAMPLES / "united_resolve_2022.yaml")
    dep = build_deployment(sc, "nominal", load_terrain(sc, resolution_m=5000.0))
    inactive = {b.id for b in sc.battalions if not b.active}
    assert inactive and not inactive & {r.battalion_id for r in dep.radars}
    assert any("inactive" in a for a in dep.assumptions)


@pytest.mark.parametrize("args", [
    ["equipment", "list"],
    ["equipment", "show", "40N6E"],
    ["equipment", "show", "91n6e"],
    ["validate", str(MINIMAL)],
])
def test_cli_commands_succeed(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output


def test_cli_show_lists_sources_and_assumptions():
    out = runner.invoke(app, ["equipment", "show", "92N6E"]).output
    assert "http" in out and "ASSUMED" in out and "derived" in out


def test_cli_unknown_equipment_suggests_closest():
    result = runner.invoke(app, ["equipment", "show", "40N6X"])
    assert result.exit_code == 2
    assert "40N6E" in result.output and "Traceback" not in result.output


def test_cli_validate_bad_file_names_file_line_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.read_text().replace("type: 92N6E", "type: 92N6X"))
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml:" in result.output and "battalions[0].radars[0].type" in result.output
    assert "92N6E" in result.output and "Traceback" not in result.output


def test_cli_coverage_writes_outputs(tmp_path):
    result = runner.invoke(app, ["coverage", str(MINIMAL), "--alt", "1000", "--target", "Su-35",
                                 "--resolution-km", "20", "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    ds = xr.open_dataset(tmp_path / "c" / "coverage.nc", engine="h5netcdf")
    assert list(ds.target_label.values) == ["Su-35"]
    assert np.isfinite(ds["ground_msl_m"].values).all()


def test_png_carries_provenance(products):
    from PIL import Image

    out, _ = products
    info = Image.open(out / "map_f_16c_100m.png").info
    meta = json.loads(info["Description"])
    assert info["Software"] == f"iadsim {iadsim.__version__}"
    assert meta["figure_set"] == "nominal" and meta["sources"] and meta["assumptions"]


def test_msl_altitudes_are_labelled_and_below_ground_is_flagged(tmp_path):
    sc = iadsim.load_scenario(MINIMAL)
    ds = iadsim.coverage(sc, altitudes_m=[100.0], rcs_dbsm=0.0, resolution_m=20_000.0,
                         altitude_reference="msl")
    assert ds.attrs["altitude_reference"] == "MSL"
    below = ds["target_below_ground"].values[0]
    assert below.any()  # the synthetic relief is 160-280 m, above a 100 m MSL target
    assert (ds["pd_any"].values[0][below] == 0).all()


def test_scenario_area_sets_the_grid(tmp_path):
    text = MINIMAL.read_text() + (
        "area: {lat_min_deg: 52.5, lat_max_deg: 53.5, lon_min_deg: 25.5, lon_max_deg: 26.5}\n")
    path = tmp_path / "area.yaml"
    path.write_text(text)
    ds = iadsim.coverage(iadsim.load_scenario(path), altitudes_m=[100.0], rcs_dbsm=0.0,
                         resolution_m=10_000.0)
    assert ds.lat.min() == pytest.approx(52.5) and ds.lat.max() <= 53.5 + 0.05
    assert ds.lon.min() == pytest.approx(25.5) and ds.lon.max() <= 26.5 + 0.08


def test_small_dem_beyond_extent_is_an_explicit_assumption(tmp_path):
    from iadsim.geo.terrain import Dem

    dem_path = tmp_path / "dem.tif"
    Dem.synthetic(52.5, 53.7, 25.0, 27.0, 2000.0, seed=3).to_geotiff(dem_path)
    ds = iadsim.coverage(iadsim.load_scenario(MINIMAL), altitudes_m=[100.0], rcs_dbsm=0.0,
                         resolution_m=20_000.0, dem=dem_path)
    assert any("beyond the DEM" in a for a in json.loads(ds.attrs["assumptions"]))


def test_site_outside_dem_is_a_clear_error(tmp_path):
    from iadsim.geo.terrain import Dem

    dem_path = tmp_path / "dem.tif"
    Dem.synthetic(50.0, 51.0, 20.0, 21.0, 5000.0, seed=3).to_geotiff(dem_path)
    result = runner.invoke(app, ["coverage", str(MINIMAL), "--alt", "100", "--dem", str(dem_path),
                                 "--resolution-km", "20", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "outside the DEM" in result.output and "ground_alt_m" in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args, expected", [
    (["--alt", "-100"], "Invalid value for '--alt': -100: allowed values with --altitude-reference "
                        "agl are numbers >= 0 and <= 100000 m"),
    (["--alt", "-600", "--altitude-reference", "msl"],
     "Invalid value for '--alt': -600: allowed values are numbers >= -500 and <= 100000 m"),
    (["--alt", "100", "--resolution-km", "0"],
     "Invalid value for '--resolution-km': 0: allowed values are numbers > 0 km"),
    (["--alt", "100", "--resolution-km", "0.001"], "use a resolution of at least"),
    (["--alt", "100", "--assume", "best"], "'low', 'nominal', 'high'"),
    (["--alt", "100", "--altitude-reference", "sea"], "'agl', 'msl'"),
    (["--alt", "100", "--target", "Su-3x"], "Su-35"),
    (["--alt", "100", "--reach", "kinematic", "--target-speed", "-5"],
     "Invalid value for '--target-speed': -5: allowed values are numbers > 0 m/s"),
])
def test_cli_coverage_bad_options_are_clear_errors(tmp_path, args, expected):
    result = runner.invoke(app, ["coverage", str(MINIMAL), *args, "--out", str(tmp_path / "x")])
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.output.replace("│", " ").split()), result.output
    assert "Traceback" not in result.output and not (tmp_path / "x").exists()


def test_cli_equipment_list_bad_kind():
    result = runner.invoke(app, ["equipment", "list", "--kind", "tank"])
    assert result.exit_code == 2 and "command_post" in result.output


def test_cli_envelope_writes_plot_and_table(tmp_path):
    result = runner.invoke(app, ["envelope", "9M96E2", "--target-alt", "5000", "--target-speed",
                                 "250", "--out", str(tmp_path / "env.png")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.png").exists() and (tmp_path / "env.nc").exists()
    assert "max_launch_range_km" in result.output


def test_cli_envelope_flies_the_figures(tmp_path):
    """--figure 9M96E2.max_range_km=150 (calibrated to the published 120 km): the flyout is
    re-fitted (guided range 149.5 km, tests/weapons/test_calibration.py), so the envelope's
    maximum launch range at 5 km grows by about a quarter, and the plot's NetCDF names the
    override among its assumptions."""
    import json

    import xarray as xr

    got = {}
    for label, extra in (("published", []), ("override", ["--figure", "9M96E2.max_range_km=150"])):
        out = tmp_path / f"{label}.png"
        result = runner.invoke(app, ["envelope", "9M96E2", "--target-alt", "5000",
                                     "--target-speed", "250", "--out", str(out), *extra])
        assert result.exit_code == 0, result.output
        with xr.open_dataset(out.with_suffix(".nc")) as ds:
            assert ds["heading_label"].values[0] == "approaching"
            got[label] = float(ds["max_launch_range_m"].values[0, 0])
            provenance = json.loads(ds.attrs["provenance"])
    assert 1.15 < got["override"] / got["published"] < 1.35
    assert provenance["figure_set"] == "nominal + 1 override (9M96E2.max_range_km=150)"
    assert any(a.startswith("9M96E2.max_range_km = 150 km: user override")
               for a in provenance["assumptions"])


def _uncalibrated_missile() -> str:
    """A library missile without a flyout model (the set of calibrated missiles grows)."""
    from iadsim.scenario.library import load_library
    from iadsim.weapons.calibration import aero_ids

    missing = sorted(set(load_library().names("missile")) - set(aero_ids()))
    if not missing:
        pytest.skip("every library missile has a calibrated flyout model")
    return missing[0]


@pytest.mark.parametrize("name, expected", [("91N6E", "is a radar"), (None, "no calibrated")])
def test_cli_envelope_rejects_non_missiles_and_uncalibrated(tmp_path, name, expected):
    result = runner.invoke(app, ["envelope", name or _uncalibrated_missile(), "--out",
                                 str(tmp_path / "e.png")])
    assert result.exit_code == 2 and expected in result.output


def test_cli_coverage_bad_reach_names_the_option_and_allowed_values(tmp_path):
    result = runner.invoke(app, ["coverage", str(MINIMAL), "--alt", "100", "--reach", "flyout",
                                 "--out", str(tmp_path / "x")])
    text = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2, result.output
    assert "'--reach'" in text and "'flyout' is not one of 'published', 'kinematic'" in text
    assert "Traceback" not in result.output and not (tmp_path / "x").exists()


def test_cli_coverage_kinematic_reach_compares_rings_and_states_the_assumption(tmp_path):
    out = tmp_path / "k"
    result = runner.invoke(app, ["coverage", str(MINIMAL), "--alt", "3000", "--resolution-km", "25",
                                 "--reach", "kinematic", "--target-speed", "250", "--out",
                                 str(out)])
    assert result.exit_code == 0, result.output
    assumption = ("kinematic reach from the 3-DOF flyout (calibrated to the published maximum "
                  "range and ceiling, re-fitted where the figure set or an override gives others, "
                  "as in an engagement run), non-manoeuvring approaching target at 250 m/s")
    summary = (out / "summary.md").read_text()
    assert "## Kinematic reach beside the published ring" in summary
    assert "| s400-1 | 48N6E3 | 250 km | 3,000 m AGL | kinematic |" in summary
    assert assumption in summary and "Missile reach uses published" not in summary
    gj = json.loads((out / "coverage.geojson").read_text())
    assert any(assumption in a for a in gj["metadata"]["assumptions"])
    assert {"kinematic reach", "engageable"} <= {f["properties"]["layer"] for f in gj["features"]}
    ds = xr.open_dataset(out / "coverage.nc", engine="h5netcdf")
    assert ds.attrs["missile_reach"] == "kinematic"
    assert assumption in ds.attrs["assumptions"]
    from PIL import Image

    meta = json.loads(Image.open(out / "map_f_16c_3000m.png").info["Description"])
    assert any(assumption in a for a in meta["assumptions"])


def test_every_threat_class_has_a_replay_kind():
    import typing

    from iadsim.scenario.library import Threat
    from iadsim.workflows import _REPLAY_KIND

    classes = set(typing.get_args(Threat.model_fields["threat_class"].annotation))
    assert classes == set(_REPLAY_KIND)
