"""The WebSockets pages listen on: an execution page's (ExecutionConsumer), and the tail of a
bus page, the dashboard, the queue pages or the Schedules page (TailConsumer).

On connect it joins the execution's group, then sends every history event after the
client's ``after`` cursor, so a reconnecting page misses nothing (as Baserow does). Pushes can
arrive out of order (two steps of one execution may publish from different workers); a push
that skips event ids is a sign an earlier one is still on its way, so the consumer reads the
missing events from the database, where commit order is event order. Node statuses are not
folded here: each step folded them once in its transaction (runtime.stepper) and stored them
with the execution; a message carries them and the page only paints them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from workbench.accounts.services import default_workspace
from workbench.live import messages
from workbench.live.groups import bus_group, execution_group, workspace_group
from workbench.live.publish import remember_server_loop
from workbench.stepfunctions.models import Execution
from workbench.stepfunctions.presenters import shape_history_row


class ExecutionConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        remember_server_loop(asyncio.get_running_loop())
        self.execution_id = int(self.scope["url_route"]["kwargs"]["execution_id"])
        self.group = execution_group(self.execution_id)
        self.sent_up_to = 0
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        after = _after_cursor(self.scope.get("query_string", b""))
        backlog = await self._backlog(after)
        if backlog is not None:
            await self.send_json(backlog)

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def execution_update(self, message: dict[str, Any]) -> None:
        fresh = [e for e in message["events"] if e["id"] > self.sent_up_to]
        if not fresh:
            return
        status, nodes = message["status"], message["nodes"]
        if fresh[0]["id"] > self.sent_up_to + 1:
            status, fresh, nodes = await database_sync_to_async(_read_state)(
                self.execution_id, self.sent_up_to
            )
            if not fresh:
                return
        self.sent_up_to = fresh[-1]["id"]
        await self.send_json(messages.update(status, fresh, nodes))

    @database_sync_to_async
    def _backlog(self, after: int) -> dict[str, Any] | None:
        if not Execution.objects.filter(id=self.execution_id).exists():
            return None
        status, events, nodes = _read_state(self.execution_id, after)
        self.sent_up_to = max(after, events[-1]["id"] if events else 0)
        return messages.backlog(status, events, nodes)


class TailConsumer(AsyncJsonWebsocketConsumer):
    """A page that tails a bus (``bus_id`` in the route) or a group of the whole workspace (no
    route arguments: ``group_of`` names it, by default the dashboard's): each commit that adds or
    moves rows it shows sends ``changed``, and the page re-reads its panel. Nothing is sent on
    connect: the page was just rendered, and a reconnecting page re-reads once by itself."""

    def __init__(self, *args: Any, group_of: Callable[[int], str] = workspace_group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group_of = group_of

    async def connect(self) -> None:
        remember_server_loop(asyncio.get_running_loop())
        bus_id = self.scope["url_route"]["kwargs"].get("bus_id")
        if bus_id is not None:
            self.group = bus_group(int(bus_id))
        else:
            self.group = self.group_of(await database_sync_to_async(_default_workspace_id)())
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def list_changed(self, message: dict[str, Any]) -> None:
        await self.send_json(messages.page_changed(message["what"]))


def _default_workspace_id() -> int:
    return default_workspace().id


def _read_state(execution_id: int, after: int) -> tuple[str, list[dict[str, Any]], dict[str, str]]:
    """The stored status, the events after ``after`` and the node statuses, as one step left them."""
    execution = Execution.objects.get(id=execution_id)
    rows = execution.history.filter(event_id__gt=after)
    events = [shape_history_row(row) for row in rows.order_by("event_id")]
    return execution.status, events, dict(execution.node_statuses)


def _after_cursor(query_string: bytes) -> int:
    for part in query_string.decode().split("&"):
        key, _, value = part.partition("=")
        if key == "after" and value.isdigit():
            return int(value)
    return 0
