"""Pushing committed work to browsers: steps to pages watching an execution, and "look again"
nudges to pages tailing a bus or summarising the workspace.

Called only from ``transaction.on_commit`` (see runtime.stepper), so a browser never sees
work that was rolled back. Works from any thread or process: with the in-process channel
layer (embedded mode) the message hops onto the server's event loop; with Redis it is a
plain group_send (https://channels.readthedocs.io/en/stable/topics/channel_layers.html).
Nudges to one group are merged, at most one per live.nudges.WINDOW; a push to a group no page
joined is skipped (live.listening); where this process holds the pages itself (the in-memory
layer), a nudge is asked about before it is merged (``_unheard``). Queues' changes come from
sqs.changes, archives' and schedules' from events.changes, which this module subscribes to on
import (sqs and events may not import live): every process that writes them imports it,
through runtime's AppConfig.ready (CELERY_IMPORTS' runtime.deliveries).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer

from engine.states.model import Decision
from workbench.events import changes as events_changes
from workbench.live import listening, messages, nudges
from workbench.live.groups import bus_group, execution_group, queues_group, schedules_group, workspace_group
from workbench.sqs import changes as sqs_changes

log = logging.getLogger(__name__)
_server_loop: asyncio.AbstractEventLoop | None = None


def remember_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The consumers' event loop: where in-memory layer messages must be sent from."""
    global _server_loop
    _server_loop = loop


# History events that move the dashboard's counts: an execution starting or ending, and a Task
# being scheduled or answered (the approval inbox counts tasks waiting for their token).
DASHBOARD_EVENTS = frozenset(
    {
        "ExecutionStarted",
        "ExecutionSucceeded",
        "ExecutionFailed",
        "ExecutionAborted",
        "ExecutionTimedOut",
        "TaskScheduled",
        "TaskSucceeded",
        "TaskFailed",
        "TaskTimedOut",
    }
)


Message = dict[str, Any] | Callable[[], dict[str, Any]]
"""A channel-layer message, or what builds it once a page is found listening."""


def execution_stepped(
    execution_id: int, decision: Decision, nodes: Mapping[str, str], *, workspace_id: int | None = None
) -> None:
    """A committed step: to the execution's page; to the dashboard of ``workspace_id`` too when
    the step moved what it counts (the caller passes None for a Map's child runs)."""
    if not decision.history:
        return
    status, history, statuses = decision.status, decision.history, dict(nodes)
    # Built only if a page listens: nearly every step is pushed to nobody (live.listening).
    send(execution_group(execution_id), lambda: messages.execution_update(status, history, statuses))
    if workspace_id is not None and any(event.type in DASHBOARD_EVENTS for event in decision.history):
        workspace_changed(workspace_id, ["executions"])


def events_accepted(workspace_id: int, bus_ids: Iterable[int]) -> None:
    """Events were stored on these buses (PutEvents, a replay): their pages and the dashboard."""
    message = messages.changed(["events"])
    for bus_id in sorted(set(bus_ids)):
        send(bus_group(bus_id), message)
    send(workspace_group(workspace_id), message)


def bus_changed(bus_id: int, what: Iterable[str]) -> None:
    """Rows a bus page shows changed (a delivery of one of its events ended, say)."""
    send(bus_group(bus_id), messages.changed(what))


def workspace_changed(workspace_id: int, what: Iterable[str]) -> None:
    """Something the dashboard counts changed (an execution started or ended, a delivery failed)."""
    send(workspace_group(workspace_id), messages.changed(what))


def queues_changed(workspace_id: int, queue_ids: Iterable[int]) -> None:
    """One commit changed these queues' messages (sqs.changes, once per queue): the queue list
    and their pages look again. Under load (a SendMessage benchmark, deliveries to hundreds of
    queues) no queue page is open: asked first, before any message is built."""
    group = queues_group(workspace_id)
    if _unheard(group):
        return
    send(group, messages.changed(["queues", *map(messages.queue_kind, sorted(queue_ids))]))


def schedules_changed(workspace_id: int) -> None:
    """A schedule fired (its next firing moved, a spent one was deleted): the Schedules page."""
    send(schedules_group(workspace_id), messages.changed(["schedules"]))


def lists_changed(workspace_id: int, what: str) -> None:
    """An archive or a schedule was made, changed or deleted (events.changes): the Archives
    page (it tails the dashboard's group) or the Schedules page."""
    if what == events_changes.SCHEDULES:
        schedules_changed(workspace_id)
    else:
        send(workspace_group(workspace_id), messages.changed([what]))


Relay = Callable[[str, dict[str, Any]], None]
_relay: Relay | None = None


def relay_to(relay: Relay | None, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Hand this process's pushes, nudges merged on ``loop``, to ``relay`` instead (embedded
    mode's delivery process: the pages are connected to the server, which sends them on with
    ``send_relayed``; None stops)."""
    global _relay, _server_loop
    _relay, _server_loop = relay, loop


def send_relayed(group: str, message: dict[str, Any]) -> None:
    """A push another process built and merged (``relay_to``): to the pages listening here."""
    _send_now(group, message)


def send(group: str, message: Message) -> None:
    """One push to a group's pages; "look again" nudges go through ``nudges`` and are merged."""
    if not callable(message) and message["type"] == messages.NUDGE:
        if not _unheard(group):
            _nudges.add(group, message["what"])
    else:
        _send_now(group, message)


def _unheard(group: str) -> bool:
    """Whether no page can hear ``group``, known here without asking anyone: the pages are this
    process's (the in-memory layer, nothing relayed) and none joined it. ``_send_now`` would skip
    the push anyway; asked before merging, a nudge nobody hears costs one dict lookup, not the
    merge's lock and a timer on the server's loop. With Redis or a relay, the publisher's batch
    or the server asks (live.listening)."""
    if _relay is not None:
        return False
    layer = get_channel_layer()
    if not isinstance(layer, InMemoryChannelLayer):
        return layer is None
    loop = _server_loop
    return loop is None or loop.is_closed() or not listening.listened_here(layer, group)


def _built(message: Message) -> dict[str, Any]:
    return message() if callable(message) else message


def _send_now(group: str, message: Message) -> None:
    relay = _relay
    if relay is not None:
        relay(group, _built(message))  # the server knows which pages listen
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if isinstance(layer, InMemoryChannelLayer):
            if _server_loop is None or _server_loop.is_closed():
                return  # nobody is connected in this process
            if not listening.listened_here(layer, group):
                return
            asyncio.run_coroutine_threadsafe(layer.group_send(group, _built(message)), _server_loop)
        else:
            publisher(layer).send(group, message)
    except Exception:
        log.exception("live push to %s failed", group)


def _later(delay: float, call: Callable[[], None]) -> None:
    """Run ``call`` after ``delay`` seconds on the loop that sends this process's pushes."""
    layer = get_channel_layer()
    loop: asyncio.AbstractEventLoop | None = None
    if isinstance(layer, InMemoryChannelLayer):
        loop = _server_loop
    elif layer is not None:
        loop = publisher(layer).loop
    if loop is None or loop.is_closed():
        call()  # nobody is connected here: the nudge goes nowhere at once
        return
    loop.call_soon_threadsafe(loop.call_later, delay, call)


_nudges = nudges.Nudges(lambda group, kinds: _send_now(group, messages.changed(kinds)), _later)


class Publisher:
    """A daemon thread running one event loop that sends pushes to a Redis channel layer, in
    the order they were handed over. ``async_to_sync`` would start a thread and an event loop,
    and so open a Redis connection, for every push: 2.5 to 3.7 ms of CPU each on this machine
    against 0.35 ms here (issue 10: a Pass chain pushes twice per execution). What waits is
    taken together, after one wake-up of the loop: one pipelined question says which of its
    groups a page joined, and only those pushes are sent."""

    MAX_WAITING = 10_000
    """Pushes beyond this many waiting are dropped (Redis is down or slow): pages re-read."""

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.loop = asyncio.new_event_loop()
        self._lock = threading.Lock()
        self._waiting: list[tuple[str, Message]] = []
        self._woken = False  # a wake-up is on its way to the loop: later pushes need none
        self._wake = asyncio.Event()
        self.thread = threading.Thread(target=self._run, name="live-publisher", daemon=True)
        self.thread.start()

    def send(self, group: str, message: Message) -> None:
        """Hand a push over from any thread; the loop is woken once for all that wait."""
        with self._lock:
            if len(self._waiting) >= self.MAX_WAITING:
                return
            self._waiting.append((group, message))
            if self._woken:
                return
            self._woken = True
        self.loop.call_soon_threadsafe(self._wake.set)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.create_task(self._drain())
        self.loop.run_forever()

    def _take(self) -> list[tuple[str, Message]]:
        with self._lock:
            batch, self._waiting = self._waiting, []
            self._woken = False
            self._wake.clear()
        return batch

    async def _drain(self) -> None:
        while True:
            await self._wake.wait()
            batch = self._take()
            try:
                listened = await listening.listened(self.layer, {group for group, _ in batch})
            except Exception:
                log.exception("asking which live groups have pages failed")
                listened = {group for group, _ in batch}  # group_send asks again, one by one
            for group, message in batch:
                if group not in listened:
                    continue
                try:
                    await self.layer.group_send(group, _built(message))
                except Exception:
                    log.exception("live push to %s failed", group)


_publishers: dict[int, Publisher] = {}
_publishers_lock = threading.Lock()


def publisher(layer: BaseChannelLayer) -> Publisher:
    """This process's publisher for ``layer`` (started on first use)."""
    with _publishers_lock:
        found = _publishers.get(id(layer))
        if found is None or found.layer is not layer:
            found = _publishers[id(layer)] = Publisher(layer)
        return found


sqs_changes.tell_to(queues_changed)
events_changes.tell_to(lists_changed)
