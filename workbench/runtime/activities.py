"""Activity tasks: scheduling one for a Task state and handing it to a worker (GetActivityTask).

A Task whose Resource is an activity ARN is a PendingTask like any other; its token (made by the
decider) is what the worker answers with SendTaskSuccess/Failure/Heartbeat. GetActivityTask
takes the oldest task of the activity nobody took yet, marks it started and writes
ActivityStarted (with ``workerName``) in one transaction, as AWS's history shows it
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetActivityTask.html).

Long polling: a poll with nothing to take waits up to ``POLL_SECONDS`` (AWS's 60 s), looking
again every ``LOOK_EVERY`` seconds (a task scheduled by another process, e.g. a Celery worker in
distributed mode: the database is the truth) or as soon as this process schedules one. Between
looks the thread holds no transaction and gives its database connection back, so waiting
pollers never starve PostgreSQL's pool. The served API answers GetActivityTask on Django's
thread per request, not on the fast path's few threads (workbench.awsapi.fastpath).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from engine.states.model import TaskStarted
from workbench.core.jsonio import dumps
from workbench.runtime import activity_arrivals
from workbench.runtime.stepper import apply_happening
from workbench.stepfunctions.models import Activity, Execution, PendingTask

POLL_SECONDS = 60.0
"""How long GetActivityTask holds a poll with nothing to hand out (AWS: 60 seconds)."""
LOOK_EVERY = 0.5


@dataclass(frozen=True)
class ActivityTask:
    """What GetActivityTask hands a worker."""

    token: str
    input: str


def take(activity: Activity, worker_name: str | None) -> ActivityTask | None:
    """Hand the activity's oldest untaken task to a worker, or None when there is none.

    The execution row is locked first (the order every step locks in), then the task is marked
    started only if still untaken, so two pollers never get the same task.
    """
    arn = activity.arn
    while True:
        candidate = (
            PendingTask.objects.filter(
                resource=arn,
                started__isnull=True,
                execution__state_machine__workspace_id=activity.workspace_id,
                execution__status=Execution.RUNNING,
            )
            .order_by("created", "id")
            .values_list("id", "execution_id", "task_id")
            .first()
        )
        if candidate is None:
            return None
        task_pk, execution_id, task_id = candidate
        with transaction.atomic():
            Execution.objects.select_for_update().filter(id=execution_id).values_list("id").first()
            won = PendingTask.objects.filter(id=task_pk, started__isnull=True).update(
                started=timezone.now(), worker_name=worker_name
            )
            if not won:
                continue  # another poller took it first: look again
            task = PendingTask.objects.get(id=task_pk)
            apply_happening(execution_id, TaskStarted(task_id=task_id, worker_name=worker_name))
        assert task.token is not None
        return ActivityTask(token=task.token, input=dumps(task.payload))


def poll(activity: Activity, worker_name: str | None, seconds: float | None = None) -> ActivityTask | None:
    """GetActivityTask's long poll: a task as soon as one is there, else None after ``seconds``."""
    deadline = time.monotonic() + (POLL_SECONDS if seconds is None else seconds)
    while True:
        seen = activity_arrivals.generation()
        task = take(activity, worker_name)
        remaining = deadline - time.monotonic()
        if task is not None or remaining <= 0:
            return task
        if not connection.in_atomic_block:
            connection.close()  # back to the pool while waiting (SQLite: reopened cheaply)
        activity_arrivals.wait_after(seen, min(LOOK_EVERY, remaining))
