"""A bus's inbound webhook (beyond AWS): turned on and rotated from the bus page; a POST with
the secret header becomes an event on the bus; a wrong secret is 401. And the log group page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from workbench.accounts.services import default_workspace
from workbench.events import log_groups
from workbench.events import services as events
from workbench.events.models import BusWebhook, ReceivedEvent


def _post(client: Client, uid: str, body: Any, secret: str | None) -> Any:
    headers = {} if secret is None else {"HTTP_X_STEPBRIDGE_WEBHOOK_SECRET": secret}
    return client.post(f"/webhooks/{uid}/", json.dumps(body), content_type="application/json", **headers)


@pytest.mark.django_db
def test_a_webhook_post_with_the_secret_becomes_an_event_and_a_wrong_one_is_401(client: Client) -> None:
    bus = events.create_bus(default_workspace(), "partner")
    assert client.post("/buses/partner/webhook", {"action": "enable"}).status_code == 302
    webhook = BusWebhook.objects.get(bus=bus)
    page = client.get("/buses/partner/").content.decode()
    assert f"/webhooks/{webhook.uid}/" in page and webhook.secret in page
    response = client.post(
        "/buses/partner/webhook",
        {"action": "configure", "source": "acme.billing", "detail_type": "Invoice paid"},
    )
    assert response.status_code == 302
    strict = Client(enforce_csrf_checks=True)  # senders are programs: no CSRF token
    answer = _post(strict, webhook.uid, {"invoice": 7}, webhook.secret)
    assert answer.status_code == 200
    stored = ReceivedEvent.objects.get(bus=bus)
    assert stored.event_id == answer.json()["EventId"]
    assert (stored.body["source"], stored.body["detail-type"], stored.body["detail"]) == (
        "acme.billing",
        "Invoice paid",
        {"invoice": 7},
    )
    assert _post(strict, webhook.uid, {"invoice": 8}, "wrong").status_code == 401
    assert _post(strict, webhook.uid, {"invoice": 8}, None).status_code == 401
    assert _post(strict, webhook.uid, [1, 2], webhook.secret).status_code == 400
    assert _post(strict, "no-such-hook", {}, webhook.secret).status_code == 404
    old = webhook.secret
    client.post("/buses/partner/webhook", {"action": "rotate"})
    assert _post(strict, webhook.uid, {"invoice": 9}, old).status_code == 401
    assert ReceivedEvent.objects.filter(bus=bus).count() == 1


@pytest.mark.django_db
def test_a_webhook_refuses_a_bad_host_and_the_page_keeps_a_refused_source(client: Client) -> None:
    bus = events.create_bus(default_workspace(), "partner")
    client.post("/buses/partner/webhook", {"action": "enable"})
    webhook = BusWebhook.objects.get(bus=bus)
    foreign = client.post(
        f"/webhooks/{webhook.uid}/",
        "{}",
        content_type="application/json",
        HTTP_HOST="evil.example",
        HTTP_X_STEPBRIDGE_WEBHOOK_SECRET=webhook.secret,
    )
    assert foreign.status_code == 400 and not ReceivedEvent.objects.exists()
    response = client.post(
        "/buses/partner/webhook", {"action": "configure", "source": "", "detail_type": "typed"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-webhook_source"' in page and 'value="typed"' in page


@pytest.mark.django_db
def test_the_log_group_page_lists_a_groups_events_newest_first(client: Client) -> None:
    ws = default_workspace()
    arn = f"arn:aws:logs:{ws.region}:{ws.account_id}:log-group:/aws/events/orders"
    for n in (1, 2):
        event = {"id": f"e{n}", "time": "2026-01-01T00:00:0{n}Z", "detail": {"n": n}}
        log_groups.write(ws, arn, event, json.dumps(event), timezone.now())
    page = client.get("/log-groups/", {"group": "/aws/events/orders"}).content.decode()
    assert page.index('data-event-id="e2"') < page.index('data-event-id="e1"')
    assert "/aws/events/orders" in client.get("/log-groups/").content.decode()
