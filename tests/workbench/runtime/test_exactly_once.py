"""A Celery message delivered twice changes nothing: a task's call is recorded before it is
made and happens once; a step applied twice is applied once (issue 9: exactly once where AWS
promises it, "Standard Workflows ... exactly-once workflow execution")."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.support.inprocess import Broker, claim_pending_task, start

pytestmark = pytest.mark.django_db(transaction=True)

CALL = {
    "StartAt": "Call",
    "States": {"Call": {"Type": "Task", "Resource": "", "End": True}},
}
WAIT = {
    "StartAt": "W",
    "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"}, "P": {"Type": "Pass", "End": True}},
}


def _function_call() -> tuple[Any, Any]:
    from workbench.accounts.services import default_workspace
    from workbench.functions import services as functions

    function = functions.save_mock(default_workspace(), "double", [{"output": {"n": 2}}])
    definition = json.loads(json.dumps(CALL))
    definition["States"]["Call"]["Resource"] = functions.arn_of(function)
    return function, start(definition, input_text='{"n": 1}')


def _history(execution: Any) -> list[tuple[int, str]]:
    return list(execution.history.order_by("event_id").values_list("event_id", "type"))


def test_an_invoke_task_delivered_twice_calls_once_and_steps_once(broker: Broker) -> None:
    from workbench.runtime import queue

    function, execution = _function_call()
    [message] = broker.take(queue.INVOKE_TASK)
    broker.deliver(message)
    broker.deliver(message)  # redelivered (acks_late after a lost acknowledgement)
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED" and json.loads(execution.output) == {"n": 2}
    assert function.invocations.count() == 1
    types = [kind for _, kind in _history(execution)]
    assert types.count("LambdaFunctionSucceeded") == 1 and types.count("ExecutionSucceeded") == 1


def test_a_call_made_but_not_reported_is_reported_from_its_record(broker: Broker) -> None:
    """The worker died after the call committed its outcome and before the step: the
    redelivered message reads the outcome instead of calling again."""
    from unittest import mock

    from workbench.runtime import executions, queue

    function, execution = _function_call()
    [message] = broker.take(queue.INVOKE_TASK)
    with mock.patch.object(executions, "_report_recorded"):  # the crash, right after the call
        broker.deliver(message)
    execution.refresh_from_db()
    assert execution.status == "RUNNING" and function.invocations.count() == 1
    broker.deliver(message)
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED" and function.invocations.count() == 1


def test_a_call_whose_worker_died_before_committing_is_made_once_by_the_next(broker: Broker) -> None:
    """The claim was committed, then its worker died mid-call: the call's transaction (its
    invocation record and its outcome) rolled back and its row lock went with it, so the next
    worker to take the message makes the call, and only once."""
    from workbench.runtime import queue

    function, execution = _function_call()
    [message] = broker.take(queue.INVOKE_TASK)
    claim_pending_task(execution, for_=timedelta(minutes=1))  # claimed by a worker that then died
    broker.deliver(message)
    execution.refresh_from_db()
    assert (execution.status, function.invocations.count()) == ("SUCCEEDED", 1)
    broker.deliver(message)  # the dead worker's message, delivered again
    assert function.invocations.count() == 1


def test_a_timer_fired_twice_steps_once(broker: Broker) -> None:
    from workbench.runtime import queue

    execution = start(WAIT)
    [message] = broker.take(queue.FIRE_TIMER)
    broker.sent.append(message)
    broker.drain()
    before = _history(execution)
    broker.sent.append(message)
    broker.drain()
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED"
    assert _history(execution) == before
    assert [event_id for event_id, _ in before] == list(range(1, len(before) + 1))


def test_a_happening_applied_twice_is_applied_once(broker: Broker) -> None:
    from engine.states.model import TimerFired
    from workbench.runtime.stepper import apply_happening
    from workbench.stepfunctions.models import Timer

    execution = start(WAIT)
    timer = Timer.objects.get(execution=execution)
    assert apply_happening(execution.id, TimerFired(timer_id=timer.timer_id)) is not None
    after_first = _history(execution)
    assert apply_happening(execution.id, TimerFired(timer_id=timer.timer_id)) is None
    assert _history(execution) == after_first
