"""The predefined ``States.*`` error names and how Retry/Catch match an error.

Matching follows "Handling errors in Step Functions workflows" (AWS Step Functions developer
guide, concepts-error-handling): ``States.ALL`` matches any error except the terminal
``States.Runtime`` and ``States.DataLimitExceeded``; ``States.TaskFailed`` matches any error
except ``States.Timeout`` (and the heartbeat variant, which is a kind of timeout);
``States.Timeout`` also covers a missed heartbeat.
"""

from __future__ import annotations

from collections.abc import Iterable

ALL = "States.ALL"
BRANCH_FAILED = "States.BranchFailed"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
"""Documented, but never raised by AWS in any recording found, so never raised here.

Every recorded intrinsic failure is States.Runtime: bad arguments, arity, limits, StringToJson
on bad text and States.Format templates ("There was an error while evaluating the intrinsic
function: <expression>. Invalid arguments in States.<Name>": gabrielmoreira/tiny-asl-machine,
tests/conformance/cases/.snapshots/aws/States.*.json, run against AWS; aws-test-harness's
test_reports_execution_failure asserts the same for MathAdd on a deployed machine), and so
is an argument path that matches nothing ("The function '<expression>' had the following
error: The JsonPath argument ...", same snapshots, States.StringToJson-020-reject-missing-path-input).
"""
ITEM_READER_FAILED = "States.ItemReaderFailed"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
"""Named by the States Language spec for a Parameters path that fails; never raised by AWS in
any recording found, so never raised here.

Real histories report a payload-template path that matches nothing as States.Runtime, "The
JSONPath '$.JobName' specified for the field 'JobName.$' could not be found in the input '{}'"
(ExecutionFailed event quoted in the step_functions README of ryankarlos/aws_etl, and the AWS
workshop page quoted in tests/engine/states/interpreter/test_aws_causes.py); LocalStack's AWS-validated
provider (payload_binding_path.py) raises States.Runtime with the same sentence.
"""
PERMISSIONS = "States.Permissions"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
RUNTIME = "States.Runtime"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"

PREDEFINED_ERRORS = frozenset(
    {
        ALL,
        BRANCH_FAILED,
        DATA_LIMIT_EXCEEDED,
        EXCEED_TOLERATED_FAILURE_THRESHOLD,
        HEARTBEAT_TIMEOUT,
        INTRINSIC_FAILURE,
        ITEM_READER_FAILED,
        NO_CHOICE_MATCHED,
        PARAMETER_PATH_FAILURE,
        PERMISSIONS,
        QUERY_EVALUATION_ERROR,
        RESULT_PATH_MATCH_FAILURE,
        RESULT_WRITER_FAILED,
        RUNTIME,
        TASK_FAILED,
        TIMEOUT,
    }
)

TERMINAL_ERRORS = frozenset({RUNTIME, DATA_LIMIT_EXCEEDED})
"""Errors no Retry or Catch can handle: the execution fails."""

_TIMEOUTS = frozenset({TIMEOUT, HEARTBEAT_TIMEOUT})


class StatesError(Exception):
    """A failure inside the execution, named the way Retry/Catch and the history name it."""

    def __init__(self, error: str, cause: str = "", location: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause
        self.location = location
        """For States.QueryEvaluationError: the field AWS's EvaluationFailed event names
        (``Items``, ``Output/result``), None where AWS names none."""


def error_matches(error_equals: Iterable[str], error: str, *, catchable: bool = False) -> bool:
    """Whether a retrier or catcher with ``ErrorEquals`` handles ``error``.

    ``catchable`` lifts the terminal rule for one failure: AWS's own histories show a task result
    over the payload limit (States.DataLimitExceeded) caught by its name and by States.ALL."""
    if error in TERMINAL_ERRORS and not catchable:
        return False
    for name in error_equals:
        if name in (error, ALL):
            return True
        if name == TASK_FAILED and error not in _TIMEOUTS:
            return True
        if name == TIMEOUT and error == HEARTBEAT_TIMEOUT:
            return True
    return False


def runtime_cause(state_name: str, entered_event_id: int, message: str) -> str:
    """AWS's wording for a States.Runtime cause raised while a state runs."""
    return (
        f"An error occurred while executing the state '{state_name}' "
        f"(entered at the event id #{entered_event_id}). {message}"
    )
