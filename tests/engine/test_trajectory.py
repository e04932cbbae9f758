"""Trajectories interpolation: the cached ECEF samples give exactly the uncached computation."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine.trajectory import Trajectories
from iadsim.geo.frames import ecef2geodetic, geodetic2ecef


@pytest.fixture
def traj() -> Trajectories:
    rng = np.random.default_rng(4)
    nt, n = 30, 4
    t = np.cumsum(rng.uniform(0.5, 2.0, nt))
    lat = 53.0 + np.cumsum(rng.normal(0.0, 0.01, (nt, n)), axis=0)
    lon = 27.0 + np.cumsum(rng.normal(0.0, 0.01, (nt, n)), axis=0)
    alt = rng.uniform(50.0, 12e3, (nt, n))
    active = np.ones((nt, n), bool)
    active[:5, 1] = active[20:, 2] = active[10:12, 3] = False
    for a in (lat, lon, alt):
        a[~active] = np.nan
    vel = rng.normal(0.0, 200.0, (nt, n, 3))
    return Trajectories(t, ("a", "b", "c", "d"), ("x",) * n, lat, lon, alt, vel, active)


def _uncached(traj: Trajectories, t: np.ndarray, idx: np.ndarray):
    """ECEF interpolation converting both neighbouring samples per query (the reference)."""
    k = np.clip(np.searchsorted(traj.time_s, t, side="right") - 1, 0, traj.time_s.size - 2)
    inside = (t >= traj.time_s[0]) & (t <= traj.time_s[-1])
    active = inside & traj.active[k, idx] & traj.active[k + 1, idx]
    a = np.flatnonzero(active)
    ka, ia = k[a], idx[a]
    w = np.clip((t[a] - traj.time_s[ka]) / (traj.time_s[ka + 1] - traj.time_s[ka]), 0.0, 1.0)[:, None]
    p0 = np.stack(geodetic2ecef(traj.lat_deg[ka, ia], traj.lon_deg[ka, ia], traj.alt_msl_m[ka, ia]), -1)
    p1 = np.stack(geodetic2ecef(traj.lat_deg[ka + 1, ia], traj.lon_deg[ka + 1, ia],
                                traj.alt_msl_m[ka + 1, ia]), -1)
    xyz = np.full((t.size, 3), np.nan)
    xyz[a] = (1.0 - w) * p0 + w * p1
    return xyz, active


def test_cached_ecef_interpolation_equals_uncached(traj):
    rng = np.random.default_rng(5)
    t = rng.uniform(traj.time_s[0] - 3.0, traj.time_s[-1] + 3.0, 2000)
    t[:30] = traj.time_s[rng.integers(0, traj.time_s.size, 30)]  # exactly on samples
    idx = rng.integers(0, traj.n_objects, t.size)
    ref_xyz, ref_active = _uncached(traj, t, idx)
    assert 0 < ref_active.sum() < t.size
    xyz, active = traj.ecef_at(t, idx)
    np.testing.assert_array_equal(active, ref_active)
    np.testing.assert_array_equal(xyz, ref_xyz)  # bit-identical, NaN where not active
    lat, lon, alt, vel, active = traj.at(t, idx)
    np.testing.assert_array_equal(active, ref_active)
    ref_geo = np.full((3, t.size), np.nan)
    ref_geo[:, ref_active] = ecef2geodetic(*ref_xyz[ref_active].T)
    np.testing.assert_array_equal(np.stack([lat, lon, alt]), ref_geo)
    k = np.clip(np.searchsorted(traj.time_s, t, side="right") - 1, 0, traj.time_s.size - 2)
    np.testing.assert_array_equal(vel, traj.vel_enu_m_s[k, idx])


def test_ecef_cache_is_computed_once_and_read_only(traj):
    first = traj.ecef_m
    assert traj.ecef_m is first
    assert first.shape == traj.lat_deg.shape + (3,) and not first.flags.writeable
    assert np.isnan(first[~traj.active]).all() and np.isfinite(first[traj.active]).all()
