"""Where a campaign's runs execute: in this process, in a local process pool, or on Dask.

Every executor takes tasks (:class:`RunTask`: a run's key, design point and replication) and
yields their finished rows in whatever order they finish; none writes the store (the one writer
is the coordinator, :mod:`iadsim.campaigns.runner`). A run is a pure function of its key: the
worker builds the World of the design point (cached while consecutive tasks share it) and runs it
with the key's seed, so a task executed twice -- a retry after a dead worker, a resumed campaign --
returns the same bytes, and the store counts it once.

- :class:`SerialExecutor`: in this process (one worker; also the reference the others equal).
- :class:`LocalExecutor`: a ``spawn`` process pool (:class:`concurrent.futures.ProcessPoolExecutor`)
  with a bounded window of tasks in flight; a worker that dies breaks the pool, which is
  restarted and the tasks in flight resubmitted, each at most ``max_tries`` times (the pool itself
  never retries; NASA Trick's Monte Carlo master does the same with ``mc_set_max_tries``).

References
----------
.. [1] NASA Trick Monte Carlo guide, https://nasa.github.io/trick/documentation/simulation_capabilities/MonteCarlo
.. [2] Python docs, ``concurrent.futures.ProcessPoolExecutor`` and ``BrokenProcessPool``.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import numpy as np

from iadsim.campaigns.design import run_seed
from iadsim.engine.engagement import EngagementConfig, run_engagement
from iadsim.engine.world import World
from iadsim.errors import IadsimError
from iadsim.geo.terrain import Dem
from iadsim.scenario.build import load_terrain
from iadsim.scenario.figures import Figures
from iadsim.scenario.schema import Scenario
from iadsim.scenario.world import LOS_RESOLUTION_M, build

__all__ = ["RunTask", "Alternative", "DesignPoint", "Payload", "Worker", "SerialExecutor",
           "LocalExecutor", "Finished"]


@dataclass(frozen=True)
class RunTask:
    """One run to execute: its ``run_key`` (:func:`iadsim.campaigns.store.run_key`), design
    ``point`` and ``replication``; ``attempt`` counts executions (1 first)."""

    run_key: str
    point: int
    replication: int
    attempt: int = 1


@dataclass(frozen=True)
class Alternative:
    """One of the alternatives a campaign compares: a scenario, its run options, figure
    overrides on top of the campaign's figures, and the ``settings`` that make it (the swept
    values, e.g. ``{"raid.size": 40, "salvo": 1}``: columns of the runs table)."""

    scenario: Scenario
    config: EngagementConfig
    overrides: Mapping[str, float] = field(default_factory=dict)
    settings: Mapping[str, float | int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class DesignPoint:
    """A design point: its ``alternative`` (index), its index ``design_point`` in the design of
    the varied figures and their ``values``, and the seed ``stream``: replication ``r`` of the
    point runs with ``SeedSequence(entropy, spawn_key=(stream, r))``. Alternatives share
    streams (common random numbers); so do the points of a sensitivity design."""

    alternative: int
    design_point: int
    values: Mapping[str, float]
    stream: int


@dataclass(frozen=True)
class Payload:
    """What every worker needs, sent once: the alternatives, the design points, the figures
    every point starts from, the seed entropy, the terrain override (path) and, when it is the
    World of every run, the World built by the coordinator."""

    alternatives: tuple[Alternative, ...]
    points: tuple[DesignPoint, ...]
    figures: Figures
    entropy: int
    dem: str | None = None
    world: World | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Finished:
    """A finished run: its task, its row (key, point, replication, seed entropy, varied
    figures, metrics), how it was executed (wall time, host, worker, attempt) and, for the
    reference run (design point 0, replication 0), the ``provenance`` a report lists: the run's
    assumptions and sources."""

    task: RunTask
    row: dict
    timing: dict
    provenance: dict | None = None


class Worker:
    """Runs tasks of one campaign in one process: builds the World of a design point once
    (cached while consecutive tasks share its alternative and figures), runs it with the
    task's seed."""

    def __init__(self, payload: Payload):
        self.payload = payload
        self._terrain: dict[str, Dem] = {}
        self._world: tuple[tuple, World] | None = None
        if payload.world is not None:  # the World of every run (nothing varies)
            self._world = (self._key(payload.points[0]), payload.world)

    @staticmethod
    def _key(point: DesignPoint) -> tuple:
        return point.alternative, tuple(sorted(point.values.items()))

    def world(self, point: DesignPoint) -> World:
        p = self.payload
        if self._world is not None and (p.world is not None or self._world[0] == self._key(point)):
            return self._world[1]
        alt = p.alternatives[point.alternative]
        terrain_key = alt.scenario.terrain.model_dump_json() if p.dem is None else p.dem
        if terrain_key not in self._terrain:  # loaded once: alternatives mostly share it
            self._terrain[terrain_key] = load_terrain(alt.scenario, p.dem,
                                                      resolution_m=LOS_RESOLUTION_M)
        world = build(alt.scenario, Figures.of(p.figures, {**alt.overrides, **point.values}),
                      self._terrain[terrain_key])
        self._world = (self._key(point), world)
        return world

    def run(self, task: RunTask) -> Finished:
        start = time.perf_counter()
        point = self.payload.points[task.point]
        alt = self.payload.alternatives[point.alternative]
        result = run_engagement(self.world(point), run_seed(self.payload.entropy, point.stream,
                                                            task.replication),
                                alt.config, keep=())
        metrics = result.metrics.iloc[0].to_dict()
        metrics.pop("seed")  # a SeedSequence run has no integer seed: the key columns say it
        row = {"run_key": task.run_key, "point": task.point, "alternative": point.alternative,
               "design_point": point.design_point, "replication": task.replication,
               "seed_entropy": self.payload.entropy, "seed_stream": point.stream,
               **alt.settings, **point.values, **metrics}
        row = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        timing = {"run_key": task.run_key, "attempt": task.attempt,
                  "wall_s": time.perf_counter() - start, "host": socket.gethostname(),
                  "worker": str(os.getpid()),
                  "finished_utc": datetime.now(UTC).isoformat(timespec="seconds")}
        provenance = None
        if task.point == 0 and task.replication == 0:
            provenance = {"assumptions": list(result.summary["assumptions"]),
                          "sources": list(result.summary["provenance"].get("sources", [])),
                          "terrain": result.summary["provenance"].get("terrain", "")}
        return Finished(task, row, timing, provenance)


class SerialExecutor:
    """Runs every task in this process, in order."""

    workers = 1

    def __init__(self, payload: Payload):
        self._worker = Worker(payload)

    def run(self, tasks: Iterable[RunTask]) -> Iterator[Finished]:
        for task in tasks:
            yield self._worker.run(task)

    def close(self) -> None:
        return None


_PROCESS_WORKER: Worker | None = None


def _init_process(payload: Payload) -> None:
    global _PROCESS_WORKER
    _PROCESS_WORKER = Worker(payload)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A pool worker whose coordinator was killed (SIGKILL: no clean-up) exits within a second
    instead of lingering (the pool's workers never learn it otherwise)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _run_in_process(task: RunTask) -> Finished:
    assert _PROCESS_WORKER is not None, "worker process not initialised"
    return _PROCESS_WORKER.run(task)


class LocalExecutor:
    """A local ``spawn`` process pool with at most ``window`` tasks in flight (default twice
    the workers) and ``max_tries`` executions per task when workers die.

    Raises
    ------
    IadsimError
        A task whose worker died ``max_tries`` times (its key named); an exception raised by a
        run propagates as it is.
    """

    def __init__(self, payload: Payload, workers: int, window: int | None = None,
                 max_tries: int = 3):
        self.payload = payload
        self.workers = int(workers)
        self.window = int(window or 2 * self.workers)
        self.max_tries = int(max_tries)
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers,
                                             mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_process,
                                             initargs=(self.payload,))
        return self._pool

    def run(self, tasks: Iterable[RunTask]) -> Iterator[Finished]:
        pending = iter(tasks)
        retry: list[RunTask] = []
        flying: dict[Future, RunTask] = {}
        while True:
            while len(flying) < self.window:
                task = retry.pop() if retry else next(pending, None)
                if task is None:
                    break
                flying[self._start().submit(_run_in_process, task)] = task
            if not flying:
                return
            done, _ = wait(flying, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                task = flying.pop(fut)
                try:
                    finished = fut.result()
                except BrokenProcessPool:
                    broken = True
                    retry.append(self._again(task))
                    continue
                yield finished
            if broken:  # every task still in flight died with the pool: resubmit them
                retry.extend(self._again(t) for t in flying.values())
                flying.clear()
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    def _again(self, task: RunTask) -> RunTask:
        if task.attempt >= self.max_tries:
            raise IadsimError(f"run {task.run_key} (design point {task.point}, replication "
                              f"{task.replication}): its worker died {task.attempt} times; "
                              "the finished runs are kept, run the same command to resume")
        return replace(task, attempt=task.attempt + 1)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

