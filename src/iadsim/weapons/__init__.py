"""Weapons: missile flyout (3-DOF point mass), guidance laws and calibrated aero data.

Layer: beside ``sensors`` and ``tracking``; imports only ``iadsim.units``, ``errors`` and ``geo``.
"""

from iadsim.weapons.calibration import load_aero
from iadsim.weapons.flyout import (
    FlyoutResult,
    MissileAero,
    SampledTarget,
    altitude_m,
    fly,
    fly_unguided,
    fly_unguided_max_range,
    ground_range_m,
)

__all__ = ["FlyoutResult", "MissileAero", "SampledTarget", "altitude_m", "fly", "fly_unguided",
           "fly_unguided_max_range", "ground_range_m", "load_aero"]
