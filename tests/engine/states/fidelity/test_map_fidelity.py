"""Map: count and percentage path fields, JSONata Items, and the legacy Iterator, as AWS records them.

Recordings (repository localstack/localstack, AWS-validated snapshots):
- tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json:
  test_max_concurrency_path[*], test_map_state_tolerated_failure_count_path[*],
  test_map_state_tolerated_failure_percentage_path[*], test_map_item_reader_csv_max_items_paths[1.5],
  test_map_state_items_eval_jsonata_fail[*], test_map_state_items_variable_sampling[*],
  test_map_state_items_input_types[*], test_map_state_legacy_config_inline|distributed[*];
- tests/aws/services/stepfunctions/v2/assign/test_assign_reference_variables.snapshot.json:
  test_reference_in_map_state[MAP_STATE_REFERENCE_IN_MAX_CONCURRENCY_PATH|..._TOLERATED_FAILURE_PATH].
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.states.fidelity.machines import (
    DISTRIBUTED,
    INLINE,
    PASS_PROCESSOR,
    items_variable_machine,
    map_input_machine,
)
from tests.engine.states.interpreter_harness import Harness, valid_machine


def run(definition: dict[str, Any], value: Any) -> Harness:
    harness = Harness(definition)
    harness.start(value)
    harness.run_children()
    return harness


def failure(harness: Harness) -> tuple[str | None, str | None]:
    finished = harness.finished[-1]
    return finished.error, finished.cause


def prefix(state: str, entered: int) -> str:
    return f"An error occurred while executing the state '{state}' (entered at the event id #{entered}). "


MAX_CONCURRENCY_PATH = valid_machine(
    {
        "MapState": {
            "Type": "Map",
            "ItemsPath": "$.Values",
            "MaxConcurrencyPath": "$.MaxConcurrencyValue",
            "ItemProcessor": INLINE,
            "End": True,
        }
    }
)


@pytest.mark.parametrize(("value", "shown"), [({}, "{}"), ("NoNumber", "NoNumber"), (1.5, "1.5")])
def test_max_concurrency_path_not_an_integer(value: Any, shown: str) -> None:
    harness = run(MAX_CONCURRENCY_PATH, {"MaxConcurrencyValue": value, "Values": ["HelloWorld"]})
    assert failure(harness) == (
        "States.Runtime",
        prefix("MapState", 2)
        + f'The MaxConcurrencyPath field refers to value "{shown}" which is not a valid integer: '
        "$.MaxConcurrencyValue",
    )


@pytest.mark.parametrize("value", [0, 1, "1"])
def test_max_concurrency_path_integers(value: Any) -> None:
    harness = run(MAX_CONCURRENCY_PATH, {"MaxConcurrencyValue": value, "Values": ["HelloWorld"]})
    assert harness.output() == ["HelloWorld"]


def tolerated(field: str) -> dict[str, Any]:
    return valid_machine(
        {
            "MapState": {
                "Type": "Map",
                "ItemsPath": "$.Items",
                "MaxConcurrency": 1,
                "ItemProcessor": DISTRIBUTED,
                f"{field}Path": f"$.{field}",
                "End": True,
            }
        }
    )


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        ({}, 'The ToleratedFailureCountPath field refers to value "{}" which is not a valid integer: '
         "$.ToleratedFailureCount"),
        ("NoNumber", 'The ToleratedFailureCountPath field refers to value "NoNumber" which is not a valid '
         "integer: $.ToleratedFailureCount"),
        (-1, "ToleratedFailureCount cannot be negative."),
    ],
)  # fmt: skip
def test_tolerated_failure_count_path_refusals(value: Any, cause: str) -> None:
    harness = run(tolerated("ToleratedFailureCount"), {"Items": [0], "ToleratedFailureCount": value})
    assert failure(harness) == ("States.Runtime", prefix("MapState", 2) + cause)


@pytest.mark.parametrize("value", [0, 1])
def test_tolerated_failure_count_path_accepts(value: int) -> None:
    harness = run(tolerated("ToleratedFailureCount"), {"Items": [0], "ToleratedFailureCount": value})
    assert harness.output() == [0]


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        ({}, 'The ToleratedFailurePercentagePath field refers to value "{}" which is not a valid float: '
         "$.ToleratedFailurePercentage"),
        ("NoNumber", 'The ToleratedFailurePercentagePath field refers to value "NoNumber" which is not a '
         "valid float: $.ToleratedFailurePercentage"),
        (-1.1, "ToleratedFailurePercentage must be between 0 and 100."),
        (-1, "ToleratedFailurePercentage must be between 0 and 100."),
        (100.1, "ToleratedFailurePercentage must be between 0 and 100."),
    ],
)  # fmt: skip
def test_tolerated_failure_percentage_path_refusals(value: Any, cause: str) -> None:
    harness = run(
        tolerated("ToleratedFailurePercentage"), {"Items": [0], "ToleratedFailurePercentage": value}
    )
    assert failure(harness) == ("States.Runtime", prefix("MapState", 2) + cause)


@pytest.mark.parametrize("value", [0, 1, 1.1, 100])
def test_tolerated_failure_percentage_path_accepts(value: float) -> None:
    harness = run(
        tolerated("ToleratedFailurePercentage"), {"Items": [0], "ToleratedFailurePercentage": value}
    )
    assert harness.output() == [0]


def test_max_items_path_not_an_integer() -> None:
    definition = valid_machine(
        {
            "MapState": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {
                        "InputType": "CSV",
                        "CSVHeaderLocation": "FIRST_ROW",
                        "MaxItemsPath": "$.MaxItems",
                    },
                    "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Key"},
                },
                "ItemProcessor": DISTRIBUTED,
                "End": True,
            }
        }
    )
    harness = run(definition, {"Bucket": "bucket-name", "Key": "file.csv", "MaxItems": 1.5})
    assert failure(harness) == (
        "States.Runtime",
        prefix("MapState", 2)
        + 'The MaxItemsPath field refers to value "1.5" which is not a valid integer: $.MaxItems',
    )


def test_count_paths_may_name_workflow_variables() -> None:
    # The variables hold the string "1", which AWS reads as the integer 1.
    definition = valid_machine(
        {
            "Start": {
                "Type": "Pass",
                "Assign": {
                    "maxConcurrency": "1",
                    "toleratedFailureCount": "1",
                    "toleratedFailurePercentage": "1",
                },
                "Result": {"Values": [1, 2, 3]},
                "Next": "Inline",
            },
            "Inline": {
                "Type": "Map",
                "ItemsPath": "$.Values",
                "MaxConcurrencyPath": "$maxConcurrency",
                "ItemProcessor": INLINE,
                "ResultPath": "$.inline",
                "Next": "Distributed",
            },
            "Distributed": {
                "Type": "Map",
                "ItemsPath": "$.Values",
                "ToleratedFailureCountPath": "$toleratedFailureCount",
                "ToleratedFailurePercentagePath": "$toleratedFailurePercentage",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Child",
                    "States": {"Child": {"Type": "Pass", "End": True}},
                },
                "End": True,
            },
        }
    )
    harness = run(definition, {})
    assert harness.output() == [1, 2, 3]
    started = harness.events("MapIterationStarted")
    assert [(event.details or {})["index"] for event in started] == [0, 1, 2]


# --- JSONata Items -----------------------------------------------------------------------------------


def items_machine(items: str) -> dict[str, Any]:
    return valid_machine(
        {
            "MapIterateState": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "Items": items,
                "ItemProcessor": INLINE,
                "End": True,
            }
        },
        "JSONata",
    )


@pytest.mark.parametrize(
    ("literal", "kind", "shown"),
    [
        ("1", "number", "1"),
        ("'string'", "string", '"string"'),
        ("true", "boolean", "true"),
        ("{'foo': 'bar'}", "object", '{"foo":"bar"}'),
        ("null", "null", "null"),
    ],
)
def test_items_expression_that_is_not_an_array(literal: str, kind: str, shown: str) -> None:
    harness = run(items_machine(f"{{% {literal} %}}"), {})
    assert failure(harness) == (
        "States.QueryEvaluationError",
        prefix("MapIterateState", 2)
        + f"The JSONata expression '{literal}' specified for the field 'Items' returned an unexpected result "
        f"type. Expected 'array', but was '{kind}' for value: {shown}",
    )


def test_items_expression_that_is_a_function() -> None:
    harness = run(items_machine("{% $fn := function($x){$x} %}"), {})
    assert failure(harness) == (
        "States.QueryEvaluationError",
        prefix("MapIterateState", 2)
        + "The JSONata expression '$fn := function($x){$x}' specified for the field 'Items' returned an "
        "unsupported result type.",
    )


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [(1, "number", "1"), ("string", "string", '"string"'), (True, "boolean", "true"),
     ({"foo": "bar"}, "object", '{"foo":"bar"}'), (None, "null", "null")],
)  # fmt: skip
def test_items_from_a_variable_that_is_not_an_array(value: Any, kind: str, shown: str) -> None:
    harness = run(items_variable_machine(value), {})
    assert failure(harness) == (
        "States.QueryEvaluationError",
        prefix("MapIterateState", 4)
        + "The JSONata expression '$ItemsVar' specified for the field 'Items' returned an unexpected result "
        f"type. Expected 'array', but was '{kind}' for value: {shown}",
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [(1, "1"), ("string", '"string"'), (True, "true"), ({"foo": "bar"}, '{"foo":"bar"}'), (None, "null")],
)
def test_map_input_that_is_not_an_array(value: Any, shown: str) -> None:
    harness = run(map_input_machine(), {"items": value})
    assert failure(harness) == (
        "States.QueryEvaluationError",
        prefix("MapIterateState", 4) + f"Map state input must be an array but was: {shown}",
    )


# --- the legacy Iterator with a ProcessorConfig -------------------------------------------------------


@pytest.mark.parametrize("mode", ["INLINE", "DISTRIBUTED"])
def test_legacy_iterator_with_processor_config(mode: str) -> None:
    config: dict[str, str] = {"Mode": mode}
    if mode == "DISTRIBUTED":
        config["ExecutionType"] = "STANDARD"
    definition = valid_machine(
        {
            "MapState": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "Parameters": {
                    "constantValue": "constant",
                    "mapValue.$": "$$.Map.Item.Value",
                    "fromInput.$": "$",
                },
                "Iterator": {**PASS_PROCESSOR, "ProcessorConfig": config},
                "Next": "Finish",
            },
            "Finish": {"Type": "Succeed"},
        }
    )
    harness = run(definition, ["Hello", "World"])
    assert harness.output() == [
        {"constantValue": "constant", "mapValue": "Hello", "fromInput": ["Hello", "World"]},
        {"constantValue": "constant", "mapValue": "World", "fromInput": ["Hello", "World"]},
    ]
    assert ("MapRunStarted" in harness.types()) == (mode == "DISTRIBUTED")


# --- the Map's own events --------------------------------------------------------------------------


def _shape(harness: Harness) -> list[tuple[str, int, int]]:
    return [(event.type, event.id, event.previous_event_id) for event in harness.history]


def test_inline_map_exit_points_past_map_state_succeeded() -> None:
    # test_map_state_legacy_config_inline: MapStateSucceeded (12) and MapStateExited (13) both
    # follow the last MapIterationSucceeded (11).
    definition = valid_machine(
        {
            "MapState": {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": INLINE, "Next": "Finish"},
            "Finish": {"Type": "Succeed"},
        }
    )
    shape = _shape(run(definition, ["Hello", "World"]))
    succeeded = next(event for event in shape if event[0] == "MapStateSucceeded")
    exited = next(event for event in shape if event[0] == "MapStateExited")
    assert shape[succeeded[1] - 2][0] == "MapIterationSucceeded"
    assert succeeded[2] == exited[2] == succeeded[1] - 1
    assert exited[1] == succeeded[1] + 1


def test_distributed_map_events() -> None:
    # test_map_state_legacy_config_distributed, event by event (id, previousEventId).
    definition = valid_machine(
        {
            "MapState": {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": DISTRIBUTED, "Next": "Finish"},
            "Finish": {"Type": "Succeed"},
        }
    )
    harness = run(definition, ["Hello", "World"])
    assert _shape(harness) == [
        ("ExecutionStarted", 1, 0),
        ("MapStateEntered", 2, 0),
        ("MapStateStarted", 3, 2),
        ("MapRunStarted", 4, 3),
        ("MapRunSucceeded", 5, 4),
        ("MapStateSucceeded", 6, 5),
        ("MapStateExited", 7, 5),
        ("SucceedStateEntered", 8, 7),
        ("SucceedStateExited", 9, 8),
        ("ExecutionSucceeded", 10, 9),
    ]
    assert harness.events("MapStateStarted")[0].details == {"length": 2}


def test_distributed_map_fails_after_map_state_started() -> None:
    # test_map_state_tolerated_failure_count_path[-1]: MapStateStarted (length 1), ExecutionFailed.
    harness = run(tolerated("ToleratedFailureCount"), {"Items": [0], "ToleratedFailureCount": -1})
    assert [(event[0], event[2]) for event in _shape(harness)] == [
        ("ExecutionStarted", 0),
        ("MapStateEntered", 0),
        ("MapStateStarted", 2),
        ("ExecutionFailed", 3),
    ]
