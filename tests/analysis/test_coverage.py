"""Coverage grids against closed forms on flat terrain (independent of the viewshed code)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import xarray as xr

from iadsim.analysis.coverage import (
    MIN_ALTITUDE_LADDER_M,
    Grid,
    _height_at_elevation,
    _horizon_elevation,
    cell_area_m2,
    combine_pd,
    coverage,
    vertical_coverage,
)
from iadsim.analysis.envelopes import published_vs_seen
from iadsim.errors import InputError
from iadsim.geo.frames import geodesic_inverse
from iadsim.geo.terrain import Dem
from iadsim.scenario.build import Deployment, MissileSite, RadarSite
from iadsim.sensors.radar import RadarModel, derive_loop_gain

K = 4.0 / 3.0
R_EARTH = 6_371_008.8
LAT0, LON0 = 53.0, 27.0


def flat_dem(height_m: float = 0.0) -> Dem:
    lat = np.linspace(LAT0 - 4, LAT0 + 4, 161)
    lon = np.linspace(LON0 - 6, LON0 + 6, 241)
    return Dem(lat, lon, np.full((lat.size, lon.size), height_m), "flat test terrain")


def radar(antenna_agl_m: float = 30.0, ref_range_m: float = 1e9, rcs_ref_m2: float = 1.0,
          ground_m: float = 0.0, instrumented_m: float = 300e3) -> RadarSite:
    gain = derive_loop_gain(ref_range_m, rcs_ref_m2, 0.5, 1e-6, 1, 1)
    model = RadarModel(name="test", loop_gain_m4=gain, pfa=1e-6, n_pulses=1, swerling=1,
                       instrumented_range_m=instrumented_m, min_elevation_rad=np.radians(-5),
                       max_elevation_rad=np.radians(75))
    return RadarSite("r1", "bn1", "TEST", LAT0, LON0, ground_m, ground_m + antenna_agl_m, model)


def deployment(r: RadarSite, missiles=(), dem=None) -> Deployment:
    return Deployment("test", "nominal", (r,), tuple(missiles), dem or flat_dem(r.ground_msl_m),
                      K, terrain_fill_msl_m=r.ground_msl_m)


def horizon_closed_form_m(h_a: float, h_t: float) -> float:
    """4/3-Earth radar horizon, Skolnik (2001) eq. 8.6 form: sqrt(2kR h_a) + sqrt(2kR h_t)."""
    return np.sqrt(2 * K * R_EARTH * h_a) + np.sqrt(2 * K * R_EARTH * h_t)


@pytest.mark.parametrize("alt_m", [50.0, 500.0])
def test_flat_earth_coverage_edge_is_the_radar_horizon(alt_m):
    res = 2000.0
    dep = deployment(radar(30.0))
    ds = coverage(dep, [alt_m], 1.0, res)
    lat2, lon2 = np.meshgrid(ds.lat.values, ds.lon.values, indexing="ij")
    dist, _ = geodesic_inverse(LAT0, LON0, lat2, lon2)
    seen = ds["pd_any"].values[0] > 0.4
    expected = horizon_closed_form_m(30.0, alt_m)
    assert dist[seen].max() == pytest.approx(expected, abs=2.5 * res)
    # inside the horizon everything is seen, except the cone of silence above the radar (> 75°)
    assert seen[(dist > 2 * res) & (dist < expected - 2 * res)].all()


def test_high_altitude_edge_is_the_published_detection_range():
    """A radar derived from 'RCS 1 m² at 150 km, Pd 0.5' shows its Pd 0.5 edge at 150 km."""
    res = 2000.0
    dep = deployment(radar(30.0, ref_range_m=150e3))
    ds = coverage(dep, [10_000.0], 1.0, res)
    lat2, lon2 = np.meshgrid(ds.lat.values, ds.lon.values, indexing="ij")
    dist, _ = geodesic_inverse(LAT0, LON0, lat2, lon2)
    pd = ds["pd_any"].values[0]
    # slant range ~ ground range at this altitude (difference < 0.5 km at 150 km)
    assert dist[pd >= 0.5].max() == pytest.approx(150e3, abs=1.5 * res)
    assert np.all(pd[dist > 150e3 + 2 * res] < 0.5)


def test_missile_reach_ring_area_and_engageable_subset():
    res = 2000.0
    r = radar(30.0)
    m = MissileSite("bn1", "M1", LAT0, LON0, 0.0, 4, 5e3, 120e3, 10.0, 30e3, ("r1",))
    ds = coverage(deployment(r, [m]), [50.0, 10_000.0], 1.0, res)
    area = cell_area_m2(ds.lat.values, ds.lon.values)
    ring = ds["in_missile_reach_M1"].values[1]
    expected = np.pi * (120e3**2 - 5e3**2)
    assert (area * ring).sum() == pytest.approx(expected, rel=0.03)
    engage = ds["engageable_M1"].values
    assert not (engage & ~ds["in_missile_reach_M1"].values).any()
    # at 50 m only the radar horizon (~52 km) is engageable, far less than the published ring
    assert (area * engage[0]).sum() < 0.25 * expected
    rows = published_vs_seen(deployment(r, [m]), ds)
    low = next(x for x in rows if x.altitude_m == 50.0)
    assert low.horizon_reach_m == pytest.approx(horizon_closed_form_m(30.0, 50.0), rel=0.01)
    assert low.terrain_reach_median_m == pytest.approx(low.horizon_reach_m, abs=3 * res)


def test_min_detectable_altitude_matches_closed_form_horizon():
    res = 2000.0
    dep = deployment(radar(30.0))
    ds = coverage(dep, [100.0], 1.0, res)
    lat2, lon2 = np.meshgrid(ds.lat.values, ds.lon.values, indexing="ij")
    dist, _ = geodesic_inverse(LAT0, LON0, lat2, lon2)
    got = ds["min_detectable_altitude_agl_m"].values
    # closed-form lowest visible height over a smooth effective Earth at ground range d
    need = np.maximum(dist - np.sqrt(2 * K * R_EARTH * 30.0), 0.0) ** 2 / (2 * K * R_EARTH)
    sel = (dist > 20e3) & (dist < 200e3)
    ladder_pick = MIN_ALTITUDE_LADDER_M[np.searchsorted(MIN_ALTITUDE_LADDER_M, need[sel])]
    # one ladder step of tolerance for cells whose edge falls inside a grid cell
    ok = (got[sel] == ladder_pick) | (np.abs(np.searchsorted(MIN_ALTITUDE_LADDER_M, got[sel])
                                             - np.searchsorted(MIN_ALTITUDE_LADDER_M, ladder_pick))
                                      <= 1)
    assert ok.mean() > 0.99


def test_combine_pd_is_independent_union():
    a, b = np.array([0.5, 0.0, 1.0]), np.array([0.5, 0.3, 0.2])
    np.testing.assert_allclose(combine_pd([a, b]), [0.75, 0.3, 1.0])


def test_smooth_sphere_visible_height_closed_form():
    """Ray height beyond the tangent point equals Re/cos(θ−θa) − Re (exact sphere geometry)."""
    re = K * R_EARTH
    h_a = 40.0
    s = np.array([50e3, 100e3, 200e3])
    theta_a = np.arccos(re / (re + h_a))
    expected = re / np.cos(s / re - theta_a) - re
    got = _height_at_elevation(s, h_a, np.full_like(s, _horizon_elevation(h_a, K)), K)
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_vertical_coverage_terrain_shadow_behind_a_ridge():
    """A 300 m plateau from 20 km on hides everything below the ray grazing its edge."""
    lat = np.linspace(LAT0 - 1, LAT0 + 1, 801)
    lon = np.linspace(LON0 - 3, LON0 + 0.02, 1201)
    h = np.zeros((lat.size, lon.size))
    ridge_lon = LON0 - 20e3 / (111_320 * np.cos(np.radians(LAT0)))
    h[:, lon < ridge_lon] = 300.0
    dem = Dem(lat, lon, h, "ridge")
    r = radar(30.0)
    vds = vertical_coverage(r, 1.0, dem, K, 1.5 * np.pi, max_range_m=150e3, max_altitude_m=5e3)
    rng = vds["range"].values
    mask = vds["mask_msl_m"].values
    # elevation of the ridge edge from the antenna (flat-Earth approximation is within 0.5 m here)
    d_edge = 20e3
    slope = (300.0 - 30.0) / d_edge - d_edge / (2 * K * R_EARTH)
    far = rng > 40e3
    predicted = 30.0 + slope * rng[far] + rng[far] ** 2 / (2 * K * R_EARTH)
    np.testing.assert_allclose(mask[far], predicted, rtol=0.02, atol=15.0)
    assert np.all(vds["pd"].values[vds["altitude"].values[:, None] < mask[None, :] - 1] == 0)


def test_grid_covers_instrumented_range():
    g = Grid.around(deployment(radar(instrumented_m=100e3)), 5000.0)
    assert g.lat_deg.min() <= LAT0 - 100e3 / 111_320 + 0.05
    assert g.lon_deg.max() >= LON0 + 100e3 / (111_320 * np.cos(np.radians(LAT0))) - 0.08


def test_kinematic_reach_ring_replaces_published_only_where_a_flyout_model_exists():
    """9M96E2 (calibrated flyout) gets the kinematic ring, the made-up M1 keeps its published one;
    both keep the published altitude limits; published mode is the default and adds nothing."""
    from iadsim.analysis.kinematic_envelope import kinematic_reach

    res = 5000.0
    r = radar(30.0)
    sam = MissileSite("bn1", "9M96E2", LAT0, LON0, 0.0, 4, 1e3, 120e3, 5.0, 20e3, ("r1",))
    other = MissileSite("bn1", "M1", LAT0, LON0, 0.0, 4, 5e3, 120e3, 10.0, 2e3, ("r1",))
    dep = deployment(r, [sam, other])
    ds = coverage(dep, [3000.0], 1.0, res, reach="kinematic")
    lat2, lon2 = np.meshgrid(ds.lat.values, ds.lon.values, indexing="ij")
    dist, _ = geodesic_inverse(LAT0, LON0, lat2, lon2)
    kr = kinematic_reach("9M96E2", (3000.0,), 250.0, 120e3, 20e3)   # the site's figures
    lo, hi = kr.min_intercept_range_m[0], kr.max_intercept_range_m[0]
    np.testing.assert_array_equal(ds["in_missile_reach_9M96E2"].values[0],
                                  (dist >= lo) & (dist <= hi))
    assert ds["in_missile_reach_9M96E2"].attrs["reach"] == "kinematic"
    # 3000 m is above M1's published 2 km ceiling: its (published) ring is empty at this altitude
    assert not ds["in_missile_reach_M1"].values.any() and "reach" not in ds["in_missile_reach_M1"].attrs
    assumptions = " ".join(json.loads(ds.attrs["assumptions"]))
    assert "non-manoeuvring approaching target at 250 m/s" in assumptions
    assert "M1: no calibrated flyout model" in assumptions
    rings = json.loads(ds.attrs["missile_reach_rings"])
    assert [x["basis"] for x in rings] == ["kinematic", "published"]
    rows = published_vs_seen(dep, ds)
    assert rows[0].reach_basis == "kinematic" and rows[0].reach_max_range_m == hi
    assert rows[0].horizon_reach_m <= hi
    published = coverage(dep, [3000.0], 1.0, res)
    xr.testing.assert_identical(published, coverage(dep, [3000.0], 1.0, res, reach="published"))
    assert "missile_reach" not in published.attrs
    np.testing.assert_array_equal(published["in_missile_reach_9M96E2"].values[0],
                                  (dist >= 1e3) & (dist <= 120e3))


def test_a_kinematic_ring_flies_the_sites_figures():
    """Two 9M96E2 sites, one at the calibration's published 120 km / 30 km and one at 150 km
    (a high figure or an override): the 150 km site's ring reaches about 25 % farther
    (the re-fitted flyout's guided range is 149.5 km: tests/weapons/test_calibration.py), and
    the 120 km ring is the calibrated flyout's."""
    from iadsim.analysis.kinematic_envelope import kinematic_reach
    from iadsim.analysis.reach import missile_rings

    r = radar(30.0)
    sites = [MissileSite(f"bn{k}", "9M96E2", LAT0, LON0, 0.0, 4, 1e3, rng_m, 5.0, 30e3, ("r1",))
             for k, rng_m in enumerate((120e3, 150e3))]
    rings = [missile_rings(deployment(r, [s]), [3000.0], "agl", "kinematic")[0][0]
             for s in sites]
    calibrated = kinematic_reach("9M96E2", (3000.0,), 250.0)
    assert rings[0].max_range_m == calibrated.max_intercept_range_m[0]
    assert 1.15 < rings[1].max_range_m / rings[0].max_range_m < 1.35


def test_unknown_reach_is_a_clear_error():
    with pytest.raises(InputError, match="allowed values are published, kinematic"):
        coverage(deployment(radar(30.0)), [100.0], 1.0, 20_000.0, reach="simulated")


def test_msl_target_below_the_launcher_has_no_kinematic_reach():
    from iadsim.analysis.reach import missile_rings

    sam = MissileSite("bn1", "9M96E2", LAT0, LON0, 200.0, 4, 1e3, 120e3, 5.0, 20e3, ("r1",))
    [[ring]] = missile_rings(deployment(radar(30.0, ground_m=200.0), [sam]), [150.0], "msl",
                             "kinematic")
    assert ring.basis == "kinematic" and np.isnan(ring.max_range_m)


def test_kinematic_provenance_replaces_the_published_only_assumption():
    """The build states that reach is the published range only; kinematic runs must not."""
    from iadsim.analysis.reach import PUBLISHED_REACH_NOTE_START, with_reach_provenance
    from iadsim.scenario.build import MODEL_ASSUMPTIONS

    assert any(a.startswith(PUBLISHED_REACH_NOTE_START) for a in MODEL_ASSUMPTIONS)
    dep = replace(deployment(radar(30.0)), assumptions=list(MODEL_ASSUMPTIONS))
    kin = with_reach_provenance(dep, "kinematic", 300.0)
    assert not any(a.startswith(PUBLISHED_REACH_NOTE_START) for a in kin.assumptions)
    assert sum("approaching target at 300 m/s" in a for a in kin.assumptions) == 1
    assert with_reach_provenance(kin, "kinematic", 300.0).assumptions == kin.assumptions
    assert with_reach_provenance(dep, "published") is dep
