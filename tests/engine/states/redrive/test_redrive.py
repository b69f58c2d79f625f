"""RedriveExecution in the decider: an ended execution continues from its unsuccessful step.

AWS's rules: https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html
(successful steps are not rerun; only failed or aborted Parallel branches and inline Map
iterations run again; retry counts and the execution timeout start again).
"""

from __future__ import annotations

from typing import Any

from engine.states.handlers.redrive import refusal
from engine.states.model import TaskFailed, TaskSucceeded
from tests.engine.states.interpreter_harness import Harness, lambda_arn


def _task(name: str, **fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": lambda_arn(name), **fields}


def _branch(name: str) -> dict[str, Any]:
    return {"StartAt": name, "States": {name: _task(name, End=True)}}


def test_failed_task_is_redriven_and_the_steps_before_it_are_not_rerun() -> None:
    definition = {
        "StartAt": "Prepare",
        "States": {
            "Prepare": _task("Prepare", Next="Charge"),
            "Charge": _task(
                "Charge",
                Retry=[{"ErrorEquals": ["Busy"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                End=True,
            ),
        },
    }
    run = Harness(definition)
    run.start({"order": 7})
    run.succeed("Prepare", {"order": 7, "prepared": True})
    run.fail("Charge", "Busy")
    run.fire_next_timer()
    run.fail("Charge", "Busy", "still busy")
    assert run.status == "FAILED"
    ended = run.last()
    assert ended.type == "ExecutionFailed"
    assert refusal(run.state) is None

    run.redrive()
    assert run.status == "RUNNING"
    redriven = run.events("ExecutionRedriven")[0]
    assert redriven.id == ended.id + 1 and redriven.previous_event_id == ended.id
    assert redriven.details == {"redriveCount": 1}
    entered = run.history[redriven.id]  # the event after ExecutionRedriven
    assert entered.type == "TaskStateEntered" and entered.previous_event_id == redriven.id
    assert entered.details is not None and entered.details["name"] == "Charge"
    charge = run.task("Charge")
    assert charge.payload == {"order": 7, "prepared": True}  # the failed step's original input
    assert charge.retry_count == 0  # retry counts start again
    assert "Prepare" not in {t.state_name for t in run.tasks.values()}

    # The retrier's one attempt is available again after the redrive.
    run.fail("Charge", "Busy")
    assert run.status == "RUNNING" and run.timers
    run.fire_next_timer()
    run.succeed("Charge", {"charged": True})
    assert run.status == "SUCCEEDED"
    assert run.output() == {"charged": True}
    assert [e.type for e in run.history].count("LambdaFunctionScheduled") == 5
    assert refusal(run.state) == "Execution is SUCCEEDED and cannot be redriven"


def test_context_object_carries_redrive_count_and_time() -> None:
    definition = {
        "StartAt": "Work",
        "States": {
            "Work": _task(
                "Work", Parameters={"count.$": "$$.Execution.RedriveCount", "ctx.$": "$$.Execution"}, End=True
            )
        },
    }
    run = Harness(definition)
    run.start({})
    first = run.task("Work")
    assert first.payload["count"] == 0 and "RedriveTime" not in first.payload["ctx"]
    run.fail("Work", "Boom")
    run.advance_clock(60)
    run.redrive()
    again = run.task("Work")
    assert again.payload["count"] == 1
    assert again.payload["ctx"]["RedriveTime"] == "2024-05-01T12:01:00.000Z"
    run.fail("Work", "Boom")
    run.redrive()
    assert run.events("ExecutionRedriven")[-1].details == {"redriveCount": 2}
    assert run.task("Work").payload["count"] == 2


def test_parallel_reruns_only_the_failed_and_aborted_branches() -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "Branches": [_branch("A"), _branch("B"), _branch("C")], "Next": "Done"},
            "Done": {"Type": "Pass", "End": True},
        },
    }
    run = Harness(definition)
    run.start({"n": 1})
    run.succeed("A", "a")
    run.fail("B", "Boom", "B broke")  # C is aborted with it
    assert run.status == "FAILED"
    assert not run.tasks

    run.redrive()
    assert sorted(t.state_name for t in run.tasks.values()) == ["B", "C"]
    assert run.task("B").payload == {"n": 1}
    run.succeed("C", "c")
    run.succeed("B", "b")
    assert run.status == "SUCCEEDED"
    assert run.output() == ["a", "b", "c"]
    assert len(run.events("LambdaFunctionScheduled")) == 5  # A once, B and C twice


def test_inline_map_reruns_only_the_failed_iterations() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "Item", "States": {"Item": _task("Item", End=True)}},
                "End": True,
            }
        },
    }
    run = Harness(definition)
    run.start([1, 2, 3])
    tasks = sorted(run.tasks.values(), key=lambda t: t.payload)
    run.tasks.clear()
    run.send(TaskSucceeded(tasks[0].task_id, "one"))
    run.send(TaskSucceeded(tasks[2].task_id, "three"))
    run.send(TaskFailed(tasks[1].task_id, "Boom", "item 2"))
    assert run.status == "FAILED"

    run.redrive()
    assert [t.payload for t in run.tasks.values()] == [2]
    run.succeed("Item", "two")
    assert run.status == "SUCCEEDED"
    assert run.output() == ["one", "two", "three"]


def test_timed_out_execution_is_redriven_with_its_timeout_started_again() -> None:
    definition = {"TimeoutSeconds": 10, "StartAt": "Slow", "States": {"Slow": _task("Slow", End=True)}}
    run = Harness(definition)
    run.start({"x": 1})
    run.fire_next_timer()
    assert run.status == "TIMED_OUT"
    run.advance_clock(100)
    run.redrive()
    assert run.status == "RUNNING"
    assert run.task("Slow").payload == {"x": 1}
    timer = min(run.timers.values(), key=lambda t: t.fire_at)
    assert (timer.fire_at - run.now).total_seconds() == 10
    run.succeed("Slow", "done")
    assert run.status == "SUCCEEDED"


def test_aborted_execution_is_redriven_from_the_stopped_states() -> None:
    definition = {
        "StartAt": "First",
        "States": {
            "First": {"Type": "Pass", "Result": {"step": 1}, "Next": "Hold"},
            "Hold": {"Type": "Wait", "Seconds": 30, "Next": "Last"},
            "Last": _task("Last", End=True),
        },
    }
    run = Harness(definition)
    run.start({})
    run.stop("Operator", "stopped by hand")
    assert run.status == "ABORTED"
    run.redrive()
    entered = [e for e in run.history if e.type.endswith("StateEntered")]
    assert [e.details["name"] for e in entered if e.details] == ["First", "Hold", "Hold"]
    run.fire_next_timer()
    run.succeed("Last", "ok")
    assert run.status == "SUCCEEDED"


def test_a_caught_branch_failure_leaves_no_stale_failure_point() -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [_branch("A")],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "After"}],
                "Next": "After",
            },
            "After": _task("After", End=True),
        },
    }
    run = Harness(definition)
    run.start({})
    run.fail("A", "Boom")
    run.fail("After", "Late")
    assert run.status == "FAILED"
    run.redrive()
    assert [t.state_name for t in run.tasks.values()] == ["After"]


def test_refusals() -> None:
    run = Harness({"StartAt": "Work", "States": {"Work": _task("Work", End=True)}})
    run.start({})
    assert refusal(run.state) == "Execution is RUNNING and cannot be redriven"
    before = list(run.history)
    run.redrive()  # a running execution is left as it is
    assert run.history == before and run.status == "RUNNING"
    run.succeed("Work", 1)
    run.redrive()
    assert run.status == "SUCCEEDED" and run.history[-1].type == "ExecutionSucceeded"


def test_live_statuses_follow_the_redrive() -> None:
    from engine.states.progress import state_statuses

    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "Branches": [_branch("A"), _branch("B")], "End": True}},
    }
    run = Harness(definition)
    run.start({})
    run.succeed("A", "a")
    run.fail("B", "Boom")
    events = [event.to_aws() for event in run.history]
    assert state_statuses(events) == {"P": "failed", "A": "succeeded", "B": "failed"}
    run.redrive()
    events = [event.to_aws() for event in run.history]
    assert state_statuses(events) == {"P": "running", "A": "succeeded", "B": "running"}
    run.succeed("B", "b")
    events = [event.to_aws() for event in run.history]
    assert state_statuses(events) == {"P": "succeeded", "A": "succeeded", "B": "succeeded"}


def test_a_failed_map_run_is_redriven_with_only_its_unsuccessful_children() -> None:
    from engine.states.model import (
        ChildExecutionEnded,
        RedriveChildExecution,
        RedriveMapRun,
        StartChildExecution,
        StartMapRun,
    )

    definition = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 2,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Work",
                    "States": {"Work": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }
    run = Harness(definition)
    run.start({"items": [{"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}]})
    [map_run] = [c for c in run.commands if isinstance(c, StartMapRun)]
    started = [c for c in run.commands if isinstance(c, StartChildExecution)]
    assert [c.index for c in started] == [0, 1]

    def ended(index: int, status: str, output: Any = None) -> ChildExecutionEnded:
        failed = status != "SUCCEEDED"
        return ChildExecutionEnded(
            map_run_id=map_run.map_run_id,
            index=index,
            status=status,  # type: ignore[arg-type]
            output=None if failed else output,
            error="Boom" if failed else None,
            cause="child broke" if failed else None,
        )

    run.send(ended(0, "SUCCEEDED", "zero"))  # item 2 starts
    run.send(ended(1, "FAILED"))  # the run fails; item 2 is aborted, item 3 never started
    assert run.status == "FAILED"
    assert run.ended_runs[map_run.map_run_id].status == "FAILED"

    before = len(run.commands)
    run.redrive()
    commands = run.commands[before:]
    assert RedriveMapRun(map_run.map_run_id) in commands
    # At most MaxConcurrency at once: the failed child and the aborted one are redriven first.
    assert [c.index for c in commands if isinstance(c, RedriveChildExecution)] == [1, 2]
    assert not [c for c in commands if isinstance(c, StartChildExecution | StartMapRun)]
    types = run.types()
    assert types[types.index("ExecutionRedriven") + 1] == "MapRunRedriven"
    assert run.events("MapRunRedriven")[0].details == {"mapRunArn": map_run.map_run_arn, "redriveCount": 1}

    run.send(ended(1, "SUCCEEDED", "one"))
    new_children = [c for c in run.commands if isinstance(c, StartChildExecution)]
    assert [c.index for c in new_children][-1] == 3  # the never-started item starts as a new child
    run.send(ended(2, "SUCCEEDED", "two"))
    run.send(ended(3, "SUCCEEDED", "three"))
    assert run.status == "SUCCEEDED"
    assert run.output() == ["zero", "one", "two", "three"]


def test_nested_parallel_in_a_map_reruns_only_the_failed_branch_of_the_failed_iteration() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "P",
                    "States": {
                        "P": {"Type": "Parallel", "Branches": [_branch("A"), _branch("B")], "End": True}
                    },
                },
                "End": True,
            }
        },
    }
    run = Harness(definition)
    run.start([1, 2])

    def pending(name: str, value: int) -> Any:
        return next(t for t in run.tasks.values() if t.state_name == name and t.payload == value)

    for name, value, output in (("A", 1, "a1"), ("B", 1, "b1"), ("A", 2, "a2")):
        task = pending(name, value)
        del run.tasks[task.task_id]
        run.send(TaskSucceeded(task.task_id, output))
    failing = pending("B", 2)
    del run.tasks[failing.task_id]
    run.send(TaskFailed(failing.task_id, "Boom"))
    assert run.status == "FAILED"

    run.redrive()
    assert [(t.state_name, t.payload) for t in run.tasks.values()] == [("B", 2)]
    run.succeed("B", "b2")
    assert run.status == "SUCCEEDED"
    assert run.output() == [["a1", "b1"], ["a2", "b2"]]
