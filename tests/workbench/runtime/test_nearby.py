"""Quick work made by the process that committed it (workbench/runtime/nearby.py).

A thread with a budget makes the work itself, after its step committed; otherwise the
process's pool takes it while it has room; otherwise, and for work that raises, the broker
does. Through the served API, a Task calling a workbench function ends inside StartExecution.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.db import connections, transaction

from tests.support.inprocess import Broker, keeping_sends
from tests.workbench.awsapi.test_fastpath import _call, _Inner, _scope
from workbench.awsapi import fastpath
from workbench.celery import durable_task
from workbench.runtime import nearby, queue
from workbench.stepfunctions.models import Execution, PendingTask

CALLED: list[tuple[str, Any]] = []
"""(thread name, argument) of each run of the test tasks below."""
RELEASE = threading.Event()


@durable_task("tests.nearby.record")
def record(value: Any) -> None:
    CALLED.append((threading.current_thread().name, value))


@durable_task("tests.nearby.fail")
def fail(value: Any) -> None:
    raise RuntimeError(f"failing on {value}")


@durable_task("tests.nearby.read")
def read(value: Any) -> None:
    Execution.objects.exists()
    CALLED.append((threading.current_thread().name, value))


@durable_task("tests.nearby.hold")
def hold(value: Any) -> None:
    RELEASE.wait(10)
    CALLED.append((threading.current_thread().name, value))


@pytest.fixture
def broker() -> Iterator[Broker]:
    """Keeps what is sent to Celery, with this process's quick work left on (unlike the shared
    ``broker`` fixture, which turns it off)."""
    with keeping_sends() as kept:
        yield kept


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    """Each test a pool of its own (the test process keeps none: tests/conftest.py)."""
    CALLED.clear()
    RELEASE.clear()
    own = nearby.Pool(threads=2, backlog=8, calls=4)
    with mock.patch.object(nearby, "_process_pool", return_value=own):
        yield
    RELEASE.set()
    own.shutdown()


def _settled(count: int) -> None:
    for _ in range(200):
        if len(CALLED) >= count:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"{len(CALLED)} of {count} runs happened")


def test_a_budget_makes_that_many_here_and_the_pool_takes_the_rest(broker: Broker) -> None:
    here = threading.current_thread().name
    with nearby.budget(2):
        for value in range(3):
            queue.enqueue("tests.nearby.record", value, nearby="now")
        assert [value for thread, value in CALLED if thread == here] == [0, 1]  # before enqueue returned
    _settled(3)
    [(pool_thread, value)] = [(thread, value) for thread, value in CALLED if thread != here]
    assert pool_thread.startswith("nearby") and value == 2
    assert broker.sent == []


def test_soon_goes_to_the_pool_even_with_budget(broker: Broker) -> None:
    with nearby.budget(5):
        queue.enqueue("tests.nearby.record", "soon", nearby="soon")
    _settled(1)
    assert CALLED[0][0].startswith("nearby") and broker.sent == []


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_work_waits_for_the_pool(broker: Broker) -> None:
    with nearby.budget(5), transaction.atomic():
        queue.enqueue("tests.nearby.record", "in a transaction", nearby="now")
        here = [value for thread, value in CALLED if thread == threading.current_thread().name]
    _settled(1)
    assert here == [] and CALLED[0][0].startswith("nearby")


def test_work_that_raises_goes_to_the_broker(broker: Broker) -> None:
    with nearby.budget(1):
        queue.enqueue("tests.nearby.fail", 7, nearby="now")
    assert broker.sent == [("tests.nearby.fail", (7,), None)]


def test_a_full_pool_leaves_the_work_to_the_broker(broker: Broker) -> None:
    small = nearby.Pool(threads=1, backlog=2, calls=0)
    with mock.patch.object(nearby, "_process_pool", return_value=small):
        for value in range(3):
            queue.enqueue("tests.nearby.hold", value, nearby="now")
        assert broker.sent == [("tests.nearby.hold", (2,), None)]
        RELEASE.set()
        _settled(2)
    assert sorted(value for _, value in CALLED) == [0, 1]


def test_gathered_work_waiting_for_a_thread_is_made_together_up_to_the_limit(broker: Broker) -> None:
    single = nearby.Pool(threads=1, backlog=8, calls=0)
    gathered = {"tests.nearby.record": 5}
    with (
        mock.patch.object(nearby, "_process_pool", return_value=single),
        mock.patch.dict(queue.GATHERED, gathered),
    ):
        queue.enqueue("tests.nearby.hold", "busy", nearby="soon")  # the one thread is taken
        for ids in ([1, 2], [3], [4, 5], [6], [7, 8, 9, 10, 11, 12]):
            queue.enqueue("tests.nearby.record", ids, nearby="soon")
        RELEASE.set()
        _settled(4)
        # A job that began takes no more: what comes next waits for a job of its own.
        queue.enqueue("tests.nearby.record", [13], nearby="soon")
        _settled(5)
    single.shutdown()
    assert [value for _, value in CALLED] == ["busy", [1, 2, 3, 4, 5], [6], [7, 8, 9, 10, 11, 12], [13]]
    assert broker.sent == []


@durable_task("tests.nearby.gate")
def gate(ids: list[int]) -> None:
    CALLED.append((threading.current_thread().name, (ids, nearby.in_lane())))
    if ids == [1]:
        RELEASE.wait(10)


def test_a_gathered_task_runs_one_job_at_a_time_and_later_offers_gather_behind_it(broker: Broker) -> None:
    """A thread is free, yet the offers made while the task's job runs wait behind it, as one
    job; other work takes the free thread meanwhile."""
    with mock.patch.dict(queue.GATHERED, {"tests.nearby.gate": 10}):
        queue.enqueue("tests.nearby.gate", [1], nearby="soon")
        _settled(1)
        queue.enqueue("tests.nearby.gate", [2], nearby="soon")
        queue.enqueue("tests.nearby.gate", [3, 4], nearby="soon")
        queue.enqueue("tests.nearby.record", "beside", nearby="soon")
        _settled(2)
        assert CALLED[1][1] == "beside"  # the lane's next job has not begun
        RELEASE.set()
        _settled(3)
    assert [value for _, value in CALLED] == [([1], True), "beside", ([2, 3, 4], True)]
    assert CALLED[0][0] == CALLED[2][0] != CALLED[1][0]  # one lane thread; the other one free
    assert not nearby.in_lane() and broker.sent == []


def test_a_busy_lane_leaves_other_work_its_turn_on_one_thread(broker: Broker) -> None:
    """The lane's next job queues behind work offered before it, so a steady stream of batches
    does not starve the pool's other work."""
    single = nearby.Pool(threads=1, backlog=8, calls=0)
    with (
        mock.patch.object(nearby, "_process_pool", return_value=single),
        mock.patch.dict(queue.GATHERED, {"tests.nearby.gate": 10}),
    ):
        queue.enqueue("tests.nearby.gate", [1], nearby="soon")
        _settled(1)
        queue.enqueue("tests.nearby.gate", [2], nearby="soon")
        queue.enqueue("tests.nearby.record", "other work", nearby="soon")
        RELEASE.set()
        _settled(3)
    single.shutdown()
    assert [value for _, value in CALLED] == [([1], True), "other work", ([2], True)]


def test_without_nearby_or_with_an_eta_the_broker_takes_it(broker: Broker) -> None:
    with nearby.budget(5):
        queue.enqueue("tests.nearby.record", 1)
        queue.enqueue("tests.nearby.unknown", 2, nearby="now")  # no function registered here
    assert CALLED == []
    assert broker.names() == ["tests.nearby.record", "tests.nearby.unknown"]


@pytest.fixture
def app() -> Iterator[fastpath.FastAPI]:
    """The AWS API's fast path with one pool thread, whose connection is closed at the end (the
    process's connection pool is small: a thread left holding one would starve later tests)."""
    served = fastpath.FastAPI(_Inner(), threads=1)
    yield served
    served.pool.submit(connections.close_all).result()
    served.pool.shutdown()


def _api(app: fastpath.FastAPI, target: str, body: dict[str, Any]) -> dict[str, Any]:
    status, _, content = _call(app, _scope(target=f"AWSStepFunctions.{target}"), json.dumps(body).encode())
    assert status == 200, content
    answer: dict[str, Any] = json.loads(content)
    return answer


def _function_machine(app: fastpath.FastAPI) -> str:
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
                "End": True,
            }
        },
    }
    created = _api(
        app,
        "CreateStateMachine",
        {"name": "near", "definition": json.dumps(definition), "roleArn": "arn:aws:iam::123456789012:role/r"},
    )
    return str(created["stateMachineArn"])


@pytest.mark.django_db(transaction=True)
def test_a_task_calling_a_function_ends_inside_start_execution(broker: Broker, app: fastpath.FastAPI) -> None:
    machine_arn = _function_machine(app)
    started = _api(app, "StartExecution", {"stateMachineArn": machine_arn, "input": '{"n": 1}'})
    execution = Execution.objects.get(name=started["executionArn"].rsplit(":", 1)[1])
    assert execution.status == Execution.SUCCEEDED and json.loads(execution.output or "") == {"n": 1}
    assert broker.sent == []


@pytest.mark.django_db(transaction=True)
def test_with_no_budget_the_call_is_left_to_a_worker(
    broker: Broker, settings: Any, app: fastpath.FastAPI
) -> None:
    settings.STEPBRIDGE_NEARBY_CALLS = 0
    with mock.patch.object(nearby, "_process_pool", return_value=None):
        machine_arn = _function_machine(app)
        started = _api(app, "StartExecution", {"stateMachineArn": machine_arn, "input": "{}"})
    execution = Execution.objects.get(name=started["executionArn"].rsplit(":", 1)[1])
    assert execution.status == Execution.RUNNING and PendingTask.objects.filter(execution=execution).exists()
    assert broker.names() == [queue.INVOKE_TASK]
    broker.drain()
    execution.refresh_from_db()
    assert execution.status == Execution.SUCCEEDED


@pytest.mark.django_db
def test_a_job_gives_back_a_pooled_connection_and_keeps_a_sqlite_one(broker: Broker) -> None:
    """PostgreSQL's connections come from a small pool per process: a job hands its back. A
    SQLite connection is the thread's own file handle: reopening it per job cost CPU."""
    single = nearby.Pool(threads=1, backlog=8, calls=4)
    try:
        with mock.patch.object(nearby, "_process_pool", return_value=single):
            queue.enqueue("tests.nearby.read", 1, nearby="soon")
            _settled(1)
        kept = single._executor.submit(lambda: connections["default"].connection is not None).result()
        assert kept == (connections["default"].vendor == "sqlite")
    finally:
        single._executor.submit(connections.close_all).result()
        single.shutdown()
