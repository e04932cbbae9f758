"""Run a campaign: many runs of one scenario over seeds and over the uncertain figures, each
counted exactly once in a resumable store.

:class:`CampaignSpec` says what to run: the scenario, the figures every run starts from, the
varied figures (:class:`~iadsim.campaigns.design.Factor`) and their design (a Latin hypercube or
scrambled Sobol points, or the sample of a sensitivity method), the replications, the seed
entropy, the run options, and either a fixed number of runs or a target half-width of the leak
fraction's 95 % interval (sequential stopping). :func:`run_campaign` turns it into a manifest
(:func:`manifest`), opens the store (:class:`~iadsim.campaigns.store.CampaignStore`: a new
campaign, or the same one resumed), and executes the runs not yet committed on an executor
(:mod:`iadsim.campaigns.executor`), committing finished rows in batches as the one writer.

Alternatives (sweep levels, other scenarios) run every design point of the varied figures with
the same seeds: common random numbers, so their differences are paired.

Determinism: a run's key and seed are functions of the manifest, its design point and its
replication only, so the runs table is the same bytes whatever the executor, the number of
workers, the order runs finish in, or how often the campaign was interrupted. Sequential
stopping is checked at the end of rounds of a fixed size (never "when enough runs happened to
finish"), so where it stops does not depend on the workers either.

Estimates while running and for stopping: the leak fraction of a run (leakers / threats) is
averaged over runs with Student's t interval (per alternative; sequential stopping waits for the
widest). Runs are independent; the threats of one run are
not (they share the radars, the magazines and the command post's decisions), so pooling them as
Bernoulli trials would understate the interval.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from iadsim.analysis.estimates import Interval, mean_ci
from iadsim.campaigns.design import METHODS, Factor, design
from iadsim.campaigns.executor import (
    Alternative,
    DesignPoint,
    Finished,
    LocalExecutor,
    Payload,
    RunTask,
    SerialExecutor,
)
from iadsim.campaigns.store import CampaignStore, run_key
from iadsim.io.files import write_text_atomic
from iadsim.engine.engagement import EngagementConfig
from iadsim.engine.world import World
from iadsim.errors import InputError
from iadsim.scenario.figures import Figures
from iadsim.scenario.schema import Scenario
from iadsim.scenario.world import build
from iadsim.version import __version__

__all__ = ["CampaignSpec", "Progress", "run_campaign", "manifest", "STOP_METRIC", "MIN_RUNS",
           "ROUND_RUNS"]

#: The measure of sequential stopping and of the progress estimate.
STOP_METRIC = "leaked_fraction"
#: Fewest runs before sequential stopping may stop (the t interval's usual floor).
MIN_RUNS = 30
#: Runs per round of sequential stopping (rounded up to whole replications of every point).
ROUND_RUNS = 10
#: The reference run's assumptions and sources (JSON), in the campaign directory.
PROVENANCE = "provenance.json"
#: A batch of finished rows is committed once it holds this many runs ...
COMMIT_RUNS = 8
#: ... or when its oldest row has waited this long, s.
COMMIT_WAIT_S = 30.0


@dataclass(frozen=True)
class CampaignSpec:
    """What a campaign runs.

    Attributes
    ----------
    scenario : Scenario
    figures : str or Figures
        The figures every run starts from (a figure set, or one with overrides).
    factors : tuple of Factor
        The varied figures (none: replications over seeds only).
    design : {'lhs', 'sobol'}
        Space-filling design of the varied figures.
    runs : int
        Runs of each alternative (design points x replications); with ``target_halfwidth`` the
        most.
    replications : int
        Runs per design point (different seeds; the same replication index has the same seed at
        every point: common random numbers). Without factors every run is a replication of the
        one point.
    entropy : int or None
        Root of the per-run seeds (``SeedSequence(entropy, spawn_key=(point, replication))``);
        ``None``: the scenario's seed.
    config : EngagementConfig
    target_halfwidth : float or None
        Stop at the end of the first round after which the 95 % t interval of the mean leak
        fraction has at most this half-width (and at least :data:`MIN_RUNS` runs are done).
    dem : str or None
        Terrain override (GeoTIFF path) or ``None`` for the scenario's.
    table : DataFrame or None
        Design points given directly (``point`` then one column per factor), e.g. a
        sensitivity method's sample; ``None``: :func:`~iadsim.campaigns.design.design`.
    sensitivity : str or None
        The sensitivity method whose sample ``table`` is (recorded in the manifest); its points
        share seed streams (common random numbers).
    alternatives : tuple of Alternative or None
        The alternatives compared (sweep levels, scenarios); ``None``: the scenario with
        ``config``. Every alternative runs every design point with the same seeds.
    min_runs, round_runs : int
        Sequential stopping: fewest runs before it may stop, and runs per round (rounded up to
        whole replications of every design point).
    """

    scenario: Scenario
    figures: str | Figures = "nominal"
    factors: tuple[Factor, ...] = ()
    design: str = "lhs"
    runs: int = 100
    replications: int = 1
    entropy: int | None = None
    config: EngagementConfig = field(default_factory=EngagementConfig)
    target_halfwidth: float | None = None
    dem: str | None = None
    table: pd.DataFrame | None = field(default=None, compare=False)
    sensitivity: str | None = None
    alternatives: tuple[Alternative, ...] | None = None
    min_runs: int = MIN_RUNS
    round_runs: int = ROUND_RUNS

    def __post_init__(self) -> None:
        for what, v, low in (("--runs", self.runs, 1), ("--replications", self.replications, 1),
                             ("min_runs", self.min_runs, 2), ("round_runs", self.round_runs, 1)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise InputError(f"{what} {v!r}: allowed values are integers >= {low}")
        if self.design not in METHODS:
            raise InputError(f"--design {self.design!r}: allowed values are {', '.join(METHODS)}")
        if self.target_halfwidth is not None and not 0.0 < self.target_halfwidth < 0.5:
            raise InputError(f"--target-halfwidth {self.target_halfwidth!r}: allowed values are "
                             "numbers in (0, 0.5)")
        if self.entropy is not None and (isinstance(self.entropy, bool) or self.entropy < 0):
            raise InputError(f"--seed {self.entropy!r}: allowed values are integers >= 0")

    @property
    def seed_entropy(self) -> int:
        return int(self.scenario.seed if self.entropy is None else self.entropy)

    def compared(self) -> tuple[Alternative, ...]:
        """The alternatives (one: the scenario with ``config``, when none are given)."""
        return self.alternatives or (Alternative(self.scenario, self.config),)

    def figure_design(self) -> pd.DataFrame:
        """The design of the varied figures: ``point`` and one column per figure (one point
        and no figure without factors)."""
        if self.table is not None:
            return self.table
        if not self.factors:
            return pd.DataFrame({"point": [0]})
        n = math.ceil(self.runs / self.replications)
        return design(self.factors, n, self.design, np.random.SeedSequence(self.seed_entropy))

    def points(self) -> tuple[DesignPoint, ...]:
        """Every design point: each alternative at each point of the figure design (the
        alternative varies slowest). Seed streams: the figure design's point index (common to
        the alternatives), or 0 for every point of a sensitivity design."""
        table = self.figure_design()
        names = [f.name for f in self.factors]
        rows = [dict(zip(names, map(float, r), strict=True))
                for r in table[names].itertuples(index=False, name=None)]
        return tuple(DesignPoint(a, d, rows[d], 0 if self.sensitivity else d)
                     for a in range(len(self.compared())) for d in range(len(rows)))

    def replication_count(self) -> int:
        """Replications per point: ``replications``, or without factors all ``runs``."""
        return self.runs if not self.factors and self.table is None else self.replications


@dataclass(frozen=True)
class Progress:
    """A progress report: runs ``done`` of ``total`` (``total`` grows round by round under
    sequential stopping), seconds ``elapsed``, and the current ``estimate`` of the mean leak
    fraction (of the alternative whose interval is widest; ``None`` before two runs)."""

    done: int
    total: int
    elapsed_s: float
    estimate: Interval | None


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    return str(value)


def manifest(spec: CampaignSpec, points: Sequence[DesignPoint]) -> dict:
    """The campaign's definition as JSON data: what makes its runs, nothing about how or where
    they execute (workers, executor), so a campaign resumed on another machine or with other
    workers is the same campaign."""
    figures = Figures.of(spec.figures)
    base = spec.scenario.model_dump(mode="json")
    alts = []
    for alt in spec.compared():
        entry = {"settings": dict(alt.settings), "overrides": dict(alt.overrides),
                 "config": asdict(alt.config)}
        if not any(k.startswith("raid.") for k in alt.settings):
            content = alt.scenario.model_dump(mode="json")
            if content != base:  # another scenario (compare); a swept raid is its settings
                entry["scenario"] = content
        alts.append(entry)
    return _jsonable({
        "format": 1,
        "iadsim_version": __version__,
        "scenario": {"name": spec.scenario.name,
                     "source": str(spec.scenario.source_path or ""), "content": base},
        "dem": spec.dem,
        "figures": {"label": figures.label, "base": figures.base,
                    "overrides": dict(figures.overrides)},
        "factors": [asdict(f) for f in spec.factors],
        "alternatives": alts,
        "design": {"method": spec.design, "sensitivity": spec.sensitivity,
                   "points": {"alternative": [p.alternative for p in points],
                              "design_point": [p.design_point for p in points],
                              "seed_stream": [p.stream for p in points],
                              **{f.name: [p.values[f.name] for p in points]
                                 for f in spec.factors}}},
        "replications": spec.replication_count(),
        "runs": spec.runs,
        "target_halfwidth": spec.target_halfwidth,
        "stop": {"metric": STOP_METRIC, "min_runs": spec.min_runs, "round_runs": spec.round_runs,
                 "interval": "t", "confidence": 0.95, "rule": "the widest alternative"},
        "seed": {"entropy": spec.seed_entropy, "spawn_key": "(seed_stream, replication)"},
    })


#: Manifest entries that only size a campaign of replications (no varied figures): more runs or
#: another stopping target extend the same campaign (the keys of its runs do not change).
SIZE_KEYS = ("runs", "replications", "target_halfwidth", "stop")


def identity(m: dict) -> dict:
    """The part of manifest ``m`` that makes the runs: all of it when figures are varied (the
    design points depend on their number), else all but :data:`SIZE_KEYS`."""
    return m if m["factors"] else {k: v for k, v in m.items() if k not in SIZE_KEYS}


def alternative_world(alt: Alternative, figures: str | Figures, dem: str | None = None) -> World:
    """The World of an alternative at ``figures`` (its overrides on top), before any varied
    figure: the build that checks it before any run."""
    return build(alt.scenario, Figures.of(figures, alt.overrides), dem)


def check_points(spec: CampaignSpec, points: Sequence[DesignPoint]) -> None:
    """Every design point's figures are valid and fly its scenario's routes, checked before the
    first run (a low maximum speed, say, that a route exceeds) -- else one error naming the
    points and figures."""
    figures = Figures.of(spec.figures)
    alts = spec.compared()
    problems: list[str] = []
    for i, point in enumerate(points):
        alt = alts[point.alternative]
        vals = {**alt.overrides, **point.values}
        where = f"design point {i} ({', '.join(f'{k}={v:g}' for k, v in vals.items()) or 'as is'})"
        try:
            figs = Figures.of(figures, vals)
        except InputError as exc:
            problems.append(f"{where}: {exc}")
            continue
        found = alt.scenario.check_routes(figs)
        if found:
            problems.append(f"{where}: " + "; ".join(str(p) for p in found[:3]))
    if problems:
        raise InputError(f"{spec.scenario.source_path or spec.scenario.name}: the campaign's "
                         "design points break the scenario's routes or the figures' limits: "
                         + " | ".join(problems[:10]))


def _estimate(values: Sequence[float]) -> Interval | None:
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    return mean_ci(x) if x.size >= 2 else None


def _widest(planned: Sequence[str], values: dict[str, tuple[int, float]]) -> tuple[int, Interval | None]:
    """Runs done of ``planned`` and the widest interval of an alternative's mean leak fraction
    (``None`` while an alternative has fewer than two runs)."""
    by_alt: dict[int, list[float]] = {}
    for k in planned:
        if k in values:
            by_alt.setdefault(values[k][0], []).append(values[k][1])
    ests = [_estimate(v) for v in by_alt.values()]
    done = sum(len(v) for v in by_alt.values())
    if not ests or any(e is None for e in ests):
        return done, None
    return done, max(ests, key=lambda e: e.halfwidth)


def _rounds(spec: CampaignSpec, n_points: int, reps: int) -> Iterator[list[tuple[int, int]]]:
    """The (point, replication) pairs of each round: all at once for a fixed number of runs;
    under sequential stopping whole replications of every point, about ``round_runs`` runs of
    each alternative a round, up to ``spec.runs`` runs of each."""
    if spec.target_halfwidth is None:
        yield [(p, r) for p in range(n_points) for r in range(reps)]
        return
    per_alt = n_points // len(spec.compared())
    per_round = max(1, math.ceil(spec.round_runs / per_alt))
    max_reps = max(1, spec.runs // per_alt)
    for start in range(0, max_reps, per_round):
        yield [(p, r) for p in range(n_points) for r in range(start, min(start + per_round, max_reps))]


def run_campaign(spec: CampaignSpec, out_dir: str | Path, workers: int = 1,
                 progress: Callable[[Progress], None] | None = None,
                 executor=None, world: World | None = None, replace: bool = False
                 ) -> CampaignStore:
    """Run (or resume) the campaign ``spec`` into ``out_dir``; returns the open store.

    ``workers``: 1 runs in this process; more use a local process pool (:class:`LocalExecutor`).
    ``executor``: a function of the :class:`Payload` that returns another executor (e.g.
    Dask's), used instead. ``progress`` is called after every commit. ``world``: the World of
    the first alternative at ``spec``'s figures if the caller has built it. ``replace``: start
    afresh if ``out_dir`` holds a different campaign (else an error).

    Raises
    ------
    InputError, ScenarioError
        Before any run: bad options, an invalid design point, ``out_dir`` holding another
        campaign.
    """
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise InputError(f"--workers {workers!r}: allowed values are integers >= 1")
    points = spec.points()
    check_points(spec, points)
    alts = spec.compared()
    # the first World: its build is checked before any run, and when nothing varies it is the
    # World of every run (sent once to each worker)
    if world is None:
        world = alternative_world(alts[0], spec.figures, spec.dem)
    m = manifest(spec, points)
    store = CampaignStore(out_dir, m, identity(m), replace)
    reps = int(m["replications"])
    single = len(points) == 1
    payload = Payload(alts, points, Figures.of(spec.figures), spec.seed_entropy, spec.dem,
                      world if single else None)
    if executor is not None:
        executor = executor(payload)
    else:
        executor = SerialExecutor(payload) if workers == 1 else LocalExecutor(payload, workers)
    start = time.perf_counter()
    runs = store.runs()
    values: dict[str, tuple[int, float]] = ({} if runs.empty else dict(zip(
        runs["run_key"], zip(runs["alternative"], runs[STOP_METRIC].astype(float), strict=True),
        strict=True)))
    planned: list[str] = []
    try:
        for pairs in _rounds(spec, len(points), reps):
            keys = [run_key(store.hash, p, r) for p, r in pairs]
            planned += keys
            todo = [RunTask(k, p, r) for k, (p, r) in zip(keys, pairs, strict=True)
                    if k not in values]
            batch: list[Finished] = []
            oldest = 0.0
            for finished in executor.run(todo):
                if not batch:
                    oldest = time.perf_counter()
                batch.append(finished)
                if len(batch) >= COMMIT_RUNS or time.perf_counter() - oldest > COMMIT_WAIT_S:
                    _commit(store, batch, values)
                    batch = []
                    _report(progress, planned, start, values)
            if batch:
                _commit(store, batch, values)
            _report(progress, planned, start, values)
            # the rule sees the runs of the rounds so far only, as an uninterrupted campaign
            done, widest = _widest(planned, values)
            if (spec.target_halfwidth is not None and done >= spec.min_runs * len(alts)
                    and widest is not None and widest.halfwidth <= spec.target_halfwidth):
                break
    finally:
        executor.close()
    return store


def _commit(store: CampaignStore, batch: list[Finished],
            values: dict[str, tuple[int, float]]) -> None:
    for f in batch:
        if f.provenance is not None:  # before the run is committed: a resumed campaign has it
            write_text_atomic(store.directory / PROVENANCE,
                              json.dumps(f.provenance, indent=1, sort_keys=True) + "\n")
    store.commit([f.row for f in batch], [f.timing for f in batch])
    for f in batch:
        values.setdefault(f.row["run_key"], (int(f.row["alternative"]),
                                             float(f.row[STOP_METRIC])))


def _report(progress, planned: list[str], start: float,
            values: dict[str, tuple[int, float]]) -> None:
    if progress is not None:
        done, widest = _widest(planned, values)
        progress(Progress(done, len(planned), time.perf_counter() - start, widest))
