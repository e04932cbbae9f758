"""Scenario threats and raids to engine routes: schema entries and library limits to SI arrays.

The scenario layer's half of route following (the engine's half, `iadsim.engine.kinematics`,
never reads the scenario schema or the library):

- `route_from_threat`: one ``threats[i]`` entry -> a `~iadsim.engine.kinematics.Route`;
- `raid_spec`: one ``raids[i]`` entry -> a `~iadsim.engine.kinematics.RaidSpec` (the axis
  route, member ids and spread, SI), which `~iadsim.engine.kinematics.expand_raids` expands;
- `threat_entries`: every threat's route and every raid's spec, what a built world holds;
- `routes_from_scenario`: the routes of threats, then of the expanded raid members.

Defaults come from the library type through `iadsim.scenario.schema.threat_limits`: the cruise
speed (leg speed where a waypoint gives none), the turn load factor and the climb angle. With
``figures`` (a figure set or `iadsim.scenario.figures.Figures`) the cruise speed is the figures'
value, so a figure override reaches the routes.

A leg without ``speed_m_s`` or ``time_s`` keeps the last speed given (the first waypoint's is the
initial speed), else the cruise speed; timed legs do not change the carried speed. Arrival times
are met by `~iadsim.engine.kinematics.route_from_arrays`.

Examples
--------
>>> from iadsim.scenario.schema import Raid
>>> raid = Raid(id="r", type="F-16C", count=2, route=[
...     {"lat_deg": 53.0, "lon_deg": 24.0, "alt_m": 5000.0},
...     {"lat_deg": 53.0, "lon_deg": 25.0, "alt_m": 5000.0, "speed_m_s": 250.0}])
>>> spec = raid_spec(raid, load_library(), "raids[0]")
>>> spec.member_ids, spec.count, spec.speed_m_s[1]
(('r-001', 'r-002'), 2, 250.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from iadsim.engine.kinematics import RaidSpec, Route, expand_raids, route_from_arrays
from iadsim.scenario.library import load_library
from iadsim.scenario.schema import Raid, Scenario, Threat, threat_limits

if TYPE_CHECKING:  # pragma: no cover
    from iadsim.scenario.figures import Figures
    from iadsim.scenario.library import Library

__all__ = ["raid_spec", "route_from_threat", "routes_from_scenario", "threat_entries"]


def _entry_arrays(entry: Threat | Raid, cruise_m_s: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray]:
    """lat_deg, lon_deg, alt_m, alt_ref, speed_m_s (carried, see module docstring) and time_s
    (NaN where not given) of an entry's waypoints."""
    lat = np.array([w.lat_deg for w in entry.route], dtype=float)
    lon = np.array([w.lon_deg for w in entry.route], dtype=float)
    alt = np.array([w.alt_m for w in entry.route], dtype=float)
    ref = [w.alt_ref for w in entry.route]
    time_s = np.array([np.nan if w.time_s is None else w.time_s for w in entry.route])
    speed = np.empty(lat.size)
    carried = cruise_m_s if entry.route[0].speed_m_s is None else entry.route[0].speed_m_s
    for k, w in enumerate(entry.route):
        if w.speed_m_s is not None:
            carried = w.speed_m_s
        speed[k] = carried
    return lat, lon, alt, ref, speed, time_s


def route_from_threat(threat: Threat, library: Library, source: str = "",
                      figures: str | Figures | None = None) -> Route:
    """The `Route` of one scenario threat (defaults from the library type).

    Parameters
    ----------
    threat : iadsim.scenario.schema.Threat
    library : Library
    source : str
        The entry in the scenario (``"threats[0]"``), for messages.
    figures : {'low', 'nominal', 'high'} or Figures, optional
        Figures of the type's route limits (`threat_limits`); default as ``"nominal"``.
    """
    limits = threat_limits(library.get(threat.type, kind="threat"), figures)
    lat, lon, alt, ref, speed, time_s = _entry_arrays(threat, limits.cruise_speed_m_s)
    n = threat.max_load_factor_g or limits.turn_load_factor_g
    return route_from_arrays(threat.id, limits.id, threat.start_time_s, lat, lon, alt, ref, speed,
                             time_s, threat.terrain_following, n, limits.max_climb_angle_rad,
                             source)


def raid_spec(raid: Raid, library: Library, source: str = "",
              figures: str | Figures | None = None) -> RaidSpec:
    """The engine's `RaidSpec` of one scenario raid (defaults from the library type).

    Parameters
    ----------
    raid : iadsim.scenario.schema.Raid
    library : Library
    source : str
        The entry in the scenario (``"raids[1]"``); every member route carries it.
    figures : {'low', 'nominal', 'high'} or Figures, optional
        Figures of the type's route limits (`threat_limits`); default as ``"nominal"``.
    """
    limits = threat_limits(library.get(raid.type, kind="threat"), figures)
    lat, lon, alt, ref, speed, time_s = _entry_arrays(raid, limits.cruise_speed_m_s)
    sp = raid.spread
    return RaidSpec(
        id=raid.id, member_ids=tuple(raid.member_ids()), type=limits.id,
        start_time_s=float(raid.start_time_s), lat_deg=tuple(lat), lon_deg=tuple(lon),
        alt_m=tuple(alt), alt_ref=tuple(ref), speed_m_s=tuple(speed), time_s=tuple(time_s),
        terrain_following=raid.terrain_following,
        load_factor_g=float(raid.max_load_factor_g or limits.turn_load_factor_g),
        climb_rad=float(limits.max_climb_angle_rad), spread_time_s=float(sp.time_s),
        spread_lateral_m=float(sp.lateral_m), spread_altitude_m=float(sp.altitude_m),
        source=source)


def threat_entries(scenario: Scenario, library: Library | None = None,
                   figures: str | Figures | None = None
                   ) -> tuple[tuple[Route, ...], tuple[RaidSpec, ...]]:
    """Routes of the scenario's threats and specs of its raids, in file order.

    ``source`` of each is its entry (``threats[i]``, ``raids[i]``). ``library``: the packaged one
    by default; ``figures``: see `route_from_threat`.
    """
    lib = load_library() if library is None else library
    routes = tuple(route_from_threat(t, lib, f"threats[{i}]", figures)
                   for i, t in enumerate(scenario.threats))
    specs = tuple(raid_spec(r, lib, f"raids[{i}]", figures) for i, r in enumerate(scenario.raids))
    return routes, specs


def routes_from_scenario(scenario: Scenario, library: Library | None = None,
                         rng: np.random.Generator | None = None,
                         figures: str | Figures | None = None) -> list[Route]:
    """Routes of the scenario's threats, then of its raid members (in file order).

    Parameters
    ----------
    scenario : Scenario
    library : Library, optional
        Equipment library (the packaged one by default).
    rng : numpy.random.Generator, optional
        Raid expansion stream (`iadsim.engine.kinematics.expand_raids`). Default:
        ``default_rng(SeedSequence(scenario.seed).spawn(1)[0])`` -- the stream
        `iadsim.engine.air_picture` uses for the scenario's seed. Same seed -> identical routes.
    figures : {'low', 'nominal', 'high'} or Figures, optional
        Figures of the types' route limits; default as ``"nominal"``.
    """
    if rng is None:
        rng = np.random.default_rng(np.random.SeedSequence(scenario.seed).spawn(1)[0])
    routes, specs = threat_entries(scenario, library, figures)
    return [*routes, *expand_raids(specs, rng)]
