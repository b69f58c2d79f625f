"""The stage-observer hook (engine.states.handlers.observer): what ``Run`` tells an observer.

The stages are the data-flow order of the developer guide's "Processing input and output"
pages: InputPath, Parameters, the task result, ResultSelector, ResultPath, OutputPath; then
"Handling errors": a Retrier that matches schedules another attempt, a Catcher that matches
leaves the state through its Next. An observer only watches: a run with the do-nothing
observer must decide exactly what a run without one decides.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.states import interpreter
from engine.states.handlers.compiled import CompiledState
from engine.states.handlers.observer import StageObserver
from engine.states.handlers.run import Run
from engine.states.model import JSON
from tests.engine.states.interpreter_harness import Harness, lambda_arn


class Recorder(StageObserver):
    """Writes down each stage as (hook, state name, value)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, Any]] = []

    def after_input_path(self, state: CompiledState, value: JSON) -> None:
        self.seen.append(("input_path", state.name, value))

    def after_parameters(self, state: CompiledState, value: JSON) -> None:
        self.seen.append(("parameters", state.name, value))

    def after_result_selector(self, state: CompiledState, result: JSON, value: JSON) -> None:
        self.seen.append(("result_selector", state.name, (result, value)))

    def result_placed(self, state: CompiledState, result: JSON) -> None:
        self.seen.append(("result", state.name, result))

    def after_result_path(self, state: CompiledState, value: JSON) -> None:
        self.seen.append(("result_path", state.name, value))

    def exited(
        self, state: CompiledState, output: JSON, next_name: str | None, assigned: dict[str, JSON] | None
    ) -> None:
        self.seen.append(("exited", state.name, (output, next_name)))

    def error_raised(self, state: CompiledState, error: str, cause: str) -> None:
        self.seen.append(("error", state.name, error))

    def retrying(self, state: CompiledState, retrier_index: int, delay_seconds: float) -> None:
        self.seen.append(("retrying", state.name, (retrier_index, delay_seconds)))

    def caught(self, state: CompiledState, catcher_index: int) -> None:
        self.seen.append(("caught", state.name, catcher_index))


def observed_by(monkeypatch: pytest.MonkeyPatch, observer: StageObserver) -> None:
    """Every Run the decider builds from now on carries ``observer``."""
    interpreter._BY_HASH.clear()
    interpreter._BY_OBJECT.clear()
    monkeypatch.setattr(interpreter, "Run", lambda program, state, env: Run(program, state, env, observer))


CHARGE = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": lambda_arn("charge"),
            "InputPath": "$.order",
            "Parameters": {"amount.$": "$.total"},
            "ResultSelector": {"id.$": "$.receipt"},
            "ResultPath": "$.charge",
            "OutputPath": "$.charge",
            "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 3, "MaxAttempts": 1}],
            "Catch": [
                {"ErrorEquals": ["Nope"], "Next": "Declined"},
                {"ErrorEquals": ["States.ALL"], "Next": "Done"},
            ],
            "Next": "Done",
        },
        "Declined": {"Type": "Fail", "Error": "Declined"},
        "Done": {"Type": "Succeed"},
    },
}
ORDER = {"order": {"total": 42}}


def test_each_data_flow_stage_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    observed_by(monkeypatch, recorder)
    harness = Harness(CHARGE)
    harness.start(ORDER)
    harness.succeed("Charge", {"receipt": "r-1", "noise": True})
    charge = [(hook, value) for hook, name, value in recorder.seen if name == "Charge"]
    assert charge == [
        ("input_path", {"total": 42}),
        ("parameters", {"amount": 42}),
        ("result_selector", ({"receipt": "r-1", "noise": True}, {"id": "r-1"})),
        ("result", {"id": "r-1"}),
        # ResultPath places the result into the raw input, not the InputPath selection.
        ("result_path", {**ORDER, "charge": {"id": "r-1"}}),
        ("exited", ({"id": "r-1"}, "Done")),
    ]
    assert harness.status == "SUCCEEDED"


def test_retry_then_catch_are_reported_with_their_index(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    observed_by(monkeypatch, recorder)
    harness = Harness(CHARGE)
    harness.start(ORDER)
    harness.fail("Charge", "Busy")
    harness.fire_next_timer()
    harness.fail("Charge", "Nope")
    outcomes = [
        (hook, value) for hook, name, value in recorder.seen if hook in ("error", "retrying", "caught")
    ]
    assert outcomes == [("error", "Busy"), ("retrying", (0, 3.0)), ("error", "Nope"), ("caught", 0)]
    assert harness.finished[-1].error == "Declined"


@pytest.mark.parametrize(
    "definition",
    [
        CHARGE,
        {
            "StartAt": "Both",
            "States": {
                "Both": {
                    "Type": "Parallel",
                    "Branches": [
                        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                        {
                            "StartAt": "Each",
                            "States": {
                                "Each": {
                                    "Type": "Map",
                                    "ItemsPath": "$.order.lines",
                                    "ItemProcessor": {
                                        "StartAt": "P",
                                        "States": {"P": {"Type": "Pass", "End": True}},
                                    },
                                    "End": True,
                                }
                            },
                        },
                    ],
                    "End": True,
                }
            },
        },
    ],
)
def test_the_do_nothing_observer_changes_no_decision(
    definition: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    value = {"order": {"total": 42, "lines": [1, 2, 3]}}

    def drive() -> Harness:
        harness = Harness(definition)
        harness.start(value)
        if harness.tasks:
            harness.fail("Charge", "Busy")
            harness.fire_next_timer()
            harness.succeed("Charge", {"receipt": "r-2"})
        return harness

    plain = drive()
    observed_by(monkeypatch, StageObserver())
    watched = drive()
    assert plain.status == watched.status == "SUCCEEDED"
    assert [e.to_aws() for e in watched.history] == [e.to_aws() for e in plain.history]
    assert watched.commands == plain.commands
    assert watched.state == plain.state
