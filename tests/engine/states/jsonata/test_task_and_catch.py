"""JSONata Task states and Catch: Arguments, Output, Assign, the task token, timeouts as
expressions, Retry before Catch ("Transforming data with JSONata in Step Functions",
step-functions/latest/dg/transforming-data.html, and the Task and error-handling pages)."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.engine.states.interpreter_harness import START, lambda_arn
from tests.engine.states.jsonata.support import QUERY_ERROR, jsonata, run

# --- Task ---------------------------------------------------------------------------------------


def test_task_without_arguments_sends_its_input_and_outputs_the_result() -> None:
    harness = run(jsonata({"T": {"Type": "Task", "Resource": lambda_arn("f"), "End": True}}), {"a": 1})
    assert harness.task("T").payload == {"a": 1}
    harness.succeed("T", {"r": 2})
    assert harness.output() == {"r": 2}


def test_task_arguments_output_and_assign_follow_the_aws_example() -> None:
    # "Transforming data with JSONata in Step Functions": Arguments from $states.input, Assign from
    # $states.input and $states.result.Payload of an arn:aws:states:::lambda:invoke task.
    definition = jsonata(
        {
            "Get price": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {
                    "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:GetPrice",
                    "Payload": {"product": "{% $states.input.order.product %}"},
                },
                "Assign": {
                    "product": "{% $states.input.order.product %}",
                    "currentPrice": "{% $states.result.Payload.current_price %}",
                },
                "Output": {
                    "price": "{% $states.result.Payload.current_price %}",
                    "was": "{% $states.input.order %}",
                },
                "Next": "Report",
            },
            "Report": {
                "Type": "Pass",
                "Output": "{% $product & ' costs ' & $string($currentPrice) %}",
                "End": True,
            },
        }
    )
    harness = run(definition, {"order": {"product": "book"}})
    assert harness.task("Get price").payload == {
        "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:GetPrice",
        "Payload": {"product": "book"},
    }
    harness.succeed("Get price", {"current_price": 12.5})
    exited = harness.events("TaskStateExited")[0]
    assert json.loads((exited.details or {})["output"]) == {"price": 12.5, "was": {"product": "book"}}
    assert harness.output() == "book costs 12.5"


def test_task_token_is_in_states_context_for_wait_for_task_token() -> None:
    definition = jsonata(
        {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Arguments": {"QueueUrl": "q", "MessageBody": {"token": "{% $states.context.Task.Token %}"}},
                "End": True,
            }
        }
    )
    task = run(definition, {}).task("Ask")
    assert task.payload["MessageBody"]["token"] == task.task_token
    assert task.task_token


def test_timeout_and_heartbeat_seconds_may_be_expressions() -> None:
    definition = jsonata(
        {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Arguments": {"QueueUrl": "q", "MessageBody": "{% $states.context.Task.Token %}"},
                "TimeoutSeconds": "{% $states.input.limits.total %}",
                "HeartbeatSeconds": "{% $states.input.limits.beat %}",
                "End": True,
            }
        }
    )
    harness = run(definition, {"limits": {"total": 60, "beat": 10}})
    task = harness.task("T")
    assert (task.timeout_seconds, task.heartbeat_seconds) == (60, 10)
    assert sorted(t.fire_at - START for t in harness.timers.values()) == [
        timedelta(seconds=10),
        timedelta(seconds=60),
    ]


def test_timeout_seconds_expression_must_give_a_positive_integer() -> None:
    definition = jsonata(
        {"T": {"Type": "Task", "Resource": lambda_arn("f"), "TimeoutSeconds": "{% 'soon' %}", "End": True}}
    )
    harness = run(definition, {})
    assert harness.finished[-1].error == QUERY_ERROR
    assert "must be a positive integer" in (harness.finished[-1].cause or "")
    assert not harness.tasks


# --- Catch --------------------------------------------------------------------------------------


def test_catch_without_output_outputs_the_error_output() -> None:
    definition = jsonata(
        {
            "T": {
                "Type": "Task",
                "Resource": lambda_arn("f"),
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "After"}],
                "End": True,
            },
            "After": {"Type": "Pass", "End": True},
        }
    )
    harness = run(definition, {"a": 1})
    harness.fail("T", "Custom.Error", "it broke")
    assert harness.output() == {"Error": "Custom.Error", "Cause": "it broke"}


def test_catch_output_and_assign_see_states_error_output_and_input() -> None:
    definition = jsonata(
        {
            "T": {
                "Type": "Task",
                "Resource": lambda_arn("f"),
                "Assign": {"never": "{% $states.result %}"},
                "Catch": [
                    {
                        "ErrorEquals": ["Custom.Error"],
                        "Assign": {"lastError": "{% $states.errorOutput.Error %}"},
                        "Output": {
                            "order": "{% $states.input.order %}",
                            "why": "{% $states.errorOutput.Cause %}",
                        },
                        "Next": "After",
                    }
                ],
                "End": True,
            },
            "After": {
                "Type": "Pass",
                "Output": {"seen": "{% $states.input %}", "error": "{% $lastError %}"},
                "End": True,
            },
        }
    )
    harness = run(definition, {"order": 7})
    harness.fail("T", "Custom.Error", "it broke")
    assert harness.output() == {"seen": {"order": 7, "why": "it broke"}, "error": "Custom.Error"}
    assert (harness.events("TaskStateExited")[0].details or {})["assignedVariables"] == {
        "lastError": '"Custom.Error"'
    }


def test_an_error_in_a_catcher_output_fails_the_execution() -> None:
    definition = jsonata(
        {
            "T": {
                "Type": "Task",
                "Resource": lambda_arn("f"),
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "Output": "{% $states.result.x %}", "Next": "After"}
                ],
                "End": True,
            },
            "After": {"Type": "Pass", "End": True},
        }
    )
    harness = run(definition, {})
    harness.fail("T", "Custom.Error")
    assert harness.finished[-1].error == QUERY_ERROR


def test_retry_applies_before_catch_unchanged() -> None:
    definition = jsonata(
        {
            "T": {
                "Type": "Task",
                "Resource": lambda_arn("f"),
                "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "MaxAttempts": 1}],
                "Arguments": {"attempt": "{% $states.context.State.RetryCount %}"},
                "End": True,
            }
        }
    )
    harness = run(definition, {})
    assert harness.task("T").payload == {"attempt": 0}
    harness.fail("T", "Flaky")
    harness.fire_next_timer()
    assert harness.task("T").payload == {"attempt": 1}
    harness.succeed("T", "fine")
    assert harness.output() == "fine"
