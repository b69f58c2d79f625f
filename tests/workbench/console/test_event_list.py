"""The events list across buses in-process: filters by bus, source, detail-type, time and
search; keyset paging that neither repeats nor skips when events arrive between pages; bad
filters answered 400 beside their field, never 500."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.utils import timezone

from tests.support.pages import field_error
from workbench.accounts.services import default_workspace
from workbench.events import services as events
from workbench.events.models import EventBus, ReceivedEvent

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0) - timedelta(days=1)


def _event(
    bus: EventBus, n: int, source: str = "shop", detail_type: str = "Paid", **detail: object
) -> ReceivedEvent:
    body = {"id": f"e-{n}", "source": source, "detail-type": detail_type, "detail": detail}
    return ReceivedEvent.objects.create(
        bus=bus, event_id=f"e-{n}", body=body, matched_rules=["r"], received=START + timedelta(minutes=n)
    )


def _shown(page: str) -> list[str]:
    return re.findall(r'<tr data-event-id="([^"]+)"', page)


@pytest.fixture
def buses() -> tuple[EventBus, EventBus]:
    workspace = default_workspace()
    return events.create_bus(workspace, "orders", ""), events.create_bus(workspace, "billing", "")


def test_filters(client: Client, buses: tuple[EventBus, EventBus]) -> None:
    orders, billing = buses
    _event(orders, 1, order="o-77")
    _event(orders, 2, source="crm", detail_type="Signed")
    _event(billing, 3, detail_type="Invoiced")
    page = client.get("/events/").content.decode()
    assert _shown(page) == ["e-3", "e-2", "e-1"]
    assert 'aria-current="page">Events</a>' in page and 'href="/buses/billing/events/' in page
    assert _shown(client.get("/events/", {"bus": "orders"}).content.decode()) == ["e-2", "e-1"]
    assert _shown(client.get("/events/", {"source": "crm"}).content.decode()) == ["e-2"]
    assert _shown(client.get("/events/", {"detail_type": "Invoiced"}).content.decode()) == ["e-3"]
    assert _shown(client.get("/events/", {"q": "O-77"}).content.decode()) == ["e-1"]
    window = {"from": (START + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M"), "to": ""}
    assert _shown(client.get("/events/", window).content.decode()) == ["e-3", "e-2"]
    nothing = client.get("/events/", {"bus": "orders", "detail_type": "Invoiced"}).content.decode()
    assert _shown(nothing) == [] and "No events match these filters." in nothing


def test_keyset_paging_neither_repeats_nor_skips(client: Client, buses: tuple[EventBus, EventBus]) -> None:
    orders, _ = buses
    for n in range(120):
        _event(orders, n)
    seen: list[str] = []
    url = "/events/"
    params: dict[str, str] = {"bus": "orders"}
    while True:
        page = client.get(url, params).content.decode()
        seen += _shown(page)
        if len(seen) == 50:
            _event(orders, 500)  # arrives between pages: newer, so on no later page
        found = re.search(r'id="next-page" href="([^"]+)"', page)
        if not found:
            break
        params = {
            key: values[0]
            for key, values in parse_qs(urlparse(found.group(1).replace("&amp;", "&")).query).items()
        }
        assert params["bus"] == "orders"  # the filters travel with the token
    assert seen == [f"e-{n}" for n in range(119, -1, -1)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2024-13-40T99:00"}, "to"),
        ({"q": "x" * 300}, "q"),
        ({"after": "not-a-token"}, "after"),
        ({"after": "WzFd"}, "after"),  # base64 of [1]: a token of another shape
    ],
)
def test_bad_filters_answer_400_beside_the_field(client: Client, params: dict[str, str], field: str) -> None:
    response = client.get("/events/", params)
    assert response.status_code == 400
    assert field_error(response.content.decode(), field)


def test_post_is_refused(client: Client) -> None:
    assert client.post("/events/").status_code == 405
