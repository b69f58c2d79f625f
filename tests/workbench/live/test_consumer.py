"""The execution WebSocket, driven with channels' WebsocketCommunicator: a push that overtakes an
earlier one (two workers publishing steps of one execution) loses no event on the page."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)

MOMENT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _execution() -> Any:
    from workbench.accounts.services import default_workspace
    from workbench.stepfunctions.models import Execution, StateMachine

    definition = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    machine = StateMachine.objects.create(
        workspace=default_workspace(),
        name="m",
        definition=definition,
        role_arn="r",
        created=MOMENT,
        updated=MOMENT,
    )
    return Execution.objects.create(
        state_machine=machine, name="e", definition=definition, input="{}", start_date=MOMENT
    )


def _store(execution: Any, first: int, last: int) -> list[dict[str, Any]]:
    """History events ``first``..``last`` committed, and as the stepper pushes them."""
    from workbench.stepfunctions.models import HistoryEvent
    from workbench.stepfunctions.presenters import shape_history_row

    rows = [
        HistoryEvent.objects.create(
            execution=execution,
            event_id=i,
            previous_event_id=i - 1,
            type="PassStateEntered",
            timestamp=MOMENT,
        )
        for i in range(first, last + 1)
    ]
    return [shape_history_row(row) for row in rows]


def test_an_overtaking_push_is_filled_in_from_the_database_and_the_late_one_adds_nothing() -> None:
    from workbench.live.groups import execution_group
    from workbench.live.routing import websocket_urlpatterns

    execution = _execution()
    _store(execution, 1, 2)

    async def scenario() -> list[int]:
        communicator = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/executions/{execution.id}/"
        )
        connected, _ = await communicator.connect()
        assert connected
        backlog = await communicator.receive_json_from()
        seen = [event["id"] for event in backlog["events"]]
        layer = get_channel_layer()
        group = execution_group(execution.id)
        early = await database_sync(_store)(execution, 3, 4)
        late = await database_sync(_store)(execution, 5, 6)
        # The push of events 5-6 arrives before the push of 3-4.
        await database_sync(_stored_statuses)(execution, {"A": "succeeded"})
        pushed = {"type": "execution.update", "status": "RUNNING", "nodes": {"A": "running"}}
        await layer.group_send(group, {**pushed, "events": late})
        update = await communicator.receive_json_from()
        seen += [event["id"] for event in update["events"]]
        # Filled from the database: the statuses stored with the execution come along.
        assert update["nodes"] == {"A": "succeeded"}
        await layer.group_send(group, {**pushed, "events": early})
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        return seen

    assert async_to_sync(scenario)() == [1, 2, 3, 4, 5, 6]


def _stored_statuses(execution: Any, nodes: dict[str, str]) -> None:
    type(execution).objects.filter(id=execution.id).update(node_statuses=nodes)


def database_sync(function: Any) -> Any:
    from channels.db import database_sync_to_async

    return database_sync_to_async(function)
