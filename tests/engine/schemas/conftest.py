"""Events of the course's order shape (tests/fixtures/course_chapter_18.txt, "EventBridge Schema
Registry": version 1 {orderId, amount}, version 2 adds currency and tax)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support.order_events import order_event


@pytest.fixture
def v1_event() -> dict[str, Any]:
    return order_event(orderId="order-123", amount=299.99, items=[{"sku": "sku-1", "quantity": 1}])


@pytest.fixture
def v2_event(v1_event: dict[str, Any]) -> dict[str, Any]:
    event = copy.deepcopy(v1_event)
    event["detail"].update(currency="USD", tax=24.0)
    return event
