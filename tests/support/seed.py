"""The course chapter's labs, read from the chapter itself so the tests run what users read."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

CHAPTER = Path(__file__).resolve().parents[1] / "fixtures" / "course_chapter_18.txt"
ACCOUNT = "123456789012"
REGION = "us-east-1"


def _block_after(heading: str, language: str) -> str:
    text = CHAPTER.read_text()
    start = text.index(heading)
    match = re.compile(rf"```{language}\n(.*?)```", re.S).search(text, start)
    assert match is not None, f"no {language} block after {heading!r}"
    return match.group(1)


def lab1_code() -> str:
    """Lab 1 verbatim: boto3 creates orders-bus, the high-value-orders rule and its target."""
    return _block_after("### Lab 1", "python")


def lab2_definition_text() -> str:
    """Lab 2 verbatim: the order workflow in the Amazon States Language."""
    return _block_after("### Lab 2", "json")


def bind_lambda_arns(definition_text: str, region: str = REGION, account: str = ACCOUNT) -> str:
    """Fill in the region and account the chapter elides as `...` in its Lambda ARNs."""
    return definition_text.replace(
        "arn:aws:lambda:...:function:", f"arn:aws:lambda:{region}:{account}:function:"
    )


def lab2_definition() -> dict[str, Any]:
    return json.loads(bind_lambda_arns(lab2_definition_text()))


def lambda_function_names(definition: dict[str, Any]) -> list[str]:
    """Every function a definition's Task states call, in document order."""
    names: list[str] = []

    def walk(states: dict[str, Any]) -> None:
        for state in states.values():
            resource = state.get("Resource", "")
            if ":function:" in resource:
                names.append(resource.rsplit(":function:", 1)[1])
            for branch in state.get("Branches", []):
                walk(branch["States"])

    walk(definition["States"])
    return names


def function_arn(name: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def _task(name: str, **fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": function_arn(name), **fields}


def saga_definition() -> dict[str, Any]:
    """ "Saga Pattern (Distributed Transactions)": each step's Catch runs the compensations of
    the steps before it, in reverse order (the chapter elides the ARNs; bound here)."""
    catch_all = "States.ALL"
    return {
        "StartAt": "ReserveInventory",
        "States": {
            "ReserveInventory": _task(
                "reserve-inventory",
                Catch=[{"ErrorEquals": [catch_all], "Next": "OrderFailed"}],
                Next="ProcessPayment",
            ),
            "ProcessPayment": _task(
                "process-payment",
                Catch=[{"ErrorEquals": [catch_all], "Next": "CompensateInventory"}],
                Next="CreateShipment",
            ),
            "CreateShipment": _task(
                "create-shipment",
                Catch=[{"ErrorEquals": [catch_all], "Next": "CompensatePayment"}],
                Next="OrderComplete",
            ),
            "OrderComplete": {"Type": "Succeed"},
            "CompensatePayment": _task("refund-payment", Next="CompensateInventory"),
            "CompensateInventory": _task("release-inventory", Next="OrderFailed"),
            "OrderFailed": {"Type": "Fail", "Error": "OrderProcessingFailed"},
        },
    }


def parallel_fulfilment_definition() -> dict[str, Any]:
    """ "Pattern 1: Parallel Independent Tasks": payment, inventory and notification at once."""
    branches = [
        ("ProcessPayment", "process-payment"),
        ("UpdateInventory", "update-inventory"),
        ("SendNotification", "send-notification"),
    ]
    return {
        "StartAt": "ProcessOrder",
        "States": {
            "ProcessOrder": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": state, "States": {state: _task(fn, End=True)}} for state, fn in branches
                ],
                "Next": "AggregateResults",
            },
            "AggregateResults": {"Type": "Pass", "End": True},
        },
    }


def map_items_definition(max_concurrency: int = 10) -> dict[str, Any]:
    """ "Pattern 2: Map State for Iteration": each item through one task, at most 10 at once."""
    return {
        "StartAt": "ProcessItems",
        "States": {
            "ProcessItems": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": max_concurrency,
                "Iterator": {
                    "StartAt": "ProcessItem",
                    "States": {"ProcessItem": _task("process-item", End=True)},
                },
                "ResultPath": "$.processedItems",
                "Next": "Complete",
            },
            "Complete": {"Type": "Succeed"},
        },
    }


def approval_definition() -> dict[str, Any]:
    """ "Human-in-the-Loop Pattern": orders over 10,000 wait for a person's decision, whose
    task token travels in the approval message (the chapter's SQS queue; the workbench's
    approval inbox stands in for the person reading it)."""
    return {
        "StartAt": "ValidateOrder",
        "States": {
            "ValidateOrder": _task("validate-order", Next="CheckAmount"),
            "CheckAmount": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.amount", "NumericGreaterThan": 10000, "Next": "RequestApproval"}],
                "Default": "ProcessOrder",
            },
            "RequestApproval": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/approvals",
                    "MessageBody": {
                        "orderId.$": "$.orderId",
                        "amount.$": "$.amount",
                        "taskToken.$": "$$.Task.Token",
                    },
                },
                "Next": "ProcessOrder",
            },
            "ProcessOrder": _task("process-order", End=True),
        },
    }
