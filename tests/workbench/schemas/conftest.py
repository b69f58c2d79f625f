"""A workspace with an ``orders`` bus and events of the course's order shape (course chapter 18)."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.events import services as bus_services
from workbench.events.models import EventBus


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
        "detail": detail,
    }


V1 = order_event(orderId="order-123", amount=299.99)
V2 = order_event(orderId="order-124", amount=10.0, currency="USD", tax=0.8)


@pytest.fixture
def workspace(db: Any) -> Workspace:
    return default_workspace()


@pytest.fixture
def bus(workspace: Workspace) -> EventBus:
    return bus_services.create_bus(workspace, "orders")
