"""Route following: threats and raid members fly waypoint routes; truth sampled on a time grid.

Method
------
Horizontal path (per route, precomputed per leg in Python -- routes have few legs):

- Legs are **geodesics** on the WGS84 ellipsoid between waypoints (``pyproj.Geod``, Karney 2013).
- At each interior waypoint the corner is cut by a **fillet** (a *fly-by* turn): a circular
  arc of radius ``R = v^2 / (g sqrt(n^2 - 1))`` (level coordinated turn at load factor ``n``;
  e.g. Anderson, *Introduction to Flight*, 8th ed., sec. 6.17, eq. 6.118) tangent to both legs.
  It starts a distance ``T = R tan(|theta|/2)`` before the waypoint on the incoming leg and ends
  ``T`` after it on the outgoing one (``theta`` = heading change), so the object passes inside
  the waypoint at ``R (1/cos(theta/2) - 1)`` from it. The arc is a geodesic circle: points at
  geodesic distance ``R`` from a centre found ``R`` abeam the tangent point. ``v`` is the faster
  of the two legs' speeds, so the load factor holds on both halves of the turn. Each fillet
  may use what is left of the incoming leg and the outgoing leg less what the next waypoint's
  fillet needs (at most half of it).
- **Turns never exceed the load factor.** Where the legs are too short for ``T`` the waypoint
  is flown as a **fly-over** (the fly-over waypoint of ARINC 424 / ICAO PANS-OPS Doc 8168):
  the object flies over the waypoint on its inbound heading, then along the shortest path of
  turn radius ``R`` (at leg ``k``'s speed) back onto the outgoing leg -- a Dubins path
  (Dubins 1957; `iadsim.engine.dubins`), turn-straight-turn or turn-turn-turn, to the point of
  the leg that makes it shortest (planned in the tangent plane at the waypoint, where the
  geodesic leg is a straight line, then laid on the ellipsoid piece by piece). If it cannot
  rejoin before the next waypoint it flies the shortest such path to that waypoint (any
  arrival heading) and flies over it too. The object overshoots and comes back: the path is
  longer than the fly-by one and arrives later, at the same speeds. `fly` reports fly-overs
  in one `RouteWarning` (a note: nothing unphysical is flown). Two consecutive waypoints less
  than 1 m apart (undefined heading) are an `InputError` naming the waypoint.
- Arrival times (``time_s``) set the leg speeds on the path flown less the fly-overs' extra
  path (fly-by corners cut by their fillets, the straight legs through fly-over waypoints: never
  longer than the straight legs that the scenario check compares with the type's maximum
  speed). A fly-over does not raise the speed: it arrives later than asked, by its extra path
  over the speed, and the sampled trajectory is what is flown.
- Every piece (straight, arc) starts where the previous one ends, with its heading: position
  and heading are continuous by construction, so the only lateral acceleration is that of the
  arcs, ``v^2 / R <= g sqrt(n^2 - 1)``. Straights run to the point abeam their target.
- Speed is constant per leg and changes at the middle of the arc ("abeam the waypoint") or
  over a fly-over waypoint (a step: longitudinal acceleration is not modelled).
  ``speed_m_s`` is the **ground speed along the path on the ellipsoid** (horizontal); the
  vertical rate adds to it (3-D speed exceeds it by at most 1/cos(climb limit) - 1, 6 % at 20 deg).

Vertical profile along the path distance ``s``:

- Without terrain following: altitudes at the waypoints (``agl`` converted to MSL with the DEM
  height *at the waypoint*), linear in ``s`` between the points abeam (fly-by) or over
  (fly-over) the waypoints, with the change limited to the climb angle (a waypoint altitude
  that cannot be reached at that angle is not reached; the next leg starts from where the
  object got).
- Terrain following: target ``h*(s) = terrain(s) + agl(s)`` (``agl`` linear between waypoints),
  the terrain sampled along the path every ``min(DEM cell / 2, 250 m)``. The flown profile is
  the lowest one that never goes below ``h*`` with climb and dive slopes within the climb angle:
  the grey-scale dilation ``h(s) = max_s' [h*(s') - tan(gamma) |s - s'|]``, computed exactly
  with two running maxima (vectorised). Above ground it therefore equals the target where the
  terrain is gentler than the climb angle and rides higher over steeper rises (never lower).

Sampling at all times and objects is vectorised: one searchsorted over the concatenated piece
tables of every route (offset per object), one ``Geod.fwd`` for all straight samples, one for
all arc samples, one interpolation of the concatenated altitude profiles. No per-time-step loop.

Velocity (ENU at the object) = path tangent x speed (heading from ``Geod.fwd``'s back azimuth:
along the geodesic on straight pieces, perpendicular to the radial geodesic from the centre at
the object on arcs) + vertical rate ``v dh/ds``.

Objects are inactive (NaN positions and velocities) before their start time and after the end of
their route.

Raids
-----
A raid arrives as a `RaidSpec` (SI: the axis route as arrays, member ids, type limits, spread
half-widths), built by the scenario layer (`iadsim.scenario.routes.raid_spec`). `expand_raids`
turns each spec into ``count`` routes. Each member draws uniform offsets in ``[-w, +w]``
(``spread_*``: half-widths): start time (the whole schedule shifts), lateral (the axis polyline
offset sideways, constant: at interior waypoints along the bisector by ``d / cos(theta/2)``,
capped at ``3 d`` and, on the inside of a turn, so that the corner comes back along each adjacent
leg by at most half of it: a member whose offset is too wide for a sharp turn converges toward
the axis there instead of flying a reversed leg) and altitude (all waypoints). Members' routes
are flown like any route: turns their legs are too short for are fly-overs at the load factor.
Streams: spec ``i`` draws from the ``i``-th child spawned from the generator given (the scenario
layer passes the first child of ``SeedSequence(seed)``), in the order time, lateral, altitude,
so same seed -> identical routes, and adding a raid does not change the others.

References
----------
Karney, C. F. F. (2013), "Algorithms for geodesics", J. Geodesy 87, 43-55.
Anderson, J. D., *Introduction to Flight*, 8th ed., McGraw-Hill 2016, sec. 6.17 (turn radius).
Dubins, L. E. (1957), "On curves of minimal length with a constraint on average curvature...",
Amer. J. Math. 79(3), 497-516 (shortest paths at bounded turn radius).
ICAO Doc 8168 (PANS-OPS), Vol. II, Construction of Visual and Instrument Flight Procedures
(fly-by and fly-over waypoints); ARINC Specification 424, Navigation System Data Base.
Soille, P., *Morphological Image Analysis*, 2nd ed., Springer 2003, ch. 3 (dilation by a cone).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pyproj

from iadsim.engine.dubins import WORDS, dubins_shortest
from iadsim.engine.trajectory import Trajectories
from iadsim.errors import InputError, TerrainError
from iadsim.geo.frames import geodesic_direct, geodetic2enu
from iadsim.geo.terrain import Dem

__all__ = [
    "G0_M_S2",
    "RaidSpec",
    "Route",
    "RouteWarning",
    "Waypoint",
    "expand_raids",
    "fly",
    "route_from_arrays",
    "turn_radius_m",
]

#: Standard gravity, m/s^2 (turn radius).
G0_M_S2 = 9.80665

_GEOD = pyproj.Geod(ellps="WGS84")
_TWO_PI = 2.0 * np.pi


class RouteWarning(UserWarning):
    """A note on how a route is flown: waypoints flown over because the legs are too short for
    a fly-by turn at the load factor (the path stays within it; it arrives later)."""


def turn_radius_m(speed_m_s: float, load_factor_g: float) -> float:
    """Radius of a level coordinated turn, m: ``v^2 / (g sqrt(n^2 - 1))``.

    Examples
    --------
    >>> round(turn_radius_m(250.0, 2.0))
    3680
    """
    return speed_m_s**2 / (G0_M_S2 * math.sqrt(load_factor_g**2 - 1.0))


@dataclass(frozen=True)
class Waypoint:
    """A route point, SI.

    ``speed_m_s`` is the speed on the leg *ending* here (unused on the first waypoint).
    ``alt_m`` is above mean sea level (``alt_ref='msl'``) or above ground (``'agl'``).
    """

    lat_deg: float
    lon_deg: float
    alt_m: float
    alt_ref: str = "msl"
    speed_m_s: float = float("nan")


@dataclass(frozen=True)
class Route:
    """One object's route, SI (see module docstring for how it is flown).

    Attributes
    ----------
    id, type : str
        Object id (unique in a run) and library threat id.
    start_time_s : float
        When the object appears at the first waypoint, s from scenario start.
    waypoints : tuple of Waypoint
        At least two.
    terrain_following : bool
        Keep ``alt_m`` above ground between waypoints (all waypoints ``agl``).
    max_load_factor_g : float
        Load factor of the turns at waypoints (> 1).
    max_climb_angle_rad : float
        Steepest climb/dive of the altitude profile.
    source : str
        Where the route comes from in the scenario (``"threats[0]"``, ``"raids[1]"``), so that
        messages name the waypoint as written (``raids[1].route[2]``); empty if not from a file.
    """

    id: str
    type: str
    start_time_s: float
    waypoints: tuple[Waypoint, ...]
    terrain_following: bool = False
    max_load_factor_g: float = 2.0
    max_climb_angle_rad: float = math.radians(10.0)
    source: str = ""

    def __post_init__(self) -> None:
        wps = tuple(self.waypoints)
        object.__setattr__(self, "waypoints", wps)
        if len(wps) < 2:
            raise InputError(f"route {self.id!r}: needs at least 2 waypoints, got {len(wps)}")
        for k, wp in enumerate(wps):
            if wp.alt_ref not in ("msl", "agl"):
                raise InputError(f"route {self.id!r} waypoint {k}: alt_ref {wp.alt_ref!r}; "
                                 "allowed values are 'msl', 'agl'")
            if k and not (math.isfinite(wp.speed_m_s) and wp.speed_m_s > 0.0):
                raise InputError(f"route {self.id!r} waypoint {k}: speed_m_s {wp.speed_m_s}; "
                                 "allowed values are finite numbers > 0")
            if self.terrain_following and wp.alt_ref != "agl":
                raise InputError(f"route {self.id!r}: terrain following needs alt_ref 'agl' "
                                 f"on every waypoint (waypoint {k} is {wp.alt_ref!r})")
        if not self.max_load_factor_g > 1.0:
            raise InputError(f"route {self.id!r}: max_load_factor_g {self.max_load_factor_g}; "
                             "allowed values are > 1")
        if not 0.0 < self.max_climb_angle_rad < math.pi / 2:
            raise InputError(f"route {self.id!r}: max_climb_angle_rad "
                             f"{self.max_climb_angle_rad}; allowed values are in (0, pi/2)")
        if not (math.isfinite(self.start_time_s) and self.start_time_s >= 0.0):
            raise InputError(f"route {self.id!r}: start_time_s {self.start_time_s}; "
                             "allowed values are finite numbers >= 0")


# ---------------------------------------------------------------------------------------------
# Horizontal plan of one route: pieces (straight / arc half) with constant speed
# ---------------------------------------------------------------------------------------------

_LINE, _ARC = 0, 1

#: Consecutive waypoints closer than this have no defined heading between them (as the
#: scenario check, `iadsim.scenario.schema`).
_MIN_LEG_M = 1.0
#: Share of the budget a fillet may use (leaves a straight of at least 0.1 % between fillets).
_FILLET_SHARE = 0.999
#: Fly-over rejoin: the rejoin point is searched on the outgoing leg up to this many turn radii
#: from the waypoint (the shortest rejoin is within about 4 R), on this many grid points, then
#: refined by golden section.
_REJOIN_SPAN_R = 8.0
_REJOIN_GRID = 256
#: A rejoin closer than this (in turn radii) to the next waypoint ends exactly at it instead
#: (no sliver of straight flight before the next waypoint).
_REJOIN_SNAP_R = 0.05


@dataclass
class _Plan:
    kind: list[int] = field(default_factory=list)
    length_m: list[float] = field(default_factory=list)
    speed_m_s: list[float] = field(default_factory=list)
    lat0: list[float] = field(default_factory=list)      # line start / arc centre
    lon0: list[float] = field(default_factory=list)
    az0: list[float] = field(default_factory=list)       # line azimuth / arc start bearing, rad
    sweep: list[float] = field(default_factory=list)     # arc: +1 right (clockwise), -1 left
    radius_m: list[float] = field(default_factory=list)
    node_s_m: list[float] = field(default_factory=list)  # path distance abeam/over each waypoint
    #: The same, less the fly-overs' extra path (their Dubins path minus the leg it covers): the
    #: distances of the straight-leg plan through fly-over waypoints, which set timed speeds.
    node_ref_m: list[float] = field(default_factory=list)
    excess_m: float = 0.0
    #: Fly-over waypoints: (index, turn deg, radius m at the load factor, tangent needed m,
    #: tangent available m).
    fly_overs: list[tuple[int, float, float, float, float]] = field(default_factory=list)

    def node(self, s: float) -> None:
        self.node_s_m.append(float(s))
        self.node_ref_m.append(float(s) - self.excess_m)

    def add(self, kind: int, length: float, speed: float, lat0: float, lon0: float, az0: float,
            sweep: float = 0.0, radius: float = 0.0) -> None:
        self.kind.append(kind)
        self.length_m.append(max(float(length), 0.0))
        self.speed_m_s.append(float(speed))
        self.lat0.append(float(lat0))
        self.lon0.append(float(lon0))
        self.az0.append(float(az0))
        self.sweep.append(float(sweep))
        self.radius_m.append(float(radius))

    @property
    def total_m(self) -> float:
        return float(sum(self.length_m))

    @property
    def duration_s(self) -> float:
        return float(sum(ln / v for ln, v in zip(self.length_m, self.speed_m_s, strict=True)))


def _wrap_pi(a: np.ndarray | float) -> Any:
    """Angle wrapped to (-pi, pi]."""
    return np.pi - np.mod(np.pi - np.asarray(a, dtype=float), _TWO_PI)


def _inv(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(forward azimuth at 1, forward azimuth at 2 (direction of travel), distance), rad and m."""
    az12, az21, dist = _GEOD.inv(np.atleast_1d(lon1), np.atleast_1d(lat1),
                                 np.atleast_1d(lon2), np.atleast_1d(lat2))
    az1 = np.radians(np.asarray(az12, dtype=float))
    az2 = np.radians(np.asarray(az21, dtype=float)) + np.pi
    return np.mod(az1, _TWO_PI), np.mod(az2, _TWO_PI), np.asarray(dist, dtype=float)


def _fwd(lat: float, lon: float, az: float, dist: float) -> tuple[float, float, float]:
    """End point of a geodesic and the direction of travel there (rad)."""
    lo, la, baz = _GEOD.fwd(lon, lat, math.degrees(az), dist)
    return float(la), float(lo), float(np.mod(math.radians(baz) + np.pi, _TWO_PI))


def _where(route_id: str, source: str, k: int) -> str:
    """A waypoint as the user wrote it: ``raids[1].route[2] (route 'viper-003')``."""
    if source:
        return f"{source}.route[{k}] (route {route_id!r})"
    return f"route {route_id!r} waypoint {k}"


def _add_line(plan: _Plan, lat: float, lon: float, az: float, length: float,
              speed: float) -> tuple[float, float, float]:
    """Straight piece from a point along an azimuth; returns its end and the heading there."""
    plan.add(_LINE, length, speed, lat, lon, az)
    return _fwd(lat, lon, az, length) if length > 0.0 else (lat, lon, az)


def _add_arc(plan: _Plan, lat: float, lon: float, heading: float, sign: float, radius: float,
             angle: float, speed: float) -> tuple[float, float, float]:
    """Arc at ``radius`` turning by ``angle`` (rad >= 0; ``sign`` +1 right, -1 left) from a
    point and heading; returns its end and the heading there (tangent to the geodesic circle)."""
    c_lat, c_lon = geodesic_direct(lat, lon, heading + sign * np.pi / 2, radius)
    c_lat, c_lon = float(c_lat), float(c_lon)
    alpha = float(_inv(c_lat, c_lon, lat, lon)[0][0])
    plan.add(_ARC, radius * angle, speed, c_lat, c_lon, alpha, sign, radius)
    e_lat, e_lon, outward = _fwd(c_lat, c_lon, alpha + sign * angle, radius)
    return e_lat, e_lon, float(np.mod(outward + sign * np.pi / 2, _TWO_PI))


def _argmin_1d(f: Any, grid: np.ndarray) -> float:
    """Minimiser of ``f`` (vectorised) over ``grid``, refined by golden section between the
    grid neighbours of the best point (deterministic; the better of the two is returned)."""
    i = int(np.argmin(f(grid)))
    lo = float(grid[max(i - 1, 0)])
    hi = float(grid[min(i + 1, grid.size - 1)])
    g = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = (float(v) for v in f(np.array([a, b])))
    for _ in range(40):
        if fa <= fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = float(f(np.array([a]))[0])
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = float(f(np.array([b]))[0])
    mid = (a + b) / 2.0
    return mid if float(f(np.array([mid]))[0]) <= float(f(grid[i:i + 1])[0]) else float(grid[i])


def _rejoin(lat_k: float, lon_k: float, az_out: float, lat: float, lon: float, heading: float,
            lat_next: float, lon_next: float, radius: float
            ) -> tuple[int, np.ndarray, float, bool]:
    """Shortest path at turn radius ``radius`` from (lat, lon, heading) onto the leg from
    waypoint k to the next one (Dubins).

    Planar problem in the local tangent plane at waypoint k (orthographic: a geodesic through
    the origin is a straight line there, to ~1e-5 relative over tens of km), axes along the leg
    (``X``) and to its left (``Y``). The goal is ``(X, 0)`` with the leg's heading, ``X``
    minimising the path length, searched on ``(0, min(leg, 8 R)]``. If that rejoin is at the
    next waypoint (within ``0.05 R``), the goal is the next waypoint itself with the heading
    that minimises the length (the object cannot rejoin the leg before its end and flies over
    the next waypoint too). Returns the word, its pieces (m), the rejoin distance along the leg
    and whether the path ends on the next waypoint.
    """
    e, n, _ = geodetic2enu(np.array([lat, lat_next]), np.array([lon, lon_next]), 0.0,
                           lat_k, lon_k, 0.0)
    ux, uy = math.sin(az_out), math.cos(az_out)              # leg direction (east, north)
    xs = e * ux + n * uy
    ys = -e * uy + n * ux                                    # left of the leg
    x0, y0, x1, y1 = float(xs[0]), float(ys[0]), float(xs[1]), float(ys[1])
    th0 = float(_wrap_pi(az_out - heading))                  # counter-clockwise from the leg

    def to_line(x: np.ndarray) -> np.ndarray:
        return dubins_shortest(x0, y0, th0, x, 0.0, 0.0, radius)[2]

    span = min(x1, _REJOIN_SPAN_R * radius)
    x = _argmin_1d(to_line, span * np.arange(1, _REJOIN_GRID + 1) / _REJOIN_GRID)
    if x1 - x >= _REJOIN_SNAP_R * radius:
        word, pieces, _ = dubins_shortest(x0, y0, th0, x, 0.0, 0.0, radius)
        return int(word), np.asarray(pieces, dtype=float), x, False

    def to_point(th1: np.ndarray) -> np.ndarray:
        return dubins_shortest(x0, y0, th0, x1, y1, th1, radius)[2]

    th1 = _argmin_1d(to_point, _TWO_PI * np.arange(_REJOIN_GRID) / _REJOIN_GRID - np.pi)
    word, pieces, _ = dubins_shortest(x0, y0, th0, x1, y1, th1, radius)
    return int(word), np.asarray(pieces, dtype=float), x1, True


def _plan(route_id: str, lat: np.ndarray, lon: np.ndarray, leg_speed: np.ndarray,
          load_factor: float, source: str = "") -> _Plan:
    """Pieces of the path flown. ``leg_speed[j]`` is the speed from waypoint j to j+1."""
    nleg = lat.size - 1
    az1, az2, length = _inv(lat[:-1], lon[:-1], lat[1:], lon[1:])
    short = np.flatnonzero(length < _MIN_LEG_M)
    if short.size:
        k = int(short[0]) + 1
        raise InputError(
            f"{_where(route_id, source, k)}: at the same place as waypoint {k - 1} "
            f"({length[k - 1]:.3g} m apart), so the heading between them is undefined; "
            f"allowed: consecutive waypoints at least {_MIN_LEG_M:g} m apart")
    # Fly-by fillet at every interior waypoint k at the load factor: radius, tangent length.
    theta = np.zeros(nleg + 1)
    radius = np.zeros(nleg + 1)
    tangent = np.zeros(nleg + 1)
    for k in range(1, nleg):
        th = float(_wrap_pi(az1[k] - az2[k - 1]))
        if abs(th) < 1e-7:
            continue
        r = turn_radius_m(max(leg_speed[k - 1], leg_speed[k]), load_factor)
        theta[k], radius[k], tangent[k] = th, r, r * math.tan(abs(th) / 2.0)

    plan = _Plan()
    plan.node(0.0)
    # Every piece starts where the previous one ends, with its heading (position and heading
    # continuous by construction); straights run to the point abeam their target (the drift
    # from the geodesic legs stays at centimetres: a 50 km wide raid's routes end <= 6 cm off).
    cur_lat, cur_lon, cur_heading = float(lat[0]), float(lon[0]), float(az1[0])
    consumed = 0.0               # distance along leg j already flown by the previous turn
    at_waypoint = False          # the previous fly-over's path ended on waypoint k = j + 1
    s = 0.0
    for j in range(nleg):
        k = j + 1
        fillet = tangent[k] > 0.0
        if fillet:
            reserve = min(tangent[k + 1], 0.5 * length[k + 1]) if k + 1 < nleg else 0.0
            avail_in = 0.0 if at_waypoint else length[j] - consumed
            fillet = tangent[k] <= _FILLET_SHARE * min(avail_in, length[k] - reserve)
            if not fillet:
                plan.fly_overs.append((k, math.degrees(abs(theta[k])), radius[k], tangent[k],
                                       max(min(avail_in, length[k] - reserve), 0.0)))
        # Straight piece of leg j up to the fillet start A at waypoint k, or to waypoint k.
        if not at_waypoint:
            if fillet:
                t_lat, t_lon = geodesic_direct(lat[k], lon[k], az2[j] + np.pi, tangent[k])
            else:
                t_lat, t_lon = lat[k], lon[k]
            az_t, _, d_t = _inv(cur_lat, cur_lon, t_lat, t_lon)
            dist = max(float(d_t[0]) * math.cos(float(az_t[0]) - cur_heading), 0.0)
            cur_lat, cur_lon, cur_heading = _add_line(plan, cur_lat, cur_lon, cur_heading, dist,
                                                      leg_speed[j])
            s += dist
        arrived, consumed, at_waypoint = at_waypoint, 0.0, False
        if k == nleg or (tangent[k] == 0.0 and not arrived):
            plan.node(s)
            continue
        if not fillet:   # (also a straight-through waypoint reached on another heading)
            # Fly-over: over waypoint k on the inbound heading, then the shortest path at the
            # load factor's radius (Dubins) back onto leg k, flown at leg k's speed.
            plan.node(s)
            r = turn_radius_m(leg_speed[k], load_factor)
            word, pieces, x, at_waypoint = _rejoin(float(lat[k]), float(lon[k]), float(az1[k]),
                                                    cur_lat, cur_lon, cur_heading,
                                                    float(lat[k + 1]), float(lon[k + 1]), r)
            for kind, piece in zip(WORDS[word], pieces, strict=True):
                if piece <= 0.0:
                    continue
                if kind == "S":
                    cur_lat, cur_lon, cur_heading = _add_line(plan, cur_lat, cur_lon, cur_heading,
                                                              piece, leg_speed[k])
                else:
                    cur_lat, cur_lon, cur_heading = _add_arc(
                        plan, cur_lat, cur_lon, cur_heading, -1.0 if kind == "L" else 1.0, r,
                        piece / r, leg_speed[k])
                s += piece
            plan.excess_m += float(np.sum(pieces)) - x
            consumed = x
            continue
        # Fillet at waypoint k from A (here), centre abeam, to the tangent point B on leg k;
        # the speed changes abeam the waypoint (middle of the arc).
        sign = 1.0 if theta[k] > 0 else -1.0
        c_lat, c_lon = geodesic_direct(cur_lat, cur_lon, cur_heading + sign * np.pi / 2,
                                       radius[k])
        b_lat, b_lon = geodesic_direct(lat[k], lon[k], az1[k], tangent[k])
        alpha_a = float(_inv(c_lat, c_lon, cur_lat, cur_lon)[0][0])
        alpha_b = float(_inv(c_lat, c_lon, b_lat, b_lon)[0][0])
        sweep = float(_wrap_pi(alpha_b - alpha_a))
        if sweep * sign <= 0.0:  # numerically degenerate (tiny turn): use the heading change
            sweep = theta[k]
        half = abs(sweep) / 2.0
        plan.add(_ARC, radius[k] * half, leg_speed[k - 1], float(c_lat), float(c_lon), alpha_a,
                 sign, radius[k])
        s += radius[k] * half
        plan.node(s)
        plan.add(_ARC, radius[k] * half, leg_speed[k], float(c_lat), float(c_lon),
                 alpha_a + sign * half, sign, radius[k])
        s += radius[k] * half
        cur_lat, cur_lon, outward = _fwd(float(c_lat), float(c_lon), alpha_a + sign * 2.0 * half,
                                         radius[k])
        cur_heading = float(np.mod(outward + sign * np.pi / 2, _TWO_PI))
        consumed = tangent[k]
    return plan


def _leg_speeds(route_id: str, lat: np.ndarray, lon: np.ndarray, speed: np.ndarray,
                time_s: np.ndarray, start_time_s: float, load_factor: float,
                source: str = "") -> np.ndarray:
    """Leg speeds meeting the waypoint arrival times (NaN in ``time_s`` where not given).

    The arrival time at a waypoint is when the object is abeam it (middle of the fillet arc) or
    over it (fly-over) on the path flown **less the fly-overs' extra path** (`_Plan.node_ref_m`:
    through a fly-over waypoint, the straight legs), so a fly-over does not raise the speed to
    make up for the overshoot: the object arrives later than ``time_s`` by the extra path over
    the speed. Fillet radii and fly-over decisions depend on the speeds, so the speeds are
    refined by fixed-point iteration (converges in a few steps: the corner cut changes a leg by
    a small fraction).
    """
    legs = speed.copy()
    timed = np.flatnonzero(np.isfinite(time_s[1:]))
    if timed.size == 0:
        return legs
    _, _, length = _inv(lat[:-1], lon[:-1], lat[1:], lon[1:])
    path = length.copy()
    for _ in range(6):
        t = start_time_s
        for j in range(legs.size):
            if np.isfinite(time_s[j + 1]):
                legs[j] = path[j] / max(time_s[j + 1] - t, 1e-9)
                t = time_s[j + 1]
            else:
                t += path[j] / legs[j]
        plan = _plan(route_id, lat, lon, legs, load_factor, source=source)
        path = np.diff(np.asarray(plan.node_ref_m))
    return legs


# ---------------------------------------------------------------------------------------------
# Routes from arrays; raids
# ---------------------------------------------------------------------------------------------

def route_from_arrays(entry_id: str, type_id: str, start_time_s: float, lat: np.ndarray,
                      lon: np.ndarray, alt: np.ndarray, alt_ref: Sequence[str], speed: np.ndarray,
                      time_s: np.ndarray, terrain_following: bool, load_factor: float,
                      climb_rad: float, source: str = "") -> Route:
    """A `Route` from waypoint arrays, with leg speeds that meet the arrival times.

    Parameters
    ----------
    entry_id, type_id : str
        Object id and library threat id.
    start_time_s : float
        When the object appears at the first waypoint, s.
    lat, lon, alt : ndarray, shape (k,)
        Waypoints, deg and m (``alt`` above MSL or ground per ``alt_ref``).
    alt_ref : sequence of str, length k
        ``'msl'`` or ``'agl'`` per waypoint.
    speed : ndarray, shape (k,)
        Speed on the leg ending at each waypoint, m/s (entry 0 unused), used where no time is given.
    time_s : ndarray, shape (k,)
        Arrival time at each waypoint, s, NaN where not given (see `_leg_speeds`).
    terrain_following : bool
    load_factor : float
        Turn load factor at waypoints, g (> 1).
    climb_rad : float
        Steepest climb/dive, rad.
    source : str
        Entry in the scenario (``"threats[0]"``) for messages.
    """
    legs = _leg_speeds(entry_id, lat, lon, speed[1:].copy(), time_s, start_time_s, load_factor,
                       source)
    v = np.concatenate([[legs[0]], legs])
    wps = tuple(Waypoint(float(a), float(b), float(c), r, float(s))
                for a, b, c, r, s in zip(lat, lon, alt, alt_ref, v, strict=True))
    return Route(entry_id, type_id, float(start_time_s), wps, terrain_following,
                 float(load_factor), float(climb_rad), source)


_NAN = float("nan")


def _floats(values: Any) -> tuple[float, ...]:
    """Floats as a tuple, every NaN the same object (so that equal specs compare equal)."""
    return tuple(_NAN if math.isnan(x) else x for x in (float(v) for v in values))


@dataclass(frozen=True)
class RaidSpec:
    """One raid, SI: ``count`` objects of one type flying one axis route, spread about it.

    Built by the scenario layer (`iadsim.scenario.routes.raid_spec`); `expand_raids` turns it into
    one `Route` per member. Frozen and picklable; the arrays are tuples of float.

    Attributes
    ----------
    id : str
        Raid id.
    member_ids : tuple of str
        Member (route) ids, in order; ``count`` is their number.
    type : str
        Library threat id.
    start_time_s : float
        When the axis route starts at its first waypoint, s (members shift by their time offset,
        not before 0).
    lat_deg, lon_deg, alt_m : tuple of float, length k >= 2
        Axis waypoints (``alt_m`` above MSL or ground per ``alt_ref``).
    alt_ref : tuple of str, length k
        ``'msl'`` or ``'agl'`` per waypoint.
    speed_m_s : tuple of float, length k
        Speed on the leg ending at each waypoint (entry 0 unused), used where no time is given.
    time_s : tuple of float, length k
        Arrival time at each waypoint, s, NaN where not given.
    terrain_following : bool
    load_factor_g : float
        Turn load factor at waypoints (> 1).
    climb_rad : float
        Steepest climb/dive of the altitude profile, rad.
    spread_time_s, spread_lateral_m, spread_altitude_m : float
        Uniform half-widths (>= 0) of the members' start-time, lateral and altitude offsets.
    source : str
        Entry in the scenario (``"raids[1]"``) for messages; empty if not from a file.
    """

    id: str
    member_ids: tuple[str, ...]
    type: str
    start_time_s: float
    lat_deg: tuple[float, ...]
    lon_deg: tuple[float, ...]
    alt_m: tuple[float, ...]
    alt_ref: tuple[str, ...]
    speed_m_s: tuple[float, ...]
    time_s: tuple[float, ...]
    terrain_following: bool = False
    load_factor_g: float = 2.0
    climb_rad: float = math.radians(10.0)
    spread_time_s: float = 0.0
    spread_lateral_m: float = 0.0
    spread_altitude_m: float = 0.0
    source: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "member_ids", tuple(str(m) for m in self.member_ids))
        set_(self, "alt_ref", tuple(str(r) for r in self.alt_ref))
        for name in ("lat_deg", "lon_deg", "alt_m", "speed_m_s", "time_s"):
            set_(self, name, _floats(getattr(self, name)))
        k = len(self.lat_deg)
        if k < 2:
            raise InputError(f"raid {self.id!r}: needs at least 2 waypoints, got {k}")
        lengths = {n: len(getattr(self, n)) for n in ("lon_deg", "alt_m", "alt_ref", "speed_m_s",
                                                       "time_s")}
        if any(n != k for n in lengths.values()):
            raise InputError(f"raid {self.id!r}: waypoint arrays of lengths {lengths}; allowed "
                             f"values are {k} (the length of lat_deg)")
        if not self.member_ids:
            raise InputError(f"raid {self.id!r}: no member ids; allowed values are 1 or more ids")
        for name in ("spread_time_s", "spread_lateral_m", "spread_altitude_m"):
            w = getattr(self, name)
            if not (math.isfinite(w) and w >= 0.0):
                raise InputError(f"raid {self.id!r}: {name} {w}; allowed values are finite "
                                 "numbers >= 0")

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # through the constructor, so that an unpickled spec is checked and equals the original
        return (self.__class__, tuple(getattr(self, f.name) for f in fields(self)))

    @property
    def count(self) -> int:
        """Number of members."""
        return len(self.member_ids)


def _lateral_offsets(lat: np.ndarray, lon: np.ndarray, offset_m: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Waypoints of the polyline offset sideways by ``offset_m (m,)`` (positive: right).

    Interior corners move along the bisector by ``d / cos(theta/2)`` (where the offset legs
    meet), at most ``3 d``; on the inside of a turn also at most ``0.5 min(adjacent legs) /
    sin(|theta|/2)``, so that the corner comes back along each leg by at most half of it and the
    member's legs never reverse (a wide spread inside a sharp turn converges toward the axis
    there instead). Returns lat, lon of shape (m, k).
    """
    az1, az2, length = _inv(lat[:-1], lon[:-1], lat[1:], lon[1:])
    k = lat.size
    normal = np.empty(k)
    scale = np.ones(k)
    turn = np.zeros(k)
    inside_max = np.full(k, np.inf)
    normal[0] = az1[0] + np.pi / 2
    normal[-1] = az2[-1] + np.pi / 2
    for i in range(1, k - 1):
        th = float(_wrap_pi(az1[i] - az2[i - 1]))
        normal[i] = az2[i - 1] + th / 2.0 + np.pi / 2
        scale[i] = min(1.0 / max(math.cos(th / 2.0), 1e-9), 3.0)
        turn[i] = th
        if abs(th) > 1e-9:
            inside_max[i] = 0.5 * min(length[i - 1], length[i]) / math.sin(abs(th) / 2.0)
    d = offset_m[:, None] * scale[None, :]
    inside = offset_m[:, None] * turn[None, :] > 0.0   # right of a right turn, left of a left
    d = np.where(inside, np.sign(d) * np.minimum(np.abs(d), inside_max[None, :]), d)
    out_lat, out_lon = geodesic_direct(np.broadcast_to(lat, d.shape), np.broadcast_to(lon, d.shape),
                                       np.broadcast_to(normal, d.shape), d)
    return np.asarray(out_lat).reshape(d.shape), np.asarray(out_lon).reshape(d.shape)


def expand_raids(specs: Sequence[RaidSpec], rng: np.random.Generator) -> list[Route]:
    """Routes of every raid member (see module docstring, "Raids").

    Parameters
    ----------
    specs : sequence of RaidSpec
    rng : numpy.random.Generator
        Parent stream; spec ``i`` draws from its ``i``-th spawned child.

    Returns
    -------
    list of Route
        The members of each spec in turn, in ``member_ids`` order; `Route.source` is the spec's.
    """
    routes: list[Route] = []
    children = rng.spawn(len(specs)) if specs else []
    for spec, sub in zip(specs, children, strict=True):
        lat = np.array(spec.lat_deg, dtype=float)
        lon = np.array(spec.lon_deg, dtype=float)
        alt = np.array(spec.alt_m, dtype=float)
        speed = np.array(spec.speed_m_s, dtype=float)
        time_s = np.array(spec.time_s, dtype=float)
        ref = list(spec.alt_ref)
        m = spec.count
        wt, wy, wz = spec.spread_time_s, spec.spread_lateral_m, spec.spread_altitude_m
        dt = sub.uniform(-wt, wt, m) if wt > 0 else np.zeros(m)
        dy = sub.uniform(-wy, wy, m) if wy > 0 else np.zeros(m)
        dz = sub.uniform(-wz, wz, m) if wz > 0 else np.zeros(m)
        if wy > 0:
            mlat, mlon = _lateral_offsets(lat, lon, dy)
        else:
            mlat, mlon = np.broadcast_to(lat, (m, lat.size)), np.broadcast_to(lon, (m, lon.size))
        for i, member in enumerate(spec.member_ids):
            start = max(spec.start_time_s + dt[i], 0.0)
            routes.append(route_from_arrays(member, spec.type, start, mlat[i], mlon[i],
                                            alt + dz[i], ref, speed, time_s + dt[i],
                                            spec.terrain_following, spec.load_factor_g,
                                            spec.climb_rad, spec.source))
    return routes


# ---------------------------------------------------------------------------------------------
# Vertical profiles
# ---------------------------------------------------------------------------------------------

def _dem_heights(dem: Dem | None, lat: np.ndarray, lon: np.ndarray, route_id: str) -> np.ndarray:
    if dem is None:
        raise InputError(f"route {route_id!r} has heights above ground: fly() needs a dem")
    try:
        return np.asarray(dem.sample(lat, lon), dtype=float)
    except TerrainError as exc:
        raise TerrainError(f"route {route_id!r}: {exc}") from None


def _dem_step_m(dem: Dem) -> float:
    dlat = float(np.min(np.diff(dem.lat_deg)))
    dlon = float(np.min(np.diff(dem.lon_deg)))
    lat_mid = math.radians(float(np.mean(dem.lat_deg)))
    return 111_195.0 * min(dlat, dlon * math.cos(lat_mid))


def _node_profile(route: Route, plan: _Plan, dem: Dem | None) -> tuple[np.ndarray, np.ndarray]:
    """Altitude (MSL) at the abeam nodes, climb-limited; linear between them."""
    alt = np.array([w.alt_m for w in route.waypoints])
    agl = np.array([w.alt_ref == "agl" for w in route.waypoints])
    if agl.any():
        lat = np.array([w.lat_deg for w in route.waypoints])[agl]
        lon = np.array([w.lon_deg for w in route.waypoints])[agl]
        alt[agl] += _dem_heights(dem, lat, lon, route.id)
    s = np.asarray(plan.node_s_m, dtype=float)
    slope = math.tan(route.max_climb_angle_rad)
    out = alt.copy()
    for k in range(1, out.size):
        step = slope * (s[k] - s[k - 1])
        out[k] = min(max(alt[k], out[k - 1] - step), out[k - 1] + step)
    return s, out


def _terrain_profile(route: Route, plan: _Plan, dem: Dem | None,
                     sampler: _Sampler) -> tuple[np.ndarray, np.ndarray]:
    """Terrain-following altitude (MSL) on a fine grid of path distance."""
    if dem is None:
        raise InputError(f"route {route.id!r} follows the terrain: fly() needs a dem")
    total = plan.total_m
    ds = float(np.clip(_dem_step_m(dem) / 2.0, 10.0, 250.0))
    n = max(int(math.ceil(total / ds)), 1)
    s = np.linspace(0.0, total, n + 1)
    lat, lon, _ = sampler.at_distance(plan, s)
    ground = _dem_heights(dem, lat, lon, route.id)
    agl = np.interp(s, np.asarray(plan.node_s_m), [w.alt_m for w in route.waypoints])
    target = ground + agl
    k = math.tan(route.max_climb_angle_rad)
    ahead = np.maximum.accumulate(target + k * s) - k * s
    behind = (np.maximum.accumulate((target - k * s)[::-1]) + k * s[::-1])[::-1]
    return s, np.maximum(ahead, behind)


class _Sampler:
    """Positions and headings on planned pieces (vectorised over samples)."""

    @staticmethod
    def pieces(kind: np.ndarray, lat0: np.ndarray, lon0: np.ndarray, az0: np.ndarray,
               sweep: np.ndarray, radius: np.ndarray, local_s: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """lat, lon, heading (rad) at distance ``local_s`` into each sample's piece."""
        lat = np.empty(local_s.size)
        lon = np.empty(local_s.size)
        heading = np.empty(local_s.size)
        line = kind == _LINE
        if line.any():
            lo, la, baz = _GEOD.fwd(lon0[line], lat0[line], np.degrees(az0[line]), local_s[line])
            lat[line], lon[line] = la, lo
            heading[line] = np.radians(np.asarray(baz, dtype=float)) + np.pi
        arc = ~line
        if arc.any():
            alpha = az0[arc] + sweep[arc] * local_s[arc] / radius[arc]
            lo, la, baz = _GEOD.fwd(lon0[arc], lat0[arc], np.degrees(alpha), radius[arc])
            lat[arc], lon[arc] = la, lo
            # tangent to the geodesic circle: the outward radial direction *at the point*
            # (back azimuth + pi; the bearing at the centre differs by the meridian convergence)
            outward = np.radians(np.asarray(baz, dtype=float)) + np.pi
            heading[arc] = outward + sweep[arc] * np.pi / 2
        return lat, lon, np.mod(heading, _TWO_PI)

    def at_distance(self, plan: _Plan, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        length = np.asarray(plan.length_m)
        starts = np.concatenate([[0.0], np.cumsum(length)[:-1]])
        p = np.clip(np.searchsorted(starts, s, side="right") - 1, 0, length.size - 1)
        arr = {k: np.asarray(getattr(plan, k))[p]
               for k in ("kind", "lat0", "lon0", "az0", "sweep", "radius_m")}
        return self.pieces(arr["kind"], arr["lat0"], arr["lon0"], arr["az0"], arr["sweep"],
                           arr["radius_m"], np.clip(s - starts[p], 0.0, length[p]))


# ---------------------------------------------------------------------------------------------
# fly
# ---------------------------------------------------------------------------------------------

def _warn_fly_overs(overs: list[tuple[Route, tuple[int, float, float, float, float]]]) -> None:
    """One `RouteWarning` listing the waypoints flown over (a note: the path stays physical)."""
    shown = [f"{_where(r.id, r.source, k)}: {turn:.0f} deg turn at {r.max_load_factor_g:g} g "
             f"needs a {radius:.0f} m radius, {need:.0f} m of leg, {avail:.0f} m available"
             for r, (k, turn, radius, need, avail) in overs[:5]]
    more = f"; and {len(overs) - 5} more" if len(overs) > 5 else ""
    n_routes = len({r.id for r, _ in overs})
    warnings.warn(
        f"{len(overs)} waypoint(s) on {n_routes} route(s) are flown over, not cut by a fly-by "
        "turn, because the legs are too short for the turn radius at the load factor: the object "
        "passes over the waypoint, turns at its load factor and rejoins the next leg by the "
        "shortest such path (later arrival): " + "; ".join(shown) + more,
        RouteWarning, stacklevel=3)


def fly(routes: Sequence[Route], dem: Dem | None = None, dt_s: float = 1.0,
        t_end_s: float | None = None) -> Trajectories:
    """Sample every route on a common time grid ``0, dt_s, 2 dt_s, ...`` up to ``t_end_s``.

    Parameters
    ----------
    routes : sequence of Route
        Object ids must be unique.
    dem : Dem, optional
        Terrain for ``agl`` heights and terrain following (not needed for all-MSL routes).
    dt_s : float
        Time step, s (> 0).
    t_end_s : float, optional
        End of the grid, s; default: when the last route ends. The grid covers it.

    Returns
    -------
    Trajectories
        ``time_s (nt,)``, positions ``(nt, n)``, ``vel_enu_m_s (nt, n, 3)``, ``active (nt, n)``.

    Raises
    ------
    InputError
        No routes, duplicate ids, bad ``dt_s``/``t_end_s``, or heights above ground without a DEM.
    TerrainError
        A route needs terrain outside the DEM (the message names the route).
    """
    routes = list(routes)
    if not routes:
        raise InputError("fly(): no routes given; allowed values are one or more Route objects")
    ids = [r.id for r in routes]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise InputError(f"fly(): duplicate route ids {dup}; allowed values are unique ids")
    if not (math.isfinite(dt_s) and dt_s > 0.0):
        raise InputError(f"fly(): dt_s {dt_s}; allowed values are finite numbers > 0")

    sampler = _Sampler()
    plans: list[_Plan] = []
    overs: list[tuple[Route, tuple[int, float, float, float, float]]] = []
    profiles: list[tuple[np.ndarray, np.ndarray]] = []
    for r in routes:
        lat = np.array([w.lat_deg for w in r.waypoints])
        lon = np.array([w.lon_deg for w in r.waypoints])
        legs = np.array([w.speed_m_s for w in r.waypoints[1:]])
        plan = _plan(r.id, lat, lon, legs, r.max_load_factor_g, source=r.source)
        plans.append(plan)
        overs += [(r, f) for f in plan.fly_overs]
        profiles.append(_terrain_profile(r, plan, dem, sampler) if r.terrain_following
                        else _node_profile(r, plan, dem))
    if overs:
        _warn_fly_overs(overs)

    ends = np.array([r.start_time_s + p.duration_s for r, p in zip(routes, plans, strict=True)])
    if t_end_s is None:
        t_end_s = float(ends.max())
    if not (math.isfinite(t_end_s) and t_end_s >= 0.0):
        raise InputError(f"fly(): t_end_s {t_end_s}; allowed values are finite numbers >= 0")
    nsteps = max(int(math.ceil(t_end_s / dt_s - 1e-9)), 1)
    time_s = dt_s * np.arange(nsteps + 1, dtype=float)
    nt, n = time_s.size, len(routes)

    # Concatenated piece tables; object j's times are offset by j * t_off so that one
    # searchsorted finds the piece of every (time, object) sample.
    counts = np.array([len(p.kind) for p in plans])
    first_piece = np.concatenate([[0], np.cumsum(counts)[:-1]])
    cat = {k: np.concatenate([np.asarray(getattr(p, k), dtype=float) for p in plans])
           for k in ("kind", "length_m", "speed_m_s", "lat0", "lon0", "az0", "sweep",
                     "radius_m")}
    duration = cat["length_m"] / cat["speed_m_s"]
    owner = np.repeat(np.arange(n), counts)
    starts = np.array([r.start_time_s for r in routes])
    piece_t0 = np.empty(owner.size)
    piece_s0 = np.empty(owner.size)
    for j in range(n):  # per route, not per time step
        sl = slice(first_piece[j], first_piece[j] + counts[j])
        piece_t0[sl] = starts[j] + np.concatenate([[0.0], np.cumsum(duration[sl])[:-1]])
        piece_s0[sl] = np.concatenate([[0.0], np.cumsum(cat["length_m"][sl])[:-1]])
    t_off = float(max(ends.max(), t_end_s)) + 1.0
    key = piece_t0 + owner * t_off

    active = (time_s[:, None] >= starts[None, :] - 1e-9) & (time_s[:, None] <= ends[None, :] + 1e-9)
    t_idx, o_idx = np.nonzero(active)
    t = time_s[t_idx]
    p = np.searchsorted(key, t + o_idx * t_off, side="right") - 1
    p = np.clip(p, first_piece[o_idx], first_piece[o_idx] + counts[o_idx] - 1)
    local = np.clip((t - piece_t0[p]) * cat["speed_m_s"][p], 0.0, cat["length_m"][p])
    lat, lon, heading = sampler.pieces(cat["kind"][p].astype(int), cat["lat0"][p],
                                       cat["lon0"][p], cat["az0"][p], cat["sweep"][p],
                                       cat["radius_m"][p], local)
    s = piece_s0[p] + local
    speed = cat["speed_m_s"][p]

    # Altitude: concatenated profiles, object j's distances offset by j * s_off.
    s_off = max(float(pr[0][-1]) for pr in profiles) + 1e6
    prof_n = np.array([pr[0].size for pr in profiles])
    prof_first = np.concatenate([[0], np.cumsum(prof_n)[:-1]])
    xp = np.concatenate([pr[0] + j * s_off for j, pr in enumerate(profiles)])
    hp = np.concatenate([pr[1] for pr in profiles])
    x = s + o_idx * s_off
    alt = np.interp(x, xp, hp)
    seg = np.searchsorted(xp, x, side="left") - 1
    seg = np.clip(seg, prof_first[o_idx], prof_first[o_idx] + prof_n[o_idx] - 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        dhds = (hp[seg + 1] - hp[seg]) / (xp[seg + 1] - xp[seg])
    dhds = np.where(np.isfinite(dhds), dhds, 0.0)

    lat_out = np.full((nt, n), np.nan)
    lon_out = np.full((nt, n), np.nan)
    alt_out = np.full((nt, n), np.nan)
    vel = np.full((nt, n, 3), np.nan)
    lat_out[t_idx, o_idx] = lat
    lon_out[t_idx, o_idx] = lon
    alt_out[t_idx, o_idx] = alt
    vel[t_idx, o_idx, 0] = speed * np.sin(heading)
    vel[t_idx, o_idx, 1] = speed * np.cos(heading)
    vel[t_idx, o_idx, 2] = speed * dhds
    return Trajectories(time_s=time_s, ids=tuple(ids), types=tuple(r.type for r in routes),
                        lat_deg=lat_out, lon_deg=lon_out, alt_msl_m=alt_out, vel_enu_m_s=vel,
                        active=active)
