"""States in ``"QueryLanguage": "JSONata"``: the query language, Pass, Succeed, Choice, Wait and
Fail, ``$states``, and the States.QueryEvaluationError AWS raises
("Transforming data with JSONata in Step Functions", step-functions/latest/dg/transforming-data.html,
and each state's page)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from engine.states.definition import validate
from tests.engine.states.interpreter_harness import START, lambda_arn
from tests.engine.states.jsonata.support import QUERY_ERROR, jsonata, run

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
