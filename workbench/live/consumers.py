"""The WebSocket an execution page listens on.

On connect it first sends every history event after the client's ``after`` cursor, then
joins the execution's group, so a reconnecting page misses nothing (as Baserow does).
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from workbench.flows.models import Execution
from workbench.flows.presenters import shape_history_row
from workbench.live.groups import execution_group
from workbench.live.publish import remember_server_loop


class ExecutionConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        remember_server_loop(asyncio.get_running_loop())
        self.execution_id = int(self.scope["url_route"]["kwargs"]["execution_id"])
        self.group = execution_group(self.execution_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        after = _after_cursor(self.scope.get("query_string", b""))
        backlog = await self._backlog(after)
        if backlog is not None:
            await self.send_json({"type": "backlog", **backlog})

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def execution_update(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "update", "status": message["status"], "events": message["events"]})

    @database_sync_to_async
    def _backlog(self, after: int) -> dict[str, Any] | None:
        execution = Execution.objects.filter(id=self.execution_id).first()
        if execution is None:
            return None
        rows = execution.history.filter(event_id__gt=after).order_by("event_id")
        return {"status": execution.status, "events": [shape_history_row(row) for row in rows]}


def _after_cursor(query_string: bytes) -> int:
    for part in query_string.decode().split("&"):
        key, _, value = part.partition("=")
        if key == "after" and value.isdigit():
            return int(value)
    return 0
