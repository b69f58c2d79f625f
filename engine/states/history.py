"""AWS's history event vocabulary: type names, details members and resource classification.

Shapes follow botocore's ``stepfunctions`` service model (``HistoryEvent`` and its
``*EventDetails`` structures); inputs and outputs are JSON *strings* there, with an
``inputDetails``/``outputDetails`` ``{"truncated": false}`` beside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.states.model import JSON

MAX_HISTORY_EVENTS = 25_000
"""AWS's hard quota: event number 25,000 must be ExecutionSucceeded, else the execution fails
("Avoid reaching the history quota", Step Functions developer guide, bp-history-limit)."""

HISTORY_LIMIT_CAUSE = f"The execution reached the maximum number of history events ({MAX_HISTORY_EVENTS})."
"""AWS's cause, verbatim (real GetExecutionHistory quoted in github.com/floci-io/floci/issues/2734)."""

STATE_EVENT_TYPES: dict[str, tuple[str, str | None]] = {
    "Pass": ("PassStateEntered", "PassStateExited"),
    "Task": ("TaskStateEntered", "TaskStateExited"),
    "Choice": ("ChoiceStateEntered", "ChoiceStateExited"),
    "Wait": ("WaitStateEntered", "WaitStateExited"),
    "Succeed": ("SucceedStateEntered", "SucceedStateExited"),
    "Fail": ("FailStateEntered", None),
    "Parallel": ("ParallelStateEntered", "ParallelStateExited"),
    "Map": ("MapStateEntered", "MapStateExited"),
}

ENTERED_KEY = "stateEnteredEventDetails"
EXITED_KEY = "stateExitedEventDetails"


def entered_details(name: str, input_text: str) -> dict[str, JSON]:
    return {"name": name, "input": input_text, "inputDetails": {"truncated": False}}


def exited_details(
    name: str, output_text: str, assigned_variables: dict[str, str] | None = None
) -> dict[str, JSON]:
    """``stateExitedEventDetails``; with the JSON text of every variable the state assigned."""
    details: dict[str, JSON] = {"name": name, "output": output_text, "outputDetails": {"truncated": False}}
    if assigned_variables:
        details["assignedVariables"] = assigned_variables
        details["assignedVariablesDetails"] = {"truncated": False}
    return details


def output_details(output_text: str) -> dict[str, JSON]:
    return {"output": output_text, "outputDetails": {"truncated": False}}


def error_details(error: str, cause: str) -> dict[str, JSON]:
    """``{error, cause}`` with empty members left out, as AWS prints them."""
    details: dict[str, JSON] = {}
    if error:
        details["error"] = error
    if cause:
        details["cause"] = cause
    return details


# --- Task resources -----------------------------------------------------------------------

_LAMBDA_FUNCTION = re.compile(r"^arn:aws[\w-]*:lambda:")
"""Any Lambda ARN (course material abbreviates them: ``arn:aws:lambda:...:function:f``)."""
_ACTIVITY = re.compile(r"^arn:aws[\w-]*:states:[\w-]+:\d{12}:activity:.+$")
_SERVICE = re.compile(r"^arn:aws[\w-]*:states:::(?P<rest>.+)$")

LAMBDA_FUNCTION = "lambda-function"
ACTIVITY = "activity"
SERVICE = "service"

WAIT_FOR_TASK_TOKEN = ".waitForTaskToken"
SYNC = ".sync"


@dataclass(frozen=True)
class ResourceInfo:
    """How a Task's Resource shows up in history.

    ``kind`` picks the event family: LambdaFunction* for a plain function ARN, Activity* for
    an activity, Task* (with ``resource_type``/``resource_name``) for service integrations.
    """

    arn: str
    kind: str
    resource_type: str
    resource_name: str
    wait_for_token: bool
    is_lambda_invoke: bool


def describe_resource(arn: str) -> ResourceInfo:
    """Classify a Task ``Resource`` ARN."""
    if _LAMBDA_FUNCTION.match(arn):
        return ResourceInfo(arn, LAMBDA_FUNCTION, "lambda", "function", False, False)
    if _ACTIVITY.match(arn):
        return ResourceInfo(arn, ACTIVITY, "activity", arn.rsplit(":", 1)[-1], False, False)
    match = _SERVICE.match(arn)
    if match:
        parts = match.group("rest").split(":")
        split = 2 if parts[0] == "aws-sdk" and len(parts) > 2 else 1
        service = ":".join(parts[:split])
        action = ":".join(parts[split:])
        wait = action.endswith(WAIT_FOR_TASK_TOKEN)
        is_invoke = service == "lambda" and action == "invoke"
        return ResourceInfo(arn, SERVICE, service, action, wait, is_invoke)
    return ResourceInfo(arn, SERVICE, "unknown", arn, arn.endswith(WAIT_FOR_TASK_TOKEN), False)


def region_of(arn: str) -> str:
    """The region field of an ARN (empty when absent)."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def lambda_invoke_envelope(result: JSON, request_id: str) -> dict[str, JSON]:
    """What ``arn:aws:states:::lambda:invoke`` returns around the function's own result
    ("Invoke an AWS Lambda function with Step Functions", developer guide, connect-lambda)."""
    return {
        "ExecutedVersion": "$LATEST",
        "Payload": result,
        "SdkHttpMetadata": {"HttpHeaders": {}, "HttpStatusCode": 200},
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }
