"""The Dask executor equals the serial one, row for row and bit for bit, on one and two worker
processes, with batches, and when a worker process is killed mid-campaign (Dask reschedules its
tasks; with one worker the scattered campaign data is lost and sent again); a worker that dies
too often and a scheduler that does not answer give clear errors."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

import iadsim.campaigns.executor as executor  # noqa: E402
from iadsim.campaigns.dask import DaskExecutor  # noqa: E402
from iadsim.campaigns.executor import RunTask, SerialExecutor  # noqa: E402
from iadsim.campaigns.store import row_digest  # noqa: E402
from iadsim.engine.engagement import EngagementConfig  # noqa: E402
from iadsim.errors import IadsimError, InputError  # noqa: E402
from iadsim.scenario.figures import Figures  # noqa: E402
from iadsim.scenario.load import load_scenario_text  # noqa: E402
from iadsim.scenario.world import build  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_TEXT = ((ROOT / "src" / "iadsim" / "examples" / "minimal.yaml").read_text()
                 + (ROOT / "tests" / "reference" / "campaign_raid.yaml").read_text())
TASKS = [RunTask(f"k{r}", 0, r) for r in range(3)]
# the scheduler's HTTP server takes another port when a second cluster runs
pytestmark = pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning")


def _payload() -> executor.Payload:
    """Replications of one point, its World included (as the runner sends it: workers do not
    build it)."""
    sc = load_scenario_text(SCENARIO_TEXT, path="campaign_raid.yaml")
    world = build(sc, "nominal")
    if hasattr(executor, "Alternative"):  # the payload of alternatives and design points
        return executor.Payload((executor.Alternative(sc, EngagementConfig()),),
                                (executor.DesignPoint(0, 0, {}, 0),), Figures.of("nominal"),
                                sc.seed, world=world)
    return executor.Payload(sc, Figures.of("nominal"), ({},), sc.seed, EngagementConfig(),
                            world=world)


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


def _run(ex: DaskExecutor, kill=None) -> dict:
    """Every run's Finished by key (each key once); ``kill(ex)`` after the first result."""
    got: dict = {}
    try:
        for finished in ex.run(TASKS):
            assert finished.task.run_key not in got
            assert len(ex._flying) <= ex.window
            got[finished.task.run_key] = finished
            if kill is not None and len(got) == 1:
                kill(ex)
    finally:
        ex.close()
    return got


def _digests(got: dict) -> dict:
    return {k: row_digest(f.row) for k, f in got.items()}


def _kill_a_worker(ex: DaskExecutor) -> None:
    pid = sorted(ex._client.run(os.getpid).values())[0]
    os.kill(pid, signal.SIGKILL)  # the nanny starts a new worker process


@pytest.mark.parametrize("cluster", ["one", "two"])
def test_equals_the_serial_executor_on_one_and_two_workers(cluster, payload, serial, request):
    _, client = request.getfixturevalue(cluster)
    ex = DaskExecutor(payload, client)
    assert ex.workers == {"one": 1, "two": 2}[cluster]
    got = _run(ex)
    assert _digests(got) == serial
    assert all(f.timing["worker"].startswith("tcp://") for f in got.values())
    assert client.status == "running"  # a client given is left open


def test_batches_run_fewer_dask_tasks_with_the_same_rows(two, payload, serial):
    cluster, client = two
    ex = DaskExecutor(payload, cluster.scheduler_address, batch_size=2)  # opens its own client
    with distributed.get_task_stream(client=client) as stream:
        got = _run(ex)
    assert _digests(got) == serial
    keys = {t["key"] for t in stream.data if str(t["key"]).startswith("iadsim-runs")}
    assert len(keys) == 2  # 3 runs in batches of 2
    assert ex._client.status == "closed"


def test_a_worker_that_dies_too_often_names_the_runs(two, payload):
    cluster, client = two
    cluster.scheduler.allowed_failures = 0  # the first death of a task's worker is one too many
    try:
        with pytest.raises(IadsimError, match=r"runs k\d.*died too often.*same command to resume"):
            _run(DaskExecutor(payload, client), kill=_kill_a_worker)
    finally:
        cluster.scheduler.allowed_failures = distributed.config.get(
            "distributed.scheduler.allowed-failures")


@pytest.mark.parametrize("cluster", ["two", "one"])
def test_a_killed_worker_process_loses_and_duplicates_nothing(cluster, payload, serial, request):
    _, client = request.getfixturevalue(cluster)
    got = _run(DaskExecutor(payload, client), kill=_kill_a_worker)
    assert _digests(got) == serial


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "localhost:8786", "http://x:1"])
def test_a_scheduler_that_does_not_answer_is_an_input_error(payload, address):
    with pytest.raises(InputError) as info:
        DaskExecutor(payload, address, timeout_s=1.0)
    message = str(info.value)
    assert address in message and "tcp://HOST:PORT" in message
    assert "Traceback" not in message and "\n" not in message
