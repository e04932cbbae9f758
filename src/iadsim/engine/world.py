"""The World: a scenario built once, in SI, ready to be fought many times.

:func:`iadsim.scenario.build.build` (``iadsim.build``) resolves a validated scenario, the
equipment library and one set of figures (:class:`iadsim.scenario.figures.Figures`) into a
:class:`World`; :func:`iadsim.engine.engagement.run_engagement` (``iadsim.run``) and
:func:`iadsim.engine.air_picture.simulate_air_picture` fight or sense it. The engine reads every
number it uses from the World -- never the scenario schema, the library or a data file -- so a
figure override changes the result, and a World can be pickled once and sent to worker
processes.

A World is immutable: frozen dataclasses of numbers, tuples and arrays (the dicts inside are
never changed by a run; the run copies what it changes into its own state, e.g.
:class:`iadsim.engine.fire_unit.FireUnit` from :class:`FireUnitSpec`). What changes between runs
of one World is only what the seed draws: raid members' offsets (:class:`RaidSpec`), detections,
guidance errors and kills.

Frames: positions are WGS84 degrees and heights metres above MSL at the edges (sites, routes);
``frame_origin`` is the origin of the command post's local ENU frame in which the engine works.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

from iadsim.engine.kinematics import RaidSpec, Route
from iadsim.geo.terrain import Dem
from iadsim.sensors.ew import NoiseJammer, Receiver
from iadsim.sensors.radar import RadarModel
from iadsim.sensors.scan import RadarSensor, off_windows_array, sector_offset
from iadsim.weapons.flyout import MissileAero

__all__ = [
    "ArmType",
    "DecoyEmitterSite",
    "FireUnitSpec",
    "GunType",
    "JammerSite",
    "LauncherGroup",
    "MissileSite",
    "MissileType",
    "ModelFigures",
    "Provenance",
    "RadarSite",
    "SeadCarrier",
    "Seeker",
    "ThreatType",
    "World",
]


class Seeker(enum.Enum):
    """Terminal guidance of a missile (library ``seeker``, stated by its cited guidance fact)."""

    #: own radar seeker: the ground radar is needed only until the seeker acquires the target
    ACTIVE = "active"
    #: semi-active / track-via-missile: the engagement radar tracks or illuminates to the end
    SEMI_ACTIVE = "semi_active"
    #: radio command guidance from the engagement radar to the end
    COMMAND = "command"

    @property
    def needs_ground_radar(self) -> bool:
        """Whether the missile needs its battalion's engagement radar to the end of its flight."""
        return self is not Seeker.ACTIVE


@dataclass(frozen=True)
class RadarSite:
    """A radar at a site. Positions WGS84 degrees; heights MSL, m."""

    id: str
    battalion_id: str
    type_id: str
    lat_deg: float
    lon_deg: float
    ground_msl_m: float
    antenna_msl_m: float
    model: RadarModel
    #: width of the scanned sector, rad (2 pi: rotating radar; library ``sector_deg``)
    sector_width_rad: float = 2.0 * np.pi
    #: sector centre given by the scenario, rad clockwise from north (None: not given)
    facing_rad: float | None = None
    #: emission control (scenario ``emcon``): ``(k, 2)`` windows ``[off_s, on_s)`` in which the
    #: radar is silent, s, sorted; ``on_s = inf``: off to the end
    #: (:func:`iadsim.sensors.scan.radar_emitting`)
    off_windows_s: np.ndarray = field(default_factory=off_windows_array)
    #: scripted loss (scenario ``destroyed_at_s``), s; ``inf``: it survives. ``off_windows_s``
    #: already ends with ``[destroyed_s, inf)``: a dead radar emits and detects nothing.
    destroyed_s: float = np.inf
    #: what jamming needs of it (main lobe, sidelobes, band, noise); None: the library item
    #: lacks those figures (:attr:`iadsim.scenario.library.Radar.RECEIVER_FIGURES`)
    receiver: Receiver | None = None

    def in_sector(self, az_rad: np.ndarray) -> np.ndarray:
        """Whether azimuths (rad from north) lie in the scanned sector; everywhere when the
        radar rotates or its facing is not given (coverage then draws it over 360°)."""
        if self.facing_rad is None:
            return np.ones(np.shape(az_rad), dtype=bool)
        start = self.facing_rad - self.sector_width_rad / 2.0
        return sector_offset(az_rad, start, self.sector_width_rad)[1]


@dataclass(frozen=True)
class JammerSite:
    """A stand-off noise jammer on station (scenario ``jammers``): ``count`` jammers of one type
    at one point, WGS84 degrees and metres above MSL; their powers add."""

    id: str
    type_id: str
    lat_deg: float
    lon_deg: float
    alt_msl_m: float
    jammer: NoiseJammer
    count: int = 1


@dataclass(frozen=True)
class MissileSite:
    """Where one missile type can be launched from, with its published limits (SI)."""

    battalion_id: str
    missile_id: str
    lat_deg: float
    lon_deg: float
    ground_msl_m: float
    rounds: int
    min_range_m: float
    max_range_m: float
    min_altitude_m: float
    max_altitude_m: float
    guided_by: tuple[str, ...]


@dataclass(frozen=True)
class MissileType:
    """What the engine needs of a missile type (SI).

    ``lethal_radius_m``: Carleton R50 of its warhead against an aircraft (scaled from the warhead
    mass at build); ``planning_speed_m_s``: the mean speed the command post plans time of flight
    with; ``aero``: the calibrated 3-DOF flyout model (its ``guidance_error_m`` is the σ per axis
    of the miss-distance error).
    """

    id: str
    seeker: Seeker
    lethal_radius_m: float
    planning_speed_m_s: float
    aero: MissileAero


@dataclass(frozen=True)
class ThreatType:
    """What the engine needs of a threat type: its class and nose/side/tail mean RCS, dBsm."""

    id: str
    threat_class: str
    rcs_dbsm: tuple[float, float, float]


@dataclass(frozen=True)
class ArmType:
    """An anti-radiation missile type (SI; :mod:`iadsim.engine.sead`).

    ``aero``: its 3-DOF flyout model (proportional navigation on the emitter; the fuze radius
    is its ``kill_radius_m``, the miss about an emitter that stays on is ``guidance_error_m``
    per axis); ``acquisition_range_m``: the passive seeker's one-way acquisition range of an
    emitting radar; ``min_frequency_hz``/``max_frequency_hz``: the band it hears;
    ``lethal_radius_m``: a burst within it destroys the radar; ``memory_drift_m_s``: growth of
    the aim-point error (σ per axis) per second flown after the emitter went dark;
    ``max_speed_m_s``: its published peak speed (the trackers' speed limit in a run with ARMs).
    """

    id: str
    aero: MissileAero
    acquisition_range_m: float
    min_frequency_hz: float
    max_frequency_hz: float
    lethal_radius_m: float
    memory_drift_m_s: float
    max_speed_m_s: float


@dataclass(frozen=True)
class DecoyEmitterSite:
    """An emitter imitator near a radar (scenario ``decoy_emitters``): its offset east and
    north of the radar (m, the radar's ENU frame), its power toward an incoming ARM relative to
    the radar's (linear), and whether it keeps emitting while the radar is dark (``always``)
    or radiates only with it."""

    id: str
    radar_id: str
    east_m: float
    north_m: float
    power_ratio: float
    always: bool


@dataclass(frozen=True)
class SeadCarrier:
    """An air object that carries anti-radiation missiles (scenario ``arms`` of a threat or a
    raid; one per raid member): its object id, the ARM type, how many it carries, how many it
    fires at one radar at once (``salvo``), its launch range (slant, m) and the radars it may
    fire at in order of preference (empty: any, nearest first)."""

    object_id: str
    arm_id: str
    count: int
    salvo: int
    launch_range_m: float
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class GunType:
    """A battalion's guns (SI): pooled ammunition, burst, effective envelope, burst-Pk inputs."""

    id: str
    rounds: int
    rounds_per_burst: int
    burst_s: float
    max_range_m: float
    min_altitude_m: float
    max_altitude_m: float
    dispersion_rad: float
    pk_per_hit: float


@dataclass(frozen=True)
class LauncherGroup:
    """``count`` launchers of one type of a battalion: the load of each (rounds by missile id),
    the minimum interval between two launches of one launcher (s), the group's spare rounds and
    reload time (s; ``None``: no reload)."""

    count: int
    load: dict[str, int]
    interval_s: float
    spare_rounds: dict[str, int]
    reload_time_s: float | None


@dataclass(frozen=True)
class FireUnitSpec:
    """A battalion as a fire unit, as built (SI); the run's mutable state is
    :class:`iadsim.engine.fire_unit.FireUnit`.

    ``missiles``: the missile sites it fires by missile id (only types with a flyout model);
    ``radar_ids``: its radars in scenario order; ``target_channels``: targets engaged at once;
    ``missile_channels``: missiles guided at once (``None``: unlimited);
    ``command_post_lost_s``: when it starts fighting autonomously (``inf``: never).
    """

    id: str
    lat_deg: float
    lon_deg: float
    ground_msl_m: float
    reaction_time_s: float
    target_channels: int
    missile_channels: int | None
    missiles: dict[str, MissileSite]
    launchers: tuple[LauncherGroup, ...]
    radar_ids: tuple[str, ...]
    command_post_lost_s: float = np.inf
    gun: GunType | None = None
    radar_off_windows_s: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelFigures:
    """The model figures a run uses (nominal values of the cited model file, SI).

    ``target_hardness`` and ``gun_target_area_m2`` by threat class; ``planning_pk``: the
    single-shot Pk the command post plans with; ``defended_radius_m`` and
    ``threat_time_scale_s``: threat evaluation; ``kill_assessment_delay_s``: how long after an
    intercept the command post waits for the target's track to be updated before it judges the
    target destroyed.
    """

    target_hardness: dict[str, float]
    gun_target_area_m2: dict[str, float]
    planning_pk: float
    defended_radius_m: float
    threat_time_scale_s: float
    kill_assessment_delay_s: float


@dataclass(frozen=True)
class Provenance:
    """Where a World's numbers come from.

    ``figure_set``: the figures' label; ``figures``: every equipment figure of the items in the
    World, one dict each (name, value, unit, low, nominal, high, sources as ``{url, title}``,
    assumed, reasoning, overridden); ``sources``: the scenario's and the items' citations;
    ``assumptions``: every assumption the World rests on, as report lines; ``notes``: what the
    build left out (e.g. a missile without a flyout model); ``terrain``: the DEM's description;
    ``option_lines``: the line of ``assumptions`` that states each model figure a run option
    can replace, by the option's name in ``EngagementConfig`` (a run that sets the option lists
    its own line instead).
    """

    figure_set: str
    figures: tuple[dict, ...]
    sources: tuple[dict, ...]
    assumptions: tuple[str, ...]
    notes: tuple[str, ...]
    terrain: str
    option_lines: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class World:
    """A scenario built for one set of figures (see the module notes).

    Attributes
    ----------
    name : str
        The scenario's name.
    seed : int
        The scenario's default seed.
    frame_origin : (lat_deg, lon_deg, alt_m)
        Origin of the command post's ENU frame: the first radar's site at its ground height.
    dem : Dem
        Terrain of the routes (terrain following) and of the radars' line of sight.
    radars : tuple of RadarSite
        Every radar of the active battalions, in scenario order.
    sensors : tuple of RadarSensor
        The scanning model of each radar (same order), with its line-of-sight field and its
        sector facing (the scenario's, else the threat axis, stated in the assumptions).
    fire_units : tuple of FireUnitSpec
        The battalions that can fire (missiles with a flyout model, or guns).
    missile_types : dict of str to MissileType
    threat_types : dict of str to ThreatType
        Every type in the air picture.
    routes : tuple of Route
        The scenario's individual threats.
    raids : tuple of RaidSpec
        The scenario's raids, expanded into member routes by each run's seed.
    asset_ids : tuple of str
        Defended assets (the battalion sites when the scenario names none).
    asset_enu_m : ndarray (n, 3)
        Their positions in the command-post frame, m.
    model : ModelFigures
    provenance : Provenance
    jammers : tuple of JammerSite
        Stand-off noise jammers on station.
    carried_jammers : tuple of (str, NoiseJammer)
        Noise jammers carried by air objects: the carrier's object id (a threat id or a raid
        member id) and the jammer, one entry per pod.
    sead : tuple of SeadCarrier
        Air objects that fire anti-radiation missiles.
    arm_types : dict of str to ArmType
        The anti-radiation missiles they carry.
    decoy_emitters : tuple of DecoyEmitterSite
        Emitter imitators near the radars (they pull an ARM's aim point).
    """

    name: str
    seed: int
    frame_origin: tuple[float, float, float]
    dem: Dem
    radars: tuple[RadarSite, ...]
    sensors: tuple[RadarSensor, ...]
    fire_units: tuple[FireUnitSpec, ...]
    missile_types: dict[str, MissileType]
    threat_types: dict[str, ThreatType]
    routes: tuple[Route, ...]
    raids: tuple[RaidSpec, ...]
    asset_ids: tuple[str, ...]
    asset_enu_m: np.ndarray
    model: ModelFigures
    provenance: Provenance
    jammers: tuple[JammerSite, ...] = ()
    carried_jammers: tuple[tuple[str, NoiseJammer], ...] = ()
    sead: tuple[SeadCarrier, ...] = ()
    arm_types: dict[str, ArmType] = field(default_factory=dict)
    decoy_emitters: tuple[DecoyEmitterSite, ...] = ()

    @property
    def figure_set(self) -> str:
        """Label of the figures the World was built with."""
        return self.provenance.figure_set

    @property
    def n_threats(self) -> int:
        """Objects in the air picture: individual threats plus every raid member."""
        return len(self.routes) + sum(r.count for r in self.raids)
