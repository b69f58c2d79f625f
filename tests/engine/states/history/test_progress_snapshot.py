"""A fold saved as JSON between steps and resumed gives the statuses of one fold of the whole
history: what lets the shell fold each step's events once and store the result."""

from __future__ import annotations

import json
from typing import Any

from engine.states.progress import Progress, state_statuses
from tests.engine.states.interpreter_harness import Harness, lambda_arn
from tests.support.seed import lab2_definition

BOTH: dict[str, Any] = {
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "Left",
                    "States": {"Left": {"Type": "Task", "Resource": lambda_arn("l"), "End": True}},
                },
                {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}},
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
            "End": True,
        },
        "Recover": {"Type": "Pass", "End": True},
    },
}


class Stepwise:
    """Folds each step's new events into a fold resumed from JSON, as the shell stores it."""

    def __init__(self, run: Harness) -> None:
        self.run = run
        self.saved: str = json.dumps(Progress().snapshot())
        self.folded = 0

    def step(self) -> dict[str, str]:
        progress = Progress.restore(json.loads(self.saved))
        progress.add(event.to_aws() for event in self.run.history[self.folded :])
        self.folded = len(self.run.history)
        self.saved = json.dumps(progress.snapshot())
        return progress.statuses

    def whole(self) -> dict[str, str]:
        return state_statuses(event.to_aws() for event in self.run.history)


def test_a_retry_then_success_folded_step_by_step() -> None:
    run = Harness(lab2_definition())
    folds = Stepwise(run)
    run.start({"orderId": "o-1"})
    assert folds.step() == folds.whole()
    run.succeed("ValidateOrder", {"orderId": "o-1"})
    assert folds.step() == folds.whole()
    run.fail("ProcessPayment", "States.TaskFailed", "flaky")
    assert folds.step() == folds.whole() and folds.whole()["ProcessPayment"] == "retrying"
    run.fire_next_timer()
    assert folds.step() == folds.whole() and folds.whole()["ProcessPayment"] == "running"


def test_a_caught_parallel_failure_folded_step_by_step() -> None:
    run = Harness(BOTH)
    folds = Stepwise(run)
    run.start({})
    assert folds.step() == folds.whole()
    run.fail("Left", "Boom", "")
    statuses = folds.step()
    assert statuses == folds.whole()
    assert statuses["Both"] == "caught" and statuses["Recover"] == "succeeded"


def test_restoring_nothing_is_an_empty_fold() -> None:
    assert Progress.restore(None).statuses == {}
