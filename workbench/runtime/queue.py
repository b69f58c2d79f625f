"""Enqueueing Celery tasks by name: the one way the shell hands work to a worker.

Tasks are sent by their registered name (Celery's ``send_task``), so no module imports
workbench.runtime.tasks to enqueue and the tasks module stays a thin entry point. A message
may arrive twice or late (late acknowledgement, redelivery after a worker died): every task
re-reads the database before it acts.

The recovery sweep re-sends what the database says is owed every few seconds; while workers
are behind, most of that is already on its way. ``sent_once_per`` makes a sweeper send each
(task, arguments) at most once per window, so a backlog is not multiplied by every sweep
(issue 12: the sweep re-sent thousands of deliveries every two seconds and buried the queue).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from time import monotonic
from typing import Any, Literal

from workbench.celery import app
from workbench.runtime import nearby as _nearby

INVOKE_TASK = "stepbridge.invoke_task"
FIRE_TIMER = "stepbridge.fire_timer"
START_CHILD_EXECUTION = "stepbridge.start_child_execution"
REPORT_CHILD_END = "stepbridge.report_child_end"
REDRIVE_CHILD_EXECUTION = "stepbridge.redrive_child_execution"
STOP_MAP_RUN_CHILDREN = "stepbridge.stop_map_run_children"
START_NESTED_EXECUTION = "stepbridge.start_nested_execution"
STOP_CHILDREN = "stepbridge.stop_children"
RUN_EXPRESS_EXECUTION = "stepbridge.run_express_execution"
RUN_EXPRESS_EXECUTIONS = "stepbridge.run_express_executions"
"""Express runs sent as one message by earlier versions (a broker may still hold some)."""
RUN_EXPRESS_CHILD = "stepbridge.run_express_child"
DELIVER_EVENTS = "stepbridge.deliver_events"
DELIVERY_BATCH = 100
"""The most deliveries one delivery message carries (one transaction delivers them)."""
GATHERED = {DELIVER_EVENTS: DELIVERY_BATCH}
"""Tasks whose one argument is a list of ids made together: this process's pool gathers the
lists of jobs waiting for a thread into one, up to this many ids (``nearby.Pool``)."""
REPLAY_EVENTS = "stepbridge.replay_events"
Nearby = Literal["now", "soon"]
"""Where quick work may be made in this process (``enqueue``): this thread, or its pool."""
FIRE_RULE = "stepbridge.fire_scheduled_rule"
FIRE_SCHEDULE = "stepbridge.fire_schedule"


class RecentSends:
    """What one sender sent lately, by task name and arguments (the ETA aside)."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._sent: dict[str, float] = {}
        self._pruned = monotonic()

    def first_in_window(self, name: str, args: tuple[Any, ...]) -> bool:
        """Whether (name, args) was not sent within the window; remembers it as sent now."""
        now = monotonic()
        if now - self._pruned >= self.window:  # forget what the window has passed, once per window
            self._sent = {key: at for key, at in self._sent.items() if now - at < self.window}
            self._pruned = now
        key = json.dumps([name, *args], default=str)
        last = self._sent.get(key)
        if last is not None and now - last < self.window:
            return False
        self._sent[key] = now
        return True


_sender = threading.local()


@contextmanager
def sent_once_per(recent: RecentSends) -> Iterator[None]:
    """Within the block, this thread's sends skip any made within ``recent``'s window."""
    _sender.recent = recent
    try:
        yield
    finally:
        _sender.recent = None


def enqueue(
    name: str, *args: Any, eta: datetime | None = None, nearby: Nearby | None = None, gathered: bool = True
) -> None:
    """Send the task called ``name`` with ``args`` (JSON values), now or at ``eta``.

    ``nearby``: work due now that this process makes itself if it can (runtime.nearby): "now"
    on this thread while it has budget, else on the process's pool; "soon" on the pool only.
    A task of ``GATHERED`` goes by its lane there, unless not ``gathered``. A sweeper's resends
    always go to the broker.
    """
    recent = _sweeping()
    if recent is not None and not recent.first_in_window(name, args):
        return
    elsewhere = _elsewhere.get(name)
    if elsewhere is not None and elsewhere(name, args, eta, nearby, gathered):
        return
    offered = nearby is not None and eta is None and recent is None
    gather = GATHERED.get(name, 0) if gathered else 0
    if offered and _nearby.offer(name, args, here=nearby == "now", gather=gather):
        return
    app.send_task(name, args=list(args), eta=eta)


Elsewhere = Callable[[str, tuple[Any, ...], datetime | None, Nearby | None, bool], bool]
"""Sends a task to another process of this server: (name, args, eta, nearby, gathered); False
if it cannot (that process is down), and the task goes the usual way here."""

_elsewhere: dict[str, Elsewhere] = {}


def send_elsewhere(names: Iterable[str], send: Elsewhere | None) -> None:
    """Send the tasks called ``names`` with ``send`` from now on (None: back to the usual way).
    Embedded mode's delivery process takes the deliveries this way (server.deliverer)."""
    for name in names:
        if send is None:
            _elsewhere.pop(name, None)
        else:
            _elsewhere[name] = send


def _sweeping() -> RecentSends | None:
    """The memory of the sweeper running on this thread, if one is."""
    recent: RecentSends | None = getattr(_sender, "recent", None)
    return recent


def deliver_events(
    delivery_ids: Iterable[int], eta: datetime | None = None, nearby: Nearby | None = None
) -> None:
    """Hand deliveries to the delivery task, up to DELIVERY_BATCH per message. A sweeper's
    memory holds each delivery on its own: a backlog's batches shift from sweep to sweep."""
    recent = _sweeping()
    batch: list[int] = []
    for delivery_id in delivery_ids:
        if recent is not None and not recent.first_in_window(DELIVER_EVENTS, (delivery_id,)):
            continue
        batch.append(delivery_id)
        if len(batch) == DELIVERY_BATCH:
            enqueue(DELIVER_EVENTS, batch, eta=eta, nearby=nearby)
            batch = []
    if batch:
        enqueue(DELIVER_EVENTS, batch, eta=eta, nearby=nearby)


def deliver_apart(delivery_ids: Iterable[int]) -> None:
    """Each delivery as a job of its own on this process's pool (else the broker), beside the
    deliveries' lane (``nearby.Pool``), so one that waits long holds up no batch behind it."""
    for delivery_id in delivery_ids:
        enqueue(DELIVER_EVENTS, [delivery_id], nearby="soon", gathered=False)


def invoke_task(execution_id: int, task_id: str, attempt: int, *, nearby: Nearby | None = None) -> None:
    enqueue(INVOKE_TASK, execution_id, task_id, attempt, nearby=nearby)


def fire_timer(execution_id: int, timer_id: str, at: datetime) -> None:
    enqueue(FIRE_TIMER, execution_id, timer_id, eta=at)


def start_child_execution(map_run_id: str, name: str) -> None:
    enqueue(START_CHILD_EXECUTION, map_run_id, name)


def redrive_child_execution(map_run_id: str, index: int) -> None:
    enqueue(REDRIVE_CHILD_EXECUTION, map_run_id, index)


def report_child_end(child_id: int) -> None:
    enqueue(REPORT_CHILD_END, child_id)


def stop_map_run_children(map_run_id: str) -> None:
    enqueue(STOP_MAP_RUN_CHILDREN, map_run_id)


def start_nested_execution(child_id: int) -> None:
    enqueue(START_NESTED_EXECUTION, child_id)


def stop_children(parent_id: int, task_id: str) -> None:
    """Stop the child the parent's task ``task_id`` waits for."""
    enqueue(STOP_CHILDREN, parent_id, task_id)


_held = threading.local()
"""This thread's Express runs held by ``express_runs_held``, None outside it."""


def run_express_execution(
    machine_id: int,
    name: str,
    execution_arn: str,
    input_text: str,
    mock_case: Any = None,
    version_number: int | None = None,
) -> None:
    run = [machine_id, name, execution_arn, input_text, mock_case, version_number]
    held: list[list[Any]] | None = getattr(_held, "runs", None)
    if held is not None:
        held.append(run)
    else:
        enqueue(RUN_EXPRESS_EXECUTION, *run)


@contextmanager
def express_runs_held() -> Iterator[None]:
    """Within the block, this thread's asynchronous Express runs are held, and sent when it
    ends, one message each: the worker's threads run them side by side, so one that waits (a
    Wait state, a Retry's back-off) holds up no other. A block left by an exception sends
    none: the work that started them (a delivery batch's transaction) did not happen.

    (They went as one message until Express targets that end at once ran in their delivery's
    transaction, ``express.runs_here``; what still comes here may wait, and in one message its
    runs waited for each other.)"""
    if getattr(_held, "runs", None) is not None:
        yield  # a block already open on this thread holds them
        return
    _held.runs = []
    try:
        yield
        runs: list[list[Any]] = _held.runs
    finally:
        _held.runs = None
    for run in runs:
        enqueue(RUN_EXPRESS_EXECUTION, *run)


def run_express_child(row_id: int) -> None:
    """Run the Express child a parent's ``.sync`` task waits for (runtime.models.ExpressChild)."""
    enqueue(RUN_EXPRESS_CHILD, row_id)


def fire_rule(rule_id: int, due: datetime, at: datetime) -> None:
    """A scheduled rule's firing due at ``due`` (its workspace's time, sent as ISO 8601 text),
    delivered at the real moment ``at``."""
    enqueue(FIRE_RULE, rule_id, due.isoformat(), eta=at)


def fire_schedule(schedule_id: int, due: datetime, at: datetime) -> None:
    """A Scheduler schedule's firing due at ``due`` (ISO 8601 text), delivered at ``at``."""
    enqueue(FIRE_SCHEDULE, schedule_id, due.isoformat(), eta=at)
