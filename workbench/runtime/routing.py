"""Routing an accepted event: the one owner of "accept, match, hand the targets to delivery".

EventBridge acknowledges a PutEvents entry only once it has durably accepted it, then
delivers to each matched target at least once, retrying for up to 24 hours ("Event retry
policy and using dead-letter queues", EventBridge User Guide). Here that durability is the
database: every accepted event and one pending ``Delivery`` per matched target are written
in ONE transaction before PutEvents answers, and delivery is enqueued only after that commit.
A crash anywhere after the answer loses nothing: ``deliveries.recover`` re-queues what is
still pending. The PutEvents API and the Step Functions ``events:putEvents`` integration both
call ``put_events`` here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from workbench.accounts.models import Workspace
from workbench.events import matchers
from workbench.events import services as events
from workbench.events.models import Delivery, ReceivedEvent, Rule, Target
from workbench.events.services import AcceptedEntry
from workbench.runtime import queue
from workbench.schemas import validation as schema_validation


def put_events(workspace: Workspace, entries: Any) -> list[dict[str, str]]:
    """PutEvents: every entry is checked first, then the accepted ones are stored with their
    pending deliveries in one transaction; one result per entry, in the entries' order."""
    checked = [
        _schema_verdict(entry) if isinstance(entry, AcceptedEntry) else entry
        for entry in events.check_put_events(workspace, entries)
    ]
    accepted = [entry for entry in checked if isinstance(entry, AcceptedEntry)]
    # Match before the transaction opens: matching reads only, and the write lock stays short.
    routes = [(entry, matchers.matching_rules(entry.bus, entry.event)) for entry in accepted]
    with transaction.atomic():
        delivery_ids: list[int] = []
        for entry, rules in routes:
            delivery_ids.extend(_store(entry, rules))
        transaction.on_commit(lambda: enqueue_deliveries(delivery_ids))
    return [
        {"EventId": str(entry.event["id"])} if isinstance(entry, AcceptedEntry) else entry
        for entry in checked
    ]


def _schema_verdict(entry: AcceptedEntry) -> AcceptedEntry | dict[str, str]:
    """The entry, or its PutEvents error when its bus validates events against a schema version
    in reject mode (a workbench addition; AWS buses validate nothing)."""
    return schema_validation.entry_error(entry.bus, entry.event) or entry


def _store(entry: AcceptedEntry, rules: list[Rule]) -> list[int]:
    """The event and one pending delivery per target of each matched rule; their ids."""
    received = ReceivedEvent.objects.create(
        bus=entry.bus,
        event_id=entry.event["id"],
        body=entry.event,
        matched_rules=[rule.name for rule in rules],
        received=timezone.now(),
    )
    targets = Target.objects.filter(rule__in=rules).select_related("rule__bus__workspace")
    created = Delivery.objects.bulk_create(
        [
            Delivery(
                event=received,
                rule_name=target.rule.name,
                rule_arn=target.rule.arn,
                target_id=target.target_id,
                target_arn=target.arn,
                target_input=target_input_settings(target),
            )
            for target in targets.order_by("rule__name", "target_id")
        ]
    )
    if created and created[0].pk is None:  # backends that do not return ids from bulk_create
        return list(Delivery.objects.filter(event=received).values_list("id", flat=True))
    return [delivery.pk for delivery in created]


def target_input_settings(target: Target) -> dict[str, Any]:
    """The target's Input, InputPath or InputTransformer, as PutTargets stored it."""
    return {
        key: value
        for key, value in (
            ("Input", target.input),
            ("InputPath", target.input_path),
            ("InputTransformer", target.input_transformer),
        )
        if value is not None
    }


def enqueue_deliveries(delivery_ids: Iterable[int]) -> None:
    """Hand deliveries to the delivery task, by its name (nothing imports the task to enqueue)."""
    for delivery_id in delivery_ids:
        queue.enqueue(queue.DELIVER_EVENT, delivery_id)
