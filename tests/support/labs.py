"""The course labs' order, mock functions and order machine, shared by the labs' end-to-end
tests and the live graph's browser test (the chapter's text itself is tests/support/seed.py)."""

from __future__ import annotations

import json
from typing import Any

from tests.support import seed
from tests.support.mocks import mock_functions

ROLE = f"arn:aws:iam::{seed.ACCOUNT}:role/course"
ORDER = {"orderId": "order-123", "customerId": "customer-456", "amount": 1500, "status": "pending"}
INVENTORY_RESULT = {"reserved": True, "sku": "sku-1"}
EMAIL_RESULT = {"sent": True}


def mock_lab_functions(payment_outcomes: list[dict[str, Any]]) -> None:
    """The labs' functions answer as the chapter expects; the payment as the test says."""
    mock_functions(
        {
            "process-high-value-order": [{"output": {"seen": True}}],
            "validate-order": [{"output": ORDER}],
            "process-payment": payment_outcomes,
            "update-inventory": [{"output": INVENTORY_RESULT}],
            "send-email": [{"output": EMAIL_RESULT}],
        }
    )


def create_order_machine(sfn: Any) -> str:
    """Lab 2's order-processing machine, created through boto3; its ARN."""
    return sfn.create_state_machine(
        name="order-processing", definition=json.dumps(seed.lab2_definition()), roleArn=ROLE
    )["stateMachineArn"]
