"""Resolve a validated :class:`Scenario` into SI sites with equipment models (one set of figures).

This is the single place where scenario edge units (degrees, km, equipment names) become the
SI structures the analyses use, and where the citations and assumptions of a run are collected.
The equipment figures come from one :class:`~iadsim.scenario.figures.Figures` (a figure set,
possibly with user overrides), which the :class:`Deployment` carries for the later steps.
"""

from __future__ import annotations

import weakref

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from iadsim.errors import InputError, TerrainError
from iadsim.geo.frames import enu2geodetic, geodesic_direct
from iadsim.geo.los import MinHeightField, radar_min_visible_height
from iadsim.geo.terrain import Dem
from iadsim.scenario.figures import Figures
from iadsim.scenario.library import Library, Radar, load_library
from iadsim.scenario.schema import RadarPlacement, Scenario
from iadsim.engine.world import JammerSite, MissileSite, RadarSite
from iadsim.sensors.scan import RadarSensor, full_circle, off_windows_array

FIGURE_SETS = ("low", "nominal", "high")

#: Assumptions every coverage product rests on, whatever the scenario (listed in every report).
MODEL_ASSUMPTIONS = (
    "Standard atmosphere refraction modelled by an effective Earth radius (k factor); ducting and "
    "anomalous propagation are not modelled.",
    "Heights above mean sea level are taken equal to heights above the WGS84 ellipsoid (geoid "
    "separation over Belarus is about 20-25 m).",
    "Radar sensitivity is derived by inverting the radar range equation from one published "
    "detection range; antenna patterns, multipath/lobing near the horizon, clutter and jamming "
    "are not modelled.",
    "Combined detection assumes independent detection draws between radars.",
    "Missile reach uses published maximum/minimum range and altitude only, not a kinematic "
    "flyout envelope; 'engageable' additionally requires a radar of the same battalion that can "
    "guide the missile to see the target with the stated Pd.",
)


@dataclass(frozen=True)
class Deployment:
    """A scenario resolved for one set of figures: sites, equipment models, terrain, provenance.

    ``figure_set`` is the label reports print (:attr:`Figures.label`: the figure set, and the
    overrides if any); ``figures`` the figures themselves (default: ``Figures.of(figure_set)``).
    """

    name: str
    figure_set: str
    radars: tuple[RadarSite, ...]
    missiles: tuple[MissileSite, ...]
    dem: Dem
    k_factor: float
    #: Terrain height (m MSL) assumed beyond the DEM's extent: the DEM's median height.
    terrain_fill_msl_m: float = 0.0
    citations: list[dict] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    figures: Figures | None = None
    #: stand-off jammers on station (scenario ``jammers``)
    jammers: tuple[JammerSite, ...] = ()

    def __post_init__(self) -> None:
        if self.figures is None:
            object.__setattr__(self, "figures", Figures.of(self.figure_set))


def check_jammable(deployment: Deployment) -> None:
    """Jamming needs every radar's receiver figures: an error naming the first radar without
    them (:attr:`iadsim.scenario.library.Radar.RECEIVER_FIGURES`)."""
    _check_receivers((r.id, r.type_id, r.receiver is not None) for r in deployment.radars)


def check_scenario_jammable(scenario: Scenario, figures: str | Figures = "nominal",
                            library: Library | None = None) -> None:
    """:func:`check_jammable` from the library items of the scenario's active radars, before
    any terrain or deployment is built."""
    lib = library or load_library()
    _check_receivers((r.id, r.type, lib.get(r.type).receiver(figures) is not None)
                     for bn, r in scenario.radars() if bn.active)


def _check_receivers(radars) -> None:
    for radar_id, type_id, has_receiver in radars:
        if not has_receiver:
            raise InputError(f"radar {radar_id} ({type_id}): its library item gives no "
                             "receiver figures, so it cannot be jammed; allowed: jamming with "
                             "radars whose items give " + ", ".join(Radar.RECEIVER_FIGURES))


def load_terrain(scenario: Scenario, dem_path: Dem | str | Path | None = None,
                 resolution_m: float = 1000.0, margin_deg: float = 7.0) -> Dem:
    """The scenario's DEM: ``dem_path`` if given (a loaded :class:`Dem` or a GeoTIFF path), else
    the scenario's GeoTIFF or synthetic relief -- the one rule of every command and function.

    Synthetic relief covers the scenario sites ± ``margin_deg`` at ``resolution_m`` clipped to
    500..1000 m (finer relief adds nothing the analyses can resolve over hundreds of km).
    """
    if isinstance(dem_path, Dem):
        return dem_path
    path = dem_path or scenario.dem_path()
    if path is not None:
        return Dem.from_geotiff(path)
    lats, lons = _site_extent(scenario)
    syn = scenario.terrain.synthetic
    return Dem.synthetic(
        min(lats) - margin_deg, max(lats) + margin_deg,
        min(lons) - margin_deg / np.cos(np.radians(np.mean(lats))),
        max(lons) + margin_deg / np.cos(np.radians(np.mean(lats))),
        resolution_m=float(np.clip(resolution_m, 500.0, 1000.0)), seed=syn.seed,
        relief_m=syn.relief_m, base_m=syn.base_m,
    )


def _site_extent(scenario: Scenario) -> tuple[list[float], list[float]]:
    lats = [b.site.lat_deg for b in scenario.battalions]
    lons = [b.site.lon_deg for b in scenario.battalions]
    lats += [p.lat_deg for p in scenario.reference_points]
    lons += [p.lon_deg for p in scenario.reference_points]
    return lats, lons


def build_deployment(scenario: Scenario, figure_set: str | Figures = "nominal",
                     dem: Dem | None = None, library: Library | None = None) -> Deployment:
    """Resolve every battalion's radars and missile loads for ``figure_set``.

    Parameters
    ----------
    scenario : Scenario
    figure_set : {'low', 'nominal', 'high'} or Figures
        Which value of each equipment figure to use: 'low' gives the least capable air defence
        (coverage that is certain), 'high' the most capable (coverage that is possible); a
        :class:`~iadsim.scenario.figures.Figures` adds user overrides (listed among the
        deployment's assumptions).
    dem : Dem, optional
        Terrain; defaults to :func:`load_terrain`.
    library : Library, optional
        Equipment library; defaults to the packaged one.
    """
    lib = library or load_library()
    figures = Figures.of(figure_set, library=lib)
    dem = dem or load_terrain(scenario)
    radars: list[RadarSite] = []
    missiles: list[MissileSite] = []
    items = {}
    for bn in (b for b in scenario.battalions if b.active):
        bn_ground = _ground(dem, bn.site.lat_deg, bn.site.lon_deg, bn.site.ground_alt_m, bn.id)
        bn_radars: list[RadarSite] = []
        for r in bn.radars:
            item = lib.get(r.type)
            items[item.id] = item
            lat, lon = _radar_position(bn, r)
            ground = _ground(dem, lat, lon, r.site.ground_alt_m if r.site else None, r.id)
            mast = r.mast_height_m if r.mast_height_m is not None else item.si(
                "antenna_height_m", figures)
            sector = float(item.si("sector_deg", figures))
            site = RadarSite(r.id, bn.id, item.id, lat, lon, ground, ground + float(mast),
                             item.model(figures), sector,
                             _facing_rad(r, item.id, sector, figures.label),
                             _off_windows(bn, r.id, r.destroyed_at_s),
                             np.inf if r.destroyed_at_s is None else float(r.destroyed_at_s),
                             item.receiver(figures))
            bn_radars.append(site)
        radars += bn_radars
        for launcher in bn.launchers:
            launcher_item = lib.get(launcher.type)
            items[launcher_item.id] = launcher_item
            for missile_name, per_launcher in launcher.load.items():
                m = lib.get(missile_name)
                items[m.id] = m
                guides = tuple(s.id for s in bn_radars if s.type_id in set(m.guided_by))
                missiles.append(MissileSite(
                    battalion_id=bn.id, missile_id=m.id,
                    lat_deg=bn.site.lat_deg, lon_deg=bn.site.lon_deg, ground_msl_m=bn_ground,
                    rounds=int(per_launcher) * int(launcher.count),
                    min_range_m=float(m.si("min_range_km", figures)),
                    max_range_m=float(m.si("max_range_km", figures)),
                    min_altitude_m=float(m.si("min_altitude_km", figures)),
                    max_altitude_m=float(m.si("max_altitude_km", figures)),
                    guided_by=guides,
                ))
        if bn.command_post:
            cp_item = lib.get(bn.command_post)
            items[cp_item.id] = cp_item
    jammers = []
    for station in scenario.jammers:
        item = lib.get(station.type)
        items[item.id] = item
        jammers.append(JammerSite(station.id, item.id, station.lat_deg, station.lon_deg,
                                  station.alt_m, item.model(figures), station.count))
    citations = [s.model_dump() if hasattr(s, "model_dump") else dict(s)
                 for s in scenario.sources]
    assumptions = list(MODEL_ASSUMPTIONS) + figures.override_notes()
    for item in items.values():
        citations += [c.model_dump() for c in item.citations()]
        assumptions += [f"{item.id} {name}: {why}" for name, why in item.assumptions()]
    for station in scenario.jammers:
        citations += [c.model_dump() for c in station.sources]
        if station.assumed:
            assumptions.append(f"Station of jammer {station.id}: {station.reasoning}")
    for bn in scenario.battalions:
        if not bn.active:
            assumptions.append(f"{bn.id} ({bn.system}) is listed but inactive: not in coverage.")
        elif bn.site.assumed:
            assumptions.append(f"Site of {bn.id}: {bn.site.reasoning}")
        for r in (r for r in bn.radars if bn.active and r.facing is not None):
            citations += [c.model_dump() for c in r.facing.sources]
            if r.facing.assumed:
                assumptions.append(f"Facing of {r.id} ({r.facing.bearing_deg:g}°): "
                                   f"{r.facing.reasoning}")
    emcon = {r.id: [(off, on) for off, on in r.off_windows_s if off != r.destroyed_s]
             for r in radars}
    silent = [f"{r.id} " + ", ".join(f"{off:g}-{on:g} s" if np.isfinite(on) else
                                     f"from {off:g} s to the end"
                                     for off, on in emcon[r.id])
              for r in radars if emcon[r.id]]
    lost = [f"{r.id} at {r.destroyed_s:g} s" for r in radars if np.isfinite(r.destroyed_s)]
    if lost:
        assumptions.append(
            "Scripted radar losses (scenario destroyed_at_s): " + "; ".join(lost) + ". A "
            "destroyed radar emits, detects and guides nothing from then on; coverage maps draw "
            "every radar as alive.")
    if silent:
        assumptions.append(
            "Emission control (scenario emcon): radars off " + "; ".join(silent) + ". An off "
            "radar detects nothing and guides no command-guided missile; coverage maps draw "
            "every radar as emitting.")
    unfaced = [r.id for r in radars if r.facing_rad is None and not full_circle(r.sector_width_rad)]
    if unfaced:
        assumptions.append(
            f"{', '.join(unfaced)} scan(s) a sector whose facing the scenario does not give: "
            "coverage maps draw them over 360° (an upper bound); engagement runs turn them to "
            "the threat axis. Give `facing:` per radar to remove this assumption.")
    if not dem.source.lower().startswith("geotiff"):
        assumptions.append(f"Terrain: {dem.source}")
    fill = float(np.nanmedian(dem.height_msl_m))
    beyond = [r.id for r in radars if not _dem_covers(dem, r.lat_deg, r.lon_deg,
                                                      r.model.instrumented_range_m)]
    if beyond:
        assumptions.append(
            f"Terrain beyond the DEM's extent (lat {dem.lat_deg[0]:.3f}..{dem.lat_deg[-1]:.3f}, "
            f"lon {dem.lon_deg[0]:.3f}..{dem.lon_deg[-1]:.3f}) is taken as flat at the DEM's "
            f"median height {fill:.0f} m; the instrumented range of {', '.join(beyond)} extends "
            "beyond it. Supply a larger DEM (iadsim terrain fetch) to remove this assumption.")
    return Deployment(scenario.name, figures.label, tuple(radars), tuple(missiles), dem,
                      float(scenario.terrain.k_factor), fill, unique_sources(citations),
                      _unique(assumptions), figures, tuple(jammers))


def _facing_rad(radar: RadarPlacement, type_id: str, sector_width_rad: float,
                figure_set: str) -> float | None:
    """The scenario's facing of a sector-scanning radar, rad; an error for a 360° radar."""
    if radar.facing is None:
        return None
    if full_circle(sector_width_rad):
        raise InputError(f"radar {radar.id} ({type_id}): field facing: {type_id} scans 360° "
                         f"({figure_set} figures), so a facing has no meaning; allowed: facing "
                         "only on sector-scanning radars, or remove it")
    return float(np.radians(radar.facing.bearing_deg))


def _off_windows(bn, radar_id: str, destroyed_s: float | None = None) -> np.ndarray:
    """When one radar is silent, ``(k, 2)`` ``[off_s, on_s)`` in s, sorted by ``off_s``: the
    battalion's emcon windows (``on_s`` omitted: ``inf``; the scenario check has refused
    overlaps), and from its scripted loss ``destroyed_s`` on for ever (a window it is in then
    runs to the end, the windows after it are dropped)."""
    windows = sorted((w.off_s, np.inf if w.on_s is None else w.on_s)
                     for w in bn.emcon if w.radar == radar_id)
    if destroyed_s is not None:
        start = min([destroyed_s] + [off for off, on in windows if off < destroyed_s <= on])
        windows = [(off, on) for off, on in windows if on < destroyed_s] + [(start, np.inf)]
    return off_windows_array(windows)


def _dem_covers(dem: Dem, lat_deg: float, lon_deg: float, range_m: float) -> bool:
    """Whether the DEM's box contains the disk of ``range_m`` around a point (4 extreme points)."""
    lats, lons = geodesic_direct(lat_deg, lon_deg, np.array([0.0, 0.5, 1.0, 1.5]) * np.pi, range_m)
    return bool(dem.lat_deg[0] <= np.min(lats) and np.max(lats) <= dem.lat_deg[-1]
                and dem.lon_deg[0] <= np.min(lons) and np.max(lons) <= dem.lon_deg[-1])


def _radar_position(bn, r) -> tuple[float, float]:
    if r.site is not None:
        return float(r.site.lat_deg), float(r.site.lon_deg)
    east, north = (r.offset_m.east, r.offset_m.north) if r.offset_m else (0.0, 0.0)
    lat, lon, _ = enu2geodetic(east, north, 0.0, bn.site.lat_deg, bn.site.lon_deg, 0.0)
    return float(lat), float(lon)


def _ground(dem: Dem, lat: float, lon: float, given: float | None, what: str) -> float:
    """Ground height at a site: the scenario's ``ground_alt_m`` if given, else from the DEM."""
    if given is not None:
        return float(given)
    try:
        return float(dem.sample(lat, lon))
    except TerrainError as exc:
        raise TerrainError(
            f"site of {what} ({lat:.5f}, {lon:.5f}) is outside the DEM {dem.source!r} "
            f"(lat {dem.lat_deg[0]:.3f}..{dem.lat_deg[-1]:.3f}, lon {dem.lon_deg[0]:.3f}.."
            f"{dem.lon_deg[-1]:.3f}): give its ground_alt_m or a DEM that covers it") from exc


def unique_sources(rows: list[dict]) -> list[dict]:
    """Sources without repeats: one entry per (url, title), the first note kept."""
    seen: set[tuple[str, str]] = set()
    out = []
    for row in rows:
        key = (row.get("url", ""), row.get("title", ""))
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def _unique(rows: list[str]) -> list[str]:
    return list(dict.fromkeys(rows))


#: Radar figures the scan model needs (library figure name -> RadarSensor field).
SENSOR_FIGURES = {
    "scan_period_s": "scan_period_s",
    "sector_deg": "sector_width_rad",
    "sector_centre_deg": "sector_centre_rad",
    "range_accuracy_m": "sigma_range_m",
    "azimuth_accuracy_deg": "sigma_az_rad",
    "elevation_accuracy_deg": "sigma_el_rad",
    "range_resolution_m": "range_resolution_m",
    "azimuth_beamwidth_deg": "beamwidth_az_rad",
    "elevation_beamwidth_deg": "beamwidth_el_rad",
}


#: Line-of-sight fields of recent builds in this process, by their inputs (:func:`_los_field`);
#: the terrain is held by a weak reference, so the cache never keeps a DEM alive.
_LOS_CACHE: dict[tuple, tuple[weakref.ref, MinHeightField]] = {}
_LOS_CACHE_SIZE = 16


def _los_field(dem: Dem, lat_deg: float, lon_deg: float, antenna_msl_m: float,
               max_range_m: float, resolution_m: float, k: float,
               fill_msl_m: float | None) -> MinHeightField:
    """:func:`radar_min_visible_height`, computed once per process for the same terrain object
    and inputs: a campaign builds a World per design point, and most varied figures (an RCS, a
    missile's range) leave a radar's line of sight as it was. The field's arrays are made
    read-only, as they are shared by the Worlds."""
    key = (id(dem), lat_deg, lon_deg, antenna_msl_m, max_range_m, resolution_m, k, fill_msl_m)
    hit = _LOS_CACHE.get(key)
    if hit is not None and hit[0]() is dem:
        return hit[1]
    field = radar_min_visible_height(dem, lat_deg, lon_deg, antenna_msl_m, max_range_m,
                                     resolution_m, k, fill_msl_m=fill_msl_m)
    for a in (field.axis_m, field.min_visible_msl_m, field.ground_msl_grid_m):
        a.flags.writeable = False
    for stale in [k for k, (ref, _) in _LOS_CACHE.items() if ref() is None]:
        del _LOS_CACHE[stale]
    if len(_LOS_CACHE) >= _LOS_CACHE_SIZE:
        _LOS_CACHE.pop(next(iter(_LOS_CACHE)))
    _LOS_CACHE[key] = (weakref.ref(dem), field)
    return field


def radar_sensors(deployment: Deployment, los_resolution_m: float = 1000.0,
                  library: Library | None = None) -> list[RadarSensor]:
    """Scanning sensors for every radar of the deployment, with terrain masking (SI)."""
    lib = library or load_library()
    sensors = []
    for r in deployment.radars:
        item = lib.get(r.type_id)
        figures = {attr: item.si(name, deployment.figures)
                   for name, attr in SENSOR_FIGURES.items()}
        los = _los_field(deployment.dem, r.lat_deg, r.lon_deg, r.antenna_msl_m,
                         r.model.instrumented_range_m, los_resolution_m, deployment.k_factor,
                         deployment.terrain_fill_msl_m)
        if r.facing_rad is not None:
            figures["sector_centre_rad"] = r.facing_rad
        sensors.append(RadarSensor(id=r.id, model=r.model, lat_deg=r.lat_deg, lon_deg=r.lon_deg,
                                   antenna_msl_m=r.antenna_msl_m, los=los,
                                   k_factor=deployment.k_factor, off_windows_s=r.off_windows_s,
                                   receiver=r.receiver, **figures))
    return sensors
