"""Event bus logs: a bus's LogConfig and the log records it writes, one per processing step.

Modelled on EventBridge's event bus logs ("Configuring logs for Amazon EventBridge event
buses", "Amazon EventBridge event bus log schema", "What Amazon EventBridge logs for event
buses", EventBridge User Guide): LogConfig has a Level (OFF, the default; ERROR: the records of
errors; INFO: errors and the major steps; TRACE: every step) and IncludeDetail (FULL adds the
event's detail and what the target received; NONE leaves them out). Each record has AWS's
fields (resource_arn, event_id, invocation_id, message_timestamp_ms, message_type, log_level,
details and, for a failure, error) and the details the schema lists per message type.

Records are written as each step happens, at the bus's level at that moment, to the CloudWatch
Logs log group ``/aws/vendedlogs/events/event-bus/<bus name>`` (the name EventBridge's console
gives a bus's log group): the workbench has no CloudWatch Logs API, so that group is the bus's
one log destination, shown on the Log groups page and on the bus's page. Like AWS, an AWS
service's event that matches no rule is not logged; logging is best effort in AWS, here it
commits with the step it records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from workbench.core import rows
from workbench.core.arns import rule_arn
from workbench.core.errors import ValidationError, enum_value_set, invalid
from workbench.events.models import Delivery, DeliveryAttempt, EventBus, LogEvent, ReceivedEvent

LEVELS = ("OFF", "ERROR", "INFO", "TRACE")
INCLUDE_DETAIL = ("NONE", "FULL")
LOG_GROUP_PREFIX = "/aws/vendedlogs/events/event-bus/"
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


def log_group_of(bus: EventBus) -> str:
    """The log group the bus's records are written to."""
    return LOG_GROUP_PREFIX + bus.name


def records(bus: EventBus, event_id: str = "", limit: int = 200) -> list[dict[str, Any]]:
    """The newest ``limit`` records written for the bus (or for one of its events), oldest
    first: what its log group holds, whatever the level is now."""
    written = LogEvent.objects.filter(workspace_id=bus.workspace_id, log_group=log_group_of(bus))
    if event_id:
        written = written.filter(event_id=event_id)
    newest = list(written.order_by("-id").values_list("message", flat=True)[:limit])
    return [json.loads(message) for message in reversed(newest)]


def logs_any(received: Sequence[ReceivedEvent]) -> bool:
    """Whether ``write_received`` writes records for any of these events."""
    return any(_logged(event) for event in received)


def write_received(received: Sequence[ReceivedEvent], deliveries: Iterable[Delivery], now: datetime) -> None:
    """The records of events just accepted (in the accepting transaction): received, ingested,
    and each rule matched with the targets it invokes, or that no rule matched."""
    logged = [event for event in received if _logged(event)]
    if not logged:
        return
    by_rule: dict[tuple[int, str], list[Delivery]] = {}
    for delivery in deliveries:
        by_rule.setdefault((id(delivery.event), delivery.rule_name), []).append(delivery)
    out: list[LogEvent] = []
    for event in logged:
        bus, body = event.bus, event.body
        receipt: dict[str, Any] = {
            "caller_account_id": str(body.get("account", "")),
            "source_time_ms": _ms(event.received),
            "source": str(body.get("source", "")),
            "detail_type": str(body.get("detail-type", "")),
            "resources": list(body.get("resources") or []),
        }
        if _full(bus):  # the event's detail, as a JSON string (the schema's "event_detail")
            receipt["event_detail"] = json.dumps(body.get("detail", {}), separators=(",", ":"))
        steps = [
            _record(bus, event, now, "EVENT_RECEIPT", "TRACE", receipt),
            _record(bus, event, now, "EVENT_INGEST_SUCCESS", "INFO", receipt),
        ]
        if not event.matched_rules:
            steps.append(_record(bus, event, now, "NO_STANDARD_RULES_MATCHED", "INFO", {}))
        for rule in event.matched_rules:
            invoked = by_rule.get((id(event), rule), [])
            matched = {
                "rule_arn": rule_arn(bus.workspace.region, bus.workspace.account_id, bus.name, rule),
                "target_arns": [delivery.target_arn for delivery in invoked],
                "invocation_ids": [str(delivery.pk or "") for delivery in invoked],
            }
            steps.append(_record(bus, event, now, "RULE_MATCH", "INFO", matched))
        out.extend(_written(bus, event, steps, now))
    rows.insert_all(out)


def write_attempts(attempted: Iterable[tuple[Delivery, DeliveryAttempt]]) -> None:
    """The records of attempts just made (in the transaction that records them): the attempt,
    its outcome and, once the delivery has ended, how it ended and its dead-letter queue."""
    out: list[LogEvent] = []
    now = timezone.now()
    for delivery, attempt in attempted:
        event = delivery.event
        bus = event.bus
        if level_of(bus) == "OFF":
            continue
        invocation = str(delivery.pk)
        target: dict[str, Any] = {"rule_arn": delivery.rule_arn, "target_arn": delivery.target_arn}
        if _full(bus) and delivery.input:
            target["target_input"] = delivery.input
        numbered = {
            **target,
            "attempt_type": "FIRST" if attempt.number == 1 else "RETRY",
            "attempt_count": attempt.number,
        }
        at = attempt.at
        steps = [_record(bus, event, at, "INVOCATION_ATTEMPT_START", "TRACE", numbered, invocation)]
        if attempt.outcome == DeliveryAttempt.SUCCEEDED:
            done = {**numbered, "invocation_status": "SUCCESS"}
            steps.append(_record(bus, event, at, "INVOCATION_ATTEMPT_SUCCESS", "TRACE", done, invocation))
        else:
            final = delivery.status == Delivery.FAILED
            kind = "INVOCATION_ATTEMPT_PERMANENT_FAILURE" if final else "INVOCATION_ATTEMPT_RETRYABLE_FAILURE"
            failed = {**numbered, "invocation_status": "FAILURE"}
            error = _error(attempt.error, delivery)
            steps.append(_record(bus, event, at, kind, "ERROR", failed, invocation, error))
        ended = {
            **target,
            "total_attempts": attempt.number,
            "ingestion_to_complete_latency_ms": max(0, _ms(at) - _ms(event.received)),
        }
        if delivery.status == Delivery.DELIVERED:
            success = {**ended, "final_invocation_status": "SUCCESS"}
            steps.append(_record(bus, event, at, "INVOCATION_SUCCESS", "INFO", success, invocation))
        elif delivery.status == Delivery.FAILED:
            failure = {**ended, "final_invocation_status": "FAILURE"}
            error = _error(delivery.detail, delivery)
            steps.append(_record(bus, event, at, "INVOCATION_FAILURE", "ERROR", failure, invocation, error))
            if delivery.dead_letter:
                dlq = {**failure, "dead_letter_arn": delivery.dead_letter.get("Arn", "")}
                steps.append(_record(bus, event, at, "INVOCATION_DLQ", "ERROR", dlq, invocation))
        out.extend(_written(bus, event, steps, now))
    if out:
        rows.insert_all(out)


def _logged(event: ReceivedEvent) -> bool:
    """Whether the event's receipt is logged: its bus logs, and it is not an AWS service's event
    that matched no rule (AWS does not log those)."""
    if level_of(event.bus) == "OFF":
        return False
    return bool(event.matched_rules) or not str(event.body.get("source", "")).startswith("aws.")


def _full(bus: EventBus) -> bool:
    return (bus.log_config or {}).get("IncludeDetail") == "FULL"


def _error(message: str, delivery: Delivery) -> dict[str, str]:
    """The schema's error: the message and the service called (the target ARN's service)."""
    parts = delivery.target_arn.split(":")
    return {"error_message": message, "aws_service": parts[2] if len(parts) > 2 else ""}


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _record(
    bus: EventBus,
    event: ReceivedEvent,
    at: datetime,
    message_type: str,
    log_level: str,
    details: dict[str, Any],
    invocation: str = "",
    error: dict[str, str] | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "resource_arn": bus.arn,
        "event_id": event.event_id,
        "invocation_id": invocation,
        "message_timestamp_ms": _ms(at),
        "message_type": message_type,
        "log_level": log_level,
        "details": details,
    }
    if error:
        record["error"] = error
    return record


def _written(
    bus: EventBus, event: ReceivedEvent, steps: list[dict[str, Any]], now: datetime
) -> list[LogEvent]:
    """The steps the bus's level keeps, as log events of its log group."""
    level = _RANK[level_of(bus)]
    return [
        LogEvent(
            workspace_id=bus.workspace_id,
            log_group=log_group_of(bus),
            event_id=event.event_id,
            message=json.dumps(step, separators=(",", ":")),
            timestamp=datetime.fromtimestamp(step["message_timestamp_ms"] / 1000, tz=now.tzinfo),
            ingested=now,
        )
        for step in steps
        if _RANK[step["log_level"]] <= level
    ]
