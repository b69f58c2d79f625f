"""Execution status change events ("Step Functions Execution Status Change", source aws.states)
on the default bus, written in the step's transaction, matched by rules like any event
(https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.inprocess import Broker, broker, machine
from workbench.runtime import queue

__all__ = ["broker"]
pytestmark = pytest.mark.django_db(transaction=True)

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"done": True}, "End": True}}}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Broken", "Cause": "on purpose"}}}


def _rule(pattern: dict[str, Any], target_arn: str, name: str = "on-status") -> None:
    from workbench.accounts.services import default_workspace
    from workbench.events import services as events

    ws = default_workspace()
    events.put_rule(ws, name=name, event_pattern=json.dumps(pattern))
    assert events.put_targets(ws, name, None, [{"Id": "t", "Arn": target_arn}]) == []


def _fresh(stored: Any) -> Any:
    """The machine as a request loads it, with its workspace as the rules left it."""
    from workbench.stepfunctions.models import StateMachine

    return StateMachine.objects.select_related("workspace").get(id=stored.id)


def _received() -> list[dict[str, Any]]:
    from workbench.events.models import ReceivedEvent

    return [row.body for row in ReceivedEvent.objects.order_by("id")]


def test_a_rule_on_status_changes_starts_another_machine(broker: Broker) -> None:
    from workbench.runtime import executions
    from workbench.stepfunctions.models import Execution

    watched = machine(PASS, name="watched")
    follower = machine(PASS, name="follower")
    _rule(
        {
            "source": ["aws.states"],
            "detail-type": ["Step Functions Execution Status Change"],
            "detail": {"status": ["SUCCEEDED"], "stateMachineArn": [watched.arn]},
        },
        follower.arn,
    )
    started = executions.start_execution(_fresh(watched), name="one", input_text='{"n": 1}')
    # The pass chain ends in StartExecution's own transaction: RUNNING then SUCCEEDED were
    # accepted there; only SUCCEEDED matched the rule, and its delivery was enqueued.
    assert broker.names() == [queue.DELIVER_EVENTS]
    [event] = _received()
    assert event["source"] == "aws.states" and event["resources"] == [started.arn]
    detail = event["detail"]
    assert detail["executionArn"] == started.arn and detail["stateMachineArn"] == watched.arn
    assert (detail["name"], detail["status"]) == ("one", "SUCCEEDED")
    assert detail["input"] == '{"n": 1}' and detail["inputDetails"] == {"included": True}
    assert json.loads(detail["output"]) == {"done": True} and detail["outputDetails"] == {"included": True}
    assert isinstance(detail["startDate"], int) and detail["stopDate"] >= detail["startDate"]
    assert detail["error"] is None and detail["stateMachineVersionArn"] is None
    broker.drain()
    [followed] = Execution.objects.filter(state_machine=follower)
    assert followed.status == "SUCCEEDED"
    assert json.loads(followed.input)["detail"]["executionArn"] == started.arn
    # The follower's own SUCCEEDED does not match (its machine is not the watched one).
    assert len(_received()) == 1


def test_running_and_failed_are_reported_with_error_and_cause(broker: Broker) -> None:
    from workbench.runtime import executions

    failing = machine(FAIL, name="failing")
    sink = machine(PASS, name="sink")
    _rule({"source": ["aws.states"]}, sink.arn)
    executions.start_execution(_fresh(failing), name="bad")
    running, failed = (event["detail"] for event in _received())
    assert running["status"] == "RUNNING" and running["stopDate"] is None and running["output"] is None
    assert running["outputDetails"] is None
    assert failed["status"] == "FAILED" and (failed["error"], failed["cause"]) == ("Broken", "on purpose")
    assert failed["output"] is None


def test_nothing_is_read_or_stored_without_a_rule(broker: Broker, django_assert_max_num_queries: Any) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.awsapi import stepfunctions as api
    from workbench.events import services as events
    from workbench.events.models import ReceivedEvent

    chain = machine(PASS, name="chain")
    ws = default_workspace()
    # A disabled rule, and a rule on another bus, count for nothing.
    events.put_rule(ws, name="off", event_pattern='{"source": ["aws.states"]}', state="DISABLED")
    events.create_bus(ws, name="other")
    events.put_rule(ws, name="elsewhere", bus_name="other", event_pattern='{"source": ["aws.states"]}')
    ws = default_workspace()
    assert ws.default_bus_rules == 0
    with django_assert_max_num_queries(7):
        api.start_execution(ws, {"stateMachineArn": chain.arn})
    assert not ReceivedEvent.objects.exists() and broker.names() == []
    events.set_rule_state(ws, "off", None, "ENABLED")
    assert default_workspace().default_bus_rules == 1
