"""NetCDF outputs pass the IOOS compliance-checker's CF 1.8 suite and read back with xarray.

The oracle is the compliance-checker (its CF 1.8 checks at every priority, and no check may
crash on our file), which we did not write; cf-units (UDUNITS) checks the dBsm unit spelling by
converting it. Coverage comes from the real analysis path on a small synthetic deployment (one
radar and one missile site on flat terrain, coarse grid), written by the workflow's own writer.
"""

from __future__ import annotations

import json
import warnings

import cf_units
import numpy as np
import pytest
import xarray as xr
from compliance_checker.runner import CheckSuite

from iadsim import workflows
from iadsim.analysis.coverage import coverage
from iadsim.analysis.report import TargetSpec
from iadsim.errors import IadsimError
from iadsim.geo.terrain import Dem
from iadsim.io.netcdf import DBSM_UNITS, write_netcdf
from iadsim.scenario.build import Deployment, MissileSite, RadarSite
from iadsim.sensors.radar import RadarModel, derive_loop_gain

LAT0, LON0 = 53.0, 27.0
TARGETS = [TargetSpec("F-16C", "F-16C", 5.0), TargetSpec("RCS -10 dBsm", None, -10.0)]


def cf_problems(path) -> list[str]:
    """Every failed CF 1.8 check (high, medium and low priority) and every crashed check."""
    suite = CheckSuite()
    with warnings.catch_warnings():  # its deprecated ioos_sos checker warns on loading
        warnings.simplefilter("ignore", DeprecationWarning)
        suite.load_all_available_checkers()
    groups, crashed = suite.run_all(suite.load_dataset(str(path)), ["cf:1.8"],
                                    skip_checks=[])["cf:1.8"]
    out = [f"check {name} crashed: {exc!r}" for name, (exc, _) in crashed.items()]
    for r in groups:
        if r.value[0] != r.value[1]:
            out += [f"[priority {r.weight}] {r.name}: {m}" for m in r.msgs] or [r.name]
    return out


def _deployment() -> Deployment:
    lat = np.linspace(LAT0 - 3, LAT0 + 3, 61)
    lon = np.linspace(LON0 - 5, LON0 + 5, 101)
    dem = Dem(lat, lon, np.full((lat.size, lon.size), 150.0), "flat test terrain, 150 m")
    gain = derive_loop_gain(150e3, 1.0, 0.5, 1e-6, 1, 1)
    model = RadarModel(name="test", loop_gain_m4=gain, pfa=1e-6, n_pulses=1, swerling=1,
                       instrumented_range_m=200e3, min_elevation_rad=np.radians(-5),
                       max_elevation_rad=np.radians(75))
    # a hyphenated id, as real ones are (s400-1-92n6e): not a CF variable name as it stands
    radar = RadarSite("bn-1-r1", "bn-1", "TEST", LAT0, LON0, 150.0, 180.0, model)
    sam = MissileSite("bn-1", "48N6E3", LAT0, LON0, 150.0, 4, 5e3, 120e3, 10.0, 27e3,
                      ("bn-1-r1",))
    return Deployment("test", "nominal", (radar,), (sam,), dem, 4 / 3, 150.0,
                      citations=[{"title": "A public source", "url": "https://example.org/a"}],
                      assumptions=["an assumption"])


@pytest.fixture(scope="module", params=["agl", "msl"])
def coverage_nc(request, tmp_path_factory):
    """(file, per-target Datasets) of a two-target coverage written by the workflow writer."""
    dep = _deployment()
    alts = [100.0, 5000.0] if request.param == "agl" else [500.0, 5000.0]
    per_target = {t.label: coverage(dep, alts, 10 ** (t.rcs_dbsm / 10), 20_000.0, request.param)
                  for t in TARGETS}
    path = tmp_path_factory.mktemp("nc") / "coverage.nc"
    workflows._write_netcdf(per_target, TARGETS, path)
    return path, per_target


@pytest.fixture(scope="module")
def envelope_nc(tmp_path_factory):
    png = tmp_path_factory.mktemp("env") / "env.png"
    table = workflows.envelope_products("9M96E2", [5000.0], 250.0, png)
    return png.with_suffix(".nc"), table


def test_coverage_passes_cf_1_8(coverage_nc):
    path, _ = coverage_nc
    assert cf_problems(path) == []


def test_envelope_passes_cf_1_8(envelope_nc):
    path, _ = envelope_nc
    assert cf_problems(path) == []


def test_checker_rejects_a_bad_file(tmp_path):
    """The oracle can fail: a unit UDUNITS does not know, a hyphen, a coordinate _FillValue."""
    ds = xr.Dataset({"rcs": (("x",), [1.0, 2.0], {"units": "dBsm", "long_name": "rcs"}),
                     "a-b": (("x",), [1.0, 2.0], {"units": "m", "long_name": "ab"})},
                    coords={"x": ("x", [0.0, 1.0], {"units": "m", "long_name": "x"})},
                    attrs={"Conventions": "CF-1.8", "title": "bad"})
    ds.to_netcdf(tmp_path / "bad.nc", engine="h5netcdf")
    problems = "\n".join(cf_problems(tmp_path / "bad.nc"))
    assert "rcs" in problems and "dBsm" in problems
    assert "a-b" in problems
    assert "_FillValue" in problems


def test_coverage_round_trip(coverage_nc):
    path, per_target = coverage_nc
    ref = "agl" if per_target["F-16C"].attrs["altitude_reference"] == "AGL" else "msl"
    vertical = "height" if ref == "agl" else "altitude"
    back = xr.open_dataset(path, engine="h5netcdf")
    src = per_target["F-16C"]
    i = list(back["target_label"].values).index("F-16C")
    # CF: the vertical coordinate says what it is measured from
    z = back[vertical]
    assert z.attrs["standard_name"] == vertical and z.attrs["positive"] == "up"
    assert z.attrs["axis"] == "Z" and z.attrs["units"] == "m"
    np.testing.assert_array_equal(z.values, src.altitude.values)
    assert back.lat.attrs["standard_name"] == "latitude" and back.lat.attrs["axis"] == "Y"
    assert back.lon.attrs["units"] == "degrees_east" and back.lon.attrs["axis"] == "X"
    np.testing.assert_array_equal(back.lat.values, src.lat.values)
    # Pd as float32, names with underscores, units and long names kept
    pd_file = back["pd_bn_1_r1"].isel(target=i)
    assert pd_file.dtype == np.float32 and pd_file.attrs["units"] == "1"
    assert "bn-1-r1" in pd_file.attrs["long_name"]
    np.testing.assert_allclose(pd_file.values, src["pd_bn-1-r1"].values, atol=1e-7)
    np.testing.assert_allclose(back["pd_any"].isel(target=i).values, src["pd_any"].values, atol=1e-7)
    mda = back["min_detectable_altitude_agl_m"].isel(target=i)
    np.testing.assert_allclose(mda.values, src["min_detectable_altitude_agl_m"].values)
    assert back["ground_msl_m"].attrs["standard_name"] == "surface_altitude"
    # flags: booleans again for xarray, CF flag attributes for everyone else
    for var in ("engageable_48N6E3", "in_missile_reach_48N6E3", "target_below_ground"):
        assert back[var].dtype == bool
        np.testing.assert_array_equal(back[var].isel(target=i).values, src[var].values)
        assert list(back[var].attrs["flag_values"]) == [0, 1]
        assert len(back[var].attrs["flag_meanings"].split()) == 2
    assert back["engageable_48N6E3"].isel(target=i).values.any()  # the test sees a real flag
    # targets: labels as an auxiliary coordinate, RCS in m² and in dBsm (UDUNITS spelling)
    assert list(back["target_label"].values) == [t.label for t in TARGETS]
    assert back["target_rcs_dbsm"].attrs["units"] == DBSM_UNITS
    dbsm = cf_units.Unit(back["target_rcs_dbsm"].attrs["units"])
    np.testing.assert_allclose(dbsm.convert(back["target_rcs_dbsm"].values, cf_units.Unit("m2")),
                               [10 ** 0.5, 0.1])
    np.testing.assert_allclose(back["target_rcs_m2"].values, [10 ** 0.5, 0.1])
    assert back["target_rcs_m2"].attrs["units"] == "m2"
    # provenance stays in the global attributes
    assert back.attrs["Conventions"] == "CF-1.8"
    assert json.loads(back.attrs["assumptions"]) == ["an assumption"]
    assert "https://example.org/a" in back.attrs["references"]
    assert back.attrs["altitude_reference"] == ref.upper()


def test_envelope_round_trip(envelope_nc):
    path, table = envelope_nc
    back = xr.open_dataset(path, engine="h5netcdf")
    assert back.attrs["title"] == "iadsim kinematic launch envelope of the 9M96E2"
    assert back.attrs["iadsim_version"] and json.loads(back.attrs["provenance"])["sources"]
    assert list(back["heading_label"].values) == ["approaching"]
    assert back["height"].attrs["standard_name"] == "height"
    assert back["max_launch_range_m"].attrs["units"] == "m"
    np.testing.assert_allclose(back["max_launch_range_m"].values.ravel() / 1e3,
                               table["max_launch_range_km"], rtol=1e-6)
    assert back["intercept"].dtype == bool and back["intercept"].values.any()


def test_writer_refuses_undocumented_variables(tmp_path):
    good = {"units": "m", "long_name": "a length"}
    ds = xr.Dataset({"a_m": (("x",), [1.0], good), "b": (("x",), [1.0], {"long_name": "b"})},
                    coords={"x": ("x", [0.0], good)}, attrs={"title": "t"})
    with pytest.raises(IadsimError, match="'b' has no units"):
        write_netcdf(ds, tmp_path / "x.nc")
    ds["b"].attrs = {"units": "m"}
    with pytest.raises(IadsimError, match="'b' has no long_name"):
        write_netcdf(ds, tmp_path / "x.nc")
    clash = xr.Dataset({"a-b": (("x",), [1.0], good), "a_b": (("x",), [1.0], good)},
                       coords={"x": ("x", [0.0], good)}, attrs={"title": "t"})
    with pytest.raises(IadsimError, match="both be written as 'a_b'"):
        write_netcdf(clash, tmp_path / "x.nc")
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_coverage_under_jamming_passes_cf_1_8_and_keeps_jn_in_db(tmp_path):
    from dataclasses import replace

    from iadsim.analysis.coverage import Jamming
    from iadsim.scenario.build import JammerSite
    from iadsim.sensors.ew import NoiseJammer, Receiver

    dep = _deployment()
    rec = Receiver(1e4, 0.02, 0.03, 1e-3, 3e9, 1e6, 2.0)
    dep = replace(dep, radars=(replace(dep.radars[0], receiver=rec),))
    pod = NoiseJammer(1000.0, 30.0, 20e6, 2e9, 4e9)
    jam = Jamming((JammerSite("soj-1", "POD", LAT0 + 1.5, LON0, 9000.0, pod, 2),))
    per_target = {t.label: coverage(dep, [100.0, 5000.0], 10 ** (t.rcs_dbsm / 10), 20_000.0,
                                    jamming=jam) for t in TARGETS}
    path = tmp_path / "coverage.nc"
    workflows._write_netcdf(per_target, TARGETS, path)
    assert cf_problems(path) == []
    back = xr.open_dataset(path, engine="h5netcdf")
    jn = back["jammer_to_noise_db_bn_1_r1"]
    # dB as UDUNITS reads it: converting 10 dB to a plain ratio gives 10
    assert float(cf_units.Unit(jn.attrs["units"]).convert(10.0, cf_units.Unit("1"))) == \
        pytest.approx(10.0)
    np.testing.assert_allclose(jn.isel(target=0).values,
                               per_target["F-16C"]["jammer_to_noise_db_bn-1-r1"].values, atol=1e-5)
    assert (back["pd_any"] <= back["pd_any_unjammed"] + 1e-7).all()
    assert json.loads(back.attrs["jamming"])[0]["id"] == "soj-1"
