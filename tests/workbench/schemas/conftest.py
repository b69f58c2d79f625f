"""A workspace with an ``orders`` bus and events of the course's order shape (course chapter 18)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.order_events import order_event
from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.events import services as bus_services
from workbench.events.models import EventBus

V1 = order_event(orderId="order-123", amount=299.99)
V2 = order_event(orderId="order-124", amount=10.0, currency="USD", tax=0.8)


@pytest.fixture
def workspace(db: Any) -> Workspace:
    return default_workspace()


@pytest.fixture
def bus(workspace: Workspace) -> EventBus:
    return bus_services.create_bus(workspace, "orders")
