"""Node statuses of the live graph, folded from the decider's own AWS-shaped history."""

from __future__ import annotations

from typing import Any

from engine.states.progress import state_statuses
from tests.engine.states.interpreter_harness import Harness, lambda_arn
from tests.support.seed import lab2_definition


def statuses(run: Harness) -> dict[str, str]:
    return state_statuses([event.to_aws() for event in run.history])


def test_a_failed_attempt_reads_retrying_until_the_retry_runs_and_succeeds() -> None:
    run = Harness(lab2_definition())
    run.start({"orderId": "o-1"})
    run.succeed("ValidateOrder", {"orderId": "o-1"})
    assert statuses(run) == {"ValidateOrder": "succeeded", "ProcessPayment": "running"}
    run.fail("ProcessPayment", "States.TaskFailed", "flaky")
    assert statuses(run)["ProcessPayment"] == "retrying", "waiting out the 2 s back-off"
    run.fire_next_timer()
    assert statuses(run)["ProcessPayment"] == "running", "the retry attempt is under way"
    run.succeed("ProcessPayment", {"paid": True})
    assert statuses(run)["ProcessPayment"] == "succeeded"
    assert statuses(run)["FulfillOrder"] == "running"
    run.succeed("UpdateInventory", {})
    run.succeed("SendConfirmation", {})
    assert statuses(run) == {
        name: "succeeded"
        for name in (
            "ValidateOrder",
            "ProcessPayment",
            "FulfillOrder",
            "UpdateInventory",
            "SendConfirmation",
            "OrderComplete",
        )
    }


def test_a_caught_error_reads_caught_and_the_fail_state_failed() -> None:
    run = Harness(lab2_definition())
    run.start({})
    run.succeed("ValidateOrder", {})
    for _ in range(3):  # States.TaskFailed retries PaymentDeclined three times first
        run.fail("ProcessPayment", "PaymentDeclined", "card")
        run.fire_next_timer()
    run.fail("ProcessPayment", "PaymentDeclined", "card")
    assert statuses(run) == {
        "ValidateOrder": "succeeded",
        "ProcessPayment": "caught",
        "PaymentFailed": "failed",
    }


def test_an_uncaught_error_fails_the_state_with_the_run() -> None:
    definition: dict[str, Any] = {
        "StartAt": "Only",
        "States": {"Only": {"Type": "Task", "Resource": lambda_arn("f"), "End": True}},
    }
    run = Harness(definition)
    run.start({})
    run.fail("Only", "Boom", "no retry, no catch")
    assert statuses(run) == {"Only": "failed"}


def test_a_wait_state_reads_waiting_then_succeeded() -> None:
    definition: dict[str, Any] = {
        "StartAt": "Pause",
        "States": {"Pause": {"Type": "Wait", "Seconds": 5, "End": True}},
    }
    run = Harness(definition)
    run.start({})
    assert statuses(run) == {"Pause": "waiting"}
    run.fire_next_timer()
    assert statuses(run) == {"Pause": "succeeded"}


def test_a_failed_branch_fails_with_its_parallel_when_the_parallel_is_caught() -> None:
    definition: dict[str, Any] = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Left",
                        "States": {"Left": {"Type": "Task", "Resource": lambda_arn("l"), "End": True}},
                    },
                    {
                        "StartAt": "Right",
                        "States": {"Right": {"Type": "Task", "Resource": lambda_arn("r"), "End": True}},
                    },
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
                "End": True,
            },
            "Recover": {"Type": "Pass", "End": True},
        },
    }
    run = Harness(definition)
    run.start({})
    run.fail("Left", "Broken", "left failed")
    found = statuses(run)
    assert found["Left"] == "failed" and found["Both"] == "caught" and found["Recover"] == "succeeded"
