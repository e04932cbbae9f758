"""Scenario file schema (``iadsim: 1``): pydantic v2, frozen, unknown keys rejected.

Edge units are in the field names (``lat_deg``, ``ground_alt_m``, ``mast_height_m``,
``offset_m``); `iadsim.scenario.build` converts to SI once. Equipment is named by the ids of the
equipment library (`iadsim.scenario.library`), case-insensitively or by alias.

Validation happens in two layers:

1. Structure (pydantic): types, ranges, enums, required and unknown keys, per-model rules.
2. Cross-references (:meth:`Scenario.check`): unique ids, equipment that exists in the library and
   is of the right kind and system, launcher loads within capacity. Each finding is an
   `InputProblem` with the exact field path. Building a `Scenario` in Python runs both layers;
   `iadsim.scenario.load.load_scenario` runs them separately to report every finding with its
   line in the file.

Example
-------
>>> sc = Scenario.from_yaml('''
... iadsim: 1
... name: demo
... terrain: {synthetic: {seed: 1}}
... battalions:
...   - id: s400-1
...     system: S-400
...     site: {lat_deg: 53.1, lon_deg: 26.0, location_note: test, assumed: true, reasoning: test}
...     radars: [{id: s400-1-92n6e, type: 92N6E}]
... ''')
>>> sc.battalions[0].radars[0].type
'92N6E'
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from iadsim.errors import InputProblem
from iadsim.geo.frames import geodesic_inverse
from iadsim.scenario.model_figures import engagement_model

if TYPE_CHECKING:  # pragma: no cover
    from iadsim.scenario.figures import Figures

__all__ = [
    "SCHEMA_VERSION",
    "SYSTEMS",
    "Area",
    "ArmLoad",
    "Battalion",
    "DecoyEmitter",
    "DefendedAsset",
    "EmconWindow",
    "JammerStation",
    "LauncherGroup",
    "Offset",
    "Raid",
    "RaidSpread",
    "RadarPlacement",
    "ReferencePoint",
    "Scenario",
    "Site",
    "Source",
    "SyntheticTerrain",
    "Terrain",
    "Threat",
    "ThreatLimits",
    "Waypoint",
    "threat_limits",
]

SCHEMA_VERSION = 1

#: Air-defence systems a battalion may be (the ``system`` of equipment library items).
SYSTEMS = ("S-400", "Pantsir-S1", "S-300PMU")
System = Literal["S-400", "Pantsir-S1", "S-300PMU"]

#: Validation context key: skip the cross-reference layer (the loader runs it itself).
DEFER_CHECKS = "iadsim_defer_checks"

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
ID_ALLOWED = "1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit (e.g. s400-1)"

Id = Annotated[str, Field(pattern=ID_PATTERN)]
Text = Annotated[str, Field(min_length=1, max_length=10_000)]
# Numbers and booleans are strict: `lat_deg: "52"` or `count: true` is a mistake in a
# hand-written file, not something to coerce (integers are accepted where numbers are).
LatDeg = Annotated[StrictFloat, Field(ge=-90.0, le=90.0)]
LonDeg = Annotated[StrictFloat, Field(ge=-180.0, le=180.0)]
#: Ground heights MSL: Dead Sea shore to above Everest.
GroundAltM = Annotated[StrictFloat, Field(ge=-500.0, le=9000.0)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False,
                              str_strip_whitespace=True)


class Source(_Model):
    """A public source: where a fact in the scenario comes from."""

    url: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2000)]
    title: Text
    note: Text | None = None


def _require_sources_or_reasoning(assumed: bool, sources: tuple[Source, ...],
                                  reasoning: str | None) -> None:
    if assumed and not reasoning:
        raise PydanticCustomError(
            "assumed_needs_reasoning",
            "`assumed: true` needs `reasoning` (why this value was chosen)",
            {"allowed": "a `reasoning:` text next to `assumed: true`"})
    if not assumed and not sources:
        raise PydanticCustomError(
            "fact_needs_source",
            "a position or facing that is not assumed needs at least one entry in `sources`",
            {"allowed": "`sources: [{url, title}]`, or `assumed: true` with `reasoning`"})


class _Place(_Model):
    """A position with its provenance: sources, or ``assumed: true`` with a ``reasoning``."""

    lat_deg: LatDeg
    lon_deg: LonDeg
    sources: tuple[Source, ...] = ()
    assumed: StrictBool = False
    reasoning: Text | None = None

    @model_validator(mode="after")
    def _cited(self) -> _Place:
        _require_sources_or_reasoning(self.assumed, self.sources, self.reasoning)
        return self


class Site(_Place):
    """Where a battalion (or one radar) stands.

    ``ground_alt_m`` is the ground height above mean sea level; ``None`` takes it from the DEM.
    ``assumed: true`` means the exact position is not public; ``reasoning`` says how it was chosen.
    """

    ground_alt_m: GroundAltM | None = None
    location_note: Text


class Offset(_Model):
    """Horizontal offset from the battalion site, metres east and north (local ENU)."""

    east: Annotated[StrictFloat, Field(ge=-50_000.0, le=50_000.0)] = 0.0
    north: Annotated[StrictFloat, Field(ge=-50_000.0, le=50_000.0)] = 0.0


class SyntheticTerrain(_Model):
    """Deterministic fractal relief (`iadsim.geo.terrain.Dem.synthetic`)."""

    seed: Annotated[StrictInt, Field(ge=0, le=2**32 - 1)] = 0
    relief_m: Annotated[StrictFloat, Field(ge=0.0, le=5000.0)] = 120.0
    base_m: Annotated[StrictFloat, Field(ge=-500.0, le=5000.0)] = 160.0


class Terrain(_Model):
    """Exactly one of ``synthetic`` or ``dem`` (a GeoTIFF path, relative to the scenario file).

    ``k_factor`` is the effective-Earth-radius factor for refraction (4/3 standard atmosphere).
    """

    synthetic: SyntheticTerrain | None = None
    dem: Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    k_factor: Annotated[StrictFloat, Field(ge=1.0, le=2.0)] = 4.0 / 3.0

    @model_validator(mode="after")
    def _one_source(self) -> Terrain:
        if (self.synthetic is None) == (self.dem is None):
            raise PydanticCustomError(
                "terrain_choice", "give exactly one of `synthetic` or `dem`",
                {"allowed": "`synthetic: {seed, relief_m, base_m}` or `dem: path/to/file.tif`"})
        return self


class Facing(_Model):
    """Where a sector-scanning radar points: the bearing of its sector centre, degrees clockwise
    from true north (e.g. read from imagery), with sources or ``assumed: true`` + ``reasoning``."""

    bearing_deg: Annotated[StrictFloat, Field(ge=0.0, lt=360.0)]
    sources: tuple[Source, ...] = ()
    assumed: StrictBool = False
    reasoning: Text | None = None

    @model_validator(mode="after")
    def _cited(self) -> Facing:
        _require_sources_or_reasoning(self.assumed, self.sources, self.reasoning)
        return self


class RadarPlacement(_Model):
    """One radar of a battalion: at the battalion site, at ``offset_m`` from it, or at ``site``.

    ``mast_height_m``: antenna height above ground; ``None`` uses the equipment default.
    ``facing``: sector centre of a sector-scanning radar; ``None``: it is assumed to face the
    threat axis of the raid (stated in every run's assumptions).
    ``destroyed_at_s``: a scripted loss (s from the start of the run): from then on the radar
    is dead -- it emits, detects and guides nothing (``None``: it survives).
    """

    id: Id
    type: Text
    offset_m: Offset | None = None
    site: Site | None = None
    mast_height_m: Annotated[StrictFloat, Field(ge=0.0, le=100.0)] | None = None
    facing: Facing | None = None
    destroyed_at_s: Annotated[StrictFloat, Field(ge=0.0, le=604_800.0)] | None = None

    @model_validator(mode="after")
    def _one_position(self) -> RadarPlacement:
        if self.offset_m is not None and self.site is not None:
            raise PydanticCustomError(
                "radar_position", "give `offset_m` or `site`, not both",
                {"allowed": "`offset_m: {east, north}` or `site: {lat_deg, lon_deg, ...}`"})
        return self


MissileCount = Annotated[StrictInt, Field(ge=1, le=1000)]


class LauncherGroup(_Model):
    """``count`` launchers of one ``type``, each carrying ``load`` (missile id -> rounds).

    Reloading (optional, both or neither): ``spare_rounds`` (missile id -> rounds) are carried
    for the group by its transloaders; an emptied launcher of the group is reloaded to its
    ``load`` from them, ``reload_time_s`` after its last launch. Without them launchers do not
    reload.
    """

    type: Text
    count: Annotated[StrictInt, Field(ge=1, le=1000)]
    load: dict[str, MissileCount] = Field(default_factory=dict)
    note: Text | None = None
    spare_rounds: dict[str, MissileCount] = Field(default_factory=dict)
    reload_time_s: Annotated[StrictFloat, Field(gt=0.0, le=86_400.0)] | None = None

    @model_validator(mode="after")
    def _reload(self) -> LauncherGroup:
        if bool(self.spare_rounds) != (self.reload_time_s is not None):
            raise PydanticCustomError(
                "reload_pair", "give `spare_rounds` and `reload_time_s` together (a reload needs "
                "spare rounds and the time it takes)",
                {"allowed": "`spare_rounds: {<missile>: <rounds>}` with `reload_time_s: <s>`, "
                            "or neither (launchers do not reload)"})
        extra = sorted(set(self.spare_rounds) - set(self.load))
        if extra:
            raise PydanticCustomError(
                "spare_not_loaded", "spare rounds of {missiles}, which the launchers do not carry",
                {"missiles": ", ".join(extra),
                 "allowed": f"missiles of `load`: {', '.join(self.load) or '(none)'}"})
        return self

    @field_validator("load")
    @classmethod
    def _nonempty_keys(cls, value: dict[str, int]) -> dict[str, int]:
        for key in value:
            if not key.strip():
                raise PydanticCustomError("missile_name", "missile names must not be empty",
                                          {"allowed": "equipment ids, e.g. 48N6E3"})
        return value


class EmconWindow(_Model):
    """Emission control: one radar of the battalion is switched off for a while.

    The radar ``radar`` (an id among the battalion's ``radars``) is off from ``off_s`` (included)
    until ``on_s`` (s from scenario start), on again from ``on_s``; without ``on_s`` it stays off
    to the end of the run. While off a radar emits nothing and detects nothing (its tracks coast
    and drop), and command-guided missiles that need it are neither launched nor guided
    (`iadsim.engine.engagement`, "Emission control"). A radar may have several windows; they may
    not overlap (checked with the cross-references).
    """

    radar: Id
    off_s: Annotated[StrictFloat, Field(ge=0.0, le=604_800.0)]
    on_s: Annotated[StrictFloat, Field(ge=0.0, le=604_800.0)] | None = None

    @field_validator("on_s")
    @classmethod
    def _after_off(cls, value: float | None, info: ValidationInfo) -> float | None:
        off = info.data.get("off_s")
        if value is not None and off is not None and value <= off:
            raise PydanticCustomError(
                "emcon_order", "the radar must come back on after it goes off (on_s <= off_s)",
                {"allowed": f"on_s > off_s ({_num(float(off))} s), or no on_s (off to the end "
                            "of the run)"})
        return value


class DecoyEmitter(_Model):
    """An emitter imitator protecting one of the battalion's radars from anti-radiation missiles
    (`iadsim.engine.sead`): at ``offset_m`` from that ``radar``, radiating ``power_ratio_db``
    relative to the radar's power toward an incoming ARM; ``emits``: ``with_radar`` (on while
    the radar emits) or ``always`` (it keeps emitting when the radar goes dark). No public figure
    describes such decoys: give ``sources``, or ``assumed: true`` with a ``reasoning``.
    """

    id: Id
    radar: Text
    offset_m: Offset
    power_ratio_db: Annotated[StrictFloat, Field(ge=-40.0, le=20.0)] = 0.0
    emits: Literal["with_radar", "always"] = "with_radar"
    sources: tuple[Source, ...] = ()
    assumed: StrictBool = False
    reasoning: Text | None = None

    @model_validator(mode="after")
    def _cited(self) -> DecoyEmitter:
        _require_sources_or_reasoning(self.assumed, self.sources, self.reasoning)
        return self


class Battalion(_Model):
    """A fire unit (Russian *divizion*): its site, radars, launchers and command post.

    ``emcon``: emission-control windows of its radars (:class:`EmconWindow`), e.g.
    ``emcon: [{radar: s400-1-92n6e, off_s: 300, on_s: 900}]``.
    """

    id: Id
    system: System
    name: Text | None = None
    note: Text | None = None
    active: StrictBool = True
    site: Site
    command_post: Text | None = None
    #: Time the battalion loses its command post (link to the network), s from scenario start;
    #: from then on it fights autonomously on its own radars' tracks. ``None``: never.
    command_post_lost_at_s: Annotated[StrictFloat, Field(ge=0.0, le=604_800.0)] | None = None
    radars: tuple[RadarPlacement, ...]
    launchers: tuple[LauncherGroup, ...] = ()
    emcon: tuple[EmconWindow, ...] = ()
    #: Emitter imitators near its radars (:class:`DecoyEmitter`).
    decoy_emitters: tuple[DecoyEmitter, ...] = ()

    @field_validator("radars")
    @classmethod
    def _has_radar(cls, value: tuple[RadarPlacement, ...]) -> tuple[RadarPlacement, ...]:
        if not value:
            raise PydanticCustomError("empty_list", "a battalion needs at least one radar",
                                      {"allowed": "a list of one or more radars "
                                                  "({id, type, offset_m?, site?})"})
        return value


class ReferencePoint(_Place):
    """A labelled place on maps and in distance tables (a capital, a border gap)."""

    name: Text
    note: Text | None = None


class DefendedAsset(ReferencePoint):
    """Something the air defence protects (an airbase, a city)."""

    id: Id


class Area(_Model):
    """Analysis area (degrees). Optional: analyses default to the sites plus a margin."""

    lat_min_deg: LatDeg
    lat_max_deg: LatDeg
    lon_min_deg: LonDeg
    lon_max_deg: LonDeg

    @model_validator(mode="after")
    def _ordered(self) -> Area:
        if not (self.lat_min_deg < self.lat_max_deg and self.lon_min_deg < self.lon_max_deg):
            raise PydanticCustomError(
                "area_order", "the area is empty: need lat_min_deg < lat_max_deg and "
                "lon_min_deg < lon_max_deg", {"allowed": "min < max for both lat and lon"})
        return self


# ---------------------------------------------------------------------------------------------
# Threats and raids (air picture)
# ---------------------------------------------------------------------------------------------

#: Scenario times, s from scenario start (a week bounds any hand-written scenario).
TimeS = Annotated[StrictFloat, Field(ge=0.0, le=604_800.0)]
#: Flight altitudes, m (the type ceiling is checked against the library).
FlightAltM = Annotated[StrictFloat, Field(ge=0.0, le=100_000.0)]
#: Route speeds, m/s (the type's limit is checked against the library).
SpeedMS = Annotated[StrictFloat, Field(gt=0.0, le=10_000.0)]
#: Load factor n = lift / weight (1 g is level flight; turns need n > 1).
LoadFactorG = Annotated[StrictFloat, Field(gt=1.0, le=40.0)]

_SPEED_OR_TIME = ("`speed_m_s: <m/s>` (speed on the leg ending here) or `time_s: <s>` (arrival "
                  "time here, s from scenario start), or neither (the last speed given, else "
                  "the type's cruise speed)")


class Waypoint(_Model):
    """A route point. ``alt_m`` is above mean sea level (``alt_ref: msl``) or above ground
    (``alt_ref: agl``).

    ``speed_m_s`` is the speed on the leg *ending* at this waypoint; ``time_s`` the arrival time
    here (s from scenario start), from which the leg speed is derived. Give at most one. A leg
    with neither keeps the last ``speed_m_s`` given before it (on the first waypoint it is the
    initial speed), or flies at the type's cruise speed when none was given. The first waypoint
    is where the object appears at ``start_time_s``: it takes no ``time_s``.
    """

    lat_deg: LatDeg
    lon_deg: LonDeg
    alt_m: FlightAltM
    alt_ref: Literal["msl", "agl"] = "msl"
    speed_m_s: SpeedMS | None = None
    time_s: TimeS | None = None

    @model_validator(mode="after")
    def _speed_or_time(self) -> Waypoint:
        if self.speed_m_s is not None and self.time_s is not None:
            raise PydanticCustomError(
                "speed_or_time", "give `speed_m_s` or `time_s` for a waypoint, not both",
                {"allowed": _SPEED_OR_TIME})
        return self


def _two_waypoints(value: tuple[Waypoint, ...]) -> tuple[Waypoint, ...]:
    if len(value) < 2:
        raise PydanticCustomError(
            "route_too_short", "a route needs at least 2 waypoints",
            {"allowed": "a list of 2 or more waypoints {lat_deg, lon_deg, alt_m, alt_ref?, "
                        "speed_m_s? | time_s?}"})
    return value


class ArmLoad(_Model):
    """Anti-radiation missiles an aircraft carries and how it fires them (`iadsim.engine.sead`).

    ``type``: an anti-radiation missile of the equipment library (class ``arm``); ``count``
    carried; ``salvo``: fired at one radar at once; ``launch_range_km``: fire at an emitting
    radar within this slant range (default: the seeker's acquisition range, which always
    bounds it); ``targets``: the radar ids it may fire at, in order of preference (default:
    every radar, nearest first).
    """

    type: Text
    count: Annotated[StrictInt, Field(ge=1, le=32)]
    salvo: Annotated[StrictInt, Field(ge=1, le=32)] = 1
    launch_range_km: Annotated[StrictFloat, Field(gt=0.0, le=1000.0)] | None = None
    targets: tuple[Text, ...] = ()


class Threat(_Model):
    """One air object flying a route (`iadsim.engine.kinematics`).

    ``type`` is a threat id of the equipment library. ``terrain_following: true`` keeps the
    waypoint ``alt_m`` above ground between waypoints (needs ``alt_ref: agl`` on every waypoint).
    ``max_load_factor_g`` sets the turn radius at waypoints (R = v^2 / (g sqrt(n^2 - 1)));
    default: the type's cruise turn load factor (see `threat_limits`).
    """

    id: Id
    type: Text
    start_time_s: TimeS = 0.0
    route: tuple[Waypoint, ...]
    terrain_following: StrictBool = False
    max_load_factor_g: LoadFactorG | None = None
    #: Noise jammers it carries (jammer ids of the equipment library; one entry per pod, their
    #: powers add): self-screening when it is the radar's target, escort jamming otherwise.
    jammers: tuple[Text, ...] = ()
    #: Anti-radiation missiles it carries and fires at emitting radars (:class:`ArmLoad`).
    arms: ArmLoad | None = None
    note: Text | None = None

    @field_validator("route")
    @classmethod
    def _route_length(cls, value: tuple[Waypoint, ...]) -> tuple[Waypoint, ...]:
        return _two_waypoints(value)


class RaidSpread(_Model):
    """Scatter of raid members about the raid axis: **uniform half-widths**.

    Each member draws, independently and uniformly in ``[-w, +w]``: a start-time offset
    (``time_s``; the whole schedule, waypoint times included, shifts with it), a lateral offset
    (``lateral_m``, positive to the right of the direction of flight, constant along the route
    except inside sharp turns, where it narrows so that a member's legs never reverse)
    and an altitude offset (``altitude_m``, added to every waypoint). Uniform rather than normal
    so that every member is inside the stated bounds, which the validation checks (ceiling,
    ground, start time); the standard deviation of each offset is ``w / sqrt(3)``.
    """

    time_s: Annotated[StrictFloat, Field(ge=0.0, le=86_400.0)] = 0.0
    lateral_m: Annotated[StrictFloat, Field(ge=0.0, le=200_000.0)] = 0.0
    altitude_m: Annotated[StrictFloat, Field(ge=0.0, le=20_000.0)] = 0.0


class Raid(Threat):
    """``count`` objects of one ``type`` flying one route (the raid axis), spread about it.

    A :class:`Threat` entry plus ``count`` and ``spread``. Members are expanded
    deterministically from the scenario ``seed``
    (`iadsim.scenario.routes.routes_from_scenario`); their ids are ``<raid id>-001``, ...
    """

    count: Annotated[StrictInt, Field(ge=1, le=1000)]
    spread: RaidSpread = Field(default_factory=RaidSpread)

    def member_ids(self) -> list[str]:
        """Ids of the expanded members, in order."""
        width = max(3, len(str(self.count)))
        return [f"{self.id}-{i + 1:0{width}d}" for i in range(self.count)]


class JammerStation(_Place):
    """A stand-off jammer holding a station: an orbit outside the defences reduced to its
    centre, ``alt_m`` above mean sea level. ``type`` is a jammer id of the equipment library;
    ``count`` jammers of that type at the station add their powers (e.g. the pods of one
    aircraft). The position is cited (``sources``) or ``assumed: true`` with a ``reasoning``.
    """

    id: Id
    type: Text
    alt_m: FlightAltM
    count: Annotated[StrictInt, Field(ge=1, le=100)] = 1
    note: Text | None = None


class Scenario(_Model):
    """A scenario file: air-defence deployment, terrain, places of interest, their sources."""

    iadsim: Literal[1]
    name: Text
    description: Text | None = None
    sources: tuple[Source, ...] = ()
    terrain: Terrain
    area: Area | None = None
    battalions: tuple[Battalion, ...]
    defended_assets: tuple[DefendedAsset, ...] = ()
    reference_points: tuple[ReferencePoint, ...] = ()
    threats: tuple[Threat, ...] = ()
    raids: tuple[Raid, ...] = ()
    #: Stand-off jammers on station (:class:`JammerStation`).
    jammers: tuple[JammerStation, ...] = ()
    #: Seed of every random draw of a run (raid expansion, radar noise): same seed, same run.
    seed: Annotated[StrictInt, Field(ge=0, le=2**63 - 1)] = 0

    _source_path: str | None = PrivateAttr(default=None)

    @field_validator("battalions")
    @classmethod
    def _has_battalion(cls, value: tuple[Battalion, ...]) -> tuple[Battalion, ...]:
        if not value:
            raise PydanticCustomError("empty_list", "a scenario needs at least one battalion",
                                      {"allowed": "a list of one or more battalions"})
        return value

    @model_validator(mode="after")
    def _cross_references(self, info: ValidationInfo) -> Scenario:
        if info.context and info.context.get(DEFER_CHECKS):
            return self
        problems = self.check()
        if problems:
            raise ValueError("; ".join(f"{p.field}: {p.message}" for p in problems))
        return self

    # -- identity ---------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        # Equality is the content; where the scenario was read from does not matter.
        return type(self) is type(other) and self.__dict__ == other.__dict__  # type: ignore[union-attr]

    __hash__ = None  # type: ignore[assignment]  # holds dicts; not hashable

    @property
    def source_path(self) -> str | None:
        """Path of the file this scenario was read from (``None`` if built in Python)."""
        return self._source_path

    def dem_path(self) -> str | None:
        """``terrain.dem`` resolved against the scenario file's folder (``None`` if synthetic)."""
        if self.terrain.dem is None:
            return None
        from pathlib import Path

        p = Path(self.terrain.dem)
        if p.is_absolute() or self._source_path is None:
            return str(p)
        return str(Path(self._source_path).parent / p)

    # -- iteration helpers -------------------------------------------------------------------
    def radars(self) -> Iterator[tuple[Battalion, RadarPlacement]]:
        """Every (battalion, radar) pair, in file order."""
        for bn in self.battalions:
            for r in bn.radars:
                yield bn, r

    # -- YAML --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data as written in a file (``None`` fields left out)."""
        return _prune_none(self.model_dump(mode="json"))

    def to_yaml(self) -> str:
        """YAML text that `from_yaml` / `load_scenario` read back to an equal scenario."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)

    @classmethod
    def from_yaml(cls, text: str, path: str = "<string>") -> Scenario:
        """Parse and validate YAML text; errors as `iadsim.errors.ScenarioError`."""
        from iadsim.scenario.load import load_scenario_text

        return load_scenario_text(text, path=path)

    # -- cross-reference checks ----------------------------------------------------------------
    def check(self, library: Any = None) -> list[InputProblem]:
        """Cross-reference findings (empty when the scenario is consistent).

        Parameters
        ----------
        library : iadsim.scenario.library.Library, optional
            Equipment library; the packaged one by default.
        """
        problems = self._check_ids()
        if library is None:
            library = _default_library()
        problems += _check_equipment(self, library)
        problems += _check_threats(self, library)
        problems += _check_jammers(self, library)
        problems += _check_arms(self, library)
        problems += _check_emcon(self)
        return problems

    def check_routes(self, figures: str | Figures, library: Any = None) -> list[InputProblem]:
        """The threat and raid findings of `check` with the route limits of ``figures``
        (`threat_limits`): an overridden maximum speed, ceiling or load factor of a threat type
        is its limit. `check` runs when the scenario is loaded, before any figures are chosen,
        with the library's ``high`` values; ``iadsim.build`` runs this with its figures.

        Parameters
        ----------
        figures : {'low', 'nominal', 'high'} or Figures
        library : iadsim.scenario.library.Library, optional
            Equipment library; the packaged one by default.
        """
        return _check_threats(self, _default_library() if library is None else library, figures)

    def _check_ids(self) -> list[InputProblem]:
        problems: list[InputProblem] = []
        first: dict[str, str] = {}

        def claim(ident: str, field: str) -> None:
            if ident in first:
                problems.append(InputProblem(
                    field, f"duplicate id (already used by {first[ident]})", ident,
                    "ids unique across battalions, radars, defended assets, threats and raids"))
            else:
                first[ident] = field

        for i, bn in enumerate(self.battalions):
            claim(bn.id, f"battalions[{i}].id")
            for j, r in enumerate(bn.radars):
                claim(r.id, f"battalions[{i}].radars[{j}].id")
        for i, a in enumerate(self.defended_assets):
            claim(a.id, f"defended_assets[{i}].id")
        for i, t in enumerate(self.threats):
            claim(t.id, f"threats[{i}].id")
        for i, r in enumerate(self.raids):
            claim(r.id, f"raids[{i}].id")
        for i, j in enumerate(self.jammers):
            claim(j.id, f"jammers[{i}].id")
        for i, bn in enumerate(self.battalions):
            for j, d in enumerate(bn.decoy_emitters):
                claim(d.id, f"battalions[{i}].decoy_emitters[{j}].id")
        for i, r in enumerate(self.raids):
            for member in r.member_ids():
                if member in first:
                    problems.append(InputProblem(
                        f"raids[{i}].id", f"raid member id {member!r} is already used by "
                        f"{first[member]}", r.id, "a raid id whose members "
                        f"({r.id}-001, ...) do not clash with other ids"))
                    break
        names: dict[str, str] = {}
        for i, p in enumerate(self.reference_points):
            field = f"reference_points[{i}].name"
            if p.name.lower() in names:
                problems.append(InputProblem(
                    field, f"duplicate name (already used by {names[p.name.lower()]})", p.name,
                    "reference point names unique (case-insensitive)"))
            else:
                names[p.name.lower()] = field
        return problems


_LIBRARY: Any = None


def _default_library() -> Any:
    """The packaged equipment library, read once per process."""
    global _LIBRARY
    if _LIBRARY is None:
        from iadsim.scenario.library import load_library

        _LIBRARY = load_library()
    return _LIBRARY


def _num(x: float) -> str:
    return f"{x:g}"


def _prune_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _prune_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune_none(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# Equipment checks against the library
# ---------------------------------------------------------------------------------------------

def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def _kind(item: Any) -> str:
    kind = getattr(item, "kind", None)
    kind = getattr(kind, "value", kind)  # an Enum
    return _norm(kind) if kind is not None else _norm(type(item).__name__)


def _system_matches(item: Any, system: str) -> bool:
    systems = getattr(item, "systems", None) or getattr(item, "system", None)
    if systems is None:
        return True
    if isinstance(systems, str):
        systems = [systems]
    wanted = _norm(system)
    for s in systems:
        for variant in _variants(str(getattr(s, "value", s))):
            v = _norm(variant)
            # "S-300PMU" matches library systems "S-300PMU", "S-300PMU1", "S-300PS/PMU", "S-300".
            if v == wanted or v.startswith(wanted) or wanted.startswith(v):
                return True
    return False


def _variants(system: str) -> list[str]:
    """``"S-300PS/PMU"`` -> ``["S-300PS", "S-300PMU"]``; ``"S-400"`` -> ``["S-400"]``."""
    parts = [p.strip() for p in system.split("/") if p.strip()]
    if len(parts) <= 1:
        return parts or [system]
    stem = re.match(r"^(.*?\d+)", parts[0])
    prefix = stem.group(1) if stem else ""
    return [parts[0]] + [p if re.match(r"^.*?\d", p) else prefix + p for p in parts[1:]]


def _system_of(item: Any) -> str:
    systems = getattr(item, "systems", None) or getattr(item, "system", None)
    if isinstance(systems, (list, tuple)):
        return ", ".join(str(getattr(s, "value", s)) for s in systems)
    return str(getattr(systems, "value", systems))


def _names(library: Any, kind: str | None) -> list[str]:
    try:
        return sorted(library.names(kind)) if kind else sorted(library.names())
    except Exception:
        return sorted(library.names())


def _closest(name: str, candidates: list[str], n: int = 3) -> list[str]:
    by_norm = {_norm(c): c for c in candidates}
    hits = difflib.get_close_matches(_norm(name), list(by_norm), n=n, cutoff=0.5)
    out = [by_norm[h] for h in hits]
    # A prefix ("91N6" -> "91N6E") is the most likely intent even when difflib ranks it lower.
    prefix = [c for c in candidates if _norm(c).startswith(_norm(name)) and c not in out]
    return (prefix + out)[:n]


def _lookup(library: Any, name: str, kind: str) -> tuple[Any | None, str]:
    """Library item for ``name`` or (None, allowed-text with the closest names of ``kind``)."""
    try:
        return library.get(name), ""
    except Exception:
        known = _names(library, kind)
        close = _closest(name, known)
        allowed = (f"closest: {', '.join(close)}; " if close else "") + \
            f"known {kind} ids: {', '.join(known)}"
        return None, allowed


def _item_id(item: Any, fallback: str) -> str:
    return str(getattr(item, "id", fallback))


def _check_item(library: Any, name: str, kind: str, system: str, field: str,
                problems: list[InputProblem]) -> Any | None:
    item, allowed = _lookup(library, name, kind)
    if item is None:
        problems.append(InputProblem(field, f"unknown {kind.replace('_', ' ')} {name!r}", name,
                                     allowed))
        return None
    if _kind(item) != _norm(kind):
        known = [n for n in _names(library, kind)
                 if _system_matches(library.get(n), system)]
        problems.append(InputProblem(
            field, f"{_item_id(item, name)} is a {_kind(item).replace('_', ' ')}, "
            f"not a {kind.replace('_', ' ')}", name,
            f"{kind} ids of {system}: {', '.join(known) or '(none in the library)'}"))
        return None
    if not _system_matches(item, system):
        known = [n for n in _names(library, kind)
                 if _system_matches(library.get(n), system)]
        problems.append(InputProblem(
            field, f"{_item_id(item, name)} belongs to {_system_of(item)}, and a {system} "
            f"battalion cannot field it", name,
            f"{kind} ids of {system}: {', '.join(known) or '(none in the library)'}"))
        return None
    return item


def _figure_max(value: Any) -> int | None:
    """Largest plausible value of a count: a number, or a library Figure (high, else nominal)."""
    if isinstance(value, dict):
        value = value.get("high") if value.get("high") is not None else value.get("nominal")
    else:
        high = getattr(value, "high", None)
        value = high if high is not None else getattr(value, "nominal", value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _capacity_table(launcher: Any) -> dict[str, int] | None:
    """Rounds per launcher for each missile it carries (``None`` if the library does not say).

    Reads the library's ``loads: [{missile, missiles_count}]`` (or a ``capacity`` mapping).
    """
    loads = getattr(launcher, "loads", None)
    if isinstance(loads, (list, tuple)) and loads:
        table: dict[str, int] = {}
        for entry in loads:
            missile = _get(entry, "missile")
            count = _figure_max(_get(entry, "missiles_count") or _get(entry, "count"))
            if missile is not None and count is not None:
                table[str(getattr(missile, "id", missile))] = count
        return table or None
    for attr in ("capacity", "missiles"):
        mapping = getattr(launcher, attr, None)
        if isinstance(mapping, dict) and mapping:
            out = {str(k): _figure_max(v) for k, v in mapping.items()}
            return {k: v for k, v in out.items() if v is not None} or None
    return None


def _capacity(launcher: Any, missile: Any, missile_name: str) -> int | None:
    """Rounds of ``missile`` one launcher holds; 0 if the launcher cannot carry it; ``None`` if
    the library does not say."""
    table = _capacity_table(launcher)
    if table is None:
        return None
    wanted = {_norm(missile_name), _norm(_item_id(missile, missile_name))}
    wanted |= {_norm(a) for a in (getattr(missile, "aliases", None) or ())}
    for key, value in table.items():
        if _norm(key) in wanted:
            return value
    return 0


def _check_equipment(sc: Scenario, library: Any) -> list[InputProblem]:
    problems: list[InputProblem] = []
    for i, bn in enumerate(sc.battalions):
        base = f"battalions[{i}]"
        if bn.command_post is not None:
            _check_item(library, bn.command_post, "command_post", bn.system,
                        f"{base}.command_post", problems)
        for j, r in enumerate(bn.radars):
            _check_item(library, r.type, "radar", bn.system, f"{base}.radars[{j}].type", problems)
        for j, lg in enumerate(bn.launchers):
            lfield = f"{base}.launchers[{j}]"
            launcher = _check_item(library, lg.type, "launcher", bn.system, f"{lfield}.type",
                                   problems)
            fraction = 0.0
            fraction_known = launcher is not None
            for mname, count in lg.load.items():
                mfield = f"{lfield}.load.{mname}"
                missile = _check_item(library, mname, "missile", bn.system, mfield, problems)
                if launcher is None or missile is None:
                    fraction_known = False
                    continue
                cap = _capacity(launcher, missile, mname)
                if cap is None:
                    fraction_known = False
                    continue
                if cap == 0:
                    problems.append(InputProblem(
                        mfield, f"{_item_id(launcher, lg.type)} cannot carry "
                        f"{_item_id(missile, mname)}", mname,
                        f"missiles of {_item_id(launcher, lg.type)}: "
                        f"{', '.join(_capacity_table(launcher) or {})}"))
                    fraction_known = False
                elif count > cap:
                    problems.append(InputProblem(
                        mfield, f"{count} rounds exceed the capacity of one "
                        f"{_item_id(launcher, lg.type)} ({cap} x {_item_id(missile, mname)})",
                        count, f"1 to {cap}"))
                    fraction_known = False
                else:
                    fraction += count / cap
            if fraction_known and len(lg.load) > 1 and fraction > 1.0 + 1e-9:
                problems.append(InputProblem(
                    f"{lfield}.load", "the mixed load does not fit one launcher "
                    f"({fraction:.0%} of its capacity)", dict(lg.load),
                    "sum over missiles of rounds / capacity <= 1; capacities: " + ", ".join(
                        f"{k}: {v}" for k, v in (_capacity_table(launcher) or {}).items())))
    return problems


def _check_emcon(sc: Scenario) -> list[InputProblem]:
    """Emission-control windows and decoy emitters name a radar of their own battalion; the
    windows do not overlap."""
    problems: list[InputProblem] = []
    owner = {r.id: bn.id for bn, r in sc.radars()}
    for i, bn in enumerate(sc.battalions):
        ids = [r.id for r in bn.radars]
        windows: dict[str, list[tuple[float, float, int]]] = {}
        named = [(f"battalions[{i}].emcon[{j}]", j, w) for j, w in enumerate(bn.emcon)]
        named += [(f"battalions[{i}].decoy_emitters[{j}]", j, d)
                  for j, d in enumerate(bn.decoy_emitters)]
        for field, j, w in named:
            if w.radar not in ids:
                close = difflib.get_close_matches(w.radar, ids, n=1, cutoff=0.5)
                where = (f"{w.radar} is a radar of battalion {owner[w.radar]}, not of {bn.id}"
                         if w.radar in owner else f"unknown radar {w.radar!r} in battalion {bn.id}")
                problems.append(InputProblem(
                    f"{field}.radar", where, w.radar,
                    (f"closest: {close[0]}; " if close else "")
                    + f"radar ids of {bn.id}: {', '.join(ids)}"))
                continue
            if isinstance(w, DecoyEmitter):
                continue
            on = math.inf if w.on_s is None else w.on_s
            windows.setdefault(w.radar, []).append((w.off_s, on, j))
        for radar, spans in windows.items():
            spans.sort()
            off0, on0, j0 = spans[0]               # the window reaching furthest so far
            for off1, on1, j1 in spans[1:]:
                if off1 < on0:
                    until = "the end of the run" if math.isinf(on0) else f"{_num(on0)} s"
                    allowed = (f"off_s >= {_num(on0)} s (after that window ends), or one window "
                               "covering both" if not math.isinf(on0) else
                               f"remove this window, or give emcon[{j0}] an on_s <= "
                               f"{_num(off1)} s")
                    problems.append(InputProblem(
                        f"battalions[{i}].emcon[{j1}].off_s",
                        f"overlaps battalions[{i}].emcon[{j0}] of the same radar {radar} (off "
                        f"from {_num(off0)} s to {until})", off1,
                        "windows of one radar that do not overlap: " + allowed))
                if on1 > on0:
                    off0, on0, j0 = off1, on1, j1
    return problems


# ---------------------------------------------------------------------------------------------
# Threat performance limits and route checks
# ---------------------------------------------------------------------------------------------

#: Load factor (g) flown in turns at route waypoints when the scenario gives none, by threat class;
#: capped by the type's ``max_load_factor_ratio``. Model figure ``turn_load_factor_ratio`` of the
#: cited data file ``iadsim/data/engagement_model.yaml`` (ASSUMED there, with its reasoning).
TURN_LOAD_FACTOR_G: dict[str, float] = dict(engagement_model().turn_load_factor)
#: Steepest climb or descent of the altitude profile, degrees, by threat class: model figure
#: ``max_climb_angle_deg`` of ``iadsim/data/engagement_model.yaml`` (ASSUMED there).
MAX_CLIMB_ANGLE_DEG: dict[str, float] = {
    k: math.degrees(v) for k, v in engagement_model().max_climb_angle_rad.items()}
#: Route speeds may exceed a type's (high) maximum speed by at most this factor. Generous on
#: purpose: it catches unit mistakes (km/h typed as m/s), not optimistic performance.
SPEED_MARGIN = 3.0


@dataclass(frozen=True)
class ThreatLimits:
    """Route-relevant performance of a library threat, SI (see `threat_limits`)."""

    id: str
    threat_class: str
    max_speed_m_s: float
    cruise_speed_m_s: float
    cruise_speed_name: str          # the figure it comes from
    ceiling_m: float
    max_load_factor_g: float
    turn_load_factor_g: float
    max_climb_angle_rad: float


def _first_figure(item: Any, prefix: str) -> str | None:
    return next((n for n in getattr(item, "figures", {}) if n.startswith(prefix)), None)


def threat_limits(item: Any, figures: str | Figures | None = None) -> ThreatLimits:
    """Route limits of a library threat item.

    - ``max_speed_m_s``: the ``high`` value of its ``max_speed_*`` figure;
    - ``cruise_speed_m_s``: nominal ``cruise_speed_*`` (else nominal maximum speed) -- the
      default leg speed;
    - ``ceiling_m``: ``high`` of ``ceiling_*``, else of ``apogee_*``, else of
      ``cruise_altitude_*``, else the model figure ``default_ceiling_m``;
    - ``max_load_factor_g``: ``high`` of ``max_load_factor_ratio``, else the class turn load
      factor; ``turn_load_factor_g``: min(class value of `TURN_LOAD_FACTOR_G`, that maximum);
    - ``max_climb_angle_rad``: `MAX_CLIMB_ANGLE_DEG` of the class.

    ``figures`` (a figure set name or a `iadsim.scenario.figures.Figures`, optional) sets the
    cruise speed (read from it instead of "nominal"), and an overridden maximum speed, ceiling
    or maximum load factor is the bound itself: the user's figure for the type, so an override
    above ``high`` is flown, not refused, and one below it refuses what the type then cannot
    fly (`Scenario.check_routes`). The bounds of figures that are not overridden stay the ``high``
    values whatever the figure set (a threat's figures are never inverted: ``high`` is the
    largest), as without ``figures``.
    """
    cls = str(getattr(item, "threat_class", "aircraft"))
    model = engagement_model()
    chosen = "nominal" if figures is None else figures
    overrides = {} if figures is None or isinstance(figures, str) else figures.overrides

    def bound(name: str) -> float:
        """A figure's overridden value, else its 'high' value, SI."""
        return float(item.si(name, chosen if f"{item.id}.{name}" in overrides else "high"))

    max_speed = bound(item.max_speed_name())
    cruise_name = _first_figure(item, "cruise_speed_") or item.max_speed_name()
    cruise = float(item.si(cruise_name, chosen))
    ceiling = model.default_ceiling_m
    for prefix in ("ceiling_", "apogee_", "cruise_altitude_"):
        name = _first_figure(item, prefix)
        if name:
            ceiling = bound(name)
            break
    turn = model.turn_load_factor[cls]
    n_max = bound("max_load_factor_ratio") if "max_load_factor_ratio" in item.figures else turn
    return ThreatLimits(
        id=str(item.id), threat_class=cls, max_speed_m_s=max_speed, cruise_speed_m_s=cruise,
        cruise_speed_name=cruise_name, ceiling_m=ceiling, max_load_factor_g=n_max,
        turn_load_factor_g=min(turn, n_max), max_climb_angle_rad=model.max_climb_angle_rad[cls])


def _check_threats(sc: Scenario, library: Any,
                   figures: str | Figures | None = None) -> list[InputProblem]:
    problems: list[InputProblem] = []
    entries: list[tuple[str, Threat | Raid, RaidSpread | None]] = [
        (f"threats[{i}]", t, None) for i, t in enumerate(sc.threats)]
    entries += [(f"raids[{i}]", r, r.spread) for i, r in enumerate(sc.raids)]
    for base, entry, spread in entries:
        limits = None
        item, allowed = _lookup(library, entry.type, "threat")
        if item is None:
            problems.append(InputProblem(f"{base}.type", f"unknown threat {entry.type!r}",
                                         entry.type, allowed))
        elif _kind(item) != "threat":
            problems.append(InputProblem(
                f"{base}.type", f"{_item_id(item, entry.type)} is a "
                f"{_kind(item).replace('_', ' ')}, not a threat", entry.type,
                f"threat ids: {', '.join(_names(library, 'threat'))}"))
        else:
            limits = threat_limits(item, figures)
        problems += _check_route(base, entry, limits, spread)
    return problems


def _check_jammers(sc: Scenario, library: Any) -> list[InputProblem]:
    """Every jammer type named (stations, and the jammers threats and raids carry) is a jammer
    of the library."""
    named = [(f"jammers[{i}].type", j.type) for i, j in enumerate(sc.jammers)]
    for key, entries in (("threats", sc.threats), ("raids", sc.raids)):
        named += [(f"{key}[{i}].jammers[{k}]", name) for i, t in enumerate(entries)
                  for k, name in enumerate(t.jammers)]
    problems: list[InputProblem] = []
    for field, name in named:
        item, allowed = _lookup(library, name, "jammer")
        if item is None:
            problems.append(InputProblem(field, f"unknown jammer {name!r}", name, allowed))
        elif _kind(item) != "jammer":
            problems.append(InputProblem(
                field, f"{_item_id(item, name)} is a {_kind(item).replace('_', ' ')}, not a "
                "jammer", name, f"jammer ids: {', '.join(_names(library, 'jammer')) or '(none)'}"))
    return problems


def _check_arms(sc: Scenario, library: Any) -> list[InputProblem]:
    """Every ``arms`` entry names an anti-radiation missile of the library, fires no more at
    once than it carries, and aims only at radars of the scenario."""
    radar_ids = [r.id for _, r in sc.radars()]
    arm_ids = [i.id for i in library.items("threat") if i.threat_class == "arm"]
    problems: list[InputProblem] = []
    for key, entries in (("threats", sc.threats), ("raids", sc.raids)):
        for i, t in enumerate(entries):
            load = t.arms
            if load is None:
                continue
            base = f"{key}[{i}].arms"
            item, allowed = _lookup(library, load.type, "threat")
            if item is None or getattr(item, "threat_class", None) != "arm":
                what = (f"unknown anti-radiation missile {load.type!r}" if item is None else
                        f"{_item_id(item, load.type)} is not an anti-radiation missile")
                problems.append(InputProblem(f"{base}.type", what, load.type,
                                             f"anti-radiation missile ids: {', '.join(arm_ids)}"))
            if load.salvo > load.count:
                problems.append(InputProblem(f"{base}.salvo", f"more than the {load.count} "
                                             "carried", load.salvo, f"1 to {load.count}"))
            for k, target in enumerate(load.targets):
                if target not in radar_ids:
                    close = _closest(target, radar_ids)
                    problems.append(InputProblem(
                        f"{base}.targets[{k}]", f"no radar {target!r} in the scenario", target,
                        (f"closest: {', '.join(close)}; " if close else "")
                        + f"radar ids: {', '.join(radar_ids)}"))
    return problems


def _check_route(base: str, entry: Threat | Raid, limits: ThreatLimits | None,
                 spread: RaidSpread | None) -> list[InputProblem]:
    problems: list[InputProblem] = []
    route = entry.route
    first = route[0]
    if first.time_s is not None:
        problems.append(InputProblem(
            f"{base}.route[0].time_s", "the first waypoint is where the object appears at "
            "start_time_s; give arrival times on the later waypoints", first.time_s,
            "no time_s on route[0] (set start_time_s instead)"))
    if entry.terrain_following:
        for k, wp in enumerate(route):
            if wp.alt_ref != "agl":
                problems.append(InputProblem(
                    f"{base}.route[{k}].alt_ref", "terrain_following keeps a height above "
                    "ground, so every waypoint needs alt_ref: agl", wp.alt_ref,
                    "agl (or terrain_following: false)"))
    dz = spread.altitude_m if spread is not None else 0.0
    if spread is not None and spread.time_s > entry.start_time_s:
        problems.append(InputProblem(
            f"{base}.spread.time_s", "members would start before the scenario starts "
            "(start_time_s - spread.time_s < 0)", spread.time_s,
            f"0 to {_num(entry.start_time_s)} s (the raid's start_time_s)"))
    if limits is not None:
        if entry.max_load_factor_g is not None and \
                entry.max_load_factor_g > limits.max_load_factor_g + 1e-9:
            problems.append(InputProblem(
                f"{base}.max_load_factor_g", f"above the {limits.id} maximum load factor",
                entry.max_load_factor_g,
                f"from 1 (exclusive) to {_num(limits.max_load_factor_g)} g"))
        for k, wp in enumerate(route):
            if wp.alt_m + dz > limits.ceiling_m:
                what = f" + spread.altitude_m {_num(dz)} m" if dz else ""
                problems.append(InputProblem(
                    f"{base}.route[{k}].alt_m", f"altitude{what} is above the {limits.id} "
                    f"ceiling", wp.alt_m,
                    f"0 to {_num(round(limits.ceiling_m - dz, 1))} m (the {limits.id} ceiling "
                    f"is {_num(round(limits.ceiling_m, 1))} m)"))
    if dz:
        for k, wp in enumerate(route):
            if wp.alt_m - dz < 0.0:
                problems.append(InputProblem(
                    f"{base}.route[{k}].alt_m", f"altitude - spread.altitude_m ({_num(dz)} m) "
                    "is below 0: some members would fly underground", wp.alt_m,
                    f">= {_num(dz)} m (spread.altitude_m)"))
    lat = [wp.lat_deg for wp in route]
    lon = [wp.lon_deg for wp in route]
    dist, _ = geodesic_inverse(lat[:-1], lon[:-1], lat[1:], lon[1:])
    dist = [float(d) for d in np.atleast_1d(dist)]
    v_max = SPEED_MARGIN * limits.max_speed_m_s if limits is not None else None
    speed_allowed = (f"from 0 (exclusive) to {v_max:.0f} m/s ({SPEED_MARGIN:g} x the "
                     f"{limits.id} maximum speed {limits.max_speed_m_s:.0f} m/s)"
                     if limits is not None and v_max is not None else "")
    if v_max is not None and first.speed_m_s is not None and first.speed_m_s > v_max:
        problems.append(InputProblem(
            f"{base}.route[0].speed_m_s", "speed above the type's maximum (with margin)",
            first.speed_m_s, speed_allowed))
    t = entry.start_time_s
    carried = first.speed_m_s
    slow_cruise = False                # the type's cruise speed above its maximum: said once
    for k in range(1, len(route)):
        wp, length = route[k], dist[k - 1]
        field = f"{base}.route[{k}]"
        if length < 1.0:
            problems.append(InputProblem(
                field, "the waypoint is at the same place as the previous one (leg shorter "
                "than 1 m)", f"{wp.lat_deg}, {wp.lon_deg}",
                "consecutive waypoints at different positions"))
            if wp.time_s is not None:
                t = max(t, wp.time_s)
            continue
        if wp.time_s is not None:
            if wp.time_s <= t:
                problems.append(InputProblem(
                    f"{field}.time_s", "arrival time is not after the arrival at the previous "
                    f"waypoint ({t:.1f} s)", wp.time_s, f"> {t:.1f} s"))
            elif v_max is not None and length / (wp.time_s - t) > v_max:
                problems.append(InputProblem(
                    f"{field}.time_s", f"arriving at {_num(wp.time_s)} s needs "
                    f"{length / (wp.time_s - t):.0f} m/s over the {length / 1000:.1f} km leg, "
                    "faster than the type can fly", wp.time_s,
                    f">= {t + length / v_max:.1f} s ({speed_allowed})"))
            t = max(t, wp.time_s)
        elif wp.speed_m_s is not None:
            if v_max is not None and wp.speed_m_s > v_max:
                problems.append(InputProblem(
                    f"{field}.speed_m_s", "speed above the type's maximum (with margin)",
                    wp.speed_m_s, speed_allowed))
            t += length / wp.speed_m_s
            carried = wp.speed_m_s
        elif carried is not None:
            t += length / carried
        elif limits is not None:
            if v_max is not None and limits.cruise_speed_m_s > v_max and not slow_cruise:
                slow_cruise = True
                problems.append(InputProblem(
                    field, f"the leg has no speed_m_s or time_s, so it is flown at the "
                    f"{limits.id} cruise speed ({limits.id}.{limits.cruise_speed_name}, "
                    f"{limits.cruise_speed_m_s:.0f} m/s), faster than its maximum speed "
                    "(an override below it)", "no speed_m_s or time_s",
                    f"a speed_m_s or time_s on the leg ({speed_allowed}), or an override of "
                    f"{limits.id}.{limits.cruise_speed_name} within that maximum"))
            t += length / limits.cruise_speed_m_s
    return problems
