"""AWS Step Functions over JSON 1.0 (``AWSStepFunctions.<Operation>``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.db import transaction

from engine.states.definition import MAX_DEFINITION_CHARS
from engine.states.definition import validate as validate_definition
from workbench.accounts.models import Workspace
from workbench.awsapi.protocol import Service, register, required, string
from workbench.core.errors import (
    SerializationError,
    ValidationError,
    enum_value_set,
    invalid,
    max_length,
    min_length,
    value_at_most,
)
from workbench.core.jsonio import dumps, epoch
from workbench.core.paging import page
from workbench.runtime import activities as activity_tasks
from workbench.runtime import executions, teststate
from workbench.stepfunctions import activities, presenters, versions
from workbench.stepfunctions import services as stepfunctions
from workbench.stepfunctions.errors import StateMachineDoesNotExist
from workbench.stepfunctions.models import Activity, Execution, StateMachine

sfn = register(Service("AWSStepFunctions", "application/x-amz-json-1.0"))


def max_results(params: dict[str, Any]) -> int | None:
    value = params.get("maxResults")
    if value in (None, 0):
        return None
    if not isinstance(value, int) or value < 0 or value > 1000:
        raise invalid("maxResults", value_at_most(1000), value)
    return value


def paged(
    member: str, items: Any, params: dict[str, Any], shape: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """One page of a List*/Get* answer: ``member`` holds the shaped items, ``nextToken`` the rest."""
    chosen, token = page(items, params.get("nextToken"), max_results(params))
    result: dict[str, Any] = {member: [shape(item) for item in chosen]}
    if token:
        result["nextToken"] = token
    return result


@sfn.operation("CreateStateMachine")
def create_state_machine(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    publish = params.get("publish") is True
    stepfunctions.check_version_description(publish, string(params, "versionDescription"))
    with transaction.atomic():
        machine = stepfunctions.create_state_machine(
            ws,
            name=required(params, "name"),
            definition=required(params, "definition"),
            role_arn=required(params, "roleArn"),
            type=params.get("type") or StateMachine.STANDARD,
        )
        shaped: dict[str, Any] = {"stateMachineArn": machine.arn, "creationDate": epoch(machine.created)}
        if publish:
            version = versions.publish_version(machine, description=string(params, "versionDescription"))
            shaped["stateMachineVersionArn"] = version.arn
    return shaped


@sfn.operation("DescribeStateMachine")
def describe_state_machine(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """A machine, or with a version ARN that version (its own ARN, definition, role and
    description: LocalStack's AWS snapshot test_sfn_api_versioning, describe_v1)."""
    arn = required(params, "stateMachineArn")
    _, qualifier = versions.split_arn(arn)
    version = versions.get_version(ws, arn) if qualifier is not None else None
    machine = version.machine if version is not None else stepfunctions.get_machine(ws, arn)
    shaped = {
        "stateMachineArn": version.arn if version is not None else machine.arn,
        "name": machine.name,
        "status": "ACTIVE",
        "definition": version.definition if version is not None else machine.definition,
        "roleArn": version.role_arn if version is not None else machine.role_arn,
        "type": machine.type,
        "creationDate": epoch(version.created if version is not None else machine.created),
        "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
        "tracingConfiguration": {"enabled": False},
    }
    revision_id = version.revision_id if version is not None else machine.revision_id
    if revision_id:  # the initial revision has none
        shaped["revisionId"] = revision_id
    if version is not None and version.description:
        shaped["description"] = version.description
    return shaped


@sfn.operation("ListStateMachines")
def list_state_machines(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    machines = StateMachine.objects.filter(workspace=ws).select_related("workspace").order_by("name")
    return paged(
        "stateMachines",
        machines,
        params,
        lambda m: {
            "stateMachineArn": m.arn,
            "name": m.name,
            "type": m.type,
            "creationDate": epoch(m.created),
        },
    )


@sfn.operation("UpdateStateMachine")
def update_state_machine(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """A new revision (its revisionId answered, none for the initial one), published with
    ``publish`` (LocalStack's AWS snapshot test_sfn_api_versioning, test_update_state_machine)."""
    machine = stepfunctions.get_machine(ws, required(params, "stateMachineArn"))
    publish = params.get("publish") is True
    stepfunctions.check_version_description(publish, string(params, "versionDescription"))
    with transaction.atomic():
        machine = stepfunctions.update_state_machine(
            machine, definition=params.get("definition"), role_arn=params.get("roleArn"), publish=publish
        )
        shaped: dict[str, Any] = {"updateDate": epoch(machine.updated)}
        if machine.revision_id:
            shaped["revisionId"] = machine.revision_id
        if publish:
            version = versions.publish_version(machine, description=string(params, "versionDescription"))
            shaped["stateMachineVersionArn"] = version.arn
    return shaped


@sfn.operation("DeleteStateMachine")
def delete_state_machine(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    try:
        machine = stepfunctions.get_machine(ws, required(params, "stateMachineArn"))
    except StateMachineDoesNotExist:
        return {}  # AWS answers success for a machine that is already gone
    executions.delete_state_machine(machine)
    return {}


def target_and_test_case(ws: Workspace, arn: Any) -> tuple[versions.StartTarget, str | None]:
    """What ``<stateMachineArn>`` names (the machine, a version or an alias) and the test case of
    ``<stateMachineArn>#<TestCase>``: Step Functions Local's way of choosing a MockConfig test
    case (sfn-local-test-sm-exec page, step 3)."""
    machine_arn, test_case = arn, None
    if isinstance(arn, str) and "#" in arn:
        machine_arn, _, test_case = arn.partition("#")
    _, qualifier = versions.split_arn(machine_arn)
    if qualifier is None:  # the common case: the machine by its prepared lookup
        return versions.StartTarget(stepfunctions.get_machine(ws, machine_arn)), test_case
    return versions.start_target(ws, machine_arn), test_case


@sfn.operation("StartExecution")
def start_execution(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """By the machine's ARN, a version's or an alias's (which picks a version by weight), with
    ``#<TestCase>`` for a MockConfig test case."""
    target, test_case = target_and_test_case(ws, required(params, "stateMachineArn"))
    name, input_text = string(params, "name"), string(params, "input")
    started = executions.start_execution(
        target.machine, name=name, input_text=input_text, target=target, test_case=test_case
    )
    return {"executionArn": started.arn, "startDate": epoch(started.start_date)}


@sfn.operation("StartSyncExecution")
def start_sync_execution(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    target, test_case = target_and_test_case(ws, required(params, "stateMachineArn"))
    machine = target.machine
    input_text = string(params, "input") or "{}"
    context, result = executions.start_sync_execution(
        machine, name=string(params, "name"), input_text=input_text, target=target, test_case=test_case
    )
    duration_ms = (result.stopped - result.started).total_seconds() * 1000
    shaped: dict[str, Any] = {
        "executionArn": context.execution_arn,
        "stateMachineArn": machine.arn,
        "name": context.execution_name,
        "startDate": epoch(result.started),
        "stopDate": epoch(result.stopped),
        "status": result.status,
        "input": input_text,
        "inputDetails": {"included": True},
        # Express bills in 100 ms steps and at least 64 MB of memory.
        "billingDetails": {
            "billedMemoryUsedInMB": 64,
            "billedDurationInMilliseconds": max(100, math.ceil(duration_ms / 100) * 100),
        },
    }
    if result.status == "SUCCEEDED":
        shaped["output"] = dumps(result.output)
        shaped["outputDetails"] = {"included": True}
    for key, value in (("error", result.error), ("cause", result.cause)):
        if value is not None:
            shaped[key] = value
    return shaped


@sfn.operation("ValidateStateMachineDefinition")
def validate_state_machine_definition(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    definition = required(params, "definition")
    if not isinstance(definition, str) or len(definition) > MAX_DEFINITION_CHARS:
        raise invalid("definition", max_length(MAX_DEFINITION_CHARS))
    severity = params.get("severity") or "ERROR"
    if severity not in ("ERROR", "WARNING"):
        raise invalid("severity", enum_value_set(["ERROR", "WARNING"]), severity)
    wanted = ("ERROR",) if severity == "ERROR" else ("ERROR", "WARNING")
    diagnostics = [d for d in validate_definition(definition) if d.severity in wanted]
    limit = max_results(params) or 100
    return {
        "result": "FAIL" if any(d.severity == "ERROR" for d in diagnostics) else "OK",
        "diagnostics": [d.to_aws() for d in diagnostics[:limit]],
        "truncated": len(diagnostics) > limit,
    }


@sfn.operation("DescribeExecution")
def describe_execution(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    execution = stepfunctions.get_execution(ws, required(params, "executionArn"))
    return presenters.describe_execution(execution)


@sfn.operation("ListExecutions")
def list_executions(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """A state machine's executions, or with ``mapRunArn`` a Map Run's child executions."""
    if params.get("mapRunArn") is not None and params.get("stateMachineArn") is not None:
        raise ValidationError("Only one of stateMachineArn or mapRunArn can be specified")
    if params.get("mapRunArn") is not None:
        map_run = stepfunctions.get_map_run(ws, required(params, "mapRunArn"))
        executions = map_run.children.all()
    else:
        # A machine's executions, or those of one version or alias (LocalStack's AWS snapshots
        # test_start_version_execution and test_base_lifecycle_create_invoke_describe_list).
        arn = required(params, "stateMachineArn")
        _, qualifier = versions.split_arn(arn)
        target = versions.start_target(ws, arn) if qualifier is not None else None
        machine = target.machine if target is not None else stepfunctions.get_machine(ws, arn)
        executions = machine.executions.filter(map_run__isnull=True)
        if versions.is_version(qualifier):
            executions = executions.filter(version_number=int(qualifier or 0))
        elif qualifier is not None:
            executions = executions.filter(alias_name=qualifier)
    executions = executions.select_related("state_machine__workspace", "map_run").order_by(
        "-start_date", "-id"
    )
    status = params.get("statusFilter")
    if status:
        if status not in dict(Execution.STATUSES) and status != "PENDING_REDRIVE":
            raise ValidationError(f"Invalid statusFilter: '{status}'")
        executions = executions.filter(status=status)
    return paged("executions", executions, params, presenters.list_item)


@sfn.operation("GetExecutionHistory")
def get_execution_history(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    execution = stepfunctions.get_execution(ws, required(params, "executionArn"))
    order = "-event_id" if params.get("reverseOrder") else "event_id"
    include = params.get("includeExecutionData", True) is not False
    return paged(
        "events",
        execution.history.order_by(order),
        params,
        lambda row: presenters.history_row_to_aws(row, include_data=include),
    )


@sfn.operation("StopExecution")
def stop_execution(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    execution = stepfunctions.get_execution(ws, required(params, "executionArn"))
    execution = executions.stop_execution(execution, error=params.get("error"), cause=params.get("cause"))
    return {"stopDate": epoch(execution.stop_date)}


@sfn.operation("SendTaskSuccess")
def send_task_success(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    executions.send_task_success(ws, required(params, "taskToken"), required(params, "output"))
    return {}


@sfn.operation("SendTaskFailure")
def send_task_failure(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    executions.send_task_failure(ws, required(params, "taskToken"), params.get("error"), params.get("cause"))
    return {}


@sfn.operation("SendTaskHeartbeat")
def send_task_heartbeat(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    executions.send_task_heartbeat(ws, required(params, "taskToken"))
    return {}


@sfn.operation("CreateActivity")
def create_activity(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    activity = activities.create_activity(ws, required(params, "name"), params.get("tags"))
    return {"activityArn": activity.arn, "creationDate": epoch(activity.created)}


@sfn.operation("DescribeActivity")
def describe_activity(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    activity = activities.get_activity(ws, required(params, "activityArn"))
    return {"activityArn": activity.arn, "name": activity.name, "creationDate": epoch(activity.created)}


@sfn.operation("ListActivities")
def list_activities(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    listed = Activity.objects.filter(workspace=ws).select_related("workspace").order_by("name")
    return paged(
        "activities",
        listed,
        params,
        lambda a: {"activityArn": a.arn, "name": a.name, "creationDate": epoch(a.created)},
    )


@sfn.operation("DeleteActivity")
def delete_activity(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    activities.delete_activity(ws, required(params, "activityArn"))
    return {}


@sfn.operation("GetActivityTask")
def get_activity_task(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """A long poll of up to 60 s; with no task AWS answers without a token (API_GetActivityTask)."""
    activity = activities.get_activity(ws, required(params, "activityArn"))
    task = activity_tasks.poll(activity, string(params, "workerName"))
    if task is None:
        return {}
    return {"taskToken": task.token, "input": task.input}


@sfn.operation("TestState")
def run_test_state(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """Run one state once (API_TestState); the state panel calls the same service."""
    definition = string(params, "definition", required_member=True) or ""
    if len(definition) > MAX_DEFINITION_CHARS:
        raise invalid("definition", max_length(MAX_DEFINITION_CHARS))
    for member in ("mock", "stateConfiguration"):
        if params.get(member) is not None and not isinstance(params[member], dict):
            raise SerializationError(f"Value for {member} must be a structure")
    state_name = string(params, "stateName")
    input_text, variables = string(params, "input"), string(params, "variables")
    context = string(params, "context")
    mock, configuration = params.get("mock") or {}, params.get("stateConfiguration") or {}
    # TestStateInput's length limits (botocore model: TestStateStateName 1-80, SensitiveData <= 256 KiB).
    for member, value, low, high in (
        ("stateName", state_name, 1, 80),
        ("input", input_text, 0, _SENSITIVE_MAX),
        ("variables", variables, 0, _SENSITIVE_MAX),
        ("context", context, 0, _SENSITIVE_MAX),
        ("mock.result", mock.get("result"), 0, _SENSITIVE_MAX),
        ("stateConfiguration.errorCausedByState", configuration.get("errorCausedByState"), 1, 80),
        ("stateConfiguration.mapItemReaderData", configuration.get("mapItemReaderData"), 0, _SENSITIVE_MAX),
    ):
        _check_length(member, value, low, high)
    return teststate.run(
        ws,
        definition=definition,
        state_name=state_name,
        input_text=input_text,
        mock=params.get("mock"),
        variables=variables,
        context=context,
        inspection_level=string(params, "inspectionLevel"),
        state_configuration=params.get("stateConfiguration"),
        reveal_secrets=params.get("revealSecrets") is True,
        role_arn=string(params, "roleArn") or "",
    )


_SENSITIVE_MAX = 262144


def _check_length(member: str, value: Any, low: int, high: int) -> None:
    """AWS's length constraint message; sensitive members are not echoed back."""
    if not isinstance(value, str):
        return
    if len(value) < low:
        raise invalid(member, min_length(low))
    if len(value) > high:
        raise invalid(member, max_length(high))
