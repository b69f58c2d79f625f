"""The discovery task, enqueued by name (``stepbridge.schemas.discover``) after a commit."""

from __future__ import annotations

from typing import Any

from workbench.celery import durable_task
from workbench.schemas import discovery


@durable_task(discovery.DISCOVER_TASK)
def discover(bus_id: int, events: list[dict[str, Any]]) -> None:
    discovery.discover(bus_id, events)
