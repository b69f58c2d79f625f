"""What a Task state's Resource does in the workbench.

Lambda ARNs and the lambda:invoke integration call a workspace function; a
`.waitForTaskToken` resource hands the token to a human or program (the approval inbox,
SendTaskSuccess) and the task ends only when it is answered; the S3 resources of a Distributed
Map's ItemReader and ResultWriter read and write the workspace's object store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.states.model import InvokeTask
from workbench.accounts.models import Workspace
from workbench.core.errors import AwsError
from workbench.core.jsonio import dumps
from workbench.functions import services as functions
from workbench.identity import services as identity
from workbench.runtime import routing, s3_items

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
EVENTS_PUT_EVENTS = "arn:aws:states:::events:putEvents"
WAIT_FOR_TOKEN = ".waitForTaskToken"


@dataclass(frozen=True)
class TaskResult:
    """``done`` is False when the task now waits for its token."""

    done: bool
    output: Any = None
    error: str | None = None
    cause: str = ""


def perform(
    workspace: Workspace,
    *,
    resource: str,
    payload: Any,
    caller: str,
    attempt: int,
    wait_for_token: bool,
    role_arn: str = "",
    session_name: str | None = None,
) -> TaskResult:
    """Perform one task resource as the execution role ``role_arn`` (see ``permission_failure``)."""
    base = resource[: -len(WAIT_FOR_TOKEN)] if resource.endswith(WAIT_FOR_TOKEN) else resource
    if role_arn:
        denied = permission_failure(workspace, role_arn, base, payload, session_name)
        if denied is not None:
            return denied
    try:
        if base == LAMBDA_INVOKE:
            if not isinstance(payload, dict) or "FunctionName" not in payload:
                return TaskResult(
                    True,
                    error="States.Runtime",
                    cause="The lambda:invoke integration needs Parameters.FunctionName",
                )
            result = _call(workspace, payload["FunctionName"], payload.get("Payload"), caller, attempt)
        elif base.startswith("arn:aws:lambda:"):
            result = _call(workspace, base, payload, caller, attempt)
        elif base == EVENTS_PUT_EVENTS:
            result = _put_events(workspace, payload)
        elif base in s3_items.RESOURCES:
            result = s3_items.perform(workspace, base, payload)
        elif wait_for_token:
            # Any other service with .waitForTaskToken (SQS, SNS, ...): the message is the
            # payload, and it lands in the approval inbox for someone to answer.
            return TaskResult(False)
        else:
            return TaskResult(
                True,
                error="States.TaskFailed",
                cause=f"The resource '{resource}' is not supported by this workbench",
            )
    except AwsError as exc:
        return TaskResult(True, error=exc.code, cause=exc.message)
    if result.error is not None:
        return TaskResult(True, error=result.error, cause=result.cause)
    if wait_for_token:
        return TaskResult(False)
    return TaskResult(True, output=result.output)


def perform_command(
    workspace: Workspace,
    command: InvokeTask,
    *,
    caller: str,
    role_arn: str = "",
    session_name: str | None = None,
) -> TaskResult:
    """Perform the engine's InvokeTask now; ``caller`` (an execution ARN, a TestState run)
    names who called in the function's log, with the state's name."""
    return perform(
        workspace,
        resource=command.resource,
        payload=command.payload,
        caller=f"{caller}#{command.state_name}",
        attempt=command.retry_count + 1,
        wait_for_token=command.wait_for_token,
        role_arn=role_arn,
        session_name=session_name,
    )


def permission_failure(
    workspace: Workspace, role_arn: str, resource: str, payload: Any, session_name: str | None
) -> TaskResult | None:
    """The task's failure when the execution role's policies deny what it needs, else None.

    Only a role defined in the workbench (IAM API) is enforced. The error follows AWS:
    the optimized lambda:invoke integration reports Lambda's own AccessDeniedException as
    ``Lambda.AWSLambdaException`` (as seen in real execution histories); S3 reads and writes of
    a Distributed Map fail as ``S3.AccessDenied`` (then States.ItemReaderFailed or
    ResultWriterFailed); every other resource fails with ``States.Permissions``, AWS's
    predefined error for "insufficient privileges to run the specified code".
    """
    cause = identity.task_permission_denial(workspace, role_arn, resource, payload, session_name=session_name)
    if cause is None:
        return None
    if resource == LAMBDA_INVOKE:
        detail = "(Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Proxy: null)"
        return TaskResult(True, error="Lambda.AWSLambdaException", cause=f"{cause} {detail}")
    if resource in s3_items.RESOURCES:
        return TaskResult(True, error="S3.AccessDenied", cause=cause)
    return TaskResult(True, error="States.Permissions", cause=cause)


def _call(
    workspace: Workspace, name_or_arn: Any, payload: Any, caller: str, attempt: int
) -> functions.Outcome:
    function = functions.resolve(workspace, str(name_or_arn))
    return functions.invoke(function, payload, caller=caller, attempt=attempt)


def _put_events(workspace: Workspace, payload: Any) -> functions.Outcome:
    """The events:putEvents integration: PutEvents on the workspace's buses.

    As on AWS, the task fails with EventBridge.FailedEntry when any entry was refused.
    """
    entries = payload.get("Entries") if isinstance(payload, dict) else None
    if isinstance(entries, list):
        # The integration takes Detail as a JSON object as well as JSON text.
        entries = [
            dict(entry, Detail=dumps(entry["Detail"]))
            if isinstance(entry, dict) and isinstance(entry.get("Detail"), dict | list)
            else entry
            for entry in entries
        ]
    results = routing.put_events(workspace, entries)
    failed = sum(1 for entry in results if "ErrorCode" in entry)
    if failed:
        return functions.Outcome(error="EventBridge.FailedEntry", cause=dumps({"Entries": results}))
    return functions.Outcome(output={"Entries": results, "FailedEntryCount": 0})
