"""The WebSocket an execution page listens on.

On connect it joins the execution's group, then sends every history event after the
client's ``after`` cursor, so a reconnecting page misses nothing (as Baserow does). Pushes can
arrive out of order (two steps of one execution may publish from different workers); a push
that skips event ids is a sign an earlier one is still on its way, so the consumer reads the
missing events from the database, where commit order is event order. Each
message carries the node statuses folded on the server by engine.states.progress, the one
place that decides what colour a node is; the page only paints them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from engine.states.progress import Progress
from workbench.live.groups import execution_group
from workbench.live.publish import remember_server_loop
from workbench.stepfunctions.models import Execution
from workbench.stepfunctions.presenters import shape_history_row


class ExecutionConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        remember_server_loop(asyncio.get_running_loop())
        self.execution_id = int(self.scope["url_route"]["kwargs"]["execution_id"])
        self.group = execution_group(self.execution_id)
        self.progress = Progress()
        self.folded_up_to = 0
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        after = _after_cursor(self.scope.get("query_string", b""))
        backlog = await self._backlog(after)
        if backlog is not None:
            await self.send_json({"type": "backlog", **backlog})

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def execution_update(self, message: dict[str, Any]) -> None:
        fresh = [e for e in message["events"] if e["id"] > self.folded_up_to]
        if not fresh:
            return
        if fresh[0]["id"] > self.folded_up_to + 1:
            fresh = await self._history_after(self.folded_up_to)
        self._fold(fresh)
        await self.send_json(
            {"type": "update", "status": message["status"], "events": fresh, "nodes": self.progress.statuses}
        )

    def _fold(self, events: list[dict[str, Any]]) -> None:
        self.progress.add(events)
        self.folded_up_to = max(self.folded_up_to, events[-1]["id"])

    @database_sync_to_async
    def _history_after(self, after: int) -> list[dict[str, Any]]:
        rows = Execution.objects.get(id=self.execution_id).history.filter(event_id__gt=after)
        return [shape_history_row(row) for row in rows.order_by("event_id")]

    @database_sync_to_async
    def _backlog(self, after: int) -> dict[str, Any] | None:
        execution = Execution.objects.filter(id=self.execution_id).first()
        if execution is None:
            return None
        rows = [shape_history_row(row) for row in execution.history.order_by("event_id")]
        self.progress, self.folded_up_to = Progress(), 0
        if rows:
            self._fold(rows)
        return {
            "status": execution.status,
            "events": [row for row in rows if row["id"] > after],
            "nodes": self.progress.statuses,
        }


def _after_cursor(query_string: bytes) -> int:
    for part in query_string.decode().split("&"):
        key, _, value = part.partition("=")
        if key == "after" and value.isdigit():
            return int(value)
    return 0
