"""A JSONata evaluation failure is reported in an EvaluationFailed event, as AWS's histories show.

Recordings (repository localstack/localstack, AWS-validated snapshots):
- tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json:
  test_map_state_items_variable_sampling[number] (Map: EvaluationFailed with location Items, then
  MapStateFailed), test_map_state_items_input_types[number] (no location),
  test_wait_timestamp_jsonata[NO_Z] (location Timestamp);
- tests/aws/services/stepfunctions/v2/assign/test_assign_reference_variables.snapshot.json:
  an undefined variable in a Pass state's Output (location Output/result).
"""

from __future__ import annotations

from typing import Any

from tests.engine.states.fidelity.machines import items_variable_machine, map_input_machine
from tests.engine.states.interpreter_harness import Harness, valid_machine


def run(states: dict[str, Any], value: Any) -> Harness:
    harness = Harness(valid_machine(states, "JSONata"))
    harness.start(value)
    return harness


def test_an_undefined_variable_in_output() -> None:
    harness = run({"State0": {"Type": "Pass", "Output": {"result": "{% $doesNotExist %}"}, "End": True}}, {})
    assert harness.types() == ["ExecutionStarted", "PassStateEntered", "EvaluationFailed", "ExecutionFailed"]
    failed = harness.events("EvaluationFailed")[0]
    finished = harness.finished[-1]
    assert failed.details == {
        "error": "States.QueryEvaluationError",
        "cause": finished.cause,
        "location": "Output/result",
        "state": "State0",
    }
    assert failed.previous_event_id == 2
    assert harness.last().previous_event_id == failed.id


def test_map_items_of_the_wrong_type() -> None:
    harness = Harness(items_variable_machine(1))
    harness.start({})
    assert harness.types()[3:] == ["MapStateEntered", "EvaluationFailed", "MapStateFailed", "ExecutionFailed"]
    details = harness.events("EvaluationFailed")[0].details or {}
    assert (details["location"], details["state"]) == ("Items", "MapIterateState")


def test_map_input_that_is_not_an_array_names_no_location() -> None:
    harness = Harness(map_input_machine())
    harness.start({"items": 1})
    assert harness.types()[3:] == ["MapStateEntered", "EvaluationFailed", "MapStateFailed", "ExecutionFailed"]
    assert "location" not in (harness.events("EvaluationFailed")[0].details or {})


def test_wait_timestamp_that_cannot_be_parsed() -> None:
    harness = run(
        {"WaitState": {"Type": "Wait", "Timestamp": "{% $states.input.TimestampValue %}", "End": True}},
        {"TimestampValue": "2016-12-05T21:29:29"},
    )
    assert harness.types() == ["ExecutionStarted", "WaitStateEntered", "EvaluationFailed", "ExecutionFailed"]
    assert (harness.events("EvaluationFailed")[0].details or {})["location"] == "Timestamp"
