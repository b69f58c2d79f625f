"""One decider step: load an execution, ask the engine, commit what it decided.

The new engine state, the history events and the bookkeeping of pending tasks and timers
are written in one transaction; the commands are carried out and live updates are sent
only after that transaction commits (never for work that was rolled back).
"""

from __future__ import annotations

import json
import logging
import random
import secrets
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from engine.states.interpreter import advance
from engine.states.model import (
    CancelTask,
    CancelTimer,
    Decision,
    Environment,
    FinishExecution,
    Happening,
    InvokeTask,
    StartTimer,
    TaskFailed,
    TaskSucceeded,
)
from engine.states.model import (
    HistoryEvent as HistoryEventShape,
)
from workbench.core.jsonio import dumps
from workbench.live import publish
from workbench.runtime import dispatch, map_runs
from workbench.stepfunctions.models import Execution, HistoryEvent, PendingTask, Timer

_system_random = random.SystemRandom()
log = logging.getLogger(__name__)


def environment() -> Environment:
    """The real clock and randomness the engine is handed in the shell."""
    return Environment(
        now=timezone.now(), new_token=lambda: secrets.token_urlsafe(96), random=_system_random.random
    )


def apply_happening(execution_id: int, happening: Happening) -> Decision | None:
    """Advance one execution by one happening; None when it is no longer running."""
    with transaction.atomic():
        execution = (
            Execution.objects.select_for_update()
            .select_related("state_machine__workspace")
            .filter(id=execution_id)
            .first()
        )
        if execution is None or execution.status != Execution.RUNNING:
            return None
        try:
            decision = advance(
                json.loads(execution.definition), execution.engine_state, happening, environment()
            )
        except Exception as exc:
            log.exception("the decider failed on execution %s", execution.id)
            decision = _internal_failure(execution, exc)
        if isinstance(happening, TaskSucceeded | TaskFailed):
            # An answered task is no longer pending: its token cannot be answered twice.
            PendingTask.objects.filter(execution=execution, task_id=happening.task_id).delete()
        _persist(execution, decision)
        is_child = execution.map_run_id is not None
        transaction.on_commit(partial(_after_commit, execution.id, decision, is_child))
    return decision


def _internal_failure(execution: Execution, exc: Exception) -> Decision:
    """End an execution the decider could not advance: FAILED with States.Runtime, as AWS
    ends one on a service fault, instead of leaving it RUNNING forever."""
    cause = f"Internal error in the workbench: {type(exc).__name__}: {exc}"
    event = HistoryEventShape(
        id=execution.event_count + 1,
        previous_event_id=execution.event_count,
        type="ExecutionFailed",
        timestamp=timezone.now(),
        details_key="executionFailedEventDetails",
        details={"error": "States.Runtime", "cause": cause},
    )
    return Decision(
        state=dict(execution.engine_state or {}, status="FAILED"),
        commands=[FinishExecution(status="FAILED", error="States.Runtime", cause=cause)],
        history=[event],
        status="FAILED",
    )


def _persist(execution: Execution, decision: Decision) -> None:
    execution.engine_state = decision.state
    execution.status = decision.status
    HistoryEvent.objects.bulk_create(
        HistoryEvent(
            execution=execution,
            event_id=event.id,
            previous_event_id=event.previous_event_id,
            type=event.type,
            timestamp=event.timestamp,
            details_key=event.details_key,
            details=event.details,
        )
        for event in decision.history
    )
    execution.event_count += len(decision.history)
    for command in decision.commands:
        _record(execution, command)
    execution.save()


def _record(execution: Execution, command: Any) -> None:
    """The durable half of a command: what must survive a crash before it is carried out."""
    if isinstance(command, InvokeTask):
        PendingTask.objects.update_or_create(
            execution=execution,
            task_id=command.task_id,
            defaults={
                "state_name": command.state_name,
                "resource": command.resource,
                "payload": command.payload,
                "token": command.task_token,
                "wait_for_token": command.wait_for_token,
                "attempt": command.retry_count + 1,
                "created": timezone.now(),
            },
        )
    elif isinstance(command, CancelTask):
        PendingTask.objects.filter(execution=execution, task_id=command.task_id).delete()
    elif isinstance(command, StartTimer):
        Timer.objects.update_or_create(
            execution=execution, timer_id=command.timer_id, defaults={"fire_at": command.fire_at}
        )
    elif isinstance(command, CancelTimer):
        Timer.objects.filter(execution=execution, timer_id=command.timer_id).delete()
    elif isinstance(command, map_runs.MAP_RUN_COMMANDS):
        map_runs.record(execution, command)
    elif isinstance(command, FinishExecution):
        execution.status = command.status
        execution.stop_date = timezone.now()
        execution.output = dumps(command.output) if command.status == "SUCCEEDED" else None
        execution.error = command.error
        execution.cause = command.cause
        execution.pending_tasks.all().delete()
        execution.timers.all().delete()


def _after_commit(execution_id: int, decision: Decision, is_child: bool) -> None:
    # Push first: the work carried out next may commit (and push) the following step at once.
    publish.history_appended(execution_id, decision)
    dispatch.carry_out(execution_id, decision.commands)
    if is_child:
        map_runs.child_stepped(execution_id, decision.status)
