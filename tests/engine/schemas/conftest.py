"""Events of the course's order shape (tests/fixtures/course_chapter_18.txt, "EventBridge Schema
Registry": version 1 {orderId, amount}, version 2 adds currency and tax)."""

from __future__ import annotations

import copy
from typing import Any

import pytest


def order_event(**detail: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "Order Placed",
        "source": "com.myapp.orders",
        "account": "123456789012",
        "time": "2025-01-15T10:30:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": copy.deepcopy(detail),
    }


@pytest.fixture
def v1_event() -> dict[str, Any]:
    return order_event(orderId="order-123", amount=299.99, items=[{"sku": "sku-1", "quantity": 1}])


@pytest.fixture
def v2_event(v1_event: dict[str, Any]) -> dict[str, Any]:
    event = copy.deepcopy(v1_event)
    event["detail"].update(currency="USD", tax=24.0)
    return event
