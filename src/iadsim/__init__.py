"""iadsim: open-source IADS simulator and analysis toolkit from public, cited data.

The notebook surface::

    import iadsim
    sc = iadsim.load_scenario("examples/united_resolve_2022.yaml")
    ds = iadsim.coverage(sc, altitudes_m=[50, 500, 10_000], rcs_dbsm=0.0, resolution_m=3000)
    what_if = iadsim.Figures.of("nominal", {"48N6E3.max_range_km": 230})
    ds2 = iadsim.coverage(sc, [500], 0.0, resolution_m=3000, figure_set=what_if)

Simulation and analysis only: iadsim has no interface to real sensors, launchers or weapons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iadsim.version import __version__

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from iadsim.c2.doctrine import Doctrine
    from iadsim.engine.air_picture import AirPicture
    from iadsim.engine.engagement import EngagementResult
    from iadsim.scenario.figures import Figures
    from iadsim.scenario.schema import Scenario

__all__ = ["Figures", "__version__", "coverage", "load_scenario", "run", "simulate_air_picture"]


def __getattr__(name: str) -> Any:
    """Lazy exports: ``iadsim.Figures`` (:class:`iadsim.scenario.figures.Figures`)."""
    if name == "Figures":
        from iadsim.scenario.figures import Figures

        return Figures
    raise AttributeError(f"module 'iadsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "Figures"})


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario YAML file (raises :class:`iadsim.errors.ScenarioError`)."""
    from iadsim.scenario.load import load_scenario as _load

    return _load(path)


def coverage(scenario: Scenario, altitudes_m: Sequence[float], rcs_dbsm: float,
             resolution_m: float = 2000.0, altitude_reference: str = "agl",
             figure_set: str | Figures = "nominal", dem: str | Path | None = None,
             reach: str = "published", reach_target_speed_m_s: float = 250.0) -> xr.Dataset:
    """Radar Pd, combined Pd and missile reach over terrain; dims ``(altitude, lat, lon)``.

    Parameters
    ----------
    scenario : Scenario
        From :func:`load_scenario`.
    altitudes_m : sequence of float
        Target altitudes, m (above ground for ``altitude_reference='agl'``, else above MSL).
    rcs_dbsm : float
        Target mean RCS, dBsm.
    resolution_m : float
        Grid spacing, m.
    figure_set : {'low', 'nominal', 'high'} or Figures
        Equipment figure set (low: least capable air defence), or :class:`Figures` with
        overrides (``Figures.of("nominal", {"48N6E3.max_range_km": 230})``).
    dem : path, optional
        GeoTIFF DEM overriding the scenario's terrain.
    reach : {'published', 'kinematic'}
        Missile reach ring: the published max range, or the kinematic engagement-zone edges from
        the calibrated flyout (:func:`iadsim.analysis.kinematic_envelope.kinematic_reach`).
    reach_target_speed_m_s : float
        Speed of the approaching reference target of the kinematic reach, m/s.
    """
    from iadsim.analysis.coverage import coverage as _coverage
    from iadsim.analysis.coverage import scenario_grid
    from iadsim.scenario.build import build_deployment, load_terrain
    from iadsim.scenario.figures import Figures

    figures = Figures.of(figure_set)  # a bad figure set or override fails before any work
    terrain = load_terrain(scenario, dem, resolution_m=resolution_m)
    deployment = build_deployment(scenario, figures, terrain)
    return _coverage(deployment, altitudes_m, 10 ** (rcs_dbsm / 10), resolution_m,
                     altitude_reference=altitude_reference,
                     grid=scenario_grid(scenario, deployment, resolution_m), reach=reach,
                     reach_target_speed_m_s=reach_target_speed_m_s)


def simulate_air_picture(scenario: Scenario, seed: int | None = None,
                         figure_set: str | Figures = "nominal", **config) -> AirPicture:
    """Fly the scenario's threats past its radars, detect and track them.

    ``figure_set``: ``'low'``, ``'nominal'``, ``'high'`` or :class:`Figures` (overrides).

    Returns an object with ``.truth``, ``.detections``, ``.tracks`` (pandas DataFrames) and
    ``.metrics`` (OSPA, GOSPA, completeness, breaks, false tracks, ID swaps per tracker).
    ``config`` keywords go to :class:`iadsim.engine.air_picture.AirPictureConfig`.
    """
    from iadsim.engine.air_picture import AirPictureConfig
    from iadsim.engine.air_picture import simulate_air_picture as _simulate

    return _simulate(scenario, seed, figure_set, AirPictureConfig(**config))


def run(scenario: Scenario, seed: int | None = None, figure_set: str | Figures = "nominal",
        doctrine: Doctrine | None = None, assignment: str = "optimal",
        link_latency_s: float = 2.0, **air_picture) -> EngagementResult:
    """Fight the scenario's raid through the full engagement chain.

    Returns an object with ``.events`` (the event log, a DataFrame), ``.summary`` (dict),
    ``.fates``, ``.engagements`` (kill-chain timeline), ``.magazine`` and ``.picture``.
    ``figure_set``: ``'low'``, ``'nominal'``, ``'high'`` or :class:`Figures` (overrides).
    ``doctrine``: :class:`iadsim.c2.doctrine.Doctrine` (default: salvo of 2,
    shoot-shoot-look); ``assignment``: ``'optimal'`` or ``'greedy'``; ``link_latency_s``: delay
    of the fused picture at the command posts, s. ``air_picture`` keywords go to
    :class:`iadsim.engine.air_picture.AirPictureConfig`.
    """
    from iadsim.engine.air_picture import AirPictureConfig
    from iadsim.engine.engagement import EngagementConfig, run_engagement

    config = EngagementConfig(air_picture=AirPictureConfig(**{"report_interval_s": 1.0,
                                                              **air_picture}),
                              assignment=assignment, link_latency_s=link_latency_s)
    if doctrine is not None:
        config = replace(config, doctrine=doctrine)
    return run_engagement(scenario, seed, figure_set, config)
