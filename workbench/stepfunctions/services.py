"""State machines as resources (create, update, look up) and the checks and lookups the
runtime needs for executions (names, input, task tokens), with AWS's error codes
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).

Everything that moves an execution (start, stop, answer a token, step) is
workbench.runtime.executions; reads may query the models directly."""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from engine import compact_json
from engine.states.definition import InvalidDefinitionError, parse_definition
from workbench.accounts.models import Workspace
from workbench.core.arns import Arn
from workbench.core.errors import InvalidToken, ValidationError, enum_value_set, invalid
from workbench.core.prepared import Prepared
from workbench.stepfunctions import versions
from workbench.stepfunctions.errors import (
    ExecutionDoesNotExist,
    InvalidArn,
    InvalidDefinition,
    InvalidExecutionInput,
    InvalidName,
    MissingRequiredParameter,
    ResourceNotFound,
    StateMachineAlreadyExists,
    StateMachineDoesNotExist,
    TaskTimedOut,
)
from workbench.stepfunctions.models import Execution, MapRun, PendingTask, StateMachine

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
MAX_INPUT_BYTES = 256 * 1024


def check_name(name: str, what: str) -> None:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise InvalidName(f"Invalid Name: '{name}'")


def _check_definition(definition: Any) -> None:
    if not isinstance(definition, str):
        raise ValidationError("definition must be a string")
    try:
        parse_definition(definition)
    except InvalidDefinitionError as exc:
        raise InvalidDefinition(exc.message) from exc


def _check_role(role_arn: Any) -> None:
    arn = Arn.parse(role_arn) if isinstance(role_arn, str) else None
    if arn is None or arn.service != "iam":
        raise InvalidArn(f"Invalid Role Arn: '{role_arn}'")


def get_machine(workspace: Workspace, arn: str) -> StateMachine:
    """The machine an unqualified ARN names; a version's or alias's ARN is not a machine here
    (UpdateStateMachine on a version ARN answers StateMachineDoesNotExist on AWS)."""
    name, qualifier = versions.split_arn(arn)
    parsed = Arn.parse(arn)
    machine = versions.MACHINE_BY_NAME.first(workspace.id, name) if qualifier is None else None
    if machine is None or parsed is None or parsed.account != workspace.account_id:
        raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
    machine.workspace = workspace  # the caller's, with what it already loaded (its clock)
    return machine


EXECUTION_DECIDER_FIELDS = (
    "definition",
    "engine_state",
    "progress",
    "node_statuses",
    "state_machine__definition",
    "state_machine__design_source",
)
"""Columns only an execution's steps, its graph and the designer read, never an API description."""


def get_execution(workspace: Workspace, arn: str) -> Execution:
    parsed = Arn.parse(arn) if isinstance(arn, str) else None
    if (
        parsed is None
        or parsed.service != "states"
        or not parsed.resource.startswith(("execution:", "express:"))
    ):
        raise InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
    parts = parsed.resource.split(":")
    if len(parts) < 3:
        raise InvalidArn(f"Invalid Arn: '{arn}'")
    machine_name, _, label = parts[1].partition("/")
    if not label:  # the common case, compiled once per thread
        found = _EXECUTION_BY_NAME.first(workspace.id, machine_name, parts[2])
        if found is None:
            raise ExecutionDoesNotExist(f"Execution Does Not Exist: '{arn}'")
        return found
    # A Map Run's child: execution:<machine>/<label>:<name>.
    executions = Execution.objects.filter(
        state_machine__workspace=workspace,
        state_machine__name=machine_name,
        name=parts[2],
        map_run__state_machine_arn__endswith=f":{machine_name}/{label}",
    ).select_related("map_run")
    # One row by its unique (machine, name) index: no ORDER BY; the decider's columns are
    # left behind (read lazily by the rare caller that needs them).
    try:
        return (
            executions.select_related("state_machine__workspace")
            .defer(*EXECUTION_DECIDER_FIELDS)
            .order_by()
            .get()
        )
    except Execution.DoesNotExist:
        raise ExecutionDoesNotExist(f"Execution Does Not Exist: '{arn}'") from None


# The lookup of every DescribeExecution (see core/prepared.py; the machine's is
# versions.MACHINE_BY_NAME); it goes by a unique index, so no ORDER BY is needed.
_EXECUTION_BY_NAME: Prepared[Execution] = Prepared(
    lambda workspace_id, machine_name, name: (
        Execution.objects.filter(
            state_machine__workspace_id=workspace_id,
            state_machine__name=machine_name,
            name=name,
            map_run__isnull=True,
        )
        .select_related("state_machine__workspace")
        .defer(*EXECUTION_DECIDER_FIELDS)
        .order_by()[:1]
    ),
    int,
    str,
    str,
)


def get_map_run(workspace: Workspace, arn: str) -> MapRun:
    parsed = Arn.parse(arn) if isinstance(arn, str) else None
    if parsed is None or parsed.service != "states" or not parsed.resource.startswith("mapRun:"):
        raise InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
    map_run = (
        MapRun.objects.filter(arn=arn, execution__state_machine__workspace=workspace)
        .select_related("execution__state_machine__workspace")
        .first()
    )
    if map_run is None:
        raise ResourceNotFound(f"Resource not found: '{arn}'")
    return map_run


def record_map_run_limits(
    map_run: MapRun,
    *,
    max_concurrency: int | None,
    tolerated_failure_count: int | None,
    tolerated_failure_percentage: float | None,
) -> None:
    """UpdateMapRun's record: the new limits (runtime.executions hands them to the decider)."""
    if map_run.status != MapRun.RUNNING:
        raise ValidationError(f"Map Run is not running: '{map_run.arn}'")
    changes = {
        "max_concurrency": max_concurrency,
        "tolerated_failure_count": tolerated_failure_count,
        "tolerated_failure_percentage": tolerated_failure_percentage,
    }
    MapRun.objects.filter(id=map_run.id).update(**{k: v for k, v in changes.items() if v is not None})


def check_version_description(publish: Any, description: Any) -> None:
    """``versionDescription`` goes with ``publish`` (AWS: "Version description can only be set
    when publish is true")."""
    if description is not None and publish is not True:
        raise ValidationError("Version description can only be set when publish is true")


def create_state_machine(
    workspace: Workspace, *, name: str, definition: str, role_arn: str, type: str = StateMachine.STANDARD
) -> StateMachine:
    """CreateStateMachine: idempotent for the same definition and role, else the name is taken."""
    check_name(name, "state machine")
    if type not in (StateMachine.STANDARD, StateMachine.EXPRESS):
        raise invalid("type", enum_value_set([StateMachine.STANDARD, StateMachine.EXPRESS]), type)
    _check_role(role_arn)
    _check_definition(definition)
    existing = StateMachine.objects.filter(workspace=workspace, name=name).first()
    if existing is not None:
        if existing.definition == definition and existing.role_arn == role_arn and existing.type == type:
            return existing
        raise StateMachineAlreadyExists(f"State Machine Already Exists: '{existing.arn}'")
    now = timezone.now()
    try:
        with transaction.atomic():
            return StateMachine.objects.create(
                workspace=workspace,
                name=name,
                definition=definition,
                role_arn=role_arn,
                type=type,
                created=now,
                updated=now,
            )
    except IntegrityError as exc:
        raise StateMachineAlreadyExists(f"State Machine Already Exists: '{name}'") from exc


def update_state_machine(
    machine: StateMachine,
    *,
    definition: str | None = None,
    role_arn: str | None = None,
    publish: bool = False,
) -> StateMachine:
    """UpdateStateMachine: a changed definition or role is a new revision (a new revisionId).
    With ``publish`` nothing else need change: the caller publishes the current revision
    (versions.publish_version) in its transaction."""
    if definition is None and role_arn is None and not publish:
        raise MissingRequiredParameter(
            "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration "
            "must be specified"
        )
    if definition is not None:
        _check_definition(definition)
    if role_arn is not None:
        _check_role(role_arn)
    with transaction.atomic():
        changed = (definition is not None and definition != machine.definition) or (
            role_arn is not None and role_arn != machine.role_arn
        )
        if definition is not None:
            machine.definition = definition
        if role_arn is not None:
            machine.role_arn = role_arn
        if changed:
            versions.new_revision(machine)
        if definition is not None or role_arn is not None:
            machine.updated = timezone.now()
            machine.revision += 1
            # Only these: ``last_version`` belongs to publishing, which may have moved it since
            # this row was read.
            machine.save(update_fields=["definition", "role_arn", "revision_id", "updated", "revision"])
    return machine


def running_execution_ids(machine: StateMachine) -> list[int]:
    return list(machine.executions.filter(status=Execution.RUNNING).values_list("id", flat=True))


def delete_state_machine(machine: StateMachine) -> None:
    """The machine's record and its executions' (runtime.executions stops the running ones first)."""
    machine.delete()


UNREAD: Any = object()
"""``parse_input``'s ``value`` when the caller has not read the text itself."""


def parse_input(text: Any, value: Any = UNREAD) -> Any:
    """An execution's input text checked and read; ``value``, when the caller built the text
    from it (a rule's target receiving the whole event), is taken as what the text reads."""
    if text is None:
        return {}
    if not isinstance(text, str):
        raise InvalidExecutionInput("Invalid execution input: must be a JSON string")
    if len(text.encode()) > MAX_INPUT_BYTES:
        raise InvalidExecutionInput("The input of the execution exceeds the maximum size of 262144 bytes")
    if value is not UNREAD:
        return value
    try:
        return compact_json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidExecutionInput(
            f"Invalid State Machine Execution Input: '{exc.msg} at line {exc.lineno} column {exc.colno}'"
        ) from exc


TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{100,1024}$")


def task_for_token(workspace: Workspace, token: Any) -> PendingTask:
    """The task a token belongs to: InvalidToken for what was never a token of ours,
    TaskTimedOut for a token whose task has ended (as AWS answers both)."""
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        raise InvalidToken("Invalid Token: 'Invalid token'")
    task = (
        PendingTask.objects.filter(token=token, execution__state_machine__workspace=workspace)
        .select_related("execution")
        .first()
    )
    if task is None:
        raise TaskTimedOut("Task Timed Out: 'Provided task does not exist anymore'")
    return task
