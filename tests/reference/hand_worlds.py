"""Small Worlds built by hand from the engine's own types -- no YAML, no library, no build.

The geometry is chosen so that what the engine must do follows from a few numbers: one
rotating radar at (53.0 N, 27.0 E) on flat ground at 0 m; threats fly due south along the
27 E meridian at 8 km MSL and 250 m/s towards the radar; the radar's loop gain makes Pd ~ 1
everywhere inside its instrumented range (Swerling 0, SNR >= 60 dB at 150 km for 1 m²), so
every scan of a live target in range is a detection.
"""

from __future__ import annotations

import numpy as np

from iadsim.engine.kinematics import Route, Waypoint
from iadsim.engine.world import (
    FireUnitSpec,
    LauncherGroup,
    MissileSite,
    MissileType,
    ModelFigures,
    Provenance,
    RadarSite,
    Seeker,
    ThreatType,
    World,
)
from iadsim.geo.terrain import Dem
from iadsim.sensors.radar import RadarModel
from iadsim.sensors.scan import RadarSensor, off_windows_array
from iadsim.weapons.calibration import load_aero

SITE = (53.0, 27.0)
ALT_M = 8000.0
SPEED_M_S = 250.0
SCAN_S = 5.0
RANGE_M = 150_000.0
#: SNR = C σ / R⁴: C = 1e27 m² gives 1e27 / (1.5e5)⁴ = 1.98e6 (63 dB) at 150 km for 1 m²
LOOP_GAIN_M4 = 1e27
MODEL = ModelFigures(target_hardness={"aircraft": 1.0}, gun_target_area_m2={"aircraft": 10.0},
                     planning_pk=0.7, defended_radius_m=10_000.0, threat_time_scale_s=60.0,
                     kill_assessment_delay_s=10.0)


def jet(i: int, start_lat: float, start_time_s: float = 0.0) -> Route:
    """A jet flying due south at ``ALT_M`` and ``SPEED_M_S`` from ``start_lat`` to 52.9 N."""
    return Route(f"jet-{i}", "jet", start_time_s,
                 (Waypoint(start_lat, SITE[1], ALT_M, "msl", SPEED_M_S),
                  Waypoint(52.9, SITE[1], ALT_M, "msl", SPEED_M_S)))


def world(routes: tuple[Route, ...], *, off_windows: list[tuple[float, float]] = (),
          destroyed_s: float = np.inf, rounds: int = 0) -> World:
    """One radar ``r1`` (battalion ``bn``) and the ``routes``; with ``rounds`` > 0 a launcher
    of 48N6E3 (semi-active, guided by ``r1``) at the site; emcon windows and a scripted loss as
    the build would give them (the loss as an off window to the end)."""
    windows = [*off_windows] + ([(destroyed_s, np.inf)] if np.isfinite(destroyed_s) else [])
    off = off_windows_array(windows)
    model = RadarModel("hand", LOOP_GAIN_M4, 1e-6, 1, 0, RANGE_M)
    site = RadarSite("r1", "bn", "hand", *SITE, 0.0, 20.0, model, off_windows_s=off,
                     destroyed_s=destroyed_s)
    sensor = RadarSensor("r1", model, *SITE, 20.0, SCAN_S, 0.0, 2 * np.pi, 50.0, 1e-3, 1e-3,
                         150.0, 0.02, 0.03, off_windows_s=off)
    dem = Dem.synthetic(51.0, 55.0, 25.0, 29.0, resolution_m=1000.0, seed=1, relief_m=0.0,
                        base_m=0.0)
    units, missiles = (), {}
    if rounds:
        ms = MissileSite("bn", "48N6E3", *SITE, 0.0, rounds, 3_000.0, 250_000.0, 10.0,
                         27_000.0, ("r1",))
        units = (FireUnitSpec("bn", *SITE, 0.0, 10.0, 10, 20, {"48N6E3": ms},
                              (LauncherGroup(1, {"48N6E3": rounds}, 3.0, {}, None),), ("r1",),
                              radar_off_windows_s={"r1": off}),)
        missiles = {"48N6E3": MissileType("48N6E3", Seeker.SEMI_ACTIVE, 20.0, 1000.0,
                                          load_aero("48N6E3"))}
    return World(
        name="hand-built", seed=1, frame_origin=(*SITE, 0.0), dem=dem, radars=(site,),
        sensors=(sensor,), fire_units=units, missile_types=missiles,
        threat_types={"jet": ThreatType("jet", "aircraft", (5.0, 5.0, 5.0))},
        routes=tuple(routes), raids=(), asset_ids=("site",), asset_enu_m=np.zeros((1, 3)),
        model=MODEL,
        provenance=Provenance("hand", (), (), ("hand-built test world",), (), dem.source))
