"""The bus list page, through Django's test client: every bus with its rules and targets."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_bus_page_lists_rules_and_targets(client: Client) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.events import services

    ws = default_workspace()
    services.create_bus(ws, "orders-bus")
    services.put_rule(
        ws,
        name="high-value-orders",
        bus_name="orders-bus",
        event_pattern=json.dumps({"source": ["com.myapp.orders"]}),
    )
    services.put_targets(
        ws,
        "high-value-orders",
        "orders-bus",
        [{"Id": "1", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:echo"}],
    )
    page = client.get("/buses/").content.decode()
    assert 'data-bus="orders-bus"' in page and 'data-rule="high-value-orders"' in page
    assert "function:echo" in page
