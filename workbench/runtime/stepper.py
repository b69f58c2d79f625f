"""One decider step: load an execution, ask the engine, commit what it decided.

The new engine state, the history events, the live node statuses (folded once here from the
engine's own events) and the durable half of every command are written in one transaction;
the commands are carried out and live updates are sent only after that transaction commits
(never for work that was rolled back). A happening that is no longer expected (a task already
answered, a timer already fired: a Celery message delivered twice) changes nothing, so a step
applied twice is applied once.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from engine.states.interpreter import advance
from engine.states.model import (
    Decision,
    Environment,
    ExecutionStartRequested,
    FinishExecution,
    Happening,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
)
from engine.states.model import (
    HistoryEvent as HistoryEventShape,
)
from engine.states.progress import Progress
from workbench.live import publish
from workbench.runtime.commands import DurableExecutor
from workbench.stepfunctions.models import Execution, HistoryEvent, PendingTask, Timer

_system_random = random.SystemRandom()
STEP_FIELDS = (
    "engine_state",
    "status",
    "event_count",
    "progress",
    "node_statuses",
    "stop_date",
    "output",
    "error",
    "cause",
)
"""The execution's columns a step (its decision and the commands' durable half) may change."""
log = logging.getLogger(__name__)


def environment() -> Environment:
    """The real clock and randomness the engine is handed in the shell."""
    return Environment(
        now=timezone.now(), new_token=lambda: secrets.token_urlsafe(96), random=_system_random.random
    )


def apply_happening(execution_id: int, happening: Happening) -> Decision | None:
    """Advance one execution by one happening; None when it is no longer running or the
    happening was already applied."""
    with transaction.atomic():
        execution = (
            Execution.objects.select_for_update(of=("self",))
            .select_related("state_machine__workspace", "map_run")
            .filter(id=execution_id)
            .first()
        )
        if execution is None or execution.status != Execution.RUNNING or not _expected(execution, happening):
            return None
        return _decide_and_persist(execution, happening, DurableExecutor(execution))


def apply_first_step(execution: Execution, happening: ExecutionStartRequested) -> Decision:
    """The first step of an execution row the caller inserted in its open transaction: the row
    is already held, so it is neither loaded nor locked again, and it has no pending task or
    timer to clear yet."""
    return _decide_and_persist(execution, happening, DurableExecutor(execution, fresh=True))


def _decide_and_persist(execution: Execution, happening: Happening, executor: DurableExecutor) -> Decision:
    try:
        decision = advance(json.loads(execution.definition), execution.engine_state, happening, environment())
    except Exception as exc:
        log.exception("the decider failed on execution %s", execution.id)
        decision = _internal_failure(execution, exc)
    _persist(execution, decision, executor)
    transaction.on_commit(partial(_after_commit, execution.id, decision, executor))
    return decision


def _expected(execution: Execution, happening: Happening) -> bool:
    """Whether the happening still applies: each is answered once. An answered task or a fired
    timer is consumed here (deleted, in the step's transaction), so it cannot apply twice."""
    if isinstance(happening, TaskSucceeded | TaskFailed):
        return _deleted(PendingTask.objects.filter(execution=execution, task_id=happening.task_id))
    if isinstance(happening, TaskHeartbeat):
        return PendingTask.objects.filter(execution=execution, task_id=happening.task_id).exists()
    if isinstance(happening, TimerFired):
        return _deleted(Timer.objects.filter(execution=execution, timer_id=happening.timer_id))
    if isinstance(happening, ExecutionStartRequested):
        return execution.engine_state is None
    return True


def _deleted(rows: QuerySet[Any]) -> bool:
    deleted, _ = rows.delete()
    return deleted > 0


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


def _persist(execution: Execution, decision: Decision, executor: DurableExecutor) -> None:
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
    if decision.history:
        progress = Progress.restore(execution.progress)
        progress.add(event.to_aws() for event in decision.history)
        execution.progress = progress.snapshot()
        execution.node_statuses = dict(progress.statuses)
    executor.handle_all(decision.commands)
    # Only what a step changes: the definition and input are never rewritten.
    execution.save(update_fields=STEP_FIELDS)


def _after_commit(execution_id: int, decision: Decision, executor: DurableExecutor) -> None:
    # Push first: the work carried out next may commit (and push) the following step at once.
    execution = executor.execution
    top_level = execution.map_run_id is None
    publish.execution_stepped(
        execution_id,
        decision,
        execution.node_statuses,
        workspace_id=execution.state_machine.workspace_id if top_level else None,
    )
    executor.carry_out()
