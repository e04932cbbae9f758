"""Terrain-masked radar coverage, missile reach and minimum detectable altitude on a lat/lon grid.

Inputs come from :func:`iadsim.scenario.build.build_deployment` (SI, resolved sites); outputs are
``xarray.Dataset`` objects with units in ``attrs``. Line of sight uses the GDAL-compatible viewshed
of :mod:`iadsim.geo.los` on a radar-centred azimuthal-equidistant grid; detection uses the radar
range equation with exact Swerling statistics (:mod:`iadsim.sensors`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import xarray as xr

from iadsim.version import __version__
from iadsim.errors import InputError
from iadsim.geo.frames import geodesic_direct, geodesic_inverse
from iadsim.geo.los import (
    effective_earth_radius_m,
    radar_min_visible_height,
    slant_geometry,
)
from iadsim.geo.terrain import Dem
from iadsim.analysis.kinematic_envelope import REFERENCE_TARGET_SPEED_M_S
from iadsim.analysis.reach import Ring, missile_rings, with_reach_provenance
from iadsim.engine.world import JammerSite
from iadsim.scenario.build import (
    Deployment,
    RadarSite,
    build_deployment,
    check_jammable,
    check_scenario_jammable,
    load_terrain,
)
from iadsim.sensors.ew import JAMMING_MODEL, NoiseJammer, jammer_to_noise, jammers_to_noise
from iadsim.scenario.figures import Figures
from iadsim.scenario.schema import Scenario
from iadsim.units import EARTH_RADIUS_M, linear_to_db

#: Altitudes (m AGL) searched for the minimum detectable altitude map: 5 m steps near the ground,
#: coarser higher up (the map states this ladder).
MIN_ALTITUDE_LADDER_M = np.array(
    [5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000,
     5000, 7500, 10000, 15000, 20000],
    dtype=float,
)

Progress = Callable[[str, int, int], None]


#: Largest grid (cells) a coverage or viewshed may allocate (~0.3 GB per float64 layer); beyond
#: it the user is asked for a coarser resolution or a smaller area instead of running out of memory.
MAX_GRID_CELLS = 40_000_000


def check_cells(n_cells: int, what: str, resolution_m: float) -> None:
    """Raise :class:`InputError` if ``n_cells`` exceeds :data:`MAX_GRID_CELLS`."""
    if n_cells > MAX_GRID_CELLS:
        coarser = resolution_m * np.sqrt(n_cells / MAX_GRID_CELLS)
        raise InputError(
            f"{what} at {resolution_m:,.0f} m resolution needs {n_cells:,} cells (limit "
            f"{MAX_GRID_CELLS:,}): use a resolution of at least {np.ceil(coarser):,.0f} m or a "
            "smaller analysis area (scenario `area`)")


@dataclass(frozen=True)
class Grid:
    """Regular WGS84 lat/lon grid. ``lat_deg (ny,)``, ``lon_deg (nx,)``, both ascending."""

    lat_deg: np.ndarray
    lon_deg: np.ndarray

    @classmethod
    def around(cls, deployment: Deployment, resolution_m: float, margin_m: float | None = None,
               extra_points: Sequence[tuple[float, float]] = ()) -> Grid:
        """Grid covering every radar's instrumented range and missile reach (or ``margin_m``).

        ``extra_points`` (lat_deg, lon_deg) are included in the box (e.g. reference points).
        """
        lats, lons = [], []
        for r in deployment.radars:
            reach = margin_m if margin_m is not None else r.model.instrumented_range_m
            lats += [r.lat_deg - reach / 111_320.0, r.lat_deg + reach / 111_320.0]
            dlon = reach / (111_320.0 * np.cos(np.radians(r.lat_deg)))
            lons += [r.lon_deg - dlon, r.lon_deg + dlon]
        for lat, lon in extra_points:
            lats.append(lat)
            lons.append(lon)
        return cls.from_bounds(min(lats), max(lats), min(lons), max(lons), resolution_m)

    @classmethod
    def from_bounds(cls, lat_min: float, lat_max: float, lon_min: float, lon_max: float,
                    resolution_m: float) -> Grid:
        """Grid with cells of about ``resolution_m`` (at the mid latitude) over a lat/lon box."""
        if not (np.isfinite(resolution_m) and resolution_m > 0):
            raise InputError(f"resolution {resolution_m!r} m: allowed values are > 0")
        lat0 = 0.5 * (lat_min + lat_max)
        dlat = resolution_m / 111_320.0
        dlon = resolution_m / (111_320.0 * np.cos(np.radians(lat0)))
        check_cells(int((lat_max - lat_min) / dlat + 1) * int((lon_max - lon_min) / dlon + 1),
                    "the coverage grid", resolution_m)
        return cls(
            lat_deg=np.arange(lat_min, lat_max + dlat / 2, dlat),
            lon_deg=np.arange(lon_min, lon_max + dlon / 2, dlon),
        )

    def mesh(self) -> tuple[np.ndarray, np.ndarray]:
        """``(lat2, lon2)`` arrays of shape ``(ny, nx)``."""
        lon2, lat2 = np.meshgrid(self.lon_deg, self.lat_deg)
        return lat2, lon2


def scenario_grid(scenario: Scenario, deployment: Deployment, resolution_m: float) -> Grid:
    """The scenario's ``area`` if it sets one, else every radar's reach and reference point."""
    if scenario.area is not None:
        a = scenario.area
        return Grid.from_bounds(a.lat_min_deg, a.lat_max_deg, a.lon_min_deg, a.lon_max_deg,
                                resolution_m)
    return Grid.around(deployment, resolution_m,
                       extra_points=[(p.lat_deg, p.lon_deg) for p in scenario.reference_points])


@dataclass(frozen=True)
class Jamming:
    """The noise jamming a coverage map is drawn under (:mod:`iadsim.sensors.ew`).

    ``stations``: stand-off jammers on station, each seen by a radar through the gain of its
    beam toward the jammer while the beam looks at a cell (the main lobe along the jammer's
    bearing -- the jam strobe -- sidelobes elsewhere), when the jammer is above the radar's
    smooth-Earth horizon. ``self_screening``: a jammer the reference target itself carries (in
    the main lobe, at the target's range), named ``self_screening_id``. J/N of all of them add.
    """

    stations: tuple[JammerSite, ...] = ()
    self_screening: NoiseJammer | None = None
    self_screening_id: str | None = None

    def __bool__(self) -> bool:
        return bool(self.stations) or self.self_screening is not None

    def describe(self) -> list[dict]:
        """The jammers, as the dataset's ``jamming`` attribute lists them."""
        rows = [{"id": j.id, "type": j.type_id, "lat_deg": j.lat_deg, "lon_deg": j.lon_deg,
                 "alt_msl_m": j.alt_msl_m, "count": j.count, "role": "stand-off"}
                for j in self.stations]
        if self.self_screening is not None:
            rows.append({"type": self.self_screening_id, "role": "self-screening (on the target)"})
        return rows


def self_screening_jammer(name: str | None, figures: Figures
                          ) -> tuple[NoiseJammer | None, str | None]:
    """The library jammer ``name`` (any of its names) for :attr:`Jamming.self_screening`, and
    its id; ``(None, None)`` without one."""
    from iadsim.scenario.library import load_library

    if name is None:
        return None, None
    item = load_library().get(name, "jammer")
    return item.model(figures), item.id


@dataclass(frozen=True)
class RadarView:
    """What one radar's geometry gives over a grid, independent of target altitude.

    Attributes: ``ground_range_m``, ``azimuth_rad`` (bearing of each cell from the radar),
    ``min_visible_msl_m`` (terrain-masked lowest visible height, +inf beyond the viewshed),
    ``in_sector`` (cells in the scanned sector of a radar with a scenario facing,
    :meth:`RadarSite.in_sector`), each ``(ny, nx)``.
    """

    radar: RadarSite
    ground_range_m: np.ndarray
    min_visible_msl_m: np.ndarray
    in_sector: np.ndarray
    azimuth_rad: np.ndarray

    def pd(self, target_msl_m: np.ndarray, rcs_m2: float, k: float,
           cells: np.ndarray | None = None, jamming: Jamming | None = None) -> np.ndarray:
        """Single-scan Pd of this radar for targets at ``target_msl_m`` over the grid cells.

        ``target_msl_m`` has the grid's shape ``(ny, nx)``, or the shape of ``cells`` (a boolean
        ``(ny, nx)`` selection) when given; the result has the same shape. Under ``jamming``
        detection uses S/(N+J) (:meth:`look`).
        """
        return self.look(target_msl_m, rcs_m2, k, cells, jamming)[0]

    def look(self, target_msl_m: np.ndarray, rcs_m2: float, k: float,
             cells: np.ndarray | None = None, jamming: Jamming | None = None
             ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """:meth:`pd`, the J/N (linear) the radar's receiver sees while its beam looks at each
        target (``None`` without ``jamming``) and the Pd without jamming (the first again
        without ``jamming``)."""
        ground_range_m, min_visible_m, seen, az_rad = (
            self.ground_range_m, self.min_visible_msl_m, self.in_sector, self.azimuth_rad)
        if cells is not None:
            ground_range_m, min_visible_m, seen, az_rad = (
                ground_range_m[cells], min_visible_m[cells], seen[cells], az_rad[cells])
        slant_m, el_rad = slant_geometry(ground_range_m, self.radar.antenna_msl_m, target_msl_m, k)
        visible = (target_msl_m >= min_visible_m) & seen
        free = np.where(visible, self.radar.model.pd(slant_m, rcs_m2, el_rad), 0.0)
        if not jamming:
            return free, None, free
        jn = self._jammer_to_noise(slant_m, az_rad, el_rad, k, jamming)
        pd = self.radar.model.pd(slant_m, rcs_m2, el_rad, jammer_to_noise=jn)
        return np.where(visible, pd, 0.0), jn, free

    def _jammer_to_noise(self, slant_m: np.ndarray, az_rad: np.ndarray, el_rad: np.ndarray,
                         k: float, jamming: Jamming) -> np.ndarray:
        radar, receiver = self.radar, self.radar.receiver
        assert receiver is not None, "checked by coverage() before any work"
        jn = jammers_to_noise(receiver, (radar.lat_deg, radar.lon_deg, radar.antenna_msl_m), k,
                              az_rad, el_rad,
                              ((j.jammer, j.count, j.lat_deg, j.lon_deg, j.alt_msl_m, True)
                               for j in jamming.stations))
        if jamming.self_screening is not None:
            jn = jn + jammer_to_noise(receiver, jamming.self_screening, slant_m)
        return jn


def with_jamming_provenance(deployment: Deployment, jamming: Jamming | None) -> Deployment:
    """The deployment with what a coverage under ``jamming`` rests on among its assumptions
    (unchanged without jamming; adding twice adds nothing)."""
    if not jamming:
        return deployment
    extra = [JAMMING_MODEL]
    if jamming.self_screening is not None:
        extra.append(f"Every target carries a {jamming.self_screening_id} self-screening jammer "
                     "(in the radar's main lobe at the target's range).")
    new = [a for a in extra if a not in deployment.assumptions]
    return replace(deployment, assumptions=deployment.assumptions + new) if new else deployment


def radar_views(deployment: Deployment, grid: Grid, resolution_m: float,
                progress: Progress | None = None) -> list[RadarView]:
    """Viewshed and ground range of every radar of the deployment over ``grid``."""
    lat2, lon2 = grid.mesh()
    views = []
    for i, radar in enumerate(deployment.radars):
        if progress:
            progress(f"viewshed {radar.id}", i, len(deployment.radars))
        dist_m, az_rad = (np.asarray(a) for a in
                          geodesic_inverse(radar.lat_deg, radar.lon_deg, lat2, lon2))
        # the viewshed need not reach beyond the grid (small areas at fine resolution)
        radius_m = min(radar.model.instrumented_range_m, float(dist_m.max()) + 2 * resolution_m)
        check_cells((2 * int(np.ceil(radius_m / resolution_m)) + 1) ** 2,
                    f"the viewshed of {radar.id} ({radius_m / 1000:,.0f} km radius)", resolution_m)
        field = radar_min_visible_height(
            deployment.dem, radar.lat_deg, radar.lon_deg, radar.antenna_msl_m, radius_m,
            resolution_m, deployment.k_factor, fill_msl_m=deployment.terrain_fill_msl_m,
        )
        min_visible = np.asarray(field.sample(lat2, lon2))
        # beyond the instrumented range nothing is seen; inside it the viewshed covers the grid
        views.append(RadarView(radar, dist_m, min_visible, radar.in_sector(az_rad), az_rad))
    if progress:
        progress("viewsheds done", len(deployment.radars), len(deployment.radars))
    return views


def combine_pd(pds: Sequence[np.ndarray]) -> np.ndarray:
    """Probability that at least one radar detects: ``1 - prod(1 - pd_i)``.

    Assumes the radars' detection draws are independent (different frequencies, sites and scan
    timing); stated in every report.
    """
    miss = np.ones_like(pds[0])
    for p in pds:
        miss = miss * (1.0 - p)
    return 1.0 - miss


def _target_msl(ground_msl_m: np.ndarray, altitude_m: float, reference: str) -> np.ndarray:
    return ground_msl_m + altitude_m if reference == "agl" else np.full_like(ground_msl_m, altitude_m)


def coverage(deployment: Deployment, altitudes_m: Sequence[float], rcs_m2: float,
             resolution_m: float, altitude_reference: str = "agl", grid: Grid | None = None,
             pd_threshold: float = 0.5, progress: Progress | None = None,
             views: list[RadarView] | None = None, reach: str = "published",
             reach_target_speed_m_s: float = REFERENCE_TARGET_SPEED_M_S,
             jamming: Jamming | None = None) -> xr.Dataset:
    """Pd per radar, combined Pd, missile reach and minimum detectable altitude over a grid.

    Parameters
    ----------
    deployment : Deployment
        Resolved radars and missiles (SI), terrain and refraction factor.
    altitudes_m : sequence of float
        Target altitudes, m, above ground (``altitude_reference='agl'``) or above MSL (``'msl'``).
    rcs_m2 : float
        Target mean radar cross-section, m² (fluctuating per each radar's Swerling model).
    resolution_m : float
        Grid spacing and viewshed pixel, m.
    altitude_reference : {'agl', 'msl'}
    grid : Grid, optional
        Defaults to :meth:`Grid.around` the deployment.
    pd_threshold : float
        Detection level used for ``min_detectable_altitude_agl_m`` and ``engageable_*``.
    views : list of RadarView, optional
        Precomputed viewsheds on ``grid`` (reuse across targets and altitudes).
    reach : {'published', 'kinematic'}
        Range ring of the missile reach: the published min/max range, or the kinematic reach
        from the calibrated flyout (:mod:`iadsim.analysis.reach`; types without a flyout model
        keep the published ring, the assumptions say so).
    reach_target_speed_m_s : float
        Speed of the approaching reference target of the kinematic reach, m/s.
    jamming : Jamming, optional
        Noise jamming (stand-off stations, a self-screening jammer on the target): every Pd,
        the engageable cells and the minimum detectable altitude are then under jamming, and
        the dataset adds ``jammer_to_noise_db_<radar>`` and ``pd_any_unjammed``.

    Returns
    -------
    xarray.Dataset
        dims ``(altitude, lat, lon)``: ``pd_<radar-id>``, ``pd_any``, ``in_missile_reach_<missile>``
        (range ring per ``reach`` and published altitude limits, any battalion fielding it;
        variable attr ``reach='kinematic'`` when the kinematic ring is used),
        ``engageable_<missile>``
        (in reach and detected with Pd ≥ ``pd_threshold`` by a radar of the same battalion able to
        guide it), ``target_below_ground``; dims ``(lat, lon)``: ``ground_msl_m`` and
        ``min_detectable_altitude_agl_m`` (lowest altitude of :data:`MIN_ALTITUDE_LADDER_M` with
        combined Pd ≥ ``pd_threshold``; NaN when none). With ``reach='kinematic'`` the attrs add
        ``missile_reach``, ``reach_target_speed_m_s`` and ``missile_reach_rings`` (JSON: per
        site (ids, ``lat_deg``/``lon_deg``) and altitude, ``min_range_m``/``max_range_m``/
        ``basis`` and the published ``published_max_range_m``). Under jamming: dims
        ``(altitude, lat, lon)``: ``jammer_to_noise_db_<radar-id>`` (J/N while the radar looks
        at the cell: the main-lobe strobe toward a stand-off jammer, the sidelobe floor
        elsewhere) and ``pd_any_unjammed``; attr ``jamming`` (JSON list of the jammers).
    """
    _check_arguments(altitudes_m, rcs_m2, altitude_reference, pd_threshold)
    if not deployment.radars:
        raise InputError("the deployment has no active radar: nothing to compute coverage for")
    if jamming:
        check_jammable(deployment)
    deployment = with_jamming_provenance(deployment, jamming)
    deployment = with_reach_provenance(deployment, reach, reach_target_speed_m_s)
    rings = missile_rings(deployment, altitudes_m, altitude_reference, reach,
                          reach_target_speed_m_s)
    grid = grid or Grid.around(deployment, resolution_m)
    lat2, lon2 = grid.mesh()
    ground = np.asarray(deployment.dem.sample(lat2, lon2, fill=deployment.terrain_fill_msl_m),
                        dtype=float)
    views = views if views is not None else radar_views(deployment, grid, resolution_m, progress)
    k = deployment.k_factor
    alts = np.asarray(altitudes_m, dtype=float)
    shape = (alts.size, *ground.shape)

    pd_radar = {v.radar.id: np.zeros(shape) for v in views}
    jn_radar = {v.radar.id: np.zeros(shape) for v in views} if jamming else {}
    pd_free = {v.radar.id: np.zeros(shape) for v in views} if jamming else {}
    below = np.zeros(shape, dtype=bool)
    for ia, alt in enumerate(alts):
        target = _target_msl(ground, alt, altitude_reference)
        below[ia] = target < ground
        for v in views:
            pd, jn, free = v.look(target, rcs_m2, k, jamming=jamming)
            pd_radar[v.radar.id][ia] = np.where(below[ia], 0.0, pd)
            if jamming:
                jn_radar[v.radar.id][ia] = jn
                pd_free[v.radar.id][ia] = np.where(below[ia], 0.0, free)
    pd_any = combine_pd(list(pd_radar.values()))

    data: dict[str, tuple] = {}
    jammed = " under jamming" if jamming else ""
    for rid, arr in pd_radar.items():
        data[f"pd_{rid}"] = (("altitude", "lat", "lon"), arr,
                             {"units": "1", "long_name": f"single-scan Pd of radar {rid}{jammed}"})
    data["pd_any"] = (("altitude", "lat", "lon"), pd_any,
                      {"units": "1",
                       "long_name": f"Pd of at least one radar (independent looks){jammed}"})
    if jamming:
        data["pd_any_unjammed"] = (("altitude", "lat", "lon"), combine_pd(list(pd_free.values())),
                                   {"units": "1", "long_name": "Pd of at least one radar "
                                                               "(independent looks) without jamming"})
        for rid, arr in jn_radar.items():
            data[f"jammer_to_noise_db_{rid}"] = (
                ("altitude", "lat", "lon"), linear_to_db(np.maximum(arr, 1e-30)),
                {"units": "0.1 lg(re 1)",        # dB as UDUNITS spells it (a tenth of a bel)
                 "long_name": f"jamming-to-noise ratio in radar {rid} while it looks at the "
                              "cell, dB"})
    data["target_below_ground"] = (("altitude", "lat", "lon"), below, {
        "long_name": "target altitude below the terrain (MSL altitudes only)",
        "flag_meanings": "above_ground below_ground"})
    kinematic_ids = {m.missile_id for m, per_alt in zip(deployment.missiles, rings, strict=True)
                     if per_alt[0].basis == "kinematic"}
    for name, (in_reach, engage) in _missile_grids(deployment, rings, alts, ground, lat2, lon2,
                                                   altitude_reference, pd_radar,
                                                   pd_threshold).items():
        reach_attrs = ({"reach": "kinematic",
                        "long_name": f"inside kinematic {name} reach (flyout intercept ranges) "
                                     "and published altitude limits"}
                       if name in kinematic_ids else
                       {"long_name": f"inside published {name} range/altitude limits"})
        reach_attrs["flag_meanings"] = "outside_reach inside_reach"
        data[f"in_missile_reach_{name}"] = (("altitude", "lat", "lon"), in_reach, reach_attrs)
        data[f"engageable_{name}"] = (("altitude", "lat", "lon"), engage, {
            "long_name": f"in {name} reach and seen (Pd>={pd_threshold}) by a guiding radar",
            "flag_meanings": "not_engageable engageable"})
    data["ground_msl_m"] = (("lat", "lon"), ground, {
        "units": "m", "standard_name": "surface_altitude",
        "long_name": "terrain height above mean sea level"})
    data["min_detectable_altitude_agl_m"] = (
        ("lat", "lon"), min_detectable_altitude(views, ground, rcs_m2, k, pd_threshold, jamming),
        {"units": "m", "long_name": f"lowest altitude AGL with combined Pd>={pd_threshold}",
         "ladder_m": MIN_ALTITUDE_LADDER_M.tolist()})

    ds = xr.Dataset(
        data,
        coords={
            "altitude": ("altitude", alts, altitude_attrs(altitude_reference)),
            "lat": ("lat", grid.lat_deg, {"units": "degrees_north", "standard_name": "latitude",
                                          "long_name": "latitude (WGS84)", "axis": "Y",
                                          "crs": "EPSG:4326"}),
            "lon": ("lon", grid.lon_deg, {"units": "degrees_east", "standard_name": "longitude",
                                          "long_name": "longitude (WGS84)", "axis": "X",
                                          "crs": "EPSG:4326"}),
        },
    )
    ds.attrs.update({
        "title": "iadsim radar and missile coverage",
        "iadsim_version": __version__,
        "figure_set": deployment.figure_set,
        "rcs_m2": float(rcs_m2),
        "rcs_dbsm": float(linear_to_db(rcs_m2)),
        "altitude_reference": altitude_reference.upper(),
        "resolution_m": float(resolution_m),
        "k_factor": k,
        "pd_threshold": pd_threshold,
        "terrain": deployment.dem.source,
        "sources": json.dumps(deployment.citations, ensure_ascii=False),
        "assumptions": json.dumps(deployment.assumptions, ensure_ascii=False),
    })
    if jamming:
        ds.attrs["jamming"] = json.dumps(jamming.describe(), ensure_ascii=False)
    if reach != "published":
        ds.attrs.update({
            "missile_reach": reach,
            "reach_target_speed_m_s": float(reach_target_speed_m_s),
            "missile_reach_rings": json.dumps([
                {"battalion_id": m.battalion_id, "missile_id": m.missile_id,
                 "lat_deg": m.lat_deg, "lon_deg": m.lon_deg,
                 "published_max_range_m": m.max_range_m, "altitude_m": float(alt),
                 "min_range_m": ring.min_range_m, "max_range_m": ring.max_range_m,
                 "basis": ring.basis}
                for m, per_alt in zip(deployment.missiles, rings, strict=True)
                for alt, ring in zip(alts, per_alt, strict=True)]),
        })
    return ds


def altitude_attrs(reference: str) -> dict[str, str]:
    """CF attributes of a target-altitude coordinate above ground (``'agl'``) or MSL (``'msl'``).

    Above ground is CF's ``height`` (above the surface), above mean sea level its ``altitude``;
    both positive up, the vertical axis. ``reference`` keeps the short label (``AGL``/``MSL``).
    """
    agl = reference.lower() == "agl"
    return {"units": "m", "standard_name": "height" if agl else "altitude", "positive": "up",
            "axis": "Z", "reference": reference.upper(),
            "long_name": "target height above ground level" if agl
            else "target altitude above mean sea level"}


def _check_arguments(altitudes_m: Sequence[float], rcs_m2: float, reference: str,
                     pd_threshold: float) -> None:
    if reference not in ("agl", "msl"):
        raise InputError(f"altitude reference {reference!r}: allowed values are agl, msl")
    alts = np.asarray(altitudes_m, dtype=float)
    lowest = 0.0 if reference == "agl" else -500.0
    if alts.ndim != 1 or alts.size == 0 or not np.all(np.isfinite(alts)) or np.any(alts < lowest) \
            or np.any(alts > 100_000.0):
        raise InputError(f"altitudes {np.ravel(alts).tolist()} m {reference.upper()}: allowed "
                         f"values are at least one number from {lowest:g} to 100000")
    if not (np.isfinite(rcs_m2) and rcs_m2 > 0):
        raise InputError(f"RCS {rcs_m2!r} m²: allowed values are > 0 (any finite dBsm)")
    if not 0.0 < pd_threshold < 1.0:
        raise InputError(f"Pd threshold {pd_threshold!r}: allowed values are in (0, 1)")


def _missile_grids(deployment: Deployment, rings: Sequence[Sequence[Ring]], alts: np.ndarray,
                   ground: np.ndarray, lat2: np.ndarray, lon2: np.ndarray, reference: str,
                   pd_radar: dict[str, np.ndarray],
                   pd_threshold: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Reach and engageable masks per missile type, ``(n_alt, ny, nx)`` booleans.

    ``rings[i][ia]`` is the range ring of ``deployment.missiles[i]`` at altitude ``ia``
    (:func:`iadsim.analysis.reach.missile_rings`); a NaN ring reaches nothing.
    """
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    shape = (alts.size, *ground.shape)
    for m, per_alt in zip(deployment.missiles, rings, strict=True):
        reach, engage = out.setdefault(m.missile_id, (np.zeros(shape, bool), np.zeros(shape, bool)))
        dist_m, _ = geodesic_inverse(m.lat_deg, m.lon_deg, lat2, lon2)
        for ia, (alt, ring) in enumerate(zip(alts, per_alt, strict=True)):
            in_range = (dist_m >= ring.min_range_m) & (dist_m <= ring.max_range_m)
            height = _target_msl(ground, alt, reference) - m.ground_msl_m
            r = in_range & (height >= m.min_altitude_m) & (height <= m.max_altitude_m)
            seen = np.zeros_like(r)
            for rid in m.guided_by:
                seen |= pd_radar[rid][ia] >= pd_threshold
            reach[ia] |= r
            engage[ia] |= r & seen
    return out


def min_detectable_altitude(views: Sequence[RadarView], ground_msl_m: np.ndarray, rcs_m2: float,
                            k: float, pd_threshold: float = 0.5,
                            jamming: Jamming | None = None) -> np.ndarray:
    """Lowest altitude AGL of :data:`MIN_ALTITUDE_LADDER_M` where combined Pd ≥ threshold, (ny, nx).

    NaN where no altitude of the ladder reaches the threshold.
    """
    result = np.full(ground_msl_m.shape, np.nan)
    for alt in MIN_ALTITUDE_LADDER_M:
        todo = np.isnan(result)
        if not todo.any():
            break
        target = ground_msl_m[todo] + alt
        pd = combine_pd([v.pd(target, rcs_m2, k, cells=todo, jamming=jamming) for v in views])
        result[todo] = np.where(pd >= pd_threshold, alt, np.nan)
    return result


def vertical_coverage(radar: RadarSite, rcs_m2: float, dem: Dem, k: float, bearing_rad: float,
                      max_range_m: float | None = None, max_altitude_m: float = 30_000.0,
                      n_range: int = 400, n_alt: int = 300,
                      fill_msl_m: float | None = None) -> xr.Dataset:
    """Range × altitude Pd of one radar along one bearing, over terrain and the 4/3-Earth horizon.

    Terrain masking is computed along the geodesic profile (independently of the 2-D viewshed):
    a target at ground range ``s`` and height ``h`` is visible when its elevation angle from the
    antenna is at least the largest terrain elevation angle at ranges below ``s``.

    Returns a Dataset with dims ``(altitude, range)``: ``pd``; and ``(range,)``: ``terrain_msl_m``,
    ``horizon_msl_m`` (lowest height visible over a smooth sphere at sea level, m MSL) and
    ``mask_msl_m`` (lowest visible height over the terrain). ``fill_msl_m``: terrain height
    assumed beyond the DEM (default: raise :class:`~iadsim.errors.TerrainError`).
    """
    max_range_m = max_range_m or radar.model.instrumented_range_m
    rng = np.linspace(max_range_m / n_range, max_range_m, n_range)
    alt = np.linspace(0.0, max_altitude_m, n_alt)
    lat, lon = geodesic_direct(radar.lat_deg, radar.lon_deg, bearing_rad, rng)
    terrain = np.asarray(dem.sample(lat, lon, fill=fill_msl_m), dtype=float)
    _, el_terrain = slant_geometry(rng, radar.antenna_msl_m, terrain, k)
    el_mask = np.concatenate([[-np.pi / 2], np.maximum.accumulate(el_terrain)[:-1]])
    mask_msl = np.maximum(_height_at_elevation(rng, radar.antenna_msl_m, el_mask, k), terrain)
    horizon_msl = _height_at_elevation(rng, radar.antenna_msl_m,
                                       np.full_like(rng, _horizon_elevation(radar.antenna_msl_m, k)),
                                       k)
    rr, hh = np.meshgrid(rng, alt)
    slant_m, el_rad = slant_geometry(rr, radar.antenna_msl_m, hh, k)
    pd = np.where((hh >= mask_msl) & (hh >= terrain), radar.model.pd(slant_m, rcs_m2, el_rad), 0.0)
    return xr.Dataset(
        {
            "pd": (("altitude", "range"), pd, {"units": "1"}),
            "terrain_msl_m": (("range",), terrain, {"units": "m"}),
            "horizon_msl_m": (("range",), horizon_msl, {"units": "m"}),
            "mask_msl_m": (("range",), mask_msl, {"units": "m"}),
        },
        coords={"range": ("range", rng, {"units": "m"}),
                "altitude": ("altitude", alt, {"units": "m", "reference": "MSL"})},
        attrs={"radar": radar.id, "radar_type": radar.type_id, "bearing_rad": bearing_rad,
               "rcs_m2": rcs_m2, "k_factor": k, "iadsim_version": __version__},
    )


def _horizon_elevation(antenna_msl_m: float, k: float) -> float:
    """Elevation (rad) of the tangent to a smooth effective-Earth sphere at sea level."""
    re = effective_earth_radius_m(k)
    return -float(np.arccos(re / (re + antenna_msl_m)))


def _height_at_elevation(ground_range_m: np.ndarray, antenna_msl_m: float, el_rad: np.ndarray,
                         k: float) -> np.ndarray:
    """Height MSL (m) of the ray leaving the antenna at ``el_rad`` above ground range ``s``.

    Effective-Earth geometry: with central angle θ = s/Re, the ray at elevation e from radius
    a = Re + h_a reaches radius a·cos(e)/cos(e + θ) (triangle centre-antenna-point).
    """
    re = effective_earth_radius_m(k)
    a = re + antenna_msl_m
    theta = ground_range_m / re
    denom = np.cos(el_rad + theta)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(denom > 0, a * np.cos(el_rad) / denom, np.inf)
    return r - re


def cell_area_m2(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Area of each cell of a regular lat/lon grid, m², shape ``(ny, nx)``.

    Spherical approximation with the mean Earth radius: R² Δφ Δλ cos φ (error < 0.5 % against
    the WGS84 ellipsoid at mid-latitudes, below the grid resolution's own effect on areas).
    """
    dlat = np.radians(abs(float(np.diff(lat_deg).mean()))) if lat_deg.size > 1 else 0.0
    dlon = np.radians(abs(float(np.diff(lon_deg).mean()))) if lon_deg.size > 1 else 0.0
    row = EARTH_RADIUS_M**2 * dlat * dlon * np.cos(np.radians(lat_deg))
    return np.repeat(row[:, None], lon_deg.size, axis=1)


def scenario_coverage(scenario: Scenario, altitudes_m: Sequence[float], rcs_dbsm: float,
                      resolution_m: float = 2000.0, altitude_reference: str = "agl",
                      figure_set: str | Figures = "nominal", dem: Dem | str | None = None,
                      reach: str = "published",
                      reach_target_speed_m_s: float = REFERENCE_TARGET_SPEED_M_S,
                      jamming: bool = True, self_screening: str | None = None) -> xr.Dataset:
    """:func:`coverage` of a scenario: its terrain (or ``dem``), its deployment built with
    ``figure_set`` and its grid (:func:`scenario_grid`). The notebook's ``iadsim.coverage``.

    Under the jamming of the scenario's stand-off ``jammers`` (``jamming=False``: without them)
    and of ``self_screening``, a jammer id of the library carried by the reference target."""
    figures = Figures.of(figure_set)  # a bad figure set or override fails before any work
    ssj = self_screening_jammer(self_screening, figures)
    if ssj[0] is not None or (jamming and scenario.jammers):
        check_scenario_jammable(scenario, figures)
    terrain = load_terrain(scenario, dem, resolution_m=resolution_m)
    deployment = build_deployment(scenario, figures, terrain)
    jam = Jamming(deployment.jammers if jamming else (), *ssj)
    return coverage(deployment, altitudes_m, 10 ** (rcs_dbsm / 10), resolution_m,
                    altitude_reference=altitude_reference,
                    grid=scenario_grid(scenario, deployment, resolution_m), reach=reach,
                    reach_target_speed_m_s=reach_target_speed_m_s, jamming=jam)
