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


def test_a_claimed_call_is_left_to_its_worker_and_failed_once_its_claim_ran_out(broker: Broker) -> None:
    from django.utils import timezone

    from workbench.runtime import executions, queue
    from workbench.stepfunctions.models import TaskInvocation

    function, execution = _function_call()
    [message] = broker.take(queue.INVOKE_TASK)
    claim = claim_pending_task(execution, for_=timedelta(minutes=1))  # another worker is calling
    broker.deliver(message)
    execution.refresh_from_db()
    assert execution.status == "RUNNING" and function.invocations.count() == 0
    TaskInvocation.objects.filter(id=claim.id).update(claimed_until=timezone.now() - timedelta(seconds=1))
    broker.deliver(message)  # that worker died mid-call
    execution.refresh_from_db()
    assert function.invocations.count() == 0, "a lost call is not repeated"
    assert (execution.status, execution.error) == ("FAILED", executions.LOST_CALL_ERROR)


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


def test_a_call_that_outran_its_claim_keeps_the_lost_answer_given_meanwhile(broker: Broker) -> None:
    """Another worker declared the call lost (its claim ran out) while it was still running: the
    decider already heard that failure, so the late outcome changes nothing."""
    from unittest import mock

    from workbench.runtime import executions, integrations, queue
    from workbench.stepfunctions.models import TaskInvocation

    function, execution = _function_call()
    [message] = broker.take(queue.INVOKE_TASK)
    perform = integrations.perform

    def slow_call(*args: Any, **kwargs: Any) -> Any:
        TaskInvocation.objects.update(
            status=TaskInvocation.FAILED, error=executions.LOST_CALL_ERROR, cause=executions.LOST_CALL_CAUSE
        )
        return perform(*args, **kwargs)

    with mock.patch.object(integrations, "perform", side_effect=slow_call):
        broker.deliver(message)
    execution.refresh_from_db()
    assert function.invocations.count() == 1
    assert (execution.status, execution.error) == ("FAILED", executions.LOST_CALL_ERROR)
    assert TaskInvocation.objects.get().status == TaskInvocation.FAILED
