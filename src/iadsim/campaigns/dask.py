"""Run a campaign's tasks on a Dask distributed cluster (:class:`DaskExecutor`).

The same protocol as :mod:`iadsim.campaigns.executor` (``workers``, ``run(tasks)`` yielding each
task's :class:`~iadsim.campaigns.executor.Finished` once in any order, ``close()``), on any
cluster Dask reaches: ``dask scheduler`` / ``dask worker`` by hand, ``dask-jobqueue`` (SLURM, PBS,
LSF), ``dask-kubernetes``, or a ``LocalCluster``.

How it runs:

- The :class:`~iadsim.campaigns.executor.Payload` (scenario, figures, perhaps a ~50 MB World) is
  scattered once to every worker (``broadcast=True, hash=False``) and every Dask task references
  that future, so the graph sent per task stays small (distributed#8814: "Sending large graph").
- A Dask task runs ``batch_size`` runs (consecutive tasks: they mostly share a design point),
  with at most ``window`` Dask tasks in flight; results come back through ``as_completed``.
- Each worker process keeps one :class:`~iadsim.campaigns.executor.Worker` per campaign (a
  module-level cache keyed by a token of the executor), so the World of a design point is built
  once per process and reused across batches.
- ``pure=False`` and a unique key per submission: Dask's default ``pure=True`` deduplicates calls
  with equal arguments (distributed#2015), which must never merge two runs or a resubmission with
  the call it replaces.

When things fail (Dask's "Resilience" page):

- A worker that dies: Dask reschedules its tasks on the other workers; a task whose workers died
  more than ``distributed.scheduler.allowed-failures`` times (default 3) raises ``KilledWorker``,
  turned here into an :class:`~iadsim.errors.IadsimError` naming the batch's run keys. Finished
  runs are in the store, so the same command resumes.
- Scattered data has no lineage: if every worker holding the payload dies (one worker; or the
  Active Memory Manager's ``ReduceReplicas`` left one replica) Dask cancels the tasks that need
  it. The payload is then scattered again and those batches resubmitted, up to ``max_tries``
  times each.
- A task may run twice (distributed#1305, #847): a run is a pure function of its key, the store
  counts a key once, and :meth:`DaskExecutor.run` yields each key once.
- The scheduler keeps no records across its own death; losing it raises
  :class:`~iadsim.errors.IadsimError` (resume with the same command on a new scheduler).
- An exception raised by a run propagates as it is (Dask re-raises it with its traceback).
- Numba: nothing compiled is pickled; workers import iadsim and load the ``cache=True`` kernels
  (numba#3026, distributed#7929 concern functions sent to workers). The first batch on each
  worker process is slower (imports, kernel cache, World build).

Threads: a Dask worker with several threads shares one ``Worker`` and its one-World cache
between them; ``dask worker --nthreads 1 --nworkers N`` (processes) suits these CPU-bound runs.

References
----------
.. [1] Dask documentation, "Futures", https://docs.dask.org/en/stable/futures.html
   (``submit``, ``pure``, ``scatter``, ``as_completed``).
.. [2] Dask distributed documentation, "Resilience",
   https://distributed.dask.org/en/stable/resilience.html, and "Why did my worker die?",
   https://distributed.dask.org/en/stable/killed.html (``allowed-failures``, ``KilledWorker``).
.. [3] dask/distributed issues #2015 (``pure`` default), #1305 and #847 (a task may run twice),
   #8814 (large graphs), #7929 (numba functions and pickling).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from concurrent.futures import CancelledError
from dataclasses import replace

import distributed
from distributed import Client, Future, KilledWorker, as_completed

from iadsim.campaigns.executor import Finished, Payload, RunTask, Worker
from iadsim.errors import IadsimError, InputError
from iadsim.version import __version__

__all__ = ["DaskExecutor", "CONNECT_TIMEOUT_S", "SCATTER_TIMEOUT_S"]

#: Seconds to wait for the scheduler when connecting to an address.
CONNECT_TIMEOUT_S = 10.0
#: Seconds to wait for the payload to reach the workers (or for a first worker to join).
SCATTER_TIMEOUT_S = 120.0
#: Address forms accepted (Dask's network protocols; ``tcp`` is the usual one).
_ADDRESS = re.compile(r"(tcp|tls|ws|wss)://[^\s/]+:\d+/?")
_ALLOWED = "tcp://HOST:PORT (or tls://, ws://, wss://) of a running `dask scheduler`"


class DaskExecutor:
    """Runs campaign tasks on a Dask distributed cluster.

    Parameters
    ----------
    payload : Payload
        What every run needs; scattered once to the workers on the first :meth:`run`.
    scheduler : str or distributed.Client
        The scheduler's address (``tcp://HOST:PORT``: the executor opens a client and closes it
        in :meth:`close`), or a client to use (left open).
    batch_size : int
        Runs per Dask task (more: less scheduling overhead per run, coarser load balance).
    window : int, optional
        Most Dask tasks in flight (default: twice ``workers``, at least 2).
    timeout_s : float
        Seconds to wait for the scheduler at ``scheduler``.
    max_tries : int
        Submissions of one batch whose Dask task was cancelled because the scattered payload
        was lost (each time scattered again). Worker deaths are counted by Dask itself.

    Attributes
    ----------
    workers : int
        Worker threads on the cluster when the executor connected.

    Raises
    ------
    InputError
        A bad option, or no scheduler answering at ``scheduler`` within ``timeout_s``.

    Examples
    --------
    >>> from functools import partial
    >>> make = partial(DaskExecutor, scheduler="tcp://10.0.0.5:8786", batch_size=4)
    >>> # run_campaign(..., executor=make(payload))  # doctest: +SKIP
    """

    def __init__(self, payload: Payload, scheduler: str | Client, batch_size: int = 1,
                 window: int | None = None, timeout_s: float = CONNECT_TIMEOUT_S,
                 max_tries: int = 3):
        for what, v in (("batch_size", batch_size), ("window", window), ("max_tries", max_tries)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise InputError(f"--{what.replace('_', '-')} {v!r}: allowed values are "
                                 "integers >= 1")
        self.payload = payload
        self.batch_size = batch_size
        self.max_tries = max_tries
        self._client, self._own, self.address = _connect(scheduler, timeout_s)
        self.workers = sum(self._client.nthreads().values())
        self.window = window or 2 * max(1, self.workers)
        self._token = uuid.uuid4().hex  # names this campaign's Worker in each worker process
        self._seq = itertools.count()
        self._payload: Future | None = None
        self._scatters = 0  # payload generation: a cancelled task of the current one lost it
        #: Dask key -> (future, batch, tries, payload generation it was submitted with)
        self._flying: dict[str, tuple[Future, tuple[RunTask, ...], int, int]] = {}

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, tasks: Iterable[RunTask]) -> Iterator[Finished]:
        """Execute ``tasks``; yields each task's :class:`Finished` once, in completion order.

        Raises
        ------
        IadsimError
            A batch whose workers died too often (``KilledWorker``; its run keys named), the
            scattered payload lost ``max_tries`` times, or the scheduler lost.
        """
        batches = _batches(tasks, self.batch_size)
        retry: list[tuple[tuple[RunTask, ...], int]] = []
        yielded: set[str] = set()
        done = as_completed(loop=self._client.loop)
        try:
            while True:
                while len(self._flying) < self.window:
                    item = retry.pop() if retry else next(batches, None)
                    if item is None:
                        break
                    done.add(self._submit(*item))
                if not self._flying:
                    return
                fut = next(done)
                _, batch, tries, generation = self._flying.pop(fut.key)
                try:
                    # waits again if the result was lost with its worker (Dask recomputes it);
                    # raises a run's own exception as it is, with its remote traceback
                    results: list[Finished] = fut.result()
                except CancelledError:
                    again = self._resubmittable(batch, tries)
                    retry.append((tuple(replace(t, attempt=t.attempt + 1) for t in batch), again))
                    if generation == self._scatters:  # the payload was lost: send it again
                        self._release_payload()
                    continue
                except KilledWorker:
                    raise IadsimError(f"runs {_keys(batch)}: the Dask workers running them died "
                                      "too often (distributed.scheduler.allowed-failures); the "
                                      "finished runs are kept, run the same command to resume"
                                      ) from None
                fut.release()
                for finished in results:
                    if finished.task.run_key not in yielded:
                        yielded.add(finished.task.run_key)
                        yield finished
        finally:
            self._cancel()

    def _submit(self, batch: tuple[RunTask, ...], tries: int) -> Future:
        if self._payload is None:
            self._scatter()
        key = f"iadsim-runs-{self._token[:8]}-{next(self._seq)}"
        fut = self._client.submit(_run_batch, self._payload, self._token, __version__, batch,
                                  key=key, pure=False)
        self._flying[fut.key] = (fut, batch, tries, self._scatters)
        return fut

    def _scatter(self) -> None:
        try:
            self._payload = self._client.scatter(self.payload, broadcast=True, hash=False,
                                                 timeout=SCATTER_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise IadsimError(f"Dask scheduler {self.address}: could not send the campaign to "
                              f"the workers within {SCATTER_TIMEOUT_S:g} s ({exc}); the finished "
                              "runs are kept, run the same command to resume") from None
        self._scatters += 1

    def _release_payload(self) -> None:
        if self._payload is not None:
            if self._client.status == "running":
                self._payload.release()
            self._payload = None

    def _resubmittable(self, batch: tuple[RunTask, ...], tries: int) -> int:
        """A cancelled batch: the scheduler is gone (error) or the payload was lost with the
        workers holding it (scattered again on the next submission): one more try."""
        if self._client.status != "running":
            raise IadsimError(f"lost the Dask scheduler {self.address} (runs {_keys(batch)} "
                              "were in flight); the finished runs are kept, run the same "
                              "command to resume")
        if tries >= self.max_tries:
            raise IadsimError(f"runs {_keys(batch)}: their Dask task was cancelled {tries} "
                              "times (the workers holding the campaign's data died); the "
                              "finished runs are kept, run the same command to resume")
        return tries + 1

    def _cancel(self) -> None:
        futures = [entry[0] for entry in self._flying.values()]
        self._flying.clear()
        if futures and self._client.status == "running":
            with contextlib.suppress(OSError, TimeoutError):
                self._client.cancel(futures)

    def close(self) -> None:
        """Cancel the tasks in flight, release the scattered payload and close the client if
        this executor opened it. Idempotent."""
        self._cancel()
        self._release_payload()
        if self._own and self._client.status not in ("closing", "closed"):
            self._client.close()


def _connect(scheduler: str | Client, timeout_s: float) -> tuple[Client, bool, str]:
    """The client (and whether we opened it, and the scheduler's address)."""
    if isinstance(scheduler, Client):
        if scheduler.asynchronous:
            raise InputError("--scheduler: an asynchronous Dask client is not supported; "
                             "allowed: a synchronous distributed.Client or an address "
                             f"{_ALLOWED}")
        if scheduler.status != "running":
            raise InputError(f"--scheduler: the Dask client given is {scheduler.status}; "
                             "allowed: a running distributed.Client")
        return scheduler, False, str(scheduler.scheduler.address)
    if not isinstance(scheduler, str) or not _ADDRESS.fullmatch(scheduler.strip()):
        raise InputError(f"--scheduler {scheduler!r}: not a Dask scheduler address; allowed: "
                         f"{_ALLOWED}")
    address = scheduler.strip()
    try:
        client = Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError):
        raise InputError(f"--scheduler {address}: no Dask scheduler answered within "
                         f"{timeout_s:g} s; allowed: {_ALLOWED} (is it running, and is the port "
                         "reachable from here?)") from None
    return client, True, address


def _batches(tasks: Iterable[RunTask], size: int) -> Iterator[tuple[tuple[RunTask, ...], int]]:
    """Consecutive tasks in batches of ``size``, each with its try count (1)."""
    it = iter(tasks)
    while batch := tuple(itertools.islice(it, size)):
        yield batch, 1


def _keys(batch: tuple[RunTask, ...]) -> str:
    return ", ".join(t.run_key for t in batch)


# -- on the Dask workers ------------------------------------------------------------------------

#: One :class:`Worker` per campaign token in this process (the most recent few: a long-lived
#: worker serving campaign after campaign does not keep their Worlds alive).
_WORKERS: OrderedDict[str, Worker] = OrderedDict()
_KEEP = 2
_LOCK = threading.Lock()


def _run_batch(payload: Payload, token: str, version: str,
               batch: tuple[RunTask, ...]) -> list[Finished]:
    """Run ``batch`` on a Dask worker with this process's Worker of campaign ``token``."""
    if version != __version__:
        raise IadsimError(f"a Dask worker runs iadsim {__version__}, the coordinator {version}; "
                          "allowed: the same iadsim on every worker")
    with _LOCK:
        worker = _WORKERS.pop(token, None) or Worker(payload)
        _WORKERS[token] = worker
        while len(_WORKERS) > _KEEP:
            _WORKERS.popitem(last=False)
    try:
        where = distributed.get_worker().address
    except ValueError:  # called outside a Dask worker
        where = str(os.getpid())
    return [replace(f, timing={**f.timing, "worker": where}) for f in map(worker.run, batch)]
