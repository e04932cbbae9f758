"""Weapons: missile flyout (3-DOF point mass), guidance laws and calibrated aero data.

Layer: beside ``sensors`` and ``tracking``; imports only ``iadsim.units``, ``errors`` and ``geo``.
"""

from iadsim.weapons.calibration import load_aero
from iadsim.weapons.flyout import FlyoutResult, MissileAero, fly, fly_unguided, fly_unguided_max_range

__all__ = ["FlyoutResult", "MissileAero", "fly", "fly_unguided", "fly_unguided_max_range", "load_aero"]
