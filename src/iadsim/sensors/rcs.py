"""Aspect-dependent radar cross-section from a nose / side / tail table.

Public RCS figures are at best a handful of numbers per type (often one). iadsim keeps three
aspect values per type and interpolates linearly in dB over the aspect angle; the Swerling
fluctuation about this mean is applied by the detection model of each radar.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from iadsim.units import db_to_linear

#: Aspect angles (rad) of the table columns: nose-on, broadside, tail-on.
ASPECT_NODES_RAD = np.array([0.0, np.pi / 2, np.pi])


def aspect_angle_rad(los_enu: ArrayLike, vel_enu: ArrayLike) -> np.ndarray:
    """Angle between the target's velocity and the direction from the target to the radar, rad.

    0 when the target flies straight at the radar (nose-on), π when flying away (tail-on).

    Parameters
    ----------
    los_enu : array (..., 3)
        Vector from the radar to the target (any common Cartesian frame), m.
    vel_enu : array (..., 3)
        Target velocity in the same frame, m/s. Zero velocity gives broadside (π/2).
    """
    los = -np.asarray(los_enu, dtype=float)
    vel = np.asarray(vel_enu, dtype=float)
    dot = np.sum(los * vel, axis=-1)
    norm = np.linalg.norm(los, axis=-1) * np.linalg.norm(vel, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(norm > 0, dot / norm, 0.0)
    return np.arccos(np.clip(cos, -1.0, 1.0))


def aspect_rcs_m2(table_dbsm: ArrayLike, aspect_rad: ArrayLike) -> np.ndarray:
    """Mean RCS (m²) at an aspect angle, interpolated linearly in dB between nose/side/tail.

    Parameters
    ----------
    table_dbsm : array (n, 3)
        Per object: nose, side, tail RCS in dBsm.
    aspect_rad : array (..., n)
        Aspect angles in [0, π] (see :func:`aspect_angle_rad`).

    Returns
    -------
    ndarray (..., n)
    """
    table = np.asarray(table_dbsm, dtype=float)
    a = np.clip(np.asarray(aspect_rad, dtype=float), 0.0, np.pi)
    w = a / (np.pi / 2)  # 0..2 across the two segments
    first = w <= 1.0
    db = np.where(first,
                  table[..., 0] + (table[..., 1] - table[..., 0]) * w,
                  table[..., 1] + (table[..., 2] - table[..., 1]) * (w - 1.0))
    return db_to_linear(db)
