"""iadsim: open-source IADS simulator and analysis toolkit from public, cited data.

The notebook surface::

    import iadsim
    sc = iadsim.load_scenario("examples/united_resolve_2022.yaml")
    ds = iadsim.coverage(sc, altitudes_m=[50, 500, 10_000], rcs_dbsm=0.0, resolution_m=3000)
    what_if = iadsim.Figures.of("nominal", {"48N6E3.max_range_km": 230})
    ds2 = iadsim.coverage(sc, [500], 0.0, resolution_m=3000, figure_set=what_if)

    world = iadsim.build(iadsim.load_scenario("examples/raid_2022.yaml"), figures=what_if)
    runs = [iadsim.run(world, seed=s, keep=("events",)) for s in range(10)]   # build once
    rows = pandas.concat([r.metrics for r in runs])                           # one row a run
    iadsim.write_products(iadsim.run(world, seed=7), "out/raid")

    res = iadsim.campaign(sc, "out/campaign", runs=200, vary=["48N6E3.max_range_km"])
    res.summary, res.sensitivity, res.runs           # estimates with 95 % intervals, drivers
    res = iadsim.load_campaign("out/campaign")        # read back (or resume with the same call)

Simulation and analysis only: iadsim has no interface to real sensors, launchers or weapons.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iadsim.version import __version__

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import xarray as xr

    from iadsim.campaigns.report import CampaignResult
    from iadsim.engine.air_picture import AirPicture, AirPictureConfig
    from iadsim.engine.engagement import EngagementConfig, EngagementResult
    from iadsim.engine.world import World
    from iadsim.geo.terrain import Dem
    from iadsim.scenario.figures import Figures
    from iadsim.scenario.library import Library
    from iadsim.scenario.schema import Scenario

__all__ = ["AirPictureConfig", "EngagementConfig", "Figures", "__version__", "build", "campaign",
           "coverage", "load_campaign", "load_library", "load_scenario", "run",
           "simulate_air_picture", "write_products"]

#: Lazy exports (``iadsim.Figures`` ...): name -> module.
_LAZY = {"Figures": "iadsim.scenario.figures", "EngagementConfig": "iadsim.engine.engagement",
         "AirPictureConfig": "iadsim.engine.air_picture"}


def __getattr__(name: str) -> Any:
    """Lazy exports: the configuration and figure classes (:data:`_LAZY`)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'iadsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario YAML file (raises :class:`iadsim.errors.ScenarioError`)."""
    from iadsim.scenario.load import load_scenario as _load

    return _load(path)


def coverage(scenario: Scenario, altitudes_m: Sequence[float], rcs_dbsm: float,
             resolution_m: float = 2000.0, altitude_reference: str = "agl",
             figure_set: str | Figures = "nominal", dem: Dem | str | Path | None = None,
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
    dem : Dem, path or None
        Terrain overriding the scenario's: a loaded :class:`~iadsim.geo.terrain.Dem` or a
        GeoTIFF path (the same rule as :func:`build`).
    reach : {'published', 'kinematic'}
        Missile reach ring: the published max range, or the kinematic engagement-zone edges from
        the calibrated flyout (:func:`iadsim.analysis.kinematic_envelope.kinematic_reach`).
    reach_target_speed_m_s : float
        Speed of the approaching reference target of the kinematic reach, m/s.
    """
    from iadsim.analysis.coverage import scenario_coverage

    return scenario_coverage(scenario, altitudes_m, rcs_dbsm, resolution_m, altitude_reference,
                             figure_set, dem, reach, reach_target_speed_m_s)


def load_library(paths: Sequence[str | Path] | None = None) -> Library:
    """The equipment library: the packaged cited files, or the YAML files ``paths``."""
    from iadsim.scenario.library import load_library as _load

    return _load(paths) if paths is not None else _load()


def build(scenario: Scenario, figures: str | Figures = "nominal", dem: Dem | str | Path | None = None,
          *, library: Library | None = None) -> World:
    """Build a scenario once for one set of figures: a frozen, picklable World in SI.

    ``figures``: ``'low'``, ``'nominal'``, ``'high'`` or :class:`Figures` (overrides); ``dem``:
    a :class:`~iadsim.geo.terrain.Dem`, a GeoTIFF path or ``None`` (the scenario's terrain);
    ``library``: a (perturbed) equipment library. See :func:`iadsim.scenario.world.build`.
    """
    from iadsim.scenario.world import build as _build

    return _build(scenario, figures, dem, library=library)


def _world(scenario_or_world: Scenario | World, figure_set: str | Figures,
           dem: Dem | str | Path | None) -> World:
    from iadsim.engine.world import World

    if isinstance(scenario_or_world, World):
        return scenario_or_world
    return build(scenario_or_world, figure_set, dem)


def simulate_air_picture(scenario: Scenario | World,
                         seed: int | np.random.SeedSequence | None = None,
                         figure_set: str | Figures = "nominal",
                         config: AirPictureConfig | None = None,
                         dem: Dem | str | Path | None = None,
                         keep: Sequence[str] = ("truth", "detections", "tracks")) -> AirPicture:
    """Fly the threats past the radars, detect and track them.

    ``scenario``: a World from :func:`build`, or a scenario (built on the fly with
    ``figure_set`` and ``dem``). Returns an object with ``.truth``, ``.detections``,
    ``.tracks`` (pandas DataFrames, those named in ``keep``) and ``.metrics`` (OSPA, GOSPA,
    completeness, breaks, false tracks, ID swaps per tracker).
    """
    from iadsim.engine.air_picture import simulate_air_picture as _simulate

    return _simulate(_world(scenario, figure_set, dem), seed, config, keep=keep)


def run(scenario: Scenario | World, seed: int | np.random.SeedSequence | None = None,
        figure_set: str | Figures = "nominal",
        config: EngagementConfig | None = None, dem: Dem | str | Path | None = None,
        keep: Sequence[str] = ("truth", "detections", "tracks", "missiles")) -> EngagementResult:
    """Fight the raid through the full engagement chain (closed loop).

    ``scenario``: a World from :func:`build` (build once, run many), or a scenario (built on
    the fly with ``figure_set`` and ``dem``). ``seed``: an integer, or a
    ``numpy.random.SeedSequence`` (a campaign's per-run key; ``SeedSequence(7)`` is seed 7;
    default the scenario's). ``config``: :class:`EngagementConfig` (doctrine,
    assignment, link latency, report interval, model-figure overrides). ``keep``: the heavy
    tables to keep (``'truth'``, ``'detections'``, ``'tracks'``, ``'missiles'``; ``'events'`` is
    always kept). Returns an object with ``.metrics`` (one row of outcome measures),
    ``.events`` (the event log), ``.summary``, ``.fates``, ``.engagements`` (kill-chain
    timeline), ``.magazine``, ``.missiles`` and ``.picture``. Same World + seed → identical
    results.
    """
    from iadsim.engine.engagement import run_engagement

    return run_engagement(_world(scenario, figure_set, dem), seed, config, keep=keep)


def campaign(scenario: Scenario, out_dir: str | Path, **options: Any) -> CampaignResult:
    """Monte Carlo campaign of ``scenario`` into ``out_dir`` (resumed if it is the same
    campaign): runs over seeds and over the varied figures, estimates with 95 % intervals, what
    drives them, ``campaign.md``, PNGs, Parquet parts and a DuckDB database. Returns a
    :class:`~iadsim.campaigns.report.CampaignResult` (``.runs``, ``.summary``,
    ``.sensitivity``). Options (``runs``, ``vary``, ``vary_assumed``, ``sensitivity``,
    ``target_halfwidth``, ``workers``, ...): :func:`iadsim.campaigns.api.campaign`.
    """
    from iadsim.campaigns.api import campaign as _campaign

    return _campaign(scenario, out_dir, **options)


def load_campaign(out_dir: str | Path) -> CampaignResult:
    """Read a campaign directory back (finished or not): runs, estimates, sensitivity."""
    from iadsim.campaigns.report import load_campaign as _load

    return _load(out_dir)


def write_products(result: AirPicture | EngagementResult, out_dir: str | Path) -> list[Path]:
    """Write the files of a run (tables, summaries, plots, replays) into ``out_dir``; see
    :func:`iadsim.workflows.write_products`."""
    from iadsim.workflows import write_products as _write

    return _write(result, out_dir)
