"""Geodesy and terrain: coordinate frames, digital elevation models, line of sight.

Submodules (imported explicitly, so that importing :mod:`iadsim.geo` does not load numba):

- :mod:`iadsim.geo.frames`: geodetic / ECEF / ENU / AER conversions and WGS84 geodesics.
- :mod:`iadsim.geo.terrain`: :class:`~iadsim.geo.terrain.Dem` (GeoTIFF I/O, bilinear sampling,
  synthetic fractal relief).
- :mod:`iadsim.geo.los`: effective-Earth refraction, radar horizon, GDAL-compatible viewshed and
  the radar-centred :class:`~iadsim.geo.los.MinHeightField`.
"""

from __future__ import annotations

__all__ = ["radar_horizon_m"]


def __getattr__(name: str):
    """``iadsim.geo.radar_horizon_m`` (the foundation API) without importing numba at package import."""
    if name == "radar_horizon_m":
        from iadsim.geo.los import radar_horizon_m

        return radar_horizon_m
    raise AttributeError(f"module 'iadsim.geo' has no attribute {name!r}")
