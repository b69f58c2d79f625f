"""One decider step: load an execution, ask the engine, commit what it decided.

The new engine state, the history events, the live node statuses (folded once here from the
engine's own events) and the durable half of every command are written in one transaction;
the commands are carried out and live updates are sent only after that transaction commits
(never for work that was rolled back). A happening that is no longer expected (a task already
answered, a timer already fired: a Celery message delivered twice) changes nothing, so a step
applied twice is applied once.
"""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from engine.states.interpreter import advance, parse_definition
from engine.states.model import (
    Decision,
    Environment,
    ExecutionStartRequested,
    FinishExecution,
    Happening,
    RedriveRequested,
    TaskFailed,
    TaskHeartbeat,
    TaskSubmitted,
    TaskSucceeded,
    TimerFired,
)
from engine.states.model import (
    HistoryEvent as HistoryEventShape,
)
from engine.states.progress import Progress
from workbench.accounts.models import Workspace
from workbench.core import together
from workbench.core.prepared import Prepared
from workbench.core.rows import delete_held, delete_where, insert_unless_present, update_fields
from workbench.live import publish
from workbench.runtime import clock, status_events
from workbench.runtime.commands import DurableExecutor
from workbench.stepfunctions import activities, history_rows
from workbench.stepfunctions.models import Execution, PendingTask, Timer

_system_random = random.SystemRandom()


def new_task_token() -> str:
    """A task token: 128 random URL-safe characters after "AQ". AWS's tokens start so; a token
    starting with "-" (one in 64 of ``token_urlsafe``'s) would be read by aws-cli as an option:
    ``aws stepfunctions send-task-success --task-token -x...`` fails with "expected one argument"."""
    return "AQ" + secrets.token_urlsafe(96)


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
REDRIVE_FIELDS = (*STEP_FIELDS, "redrive_count", "redrive_date", "redrive_tokens")
"""A redrive's step also counts the redrive."""
log = logging.getLogger(__name__)


def environment(workspace: Workspace | None = None, now: datetime | None = None) -> Environment:
    """The clock and randomness the engine is handed in the shell: ``now``, else the workspace's
    time (its virtual clock when on, ``runtime.clock``), real time without a workspace; and
    whether an activity ARN names one of ``workspace``'s activities (without a workspace: every
    one does)."""
    if workspace is None:
        return Environment(now=now or timezone.now(), new_token=new_task_token, random=_system_random.random)
    return Environment(
        now=now or clock.now(workspace),
        new_token=new_task_token,
        random=_system_random.random,
        activity_exists=partial(activities.activity_exists, workspace),
    )


def apply_happening(execution_id: int, happening: Happening) -> Decision | None:
    """Advance one execution by one happening; None when it is no longer running or the
    happening was already applied.

    Inside a caller's transaction (a task's call and the step it leads to commit together,
    ``executions.invoke_task``) no savepoint is taken: whatever this raises ends that whole
    transaction anyway, and the SAVEPOINT and RELEASE were two of the step's statements."""
    with together.atomic(savepoint=False):
        execution = _LOCKED_EXECUTION.first(execution_id)
        if execution is None or execution.status != Execution.RUNNING or not _expected(execution, happening):
            return None
        return _decide_and_persist(execution, happening, DurableExecutor(execution))


# Every step loads and locks its execution: compiled once per thread (core/prepared.py). Its
# machine's definition and design are left behind: the execution keeps its own definition.
_LOCKED_EXECUTION: Prepared[Execution] = Prepared(
    lambda execution_id: (
        Execution.objects.select_for_update(of=("self",))
        .select_related("state_machine__workspace__virtual_clock", "map_run")
        .defer("state_machine__definition", "state_machine__design_source")
        .filter(id=execution_id)
        .order_by()[:1]
    ),
    int,
)


@dataclass(frozen=True)
class Step:
    """A step taken on an execution this transaction inserted: its first, decided before its
    row existed (``decide_first_step``), or one after it (``apply_answer``)."""

    execution: Execution
    decision: Decision
    executor: DurableExecutor


def decide_first_step(execution: Execution, happening: ExecutionStartRequested) -> Step:
    """Decide the first step of an execution not stored yet, outside any transaction: its row
    holds no one's lock and nothing of it can change, so the decider's work is kept out of
    SQLite's one write turn (issue 10: the turn was what a Task execution queued on). The row
    takes what the step decided before it is inserted (``insert_first_step``)."""
    executor = DurableExecutor(execution)
    decision = _decide(execution, happening, executor)
    if decision.status == Execution.RUNNING:
        # A running execution's row is complete before its INSERT; an ended one's end is
        # written by FinishExecution's command, after it (``insert_first_step``).
        _take(execution, decision)
    return Step(execution, decision, executor)


def insert_first_step(first: Step) -> bool:
    """Insert the execution's row with its first step, in the caller's transaction: the row, its
    history, the commands' durable half, and (only for an execution that the step ended) one
    UPDATE with its end. False, and nothing written, when the machine already has an execution
    of that name (the unique constraint)."""
    execution, decision, executor = first.execution, first.decision, first.executor
    if not insert_unless_present(execution):
        return False
    # The status change event of RUNNING (the row's status until an ending step's UPDATE).
    status_events.execution_status_changed(execution, execution.start_date)
    if decision.status == Execution.RUNNING:
        history_rows.insert(execution.id, decision.history)
        executor.handle_all(decision.commands)
    else:
        _persist(execution, decision, executor)
    transaction.on_commit(partial(_after_commit, execution.id, decision, executor))
    return True


def apply_answer(asked: Step, answer: TaskSucceeded | TaskFailed) -> Step:
    """The next step of an execution this transaction inserted (``insert_first_step``): the
    answer to a task that ``asked`` sent, the call made in the same transaction
    (``executions.start_execution``). The row is this transaction's own and nobody else knows
    of it, so there is no lock to take and the pending task is there: it is consumed (a DELETE
    sent with the step's other writes). The task is no longer owed after commit
    (``DurableExecutor.made_here``)."""
    execution = asked.execution
    asked.executor.made_here(answer.task_id)
    delete_held(PendingTask, execution_id=execution.id, task_id=answer.task_id)
    executor = DurableExecutor(execution)
    return Step(execution, _decide_and_persist(execution, answer, executor), executor)


def apply_redrive(execution: Execution) -> Decision | None:
    """RedriveExecution's step on an ended execution the caller checked and holds locked
    (``select_for_update`` in its transaction): the decider puts its unsuccessful states back to
    work; the row is RUNNING again (unless the redriven step ended it at once), with no stop
    date, output or error, and one redrive more."""
    decision = advance(
        parse_definition(execution.definition), execution.engine_state, RedriveRequested(), environment()
    )
    if not decision.history:
        return None  # the decider had nothing to redrive
    execution.stop_date = None
    execution.output = None
    execution.error = None
    execution.cause = None
    execution.redrive_count += 1
    execution.redrive_date = decision.history[0].timestamp
    # The client token of this redrive (if any, added last by the caller) gets its date.
    execution.redrive_tokens = [
        [token, used or execution.redrive_date.isoformat()] for token, used in execution.redrive_tokens
    ]
    executor = DurableExecutor(execution)
    _persist(execution, decision, executor, fields=REDRIVE_FIELDS)
    transaction.on_commit(partial(_after_commit, execution.id, decision, executor))
    return decision


def _decide_and_persist(execution: Execution, happening: Happening, executor: DurableExecutor) -> Decision:
    decision = _decide(execution, happening, executor)
    _persist(execution, decision, executor, started=isinstance(happening, ExecutionStartRequested))
    transaction.on_commit(partial(_after_commit, execution.id, decision, executor))
    return decision


def _decide(execution: Execution, happening: Happening, executor: DurableExecutor) -> Decision:
    """The decider's answer; a fault inside it ends the execution (``_internal_failure``)."""
    try:
        return advance(
            parse_definition(execution.definition),
            execution.engine_state,
            happening,
            environment(execution.state_machine.workspace),
        )
    except Exception as exc:
        log.exception("the decider failed on execution %s", execution.id)
        executor.clear_all_on_finish()
        return _internal_failure(execution, exc)


def _expected(execution: Execution, happening: Happening) -> bool:
    """Whether the happening still applies: each is answered once. An answered task or a fired
    timer is consumed here (deleted, in the step's transaction), so it cannot apply twice."""
    if isinstance(happening, TaskSucceeded | TaskFailed):
        return delete_where(PendingTask, execution_id=execution.id, task_id=happening.task_id) > 0
    if isinstance(happening, TaskHeartbeat | TaskSubmitted):
        return PendingTask.objects.filter(execution=execution, task_id=happening.task_id).exists()
    if isinstance(happening, TimerFired):
        return delete_where(Timer, execution_id=execution.id, timer_id=happening.timer_id) > 0
    if isinstance(happening, ExecutionStartRequested):
        return execution.engine_state is None
    return True


def _internal_failure(execution: Execution, exc: Exception) -> Decision:
    """End an execution the decider could not advance: FAILED with States.Runtime, as AWS
    ends one on a service fault, instead of leaving it RUNNING forever."""
    cause = f"Internal error in the workbench: {type(exc).__name__}: {exc}"
    event = HistoryEventShape(
        id=execution.event_count + 1,
        previous_event_id=execution.event_count,
        type="ExecutionFailed",
        timestamp=clock.now(execution.state_machine.workspace),
        details_key="executionFailedEventDetails",
        details={"error": "States.Runtime", "cause": cause},
    )
    return Decision(
        state=dict(execution.engine_state or {}, status="FAILED"),
        commands=[FinishExecution(status="FAILED", error="States.Runtime", cause=cause)],
        history=[event],
        status="FAILED",
    )


def _persist(
    execution: Execution,
    decision: Decision,
    executor: DurableExecutor,
    *,
    started: bool = False,
    fields: tuple[str, ...] = STEP_FIELDS,
) -> None:
    if started:  # the status change event of RUNNING, before this step may end the execution
        status_events.execution_status_changed(execution, execution.start_date)
    _take(execution, decision)
    history_rows.insert(execution.id, decision.history)
    executor.handle_all(decision.commands)
    if execution.status != Execution.RUNNING:
        status_events.execution_status_changed(execution, execution.stop_date or timezone.now())
    # Only what a step changes: the definition and input are never rewritten. One UPDATE
    # without the ORM's save path (core/rows.py: a fifth of a Task step's CPU went to it).
    update_fields(Execution, [execution], fields)


def _take(execution: Execution, decision: Decision) -> None:
    """The row's fields that follow from the decision: state, status, counts, node statuses."""
    execution.engine_state = decision.state
    execution.status = decision.status
    execution.event_count += len(decision.history)
    if decision.history:
        progress = Progress.restore(execution.progress)
        progress.add(event.to_aws() for event in decision.history)
        execution.progress = progress.snapshot()
        execution.node_statuses = dict(progress.statuses)


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
