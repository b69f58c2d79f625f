"""Every WebSocket message of the live execution page, built in one place.

Three shapes: the channel-layer message a step publishes to an execution's group
(``execution.update``, consumed by the consumer's ``execution_update``), and the two the
browser receives: ``backlog`` on connect and ``update`` per step.

The bus page and the dashboard tail with a lighter pair: a ``changed`` channel-layer message
to a bus's or a workspace's group names what changed (``events``, ``executions``,
``deliveries``), and the browser receives ``changed`` with the same names and re-reads its
panel (the database is the truth; the message only says "look again"). The queue pages' group
hears ``queues`` (some queue's messages) with ``queue.<id>`` for each queue changed, which a
queue's page filters on (``data-live-what``); the Schedules page's hears ``schedules``. ``events`` are
GetExecutionHistory events (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html)
with ISO timestamps; ``nodes`` is {state name: status}, the statuses stored with the execution.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from engine.states.model import HistoryEvent as HistoryEventShape
from workbench.stepfunctions.presenters import shape_event


def execution_update(
    status: str, events: Iterable[HistoryEventShape], nodes: Mapping[str, str]
) -> dict[str, Any]:
    """What a committed step sends to its execution's group."""
    return {
        "type": "execution.update",
        "status": status,
        "events": [shape_event(event.to_aws()) for event in events],
        "nodes": dict(nodes),
    }


def backlog(status: str, events: list[dict[str, Any]], nodes: Mapping[str, str]) -> dict[str, Any]:
    """What a page receives on connect: the events after its cursor and the current statuses."""
    return {"type": "backlog", "status": status, "events": events, "nodes": dict(nodes)}


def update(status: str, events: list[dict[str, Any]], nodes: Mapping[str, str]) -> dict[str, Any]:
    """What a page receives per step: the new events and the statuses after them."""
    return {"type": "update", "status": status, "events": events, "nodes": dict(nodes)}


CHANGES = ("events", "executions", "deliveries", "replays", "queues", "schedules", "archives")
QUEUE_KIND = re.compile(r"queue\.[0-9]+")
"""One queue's messages changed: ``queue_kind``, beside ``queues`` in the same nudge."""
NUDGE = "list.changed"
"""The channel-layer type of ``changed``: a nudge, which live.nudges may merge with others."""


def changed(what: Iterable[str]) -> dict[str, Any]:
    """What a commit sends to a bus's or a workspace's group: which kinds of rows it added or moved."""
    kinds = sorted(set(what))
    unknown = [kind for kind in kinds if kind not in CHANGES and not QUEUE_KIND.fullmatch(kind)]
    if unknown:
        raise ValueError(f"unknown change {unknown[0]!r}")
    return {"type": NUDGE, "what": kinds}


def queue_kind(queue_id: int) -> str:
    """What a queue's page listens for: its own messages changed (one group serves every queue
    page, live.groups.queues_group, so the queue rides in the nudge's kinds)."""
    return f"queue.{queue_id}"


def page_changed(what: Iterable[str]) -> dict[str, Any]:
    """What a tailing page receives: re-read the panels that show these kinds."""
    return {"type": "changed", "what": sorted(set(what))}
