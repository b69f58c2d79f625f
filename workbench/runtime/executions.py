"""The one module that moves an execution: start, stop, redrive, answer a task token, update a
Map Run, fire a timer, perform a task, step. The API, the browser, rule targets and Map Run
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
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from engine.states.interpreter import parse_definition
from engine.states.model import (
    Decision,
    ExecutionContext,
    ExecutionStartRequested,
    Happening,
    InvokeTask,
    MapRunUpdated,
    StopRequested,
    TaskFailed,
    TaskHeartbeat,
    TaskSubmitted,
    TaskSucceeded,
    TimerFired,
)
from workbench.accounts.models import Workspace
from workbench.celery import RETRIED_DATABASE_ERRORS, VISIBILITY_TIMEOUT_SECONDS
from workbench.core import together
from workbench.core.ids import random_id
from workbench.core.prepared import Prepared
from workbench.core.rows import insert, insert_unless_present, update_fields
from workbench.runtime import children, clock, contexts, express, integrations, map_runs, mocks, nearby, queue
from workbench.runtime.commands import TIMER_HORIZON, pending_task
from workbench.runtime.express_results import ExpressResult
from workbench.runtime.models import ExpressChild
from workbench.runtime.stepper import (
    Step,
    apply_answer,
    apply_happening,
    apply_redrive,
    decide_first_step,
    insert_first_step,
)
from workbench.stepfunctions import mocks as stepfunction_mocks
from workbench.stepfunctions import services
from workbench.stepfunctions.errors import (
    ExecutionAlreadyExists,
    ExecutionLimitExceeded,
    ExecutionNotRedrivable,
    InvalidOutput,
    StateMachineTypeNotSupported,
)
from workbench.stepfunctions.models import Execution, MapRun, PendingTask, StateMachine, TaskInvocation, Timer
from workbench.stepfunctions.redrive import limit_reached, pending_redrive, redrivability
from workbench.stepfunctions.versions import StartTarget

log = logging.getLogger(__name__)

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
    machine: StateMachine,
    *,
    name: str | None = None,
    input_text: str | None = None,
    target: StartTarget | None = None,
    test_case: str | None = None,
    input_value: Any = services.UNREAD,
) -> StartedExecution:
    """StartExecution for every caller: Standard durably, Express asynchronously in memory.

    ``target`` is what a version or alias ARN resolved to (stepfunctions.versions): the
    execution runs that version's definition, whatever the machine becomes later.
    ``test_case`` (from ``<stateMachineArn>#<TestCase>``) answers Task states from that MockConfig
    test case (workbench.runtime.mocks). ``input_value``: what ``input_text`` reads, when the
    caller built the text from it (a delivery's whole event: not read back again)."""
    name = name or random_id()
    services.check_name(name, "execution")
    payload = services.parse_input(input_text, input_value)
    text = input_text if input_text is not None else "{}"
    version = target.version if target is not None else None
    alias = target.alias if target is not None else None
    mock_case = stepfunction_mocks.test_case_for(machine, test_case) if test_case is not None else None
    if machine.type == StateMachine.EXPRESS:
        context = contexts.of_express(machine, name, version=version)
        definition = version.definition if version is not None else machine.definition
        if mock_case is None and express.may_run_here(definition):
            _run_express_here(machine, definition, payload, context)
            return StartedExecution(context.execution_arn, context.start_time)
        queue.run_express_execution(
            machine.id,
            name,
            context.execution_arn,
            text,
            mock_case,
            version.number if version is not None else None,
        )
        return StartedExecution(context.execution_arn, context.start_time)
    execution = Execution(
        state_machine=machine,
        name=name,
        definition=version.definition if version is not None else machine.definition,
        input=text,
        start_date=clock.now(machine.workspace),
        version_number=version.number if version is not None else None,
        version_role_arn=version.role_arn if version is not None else "",
        alias_name=alias.name if alias is not None else None,
        mock_case=mock_case,
    )
    # The first step is decided before the transaction, then the row is inserted with it. No
    # SELECT first: the unique name constraint refuses a second execution of the name.
    first = decide_first_step(
        execution, ExecutionStartRequested(input=payload, context=contexts.of_execution(execution))
    )
    call = _call_to_make_here(first)
    # The execution role's policies are read before the transaction, as invoke_task does.
    refused = None if call is None else _refusal(first.execution, call.resource, call.payload)
    with together.atomic():
        inserted = insert_first_step(first)
        if inserted and call is not None:
            _make_call_here(first, call, refused)
    if not inserted:
        execution = _same_named(machine, name, text)
    return StartedExecution(execution.arn, execution.start_date, execution)


def _run_express_here(
    machine: StateMachine, definition: str, payload: Any, context: ExecutionContext
) -> None:
    """Run an asynchronous Express start on this thread, in the caller's transaction. A run
    that raises is logged and forgotten, as a worker's is (``run_express_all``); a database
    error ends the caller's transaction, which is tried again whole."""
    try:
        express.run(machine.workspace, parse_definition(definition), payload, context)
    except DatabaseError:
        raise
    except Exception:
        log.exception("the Express execution %s failed to run", context.execution_arn)


def _call_to_make_here(first: Step) -> InvokeTask | None:
    """The task a new execution's first step asked for, when StartExecution's own transaction
    makes its call: one call that answers at once inside the workbench
    (``integrations.answers_at_once``), not mocked, while this thread has budget for quick
    work (runtime.nearby: an API call's thread).

    Issue 10's profile of the served Task workload in distributed mode (the statements of one
    execution logged in process on PostgreSQL, 2026-12-04): the call, made after StartExecution
    committed by the same thread, was a second transaction of its own that read back what the
    first had just written (the pending task, the execution locked, the pending task deleted
    for its count). Apart, the two took 11 round trips to PostgreSQL; together, 5
    (``test_executions_first_call.py``, libpq's trace). A Standard execution's task
    still runs exactly once: the execution, its call and the step the answer leads to commit
    together or not at all, and until they commit nobody else knows the execution exists.
    As on Temporal (a workflow's first task taken at once by the starter: "eager workflow
    start") the caller just waits a little longer for its answer."""
    if first.decision.status != Execution.RUNNING or first.execution.mock_case is not None:
        return None
    asked = [command for command in first.decision.commands if isinstance(command, InvokeTask)]
    if len(asked) != 1 or not integrations.answers_at_once(asked[0].resource, asked[0].wait_for_token):
        return None
    return asked[0] if nearby.may_run_here() else None


def _refusal(execution: Execution, resource: str, payload: Any) -> integrations.TaskResult | None:
    """The task's failure when the execution role may not call ``resource``."""
    workspace, role = execution.state_machine.workspace, execution.role_arn
    return integrations.refusal(workspace, resource, payload, role, execution.name[:64])


def _make_call_here(first: Step, command: InvokeTask, refused: integrations.TaskResult | None) -> None:
    """Make the call ``_call_to_make_here`` chose, in the transaction that inserted its
    execution, and take the step its answer leads to."""
    execution = first.execution
    task = pending_task(execution, command)  # the row its first step wrote
    claim = TaskInvocation(
        execution_id=execution.id,
        task_id=task.task_id,
        attempt=task.attempt,
        claimed_until=timezone.now() + TASK_CLAIM,
        state_name=task.state_name,
    )
    _record(claim, refused or _perform(execution, task, claim))
    insert(claim, keyed=False)
    answer = _answer(claim)
    # A call that ended (every one ``answers_at_once`` chose does); any other outcome is left
    # to the task's message after commit, which finds it recorded on the claim.
    if isinstance(answer, TaskSucceeded | TaskFailed):
        apply_answer(first, answer)


def _same_named(machine: StateMachine, name: str, text: str) -> Execution:
    """AWS's idempotent answer: the running execution of that name and input, else an error."""
    existing = Execution.objects.filter(state_machine=machine, name=name, map_run__isnull=True).first()
    if existing is None:
        raise ExecutionAlreadyExists(f"Execution Already Exists: '{name}'")
    if existing.status == Execution.RUNNING and existing.input == text:
        return existing
    raise ExecutionAlreadyExists(f"Execution Already Exists: '{existing.arn}'")


def start_sync_execution(
    machine: StateMachine,
    *,
    name: str | None = None,
    input_text: str | None = None,
    target: StartTarget | None = None,
    test_case: str | None = None,
) -> tuple[ExecutionContext, ExpressResult]:
    """StartSyncExecution: an Express execution run to its end in this request, in memory (of
    the version a version or alias ARN named, when one did)."""
    if machine.type != StateMachine.EXPRESS:
        raise StateMachineTypeNotSupported("This operation is not supported by this type of state machine")
    name = name or random_id()
    services.check_name(name, "execution")
    payload = services.parse_input(input_text)
    mock_case = stepfunction_mocks.test_case_for(machine, test_case) if test_case is not None else None
    context = contexts.of_express(machine, name, version=target.version if target is not None else None)
    definition = target.definition if target is not None else machine.definition
    return context, express.run(
        machine.workspace, parse_definition(definition), payload, context, mock_case=mock_case
    )


def run_express(
    machine_id: int,
    name: str,
    execution_arn: str,
    input_text: str,
    mock_case: Any = None,
    version_number: int | None = None,
) -> None:
    """An asynchronous Express execution, in a worker: run in memory, nothing kept."""
    run_express_all([[machine_id, name, execution_arn, input_text, mock_case, version_number]])


def run_express_all(runs: list[list[Any]]) -> None:
    """Asynchronous Express executions of one message, one after another, each machine looked
    up once. One that raises does not keep the others from running; a database error is raised
    after them, so the message is retried (Express runs at least once)."""
    machines: dict[int, StateMachine | None] = {}
    failure: Exception | None = None
    for machine_id, name, execution_arn, input_text, mock_case, version_number in runs:
        if machine_id not in machines:
            machines[machine_id] = _EXPRESS_MACHINE.first(machine_id)
        machine = machines[machine_id]
        if machine is None:
            continue
        try:
            _run_express(machine, name, execution_arn, input_text, mock_case, version_number)
        except Exception as exc:
            log.exception("the Express execution %s failed to run", execution_arn)
            failure = failure or exc
    if isinstance(failure, RETRIED_DATABASE_ERRORS):
        raise failure


def _run_express(
    machine: StateMachine,
    name: str,
    execution_arn: str,
    input_text: str,
    mock_case: Any,
    version_number: int | None,
) -> None:
    definition, version = machine.definition, None
    if version_number is not None:
        version = machine.versions.filter(number=version_number).first()
        if version is None:
            return  # the version was deleted before a worker took the execution
        definition = version.definition
    context = contexts.of_express(machine, name, execution_arn, version=version)
    express.run(
        machine.workspace,
        parse_definition(definition),
        json.loads(input_text),
        context,
        mock_case=mock_case,
    )


EXPRESS_CHILD_LEASE = express.EXPRESS_LIMIT + timedelta(minutes=1)
"""How long a worker holds an Express child's run: past Express's five-minute limit, so a run
still going holds it; one that outlives it was lost with its worker and runs again."""


def run_express_child(row_id: int) -> None:
    """Run the Express child a parent's ``.sync`` task waits for, and report its end to that task.

    The worker takes the run's lease with one conditional UPDATE (a second message while the
    lease runs does nothing); a worker that dies leaves the row and its lease behind, and the
    recovery sweep runs the child again once the lease ran out. So an Express child runs at least
    once, as AWS runs Express workflows ("at-least-once workflow execution",
    https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html); its end is
    reported once: the report deletes the row under its lock, and the decider takes one answer
    per task. A parent stopped meanwhile forgot the row: the child's result is ignored.
    """
    now = timezone.now()
    taken = (
        ExpressChild.objects.filter(id=row_id, parent__status=Execution.RUNNING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + EXPRESS_CHILD_LEASE)
    )
    if not taken:
        return
    row = ExpressChild.objects.select_related("state_machine__workspace").filter(id=row_id).first()
    if row is None:
        return
    machine = row.state_machine
    definition, version = machine.definition, None
    if row.version_number is not None:
        version = machine.versions.filter(number=row.version_number).first()
        if version is None:
            _report_express_child(
                row_id,
                TaskFailed(
                    task_id=row.task_id,
                    error="States.TaskFailed",
                    cause=f"The version {row.version_number} of {machine.arn} was deleted "
                    "before the child ran",
                ),
            )
            return
        definition = version.definition
    context = contexts.of_express(machine, row.name, row.execution_arn, version=version)
    result = express.run(machine.workspace, parse_definition(definition), json.loads(row.input), context)
    _report_express_child(row_id, children.express_ended_happening(row, result))


def _report_express_child(row_id: int, happening: TaskSucceeded | TaskFailed) -> None:
    """The child's end, once, to the task that waits for it: after that task's TaskSubmitted
    (the child may end before the call's own report), as ``report_child_end`` does."""
    with transaction.atomic():
        row = ExpressChild.objects.select_for_update().filter(id=row_id).first()
        if row is None:
            return  # reported already, or the parent stopped meanwhile
        invocation = TaskInvocation.objects.filter(execution_id=row.parent_id, task_id=row.task_id).first()
        if invocation is not None and invocation.output is not None:
            step(row.parent_id, TaskSubmitted(task_id=row.task_id, output=invocation.output))
        step(row.parent_id, happening)
        row.delete()


def stop_execution(execution: Execution, *, error: str | None, cause: str | None) -> Execution:
    if execution.status == Execution.RUNNING:
        step(execution.id, StopRequested(error=error or "", cause=cause or ""))
        execution.refresh_from_db()
    return execution


REDRIVE_TOKENS_KEPT = 10
REDRIVE_TOKEN_LIFETIME = timedelta(minutes=15)


def redrive_execution(execution: Execution, *, client_token: str | None = None) -> datetime:
    """RedriveExecution: an unsuccessful Standard execution continues from its failed steps
    (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html);
    returns the redrive's date.

    Checked and applied under the row's lock, so two redrives at once restart it once: the
    second finds it RUNNING and is refused as AWS refuses a running execution. A ``client_token``
    used by one of the last 10 successful redrives, within 15 minutes, answers that redrive's
    date again and restarts nothing (the clientToken member's documentation). The refusals'
    messages are ours around AWS's redriveStatusReason texts (AWS does not publish its own).
    """
    with transaction.atomic():
        locked = (
            Execution.objects.select_for_update(of=("self",))
            .select_related("state_machine__workspace", "map_run")
            .get(id=execution.id)
        )
        now = timezone.now()
        if client_token:
            for token, used in locked.redrive_tokens:
                when = datetime.fromisoformat(used)
                if token == client_token and now - when <= REDRIVE_TOKEN_LIFETIME:
                    return when
        eligibility = redrivability(locked, now)
        if eligibility.status != "REDRIVABLE":
            reason = eligibility.reason or "Execution can only be redriven by its Map Run"
            raise ExecutionNotRedrivable(f"Execution {locked.arn} is not redrivable: {reason}")
        if limit_reached(locked):
            raise ExecutionLimitExceeded(
                f"Execution {locked.arn} has been redriven the maximum number of times"
            )
        if client_token:
            # Saved with the redrive's step (stepper.REDRIVE_FIELDS); its date is set there.
            locked.redrive_tokens = [*locked.redrive_tokens, [client_token, ""]][-REDRIVE_TOKENS_KEPT:]
        if apply_redrive(locked) is None:
            raise ExecutionNotRedrivable(f"Execution {locked.arn} is not redrivable")
    assert locked.redrive_date is not None
    return locked.redrive_date


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
    _submit_recorded(task)
    step(task.execution_id, TaskSucceeded(task_id=task.task_id, output=output))


def send_task_failure(workspace: Workspace, token: Any, error: str | None, cause: str | None) -> None:
    task = services.task_for_token(workspace, token)
    _submit_recorded(task)
    step(task.execution_id, TaskFailed(task_id=task.task_id, error=error or "", cause=cause or ""))


def _submit_recorded(task: PendingTask) -> None:
    """An answer can overtake the report of its task's submission (the token left with the
    message before the call's worker reported it): the submission goes into the history first."""
    submitted = (
        TaskInvocation.objects.filter(
            execution_id=task.execution_id,
            task_id=task.task_id,
            attempt=task.attempt,
            status=TaskInvocation.WAITING,
            output__isnull=False,
        )
        .values_list("output", flat=True)
        .first()
    )
    if submitted is not None:
        step(task.execution_id, TaskSubmitted(task_id=task.task_id, output=submitted))


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

    The call is claimed in a TaskInvocation row and made under that row's lock, in the
    transaction that also records its outcome and takes the step it leads to: a redelivered
    message reports the recorded outcome, leaves a call another worker is making to that worker,
    and makes again a call whose worker died before committing (it left nothing behind). A call
    that leaves the workbench (http:invoke) is made outside any transaction (``_invoke_outside``).
    """
    task = _PENDING_TASK.first(execution_id, task_id)
    if task is None or task.execution.status != Execution.RUNNING:
        return
    if attempt is not None and attempt != task.attempt:
        return  # a message for an earlier attempt of this task
    execution = task.execution
    mocked = mocks.mocked_state(execution.mock_case, task.state_name) is not None
    if integrations.leaves_the_workbench(task.resource) and not mocked:
        invocation, created = TaskInvocation.objects.get_or_create(
            execution_id=execution_id,
            task_id=task_id,
            attempt=task.attempt,
            defaults={"claimed_until": timezone.now() + TASK_CLAIM, "state_name": task.state_name},
        )
        _invoke_outside(task, invocation, created)
        return
    # The execution role's policies are read before the transaction, which then holds
    # SQLite's one write turn for less (issue 10); a refusal is recorded like any outcome.
    refused = None if mocked else _refusal(execution, task.resource, task.payload)
    with together.atomic():
        # The claim row, once: a second message finds it there (or waits for this transaction
        # to end, PostgreSQL's unique index) and goes on to its lock. The row this transaction
        # inserted is its own, open and locked until it ends: no SELECT for it.
        claim: TaskInvocation | None = TaskInvocation(
            execution_id=execution_id,
            task_id=task_id,
            attempt=task.attempt,
            claimed_until=timezone.now() + TASK_CLAIM,
            state_name=task.state_name,
        )
        # Whoever holds the claim's row lock with the claim still open makes the call; the call's
        # own records (a function's invocation, a queue's message), its outcome and the step it
        # leads to commit together. A worker that died mid-call left nothing behind and released
        # the lock, so the next one to get here makes the call, once. A claim locked by a live
        # worker is skipped (PostgreSQL); SQLite's IMMEDIATE transactions wait for that worker's
        # to end instead.
        if not insert_unless_present(claim):
            claim = _open_claim(execution_id, task_id, task.attempt)
        if claim is not None:
            result = refused or _perform(execution, task, claim)
            update_fields(TaskInvocation, [claim], _record(claim, result))
            _report_recorded(claim, mocked=mocked)
            return
    # Made (or being made) by another worker: report what it recorded.
    recorded = _INVOCATION.first(execution_id, task_id, task.attempt)
    if recorded is not None:
        _report_recorded(recorded, mocked=mocked)


def _record(claim: TaskInvocation, result: integrations.TaskResult) -> list[str]:
    """The call's outcome set on its claim; the fields it set."""
    if not result.done:
        outcome: dict[str, Any] = {"status": TaskInvocation.WAITING, "output": result.submitted}
    elif result.error is not None:
        outcome = {"status": TaskInvocation.FAILED, "error": result.error, "cause": result.cause}
    else:
        outcome = {"status": TaskInvocation.SUCCEEDED, "output": result.output}
    for name, value in outcome.items():
        setattr(claim, name, value)
    return list(outcome)


def _perform(execution: Execution, task: PendingTask, invocation: TaskInvocation) -> integrations.TaskResult:
    """The task's call: its mocked answer when the execution's test case mocks the state, else
    its resource performed for real (its role already checked: ``integrations.refusal``)."""
    if mocks.mocked_state(execution.mock_case, task.state_name) is not None:
        return mocks.answer(execution.mock_case, task.state_name, mocks.invocation_index(invocation))
    return integrations.perform(
        execution.state_machine.workspace,
        resource=task.resource,
        payload=task.payload,
        caller=f"{execution.arn}#{task.state_name}",
        attempt=task.attempt,
        wait_for_token=task.wait_for_token,
        session_name=execution.name[:64],
        state_machine_name=execution.state_machine.name,
        state_name=task.state_name,
        parent=children.Parent(execution.id, task.task_id),
    )


def _open_claim(execution_id: int, task_id: str, attempt: int) -> TaskInvocation | None:
    """The claim row locked for this transaction, when its call is still to be made."""
    if _skip_locked():
        return _OPEN_CLAIM_SKIP_LOCKED.first(execution_id, task_id, attempt)
    return _OPEN_CLAIM.first(execution_id, task_id, attempt)


# An Express execution's machine, with its workspace's clock (the run's context reads the
# workspace's time: no query of its own); compiled once per thread, as every rule target's run
# looks it up (issue 10's profile of PutEvents to Express targets: building it was a fifth).
_EXPRESS_MACHINE: Prepared[StateMachine] = Prepared(
    lambda machine_id: (
        StateMachine.objects.filter(id=machine_id).select_related("workspace__virtual_clock").order_by()[:1]
    ),
    int,
)
# The task path's lookups, compiled once per thread (core/prepared.py; issue 10's profile).
# A task's call reads its execution's name, status, role and machine, never what its steps
# read and write (the decider's JSON, decoded on every load, and the texts): those are left
# behind, as DescribeExecution leaves them.
_PENDING_TASK: Prepared[PendingTask] = Prepared(
    lambda execution_id, task_id: (
        PendingTask.objects.filter(execution_id=execution_id, task_id=task_id)
        .select_related("execution__state_machine__workspace", "execution__map_run")
        .defer(*(f"execution__{name}" for name in (*services.EXECUTION_DECIDER_FIELDS, "input", "output")))
        .order_by()[:1]
    ),
    int,
    str,
)
_INVOCATION: Prepared[TaskInvocation] = Prepared(
    lambda execution_id, task_id, attempt: TaskInvocation.objects.filter(
        execution_id=execution_id, task_id=task_id, attempt=attempt
    ).order_by()[:1],
    int,
    str,
    int,
)
_OPEN_CLAIM: Prepared[TaskInvocation] = Prepared(
    lambda execution_id, task_id, attempt: (
        TaskInvocation.objects.select_for_update()
        .filter(execution_id=execution_id, task_id=task_id, attempt=attempt, status=TaskInvocation.CLAIMED)
        .order_by()[:1]
    ),
    int,
    str,
    int,
)
_OPEN_CLAIM_SKIP_LOCKED: Prepared[TaskInvocation] = Prepared(
    lambda execution_id, task_id, attempt: (
        TaskInvocation.objects.select_for_update(skip_locked=True)
        .filter(execution_id=execution_id, task_id=task_id, attempt=attempt, status=TaskInvocation.CLAIMED)
        .order_by()[:1]
    ),
    int,
    str,
    int,
)


def _invoke_outside(task: PendingTask, invocation: TaskInvocation, created: bool) -> None:
    """A call that leaves the workbench (an HTTP request) is made outside any transaction, so no
    lock is held while it waits for the network; the claim's lease says who makes it. The
    claimer records the outcome if the claim is still open. As AWS runs a Standard workflow's
    task at most once per attempt ("Standard Workflows: exactly-once workflow execution"),
    a claim whose lease ran out without an outcome (its worker died mid-call: the call may
    have been made) is not made again: it fails with States.TaskFailed, which Retry can catch.
    A message for a claim still within its lease leaves it to its worker."""
    if not created:
        if invocation.status == TaskInvocation.CLAIMED and invocation.claimed_until > timezone.now():
            return
        if invocation.status == TaskInvocation.CLAIMED:
            TaskInvocation.objects.filter(
                id=invocation.id, status=TaskInvocation.CLAIMED, claimed_until=invocation.claimed_until
            ).update(
                status=TaskInvocation.FAILED,
                error="States.TaskFailed",
                cause="The worker making this call stopped before recording its answer; "
                "the call may or may not have reached its endpoint.",
            )
        invocation.refresh_from_db()
        _report_recorded(invocation)
        return
    execution = task.execution
    result = integrations.perform(
        execution.state_machine.workspace,
        resource=task.resource,
        payload=task.payload,
        caller=f"{execution.arn}#{task.state_name}",
        attempt=task.attempt,
        wait_for_token=task.wait_for_token,
        role_arn=execution.state_machine.role_arn,
        session_name=execution.name[:64],
        state_machine_name=execution.state_machine.name,
        state_name=task.state_name,
    )
    if result.error is not None:
        outcome: dict[str, Any] = {
            "status": TaskInvocation.FAILED,
            "error": result.error,
            "cause": result.cause,
        }
    else:
        outcome = {"status": TaskInvocation.SUCCEEDED, "output": result.output}
    TaskInvocation.objects.filter(id=invocation.id, status=TaskInvocation.CLAIMED).update(**outcome)
    invocation.refresh_from_db()
    _report_recorded(invocation)


def _skip_locked() -> bool:
    """PostgreSQL skips a row another transaction holds; SQLite serialises writers instead."""
    return bool(connection.features.has_select_for_update_skip_locked)


def _report_recorded(invocation: TaskInvocation, *, mocked: bool = False) -> None:
    """Hand the decider a call's recorded outcome; a call still claimed is left to its worker."""
    answer = _answer(invocation, mocked=mocked)
    if answer is not None:
        step(invocation.execution_id, answer)


def _answer(
    invocation: TaskInvocation, *, mocked: bool = False
) -> TaskSucceeded | TaskFailed | TaskSubmitted | None:
    """The happening a call's recorded outcome is for the decider; None while it has none."""
    if invocation.status == TaskInvocation.WAITING and invocation.output is not None:
        return TaskSubmitted(task_id=invocation.task_id, output=invocation.output)
    if invocation.status == TaskInvocation.SUCCEEDED:
        # A mocked answer is the integration's whole response (workbench.runtime.mocks).
        return TaskSucceeded(task_id=invocation.task_id, output=invocation.output, service_response=mocked)
    if invocation.status == TaskInvocation.FAILED:
        error, cause = invocation.error or "", invocation.cause or ""
        return TaskFailed(task_id=invocation.task_id, error=error, cause=cause)
    return None


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


def redrive_child(map_run_id: str, index: int) -> None:
    """Redrive a Map Run child marked PENDING_REDRIVE by its redriven parent (a repeated call
    does nothing). A child that never took its first step starts instead; one the decider
    cannot redrive reports its end to the parent again, which counts it as failed once more."""
    start_name = None
    with transaction.atomic():
        child = (
            Execution.objects.select_for_update(of=("self",))
            .select_related("state_machine__workspace", "map_run")
            .filter(pending_redrive(), map_run__map_run_id=map_run_id, item_index=index)
            .first()
        )
        if child is None:
            return
        if child.engine_state is None:
            Execution.objects.filter(id=child.id).update(status=Execution.RUNNING, error=None, cause=None)
            start_name = child.name
        elif apply_redrive(child) is None:
            Execution.objects.filter(id=child.id).update(stop_date=timezone.now())
            child_id = child.id
            transaction.on_commit(lambda: queue.report_child_end(child_id))
    if start_name is not None:
        start_child(map_run_id, start_name)


def stop_map_run_children(map_run_id: str) -> None:
    """Abort the children still running when their Map Run failed or was aborted. A child
    recorded but not started yet is started first, so that it ends with a history (as
    ``stop_children`` does): the decider has no state to stop before its first step."""
    for child_id, name in Execution.objects.filter(
        map_run__map_run_id=map_run_id, status=Execution.RUNNING
    ).values_list("id", "name"):
        start_child(map_run_id, name)
        step(child_id, StopRequested(error="", cause=""))


def start_nested(child_id: int) -> None:
    """A states:startExecution child's first decider step; a repeated call does nothing."""
    child = Execution.objects.filter(id=child_id).select_related("state_machine__workspace").first()
    if child is None or child.engine_state is not None or child.status != Execution.RUNNING:
        return
    step(
        child.id, ExecutionStartRequested(input=json.loads(child.input), context=contexts.of_execution(child))
    )


def stop_children(parent_id: int, task_id: str) -> None:
    """Abort the child that the parent's task ``task_id`` waits for: the parent was stopped or
    failed, or the task timed out or was cancelled. A child recorded but not started yet is
    started first, so that it ends with a history. An Express child's result is then ignored."""
    children.forget_express_children(parent_id, task_id)
    for child_id in Execution.objects.filter(
        parent_id=parent_id,
        parent_task_id=task_id,
        status=Execution.RUNNING,
        parent_pattern__in=children.WAITED_FOR,
    ).values_list("id", flat=True):
        start_nested(child_id)
        step(child_id, StopRequested(error="", cause=""))


def report_child_end(child_id: int) -> None:
    """Tell the parent that a child ended (safe to repeat: the decider ignores a second report).

    A Distributed Map's child reports to its Map Run; a ``.sync`` child to the task that started
    it, after that task's TaskSubmitted (the child may end before its start was reported)."""
    child = (
        Execution.objects.filter(id=child_id).select_related("map_run", "state_machine__workspace").first()
    )
    if child is None or child.status == Execution.RUNNING:
        return
    if child.map_run is not None:
        step(child.map_run.execution_id, map_runs.ended_happening(child))
    elif child.parent_id is not None and child.parent_pattern in children.SYNC_PATTERNS:
        invocation = TaskInvocation.objects.filter(
            execution_id=child.parent_id, task_id=child.parent_task_id
        ).first()
        if invocation is not None and invocation.output is not None:
            step(child.parent_id, TaskSubmitted(task_id=child.parent_task_id, output=invocation.output))
        step(child.parent_id, children.ended_happening(child))
    else:
        return
    Execution.objects.filter(id=child_id).update(end_reported=True)
