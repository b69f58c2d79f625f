"""Re-arming work a crash may have lost, in every worker: at start and every few seconds.

What the database holds is the truth; broker messages are only a fast path. A sweep enqueues
(by name) what the database says is owed: timers that are due (including those too far off
to have had an ETA message), task calls never made or never reported, Map Run children never
started, never redriven, never reported or left running after their run ended,
states:startExecution children likewise (runtime.children), Express children a ``.sync``
task waits for whose run was lost or whose worker died (their lease ran out), pending event deliveries
(workbench.runtime.deliveries.recover) and the timers of scheduled rules and Scheduler
schedules (runtime.schedules.recover). Every task re-checks the database, so a sweep that
overlaps a live message does no harm, and a sweeper sends each message at most once per
RESEND_AFTER (``queue.sent_once_per``), so workers that are behind are not handed the same work
again every sweep. One worker at a time sweeps: it holds a lease, a row
taken or renewed with one conditional UPDATE, that another worker takes over once it expires.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from workbench.runtime import children, clock, deliveries, executions, map_runs, queue, schedules
from workbench.runtime.models import Lease
from workbench.stepfunctions.models import Execution, MapRun, PendingTask, TaskInvocation, Timer

log = logging.getLogger(__name__)

LEASE_NAME = "recovery"
LEASE_TTL = timedelta(seconds=10)
SWEEP_EVERY = 2.0
RESEND_AFTER = 30.0
"""Seconds before a sweeper sends the same message again (its first may have been lost)."""
GRACE = timedelta(seconds=3)
"""Work younger than this is left to the message that is surely still on its way."""
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def take_lease(holder: str = HOLDER, ttl: timedelta = LEASE_TTL) -> bool:
    """Take or renew the recovery lease; False while another holder's lease runs."""
    now = timezone.now()
    taken = Lease.objects.filter(Q(name=LEASE_NAME) & (Q(holder=holder) | Q(expires__lt=now))).update(
        holder=holder, expires=now + ttl
    )
    if taken:
        return True
    try:
        with transaction.atomic():
            Lease.objects.create(name=LEASE_NAME, holder=holder, expires=now + ttl)
    except IntegrityError:
        return False
    return True


def sweep() -> None:
    """Enqueue everything the database says is owed and older than GRACE."""
    now = timezone.now()
    settled = now - GRACE
    running = Q(execution__status=Execution.RUNNING)
    # Real-time workspaces: due timers without a message, and armed ones whose message is late.
    # Virtual clocks: every timer their clock has reached (firing checks again, and once).
    workspace = "execution__state_machine__workspace"
    virtual = clock.virtual_workspaces(now)
    owed = (Q(armed=False, fire_at__lte=now) | Q(armed=True, fire_at__lte=settled)) & ~Q(
        **{f"{workspace}__in": list(virtual)}
    )
    for workspace_id, reached in virtual.items():
        owed |= Q(**{workspace: workspace_id, "fire_at__lte": reached})
    for execution_id, timer_id in Timer.objects.filter(running, owed).values_list("execution_id", "timer_id"):
        queue.fire_timer(execution_id, timer_id, now)
    _sweep_tasks(settled)
    for map_run_id, name in map_runs.children_not_started(settled):
        queue.start_child_execution(map_run_id, name)
    for map_run_id, index in map_runs.children_pending_redrive(settled):
        queue.redrive_child_execution(map_run_id, index)
    for child_id in map_runs.children_ended_unreported(settled):
        queue.report_child_end(child_id)
    for child_id in children.not_started(settled):
        queue.start_nested_execution(child_id)
    for child_id in children.ended_unreported(settled):
        queue.report_child_end(child_id)
    children.forget_ended_parents()
    for row_id in children.express_runs_owed(settled, now):
        queue.run_express_child(row_id)
    for parent_id, task_id in children.orphaned(settled):
        queue.stop_children(parent_id, task_id)
    for map_run_id in (
        MapRun.objects.exclude(status=MapRun.RUNNING)
        .filter(children__status=Execution.RUNNING)
        .values_list("map_run_id", flat=True)
        .distinct()
    ):
        queue.stop_map_run_children(map_run_id)
    deliveries.recover()
    schedules.recover()


def _sweep_tasks(settled: datetime) -> None:
    """Calls never made, made but never reported, or claimed more than GRACE ago (a worker that
    is still making one holds its row lock, and the invoke task leaves it alone); not those
    claimed just now, nor those waiting for their token."""
    in_hand = TaskInvocation.objects.filter(
        Q(status=TaskInvocation.WAITING)
        | Q(status=TaskInvocation.CLAIMED, claimed_until__gt=settled + executions.TASK_CLAIM),
        execution=OuterRef("execution"),
        task_id=OuterRef("task_id"),
        attempt=OuterRef("attempt"),
    )
    for execution_id, task_id, attempt in (
        PendingTask.objects.filter(execution__status=Execution.RUNNING, created__lte=settled)
        .exclude(Exists(in_hand))
        .values_list("execution_id", "task_id", "attempt")
    ):
        queue.invoke_task(execution_id, task_id, attempt)


def recover_once(recent: queue.RecentSends | None = None) -> bool:
    """One sweep if this worker holds the lease; whether it swept. With ``recent`` (the
    sweeper's memory), what it sent within RESEND_AFTER is not sent again."""
    if not take_lease():
        return False
    if recent is None:
        sweep()
    else:
        with queue.sent_once_per(recent):
            sweep()
    return True


class Sweeper:
    """A daemon thread running ``recover_once`` at start and every SWEEP_EVERY seconds."""

    def __init__(self, every: float = SWEEP_EVERY) -> None:
        self.every = every
        self.recent = queue.RecentSends(RESEND_AFTER)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="stepbridge-recovery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                close_old_connections()
                recover_once(self.recent)
            except Exception:
                log.exception("recovery sweep failed; trying again in %ss", self.every)
            self._stop.wait(self.every)


_sweeper: Sweeper | None = None
_sweeper_lock = threading.Lock()


def start_sweeper() -> Sweeper:
    """The process's one sweeper (a worker's start signal and the embedded server both ask)."""
    global _sweeper
    with _sweeper_lock:
        if _sweeper is None:
            _sweeper = Sweeper()
            _sweeper.start()
        return _sweeper
