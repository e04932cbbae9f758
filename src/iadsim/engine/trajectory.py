"""Sampled truth trajectories of air objects (struct of arrays over time and objects).

Produced by :mod:`iadsim.engine.kinematics` (route following); read by the radar scan model and
the metrics. Positions are WGS84 geodetic (degrees, metres MSL); velocities are local ENU at the
object's own position.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

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

        Computed on first use and kept (read-only): the sample arrays must not change afterwards.
        """
        xyz = np.full(self.lat_deg.shape + (3,), np.nan)
        xyz[self.active] = np.stack(geodetic2ecef(self.lat_deg[self.active], self.lon_deg[self.active],
                                                  self.alt_msl_m[self.active]), axis=-1)
        xyz.flags.writeable = False
        return xyz

    def _interpolate(self, time_s: np.ndarray, index: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Earlier sample ``k``, indices, ECEF positions ``(m, 3)`` (NaN where not active), active."""
        t = np.asarray(time_s, dtype=float)
        idx = np.asarray(index, dtype=int)
        k = np.clip(np.searchsorted(self.time_s, t, side="right") - 1, 0, self.time_s.size - 2)
        inside = (t >= self.time_s[0]) & (t <= self.time_s[-1])
        active = inside & self.active[k, idx] & self.active[k + 1, idx]
        xyz = np.full((t.size, 3), np.nan)
        a = np.flatnonzero(active)
        if a.size:
            ka, ia = k[a], idx[a]
            t0, t1 = self.time_s[ka], self.time_s[ka + 1]
            w = np.clip((t[a] - t0) / (t1 - t0), 0.0, 1.0)[:, None]
            xyz[a] = (1.0 - w) * self.ecef_m[ka, ia] + w * self.ecef_m[ka + 1, ia]
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
