"""The Dask executor equals the serial one, row for row and bit for bit, on one and two worker
processes, with batches, and when a worker process is killed mid-campaign (Dask reschedules its
tasks; with one worker the scattered campaign data is lost and sent again); a worker that dies
too often and a scheduler that does not answer give clear errors."""

from __future__ import annotations

import os
import signal
import time

import dask
import distributed
import pytest

from iadsim.campaigns.dask import DaskExecutor
from iadsim.campaigns.executor import (
    Payload,
    RunTask,
    SerialExecutor,
)
from iadsim.campaigns.store import row_digest
from iadsim.errors import IadsimError, InputError
from campaign_scenario import one_point_payload

TASKS = [RunTask(f"k{r}", 0, r) for r in range(3)]
# the scheduler's HTTP server takes another port when a second cluster runs
pytestmark = pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning")


def _payload() -> Payload:
    """Replications of one point, its World included (as the runner sends it: workers do not
    build it)."""
    return one_point_payload(with_world=True)


@pytest.fixture(scope="module")
def payload():
    return _payload()


@pytest.fixture(scope="module")
def serial(payload):
    return {f.task.run_key: row_digest(f.row) for f in SerialExecutor(payload).run(TASKS)}


def _cluster(n: int):
    cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster, set_as_default=False)
    try:
        yield cluster, client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def one():
    yield from _cluster(1)


@pytest.fixture(scope="module")
def two():
    yield from _cluster(2)


def _run(ex: DaskExecutor, kill: bool = False) -> dict:
    """Every run's Finished by key (each key once); with ``kill``, SIGKILL a worker process
    that has one of the tasks after the first result."""
    old = set(ex._client.nthreads())  # workers up before the campaign began
    got: dict = {}
    try:
        for finished in ex.run(TASKS):
            assert finished.task.run_key not in got
            assert len(ex._flying) <= ex.window
            got[finished.task.run_key] = finished
            if kill and len(got) == 1:
                _kill_a_worker(ex._client, old)
    finally:
        ex.close()
    return got


def _digests(got: dict) -> dict:
    return {k: row_digest(f.row) for k, f in got.items()}


def _kill_a_worker(client, old: set[str]) -> None:
    """SIGKILL a worker process that has one of our tasks (running or assigned); the nanny then
    starts a new one. Only a worker up before the campaign: killing one that has just
    registered can leave its nanny without a worker (a race in the nanny's restart)."""
    start = time.monotonic()
    while time.monotonic() - start < 30:
        busy = [w for w, keys in client.processing().items()
                if w in old and any(str(k).startswith("iadsim-runs") for k in keys)]
        if busy:
            os.kill(client.run(os.getpid, workers=busy[:1])[busy[0]], signal.SIGKILL)
            return
        time.sleep(0.01)
    raise AssertionError("no worker had a task to kill")


def _ready(client, n: int):
    """The client, once ``n`` workers are up (a worker killed by an earlier test restarts)."""
    client.wait_for_workers(n, timeout=60)
    return client


@pytest.mark.parametrize("cluster", ["one", "two"])
def test_equals_the_serial_executor_on_one_and_two_workers(cluster, payload, serial, request):
    n = {"one": 1, "two": 2}[cluster]
    client = _ready(request.getfixturevalue(cluster)[1], n)
    ex = DaskExecutor(payload, client)
    assert ex.workers == n
    got = _run(ex)
    assert _digests(got) == serial
    assert all(f.timing["worker"].startswith("tcp://") for f in got.values())
    assert client.status == "running"  # a client given is left open


def test_batches_run_fewer_dask_tasks_with_the_same_rows(two, payload, serial):
    cluster, client = two
    _ready(client, 2)
    ex = DaskExecutor(payload, cluster.scheduler_address, batch_size=2)  # opens its own client
    with distributed.get_task_stream(client=client) as stream:
        got = _run(ex)
    assert _digests(got) == serial
    keys = {t["key"] for t in stream.data if str(t["key"]).startswith("iadsim-runs")}
    assert len(keys) == 2  # 3 runs in batches of 2
    assert ex._client.status == "closed"


def test_a_worker_that_dies_too_often_names_the_runs(two, payload):
    cluster, client = two
    _ready(client, 2)
    cluster.scheduler.allowed_failures = 0  # the first death of a task's worker is one too many
    try:
        with pytest.raises(IadsimError, match=r"runs k\d.*died too often.*same command to resume"):
            _run(DaskExecutor(payload, client), kill=True)
    finally:
        cluster.scheduler.allowed_failures = dask.config.get(
            "distributed.scheduler.allowed-failures")


@pytest.mark.parametrize("cluster", ["one", "two"])
def test_a_killed_worker_process_loses_and_duplicates_nothing(cluster, payload, serial, request):
    """With one worker the scattered payload dies with it: it is sent again to the new one."""
    client = _ready(request.getfixturevalue(cluster)[1], {"one": 1, "two": 2}[cluster])
    got = _run(DaskExecutor(payload, client), kill=True)
    assert _digests(got) == serial
    if cluster == "one":  # the runs in flight were cancelled with the payload and sent again
        assert max(f.task.attempt for f in got.values()) == 2


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "localhost:8786", "http://x:1"])
def test_a_scheduler_that_does_not_answer_is_an_input_error(payload, address):
    with pytest.raises(InputError) as info:
        DaskExecutor(payload, address, timeout_s=1.0)
    message = str(info.value)
    assert address in message and "tcp://HOST:PORT" in message
    assert "Traceback" not in message and "\n" not in message


def test_bad_options_are_input_errors_before_connecting(payload):
    for kwargs in ({"batch_size": 0}, {"window": 0}, {"max_tries": True}):
        with pytest.raises(InputError, match="allowed values are integers >= 1"):
            DaskExecutor(payload, "tcp://127.0.0.1:1", **kwargs)


def test_a_worker_process_keeps_one_worker_per_campaign_and_checks_the_version(payload):
    from iadsim.campaigns import dask as module

    module._run_batch(payload, "a", module.__version__, ())
    first = module._WORKERS["a"]
    module._run_batch(payload, "a", module.__version__, ())
    assert module._WORKERS["a"] is first  # reused across batches
    for token in "bcd":
        module._run_batch(payload, token, module.__version__, ())
    assert list(module._WORKERS) == ["c", "d"]  # the most recent campaigns only
    with pytest.raises(IadsimError, match="a Dask worker runs iadsim .* the coordinator 0.0.0"):
        module._run_batch(payload, "a", "0.0.0", ())
