"""Round trips of the two calls the served benchmark makes most (issue 10): StartExecution of a
Standard 10-state Pass chain and DescribeExecution, through the AWS API's operation functions.

A Pass chain needs no outside world, so it ends inside StartExecution's own transaction: the
execution row inserted, its history in one bulk insert, the row updated once with what changed
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
The ceilings keep the cut made in issue 10 phase 2 from coming back; each counts every
statement, the transaction's own included.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection

from tests.support.inprocess import ECHO, Broker, machine
from tests.support.wire import observed
from workbench.core.db import PREPARE_THRESHOLD

pytestmark = pytest.mark.django_db(transaction=True)

START_CEILING = 7
"""Workspace, machine, BEGIN, INSERT execution, INSERT history (bulk), UPDATE execution, COMMIT."""
START_ROUND_TRIPS = 4
"""On PostgreSQL, what went over the wire (libpq's trace): the two reads, then the execution's
INSERT sent with BEGIN and its history and UPDATE with COMMIT (core.together). Eight before
issue 10's fifth cut: BEGIN and COMMIT alone, the history and UPDATE apart from the COMMIT."""
DESCRIBE_CEILING = 2
"""Workspace, then the execution by its unique (machine, name) index with its machine joined."""
TASK_CALL_CEILING = 12
"""A task calling a workbench function, and the step its answer leads to: the pending task and
the execution role (before BEGIN), BEGIN, the claim's INSERT (which says whether it was
there), the function, the function's invocation log, the claim's outcome, the execution locked,
the answered task consumed, the history (bulk), the execution's UPDATE, COMMIT. Before issue
10's second cut it was 20: two savepoints, a SELECT after the claim, and three statements
clearing rows the decider had already cancelled."""


def _pass_chain(length: int) -> str:
    states: dict[str, Any] = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(length - 1)}
    states[f"S{length - 1}"] = {"Type": "Pass", "Result": {"done": True}, "End": True}
    return json.dumps({"StartAt": "S0", "States": states})


def test_a_pass_chain_starts_and_ends_in_few_round_trips(
    broker: Broker, django_assert_max_num_queries: Any
) -> None:
    from workbench.accounts.services import workspace_for_access_key
    from workbench.awsapi import stepfunctions as api
    from workbench.stepfunctions.models import Execution, HistoryEvent

    chain = machine(_pass_chain(10), name="chain")
    # In the steady state: psycopg prepares a statement on its connection's fifth run, a round
    # trip of its own, once (``prepare_threshold``, core/db.py).
    for _ in range(PREPARE_THRESHOLD + 1):
        api.start_execution(workspace_for_access_key("test"), {"stateMachineArn": chain.arn})
    with django_assert_max_num_queries(START_CEILING), observed() as wire:
        started = api.start_execution(workspace_for_access_key("test"), {"stateMachineArn": chain.arn})
    if connection.vendor == "postgresql":
        # The workspace, the machine, then BEGIN with the INSERT and the writes with COMMIT.
        assert wire.round_trips() == START_ROUND_TRIPS, wire.frontend()
    stored = Execution.objects.get(name=started["executionArn"].rsplit(":", 1)[1])
    assert stored.status == "SUCCEEDED" and json.loads(stored.output or "") == {"done": True}
    rows = HistoryEvent.objects.filter(execution=stored).order_by("event_id")
    types = list(rows.values_list("type", flat=True))
    # Started, entered and exited per state, succeeded: every event written, none missing.
    assert len(types) == 2 + 2 * 10 and stored.event_count == len(types)
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    assert list(rows.values_list("event_id", flat=True)) == list(range(1, len(types) + 1))


def test_describe_execution_reads_one_row(broker: Broker, django_assert_max_num_queries: Any) -> None:
    from workbench.accounts.services import workspace_for_access_key
    from workbench.awsapi import stepfunctions as api

    chain = machine(_pass_chain(10), name="chain")
    started = api.start_execution(
        workspace_for_access_key("test"), {"stateMachineArn": chain.arn, "name": "one", "input": '{"a": 1}'}
    )
    with django_assert_max_num_queries(DESCRIBE_CEILING):
        described = api.describe_execution(
            workspace_for_access_key("test"), {"executionArn": started["executionArn"]}
        )
    # DescribeExecution's shape as AWS answers it for a finished Standard execution.
    assert described["executionArn"] == started["executionArn"]
    assert described["stateMachineArn"] == chain.arn
    assert described["status"] == "SUCCEEDED" and described["input"] == '{"a": 1}'
    assert json.loads(described["output"]) == {"done": True} and "stopDate" in described


def test_a_same_named_start_answers_as_before(broker: Broker) -> None:
    """Without a SELECT before the insert, the unique constraint still refuses a second
    execution of a finished name: ExecutionAlreadyExists, AWS's answer."""
    from workbench.accounts.services import workspace_for_access_key
    from workbench.awsapi import stepfunctions as api
    from workbench.core.errors import AwsError

    chain = machine(_pass_chain(3), name="chain")
    workspace = workspace_for_access_key("test")
    api.start_execution(workspace, {"stateMachineArn": chain.arn, "name": "twice"})
    with pytest.raises(AwsError) as refused:
        api.start_execution(workspace, {"stateMachineArn": chain.arn, "name": "twice"})
    assert refused.value.code == "ExecutionAlreadyExists"


def test_a_task_is_recorded_pending_in_one_statement(
    broker: Broker, django_assert_max_num_queries: Any
) -> None:
    """The first step that reaches a Task writes its pending row with one upsert, beside the
    execution's insert and its history; the call itself waits for the worker. The step was
    decided before the row was inserted, so a running execution's row needs no UPDATE."""
    from workbench.accounts.services import workspace_for_access_key
    from workbench.awsapi import stepfunctions as api
    from workbench.runtime import queue
    from workbench.stepfunctions.models import Execution, PendingTask

    calls = json.dumps(
        {
            "StartAt": "Prepare",
            "States": {
                "Prepare": {"Type": "Pass", "Result": {"n": 1}, "Next": "Call"},
                "Call": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
                    "End": True,
                },
            },
        }
    )
    target = machine(calls, name="calls")
    workspace = workspace_for_access_key("test")
    with django_assert_max_num_queries(START_CEILING - 1):
        api.start_execution(workspace, {"stateMachineArn": target.arn, "name": "one"})
    stored = Execution.objects.get(name="one")
    assert stored.status == "RUNNING" and stored.event_count == 6 and stored.engine_state is not None
    assert stored.node_statuses == {"Prepare": "succeeded", "Call": "running"}, stored.node_statuses
    pending = PendingTask.objects.get()
    assert (pending.state_name, pending.payload, pending.attempt) == ("Call", {"n": 1}, 1)
    assert broker.names() == [queue.INVOKE_TASK]


def test_a_task_call_and_its_step_take_few_statements(
    broker: Broker, django_assert_max_num_queries: Any
) -> None:
    """The worker's half of a Task execution: its call made once, logged, recorded on the claim,
    and the execution advanced to its end, in one transaction."""
    from workbench.accounts.services import workspace_for_access_key
    from workbench.awsapi import stepfunctions as api
    from workbench.functions.models import Invocation
    from workbench.stepfunctions.models import Execution, PendingTask, TaskInvocation

    calls = json.dumps(
        {
            "StartAt": "Call",
            "States": {
                "Call": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
                    "Next": "Done",
                },
                "Done": {"Type": "Pass", "End": True},
            },
        }
    )
    target = machine(calls, name="calls")
    workspace = workspace_for_access_key("test")
    for name in ("warm", "one"):  # the first call also registers the built-in echo function
        api.start_execution(workspace, {"stateMachineArn": target.arn, "name": name, "input": '{"n": 2}'})
        if name == "warm":
            broker.drain()
    with django_assert_max_num_queries(TASK_CALL_CEILING):
        broker.drain()
    stored = Execution.objects.get(name="one")
    assert stored.status == "SUCCEEDED" and json.loads(stored.output or "") == {"n": 2}
    claim = TaskInvocation.objects.get(execution=stored)
    assert (claim.status, claim.output, claim.attempt) == ("SUCCEEDED", {"n": 2}, 1)
    assert Invocation.objects.filter(caller__startswith=stored.arn).count() == 1
    assert not PendingTask.objects.filter(execution=stored).exists()
    types = list(stored.history.order_by("event_id").values_list("type", flat=True))
    assert types[-3:] == ["PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    assert "LambdaFunctionSucceeded" in types and stored.event_count == len(types)


PUT_EVENTS_CEILING = 6
"""PutEvents of ten entries to a bus with rules, each entry matching one: the workspace, the
bus (its rules, their targets and its archives are kept per process at the bus's
``rules_version``, events.matchers, and so is "bound to no schema", schemas.validation), BEGIN,
the events (one multi-row INSERT), their deliveries (one), COMMIT. Before issue 10's third cut
it was 11: the matched rules and their targets were read on every call; before the fourth, 9:
the rules' version and the bus's archives were read on every call; before the sixth, 7: the
bus's schema binding was read on every call."""


PUT_EVENTS_ROUND_TRIPS = 3
"""On PostgreSQL (libpq's trace; the workspace is given): the bus, BEGIN with the events'
INSERT, the deliveries' INSERT with COMMIT (core.together; their keys are read after the
commit, ``rows.insert_all(keys="later")``). Six before issue 10's fifth cut, when psycopg
sent BEGIN alone; five before its sixth, when the bus's schema binding was read; four before
the deliveries' INSERT went with the COMMIT."""


def test_put_events_writes_each_kind_of_row_once(broker: Broker, django_assert_max_num_queries: Any) -> None:
    from workbench.accounts.services import workspace_for_access_key
    from workbench.awsapi import events as api
    from workbench.events.models import Delivery, ReceivedEvent

    workspace = workspace_for_access_key("test")
    api.create_event_bus(workspace, {"Name": "bench"})
    for n in range(3):
        api.put_rule(
            workspace,
            {"Name": f"r{n}", "EventBusName": "bench", "EventPattern": json.dumps({"detail": {"n": [n]}})},
        )
        targets = [{"Id": "t", "Arn": ECHO}, {"Id": "u", "Arn": ECHO}]
        api.put_targets(workspace, {"Rule": f"r{n}", "EventBusName": "bench", "Targets": targets})
    entries = [
        {"Source": "s", "DetailType": "d", "Detail": json.dumps({"n": n % 3}), "EventBusName": "bench"}
        for n in range(10)
    ]
    # The first call compiles the bus's matcher; in the steady state psycopg has prepared the
    # reads on its connection (their fifth run, a round trip of its own, once).
    for _ in range(PREPARE_THRESHOLD + 1):
        api.put_events(workspace, {"Entries": entries[:1]})
    with django_assert_max_num_queries(PUT_EVENTS_CEILING), observed() as wire:
        answer = api.put_events(workspace, {"Entries": entries})
    if connection.vendor == "postgresql":
        assert wire.round_trips() == PUT_EVENTS_ROUND_TRIPS, wire.frontend()
    assert answer["FailedEntryCount"] == 0
    ids = [entry["EventId"] for entry in answer["Entries"]]
    stored = {event.event_id: event for event in ReceivedEvent.objects.filter(event_id__in=ids)}
    assert [stored[event_id].matched_rules for event_id in ids] == [[f"r{n % 3}"] for n in range(10)]
    # Two targets a rule: two deliveries an event, each to its own rule's targets.
    deliveries = Delivery.objects.filter(event__event_id__in=ids)
    assert sorted((d.event.event_id, d.rule_name, d.target_id) for d in deliveries) == sorted(
        (event_id, f"r{n % 3}", target) for n, event_id in enumerate(ids) for target in "tu"
    )
