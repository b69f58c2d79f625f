"""runtime/executions.py: a new execution's first call made in its StartExecution transaction.

When the first step asks for one call that the workbench answers at once (a function, a queue,
a topic, a bus) and the caller's thread has budget for quick work (an API call's thread,
runtime.nearby), the execution's row, its call and the step the answer leads to commit
together. The task still runs exactly once ("Standard Workflows: exactly-once workflow
execution", https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html)
and the history is the one a worker's call writes.
"""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.inprocess import ECHO, Broker, machine
from tests.support.wire import observed
from workbench.accounts.services import default_workspace
from workbench.core.db import PREPARE_THRESHOLD
from workbench.functions import services as functions
from workbench.functions.models import Invocation
from workbench.runtime import executions, nearby, queue, stepper
from workbench.stepfunctions import activities
from workbench.stepfunctions.models import Execution, PendingTask, StateMachine, TaskInvocation

pytestmark = pytest.mark.django_db(transaction=True)

FLAKY = "arn:aws:lambda:us-east-1:123456789012:function:flaky"


def _call_then_pass(resource: str = ECHO, **task: Any) -> dict[str, Any]:
    return {
        "StartAt": "Call",
        "States": {
            "Call": {"Type": "Task", "Resource": resource, "Next": "Done", **task},
            "Done": {"Type": "Pass", "End": True},
        },
    }


def _start(definition: dict[str, Any] | StateMachine, *, budget: int = 1, name: str = "one") -> Execution:
    target = definition if isinstance(definition, StateMachine) else machine(definition, name="calls")
    with nearby.budget(budget):
        started = executions.start_execution(target, name=name, input_text='{"n": 2}')
    assert started.execution is not None
    return Execution.objects.get(id=started.execution.id)


def _types(execution: Execution) -> list[str]:
    return list(execution.history.order_by("event_id").values_list("type", flat=True))


def test_the_call_and_its_step_commit_with_the_new_execution(broker: Broker) -> None:
    with mock.patch.object(executions, "apply_answer", wraps=stepper.apply_answer) as applied:
        execution = _start(_call_then_pass())
    assert applied.call_count == 1
    assert execution.status == Execution.SUCCEEDED and json.loads(execution.output or "") == {"n": 2}
    # The history a worker's call writes, numbered without a gap (GetExecutionHistory).
    assert _types(execution) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "TaskStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert list(execution.history.order_by("event_id").values_list("event_id", flat=True)) == list(
        range(1, 10)
    )
    assert execution.event_count == 9 and execution.node_statuses == {
        "Call": "succeeded",
        "Done": "succeeded",
    }
    claim = TaskInvocation.objects.get(execution=execution)
    assert (claim.status, claim.output, claim.attempt) == (TaskInvocation.SUCCEEDED, {"n": 2}, 1)
    assert Invocation.objects.filter(caller=f"{execution.arn}#Call").count() == 1
    assert not PendingTask.objects.exists()
    assert broker.sent == []  # nothing owed after commit: no message for the call


def test_without_budget_the_call_waits_for_a_worker_as_before(broker: Broker) -> None:
    execution = _start(_call_then_pass(), budget=0)
    assert execution.status == Execution.RUNNING and PendingTask.objects.filter(execution=execution).exists()
    assert broker.names() == [queue.INVOKE_TASK]
    broker.drain()
    execution.refresh_from_db()
    assert execution.status == Execution.SUCCEEDED
    assert Invocation.objects.count() == 1 and TaskInvocation.objects.get().status == TaskInvocation.SUCCEEDED


def test_it_takes_fewer_statements_than_start_and_call_apart(broker: Broker) -> None:
    """The point of it (issue 10): the second transaction read back what the first had just
    written. Counted against the same execution started without budget and its call made."""
    calls = machine(_call_then_pass(), name="calls")
    # The first call registers the built-in echo function; in the steady state, psycopg has
    # prepared each statement on its connection (its fifth run: a round trip of its own, once).
    for n in range(PREPARE_THRESHOLD + 1):
        _start(calls, name=f"warm-{n}")
    with CaptureQueriesContext(connection) as together_, observed() as wire_together:
        _start(calls, name="together")
    with CaptureQueriesContext(connection) as apart, observed() as wire_apart:
        _start(calls, name="apart", budget=0)
        broker.drain()
    assert Execution.objects.get(name="apart").status == Execution.SUCCEEDED
    assert len(together_.captured_queries) <= len(apart.captured_queries) - 5, (
        [q["sql"][:80] for q in together_.captured_queries],
        [q["sql"][:80] for q in apart.captured_queries],
    )
    if connection.vendor == "postgresql":
        # The role, then BEGIN with the INSERT, the held history and pending task before the
        # function's lookup, the call's log, claim and step with COMMIT (and this test's read
        # of the row after it). Apart: 11 (the call's own transaction reads back the rows).
        assert wire_together.round_trips() == 6, wire_together.frontend()
        assert wire_apart.round_trips() >= wire_together.round_trips() + 5, wire_apart.frontend()


def test_a_failed_call_is_caught_in_the_same_transaction(broker: Broker) -> None:
    functions.save_mock(default_workspace(), "flaky", [{"error": "Boom", "cause": "first try"}])
    definition = _call_then_pass(FLAKY, Catch=[{"ErrorEquals": ["Boom"], "Next": "Done"}])
    execution = _start(definition)
    assert execution.status == Execution.SUCCEEDED
    assert "LambdaFunctionFailed" in _types(execution)
    claim = TaskInvocation.objects.get(execution=execution)
    assert (claim.status, claim.error, claim.cause) == (TaskInvocation.FAILED, "Boom", "first try")
    assert broker.sent == []


def test_a_retried_call_waits_for_its_timer_then_runs_once_more(broker: Broker) -> None:
    outcomes = [{"error": "Boom", "cause": "first try"}, {"output": {"second": True}}]
    functions.save_mock(default_workspace(), "flaky", outcomes)
    definition = _call_then_pass(FLAKY, Retry=[{"ErrorEquals": ["Boom"], "IntervalSeconds": 1}])
    execution = _start(definition)
    # The first attempt failed inside StartExecution; the retry waits for its timer.
    assert execution.status == Execution.RUNNING
    assert broker.names() == [queue.FIRE_TIMER]
    broker.drain()
    execution.refresh_from_db()
    assert execution.status == Execution.SUCCEEDED and json.loads(execution.output or "") == {"second": True}
    attempts = list(TaskInvocation.objects.order_by("attempt").values_list("attempt", "status"))
    assert attempts == [(1, TaskInvocation.FAILED), (2, TaskInvocation.SUCCEEDED)]
    assert Invocation.objects.count() == 2


def test_a_crash_before_commit_leaves_no_execution_and_no_call(broker: Broker) -> None:
    """The execution, its call's log and its claim commit together or not at all: a client whose
    StartExecution failed finds nothing started and may start it again."""
    definition = _call_then_pass()
    with (
        mock.patch.object(executions, "apply_answer", side_effect=RuntimeError("the process died")),
        pytest.raises(RuntimeError),
    ):
        _start(definition)
    assert not Execution.objects.exists() and not TaskInvocation.objects.exists()
    assert not Invocation.objects.exists() and not PendingTask.objects.exists()
    assert broker.sent == []
    execution = _start(definition)
    assert execution.status == Execution.SUCCEEDED and Invocation.objects.count() == 1


@pytest.mark.parametrize(
    "definition",
    [
        _call_then_pass(
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            Parameters={"FunctionName": "echo", "Payload": {"token.$": "$$.Task.Token"}},
        ),
        _call_then_pass("arn:aws:states:::http:invoke", Parameters={"ApiEndpoint": "http://127.0.0.1:9/x"}),
        _call_then_pass("arn:aws:states:us-east-1:123456789012:activity:work"),
    ],
    ids=["waits-for-a-token", "leaves-the-workbench", "activity"],
)
def test_calls_that_do_not_answer_at_once_are_left_to_their_path(
    broker: Broker, definition: dict[str, Any]
) -> None:
    activities.create_activity(default_workspace(), "work")
    with mock.patch.object(executions, "apply_answer", wraps=stepper.apply_answer) as applied:
        execution = _start(definition)
    assert not applied.called
    assert execution.status == Execution.RUNNING and PendingTask.objects.filter(execution=execution).exists()
