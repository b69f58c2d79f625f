"""Partner-style inbound webhooks of buses (beyond AWS, after EventBridge's partner event
sources, "Receiving events from a SaaS partner with Amazon EventBridge"): a bus may have one
URL that turns an authenticated HTTP POST into an event on it.

This module keeps the webhook: turn it on (a new URL and secret), rotate the secret, set the
source and detail-type its events carry, turn it off; and checks a request's secret in
constant time. Turning the request into an event is ``runtime.routing.put_events`` (called
from the console's webhook view), so it is accepted, archived and delivered like any other.
"""

from __future__ import annotations

import hmac
import json
import secrets
import uuid
from typing import Any

from django.utils import timezone

from workbench.core.errors import ValidationError
from workbench.events.models import BusWebhook, EventBus

SECRET_HEADER = "X-Stepbridge-Webhook-Secret"
MAX_SOURCE = 256
MAX_DETAIL_TYPE = 128


def enable(bus: EventBus) -> BusWebhook:
    """The bus's webhook, created with a URL and a secret when it has none."""
    found = BusWebhook.objects.filter(bus=bus).first()
    if found is not None:
        return found
    return BusWebhook.objects.create(
        bus=bus, uid=str(uuid.uuid4()), secret=_new_secret(), rotated=timezone.now()
    )


def rotate(bus: EventBus) -> BusWebhook:
    """A new secret for the bus's webhook (creating it if need be); the old one stops working."""
    webhook = enable(bus)
    webhook.secret, webhook.rotated = _new_secret(), timezone.now()
    webhook.save(update_fields=["secret", "rotated"])
    return webhook


def configure(bus: EventBus, source: str, detail_type: str) -> BusWebhook:
    """Set the Source and DetailType of the events the webhook makes (PutEvents' limits)."""
    source, detail_type = source.strip(), detail_type.strip()
    if not source or len(source) > MAX_SOURCE:
        raise ValidationError(f"Source must be 1 to {MAX_SOURCE} characters.")
    if not detail_type or len(detail_type) > MAX_DETAIL_TYPE:
        raise ValidationError(f"DetailType must be 1 to {MAX_DETAIL_TYPE} characters.")
    webhook = enable(bus)
    webhook.source, webhook.detail_type = source, detail_type
    webhook.save(update_fields=["source", "detail_type"])
    return webhook


def disable(bus: EventBus) -> None:
    BusWebhook.objects.filter(bus=bus).delete()


def find(uid: str) -> BusWebhook | None:
    return BusWebhook.objects.filter(uid=uid).select_related("bus__workspace").first()


def secret_matches(webhook: BusWebhook, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(webhook.secret.encode(), given.encode())


def entry_for(webhook: BusWebhook, body: bytes) -> dict[str, Any]:
    """The PutEvents entry a request body makes: a JSON object body is the detail as sent;
    anything else is refused (EventBridge's Detail must be a JSON object)."""
    try:
        detail = json.loads(body or b"")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError("The request body must be a JSON object.") from exc
    if not isinstance(detail, dict):
        raise ValidationError("The request body must be a JSON object.")
    return {
        "Source": webhook.source,
        "DetailType": webhook.detail_type,
        "Detail": json.dumps(detail, separators=(",", ":")),
        "EventBusName": webhook.bus.name,
    }


def _new_secret() -> str:
    return secrets.token_urlsafe(32)
