"""The tails of the bus page and the dashboard, through the served ASGI application: a PutEvents
commit tells the pages of its bus and the dashboard to look again, another bus's page hears
nothing, and a bus of another workspace cannot be tailed."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tests.support.inprocess import Broker
from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.asgi import application
from workbench.events import services as events
from workbench.live import messages
from workbench.live.nudges import WINDOW
from workbench.runtime import routing

pytestmark = pytest.mark.django_db(transaction=True)

SAME_ORIGIN = [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://127.0.0.1:8000")]


def _put(bus: str) -> None:
    entry = {"Source": "shop", "DetailType": "Paid", "Detail": "{}", "EventBusName": bus}
    assert "EventId" in routing.put_events(default_workspace(), [entry])[0]


def test_put_events_tells_its_bus_page_and_the_dashboard(broker: Broker) -> None:
    workspace = default_workspace()
    orders = events.create_bus(workspace, "orders", "")
    billing = events.create_bus(workspace, "billing", "")

    async def scenario() -> list[Any]:
        tails = [
            WebsocketCommunicator(application, path, headers=SAME_ORIGIN)
            for path in (f"/ws/buses/{orders.id}/", f"/ws/buses/{billing.id}/", "/ws/dashboard/")
        ]
        for tail in tails:
            connected, _ = await tail.connect(timeout=5)
            assert connected
            assert await tail.receive_nothing(timeout=0.1)  # nothing on connect
        await database_sync_to_async(_put)("orders")
        heard = [await tails[0].receive_json_from(timeout=5), await tails[2].receive_json_from(timeout=5)]
        assert await tails[1].receive_nothing(timeout=0.3)
        for tail in tails:
            await tail.disconnect()
        return heard

    assert async_to_sync(scenario)() == [messages.page_changed(["events"])] * 2


def test_two_puts_close_together_nudge_twice_the_second_at_the_end_of_the_window(broker: Broker) -> None:
    """The second nudge comes within live.nudges.WINDOW of the first (merged, sent by the loop
    when the window ends) or after it (sent at once): either way the page hears both."""
    workspace = default_workspace()
    orders = events.create_bus(workspace, "orders", "")

    async def scenario() -> list[Any]:
        tail = WebsocketCommunicator(application, f"/ws/buses/{orders.id}/", headers=SAME_ORIGIN)
        connected, _ = await tail.connect(timeout=5)
        assert connected
        await database_sync_to_async(_put)("orders")
        await database_sync_to_async(_put)("orders")
        heard = [await tail.receive_json_from(timeout=5), await tail.receive_json_from(timeout=5)]
        assert await tail.receive_nothing(timeout=3 * WINDOW)
        await tail.disconnect()
        return heard

    assert async_to_sync(scenario)() == [messages.page_changed(["events"])] * 2


def test_a_bus_of_another_workspace_or_none_cannot_be_tailed() -> None:
    other = Workspace.objects.create(name="other", account_id="210987654321", access_key_id="other")
    theirs = events.create_bus(other, "theirs", "")

    async def attempt(path: str) -> bool:
        tail = WebsocketCommunicator(application, path, headers=SAME_ORIGIN)
        connected, _ = await tail.connect(timeout=5)
        if connected:
            await tail.disconnect()
        return bool(connected)

    assert not async_to_sync(attempt)(f"/ws/buses/{theirs.id}/")
    assert not async_to_sync(attempt)("/ws/buses/999999/")
    assert async_to_sync(attempt)("/ws/dashboard/")


def test_the_change_messages() -> None:
    assert messages.changed(["events", "events"]) == {"type": "list.changed", "what": ["events"]}
    assert messages.page_changed(["deliveries", "events"]) == {
        "type": "changed",
        "what": ["deliveries", "events"],
    }
    with pytest.raises(ValueError, match="unknown change"):
        messages.changed(["everything"])


def test_an_execution_starting_and_ending_tells_the_dashboard(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.inprocess import start
    from workbench.live import publish
    from workbench.live.groups import workspace_group

    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(publish, "send", lambda group, message: sent.append((group, message)))
    wait = {
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"}, "P": {"Type": "Pass", "End": True}},
    }
    execution = start(wait)
    broker.drain()
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED", (execution.status, broker.names(), sent)
    dashboard = [message for group, message in sent if group == workspace_group(default_workspace().id)]
    steps = [group for group, _ in sent if group.startswith("execution.")]
    assert dashboard == [messages.changed(["executions"])] * 2, sent  # started; ended
    assert len(steps) == 2
