"""Sampled truth trajectories of air objects (struct of arrays over time and objects).

Produced by :mod:`iadsim.engine.kinematics` (route following); read by the radar scan model and
the metrics. Positions are WGS84 geodetic (degrees, metres MSL); velocities are local ENU at the
object's own position.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numba
import numpy as np

from iadsim.geo.frames import ecef2geodetic, geodetic2ecef


@dataclass(frozen=True)
class Trajectories:
    """Truth of ``n`` objects on a common time grid of ``nt`` steps.

    Attributes
    ----------
    time_s : ndarray (nt,)
        Strictly increasing sample times, s from scenario start.
    ids, types : tuple of str, length n
        Object id (unique) and equipment type (library id).
    lat_deg, lon_deg, alt_msl_m : ndarray (nt, n)
        Geodetic position; undefined (NaN) where ``active`` is False.
    vel_enu_m_s : ndarray (nt, n, 3)
        Velocity in the local ENU frame at the object, m/s.
    active : ndarray (nt, n) bool
        The object is airborne (after its start time, before the end of its route).
    """

    time_s: np.ndarray
    ids: tuple[str, ...]
    types: tuple[str, ...]
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_msl_m: np.ndarray
    vel_enu_m_s: np.ndarray
    active: np.ndarray

    @property
    def n_objects(self) -> int:
        return len(self.ids)

    @cached_property
    def ecef_m(self) -> np.ndarray:
        """ECEF position of every sample, ``(nt, n, 3)`` m (NaN where not active).

        Computed on first use and kept (read-only): the sample arrays change afterwards only
        through :meth:`fill`, which updates it.
        """
        xyz = np.full(self.lat_deg.shape + (3,), np.nan)
        xyz[self.active] = np.stack(geodetic2ecef(self.lat_deg[self.active], self.lon_deg[self.active],
                                                  self.alt_msl_m[self.active]), axis=-1)
        xyz.flags.writeable = False
        return xyz

    def with_objects(self, ids: tuple[str, ...], types: tuple[str, ...]) -> Trajectories:
        """These objects plus ``ids`` (of ``types``), not airborne anywhere yet: slots for what
        a run launches (:meth:`fill`)."""
        nt, k = self.time_s.size, len(ids)
        nan = np.full((nt, k), np.nan)
        return Trajectories(
            self.time_s, (*self.ids, *ids), (*self.types, *types),
            np.hstack([self.lat_deg, nan]), np.hstack([self.lon_deg, nan]),
            np.hstack([self.alt_msl_m, nan]),
            np.concatenate([self.vel_enu_m_s, np.full((nt, k, 3), np.nan)], axis=1),
            np.hstack([self.active, np.zeros((nt, k), dtype=bool)]))

    def fill(self, index: int, lat_deg: np.ndarray, lon_deg: np.ndarray,
             alt_msl_m: np.ndarray, vel_enu_m_s: np.ndarray, first: int) -> None:
        """Object ``index`` flies from grid sample ``first`` on: its samples there (as many as
        given, clipped to the grid) are written and made active. The one change a run makes to
        its truth: an object launched during the run (:meth:`with_objects` made its slot); the
        cached ECEF positions are updated with it."""
        last = min(first + np.size(lat_deg), self.time_s.size)
        n = last - first
        rows = slice(first, last)
        self.lat_deg[rows, index] = lat_deg[:n]
        self.lon_deg[rows, index] = lon_deg[:n]
        self.alt_msl_m[rows, index] = alt_msl_m[:n]
        self.vel_enu_m_s[rows, index] = vel_enu_m_s[:n]
        self.active[rows, index] = True
        if "ecef_m" in self.__dict__:
            ecef = self.__dict__["ecef_m"]
            ecef.flags.writeable = True
            ecef[rows, index] = np.stack(geodetic2ecef(lat_deg[:n], lon_deg[:n], alt_msl_m[:n]),
                                         axis=-1)
            ecef.flags.writeable = False

    def _interpolate(self, time_s: np.ndarray, index: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Earlier sample ``k``, indices, ECEF positions ``(m, 3)`` (NaN where not active), active."""
        idx = np.asarray(index, dtype=np.int64)
        k, xyz, active = _lerp(self.time_s, self.ecef_m, self.active,
                               np.asarray(time_s, dtype=float), idx)
        return k, idx, xyz, active

    def ecef_at(self, time_s: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ECEF positions ``(m, 3)`` of objects ``index`` at times ``time_s``, and the active mask.

        Linear interpolation in ECEF between the neighbouring samples; NaN and False where not
        active (see :meth:`at`).
        """
        _, _, xyz, active = self._interpolate(time_s, index)
        return xyz, active

    def at(self, time_s: np.ndarray, index: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """State of objects ``index`` at arbitrary times, interpolated linearly in ECEF.

        Parameters
        ----------
        time_s, index : ndarray (m,)
            Query times (s) and object indices.

        Returns
        -------
        lat_deg, lon_deg, alt_msl_m : ndarray (m,)
            NaN where not active.
        vel_enu_m_s : ndarray (m, 3)
            Velocity of the earlier sample (piecewise constant between samples).
        active : ndarray (m,) bool
            Both neighbouring samples active (False outside the time grid).
        """
        k, idx, xyz, active = self._interpolate(time_s, index)
        geo = np.full((3, active.size), np.nan)
        a = np.flatnonzero(active)                       # geodesy only where it is defined
        if a.size:
            geo[:, a] = ecef2geodetic(xyz[a, 0], xyz[a, 1], xyz[a, 2])
        return geo[0], geo[1], geo[2], self.vel_enu_m_s[k, idx], active


@numba.njit(cache=True)
def _lerp(grid: np.ndarray, ecef: np.ndarray, active: np.ndarray, t: np.ndarray,
          idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Earlier sample ``k`` of each query ``(t, idx)`` on the time ``grid`` (clipped to
    ``0 .. nt - 2``), the ECEF position linearly interpolated between samples ``k`` and
    ``k + 1`` of object ``idx`` (NaN where either is not ``active`` or ``t`` is off the grid),
    and that mask; one compiled pass instead of a dozen gathered temporaries per scan."""
    nt = grid.size
    k = np.searchsorted(grid, t, side="right") - 1
    xyz = np.full((t.size, 3), np.nan)
    ok = np.zeros(t.size, np.bool_)
    for q in range(t.size):
        kk = min(max(k[q], 0), nt - 2)
        k[q] = kk
        i = idx[q]
        if grid[0] <= t[q] <= grid[nt - 1] and active[kk, i] and active[kk + 1, i]:
            ok[q] = True
            t0, t1 = grid[kk], grid[kk + 1]
            w = min(max((t[q] - t0) / (t1 - t0), 0.0), 1.0)
            for e in range(3):
                xyz[q, e] = (1.0 - w) * ecef[kk, i, e] + w * ecef[kk + 1, i, e]
    return k, xyz, ok
