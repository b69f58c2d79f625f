"""The home page: the getting-started guide while empty, then the dashboard's numbers."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from tests.support.inprocess import start
from workbench.console.dashboard import CHART_HEIGHT, bars

pytestmark = pytest.mark.django_db(transaction=True)

TWO = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}}}


def test_an_empty_workspace_gets_the_guide(client: Client) -> None:
    page = client.get("/").content.decode()
    assert "Welcome to Stepbridge" in page and 'href="/machines/"' in page


def test_the_dashboard_counts_and_ranks_the_slowest_state(client: Client, broker: Any) -> None:
    from workbench.stepfunctions.models import HistoryEvent

    execution = start(TWO, name="two")
    # Give the visits known lengths: A takes 5 s, B 2 s.
    rows = {
        (r.type, (r.details or {}).get("name")): r for r in HistoryEvent.objects.filter(execution=execution)
    }
    base = rows[("PassStateEntered", "A")].timestamp
    for key, seconds in {
        ("PassStateExited", "A"): 5,
        ("PassStateEntered", "B"): 5,
        ("PassStateExited", "B"): 7,
    }.items():
        HistoryEvent.objects.filter(id=rows[key].id).update(timestamp=base + timedelta(seconds=seconds))
    page = client.get("/").content.decode()
    assert re.search(r'id="count-running">0<', page) and "Dashboard" in page
    slowest = re.findall(r"</a> · (\w+)</td>\s*<td>.*?</svg> ([\d.]+) s", page, re.S)
    assert slowest == [("A", "5.000"), ("B", "2.000")]


def test_failed_deliveries_show_on_the_dashboard(client: Client, broker: Any) -> None:
    client.post("/buses/", {"name": "orders"})
    client.post("/buses/orders/rules/", {"name": "r1", "event_pattern": json.dumps({"source": ["s"]})})
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:missing"
    client.post("/buses/orders/rules/r1/targets/save", {"target_id": "gone", "arn": missing})
    client.post("/buses/orders/send", {"source": "s", "detail_type": "d", "detail": "{}"})
    broker.drain()
    page = client.get("/").content.decode()
    assert re.search(r'id="count-failed-deliveries"[^>]*>1<', page)
    assert "r1 → gone" in page and 'data-bus="orders"' in page


def test_bars_scale_to_the_tallest() -> None:
    shaped = bars([0, 2, 4], ["a", "b", "c"])
    assert [bar.value for bar in shaped] == [0, 2, 4]
    assert shaped[2].height == CHART_HEIGHT - 4 and shaped[1].height == (CHART_HEIGHT - 4) / 2
    assert shaped[0].height == 1.0  # a zero stays visible as a line
