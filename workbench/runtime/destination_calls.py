"""Delivering an event to an API destination target: one HTTP call, and its rate limit.

As EventBridge does ("API destinations as targets", EventBridge User Guide): each ``*`` of the
InvocationEndpoint takes the next of the target's HttpParameters.PathParameterValues, its
HeaderParameters and QueryStringParameters are added (each value may be a JSON path into the
event, such as ``$.detail.id``), the connection authorizes the call, the target's input is the
body (``Content-Type: application/json; charset=utf-8``), and the call times out after 5
seconds (STEPBRIDGE_API_DESTINATION_TIMEOUT_SECONDS). An answer of 401, 407, 409, 429 or 5xx
and a timeout are retried under the target's RetryPolicy; any other 4xx is not.

InvocationRateLimitPerSecond holds across every worker: ``next_slot`` on the destination's row,
taken under its row lock, is the earliest moment of the next call; a delivery that comes too
early waits until then without spending an attempt (``runtime.deliveries``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from engine.events.target_paths import TargetPathError, parse_target_path, select
from workbench.accounts.models import Workspace
from workbench.core.jsonio import dumps
from workbench.events.api_destinations import api_destination_for_arn, is_api_destination_arn
from workbench.events.models import ApiDestination, Delivery
from workbench.runtime import http_calls

DEFAULT_TIMEOUT_SECONDS = 5.0
RETRIED_STATUSES = frozenset({401, 407, 409, 429})
BODYLESS_METHODS = ("GET", "HEAD", "OPTIONS")
ERROR_CODE = "SDK_CLIENT_ERROR"
ERROR_PREFIX = "Unable to invoke ApiDestination endpoint"

__all__ = ["deliver", "is_api_destination_arn", "wait_until"]

FIXED_HEADERS = {"User-Agent": "Amazon/EventBridge/ApiDestinations", "Range": "bytes=0-1048575"}
"""Headers EventBridge sends with every API destination call whatever the connection or target
say ("Headers included in requests to API destinations", EventBridge User Guide; its
Accept-Encoding is left out: an answer is not decompressed here, and Connection: close is
urllib's own)."""


def timeout_seconds() -> float:
    return float(getattr(settings, "STEPBRIDGE_API_DESTINATION_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))


def wait_until(workspace: Workspace, target_arn: str, moment: datetime) -> datetime | None:
    """None when a call to the destination may start at ``moment`` (its slot is then taken);
    else the moment its next slot opens. Run inside the delivery's transaction."""
    destination = api_destination_for_arn(workspace, target_arn)
    if destination is None:
        return None
    locked = (
        ApiDestination.objects.select_for_update().filter(id=destination.id).values("next_slot", "rate_limit")
    )
    row = locked.first()
    if row is None:
        return None
    next_slot: datetime | None = row["next_slot"]
    if next_slot is not None and next_slot > moment:
        return next_slot
    interval = timedelta(seconds=1 / max(int(row["rate_limit"] or 1), 1))
    ApiDestination.objects.filter(id=destination.id).update(next_slot=moment + interval)
    return None


def _value(text: Any, event: dict[str, Any]) -> str:
    """A parameter value: a JSON path into the event (``$.detail.id``), or the text itself."""
    value = str(text)
    if not value.startswith("$."):
        return value
    try:
        found, selected = select(parse_target_path(value), event)
    except TargetPathError:
        return value
    if not found:
        return ""
    return selected if isinstance(selected, str) else dumps(selected)


def _request(destination: ApiDestination, delivery: Delivery) -> http_calls.Request:
    event = delivery.event.body
    parameters = (delivery.target_input or {}).get("HttpParameters") or {}
    url = destination.invocation_endpoint
    for value in parameters.get("PathParameterValues") or []:
        url = url.replace("*", _value(value, event), 1)
    headers = {
        str(key): _value(value, event) for key, value in (parameters.get("HeaderParameters") or {}).items()
    }
    query = [
        (str(key), _value(value, event))
        for key, value in (parameters.get("QueryStringParameters") or {}).items()
    ]
    body = None
    if destination.http_method not in BODYLESS_METHODS:
        body = delivery.input.encode()
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json; charset=utf-8"
    return http_calls.Request(
        method=destination.http_method,
        url=url,
        headers=headers,
        query=query,
        body=body,
        fixed_headers=FIXED_HEADERS,
    )


def deliver(delivery: Delivery, workspace: Workspace) -> tuple[str, str, bool]:
    """(status, detail, retriable) of one call to the delivery's API destination."""
    destination = api_destination_for_arn(workspace, delivery.target_arn)
    if destination is None:
        return (
            Delivery.FAILED,
            f"ResourceNotFoundException: API destination {delivery.target_arn} does not exist",
            False,
        )
    if destination.connection is None:
        return (
            Delivery.FAILED,
            f"ResourceNotFoundException: connection {destination.connection_arn} does not exist",
            False,
        )
    try:
        answer = http_calls.send(
            destination.connection, _request(destination, delivery), timeout=timeout_seconds()
        )
    except http_calls.ConnectionFault as exc:
        retriable = exc.reason != "InvalidConnectionState"
        return Delivery.FAILED, f"{ERROR_CODE}: {ERROR_PREFIX}: {exc.message}", retriable
    except http_calls.SocketFailure as exc:
        reason = "the request timed out" if exc.timed_out else exc.message
        return Delivery.FAILED, f"{ERROR_CODE}: {ERROR_PREFIX}: {reason}", True
    if 200 <= answer.status < 300:
        return Delivery.DELIVERED, f"{destination.name}: {answer.status} {answer.reason}", True
    retriable = answer.status in RETRIED_STATUSES or answer.status >= 500
    return (
        Delivery.FAILED,
        f"{ERROR_CODE}: {ERROR_PREFIX}: the endpoint answered {answer.status} {answer.reason}",
        retriable,
    )
