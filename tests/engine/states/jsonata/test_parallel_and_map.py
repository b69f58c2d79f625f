"""JSONata Parallel and Map states: Arguments, Items, ItemSelector, Output, MaxConcurrency,
tolerated failures and ItemBatcher ("Transforming data with JSONata in Step Functions",
step-functions/latest/dg/transforming-data.html, and the Parallel and Map pages)."""

from __future__ import annotations

from typing import Any

from engine.states.model import TaskFailed, TaskSucceeded
from tests.engine.states.interpreter_harness import Harness, lambda_arn
from tests.engine.states.jsonata.support import QUERY_ERROR, jsonata, run

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
