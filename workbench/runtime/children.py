"""Nested workflows: the ``states:startExecution`` integration and what a child's end tells
its parent.

A Task with ``arn:aws:states:::states:startExecution`` starts an execution of another state
machine (https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html):
request-response answers with StartExecution's result; ``.sync`` waits for the child and
answers with DescribeExecution's result, Input and Output as JSON text; ``.sync:2`` the same
with Input and Output as JSON; ``.waitForTaskToken`` waits for SendTaskSuccess/Failure with the
token the child's input carries. A child that fails, times out or is aborted fails a ``.sync``
task with ``States.TaskFailed`` and DescribeExecution's result as the cause. AWS links a child
to its parent when the child's input carries ``AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID``
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-nested-workflows.html); the
workbench knows the parent anyway and links every child it starts (Execution.parent).

This module records the child's row inside the parent's task call (under its TaskInvocation
row lock, so the child is started once); runtime.executions takes its first step once that
call commits, and reports its end to the parent, as it does for a Distributed Map's children.
The recovery sweep re-sends both when a message was lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from engine.states.model import TaskFailed, TaskSucceeded
from workbench.accounts.models import Workspace
from workbench.core.errors import AwsError
from workbench.core.ids import random_id
from workbench.core.jsonio import dumps
from workbench.functions.services import Outcome
from workbench.runtime import clock, contexts, queue
from workbench.runtime.express_results import ExpressResult
from workbench.runtime.models import ExpressChild
from workbench.stepfunctions import services as stepfunctions
from workbench.stepfunctions import versions
from workbench.stepfunctions.errors import ExecutionAlreadyExists
from workbench.stepfunctions.models import Execution, StateMachine
from workbench.stepfunctions.versions import StartTarget

START_EXECUTION = "arn:aws:states:::states:startExecution"
STARTED_BY = "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"
_PATTERNS = {
    START_EXECUTION: "",
    f"{START_EXECUTION}.waitForTaskToken": "token",
    f"{START_EXECUTION}.sync": "sync",
    f"{START_EXECUTION}.sync:2": "sync:2",
}
SYNC_PATTERNS = ("sync", "sync:2")
WAITED_FOR = ("token", *SYNC_PATTERNS)
"""The patterns whose task waits while the child runs: stopping the parent stops the child."""


@dataclass(frozen=True)
class Parent:
    """The stored execution and the task (its id) that start a child."""

    execution_id: int
    task_id: str


def is_start_execution(resource: str) -> bool:
    return resource in _PATTERNS


def waits_for_child(resource: str) -> bool:
    """``.sync`` and ``.sync:2``: the task ends when the child does."""
    return _PATTERNS.get(resource) in SYNC_PATTERNS


def start(workspace: Workspace, resource: str, payload: Any, parent: Parent | None) -> Outcome:
    """StartExecution as the integration makes it: the output is StartExecution's answer (the
    TaskSubmitted event's output when the task waits); a refusal is the SDK's exception,
    ``StepFunctions.<Code>Exception`` with the Java SDK's cause text."""
    pattern = _PATTERNS[resource]
    parameters = payload if isinstance(payload, dict) else {}
    try:
        # The machine, or one of its versions or aliases, as StartExecution takes them.
        target = versions.start_target(workspace, parameters.get("StateMachineArn"))
        machine = target.machine
        machine.workspace = workspace  # the caller's, with what it already loaded (its clock)
        name = parameters.get("Name")
        if name is not None:
            stepfunctions.check_name(str(name), "execution")
        text = _input_text(parameters.get("Input"))
        stepfunctions.parse_input(text)
        if machine.type == StateMachine.EXPRESS:
            arn, started_at = _start_express(target, name, text, pattern, parent)
        else:
            child = _record(target, name, text, parent, pattern)
            arn, started_at = child.arn, child.start_date
    except _NotSupported as exc:
        return Outcome(error="States.TaskFailed", cause=str(exc))
    except AwsError as exc:
        request_id = random_id()
        return Outcome(
            error=f"StepFunctions.{exc.code}Exception",
            cause=f"{exc.message} (Service: AWSStepFunctions; Status Code: {exc.status}; Error Code: "
            f"{exc.code}; Request ID: {request_id}; Proxy: null)",
        )
    return Outcome(output={"ExecutionArn": arn, "StartDate": _millis(started_at), **_sdk_metadata()})


class _NotSupported(Exception):
    pass


def _input_text(value: Any) -> str:
    """``Input`` as JSON (an object in Parameters) or as JSON text; none is ``{}``."""
    if value is None:
        return "{}"
    return value if isinstance(value, str) else dumps(value)


def _start_express(
    target: StartTarget, name: Any, text: str, pattern: str, parent: Parent | None
) -> tuple[str, datetime]:
    """An Express child runs in memory in a worker, kept nowhere. Request-response and
    ``.waitForTaskToken`` fire and forget it; ``.sync``/``.sync:2`` record what the parent is
    owed (an ExpressChild row, in the parent's task call) and run it once that call commits."""
    machine, version = target.machine, target.version
    if pattern in SYNC_PATTERNS and parent is None:
        raise _NotSupported("Express workflows do not support the .sync integration pattern")
    context = contexts.of_express(machine, str(name or random_id()), version=version)
    number = version.number if version is not None else None
    if pattern in SYNC_PATTERNS:
        assert parent is not None
        row = ExpressChild.objects.create(
            parent_id=parent.execution_id,
            task_id=parent.task_id,
            state_machine=machine,
            version_number=number,
            name=context.execution_name,
            execution_arn=context.execution_arn,
            input=text,
            pattern=pattern,
        )
        row_id = row.id
        transaction.on_commit(lambda: queue.run_express_child(row_id))
        return context.execution_arn, context.start_time
    transaction.on_commit(
        lambda: queue.run_express_execution(
            machine.id, context.execution_name, context.execution_arn, text, None, number
        )
    )
    return context.execution_arn, context.start_time


def _record(target: StartTarget, name: Any, text: str, parent: Parent | None, pattern: str) -> Execution:
    """The child's row, not yet started (engine_state None); its first step follows the commit.
    Started by a version or an alias ARN, it runs that version, as StartExecution does."""
    machine, version, alias = target.machine, target.version, target.alias
    name = str(name) if name is not None else random_id()
    try:
        with transaction.atomic():
            child = Execution.objects.create(
                state_machine=machine,
                name=name,
                definition=target.definition,
                input=text,
                start_date=clock.now(machine.workspace),
                version_number=version.number if version is not None else None,
                version_role_arn=version.role_arn if version is not None else "",
                alias_name=alias.name if alias is not None else None,
                parent_id=parent.execution_id if parent is not None else None,
                parent_task_id=parent.task_id if parent is not None else "",
                parent_pattern=pattern,
            )
    except IntegrityError:
        # StartExecution's idempotency: the running execution of that name and input answers
        # (not a .sync task: that execution would never report its end to this one).
        existing = Execution.objects.filter(state_machine=machine, name=name, map_run__isnull=True).first()
        if (
            pattern not in SYNC_PATTERNS
            and existing is not None
            and existing.status == Execution.RUNNING
            and existing.input == text
        ):
            return existing
        raise ExecutionAlreadyExists(f"Execution Already Exists: '{_arn_of(machine, name)}'") from None
    child_id = child.id
    transaction.on_commit(lambda: queue.start_nested_execution(child_id))
    return child


def _arn_of(machine: StateMachine, name: str) -> str:
    return f"{machine.arn.replace(':stateMachine:', ':execution:', 1)}:{name}"


def _millis(moment: datetime) -> int:
    """The Java SDK's dates in an integration's output: epoch milliseconds."""
    return int(moment.timestamp() * 1000)


def _sdk_metadata() -> dict[str, Any]:
    """The SDK response metadata AWS's optimized integrations add to a service's answer (as in
    the recorded startExecution history of LocalStack's test_sfn_task_service snapshot)."""
    request_id = random_id()
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": request_id}
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {key: [value] for key, value in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


def described(child: Execution) -> dict[str, Any]:
    """DescribeExecution's result as ``.sync`` (Input/Output as text) or ``.sync:2`` (as JSON)
    hands it to the parent."""
    as_json = child.parent_pattern == "sync:2"
    shaped: dict[str, Any] = {
        "ExecutionArn": child.arn,
        "Input": json.loads(child.input) if as_json else child.input,
        "InputDetails": {"Included": True},
        "Name": child.name,
    }
    if child.output is not None:
        shaped["Output"] = json.loads(child.output) if as_json else child.output
        shaped["OutputDetails"] = {"Included": True}
    if child.error:
        shaped["Error"] = child.error
    if child.cause:
        shaped["Cause"] = child.cause
    shaped.update(
        {
            "RedriveCount": 0,
            "RedriveStatus": "NOT_REDRIVABLE" if child.status == Execution.SUCCEEDED else "REDRIVABLE",
            "StartDate": _millis(child.start_date),
            "StateMachineArn": child.state_machine.arn,
            "Status": child.status,
        }
    )
    if child.stop_date is not None:
        shaped["StopDate"] = _millis(child.stop_date)
    return shaped


def ended_happening(child: Execution) -> TaskSucceeded | TaskFailed:
    """What the parent's ``.sync`` task hears when ``child`` ended: its description, or
    States.TaskFailed with the description as the cause when it did not succeed."""
    shaped = described(child)
    if child.status == Execution.SUCCEEDED:
        return TaskSucceeded(task_id=child.parent_task_id, output=shaped)
    return TaskFailed(task_id=child.parent_task_id, error="States.TaskFailed", cause=dumps(shaped))


def not_started(before: datetime) -> list[int]:
    """Children recorded before ``before`` whose first step never ran."""
    return list(
        Execution.objects.filter(
            parent__isnull=False,
            status=Execution.RUNNING,
            engine_state__isnull=True,
            start_date__lte=before,
        ).values_list("id", flat=True)
    )


def ended_unreported(before: datetime) -> list[int]:
    """``.sync`` children that ended before ``before`` and whose running parent has not heard it."""
    return list(
        Execution.objects.filter(
            parent__status=Execution.RUNNING,
            parent_pattern__in=SYNC_PATTERNS,
            end_reported=False,
            stop_date__lte=before,
        )
        .exclude(status=Execution.RUNNING)
        .values_list("id", flat=True)
    )


def orphaned(before: datetime) -> list[tuple[int, str]]:
    """(parent id, task id) of ``.sync`` children still running, started before ``before``, whose
    parent ended without succeeding: the message that was to stop them was lost."""
    return list(
        Execution.objects.filter(
            parent__isnull=False,
            status=Execution.RUNNING,
            parent_pattern__in=SYNC_PATTERNS,
            start_date__lte=before,
        )
        .exclude(parent__status__in=(Execution.RUNNING, Execution.SUCCEEDED))
        .values_list("parent_id", "parent_task_id")
        .distinct()
    )


def express_ended_happening(row: ExpressChild, result: ExpressResult) -> TaskSucceeded | TaskFailed:
    """What the parent's ``.sync`` task hears when its Express child ended: the execution as
    StartSyncExecution describes an Express one (executionArn, stateMachineArn, name, status,
    startDate, stopDate, input/output and their details, error and cause; no redrive fields:
    Express executions cannot be redriven), in the integration's PascalCase with Input and
    Output as text (``.sync``) or JSON (``.sync:2``); a child that did not succeed fails the task
    with States.TaskFailed and that description as the cause, as for a Standard child
    (https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html,
    https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartSyncExecution.html)."""
    as_json = row.pattern == "sync:2"
    shaped: dict[str, Any] = {
        "ExecutionArn": row.execution_arn,
        "Input": json.loads(row.input) if as_json else row.input,
        "InputDetails": {"Included": True},
        "Name": row.name,
    }
    if result.status == "SUCCEEDED":
        shaped["Output"] = result.output if as_json else dumps(result.output)
        shaped["OutputDetails"] = {"Included": True}
    if result.error:
        shaped["Error"] = result.error
    if result.cause:
        shaped["Cause"] = result.cause
    shaped.update(
        {
            "StartDate": _millis(result.started),
            "StateMachineArn": row.state_machine.arn,
            "Status": result.status,
            "StopDate": _millis(result.stopped),
        }
    )
    if result.status == "SUCCEEDED":
        return TaskSucceeded(task_id=row.task_id, output=shaped)
    return TaskFailed(task_id=row.task_id, error="States.TaskFailed", cause=dumps(shaped))


def express_runs_owed(settled: datetime, now: datetime) -> list[int]:
    """Express children owed to a running parent whose run was never taken (its message was
    lost; recorded before ``settled``) or whose lease ran out (its worker died)."""
    return list(
        ExpressChild.objects.filter(parent__status=Execution.RUNNING)
        .filter(Q(lease_until__isnull=True, created__lte=settled) | Q(lease_until__lt=now))
        .values_list("id", flat=True)
    )


def forget_express_children(parent_id: int, task_id: str | None = None) -> None:
    """Nothing more is owed: the parent (or its task ``task_id``) ended; a run still going on
    finds its row gone and its result is ignored."""
    rows = ExpressChild.objects.filter(parent_id=parent_id)
    if task_id is not None:
        rows = rows.filter(task_id=task_id)
    rows.delete()


def forget_ended_parents() -> None:
    """Rows left by a parent that ended while its stop message was lost: nothing is owed."""
    ExpressChild.objects.exclude(parent__status=Execution.RUNNING).delete()
