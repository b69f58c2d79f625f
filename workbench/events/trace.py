"""One event's journey, as plain data for the console: received -> rules matched -> each
delivery's attempts -> outcome (modelled on EventBridge's event-bus logs, one record per
step: received, rule matched, invocation attempt succeeded/failed, retried, dead-lettered).

``started_by`` reads it backwards, from an execution to the event that started it. Reads
only: they query the models directly and write nothing.
"""

from __future__ import annotations

from typing import Any

from workbench.core.jsonio import epoch
from workbench.events.models import Delivery, DeliveryAttempt, ReceivedEvent


def journey(event: ReceivedEvent) -> dict[str, Any]:
    """The event, the rules it matched and, per target, every attempt and how it ended.

    ``caused`` is what a delivered target started (an execution ARN, a function name).
    """
    deliveries = (
        Delivery.objects.filter(event=event)
        .prefetch_related("attempt_log")
        .order_by("rule_name", "target_id")
    )
    return {
        "event_id": event.event_id,
        "bus": event.bus.name,
        "received": epoch(event.received),
        "replay_name": event.body.get("replay-name"),
        "detail_type": event.detail_type,
        "source": event.body.get("source"),
        "matched_rules": list(event.matched_rules),
        "deliveries": [_delivery(delivery) for delivery in deliveries],
    }


def started_by(execution_arn: str) -> ReceivedEvent | None:
    """The event whose delivery started this execution, if one did: the trace read backwards."""
    delivery = (
        Delivery.objects.filter(status=Delivery.DELIVERED, detail=execution_arn)
        .select_related("event__bus")
        .order_by("id")
        .first()
    )
    return delivery.event if delivery is not None else None


def _delivery(delivery: Delivery) -> dict[str, Any]:
    return {
        "rule": delivery.rule_name,
        "rule_arn": delivery.rule_arn,
        "target_id": delivery.target_id,
        "target_arn": delivery.target_arn,
        "status": delivery.status,
        "caused": delivery.detail if delivery.status == Delivery.DELIVERED else None,
        "next_attempt_at": epoch(delivery.next_attempt_at),
        "attempts": [{**attempt, "at": epoch(attempt["at"])} for attempt in attempts(delivery)],
        "dead_letter": delivery.dead_letter,
    }


def attempts(delivery: Delivery) -> list[dict[str, Any]]:
    """Every try, oldest first, each with its moment (``at``, by the workspace's clock): the
    failed ones' rows and, for a delivered delivery, the try that succeeded, which is the
    delivery's own row (DeliveryAttempt; rows written before that hold it too)."""
    tries = [
        {"number": attempt.number, "at": attempt.at, "outcome": attempt.outcome, "error": attempt.error}
        for attempt in sorted(delivery.attempt_log.all(), key=lambda attempt: attempt.number)
    ]
    if delivery.status == Delivery.DELIVERED and not any(t["number"] == delivery.attempts for t in tries):
        at = delivery.attempted or delivery.updated
        tries.append(
            {"number": delivery.attempts, "at": at, "outcome": DeliveryAttempt.SUCCEEDED, "error": ""}
        )
    return tries
