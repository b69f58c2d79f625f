"""The course chapter's orchestration patterns, run through boto3 and Celery end to end:
the order saga with compensations, parallel fulfilment, and a Map with MaxConcurrency."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.support import seed
from tests.support.mocks import mock_functions

pytestmark = pytest.mark.live
ROLE = f"arn:aws:iam::{seed.ACCOUNT}:role/course"


def _run(sfn: Any, name: str, definition: dict[str, Any], payload: Any) -> tuple[dict[str, Any], list[Any]]:
    machine = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps(payload))[
        "executionArn"
    ]
    done = wait_for(
        lambda: (lambda d: d if d["status"] != "RUNNING" else None)(sfn.describe_execution(executionArn=arn)),
        timeout=90,
    )
    history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return done, history


def _entered(history: list[Any]) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]


def test_saga_compensates_in_reverse_when_shipment_fails(aws: Any) -> None:
    mock_functions(
        {
            "reserve-inventory": [{"output": {"reservation": "r-1"}}],
            "process-payment": [{"output": {"payment": "p-1"}}],
            "create-shipment": [{"error": "ShipmentUnavailable", "cause": "no courier"}],
            "refund-payment": [{"output": {"refunded": True}}],
            "release-inventory": [{"output": {"released": True}}],
        }
    )
    done, history = _run(aws("stepfunctions"), "order-saga", seed.saga_definition(), {"orderId": "o-1"})
    assert (done["status"], done["error"]) == ("FAILED", "OrderProcessingFailed")
    assert _entered(history) == [
        "ReserveInventory",
        "ProcessPayment",
        "CreateShipment",
        "CompensatePayment",
        "CompensateInventory",
        "OrderFailed",
    ]


def test_parallel_fulfilment_collects_every_branch_in_order(aws: Any) -> None:
    results = {
        "process-payment": {"charged": 1},
        "update-inventory": {"reserved": 2},
        "send-notification": {"sent": 3},
    }
    mock_functions({name: [{"output": value}] for name, value in results.items()})
    done, history = _run(
        aws("stepfunctions"), "fulfilment", seed.parallel_fulfilment_definition(), {"orderId": "o-2"}
    )
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == list(results.values())
    types = [e["type"] for e in history]
    assert types.count("LambdaFunctionScheduled") == 3 and "ParallelStateSucceeded" in types


def test_map_processes_every_item_at_most_ten_at_a_time(aws: Any) -> None:
    mock_functions({"process-item": [{"output": {"ok": True}}]})
    items = [{"sku": f"sku-{i}"} for i in range(40)]
    done, history = _run(aws("stepfunctions"), "items", seed.map_items_definition(10), {"items": items})
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"])["processedItems"] == [{"ok": True}] * 40
    # Replay the history: tasks in flight = scheduled minus finished, never above MaxConcurrency.
    in_flight = peak = 0
    for event in history:
        if event["type"] == "LambdaFunctionScheduled":
            in_flight += 1
            peak = max(peak, in_flight)
        elif event["type"] in ("LambdaFunctionSucceeded", "LambdaFunctionFailed"):
            in_flight -= 1
    assert peak == 10
    assert sum(e["type"] == "MapIterationSucceeded" for e in history) == 40
