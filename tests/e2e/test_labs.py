"""The course's two labs, end to end: boto3 -> AWS API -> rule -> Celery -> engine -> database.

Lab 1 and Lab 2 come verbatim from the course chapter (tests/fixtures/course_chapter_18.txt,
sections "Lab 1: EventBridge Rule to Lambda" and "Lab 2: Step Functions State Machine").
"""

from __future__ import annotations

import json
import os
from typing import Any
from unittest import mock

import pytest

from tests.conftest import wait_for
from tests.support import seed
from tests.support.labs import (
    EMAIL_RESULT,
    INVENTORY_RESULT,
    ORDER,
    ROLE,
    create_order_machine,
    mock_lab_functions,
)

pytestmark = pytest.mark.live


def _run_lab1(live_url: str) -> None:
    env = {
        "AWS_ENDPOINT_URL": live_url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": seed.REGION,
    }
    with mock.patch.dict(os.environ, env):
        # The chapter's snippet uses json without importing it; the namespace supplies it.
        exec(compile(seed.lab1_code(), "lab1.py", "exec"), {"json": json})


def _finished(sfn: Any, arn: str) -> dict[str, Any] | None:
    described = sfn.describe_execution(executionArn=arn)
    return described if described["status"] != "RUNNING" else None


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    return sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]


def test_lab1_rule_starts_lab2_workflow_for_high_value_order(aws: Any, live_url: str) -> None:
    mock_lab_functions([{"output": {"transactionId": "txn-789", "status": "success"}}])
    events, sfn = aws("events"), aws("stepfunctions")
    _run_lab1(live_url)

    rule = events.describe_rule(Name="high-value-orders", EventBusName="orders-bus")
    assert rule["Arn"] == f"arn:aws:events:{seed.REGION}:{seed.ACCOUNT}:rule/orders-bus/high-value-orders"
    machine_arn = create_order_machine(sfn)
    events.put_targets(
        Rule="high-value-orders",
        EventBusName="orders-bus",
        Targets=[{"Id": "order-workflow", "Arn": machine_arn, "RoleArn": ROLE}],
    )
    assert [
        t["Id"]
        for t in events.list_targets_by_rule(Rule="high-value-orders", EventBusName="orders-bus")["Targets"]
    ] == ["1", "order-workflow"]

    small = dict(ORDER, orderId="order-small", amount=999)
    answer = events.put_events(
        Entries=[
            {
                "Source": "com.myapp.orders",
                "DetailType": "Order Placed",
                "Detail": json.dumps(ORDER),
                "EventBusName": "orders-bus",
            },
            {
                "Source": "com.myapp.orders",
                "DetailType": "Order Placed",
                "Detail": json.dumps(small),
                "EventBusName": "orders-bus",
            },
        ]
    )
    assert answer["FailedEntryCount"] == 0

    executions = wait_for(lambda: sfn.list_executions(stateMachineArn=machine_arn)["executions"])
    assert len(executions) == 1, "only the 1500 order matches amount > 1000"
    done = wait_for(lambda: _finished(sfn, executions[0]["executionArn"]), timeout=60)
    assert done["status"] == "SUCCEEDED", done
    # The Parallel state's output is the list of its branches' outputs, in branch order.
    assert json.loads(done["output"]) == [INVENTORY_RESULT, EMAIL_RESULT]
    # The execution's input is the matched event itself: the rule target has no transformer.
    started = json.loads(done["input"])
    assert started["detail"] == ORDER and started["detail-type"] == "Order Placed"

    from workbench.functions.models import Invocation

    lambda_calls = wait_for(
        lambda: list(Invocation.objects.filter(function__name="process-high-value-order"))
    )
    assert len(lambda_calls) == 1 and lambda_calls[0].payload["detail"]["amount"] == 1500


def test_payment_declined_is_caught_and_fails_the_execution(aws: Any) -> None:
    mock_lab_functions([{"error": "PaymentDeclined", "cause": "card refused"}])
    sfn = aws("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=create_order_machine(sfn), input=json.dumps(ORDER))[
        "executionArn"
    ]
    # States.TaskFailed matches every error but States.Timeout, so PaymentDeclined is retried
    # three times (2 s, 4 s, 8 s) before the Catch takes it: that is AWS's documented order.
    done = wait_for(lambda: _finished(sfn, arn), timeout=60)
    assert done["status"] == "FAILED"
    assert done["error"] == "PaymentDeclined"
    assert done["cause"] == "Customer payment was declined"
    types = [e["type"] for e in _history(sfn, arn)]
    assert types.count("LambdaFunctionFailed") == 4
    assert "FailStateEntered" in types and types[-1] == "ExecutionFailed"


def test_two_task_failures_then_success_shows_two_retries(aws: Any) -> None:
    mock_lab_functions(
        [
            {"error": "States.TaskFailed", "cause": "flaky"},
            {"error": "States.TaskFailed", "cause": "flaky"},
            {"output": {"transactionId": "txn-1", "status": "success"}},
        ]
    )
    sfn = aws("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=create_order_machine(sfn), input=json.dumps(ORDER))[
        "executionArn"
    ]
    done = wait_for(lambda: _finished(sfn, arn), timeout=60)
    assert done["status"] == "SUCCEEDED", done
    events = _history(sfn, arn)
    payment = [
        e
        for e in events
        if e["type"].startswith("LambdaFunction")
        and "process-payment" in json.dumps(e.get("lambdaFunctionScheduledEventDetails", {}))
    ]
    assert len(payment) == 3, "three attempts were scheduled for ProcessPayment"
    failures = [e for e in events if e["type"] == "LambdaFunctionFailed"]
    assert [f["lambdaFunctionFailedEventDetails"]["error"] for f in failures] == ["States.TaskFailed"] * 2
    # IntervalSeconds 2 then BackoffRate 2.0: the retries wait 2 s and then 4 s.
    waits = [
        (s["timestamp"] - f["timestamp"]).total_seconds() for f, s in zip(failures, payment[1:], strict=True)
    ]
    assert 2 <= waits[0] < 3.5 and 4 <= waits[1] < 5.5, waits
