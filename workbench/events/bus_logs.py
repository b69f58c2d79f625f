"""Event bus logs: a bus's LogConfig and the log records it makes, one per processing step.

Modelled on EventBridge's event bus logs ("Configuring logs for Amazon EventBridge event
buses", "Amazon EventBridge event bus log schema", EventBridge User Guide): LogConfig has a
Level (OFF, the default; ERROR: the records of errors; INFO: errors and the major steps;
TRACE: every step) and IncludeDetail (FULL adds the event and what the target received to the
records; NONE leaves them out). Each record has AWS's fields: resource_arn, event_id,
invocation_id, message_timestamp_ms, message_type, log_level, details and, for a failure,
error.

The facts are already stored: the accepted event (``ReceivedEvent``), each matched target's
``Delivery`` and each attempt (``DeliveryAttempt``). The records are read from those rows
(as ``events.trace`` reads the journey), not kept a second time; so the bus page shows the
records of the events still on the bus, whatever the level was when they arrived.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workbench.core.errors import ValidationError, enum_value_set, invalid
from workbench.events.models import Delivery, DeliveryAttempt, EventBus, ReceivedEvent

LEVELS = ("OFF", "ERROR", "INFO", "TRACE")
INCLUDE_DETAIL = ("NONE", "FULL")
_RANK = {level: rank for rank, level in enumerate(LEVELS)}


def check_log_config(config: Any) -> dict[str, str] | None:
    """LogConfig as CreateEventBus/UpdateEventBus take it (botocore's events model: Level
    OFF|ERROR|INFO|TRACE, IncludeDetail NONE|FULL); None when not given."""
    if config is None:
        return None
    if not isinstance(config, dict):
        raise ValidationError("LogConfig must be an object.")
    level = config.get("Level", "OFF")
    detail = config.get("IncludeDetail", "NONE")
    if level not in LEVELS:
        raise invalid("logConfig.level", enum_value_set(list(LEVELS)), level)
    if detail not in INCLUDE_DETAIL:
        raise invalid("logConfig.includeDetail", enum_value_set(list(INCLUDE_DETAIL)), detail)
    return {"IncludeDetail": detail, "Level": level}


def level_of(bus: EventBus) -> str:
    return str((bus.log_config or {}).get("Level", "OFF"))


def records(bus: EventBus, event_id: str = "", limit: int = 50) -> list[dict[str, Any]]:
    """The log records of the bus's newest ``limit`` events (or of one event), each event's in
    the order of its steps; nothing when the bus's Level is OFF."""
    level = level_of(bus)
    if level == "OFF":
        return []
    full = (bus.log_config or {}).get("IncludeDetail") == "FULL"
    received = ReceivedEvent.objects.filter(bus=bus)
    if event_id:
        received = received.filter(event_id=event_id)
    shown = list(received.order_by("-received", "-id")[:limit])
    deliveries: dict[int, list[Delivery]] = {}
    for delivery in (
        Delivery.objects.filter(event__in=shown)
        .prefetch_related("attempt_log")
        .order_by("rule_name", "target_id")
    ):
        deliveries.setdefault(delivery.event_id, []).append(delivery)
    out: list[dict[str, Any]] = []
    for event in shown:
        steps = _event_steps(bus, event, deliveries.get(event.id, []), full)
        out.extend(step for step in steps if _RANK[step["log_level"]] <= _RANK[level])
    return out


def _record(
    bus: EventBus,
    event: ReceivedEvent,
    at: datetime,
    message_type: str,
    log_level: str,
    details: dict[str, Any],
    invocation: str = "",
    error: str = "",
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "resource_arn": bus.arn,
        "event_id": event.event_id,
        "invocation_id": invocation,
        "message_timestamp_ms": int(at.timestamp() * 1000),
        "message_type": message_type,
        "log_level": log_level,
        "details": details,
    }
    if error:
        record["error"] = {"error_message": error}
    return record


def _event_steps(
    bus: EventBus, event: ReceivedEvent, deliveries: list[Delivery], full: bool
) -> list[dict[str, Any]]:
    body = event.body
    receipt: dict[str, Any] = {
        "caller_account_id": str(body.get("account", "")),
        "source": str(body.get("source", "")),
        "detail_type": str(body.get("detail-type", "")),
        "resources": list(body.get("resources") or []),
    }
    if full:
        receipt["event_detail"] = body
    steps = [_record(bus, event, event.received, "EVENT_RECEIPT", "INFO", receipt)]
    if not event.matched_rules:
        steps.append(_record(bus, event, event.received, "NO_STANDARD_RULES_MATCHED", "INFO", {}))
    for rule in event.matched_rules:
        steps.append(_record(bus, event, event.received, "RULE_MATCH", "INFO", {"rule_name": rule}))
    for delivery in deliveries:
        steps.extend(_delivery_steps(bus, event, delivery, full))
    return steps


def _delivery_steps(
    bus: EventBus, event: ReceivedEvent, delivery: Delivery, full: bool
) -> list[dict[str, Any]]:
    invocation = str(delivery.id)
    target: dict[str, Any] = {"rule_arn": delivery.rule_arn, "target_arn": delivery.target_arn}
    if full and delivery.input:
        target["target_input"] = delivery.input
    attempts: list[DeliveryAttempt] = list(delivery.attempt_log.all())
    steps: list[dict[str, Any]] = []
    for attempt in attempts:
        numbered = {**target, "attempt_count": attempt.number}
        steps.append(
            _record(bus, event, attempt.at, "INVOCATION_ATTEMPT_START", "TRACE", numbered, invocation)
        )
        if attempt.outcome == DeliveryAttempt.SUCCEEDED:
            steps.append(
                _record(bus, event, attempt.at, "INVOCATION_ATTEMPT_SUCCESS", "TRACE", numbered, invocation)
            )
            continue
        final = attempt.number == len(attempts) and delivery.status == Delivery.FAILED
        kind = "INVOCATION_ATTEMPT_PERMANENT_FAILURE" if final else "INVOCATION_ATTEMPT_RETRYABLE_FAILURE"
        steps.append(_record(bus, event, attempt.at, kind, "ERROR", numbered, invocation, attempt.error))
    last = attempts[-1].at if attempts else event.received
    if delivery.status == Delivery.DELIVERED:
        steps.append(_record(bus, event, last, "INVOCATION_SUCCESS", "INFO", target, invocation))
    elif delivery.status == Delivery.FAILED:
        steps.append(
            _record(bus, event, last, "INVOCATION_FAILURE", "ERROR", target, invocation, delivery.detail)
        )
        if delivery.dead_letter:
            dlq = {**target, "dead_letter_arn": delivery.dead_letter.get("Arn", "")}
            steps.append(_record(bus, event, last, "INVOCATION_DLQ", "ERROR", dlq, invocation))
    return steps
