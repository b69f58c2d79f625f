"""Every WebSocket message's shape, pinned, and the node statuses a step stores: folded once per
step from the engine's own events, they equal a fold of the whole stored history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.states.model import HistoryEvent
from engine.states.progress import state_statuses
from tests.support.inprocess import Broker, start
from workbench.live import messages

AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ENTERED = HistoryEvent(2, 1, "PassStateEntered", AT, "stateEnteredEventDetails", {"name": "A", "input": "{}"})
SHAPED = {
    "timestamp": "2024-05-01T12:00:00+00:00",
    "type": "PassStateEntered",
    "id": 2,
    "previousEventId": 1,
    "stateEnteredEventDetails": {"name": "A", "input": "{}"},
}


def test_the_group_message_a_step_publishes() -> None:
    assert messages.execution_update("RUNNING", [ENTERED], {"A": "running"}) == {
        "type": "execution.update",
        "status": "RUNNING",
        "events": [SHAPED],
        "nodes": {"A": "running"},
    }


def test_the_backlog_a_page_gets_on_connect() -> None:
    assert messages.backlog("SUCCEEDED", [SHAPED], {"A": "succeeded"}) == {
        "type": "backlog",
        "status": "SUCCEEDED",
        "events": [SHAPED],
        "nodes": {"A": "succeeded"},
    }


def test_the_update_a_page_gets_per_step() -> None:
    assert messages.update("RUNNING", [SHAPED], {"A": "running"}) == {
        "type": "update",
        "status": "RUNNING",
        "events": [SHAPED],
        "nodes": {"A": "running"},
    }


RETRY_THEN_CATCH = {
    "StartAt": "Wait",
    "States": {
        "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Fan"},
        "Fan": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Fail", "States": {"Fail": {"Type": "Fail", "Error": "E"}}},
                {"StartAt": "Ok", "States": {"Ok": {"Type": "Pass", "End": True}}},
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
            "Next": "Done",
        },
        "Done": {"Type": "Pass", "End": True},
    },
}


@pytest.mark.django_db(transaction=True)
def test_statuses_stored_step_by_step_equal_a_fold_of_the_whole_history(broker: Broker) -> None:
    from workbench.stepfunctions.models import Execution
    from workbench.stepfunctions.presenters import shape_history_row

    first = start(RETRY_THEN_CATCH)
    assert first.node_statuses == {"Wait": "waiting"}
    broker.drain()
    execution = Execution.objects.get(id=first.id)
    assert execution.status == "SUCCEEDED"
    rows = [shape_history_row(row) for row in execution.history.order_by("event_id")]
    assert execution.node_statuses == state_statuses(rows)
    assert execution.node_statuses["Fan"] == "caught" and execution.node_statuses["Done"] == "succeeded"
