"""The one module that moves an execution: start, stop, answer a task token, update a Map
Run, fire a timer, perform a task, step. The API, the browser, rule targets and Map Run
children all come here.

Standard or Express is chosen once, in ``start_execution``: a Standard execution is durable
(stored, stepped by Celery, resumable after a crash); an Express execution runs in memory and
keeps no history, also when a rule's target starts it, as on AWS
(https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html).
StartExecution is idempotent for a running execution's name and input, else
ExecutionAlreadyExists (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
A task's call is recorded before it is made (TaskInvocation), so it happens once.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from engine.states.model import (
    Decision,
    ExecutionContext,
    ExecutionStartRequested,
    Happening,
    MapRunUpdated,
    StopRequested,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
)
from workbench.accounts.models import Workspace
from workbench.celery import VISIBILITY_TIMEOUT_SECONDS
from workbench.runtime import clock, contexts, express, integrations, map_runs, queue
from workbench.runtime.commands import TIMER_HORIZON
from workbench.runtime.express import ExpressResult
from workbench.runtime.stepper import apply_first_step, apply_happening
from workbench.stepfunctions import services
from workbench.stepfunctions.errors import (
    ExecutionAlreadyExists,
    InvalidOutput,
    StateMachineTypeNotSupported,
)
from workbench.stepfunctions.models import Execution, MapRun, PendingTask, StateMachine, TaskInvocation, Timer

TASK_CLAIM = timedelta(seconds=VISIBILITY_TIMEOUT_SECONDS)
"""How long a claim counts as fresh for the recovery sweep (it re-sends older ones, whose
worker may have died; the row lock below says whether it did)."""


@dataclass(frozen=True)
class StartedExecution:
    """A started execution: ``execution`` is the stored row of a Standard one, None for Express."""

    arn: str
    start_date: datetime
    execution: Execution | None = None


def step(execution_id: int, happening: Happening) -> Decision | None:
    """Apply one happening to a stored execution (a no-op, None, when it was already applied)."""
    return apply_happening(execution_id, happening)


def start_execution(
    machine: StateMachine, *, name: str | None = None, input_text: str | None = None
) -> StartedExecution:
    """StartExecution for every caller: Standard durably, Express asynchronously in memory."""
    name = name or str(uuid.uuid4())
    services.check_name(name, "execution")
    payload = services.parse_input(input_text)
    text = input_text if input_text is not None else "{}"
    if machine.type == StateMachine.EXPRESS:
        context = contexts.of_express(machine, name)
        queue.run_express_execution(machine.id, name, context.execution_arn, text)
        return StartedExecution(context.execution_arn, context.start_time)
    try:
        # No SELECT first: the unique name constraint refuses a second execution of the name,
        # and the first step runs on the inserted row itself, in the same transaction.
        with transaction.atomic():
            execution = Execution.objects.create(
                state_machine=machine,
                name=name,
                definition=machine.definition,
                input=text,
                start_date=clock.now(machine.workspace),
            )
            apply_first_step(
                execution, ExecutionStartRequested(input=payload, context=contexts.of_execution(execution))
            )
    except IntegrityError:
        execution = _same_named(machine, name, text)
    return StartedExecution(execution.arn, execution.start_date, execution)


def _same_named(machine: StateMachine, name: str, text: str) -> Execution:
    """AWS's idempotent answer: the running execution of that name and input, else an error."""
    existing = Execution.objects.filter(state_machine=machine, name=name, map_run__isnull=True).first()
    if existing is None:
        raise ExecutionAlreadyExists(f"Execution Already Exists: '{name}'")
    if existing.status == Execution.RUNNING and existing.input == text:
        return existing
    raise ExecutionAlreadyExists(f"Execution Already Exists: '{existing.arn}'")


def start_sync_execution(
    machine: StateMachine, *, name: str | None = None, input_text: str | None = None
) -> tuple[ExecutionContext, ExpressResult]:
    """StartSyncExecution: an Express execution run to its end in this request, in memory."""
    if machine.type != StateMachine.EXPRESS:
        raise StateMachineTypeNotSupported("This operation is not supported by this type of state machine")
    name = name or str(uuid.uuid4())
    services.check_name(name, "execution")
    payload = services.parse_input(input_text)
    context = contexts.of_express(machine, name)
    return context, express.run(machine.workspace, json.loads(machine.definition), payload, context)


def run_express(machine_id: int, name: str, execution_arn: str, input_text: str) -> None:
    """An asynchronous Express execution, in a worker: run in memory, nothing kept."""
    machine = StateMachine.objects.filter(id=machine_id).select_related("workspace").first()
    if machine is None:
        return
    context = contexts.of_express(machine, name, execution_arn)
    express.run(machine.workspace, json.loads(machine.definition), json.loads(input_text), context)


def stop_execution(execution: Execution, *, error: str | None, cause: str | None) -> Execution:
    if execution.status == Execution.RUNNING:
        step(execution.id, StopRequested(error=error or "", cause=cause or ""))
        execution.refresh_from_db()
    return execution


def delete_state_machine(machine: StateMachine) -> None:
    """DeleteStateMachine: its running executions are aborted first."""
    for execution_id in services.running_execution_ids(machine):
        step(execution_id, StopRequested(error="States.Aborted", cause="State machine deleted"))
    services.delete_state_machine(machine)


def send_task_success(workspace: Workspace, token: Any, output_text: Any) -> None:
    task = services.task_for_token(workspace, token)
    if not isinstance(output_text, str):
        raise InvalidOutput("Invalid Output: output must be a JSON string")
    try:
        output = json.loads(output_text)
    except json.JSONDecodeError as exc:
        raise InvalidOutput(f"Invalid Output: '{exc.msg}'") from exc
    step(task.execution_id, TaskSucceeded(task_id=task.task_id, output=output))


def send_task_failure(workspace: Workspace, token: Any, error: str | None, cause: str | None) -> None:
    task = services.task_for_token(workspace, token)
    step(task.execution_id, TaskFailed(task_id=task.task_id, error=error or "", cause=cause or ""))


def send_task_heartbeat(workspace: Workspace, token: Any) -> None:
    task = services.task_for_token(workspace, token)
    step(task.execution_id, TaskHeartbeat(task_id=task.task_id))


def update_map_run(
    map_run: MapRun,
    *,
    max_concurrency: int | None,
    tolerated_failure_count: int | None,
    tolerated_failure_percentage: float | None,
) -> None:
    """UpdateMapRun: record the new limits and hand them to the parent's decider."""
    services.record_map_run_limits(
        map_run,
        max_concurrency=max_concurrency,
        tolerated_failure_count=tolerated_failure_count,
        tolerated_failure_percentage=tolerated_failure_percentage,
    )
    step(
        map_run.execution_id,
        MapRunUpdated(
            map_run_id=map_run.map_run_id,
            max_concurrency=max_concurrency,
            tolerated_failure_count=tolerated_failure_count,
            tolerated_failure_percentage=tolerated_failure_percentage,
        ),
    )


def fire_timer(execution_id: int, timer_id: str) -> bool:
    """Fire a durable timer once its workspace's clock has reached it; whether it fired.

    An early delivery re-arms it (or, too far off or on a frozen clock, leaves it to the
    recovery sweep and the clock's advances); a stale one does nothing.
    """
    timer = (
        Timer.objects.filter(execution_id=execution_id, timer_id=timer_id)
        .select_related("execution__state_machine__workspace__virtual_clock")
        .first()
    )
    if timer is None:
        return False
    workspace = timer.execution.state_machine.workspace
    if timer.fire_at > clock.now(workspace):
        at = clock.eta(workspace, timer.fire_at)
        if at is not None and clock.within(TIMER_HORIZON, at):
            queue.fire_timer(execution_id, timer_id, at)
        else:
            Timer.objects.filter(id=timer.id).update(armed=False)
        return False
    return step(execution_id, TimerFired(timer_id=timer_id)) is not None


def invoke_task(execution_id: int, task_id: str, attempt: int | None = None) -> None:
    """Perform a Task state's resource once and report how it ended.

    The call is claimed in a TaskInvocation row (committed) before it is made, and made under
    that row's lock in the transaction that also records its outcome: a redelivered message
    reports the recorded outcome, leaves a call another worker is making to that worker, and
    makes again a call whose worker died before committing (it left nothing behind).
    """
    task = (
        PendingTask.objects.filter(execution_id=execution_id, task_id=task_id)
        .select_related("execution__state_machine__workspace", "execution__map_run")
        .first()
    )
    if task is None or task.execution.status != Execution.RUNNING:
        return
    if attempt is not None and attempt != task.attempt:
        return  # a message for an earlier attempt of this task
    invocation, _ = TaskInvocation.objects.get_or_create(
        execution_id=execution_id,
        task_id=task_id,
        attempt=task.attempt,
        defaults={"claimed_until": timezone.now() + TASK_CLAIM},
    )
    execution = task.execution
    with transaction.atomic():
        # Whoever holds the claim's row lock with the claim still open makes the call; the call's
        # own records (a function's invocation, a queue's message) and its outcome commit with
        # it. A worker that died mid-call left nothing behind and released the lock, so the
        # next one to get here makes the call, once. A claim locked by a live worker is skipped
        # (PostgreSQL); SQLite's IMMEDIATE transactions wait for that worker's to end instead.
        claim = (
            TaskInvocation.objects.select_for_update(skip_locked=_skip_locked())
            .filter(id=invocation.id, status=TaskInvocation.CLAIMED)
            .first()
        )
        if claim is not None:
            result = integrations.perform(
                execution.state_machine.workspace,
                resource=task.resource,
                payload=task.payload,
                caller=f"{execution.arn}#{task.state_name}",
                attempt=task.attempt,
                wait_for_token=task.wait_for_token,
                role_arn=execution.state_machine.role_arn,
                session_name=execution.name[:64],
            )
            if not result.done:
                outcome: dict[str, Any] = {"status": TaskInvocation.WAITING}
            elif result.error is not None:
                outcome = {"status": TaskInvocation.FAILED, "error": result.error, "cause": result.cause}
            else:
                outcome = {"status": TaskInvocation.SUCCEEDED, "output": result.output}
            TaskInvocation.objects.filter(id=invocation.id).update(**outcome)
    invocation.refresh_from_db()
    _report_recorded(invocation)


def _skip_locked() -> bool:
    """PostgreSQL skips a row another transaction holds; SQLite serialises writers instead."""
    return bool(connection.features.has_select_for_update_skip_locked)


def _report_recorded(invocation: TaskInvocation) -> None:
    """Hand the decider a call's recorded outcome; a call still claimed is left to its worker."""
    if invocation.status == TaskInvocation.SUCCEEDED:
        step(invocation.execution_id, TaskSucceeded(task_id=invocation.task_id, output=invocation.output))
    elif invocation.status == TaskInvocation.FAILED:
        step(
            invocation.execution_id,
            TaskFailed(
                task_id=invocation.task_id, error=invocation.error or "", cause=invocation.cause or ""
            ),
        )


def start_child(map_run_id: str, name: str) -> None:
    """A Distributed Map child's first decider step; a repeated call does nothing."""
    child = (
        Execution.objects.filter(map_run__map_run_id=map_run_id, name=name)
        .select_related("map_run", "state_machine__workspace")
        .first()
    )
    if child is None or child.engine_state is not None or child.status != Execution.RUNNING:
        return
    step(
        child.id, ExecutionStartRequested(input=json.loads(child.input), context=contexts.of_execution(child))
    )


def stop_map_run_children(map_run_id: str) -> None:
    """Abort the children still running when their Map Run failed or was aborted."""
    for child_id in Execution.objects.filter(
        map_run__map_run_id=map_run_id, status=Execution.RUNNING
    ).values_list("id", flat=True):
        step(child_id, StopRequested(error="", cause=""))


def report_child_end(child_id: int) -> None:
    """Tell the parent that a child ended (safe to repeat: the decider ignores a second report)."""
    child = (
        Execution.objects.filter(id=child_id).select_related("map_run", "state_machine__workspace").first()
    )
    if child is None or child.map_run is None or child.status == Execution.RUNNING:
        return
    step(child.map_run.execution_id, map_runs.ended_happening(child))
    Execution.objects.filter(id=child_id).update(end_reported=True)
