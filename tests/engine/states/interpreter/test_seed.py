"""The course's own workflows (/work/shared/seed, chapter on Step Functions) run end to end."""

from __future__ import annotations

import json
from typing import Any

from tests.engine.states.interpreter_harness import Harness, lambda_arn
from tests.support.seed import saga_definition

# "Lab 2: Step Functions State Machine" from the course material, verbatim but for the ARNs.
LAB2: dict[str, Any] = {
    "Comment": "Order processing workflow",
    "StartAt": "ValidateOrder",
    "States": {
        "ValidateOrder": {"Type": "Task", "Resource": lambda_arn("validate-order"), "Next": "ProcessPayment"},
        "ProcessPayment": {
            "Type": "Task",
            "Resource": lambda_arn("process-payment"),
            "Retry": [
                {
                    "ErrorEquals": ["States.TaskFailed"],
                    "IntervalSeconds": 2,
                    "MaxAttempts": 3,
                    "BackoffRate": 2.0,
                }
            ],
            "Catch": [{"ErrorEquals": ["PaymentDeclined"], "Next": "PaymentFailed"}],
            "Next": "FulfillOrder",
        },
        "FulfillOrder": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "UpdateInventory",
                    "States": {
                        "UpdateInventory": {
                            "Type": "Task",
                            "Resource": lambda_arn("update-inventory"),
                            "End": True,
                        }
                    },
                },
                {
                    "StartAt": "SendConfirmation",
                    "States": {
                        "SendConfirmation": {
                            "Type": "Task",
                            "Resource": lambda_arn("send-email"),
                            "End": True,
                        }
                    },
                },
            ],
            "Next": "OrderComplete",
        },
        "OrderComplete": {"Type": "Succeed"},
        "PaymentFailed": {
            "Type": "Fail",
            "Error": "PaymentDeclined",
            "Cause": "Customer payment was declined",
        },
    },
}

ORDER = {"orderId": "o-1", "amount": 120}


def test_lab2_order_succeeds_with_both_fulfilment_branches() -> None:
    run = Harness(LAB2)
    run.start(ORDER)
    assert run.task("ValidateOrder").payload == ORDER
    run.succeed("ValidateOrder", {**ORDER, "valid": True})
    run.succeed("ProcessPayment", {**ORDER, "paid": True})
    assert {t.state_name for t in run.tasks.values()} == {"UpdateInventory", "SendConfirmation"}
    run.succeed("SendConfirmation", "mail sent")
    assert run.status == "RUNNING"
    run.succeed("UpdateInventory", {"stock": 9})
    assert run.status == "SUCCEEDED"
    # Branch results keep branch order, not completion order.
    assert run.output() == [{"stock": 9}, "mail sent"]
    assert run.types()[:4] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
    ]
    assert run.types()[-4:] == [
        "ParallelStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
    ]
    assert len(run.finished) == 1


def test_lab2_payment_declined_is_retried_as_task_failed_then_caught() -> None:
    # States.TaskFailed matches every error but States.Timeout ("Handling errors in Step
    # Functions workflows"), so PaymentDeclined is retried three times before the Catch.
    run = Harness(LAB2)
    run.start(ORDER)
    run.succeed("ValidateOrder", ORDER)
    delays = []
    for _ in range(3):
        run.fail("ProcessPayment", "PaymentDeclined", "card refused")
        timer, _ = run.fire_next_timer()
        delays.append(timer.fire_at)
    run.fail("ProcessPayment", "PaymentDeclined", "card refused")
    assert run.status == "FAILED"
    assert run.finished[-1].error == "PaymentDeclined"
    assert run.finished[-1].cause == "Customer payment was declined"
    assert [d.second for d in delays] == [2, 6, 14]  # 2s, then 4s, then 8s after each failure
    assert run.types()[-4:] == [
        "LambdaFunctionFailed",
        "TaskStateExited",
        "FailStateEntered",
        "ExecutionFailed",
    ]
    exited = run.events("TaskStateExited")[-1]
    assert exited.details is not None
    assert json.loads(exited.details["output"]) == {"Error": "PaymentDeclined", "Cause": "card refused"}


def test_lab2_two_task_failures_then_success_waits_2s_then_4s() -> None:
    run = Harness(LAB2)
    run.start(ORDER)
    run.succeed("ValidateOrder", ORDER)
    first_failure_at = run.now
    run.fail("ProcessPayment", "States.TaskFailed", "timeout talking to the bank")
    first, _ = run.fire_next_timer()
    assert (first.fire_at - first_failure_at).total_seconds() == 2
    assert run.task("ProcessPayment").retry_count == 1
    second_failure_at = run.now
    run.fail("ProcessPayment", "States.TaskFailed", "timeout talking to the bank")
    second, _ = run.fire_next_timer()
    assert (second.fire_at - second_failure_at).total_seconds() == 4
    assert run.task("ProcessPayment").retry_count == 2
    run.succeed("ProcessPayment", {"paid": True})
    run.succeed("UpdateInventory", 1)
    run.succeed("SendConfirmation", 2)
    assert run.status == "SUCCEEDED"
    payment_events = [t for t in run.types() if t.startswith("LambdaFunction")]
    assert payment_events.count("LambdaFunctionFailed") == 2
    # AWS does not enter the state again for a retry: one TaskStateEntered per Task state.
    entered = [e.details["name"] for e in run.events("TaskStateEntered") if e.details]
    assert entered.count("ProcessPayment") == 1


# "Saga Pattern (Distributed Transactions)" from the course material.
SAGA: dict[str, Any] = saga_definition()


def test_saga_shipment_failure_runs_compensations_in_reverse() -> None:
    run = Harness(SAGA)
    run.start(ORDER)
    run.succeed("ReserveInventory", {"reserved": True})
    run.succeed("ProcessPayment", {"charged": True})
    run.fail("CreateShipment", "CarrierUnavailable", "no trucks")
    refund = run.task("CompensatePayment")
    assert refund.payload == {"Error": "CarrierUnavailable", "Cause": "no trucks"}
    run.succeed("CompensatePayment", {"refunded": True})
    run.succeed("CompensateInventory", {"released": True})
    assert run.status == "FAILED"
    assert run.finished[-1].error == "OrderProcessingFailed"
    order = [e.details["name"] for e in run.events("TaskStateEntered") if e.details]
    assert order == [
        "ReserveInventory",
        "ProcessPayment",
        "CreateShipment",
        "CompensatePayment",
        "CompensateInventory",
    ]


def test_saga_happy_path_succeeds_without_compensation() -> None:
    run = Harness(SAGA)
    run.start(ORDER)
    for name in ("ReserveInventory", "ProcessPayment", "CreateShipment"):
        run.succeed(name, {"step": name})
    assert run.status == "SUCCEEDED"
    assert run.output() == {"step": "CreateShipment"}


def test_seed_input_output_processing_example() -> None:
    # "Input/Output Processing" in the course material: InputPath, Parameters, ResultPath.
    definition = {
        "StartAt": "ProcessPayment",
        "States": {
            "ProcessPayment": {
                "Type": "Task",
                "Resource": lambda_arn("process-payment"),
                "InputPath": "$.order",
                "Parameters": {"orderId.$": "$.orderId", "amount.$": "$.amount"},
                "ResultPath": "$.paymentResult",
                "OutputPath": "$",
                "End": True,
            }
        },
    }
    state_input = {
        "order": {"orderId": "123", "amount": 299.99},
        "customer": {"customerId": "456", "email": "user@example.com"},
    }
    run = Harness(definition)
    run.start(state_input)
    assert run.task("ProcessPayment").payload == {"orderId": "123", "amount": 299.99}
    run.succeed("ProcessPayment", {"transactionId": "txn-789", "status": "success"})
    assert run.output() == {
        **state_input,
        "paymentResult": {"transactionId": "txn-789", "status": "success"},
    }
