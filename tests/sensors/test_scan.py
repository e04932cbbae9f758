"""Tests of iadsim.sensors.scan: scan timing, detection statistics, noise, covariance, false alarms.

References used here are independent of the module under test: pyproj.Geod for azimuth and
ground range, the classical law of cosines on the 4/3 Earth for slant range and elevation,
iadsim.sensors.detection.pd for the detection probability, scipy.stats for the distributions.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pyproj
import pytest
from scipy import stats

from iadsim.engine.trajectory import Trajectories
from iadsim.geo.frames import enu2geodetic, geodetic2enu
from iadsim.geo.los import radar_min_visible_height
from iadsim.geo.terrain import Dem
from iadsim.sensors.detection import pd as detection_pd
from iadsim.sensors.radar import RadarModel, derive_loop_gain
from iadsim.sensors.scan import (
    DETECTION_COLUMNS,
    DetectionArrays,
    RadarSensor,
    _converted,
    _object_azimuth,
    scan_arrays,
    scan_detections,
)
from iadsim.units import EARTH_RADIUS_M

GEOD = pyproj.Geod(ellps="WGS84")
SITE = (53.0, 27.0)
K = 4.0 / 3.0
HUGE_GAIN = 1e26  # Pd = 1 to machine precision inside the instrumented range


def _model(**kw) -> RadarModel:
    p = dict(name="test", loop_gain_m4=HUGE_GAIN, pfa=1e-9, n_pulses=1, swerling=1,
             instrumented_range_m=150e3, min_elevation_rad=-0.05, max_elevation_rad=1.2)
    p.update(kw)
    return RadarModel(**p)


def _sensor(model: RadarModel | None = None, **kw) -> RadarSensor:
    p = dict(id="R1", model=model or _model(), lat_deg=SITE[0], lon_deg=SITE[1], antenna_msl_m=20.0,
             scan_period_s=1.0, sector_centre_rad=0.0, sector_width_rad=2 * math.pi,
             sigma_range_m=50.0, sigma_az_rad=2e-3, sigma_el_rad=3e-3, range_resolution_m=150.0,
             beamwidth_az_rad=0.02, beamwidth_el_rad=0.03)
    p.update(kw)
    return RadarSensor(**p)


def _stationary(points, t_end: float) -> Trajectories:
    """Objects hovering at (lat, lon, alt_msl) from 0 to t_end (velocity 0: broadside aspect)."""
    pts = np.asarray(points, dtype=float).reshape(-1, 3)
    n = pts.shape[0]
    col = lambda j: np.tile(pts[:, j], (2, 1))  # noqa: E731
    return Trajectories(np.array([0.0, t_end]), tuple(f"o{i}" for i in range(n)), ("x",) * n,
                        col(0), col(1), col(2), np.zeros((2, n, 3)), np.ones((2, n), bool))


def _at(azimuth_deg: float, distance_m: float, alt_m: float) -> tuple[float, float, float]:
    lon, lat, _ = GEOD.fwd(SITE[1], SITE[0], azimuth_deg, distance_m)
    return lat, lon, alt_m


def _truth_polar(lat, lon, alt, h_radar):
    """Azimuth (rad), slant range and elevation on the 4/3 Earth by the classical law of cosines."""
    az_deg, _, ground = GEOD.inv(SITE[1], SITE[0], lon, lat)
    kr = K * EARTH_RADIUS_M
    r_r, r_t = kr + h_radar, kr + alt
    s = math.sqrt(r_r**2 + r_t**2 - 2 * r_r * r_t * math.cos(ground / kr))
    el = math.asin((r_t**2 - r_r**2 - s**2) / (2 * r_r * s))
    return math.radians(az_deg) % (2 * math.pi), s, el


def _run(sensor, traj, t_end, seed=1, rcs_dbsm=0.0, origin=(SITE[0], SITE[1], 0.0), **kw):
    table = np.full((traj.n_objects, 3), rcs_dbsm)
    return scan_detections(sensor, traj, table, 0.0, t_end, origin, np.random.default_rng(seed), **kw)


# ------------------------------------------------------------------------------------ contract
def test_columns_dtypes_and_determinism():
    traj = _stationary([_at(40, 60e3, 3000.0), _at(250, 90e3, 500.0)], 120.0)
    sensor = _sensor(_model(loop_gain_m4=derive_loop_gain(70e3, 1.0, 0.5, 1e-6, 1, 1), pfa=1e-6))
    a = _run(sensor, traj, 120.0, seed=7)
    b = _run(sensor, traj, 120.0, seed=7)
    c = _run(sensor, traj, 120.0, seed=8)
    assert tuple(a.columns) == DETECTION_COLUMNS
    assert a.equals(b)
    assert not a.equals(c)
    assert (a["truth_id"] == -1).any() and (a["truth_id"] >= 0).any()
    assert a["scan"].dtype == np.int64 and a["truth_id"].dtype == np.int64
    assert (a["radar_id"] == "R1").all() and a["time_s"].is_monotonic_increasing
    assert ((a["az_rad"] >= 0) & (a["az_rad"] < 2 * np.pi)).all()


def test_arrays_are_the_table():
    """scan_arrays makes the draws of scan_detections and gives its table's columns; the
    covariance is exactly symmetric; take and concat keep the rows."""
    traj = _stationary([_at(40, 60e3, 3000.0), _at(250, 90e3, 500.0)], 120.0)
    sensor = _sensor(_model(loop_gain_m4=derive_loop_gain(70e3, 1.0, 0.5, 1e-6, 1, 1), pfa=1e-6))
    args = (sensor, traj, np.zeros((2, 3)), 0.0, 120.0, (SITE[0] + 0.2, SITE[1], 50.0))
    det = scan_arrays(*args, np.random.default_rng(7))
    df = scan_detections(*args, np.random.default_rng(7))
    ids = np.full(len(det), "R1", dtype=object)
    assert len(det) == len(df) and (det.truth_id == -1).any() and (det.truth_id >= 0).any()
    pd.testing.assert_frame_equal(det.frame(ids), df, check_exact=True)
    np.testing.assert_array_equal(det.cov, np.transpose(det.cov, (0, 2, 1)))
    for name, (i, j) in zip(DETECTION_COLUMNS[11:], [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)],
                            strict=True):
        np.testing.assert_array_equal(det.cov[:, i, j], df[name].to_numpy())
    half = len(det) // 2
    rows = np.arange(len(det))
    again = DetectionArrays.concat([det.take(rows[:half]), det.take(rows[half:])])
    pd.testing.assert_frame_equal(again.frame(ids), df, check_exact=True)


def test_conversion_is_row_by_row():
    """A row's converted position and covariance do not depend on the other rows, to the bit
    (what lets scan_arrays convert targets and false alarms in one call)."""
    rng = np.random.default_rng(4)
    polar = np.column_stack([rng.uniform(0.0, 150e3, 41), rng.uniform(0.0, 2 * np.pi, 41),
                             rng.uniform(-0.05, 1.2, 41)])
    origin = (SITE[0] + 0.3, SITE[1] - 0.2, 80.0)
    xyz, cov = _converted(_sensor(), polar, origin)
    for part in (slice(0, 1), slice(1, 2), slice(2, 19), slice(19, 41)):
        x_part, c_part = _converted(_sensor(), polar[part], origin)
        np.testing.assert_array_equal(x_part, xyz[part])
        np.testing.assert_array_equal(c_part, cov[part])


def test_invalid_sensor_rejected():
    with pytest.raises(ValueError, match="sector_width_rad"):
        _sensor(sector_width_rad=7.0)
    with pytest.raises(ValueError, match="sigma_range_m"):
        _sensor(sigma_range_m=0.0)


# ------------------------------------------------------------------------------- detection law
@pytest.mark.parametrize("swerling,n_pulses", [(0, 1), (1, 1), (3, 4)])
def test_detection_frequency_matches_model_pd(swerling, n_pulses):
    gain = derive_loop_gain(60e3, 1.0, 0.5, 1e-6, n_pulses, swerling)
    model = _model(loop_gain_m4=gain, pfa=1e-6, n_pulses=n_pulses, swerling=swerling)
    sensor = _sensor(model)
    points = [_at(30, 56e3, 2000.0), _at(160, 60e3, 2000.0), _at(300, 64e3, 4000.0)]
    n_scans = 2000
    df = _run(sensor, _stationary(points, n_scans + 1.0), float(n_scans), seed=3)
    for i, p in enumerate(points):
        _, slant, _ = _truth_polar(*p, sensor.antenna_msl_m)
        expected = float(detection_pd(10 * math.log10(gain * 1.0 / slant**4), 1e-6, n_pulses, swerling))
        hits = int((df["truth_id"] == i).sum())
        sd = math.sqrt(n_scans * expected * (1 - expected))
        assert 0.05 < expected < 0.95
        assert abs(hits - n_scans * expected) < 4.5 * sd, (i, hits, n_scans * expected)


def _ridge_dem() -> Dem:
    lat = np.arange(52.5, 53.5001, 0.005)
    lon = np.arange(26.2, 27.8001, 0.005)
    h = np.full((lat.size, lon.size), 100.0)
    h[(lat >= 53.18) & (lat <= 53.20), :] = 600.0  # east-west ridge ~20 km north of the radar
    return Dem(lat, lon, h, "hand-built ridge")


def test_no_detection_behind_terrain_ridge():
    antenna = 110.0  # 10 m above the 100 m plain
    field = radar_min_visible_height(_ridge_dem(), SITE[0], SITE[1], antenna, 45e3, 250.0)
    masked = _at(0, 40e3, 400.0)      # north, behind the ridge, below the shadow (~1.1 km)
    above = _at(0, 40e3, 4000.0)      # north, above the ridge shadow
    open_side = _at(180, 40e3, 400.0)  # south, nothing in the way
    traj = _stationary([masked, above, open_side], 101.0)
    with_terrain = _run(_sensor(antenna_msl_m=antenna, los=field), traj, 100.0)
    counts = with_terrain.groupby("truth_id").size()
    assert 0 not in counts.index
    assert counts[1] == 100 and counts[2] == 100
    # Without the terrain field the same target is seen: the ridge is what hides it.
    bare = _run(_sensor(antenna_msl_m=antenna), traj, 100.0)
    assert (bare["truth_id"] == 0).sum() == 100


def test_no_detection_beyond_instrumented_range_or_smooth_earth_horizon():
    sensor = _sensor(_model(instrumented_range_m=30e3), antenna_msl_m=10.0)
    inside = _at(70, 25e3, 3000.0)
    beyond = _at(70, 35e3, 3000.0)
    # Horizon for 10 m antenna and 100 m target on the 4/3 Earth: 4.12 (sqrt 10 + sqrt 100) ~ 54 km.
    wide = _sensor(_model(instrumented_range_m=400e3), antenna_msl_m=10.0)
    below_horizon = _at(200, 70e3, 100.0)
    above_horizon = _at(200, 45e3, 100.0)
    df = _run(sensor, _stationary([inside, beyond], 51.0), 50.0)
    assert (df["truth_id"] == 0).sum() == 50 and (df["truth_id"] == 1).sum() == 0
    df = _run(wide, _stationary([below_horizon, above_horizon], 51.0), 50.0)
    assert (df["truth_id"] == 0).sum() == 0 and (df["truth_id"] == 1).sum() == 50


# ------------------------------------------------------------------------- measurement errors
def test_measurement_noise_std_matches_sigmas():
    sensor = _sensor(sigma_range_m=80.0, sigma_az_rad=3e-3, sigma_el_rad=5e-3)
    p = _at(123.0, 70e3, 5000.0)
    n_scans = 3000
    df = _run(sensor, _stationary([p], n_scans + 1.0), float(n_scans), seed=11)
    df = df[df["truth_id"] == 0]
    assert len(df) == n_scans
    az0, r0, el0 = _truth_polar(*p, sensor.antenna_msl_m)
    for col, truth, sigma in (("range_m", r0, 80.0), ("az_rad", az0, 3e-3), ("el_rad", el0, 5e-3)):
        err = df[col].to_numpy() - truth
        n = err.size
        assert abs(err.mean()) < 4.5 * sigma / math.sqrt(n), col
        chi2 = (n - 1) * err.var(ddof=1) / sigma**2
        assert 1e-4 < stats.chi2.cdf(chi2, n - 1) < 1 - 1e-4, (col, err.std(ddof=1), sigma)
    # Errors independent between coordinates.
    c = np.corrcoef(np.stack([df["range_m"], df["az_rad"], df["el_rad"]]))
    assert np.all(np.abs(c[np.triu_indices(3, 1)]) < 4.5 / math.sqrt(n_scans))


def test_converted_covariance_predicts_cartesian_errors():
    """NEES of the converted measurement in a command-post frame 30 km away: mean 3, chi2(3) law."""
    sensor = _sensor(sigma_range_m=200.0, sigma_az_rad=math.radians(0.5), sigma_el_rad=math.radians(0.4))
    p = _at(57.0, 140e3, 8000.0)
    cp = (*_at(300.0, 30e3, 0.0)[:2], 150.0)
    n_scans = 3000
    df = _run(sensor, _stationary([p], n_scans + 1.0), float(n_scans), seed=5, origin=cp)
    df = df[df["truth_id"] == 0]
    truth = np.array(geodetic2enu(*p, *cp), dtype=float)
    err = df[["x_m", "y_m", "z_m"]].to_numpy() - truth
    cov = np.empty((len(df), 3, 3))
    names = {(0, 0): "xx", (0, 1): "xy", (0, 2): "xz", (1, 1): "yy", (1, 2): "yz", (2, 2): "zz"}
    for (i, j), s in names.items():
        cov[:, i, j] = cov[:, j, i] = df[f"r_{s}_m2"].to_numpy()
    # The covariance is strongly non-isotropic (cross-range ~1.2 km vs range 200 m).
    eig = np.linalg.eigvalsh(cov[0])
    assert eig[-1] / eig[0] > 20
    nees = np.einsum("mi,mij,mj->m", err, np.linalg.inv(cov), err)
    assert abs(nees.mean() - 3.0) < 4.5 * math.sqrt(6.0 / nees.size)
    assert stats.kstest(nees, stats.chi2(3).cdf).pvalue > 1e-3


# ------------------------------------------------------------------------------- false alarms
def test_false_alarms_poisson_count_and_uniform_spread():
    model = _model(pfa=1e-3, instrumented_range_m=20e3, min_elevation_rad=0.0, max_elevation_rad=0.3)
    sensor = _sensor(model, sector_centre_rad=math.radians(45.0), sector_width_rad=math.radians(90.0),
                     range_resolution_m=100.0, beamwidth_az_rad=math.radians(2.0), beamwidth_el_rad=0.05,
                     scan_period_s=2.0)
    cells = (20e3 / 100.0) * (90.0 / 2.0) * (0.3 / 0.05)
    lam = 1e-3 * cells
    assert sensor.mean_false_alarms_per_scan() == pytest.approx(lam)
    n_scans = 400
    empty = Trajectories(np.array([0.0, 1.0]), (), (), np.empty((2, 0)), np.empty((2, 0)),
                         np.empty((2, 0)), np.empty((2, 0, 3)), np.empty((2, 0), bool))
    df = scan_detections(sensor, empty, np.empty((0, 3)), 0.0, n_scans * 2.0, (*SITE, 0.0),
                         np.random.default_rng(2))
    assert (df["truth_id"] == -1).all()
    per_scan = df.groupby("scan").size().reindex(range(n_scans), fill_value=0).to_numpy()
    assert abs(per_scan.mean() - lam) < 4.5 * math.sqrt(lam / n_scans)
    dispersion = (n_scans - 1) * per_scan.var(ddof=1) / lam
    assert 1e-4 < stats.chi2.cdf(dispersion, n_scans - 1) < 1 - 1e-4
    start = math.radians(0.0)
    az_off = np.mod(df["az_rad"].to_numpy() - start, 2 * math.pi) / math.radians(90.0)
    for u in (df["range_m"].to_numpy() / 20e3, az_off, df["el_rad"].to_numpy() / 0.3):
        assert u.min() >= 0.0 and u.max() <= 1.0
        assert stats.kstest(u, "uniform").pvalue > 1e-3
    # Reported when the beam passes them.
    expected_t = 2.0 * (df["scan"].to_numpy() + az_off)
    np.testing.assert_allclose(df["time_s"].to_numpy(), expected_t, atol=1e-9)
    # Positions agree with their polar values (converted with the same geometry).
    horizontal = np.hypot(df["x_m"], df["y_m"]).to_numpy()
    assert np.all(np.abs(horizontal - df["range_m"] * np.cos(df["el_rad"])) < 0.01 * df["range_m"] + 50)


# ------------------------------------------------------------------------------- scan timing
def test_each_object_illuminated_once_per_scan_when_the_beam_passes():
    period, phase = 10.0, 3.0
    sensor = _sensor(scan_period_s=period, sector_centre_rad=math.radians(90.0))  # start at 270 deg
    azimuths = [30.0, 200.0, 300.0]
    traj = _stationary([_at(a, 20e3, 1000.0) for a in azimuths], 301.0)
    df = _run(sensor, traj, 300.0, scan_phase_s=phase)
    for i, a in enumerate(azimuths):
        rows = df[df["truth_id"] == i]
        az_true = _truth_polar(*_at(a, 20e3, 1000.0), sensor.antenna_msl_m)[0]
        offset = (az_true - math.radians(270.0)) % (2 * math.pi)
        expected = [phase + (n + offset / (2 * math.pi)) * period for n in range(-1, 31)]
        expected = [t for t in expected if 0.0 <= t < 300.0]
        np.testing.assert_allclose(rows["time_s"].to_numpy(), expected, atol=1e-6)
        assert rows["scan"].is_unique


def test_moving_object_is_looked_at_where_the_beam_points():
    period = 4.0
    sensor = _sensor(scan_period_s=period)
    # 600 m/s across the line of sight at 8 km: the azimuth changes ~4 deg per scan.
    lat0, lon0, _ = _at(60.0, 8e3, 500.0)
    t = np.linspace(0.0, 121.0, 122)
    # Fly on a 330 deg heading, perpendicular to the 60 deg bearing from the radar.
    lons, lats, _ = GEOD.fwd(np.full(t.size, lon0), np.full(t.size, lat0), np.full(t.size, 330.0), 600.0 * t)
    lat_track, lon_track = lats[:, None], lons[:, None]
    vel = np.zeros((t.size, 1, 3))
    vel[:, 0, 0] = 600.0 * math.sin(math.radians(330.0))
    vel[:, 0, 1] = 600.0 * math.cos(math.radians(330.0))
    traj = Trajectories(t, ("m",), ("x",), lat_track, lon_track, np.full((t.size, 1), 500.0), vel,
                        np.ones((t.size, 1), bool))
    df = _run(sensor, traj, 120.0)
    rows = df[df["truth_id"] == 0]
    assert len(rows) == 30 and rows["scan"].is_unique
    t_look = rows["time_s"].to_numpy()
    beam_az = np.mod(sensor.sector_start_rad + (t_look / period - rows["scan"].to_numpy()) * 2 * np.pi,
                     2 * np.pi)
    lat, lon, *_ = traj.at(t_look, np.zeros(t_look.size, dtype=int))
    true_az = np.radians(GEOD.inv(np.full(t_look.size, SITE[1]), np.full(t_look.size, SITE[0]), lon, lat)[0])
    miss = np.angle(np.exp(1j * (beam_az - true_az)))
    assert np.max(np.abs(miss)) < 2e-4  # 1 % of the 0.02 rad beamwidth


def test_beam_timing_azimuth_is_the_local_enu_azimuth():
    """Beam timing uses the azimuth in the radar's ENU frame (where the antenna points): due north
    and due east exactly; within 1e-7 rad of the geodesic azimuth at the antenna height nearby."""
    sensor = _sensor(antenna_msl_m=150.0)
    h = sensor.antenna_msl_m
    north, east = (53.1, SITE[1], 9000.0), enu2geodetic(20e3, 0.0, 5e3, *SITE, h)
    az_deg = np.arange(5.0, 360.0, 10.0)
    near = [_at(a, d, h) for a in az_deg for d in (5e3, 20e3)]
    traj = _stationary([north, east, *near], 10.0)
    obj = np.arange(traj.n_objects)
    az = _object_azimuth(sensor, traj, np.full(obj.size, 5.0), obj, np.full(obj.size, -1.0))
    expected = np.concatenate([[0.0, math.pi / 2], np.radians(np.repeat(az_deg, 2))])
    miss = np.abs(np.angle(np.exp(1j * (az - expected))))
    assert np.all((az >= 0.0) & (az < 2 * math.pi))
    assert np.max(miss[:2]) < 1e-12 and np.max(miss[2:]) < 1e-7
    # Not airborne (outside the time grid): the fallback.
    late = _object_azimuth(sensor, traj, np.array([5.0, 11.0]), np.array([0, 0]), np.array([-1.0, -2.0]))
    np.testing.assert_array_equal(late, [az[0], -2.0])


def test_sector_scanner_sees_only_its_sector():
    sensor = _sensor(sector_centre_rad=math.radians(100.0), sector_width_rad=math.radians(90.0),
                     scan_period_s=2.0)
    inside, outside = _at(120.0, 30e3, 3000.0), _at(200.0, 30e3, 3000.0)
    df = _run(sensor, _stationary([inside, outside], 101.0), 100.0)
    assert (df["truth_id"] == 0).sum() == 50 and (df["truth_id"] == 1).sum() == 0


def test_windows_partition_the_looks():
    """Scanning [0, 50) and [50, 100) finds the same looks (times, scans) as [0, 100)."""
    sensor = _sensor(scan_period_s=7.0)
    traj = _stationary([_at(a, 30e3, 2000.0) for a in (10.0, 95.0, 181.0, 359.0)], 101.0)
    whole = _run(sensor, traj, 100.0)
    whole = whole[whole["truth_id"] >= 0]
    table = np.zeros((4, 3))
    parts = [scan_detections(sensor, traj, table, a, b, (*SITE, 0.0), np.random.default_rng(1))
             for a, b in ((0.0, 50.0), (50.0, 100.0))]
    looks = np.concatenate([p.loc[p["truth_id"] >= 0, "time_s"].to_numpy() for p in parts])
    np.testing.assert_allclose(np.sort(looks), np.sort(whole["time_s"].to_numpy()))


def test_sensor_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        _sensor().id = "x"  # type: ignore[misc]


# ------------------------------------------------------------------------------------ jamming
def _jam_sensor():
    from iadsim.sensors.ew import Receiver

    rec = Receiver(gain=10 ** 3.8, azimuth_beamwidth_rad=math.radians(1.0),
                   elevation_beamwidth_rad=math.radians(2.0), sidelobe_level=1e-3,
                   frequency_hz=3e9, bandwidth_hz=1e6, noise_figure=2.0)
    model = _model(loop_gain_m4=derive_loop_gain(100e3, 1.0, 0.5, 1e-6, 1, 1), pfa=1e-6)
    return _sensor(model, receiver=rec)


def _pod(power_w=100.0):
    from iadsim.sensors.ew import NoiseJammer

    return NoiseJammer(power_w=power_w, gain=10.0, bandwidth_hz=10e6, min_frequency_hz=2e9,
                       max_frequency_hz=4e9)


def _sources(stations=(), carried=()):
    from iadsim.sensors.ew import JammerSources

    where = np.array([p for p, _ in stations], dtype=float).reshape(-1, 3)
    return JammerSources(where, tuple(j for _, j in stations), tuple(1 for _ in stations),
                         np.array([o for o, _ in carried], dtype=np.int64),
                         tuple(j for _, j in carried))


def test_no_jammers_changes_no_bit():
    from iadsim.sensors.ew import no_jammers

    traj = _stationary([_at(40, 60e3, 3000.0), _at(250, 90e3, 500.0)], 120.0)
    sensor = _jam_sensor()
    a = _run(sensor, traj, 120.0, seed=7)
    b = _run(sensor, traj, 120.0, seed=7, jammers=no_jammers())
    assert a.equals(b)
    # a stand-off jammer below the radar's horizon changes nothing either
    far = _sources(stations=[((*_at(90, 500e3, 0.0)[:2], 50.0), _pod(1e6))])
    assert a.equals(_run(sensor, traj, 120.0, seed=7, jammers=far))


def test_sidelobe_jamming_lowers_pd_to_the_s_over_n_plus_j_value():
    """A target north at 90 km, a stand-off jammer east at 150 km (sidelobe floor): the share of
    looks that detect the target is Pd(SNR - 10 log10(1 + J/N)), J/N worked by hand."""
    scans = 3000
    target = _at(0, 90e3, 3000.0)
    station = _at(90, 150e3, 9000.0)
    traj = _stationary([target], float(scans))
    sensor = _jam_sensor()
    jammers = _sources(stations=[(station, _pod(100.0))])
    det = _run(sensor, traj, float(scans), seed=3, jammers=jammers)
    hits = int((det["truth_id"] == 0).sum())
    # J/N = Pj Gj (G SLL) lambda^2 (Br/Bj) / ((4 pi)^2 Rj^2 k T0 F Br)
    _, rj, _ = _truth_polar(*station, 20.0)
    lam = 299_792_458.0 / 3e9
    jn = (100.0 * 10.0 * 10 ** 3.8 * 1e-3 * lam ** 2 * 0.1 / ((4 * math.pi) ** 2 * rj ** 2)
          / (1.380649e-23 * 290.0 * 2.0 * 1e6))
    _, r, el = _truth_polar(*target, 20.0)
    snr_db = sensor.model.snr_db(r, 1.0)       # broadside RCS 0 dBsm
    p = float(detection_pd(snr_db - 10 * math.log10(1 + jn), 1e-6, 1, 1))
    p_free = float(detection_pd(snr_db, 1e-6, 1, 1))
    assert p < p_free - 0.1                     # the jamming matters here
    lo, hi = stats.binom.interval(0.999, scans, p)
    assert lo <= hits <= hi, (hits, scans * p, scans * p_free)


def test_a_self_screening_jammer_hides_its_carrier_until_it_is_dead():
    scans = 200
    traj = _stationary([_at(0, 60e3, 3000.0), _at(180, 60e3, 3000.0)], float(scans))
    sensor = _jam_sensor()
    # 100 mW: J/N ~31 dB in the main lobe at 60 km (burn-through far inside), ~1 dB in a sidelobe
    ssj = _sources(carried=[(0, _pod(0.1))])
    det = _run(sensor, traj, float(scans), seed=5, jammers=ssj)
    assert (det["truth_id"] == 0).sum() <= 0.02 * scans    # the carrier: almost never seen
    assert (det["truth_id"] == 1).sum() > 0.5 * scans  # the other one, in its sidelobes: seen
    # killed at 100 s: its jammer is off, and it is seen again
    table = np.full((2, 3), 0.0)
    after = scan_detections(sensor, traj, table, 0.0, float(scans), (SITE[0], SITE[1], 0.0),
                            np.random.default_rng(5), jammers=ssj,
                            alive_until_s=np.array([100.0, np.inf]))
    seen = after.loc[after["truth_id"] == 0, "time_s"]
    assert len(seen) > 0.8 * (scans - 100) and seen.min() >= 100.0


def test_a_radar_without_receiver_refuses_jammers():
    traj = _stationary([_at(0, 60e3, 3000.0)], 10.0)
    with pytest.raises(ValueError, match="cannot be jammed"):
        _run(_sensor(), traj, 10.0, jammers=_sources(carried=[(0, _pod())]))
