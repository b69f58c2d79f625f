"""States in ``"QueryLanguage": "JSONata"``: every JSONata field of every state type, ``$states``,
and the States.QueryEvaluationError AWS raises ("Transforming data with JSONata in Step
Functions", step-functions/latest/dg/transforming-data.html, and each state's page)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from engine.states.definition import validate
from engine.states.model import TaskFailed, TaskSucceeded
from tests.engine.states.interpreter_harness import START, Harness, lambda_arn, started, valid_machine

QUERY_ERROR = "States.QueryEvaluationError"


def jsonata(states: dict[str, Any], start: str | None = None) -> dict[str, Any]:
    """A JSONata machine, checked by the definition validator so every test runs legal ASL."""
    return valid_machine(states, "JSONata", start)


run = started


# --- QueryLanguage ----------------------------------------------------------------------------


def test_states_inherit_the_top_level_query_language() -> None:
    harness = run(
        jsonata({"P": {"Type": "Pass", "Output": "{% $states.input.a + 1 %}", "End": True}}), {"a": 1}
    )
    assert harness.output() == 2


def test_a_jsonata_state_inside_a_jsonpath_machine_and_back() -> None:
    definition = {
        "StartAt": "Old",
        "States": {
            "Old": {"Type": "Pass", "Parameters": {"n.$": "$.a"}, "Next": "New"},
            "New": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {"m": "{% $states.input.n * 3 %}"},
                "Next": "Back",
            },
            "Back": {"Type": "Pass", "InputPath": "$.m", "End": True},
        },
    }
    assert not [d for d in validate(json.dumps(definition)) if d.severity == "ERROR"]
    assert run(definition, {"a": 7}).output() == 21


# --- Pass and Succeed -------------------------------------------------------------------------


def test_pass_outputs_its_input_without_output_field() -> None:
    harness = run(jsonata({"P": {"Type": "Pass", "End": True}}), {"keep": [1, 2]})
    assert harness.output() == {"keep": [1, 2]}


def test_pass_output_template_mixes_literals_and_expressions() -> None:
    definition = jsonata(
        {
            "P": {
                "Type": "Pass",
                "Output": {
                    "static": "x",
                    "sum": "{% $sum($states.input.n) %}",
                    "nested": ["{% $count($states.input.n) %}", 0],
                },
                "End": True,
            }
        }
    )
    assert run(definition, {"n": [1, 2, 3]}).output() == {"static": "x", "sum": 6, "nested": [3, 0]}


def test_succeed_output_replaces_the_input() -> None:
    definition = jsonata({"Done": {"Type": "Succeed", "Output": "{% $uppercase($states.input.word) %}"}})
    assert run(definition, {"word": "ok"}).output() == "OK"


def test_states_context_is_the_context_object() -> None:
    definition = jsonata(
        {
            "P": {
                "Type": "Pass",
                "Output": {
                    "execution": "{% $states.context.Execution.Name %}",
                    "machine": "{% $states.context.StateMachine.Name %}",
                    "state": "{% $states.context.State.Name %}",
                    "entered": "{% $states.context.State.EnteredTime %}",
                    "input": "{% $states.context.Execution.Input %}",
                },
                "End": True,
            }
        }
    )
    assert run(definition, {"a": 1}).output() == {
        "execution": "run-1",
        "machine": "OrderMachine",
        "state": "P",
        "entered": "2024-05-01T12:00:00.000Z",
        "input": {"a": 1},
    }


# --- errors -------------------------------------------------------------------------------------


def test_an_expression_returning_nothing_fails_with_query_evaluation_error_and_aws_prefix() -> None:
    harness = run(jsonata({"P": {"Type": "Pass", "Output": "{% $states.input.missing %}", "End": True}}), {})
    finished = harness.finished[-1]
    assert finished.status == "FAILED"
    assert finished.error == QUERY_ERROR
    entered = harness.events("PassStateEntered")[0].id
    assert finished.cause == (
        f"An error occurred while executing the state 'P' (entered at the event id #{entered}). "
        "The JSONata expression '$states.input.missing' specified for the field 'Output' returned nothing "
        "(undefined)."
    )


@pytest.mark.parametrize(
    "error_equals", [["States.QueryEvaluationError"], ["States.ALL"], ["States.TaskFailed"]]
)
def test_query_evaluation_error_in_a_task_is_caught_by_its_catch(error_equals: list[str]) -> None:
    # "Handling errors": States.ALL and States.TaskFailed match every error but the terminal ones.
    definition = jsonata(
        {
            "T": {
                "Type": "Task",
                "Resource": lambda_arn("f"),
                "Output": "{% $states.result.nothing %}",
                "Catch": [{"ErrorEquals": error_equals, "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        }
    )
    harness = run(definition, {})
    harness.succeed("T", {"value": 1})
    assert harness.status == "SUCCEEDED"
    assert harness.output()["Error"] == QUERY_ERROR
    assert "'$states.result.nothing' specified for the field 'Output'" in harness.output()["Cause"]


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


# --- Choice -------------------------------------------------------------------------------------


def choice_machine() -> dict[str, Any]:
    # The JSONata version of the example on the "Choice workflow state" page
    # (step-functions/latest/dg/state-choice.html).
    return jsonata(
        {
            "ChoiceStateX": {
                "Type": "Choice",
                "Choices": [
                    {"Condition": "{% $states.input.type != 'Private' %}", "Next": "Public"},
                    {
                        "Condition": "{% $states.input.value >= 20 and $states.input.value < 30 %}",
                        "Next": "ValueInTwenties",
                        "Output": {"band": "twenties"},
                    },
                ],
                "Default": "DefaultState",
                "Output": {"band": "other"},
            },
            "Public": {"Type": "Pass", "End": True},
            "ValueInTwenties": {"Type": "Pass", "End": True},
            "DefaultState": {"Type": "Pass", "End": True},
        }
    )


@pytest.mark.parametrize(
    ("value", "state", "output"),
    [
        ({"type": "Public", "value": 25}, "Public", {"type": "Public", "value": 25}),
        ({"type": "Private", "value": 25}, "ValueInTwenties", {"band": "twenties"}),
        ({"type": "Private", "value": 31}, "DefaultState", {"band": "other"}),
    ],
)
def test_choice_conditions_and_per_rule_output(value: Any, state: str, output: Any) -> None:
    harness = run(choice_machine(), value)
    assert (harness.events("PassStateEntered")[0].details or {})["name"] == state
    assert harness.output() == output


def test_choice_condition_may_be_a_literal_boolean() -> None:
    definition = jsonata(
        {
            "C": {"Type": "Choice", "Choices": [{"Condition": True, "Next": "Yes"}], "Default": "No"},
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Fail"},
        }
    )
    assert run(definition, {}).status == "SUCCEEDED"


def test_choice_condition_must_be_boolean() -> None:
    definition = jsonata(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.n %}", "Next": "Yes"}],
                "Default": "Yes",
            },
            "Yes": {"Type": "Succeed"},
        }
    )
    harness = run(definition, {"n": 1})
    assert harness.finished[-1].error == QUERY_ERROR
    assert "field 'Condition' must be a boolean, but it is 1" in (harness.finished[-1].cause or "")


def test_choice_without_match_or_default_is_no_choice_matched() -> None:
    definition = jsonata(
        {
            "C": {"Type": "Choice", "Choices": [{"Condition": "{% false %}", "Next": "Yes"}]},
            "Yes": {"Type": "Succeed"},
        }
    )
    assert run(definition, {}).finished[-1].error == "States.NoChoiceMatched"


# --- Wait ---------------------------------------------------------------------------------------


def test_wait_seconds_expression() -> None:
    definition = jsonata(
        {
            "W": {
                "Type": "Wait",
                "Seconds": "{% $states.input.delay * 2 %}",
                "Output": "{% 'waited' %}",
                "End": True,
            }
        }
    )
    harness = run(definition, {"delay": 5})
    timer, _ = harness.fire_next_timer()
    assert timer.fire_at == START + timedelta(seconds=10)
    assert harness.output() == "waited"


def test_wait_timestamp_expression() -> None:
    definition = jsonata({"W": {"Type": "Wait", "Timestamp": "{% $states.input.when %}", "End": True}})
    harness = run(definition, {"when": "2024-05-01T12:30:00Z"})
    timer, _ = harness.fire_next_timer()
    assert timer.fire_at == START + timedelta(minutes=30)
    assert harness.output() == {"when": "2024-05-01T12:30:00Z"}


@pytest.mark.parametrize(
    ("field", "expression", "wanted"),
    [
        ("Seconds", "{% 'ten' %}", "a non-negative integer"),
        ("Seconds", "{% -1 %}", "a non-negative integer"),
    ],
)
def test_wait_expression_of_the_wrong_type(field: str, expression: str, wanted: str) -> None:
    harness = run(jsonata({"W": {"Type": "Wait", field: expression, "End": True}}), {})
    assert harness.finished[-1].error == QUERY_ERROR
    assert f"specified for the field '{field}' must be {wanted}" in (harness.finished[-1].cause or "")


# --- Fail ---------------------------------------------------------------------------------------


def test_fail_error_and_cause_expressions() -> None:
    definition = jsonata(
        {
            "F": {
                "Type": "Fail",
                "Error": "{% 'Order.' & $states.input.code %}",
                "Cause": "{% $states.input.why %}",
            }
        }
    )
    finished = run(definition, {"code": "Rejected", "why": "no stock"}).finished[-1]
    assert (finished.error, finished.cause) == ("Order.Rejected", "no stock")


def test_fail_error_expression_must_give_a_string() -> None:
    finished = run(jsonata({"F": {"Type": "Fail", "Error": "{% 42 %}"}}), {}).finished[-1]
    assert finished.error == QUERY_ERROR
    assert "field 'Error' must be a string" in (finished.cause or "")


# --- Parallel -----------------------------------------------------------------------------------


def test_parallel_arguments_feed_every_branch_and_output_sees_the_result() -> None:
    branch = {
        "StartAt": "B",
        "States": {"B": {"Type": "Pass", "Output": "{% $states.input.n + 1 %}", "End": True}},
    }
    other = {
        "StartAt": "C",
        "States": {"C": {"Type": "Pass", "Output": "{% $states.input.n * 10 %}", "End": True}},
    }
    definition = jsonata(
        {
            "P": {
                "Type": "Parallel",
                "Arguments": {"n": "{% $states.input.start %}"},
                "Branches": [branch, other],
                "Output": {"results": "{% $states.result %}", "input": "{% $states.input %}"},
                "End": True,
            }
        }
    )
    assert run(definition, {"start": 4}).output() == {"results": [5, 40], "input": {"start": 4}}


def test_parallel_without_output_outputs_the_branch_results() -> None:
    branches = [{"StartAt": name, "States": {name: {"Type": "Pass", "End": True}}} for name in ("B1", "B2")]
    definition = jsonata({"P": {"Type": "Parallel", "Branches": branches, "End": True}})
    assert run(definition, {"x": 1}).output() == [{"x": 1}, {"x": 1}]


# --- Map ----------------------------------------------------------------------------------------


def processor(**state: Any) -> dict[str, Any]:
    return {"StartAt": "Each", "States": {"Each": {"Type": "Pass", "End": True, **state}}}


def test_map_items_expression_and_item_selector_with_the_map_context() -> None:
    # "ItemSelector (Map)" page: the selector reads $states.context.Map.Item.Index / .Value.
    definition = jsonata(
        {
            "M": {
                "Type": "Map",
                "Items": "{% $states.input.orders[status = 'shipped'] %}",
                "ItemSelector": {
                    "index": "{% $states.context.Map.Item.Index %}",
                    "id": "{% $states.context.Map.Item.Value.id %}",
                    "customer": "{% $states.input.customer %}",
                },
                "ItemProcessor": processor(),
                "Output": {"count": "{% $count($states.result) %}", "items": "{% $states.result %}"},
                "End": True,
            }
        }
    )
    value = {
        "customer": "c-1",
        "orders": [
            {"id": 1, "status": "shipped"},
            {"id": 2, "status": "open"},
            {"id": 3, "status": "shipped"},
        ],
    }
    assert run(definition, value).output() == {
        "count": 2,
        "items": [{"index": 0, "id": 1, "customer": "c-1"}, {"index": 1, "id": 3, "customer": "c-1"}],
    }


def test_map_items_literal_array_may_hold_expressions() -> None:
    definition = jsonata(
        {
            "M": {
                "Type": "Map",
                "Items": [1, "{% $states.input.two %}"],
                "ItemProcessor": processor(),
                "End": True,
            }
        }
    )
    assert run(definition, {"two": 2}).output() == [1, 2]


def test_map_without_items_iterates_its_input() -> None:
    definition = jsonata(
        {"M": {"Type": "Map", "ItemProcessor": processor(Output="{% $states.input * 2 %}"), "End": True}}
    )
    assert run(definition, [1, 2, 3]).output() == [2, 4, 6]


def test_map_items_must_be_an_array() -> None:
    definition = jsonata(
        {"M": {"Type": "Map", "Items": "{% $states.input.one %}", "ItemProcessor": processor(), "End": True}}
    )
    harness = run(definition, {"one": {"a": 1}})
    assert harness.finished[-1].error == QUERY_ERROR
    # AWS's wording: see tests/engine/states/fidelity/test_map_fidelity.py.
    assert "field 'Items' returned an unexpected result type. Expected 'array'" in (
        harness.finished[-1].cause or ""
    )


def answer(harness: Harness, payload: Any, happening: Any, *details: Any) -> None:
    """Report the outcome of the one pending task whose payload is ``payload``."""
    task = next(task for task in harness.tasks.values() if task.payload == payload)
    del harness.tasks[task.task_id]
    harness.send(happening(task.task_id, *details))


def test_map_max_concurrency_and_tolerated_failures_as_expressions() -> None:
    task_processor = {
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": lambda_arn("work"), "End": True}},
    }
    definition = jsonata(
        {
            "M": {
                "Type": "Map",
                "Items": "{% $states.input.items %}",
                "MaxConcurrency": "{% $states.input.limit %}",
                "ToleratedFailureCount": "{% $states.input.failures %}",
                "ItemProcessor": task_processor,
                "End": True,
            }
        }
    )
    harness = run(definition, {"items": [1, 2, 3], "limit": 2, "failures": 1})
    assert sorted(task.payload for task in harness.tasks.values()) == [1, 2]
    answer(harness, 1, TaskFailed, "Oops", "bad")
    assert sorted(task.payload for task in harness.tasks.values()) == [2, 3]
    answer(harness, 2, TaskSucceeded, 20)
    answer(harness, 3, TaskSucceeded, 30)
    assert harness.output() == [{"Error": "Oops", "Cause": "bad"}, 20, 30]


def test_map_item_batcher_batch_input_is_a_jsonata_template() -> None:
    definition = jsonata(
        {
            "M": {
                "Type": "Map",
                "Items": "{% $states.input.items %}",
                "ItemBatcher": {
                    "MaxItemsPerBatch": "{% 2 %}",
                    "BatchInput": {"owner": "{% $states.input.owner %}"},
                },
                "ItemProcessor": processor(),
                "End": True,
            }
        }
    )
    assert run(definition, {"items": [1, 2, 3], "owner": "o"}).output() == [
        {"Items": [1, 2], "BatchInput": {"owner": "o"}},
        {"Items": [3], "BatchInput": {"owner": "o"}},
    ]
