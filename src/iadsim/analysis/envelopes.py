"""Missile range rings beside what the guiding radars can actually see.

Answers the "400 km bubble" question per battalion and missile: the quoted maximum range, the
reach left once the radar horizon and detection range are applied over a smooth Earth, and the
reach over the terrain (from a coverage Dataset). The ring is the one the coverage Dataset used:
the published one, or the kinematic reach of :mod:`iadsim.analysis.reach`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from iadsim.analysis.coverage import cell_area_m2
from iadsim.analysis.kinematic_envelope import REFERENCE_TARGET_SPEED_M_S
from iadsim.analysis.reach import missile_rings
from iadsim.geo.frames import geodesic_inverse
from iadsim.geo.los import radar_horizon_m
from iadsim.scenario.build import Deployment, MissileSite

#: At most this many azimuth bins (per launcher) for the terrain-limited reach along bearings.
MAX_BEARINGS = 360


@dataclass(frozen=True)
class ReachRow:
    """One missile of one battalion at one target altitude. Distances in metres.

    ``reach_max_range_m``: outer edge of the ring in use (``reach_basis`` 'published' or
    'kinematic'; NaN: no kinematic intercept at this altitude). ``horizon_reach_m``: min(that
    edge, best guiding radar's smooth-Earth horizon and Pd-threshold detection range).
    ``terrain_reach_median_m`` / ``terrain_reach_max_m``: over bearings, the farthest grid cell
    inside the ring and altitude limits and seen by a guiding radar. ``engageable_fraction``:
    engageable area / area of the ring in use at this altitude.
    """

    battalion_id: str
    missile_id: str
    altitude_m: float
    quoted_max_range_m: float
    horizon_reach_m: float
    terrain_reach_median_m: float
    terrain_reach_max_m: float
    engageable_fraction: float
    reach_max_range_m: float
    reach_basis: str


def _horizon_reach(deployment: Deployment, m: MissileSite, altitude_agl_m: float, rcs_m2: float,
                   pd_threshold: float, reach_m: float) -> float:
    """Smooth-Earth reach (m) of the best guiding radar for a target at ``altitude_agl_m``."""
    best = 0.0
    for radar in deployment.radars:
        if radar.id not in m.guided_by:
            continue
        antenna_agl = radar.antenna_msl_m - radar.ground_msl_m
        horizon = float(radar_horizon_m(antenna_agl, altitude_agl_m, deployment.k_factor))
        detect = float(radar.model.detection_range_m(rcs_m2, pd_threshold))
        best = max(best, min(horizon, detect, radar.model.instrumented_range_m))
    return min(best, reach_m)


def published_vs_seen(deployment: Deployment, ds: xr.Dataset) -> list[ReachRow]:
    """Compare each missile's published reach with what its battalion's radars can see.

    ``ds`` is a :func:`iadsim.analysis.coverage.coverage` Dataset with AGL altitudes; its
    ``missile_reach`` attrs (absent: published) select the ring.
    """
    lat2, lon2 = np.meshgrid(ds["lat"].values, ds["lon"].values, indexing="ij")
    threshold = float(ds.attrs["pd_threshold"])
    resolution_m = float(ds.attrs["resolution_m"])
    rcs = float(ds.attrs["rcs_m2"])
    cell_area = cell_area_m2(ds["lat"].values, ds["lon"].values)
    alts = ds["altitude"].values
    rings = missile_rings(deployment, alts, "agl", ds.attrs.get("missile_reach", "published"),
                          ds.attrs.get("reach_target_speed_m_s", REFERENCE_TARGET_SPEED_M_S))
    rows = []
    for m, per_alt in zip(deployment.missiles, rings, strict=True):
        dist, az = geodesic_inverse(m.lat_deg, m.lon_deg, lat2, lon2)
        for ia, (alt, limits) in enumerate(zip(alts, per_alt, strict=True)):
            # about one grid cell of arc per bin at the outer edge, so that every bin has cells
            outer_m = limits.max_range_m if np.isfinite(limits.max_range_m) else m.max_range_m
            n_bins = int(np.clip(2 * np.pi * outer_m / resolution_m, 8, MAX_BEARINGS))
            bins = (np.mod(az, 2 * np.pi) / (2 * np.pi) * n_bins).astype(int) % n_bins
            ring = (dist >= limits.min_range_m) & (dist <= limits.max_range_m)
            seen = np.zeros(dist.shape, bool)
            for rid in m.guided_by:
                seen |= ds[f"pd_{rid}"].values[ia] >= threshold
            height_ok = (alt >= m.min_altitude_m) & (alt <= m.max_altitude_m)
            engage = ring & seen & height_ok
            far = np.zeros(n_bins)
            np.maximum.at(far, bins[engage], dist[engage])
            # bearings with no grid cell inside the ring (small rings on coarse grids) don't count
            has_cells = np.zeros(n_bins, bool)
            has_cells[bins[ring]] = True
            far = far[has_cells] if has_cells.any() else far
            ring_area = float(cell_area[ring].sum()) if height_ok else 0.0
            rows.append(ReachRow(
                battalion_id=m.battalion_id, missile_id=m.missile_id, altitude_m=float(alt),
                quoted_max_range_m=m.max_range_m,
                horizon_reach_m=_horizon_reach(deployment, m, float(alt), rcs, threshold,
                                               limits.max_range_m)
                if height_ok and np.isfinite(limits.max_range_m) else 0.0,
                terrain_reach_median_m=float(np.median(far)),
                terrain_reach_max_m=float(far.max()),
                engageable_fraction=float(cell_area[engage].sum()) / ring_area if ring_area else 0.0,
                reach_max_range_m=limits.max_range_m, reach_basis=limits.basis,
            ))
    return rows

