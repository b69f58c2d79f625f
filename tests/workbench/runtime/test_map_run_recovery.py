"""A Distributed Map survives a crash between its steps: the recovery sweep starts the children
whose start was lost and re-reports children that ended, and repeating it changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.inprocess import Broker, start

pytestmark = pytest.mark.django_db(transaction=True)

FAN = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Square",
                "States": {
                    "Square": {
                        "Type": "Pass",
                        "Parameters": {"n.$": "$", "square.$": "States.MathAdd($, $)"},
                        "End": True,
                    }
                },
            },
            "End": True,
        }
    },
}


def _started_then_crashed(broker: Broker) -> Any:
    """Start the parent, losing every message it sent (as if the process died at commit)."""
    parent = start(FAN, name="fan", input_text='{"items": [1, 2, 3]}')
    assert broker.take(), "the parent sent its children's starts"
    return parent


def test_recover_starts_lost_children_and_the_run_completes(broker: Broker, own_sweeps: None) -> None:
    from workbench.runtime import executions, recovery
    from workbench.stepfunctions.models import Execution, MapRun

    parent = _started_then_crashed(broker)
    children = Execution.objects.filter(map_run__execution=parent)
    assert children.count() == 3 and all(child.engine_state is None for child in children)
    recovery.sweep()
    broker.drain()
    parent.refresh_from_db()
    assert parent.status == "SUCCEEDED"
    assert json.loads(parent.output) == [{"n": 1, "square": 2}, {"n": 2, "square": 4}, {"n": 3, "square": 6}]
    assert MapRun.objects.get(execution=parent).status == "SUCCEEDED"
    events_before = parent.history.count()
    recovery.sweep()  # nothing left to do
    assert broker.sent == []
    for child in children:
        executions.report_child_end(child.id)  # a repeated report is ignored
    parent.refresh_from_db()
    assert parent.history.count() == events_before


def test_a_child_that_ended_unreported_is_counted_on_recovery(broker: Broker, own_sweeps: None) -> None:
    from workbench.runtime import executions, queue, recovery
    from workbench.stepfunctions.models import Execution

    parent = _started_then_crashed(broker)
    first = Execution.objects.filter(map_run__execution=parent).order_by("item_index").first()
    assert first is not None
    executions.start_child(first.map_run.map_run_id, first.name)
    assert broker.take(queue.REPORT_CHILD_END), "the child's end is reported"  # and lost
    first.refresh_from_db()
    parent.refresh_from_db()
    assert first.status == "SUCCEEDED" and parent.status == "RUNNING"
    recovery.sweep()
    assert broker.names().count(queue.REPORT_CHILD_END) == 1
    broker.drain()
    parent.refresh_from_db()
    assert parent.status == "SUCCEEDED"


def test_a_child_not_started_when_its_run_fails_is_aborted_not_failed(broker: Broker) -> None:
    """A Map Run that fails (no failure tolerated) aborts its children still running, as AWS
    does; one recorded but not started yet is started first, so it ends ABORTED with a
    history instead of the decider failing it for having no state."""
    from workbench.runtime import executions, queue
    from workbench.stepfunctions.models import Execution

    waiting = json.loads(json.dumps(FAN))
    processor = waiting["States"]["Fan"]["ItemProcessor"]["States"]
    processor["Square"].pop("End")
    processor["Square"]["Next"] = "Later"
    processor["Later"] = {"Type": "Wait", "Seconds": 600, "End": True}
    parent = start(waiting, name="fan", input_text='{"items": ["x", 2]}')
    broker.take()
    bad, good = Execution.objects.filter(map_run__execution=parent).order_by("item_index")
    executions.start_child(bad.map_run.map_run_id, bad.name)  # States.MathAdd of "x": it fails
    for message in broker.take(queue.REPORT_CHILD_END):
        broker.deliver(message)
    parent.refresh_from_db()
    assert parent.status == "FAILED" and parent.error == "States.ExceedToleratedFailureThreshold"
    [stop] = broker.take(queue.STOP_MAP_RUN_CHILDREN)
    broker.deliver(stop)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == "FAILED" and bad.error == "States.Runtime"
    assert good.status == "ABORTED", (good.status, good.error, good.cause)
    types = [event.type for event in good.history.order_by("event_id")]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionAborted"
