"""The error causes the engine writes, checked word for word against what AWS writes.

Each test names where AWS's text was found. "LocalStack snapshot" means a file of AWS-validated
GetExecutionHistory recordings in repository localstack/localstack, under
tests/aws/services/stepfunctions/v2/.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.states.history import MAX_HISTORY_EVENTS
from tests.engine.states.interpreter_harness import Harness, lambda_arn, started, valid_machine

LIMIT_TAIL = "returned a result with a size exceeding the maximum number of bytes service limit."
TOO_LARGE = "x" * (257 * 1024)
"""A string value whose JSON text is over the 256 KiB payload quota."""


def machine(states: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states, **extra}


def runtime_prefix(run: Harness, state_name: str) -> str:
    entered = next(
        e
        for e in run.history
        if e.type.endswith("StateEntered") and (e.details or {}).get("name") == state_name
    )
    return (
        f"An error occurred while executing the state '{state_name}' "
        f"(entered at the event id #{entered.id}). "
    )


# --- States.DataLimitExceeded ------------------------------------------------------------------


def test_oversized_lambda_invoke_result_names_the_service_in_a_task_failed_event() -> None:
    # LocalStack snapshot error_handling/test_states_errors.snapshot.json,
    # test_service_task_lambada_data_limit_exceeded_on_large_utf8_response: taskFailedEventDetails
    # {"cause": "The state/task 'lambda' returned a result with a size exceeding the maximum number
    # of bytes service limit.", "error": "States.DataLimitExceeded", "resource": "invoke",
    # "resourceType": "lambda"}.
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "big", "Payload.$": "$"},
        "End": True,
    }
    run = Harness(machine({"InvokeLambda": task}))
    run.start({})
    run.succeed("InvokeLambda", TOO_LARGE)
    cause = f"The state/task 'lambda' {LIMIT_TAIL}"
    (failed,) = run.events("TaskFailed")
    assert failed.details == {
        "resourceType": "lambda",
        "resource": "invoke",
        "error": "States.DataLimitExceeded",
        "cause": cause,
    }
    assert "TaskSucceeded" not in run.types()
    assert (run.finished[-1].error, run.finished[-1].cause) == ("States.DataLimitExceeded", cause)


@pytest.mark.parametrize("error_equals", ["States.DataLimitExceeded", "States.ALL"])
def test_an_oversized_task_result_can_be_caught(error_equals: str) -> None:
    # LocalStack snapshot error_handling/test_states_errors.snapshot.json, recorded against AWS:
    # test_service_task_lambada_data_limit_exceeded_on_large_utf8_response (Catch on
    # States.DataLimitExceeded -> HandleDataLimitExceeded) and
    # test_service_task_lambada_catch_state_all_data_limit_exceeded_on_large_utf8_response (Catch
    # on States.ALL -> HandleGeneralError): TaskFailed, TaskStateExited with the error output, the
    # handler runs, ExecutionSucceeded.
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "big", "Payload.$": "$"},
        "Catch": [{"ErrorEquals": [error_equals], "Next": "Handle"}],
        "End": True,
    }
    run = Harness(machine({"InvokeLambda": task, "Handle": {"Type": "Pass", "End": True}}))
    run.start({})
    run.succeed("InvokeLambda", TOO_LARGE)
    assert run.types()[-5:] == [
        "TaskFailed",
        "TaskStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert run.output() == {
        "Error": "States.DataLimitExceeded",
        "Cause": f"The state/task 'lambda' {LIMIT_TAIL}",
    }


def test_an_oversized_state_output_is_not_caught_by_states_all() -> None:
    # The developer guide's error names: States.ALL does not catch the terminal
    # States.DataLimitExceeded; only a task's oversized result is recorded caught (above).
    pad = {"Type": "Pass", "Result": "x" * 300_000, "End": True}
    grow = {
        "Type": "Parallel",
        "Branches": [{"StartAt": "Pad", "States": {"Pad": pad}}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}],
        "End": True,
    }
    run = Harness(machine({"Grow": grow, "Handle": {"Type": "Pass", "End": True}}))
    run.start({})
    assert run.status == "FAILED"
    assert run.finished[-1].error == "States.DataLimitExceeded"


def test_oversized_lambda_function_result_names_the_function_arn() -> None:
    # LocalStack snapshot error_handling/test_states_errors.snapshot.json,
    # test_task_lambda_data_limit_exceeded_on_large_utf8_response: lambdaFunctionFailedEventDetails
    # {"cause": "The state/task 'arn:aws:lambda:<region>:111111111111:function:<name>' returned a
    # result with a size exceeding the maximum number of bytes service limit.", ...}.
    arn = lambda_arn("big")
    run = Harness(machine({"InvokeLambda": {"Type": "Task", "Resource": arn, "End": True}}))
    run.start({})
    run.succeed("InvokeLambda", TOO_LARGE)
    (failed,) = run.events("LambdaFunctionFailed")
    assert failed.details == {
        "error": "States.DataLimitExceeded",
        "cause": f"The state/task '{arn}' {LIMIT_TAIL}",
    }
    assert run.last().type == "ExecutionFailed"


def test_oversized_pass_result_fails_the_execution_naming_the_state() -> None:
    # LocalStack snapshot error_handling/test_states_errors.snapshot.json, test_start_large_input:
    # PassStateEntered, then ExecutionFailed {"cause": "The state/task 'State_1' returned a result
    # with a size exceeding the maximum number of bytes service limit.", "error":
    # "States.DataLimitExceeded"}, with no PassStateExited between them.
    run = Harness(machine({"State_1": {"Type": "Pass", "Result": {"Arg1": TOO_LARGE}, "End": True}}))
    run.start({})
    assert run.types() == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]
    assert run.last().details == {
        "error": "States.DataLimitExceeded",
        "cause": f"The state/task 'State_1' {LIMIT_TAIL}",
    }
    assert run.last().previous_event_id == run.events("PassStateEntered")[0].id


# --- the history quota -------------------------------------------------------------------------


def test_history_quota_failure_is_event_25000_with_aws_cause() -> None:
    # Real GetExecutionHistory quoted in github.com/floci-io/floci/issues/2734: event 25000 is
    # ExecutionFailed, previousEventId 24999, {"error": "States.Runtime", "cause": "The execution
    # reached the maximum number of history events (25000)."}.
    loop = {
        "Loop": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.spin", "BooleanEquals": False, "Next": "Done"}],
            "Default": "Loop",
        },
        "Done": {"Type": "Succeed"},
    }
    run = Harness(machine(loop))
    run.start({"spin": True})
    failed = run.last()
    assert (failed.id, failed.previous_event_id, failed.type) == (
        MAX_HISTORY_EVENTS,
        24_999,
        "ExecutionFailed",
    )
    assert failed.details == {
        "error": "States.Runtime",
        "cause": "The execution reached the maximum number of history events (25000).",
    }


# --- timeouts ----------------------------------------------------------------------------------


def test_execution_timeout_names_states_timeout_in_the_event_only() -> None:
    # LocalStack snapshot timeouts/test_timeouts.snapshot.json, test_global_timeout: the TIMED_OUT
    # DescribeExecution has no error and no cause; github.com/floci-io/floci/issues/2733 (real AWS):
    # "States.Timeout lives only in the history event", whose previousEventId is 0.
    run = Harness(machine({"W": {"Type": "Wait", "Seconds": 25, "End": True}}, TimeoutSeconds=3))
    run.start({})
    run.fire_next_timer()
    timed_out = run.last()
    assert timed_out.type == "ExecutionTimedOut"
    assert (timed_out.details_key, timed_out.details) == (
        "executionTimedOutEventDetails",
        {"error": "States.Timeout"},
    )
    assert timed_out.previous_event_id == 0
    finished = run.finished[-1]
    assert (finished.status, finished.error, finished.cause) == ("TIMED_OUT", None, None)


def test_task_timeout_event_and_failure_carry_no_cause() -> None:
    # LocalStack snapshot timeouts/test_timeouts.snapshot.json, test_fixed_timeout_service_lambda:
    # taskTimedOutEventDetails {"error": "States.Timeout", "resource": "invoke", "resourceType":
    # "lambda"}, then executionFailedEventDetails {"error": "States.Timeout"}.
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "slow", "Payload": None},
        "TimeoutSeconds": 5,
        "End": True,
    }
    run = Harness(machine({"Start": task}))
    run.start({})
    run.fire_next_timer()
    (timed_out,) = run.events("TaskTimedOut")
    assert timed_out.details == {"resourceType": "lambda", "resource": "invoke", "error": "States.Timeout"}
    assert run.last().details == {"error": "States.Timeout"}
    assert run.last().previous_event_id == timed_out.id


def test_missed_heartbeat_reads_states_timeout_when_nothing_names_heartbeat_timeout() -> None:
    # LocalStack snapshot timeouts/test_heartbeats.snapshot.json, test_heartbeat_timeout
    # (HeartbeatSeconds 5, TimeoutSeconds 600, no heartbeat sent): taskTimedOutEventDetails
    # {"error": "States.Timeout", ...}, then executionFailedEventDetails {"error": "States.Timeout"}.
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "q", "MessageBody": {"TaskToken.$": "$$.Task.Token"}},
        "HeartbeatSeconds": 5,
        "TimeoutSeconds": 600,
        "End": True,
    }
    run = Harness(machine({"SendMessageWithWait": task}))
    run.start({})
    timer, _ = run.fire_next_timer()
    assert (timer.fire_at - run.context.start_time).total_seconds() == 5
    (timed_out,) = run.events("TaskTimedOut")
    assert (timed_out.details or {}).get("error") == "States.Timeout"
    assert run.last().details == {"error": "States.Timeout"}


def test_missed_heartbeat_is_heartbeat_timeout_to_a_catcher_that_names_it() -> None:
    # "HeartbeatTimeout is available inside the Catch and Retry fields" (AWS developer guide,
    # concepts-error-handling.html), while the event itself still reads States.Timeout.
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "q", "MessageBody": {"TaskToken.$": "$$.Task.Token"}},
        "HeartbeatSeconds": 5,
        "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "Caught"}],
        "Next": "Caught",
    }
    run = Harness(machine({"Send": task, "Caught": {"Type": "Pass", "End": True}}))
    run.start({})
    run.fire_next_timer()
    assert (run.events("TaskTimedOut")[0].details or {}).get("error") == "States.Timeout"
    # Which name the catcher's error output then carries is not recorded anywhere we found; the
    # name the catcher matched is the engine's choice.
    assert run.output()["Error"] == "States.HeartbeatTimeout"


# --- paths that match nothing ------------------------------------------------------------------


def test_payload_template_path_miss_is_states_runtime_with_compact_input() -> None:
    # AWS workshop page https://000047.awsstudygroup.com/3-serviceorchestration/3.3-updatepermission/
    # 3.3.3-checkworkflow/ quotes the real failure: {"error": "States.Runtime", "cause": "An error
    # occurred while executing the state 'Check Address' (entered at the event id #7). The JSONPath
    # '$.application.address' specified for the field 'address.$' could not be found in the input
    # '{\"flagged\":false}'"}.
    check = {"Type": "Pass", "Parameters": {"address.$": "$.application.address"}, "End": True}
    flag = {"Type": "Pass", "Result": {"flagged": False}, "Next": "Check Address"}
    run = Harness(machine({"Flag": flag, "Check Address": check}))
    run.start({"application": {"address": "123 Enterprise Street"}})
    assert run.finished[-1].error == "States.Runtime"
    assert run.finished[-1].cause == runtime_prefix(run, "Check Address") + (
        "The JSONPath '$.application.address' specified for the field 'address.$' could not be found "
        "in the input '{\"flagged\":false}'"
    )


def test_output_path_miss_is_invalid_path_no_results() -> None:
    # A blog post quoting AWS (OutputPath "$.Payload" on a Lambda result without it): {"error":
    # "States.Runtime", "cause": "An error occurred while executing the state
    # 'AggregateIdentityResults' (entered at the event id #13). Invalid path '$.Payload' : No
    # results for path: $['Payload']"}.
    state = {"Type": "Task", "Resource": lambda_arn("aggregate"), "OutputPath": "$.Payload", "End": True}
    run = Harness(machine({"AggregateIdentityResults": state}))
    run.start({})
    run.succeed("AggregateIdentityResults", {"identityResults": []})
    assert run.finished[-1].cause == runtime_prefix(run, "AggregateIdentityResults") + (
        "Invalid path '$.Payload' : No results for path: $['Payload']"
    )


def test_intrinsic_argument_miss_names_the_whole_expression_and_the_input() -> None:
    # Causes captured from real AWS in floci-io/floci, src/test/java/.../stepfunctions/
    # AslExecutorIntrinsicMissingArgumentTest.java and its integration twin: "An error occurred while
    # executing the state 'Pick' (entered at the event id #2). The function 'States.Format('{}',
    # $.nope)' had the following error: The JsonPath argument for the field '$.nope' could not be
    # found in the input '{\"other\":1}'".
    pick = {"Type": "Pass", "Parameters": {"v.$": "States.Format('{}', $.nope)"}, "End": True}
    run = Harness(machine({"Pick": pick}))
    run.start({"other": 1})
    assert run.finished[-1].error == "States.Runtime"
    assert run.finished[-1].cause == (
        "An error occurred while executing the state 'Pick' (entered at the event id #2). "
        "The function 'States.Format('{}', $.nope)' had the following error: "
        "The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'"
    )


def test_nested_intrinsic_names_the_outer_expression_as_written() -> None:
    # Same AWS-captured file (nestedIntrinsicNamesTheWholeExpression, theCauseEchoesTheExpressionVerbatim).
    expression = "States.Format('{}',States.Format('{}', $.items[5]))"
    run = Harness(machine({"Pick": {"Type": "Pass", "Parameters": {"v.$": expression}, "End": True}}))
    run.start({"items": [1, 2]})
    assert run.finished[-1].cause == runtime_prefix(run, "Pick") + (
        f"The function '{expression}' had the following error: "
        "The JsonPath argument for the field '$.items[5]' could not be found in the input '{\"items\":[1,2]}'"
    )


def test_context_object_argument_miss_names_the_path_with_one_dollar_and_the_state_input() -> None:
    # Same file, unresolvableContextArgumentNamesTheRewrittenPathAndTheStateInput (the wording of
    # AWS's Step Functions Local): '$$.Nope.Deep' is named '$.Nope.Deep', against the state input.
    expression = "States.Format('{}', $$.Nope.Deep)"
    run = Harness(machine({"Pick": {"Type": "Pass", "Parameters": {"v.$": expression}, "End": True}}))
    run.start({"other": 1})
    assert run.finished[-1].cause == runtime_prefix(run, "Pick") + (
        f"The function '{expression}' had the following error: "
        "The JsonPath argument for the field '$.Nope.Deep' could not be found in the input '{\"other\":1}'"
    )


# --- States.ResultPathMatchFailure -------------------------------------------------------------


def test_result_path_into_a_non_object_input_names_reference_path_and_input() -> None:
    # Step Functions Local (AWS's own emulator) quoted in github.com/aws/aws-cdk/issues/29473:
    # ResultPath "$.partitioned" on an input that is a JSON string fails with "Unable to apply
    # ReferencePath $.partitioned to input \"{\\\"min_size\\\":10000,...}\"".
    text = '{"min_size":10000,"max_partitions":100,"batch_size":100}'
    states = {
        "Payload": {"Type": "Pass", "Result": text, "Next": "Store"},
        "Store": {"Type": "Pass", "Result": {"parts": 3}, "ResultPath": "$.partitioned", "End": True},
    }
    run = Harness(machine(states))
    run.start({})
    finished = run.finished[-1]
    assert finished.error == "States.ResultPathMatchFailure"
    assert finished.cause == (
        'Unable to apply ReferencePath $.partitioned to input "{\\"min_size\\":10000,'
        '\\"max_partitions\\":100,\\"batch_size\\":100}"'
    )


def test_a_missing_error_path_names_the_field_as_written() -> None:
    # localstack/localstack issue 11951 quotes AWS: "... specified for the field 'ErrorPath' ..."
    definition = valid_machine({"Stop": {"Type": "Fail", "ErrorPath": "$.missing", "Cause": "c"}})
    harness = started(definition, {"present": 1})
    cause = harness.finished[-1].cause or ""
    assert "specified for the field 'ErrorPath' could not be found" in cause
