"""Parallel branches and Map iterations: child threads driven inside one execution."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.states.interpreter_harness import Harness, lambda_arn


def task_branch(name: str) -> dict[str, Any]:
    return {"StartAt": name, "States": {name: {"Type": "Task", "Resource": lambda_arn(name), "End": True}}}


def test_failing_branch_fails_parallel_with_its_own_error_and_cancels_siblings() -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [task_branch("A"), task_branch("B"), task_branch("C")],
                "Catch": [{"ErrorEquals": ["InventoryError"], "ResultPath": "$.failure", "Next": "Recover"}],
                "End": True,
            },
            "Recover": {"Type": "Pass", "End": True},
        },
    }
    run = Harness(definition)
    run.start({"order": 1})
    run.succeed("A", "a")
    sibling = run.task("C").task_id
    run.fail("B", "InventoryError", "out of stock")
    assert sibling in run.cancelled_tasks
    assert not run.tasks
    assert run.output() == {"order": 1, "failure": {"Error": "InventoryError", "Cause": "out of stock"}}
    assert "ParallelStateFailed" in run.types()


def test_parallel_result_selector_and_parameters() -> None:
    pass_branch = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Parameters": {"v.$": "$.value"},
                "Branches": [pass_branch, pass_branch],
                "ResultSelector": {"first.$": "$[0].v"},
                "ResultPath": "$.joined",
                "End": True,
            }
        },
    }
    run = Harness(definition)
    run.start({"value": 3})
    assert run.output() == {"value": 3, "joined": {"first": 3}}
    started = run.events("ParallelStateStarted")[0]
    branch_entries = [e for e in run.events("PassStateEntered")]
    assert all(e.previous_event_id == started.id for e in branch_entries)


def test_map_of_1000_items_never_has_more_than_10_pending_tasks() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 10,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Work",
                    "States": {"Work": {"Type": "Task", "Resource": lambda_arn("work"), "End": True}},
                },
                "End": True,
            }
        },
    }
    run = Harness(definition)
    run.start({"items": list(range(1000))})
    most = len(run.tasks)
    while run.tasks:
        # Answer the most recently started work first, to mix up completion order.
        task_id, task = max(run.tasks.items(), key=lambda pair: int(pair[0].split("-")[1]))
        del run.tasks[task_id]
        from engine.states.model import TaskSucceeded

        run.send(TaskSucceeded(task_id, task.payload * 2))
        most = max(most, len(run.tasks))
    assert most == 10
    assert run.status == "SUCCEEDED"
    assert run.output() == [i * 2 for i in range(1000)]
    assert len(run.events("MapIterationSucceeded")) == 1000
    started = run.events("MapStateStarted")[0]
    assert started.details == {"length": 1000}


def test_map_item_selector_sees_map_item_context_and_legacy_iterator() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.detail.items",
                "Parameters": {
                    "index.$": "$$.Map.Item.Index",
                    "value.$": "$$.Map.Item.Value",
                    "shipping.$": "$.detail.shipping",
                },
                "Iterator": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}},
                "ResultPath": "$.detail.out",
                "End": True,
            }
        },
    }
    run = Harness(definition)
    run.start({"detail": {"shipping": "fast", "items": ["a", "b"]}})
    assert run.output()["detail"]["out"] == [
        {"index": 0, "value": "a", "shipping": "fast"},
        {"index": 1, "value": "b", "shipping": "fast"},
    ]
    started = run.events("MapIterationStarted")
    assert [e.details for e in started] == [{"name": "M", "index": 0}, {"name": "M", "index": 1}]


def test_map_failure_without_tolerance_fails_with_the_iteration_error() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Check",
                    "States": {
                        "Check": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$", "NumericGreaterThan": 2, "Next": "TooBig"}],
                            "Default": "Ok",
                        },
                        "TooBig": {"Type": "Fail", "Error": "TooBig", "Cause": "item over 2"},
                        "Ok": {"Type": "Pass", "End": True},
                    },
                },
                "End": True,
            }
        },
    }
    run = Harness(definition)
    run.start([1, 2, 3, 4])
    assert run.finished[-1].error == "TooBig"
    assert "MapIterationFailed" in run.types()
    assert "MapStateFailed" in run.types()


@pytest.mark.parametrize(
    ("tolerance", "status"),
    [
        ({"ToleratedFailureCount": 2}, "SUCCEEDED"),
        ({"ToleratedFailureCount": 1}, "FAILED"),
        ({"ToleratedFailurePercentage": 50}, "SUCCEEDED"),
        ({"ToleratedFailurePercentage": 25}, "FAILED"),
    ],
)
def test_map_tolerated_failures(tolerance: dict[str, Any], status: str) -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                **tolerance,
                "ItemProcessor": {
                    "StartAt": "Work",
                    "States": {"Work": {"Type": "Task", "Resource": lambda_arn("w"), "End": True}},
                },
                "End": True,
            }
        },
    }
    run = Harness(definition)
    run.start([1, 2, 3, 4])
    from engine.states.model import TaskFailed, TaskSucceeded

    for position, task_id in enumerate(sorted(run.tasks)):
        if run.status != "RUNNING":
            break
        run.tasks.pop(task_id)
        run.send(TaskFailed(task_id, "Bad") if position < 2 else TaskSucceeded(task_id, "ok"))
    assert run.status == status
    if status == "FAILED":
        assert run.finished[-1].error == "States.ExceedToleratedFailureThreshold"


def test_map_item_batcher_groups_items_with_batch_input() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"source.$": "$.source"}},
                "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    run = Harness(definition)
    run.start({"source": "s3", "items": [1, 2, 3]})
    assert run.output() == [
        {"Items": [1, 2], "BatchInput": {"source": "s3"}},
        {"Items": [3], "BatchInput": {"source": "s3"}},
    ]


def test_empty_map_and_non_array_items() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "E", "States": {"E": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    empty = Harness(definition)
    empty.start({"items": []})
    assert empty.output() == []
    wrong = Harness(definition)
    wrong.start({"items": "nope"})
    assert wrong.finished[-1].error == "States.Runtime"


def test_distributed_item_reader_asks_the_shell_to_read_s3() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "Parameters": {"Bucket": "b", "Key.$": "$.key"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "E",
                    "States": {"E": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }
    run = Harness(definition)
    run.start({"key": "k"})
    read = run.task("M")
    assert (read.resource, read.payload) == ("arn:aws:states:::s3:getObject", {"Bucket": "b", "Key": "k"})
    # no Task* events for the read; MapStateStarted (length 0) comes first, as AWS records
    assert run.types() == ["ExecutionStarted", "MapStateEntered", "MapStateStarted"]


def test_map_retry_runs_all_iterations_again() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 3}],
                "ItemProcessor": {
                    "StartAt": "Work",
                    "States": {"Work": {"Type": "Task", "Resource": lambda_arn("w"), "End": True}},
                },
                "End": True,
            }
        },
    }
    run = Harness(definition)
    run.start(["x", "y"])
    first_y = next(t for t in run.tasks.values() if t.payload == "y")
    from engine.states.model import TaskFailed, TaskSucceeded

    run.tasks.pop(first_y.task_id)
    run.send(TaskFailed(first_y.task_id, "Flaky"))
    assert not run.tasks  # the sibling iteration was cancelled
    run.fire_next_timer()
    for task_id, task in list(run.tasks.items()):
        run.tasks.pop(task_id)
        run.send(TaskSucceeded(task_id, task.payload.upper()))
    assert run.output() == ["X", "Y"]
