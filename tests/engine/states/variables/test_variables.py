"""Workflow variables in both query languages: Assign, reading them back, evaluation order, scope
across Parallel branches and Map iterations, size limits and the history they leave
("Passing data between states with variables", step-functions/latest/dg/workflow-variables.html)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.states.handlers.variables import MAX_ASSIGN_BYTES, MAX_TOTAL_BYTES, MAX_VARIABLE_BYTES
from tests.engine.states.interpreter_harness import Harness, lambda_arn, started, valid_machine


def machine(states: dict[str, Any], language: str = "JSONPath", start: str | None = None) -> dict[str, Any]:
    return valid_machine(states, language, start)


run = started


def assigned(harness: Harness, state_name: str) -> list[dict[str, str] | None]:
    """``assignedVariables`` of each exit of ``state_name``, in order."""
    return [
        (event.details or {}).get("assignedVariables")
        for event in harness.history
        if event.type.endswith("StateExited") and (event.details or {}).get("name") == state_name
    ]


# --- JSONPath --------------------------------------------------------------------------------


def test_documented_literal_assign_then_read_with_dollar_name() -> None:
    # The "Assign" example of the workflow-variables page, read back as "$name" paths.
    definition = machine(
        {
            "Store": {
                "Type": "Pass",
                "Assign": {"productName": "product1", "count": 42, "available": True},
                "Next": "Use",
            },
            "Use": {
                "Type": "Pass",
                "Parameters": {
                    "name.$": "$productName",
                    "count.$": "$count",
                    "label.$": "States.Format('{} x{}', $productName, $count)",
                },
                "End": True,
            },
        }
    )
    harness = run(definition, {})
    assert harness.output() == {"name": "product1", "count": 42, "label": "product1 x42"}
    assert assigned(harness, "Store") == [{"productName": '"product1"', "count": "42", "available": "true"}]
    assert assigned(harness, "Use") == [None]


def test_jsonpath_assign_reads_the_result_after_result_selector_and_before_result_path() -> None:
    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": lambda_arn("price"),
                "ResultSelector": {"price.$": "$.body.price"},
                "ResultPath": "$.priced",
                "Assign": {
                    "price.$": "$.price",
                    "state.$": "$$.State.Name",
                    "doubled.$": "States.MathAdd($.price, $.price)",
                },
                "Next": "Read",
            },
            "Read": {
                "Type": "Pass",
                "Parameters": {
                    "price.$": "$price",
                    "state.$": "$state",
                    "doubled.$": "$doubled",
                    "input.$": "$",
                },
                "End": True,
            },
        }
    )
    harness = run(definition, {"id": 1})
    harness.succeed("T", {"body": {"price": 4}})
    assert harness.output() == {
        "price": 4,
        "state": "T",
        "doubled": 8,
        "input": {"id": 1, "priced": {"price": 4}},
    }


def test_jsonpath_variables_work_in_choice_rules_and_items_path() -> None:
    definition = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"limit": 2, "todo": [1, 2, 3]}, "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$limit", "NumericGreaterThan": 1, "Next": "Each"}],
                "Default": "Nothing",
            },
            "Each": {
                "Type": "Map",
                "ItemsPath": "$todo",
                "ItemProcessor": {"StartAt": "One", "States": {"One": {"Type": "Pass", "End": True}}},
                "End": True,
            },
            "Nothing": {"Type": "Succeed"},
        }
    )
    assert run(definition, {}).output() == [1, 2, 3]


def test_jsonpath_choice_rule_assign_and_default_assign() -> None:
    definition = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.n",
                        "NumericGreaterThan": 10,
                        "Assign": {"size.$": "States.Format('big {}', $.n)"},
                        "Next": "Done",
                    }
                ],
                "Default": "Done",
                "Assign": {"size": "small"},
            },
            "Done": {"Type": "Pass", "Parameters": {"size.$": "$size"}, "End": True},
        }
    )
    assert run(definition, {"n": 11}).output() == {"size": "big 11"}
    assert run(definition, {"n": 1}).output() == {"size": "small"}


def test_jsonpath_catch_assign_reads_the_error_output_and_the_state_assign_does_not_run() -> None:
    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": lambda_arn("f"),
                "Assign": {"ok": True},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"failure.$": "$.Error"},
                        "ResultPath": "$.error",
                        "Next": "After",
                    }
                ],
                "End": True,
            },
            "After": {"Type": "Pass", "Parameters": {"failure.$": "$failure", "input.$": "$"}, "End": True},
        }
    )
    harness = run(definition, {"a": 1})
    harness.fail("T", "Boom", "why")
    assert harness.output() == {
        "failure": "Boom",
        "input": {"a": 1, "error": {"Error": "Boom", "Cause": "why"}},
    }
    assert assigned(harness, "T") == [{"failure": '"Boom"'}]


def test_jsonpath_wait_assign_reads_its_effective_input() -> None:
    definition = machine(
        {
            "W": {
                "Type": "Wait",
                "Seconds": 1,
                "InputPath": "$.inner",
                "Assign": {"seen.$": "$.v"},
                "Next": "R",
            },
            "R": {"Type": "Pass", "Parameters": {"seen.$": "$seen"}, "End": True},
        }
    )
    harness = run(definition, {"inner": {"v": "x"}})
    harness.fire_next_timer()
    assert harness.output() == {"seen": "x"}


def test_jsonpath_reference_to_an_unassigned_variable_is_a_runtime_error() -> None:
    definition = machine({"P": {"Type": "Pass", "Parameters": {"x.$": "$nobody.field"}, "End": True}})
    harness = run(definition, {})
    assert harness.finished[-1].error == "States.Runtime"
    assert "$nobody.field" in (harness.finished[-1].cause or "")


def test_documented_conversion_from_parameters_to_arguments_gives_the_same_payload() -> None:
    # "Transforming data with JSONata in Step Functions": the JSONPath Parameters sample and its
    # JSONata Arguments conversion, with $customerName declared as a variable.
    parameters = {
        "static": "Hello",
        "title.$": "$.title",
        "name.$": "$customerName",
        "not-evaluated": "$customerName",
    }
    arguments = {
        "static": "Hello",
        "title": "{% $states.input.title %}",
        "name": "{% $customerName %}",
        "not-evaluated": "$customerName",
    }
    payloads = []
    for language, payload in (
        ("JSONPath", {"Parameters": parameters}),
        ("JSONata", {"Arguments": arguments}),
    ):
        definition = machine(
            {
                "Declare": {"Type": "Pass", "Assign": {"customerName": "Ana"}, "Next": "Call"},
                "Call": {"Type": "Task", "Resource": lambda_arn("greet"), **payload, "End": True},
            },
            language,
        )
        payloads.append(run(definition, {"title": "Dr"}).task("Call").payload)
    expected = {"static": "Hello", "title": "Dr", "name": "Ana", "not-evaluated": "$customerName"}
    assert payloads == [expected, expected]


# --- evaluation order --------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["JSONPath", "JSONata"])
def test_every_assign_of_a_state_sees_the_values_from_before_the_state(language: str) -> None:
    # workflow-variables page: assignments take effect when the state exits, so two variables swap.
    swap = {"x": "{% $y %}", "y": "{% $x %}"} if language == "JSONata" else {"x.$": "$y", "y.$": "$x"}
    read = (
        {"Output": {"x": "{% $x %}", "y": "{% $y %}"}}
        if language == "JSONata"
        else {"Parameters": {"x.$": "$x", "y.$": "$y"}}
    )
    definition = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"x": 1, "y": 2}, "Next": "Swap"},
            "Swap": {"Type": "Pass", "Assign": swap, "Next": "Read"},
            "Read": {"Type": "Pass", **read, "End": True},
        },
        language,
    )
    assert run(definition, {}).output() == {"x": 2, "y": 1}


def test_jsonata_output_sees_the_values_from_before_the_state_assign() -> None:
    definition = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"count": 1}, "Next": "Bump"},
            "Bump": {
                "Type": "Pass",
                "Assign": {"count": "{% $count + 1 %}"},
                "Output": "{% $count %}",
                "Next": "Read",
            },
            "Read": {
                "Type": "Pass",
                "Output": {"before": "{% $states.input %}", "now": "{% $count %}"},
                "End": True,
            },
        },
        "JSONata",
    )
    assert run(definition, {}).output() == {"before": 1, "now": 2}


def test_variables_survive_between_happenings() -> None:
    definition = machine(
        {
            "Remember": {"Type": "Pass", "Assign": {"order": "{% $states.input %}"}, "Next": "Work"},
            "Work": {"Type": "Task", "Resource": lambda_arn("f"), "Arguments": {}, "Next": "Recall"},
            "Recall": {
                "Type": "Pass",
                "Output": {"order": "{% $order %}", "result": "{% $states.input %}"},
                "End": True,
            },
        },
        "JSONata",
    )
    harness = run(definition, {"id": "o-1"})
    assert harness.task("Work").payload == {}
    harness.succeed("Work", "done")
    assert harness.output() == {"order": {"id": "o-1"}, "result": "done"}


def test_history_shows_json_text_of_assigned_values_only_when_assign_ran() -> None:
    definition = machine(
        {
            "A": {"Type": "Pass", "Assign": {"s": "text", "o": {"k": [1, None]}, "n": 1.5}, "Next": "B"},
            "B": {"Type": "Pass", "End": True},
        },
        "JSONata",
    )
    harness = run(definition, {})
    exited = harness.events("PassStateExited")
    assert exited[0].details == {
        "name": "A",
        "output": "{}",
        "outputDetails": {"truncated": False},
        "assignedVariables": {"s": '"text"', "o": '{"k":[1,null]}', "n": "1.5"},
        "assignedVariablesDetails": {"truncated": False},
    }
    assert "assignedVariables" not in (exited[1].details or {})


# --- scope -------------------------------------------------------------------------------------


def test_parallel_branches_read_outer_variables_but_keep_their_own() -> None:
    def branch(name: str) -> dict[str, Any]:
        return {
            "StartAt": f"{name}1",
            "States": {
                f"{name}1": {"Type": "Pass", "Assign": {"mine": name}, "Next": f"{name}2"},
                f"{name}2": {"Type": "Pass", "Output": "{% $outer & '/' & $mine %}", "End": True},
            },
        }

    definition = machine(
        {
            "Set": {"Type": "Pass", "Assign": {"outer": "top"}, "Next": "Both"},
            "Both": {"Type": "Parallel", "Branches": [branch("A"), branch("B")], "Next": "After"},
            "After": {
                "Type": "Pass",
                "Output": {"results": "{% $states.input %}", "leaked": "{% $exists($mine) %}"},
                "End": True,
            },
        },
        "JSONata",
    )
    assert run(definition, {}).output() == {"results": ["top/A", "top/B"], "leaked": False}


def test_map_iterations_do_not_share_their_variables() -> None:
    iteration = {
        "StartAt": "Look",
        "States": {
            "Look": {"Type": "Pass", "Assign": {"seen": "{% $exists($seen) %}"}, "Next": "Tell"},
            "Tell": {
                "Type": "Pass",
                "Output": {"item": "{% $states.input %}", "sawOther": "{% $seen %}"},
                "End": True,
            },
        },
    }
    definition = machine(
        {
            "Each": {
                "Type": "Map",
                "ItemProcessor": iteration,
                "Assign": {"total": "{% $count($states.result) %}"},
                "Next": "Sum",
            },
            "Sum": {"Type": "Pass", "Output": "{% $total %}", "End": True},
        },
        "JSONata",
    )
    harness = run(definition, [1, 2])
    tells = [
        json.loads(event.details["output"])
        for event in harness.events("PassStateExited")
        if event.details and event.details["name"] == "Tell"
    ]
    assert tells == [{"item": 1, "sawOther": False}, {"item": 2, "sawOther": False}]
    assert harness.output() == 2


def test_nested_map_inside_parallel_reads_the_top_level_variable() -> None:
    inner = {
        "StartAt": "Mul",
        "States": {"Mul": {"Type": "Pass", "Output": "{% $states.input * $factor %}", "End": True}},
    }
    branch = {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemProcessor": inner, "End": True}}}
    definition = machine(
        {
            "Set": {"Type": "Pass", "Assign": {"factor": 3}, "Next": "P"},
            "P": {"Type": "Parallel", "Branches": [branch], "End": True},
        },
        "JSONata",
    )
    assert run(definition, [1, 2]).output() == [[3, 6]]


def test_an_inner_scope_cannot_assign_an_outer_variable() -> None:
    branch = {
        "StartAt": "Clobber",
        "States": {"Clobber": {"Type": "Pass", "Assign": {"outer": 2}, "End": True}},
    }
    definition = machine(
        {
            "Set": {"Type": "Pass", "Assign": {"outer": 1}, "Next": "P"},
            "P": {
                "Type": "Parallel",
                "Branches": [branch],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Succeed"},
        },
        "JSONata",
    )
    finished = run(definition, {}).finished[-1]
    assert finished.status == "FAILED"
    assert finished.error == "States.Runtime"
    assert "The variable 'outer' belongs to an outer scope" in (finished.cause or "")


def test_a_catch_on_parallel_assigns_in_the_outer_scope() -> None:
    branch = {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Branch.Failed"}}}
    definition = machine(
        {
            "P": {
                "Type": "Parallel",
                "Branches": [branch],
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"why": "{% $states.errorOutput.Error %}"},
                        "Next": "R",
                    }
                ],
                "End": True,
            },
            "R": {"Type": "Pass", "Output": "{% $why %}", "End": True},
        },
        "JSONata",
    )
    assert run(definition, {}).output() == "Branch.Failed"


def test_a_distributed_map_cannot_read_outer_variables() -> None:
    def definition(mode: str) -> dict[str, Any]:
        config = {"Mode": mode, "ExecutionType": "STANDARD"} if mode == "DISTRIBUTED" else {"Mode": mode}
        processor = {
            "ProcessorConfig": config,
            "StartAt": "Look",
            "States": {"Look": {"Type": "Pass", "Output": "{% $exists($outer) %}", "End": True}},
        }
        return machine(
            {
                "Set": {"Type": "Pass", "Assign": {"outer": 1}, "Next": "M"},
                "M": {"Type": "Map", "ItemProcessor": processor, "End": True},
            },
            "JSONata",
        )

    assert run(definition("INLINE"), [0]).output() == [True]
    distributed = run(definition("DISTRIBUTED"), [0])
    distributed.run_children()  # each item is a child execution, with variables of its own
    assert distributed.output() == [False]


# --- size limits ---------------------------------------------------------------------------------


PADDED = "{% $pad('', $states.input.{key} - 2, 'x') %}"
"""A string whose JSON text (with its quotes) has as many bytes as the input's ``key`` says;
built in the expression because the execution input itself is capped at 256 KiB."""


def padded(key: str) -> str:
    return PADDED.replace("{key}", key)


def test_a_variable_of_the_maximum_size_is_fine_and_one_byte_more_is_not() -> None:
    definition = machine({"A": {"Type": "Pass", "Assign": {"big": padded("size")}, "End": True}}, "JSONata")
    assert run(definition, {"size": MAX_VARIABLE_BYTES}).status == "SUCCEEDED"
    finished = run(definition, {"size": MAX_VARIABLE_BYTES + 1}).finished[-1]
    assert finished.error == "States.DataLimitExceeded"
    assert "The variable 'big' has a size of 262145 bytes" in (finished.cause or "")


def test_one_assign_field_holds_at_most_256_kib_in_total() -> None:
    half = MAX_ASSIGN_BYTES // 2
    definition = machine(
        {"A": {"Type": "Pass", "Assign": {"a": padded("a"), "b": padded("b")}, "End": True}}, "JSONata"
    )
    assert run(definition, {"a": half, "b": half}).status == "SUCCEEDED"
    finished = run(definition, {"a": half, "b": half + 1}).finished[-1]
    assert finished.error == "States.DataLimitExceeded"
    assert "for one Assign field" in (finished.cause or "")


def test_all_variables_of_an_execution_hold_at_most_10_mib() -> None:
    # Each state keeps one more 200,000-byte variable: the 53rd would pass 10 MiB.
    chunk = 200_000
    # Variable names are fixed in a definition, so spell the 60 names out in 60 states.
    states: dict[str, Any] = {}
    for index in range(60):
        states[f"S{index}"] = {
            "Type": "Pass",
            "Assign": {f"v{index}": padded("size")},
            **({"Next": f"S{index + 1}"} if index < 59 else {"End": True}),
        }
    definition = machine(states, "JSONata")
    harness = run(definition, {"size": chunk})
    finished = harness.finished[-1]
    assert finished.error == "States.DataLimitExceeded"
    assert "above the 10485760 limit" in (finished.cause or "")
    kept = sum(
        1 for event in harness.events("PassStateExited") if (event.details or {}).get("assignedVariables")
    )
    assert kept == MAX_TOTAL_BYTES // chunk
