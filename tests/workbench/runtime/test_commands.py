"""The in-memory executor (Express) carries out every command, including the cancellations the
old runner dropped: CancelTimer, CancelTask and EndMapRun."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine.states.model import (
    CancelTask,
    CancelTimer,
    ChildExecutionEnded,
    EndMapRun,
    FinishExecution,
    InvokeTask,
    StartChildExecution,
    StartMapRun,
    StartTimer,
    TaskSucceeded,
)
from workbench.runtime.commands import InMemoryExecutor

AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _executor() -> InMemoryExecutor:
    return InMemoryExecutor(
        perform=lambda command: TaskSucceeded(command.task_id, {"done": command.task_id}),
        run_child=lambda run, child: ChildExecutionEnded(
            run.map_run_id, child.index, "SUCCEEDED", child.input
        ),
    )


def _map_run(map_run_id: str = "run-1") -> StartMapRun:
    return StartMapRun(
        map_run_id=map_run_id,
        map_run_arn="arn",
        state_name="M",
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m/M",
        definition={},
        execution_type="EXPRESS",
        item_count=2,
        max_concurrency=0,
        tolerated_failure_count=0,
        tolerated_failure_percentage=0.0,
    )


def test_a_cancelled_timer_never_fires() -> None:
    executor = _executor()
    executor.handle_all([StartTimer("t1", AT), StartTimer("t2", AT.replace(hour=13)), CancelTimer("t1")])
    assert executor.timers == {"t2": AT.replace(hour=13)}
    assert executor.next_timer() == ("t2", AT.replace(hour=13))


def test_a_cancelled_task_reports_nothing() -> None:
    executor = _executor()
    executor.handle_all([InvokeTask("a", "r", {}, "A"), InvokeTask("b", "r", {}, "B"), CancelTask("a")])
    reported: list[Any] = [h.task_id for h in executor.happenings if isinstance(h, TaskSucceeded)]
    assert reported == ["b"]


def test_an_ended_map_run_drops_what_its_children_had_queued_and_starts_no_more() -> None:
    executor = _executor()
    executor.handle_all(
        [
            _map_run(),
            StartChildExecution("run-1", 0, "c0", 1),
            EndMapRun("run-1", "FAILED", "States.ExceedToleratedFailureThreshold", ""),
            StartChildExecution("run-1", 1, "c1", 2),
        ]
    )
    assert executor.happenings == []
    assert executor.map_runs == {}


def test_finish_is_kept_for_the_loop_to_end_on() -> None:
    executor = _executor()
    executor.handle(FinishExecution("SUCCEEDED", {"x": 1}))
    assert executor.finished == FinishExecution("SUCCEEDED", {"x": 1})
