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


def test_a_scheduled_rule_shows_its_schedule_and_no_sandbox(client: Client) -> None:
    """A scheduled rule matches its own firings, not a pattern: the bus page shows its
    ScheduleExpression as a schedule and offers no pattern sandbox for it."""
    import re

    from workbench.accounts.services import default_workspace
    from workbench.events import services

    ws = default_workspace()
    services.put_rule(ws, name="nightly", schedule_expression="rate(1 day)")
    services.put_rule(ws, name="orders", event_pattern=json.dumps({"source": ["shop"]}))
    page = client.get("/buses/default/").content.decode()
    rows = dict(re.findall(r'<tr data-rule="([^"]+)">(.*?)</tr>', page, re.S))
    assert "schedule <code>rate(1 day)</code>" in rows["nightly"] and "sandbox-link" not in rows["nightly"]
    assert "sandbox-link" in rows["orders"] and "schedule <code>" not in rows["orders"]
