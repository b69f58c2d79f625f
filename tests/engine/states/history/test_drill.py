"""engine.states.drill: one iteration's or branch's events, cut at the surrounding Map's or
Parallel's own result, and their statuses."""

from __future__ import annotations

from typing import Any

import pytest

from engine.states.drill import DrillError, Step, branch_events, drill, iteration_events


def _entered(i: int, prev: int, name: str, kind: str = "Pass") -> dict[str, Any]:
    return {
        "id": i,
        "previousEventId": prev,
        "type": f"{kind}StateEntered",
        "stateEnteredEventDetails": {"name": name},
    }


def _exited(i: int, prev: int, name: str, kind: str = "Pass") -> dict[str, Any]:
    return {
        "id": i,
        "previousEventId": prev,
        "type": f"{kind}StateExited",
        "stateExitedEventDetails": {"name": name},
    }


# P (Parallel): branch 0 is L, branch 1 is Q (a Parallel of one branch, R); After follows P.
PARALLEL_EVENTS = [
    {"id": 1, "previousEventId": 0, "type": "ExecutionStarted"},
    _entered(2, 0, "P", "Parallel"),
    {"id": 3, "previousEventId": 2, "type": "ParallelStateStarted"},
    _entered(4, 3, "L"),
    _exited(5, 4, "L"),
    _entered(6, 3, "Q", "Parallel"),
    {"id": 7, "previousEventId": 6, "type": "ParallelStateStarted"},
    _entered(8, 7, "R"),
    _exited(9, 8, "R"),
    {"id": 10, "previousEventId": 9, "type": "ParallelStateSucceeded"},
    _exited(11, 10, "Q", "Parallel"),
    {"id": 12, "previousEventId": 11, "type": "ParallelStateSucceeded"},
    _exited(13, 12, "P", "Parallel"),
    _entered(14, 13, "After"),
]
DEFINITION = {
    "StartAt": "P",
    "States": {
        "P": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "L", "States": {"L": {"Type": "Pass", "End": True}}},
                {
                    "StartAt": "Q",
                    "States": {
                        "Q": {
                            "Type": "Parallel",
                            "Branches": [{"StartAt": "R", "States": {"R": {"Type": "Pass", "End": True}}}],
                            "End": True,
                        }
                    },
                },
            ],
            "Next": "After",
        },
        "After": {"Type": "Pass", "End": True},
    },
}


def test_a_branch_keeps_its_nested_parallels_result_and_stops_at_its_own() -> None:
    ids = [e["id"] for e in branch_events(PARALLEL_EVENTS, "P", "Q")]
    assert ids == [6, 7, 8, 9, 10, 11]
    assert [e["id"] for e in branch_events(PARALLEL_EVENTS, "P", "L")] == [4, 5]


def test_drill_folds_the_branch_and_a_level_deeper() -> None:
    assert drill(DEFINITION, PARALLEL_EVENTS, [Step("P", 1, "branch")]).statuses == {
        "Q": "succeeded",
        "R": "succeeded",
    }
    deeper = drill(DEFINITION, PARALLEL_EVENTS, [Step("P", 1, "branch"), Step("Q", 0, "branch")])
    assert deeper.statuses == {"R": "succeeded"}
    assert deeper.definition["StartAt"] == "R"


def test_an_aborted_iteration_leaves_nothing_running() -> None:
    events = [
        _entered(2, 0, "M", "Map"),
        {"id": 3, "previousEventId": 2, "type": "MapStateStarted"},
        {
            "id": 4,
            "previousEventId": 3,
            "type": "MapIterationStarted",
            "mapIterationStartedEventDetails": {"name": "M", "index": 0},
        },
        {
            "id": 5,
            "previousEventId": 3,
            "type": "MapIterationStarted",
            "mapIterationStartedEventDetails": {"name": "M", "index": 1},
        },
        _entered(6, 4, "Work", "Task"),
        _entered(7, 5, "Work", "Task"),
        _exited(8, 7, "Work", "Task"),
        {
            "id": 9,
            "previousEventId": 6,
            "type": "MapIterationAborted",
            "mapIterationAbortedEventDetails": {"name": "M", "index": 0},
        },
    ]
    definition = {
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "Iterator": {"StartAt": "Work", "States": {}}, "End": True}},
    }
    assert [e["id"] for e in iteration_events(events, "M", 1)] == [5, 7, 8]
    assert drill(definition, events, [Step("M", 0, "iteration")]).statuses == {"Work": "failed"}
    assert drill(definition, events, [Step("M", 1, "iteration")]).statuses == {"Work": "succeeded"}


@pytest.mark.parametrize(
    "path", [[Step("After", 0, "branch")], [Step("P", 2, "branch")], [Step("P", 0, "iteration")]]
)
def test_a_step_the_graph_lacks_is_refused(path: list[Step]) -> None:
    with pytest.raises(DrillError):
        drill(DEFINITION, PARALLEL_EVENTS, path)
