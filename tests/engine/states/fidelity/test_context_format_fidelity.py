"""The context object's fields and order, States.Format's rendering, and $range's sequences, as AWS
records them.

Recordings (repository localstack/localstack, AWS-validated snapshots):
- tests/aws/services/stepfunctions/v2/context_object/test_context_object.snapshot.json:
  test_input_path[$$], test_output_path[$$] (a Pass state: no State.RetryCount);
- tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json: the Task
  InvokeLambdaWithRetry passes $$ to Lambda, with State.RetryCount;
- tests/aws/services/stepfunctions/v2/intrinsic_functions/test_generic.snapshot.json:
  test_format_1, test_format_2, test_context_json_path;
- tests/aws/services/stepfunctions/v2/intrinsic_functions/test_array_jsonata.snapshot.json:
  test_array_range.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.engine.states.interpreter_harness import Harness, lambda_arn, valid_machine


def started(states: dict[str, Any], value: Any, language: str = "JSONPath") -> Harness:
    harness = Harness(valid_machine(states, language))
    harness.start(value)
    return harness


@pytest.mark.parametrize("field", ["InputPath", "OutputPath"])
def test_context_of_a_pass_state(field: str) -> None:
    harness = started({"TestState": {"Type": "Pass", field: "$$", "End": True}}, {"input-value": 0})
    context = harness.output()
    assert list(context) == ["Execution", "StateMachine", "State"]
    assert list(context["Execution"]) == ["Id", "Input", "StartTime", "Name", "RoleArn", "RedriveCount"]
    assert context["Execution"]["Input"] == {"input-value": 0}
    assert context["Execution"]["RedriveCount"] == 0
    assert list(context["StateMachine"]) == ["Id", "Name"]
    assert context["State"] == {"Name": "TestState", "EnteredTime": context["Execution"]["StartTime"]}


def test_context_of_a_task_state_counts_retries() -> None:
    states = {
        "InvokeLambdaWithRetry": {
            "Type": "Task",
            "Resource": lambda_arn("f"),
            "Parameters": {"ThisContextObject.$": "$$"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3}],
            "End": True,
        }
    }
    harness = started(states, {"Value1": "HelloWorld!"})
    counts = []
    for _ in range(3):
        task = harness.task("InvokeLambdaWithRetry")
        state = task.payload["ThisContextObject"]["State"]
        assert list(state) == ["Name", "EnteredTime", "RetryCount"]
        counts.append(state["RetryCount"])
        harness.fail("InvokeLambdaWithRetry", "Boom")
        harness.fire_next_timer()
    assert counts == [0, 1, 2]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("", ""),
        ("HelloWorld", "HelloWorld"),
        (None, "null"),
        (1, "1"),
        (1.1, "1.1"),
        ('{"Arg1": 1, "Arg2": []}', '{"Arg1": 1, "Arg2": []}'),
        ({"Arg1": 1, "Arg2": []}, "{Arg1=1, Arg2=[]}"),
    ],
)
def test_format_renders_arguments_as_aws_does(value: Any, shown: str) -> None:
    states = {
        "State_0": {
            "Type": "Pass",
            "Parameters": {
                "FunctionResult.$": "States.Format('Formatting arguments fst={} and snd={}.', $.fst, $.snd)"
            },
            "End": True,
        }
    }
    harness = started(states, {"fst": value, "snd": value})
    assert harness.output() == {"FunctionResult": f"Formatting arguments fst={shown} and snd={shown}."}


def test_format_renders_context_objects_in_java_style() -> None:
    states = {
        "State_0": {
            "Type": "Pass",
            "Parameters": {
                "FunctionResult.$": "States.Format('Formatting arguments fst={} and snd={}.', "
                "$$.Execution.Name, $$.StateMachine)"
            },
            "End": True,
        }
    }
    harness = started(states, {})
    machine = harness.context.state_machine_arn
    assert harness.output() == {
        "FunctionResult": f"Formatting arguments fst=run-1 and snd={{Id={machine}, Name=OrderMachine}}."
    }


@pytest.mark.parametrize(
    ("first", "last", "step", "expected"),
    [(0, 9, 3, [0, 3, 6, 9]), (0, 10, 3, [0, 3, 6, 9]), (1, 9, 9, 1), (1, 9, 2, [1, 3, 5, 7, 9])],
)
def test_range_of_one_number_is_that_number(first: int, last: int, step: int, expected: Any) -> None:
    states = {
        "State_0": {
            "Type": "Pass",
            "Output": "{% $range($states.input.fst, $states.input.snd, $states.input.trd) %}",
            "End": True,
        }
    }
    harness = started(states, {"fst": first, "snd": last, "trd": step}, "JSONata")
    assert json.loads(json.dumps(harness.output())) == expected
