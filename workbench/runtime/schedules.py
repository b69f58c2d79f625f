"""Scheduled rules: a rule with a ScheduleExpression puts a "Scheduled Event" to its own targets
each time its schedule falls due, following the workspace's clock (``runtime.clock``).

The event is AWS's ("Creating a rule that runs on a schedule in Amazon EventBridge";
"Using AWS Lambda with scheduled events"): source ``aws.events``, detail-type
``Scheduled Event``, the rule's ARN in ``resources``, an empty ``detail``, ``time`` the moment
it fell due. Only the scheduled rule's targets receive it.

The rule's next run is a durable time on the rule row (``Rule.next_fire_at``), armed here from
the expression when it is missing (a new, changed or re-enabled rule). The recovery sweep
fires whatever its workspace's clock has reached, every few seconds (a schedule's finest step is
a minute); an advance of a virtual clock fires each run in order (``runtime.clock_control``).
A run fires once: the row is locked, its due time checked and moved on in the transaction
that stores the event and its deliveries. When real time has skipped runs (the workbench was
stopped), the missed ones are not made up: the next run is the first one still ahead.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction

from engine.events.event_time import format_event_time
from engine.events.schedule import ScheduleError, first_due, following, parse
from workbench.accounts.models import Workspace
from workbench.events.models import Rule
from workbench.runtime import clock, routing

SCHEDULED = "Scheduled Event"


def arm(workspace: Workspace | None = None) -> None:
    """Give every enabled scheduled rule without a next run its first one, from its clock's now."""
    rules = Rule.objects.filter(
        schedule_expression__isnull=False, state=Rule.ENABLED, next_fire_at__isnull=True
    ).select_related("bus__workspace__virtual_clock")
    if workspace is not None:
        rules = rules.filter(bus__workspace=workspace)
    for rule in rules.exclude(schedule_expression=""):
        try:
            due = first_due(parse(rule.schedule_expression or ""), clock.now(rule.bus.workspace))
        except ScheduleError:
            continue  # stored before expressions were checked: never runs
        if due is not None:
            Rule.objects.filter(id=rule.id, next_fire_at__isnull=True).update(next_fire_at=due)


def due_rules() -> list[tuple[int, datetime]]:
    """(rule, due time) of every enabled scheduled rule its workspace's clock has reached."""
    return list(
        Rule.objects.filter(clock.due("next_fire_at", "bus__workspace"), state=Rule.ENABLED)
        .exclude(schedule_expression__isnull=True)
        .order_by("next_fire_at", "id")
        .values_list("id", "next_fire_at")
    )


def fire(rule_id: int, due_at: datetime) -> bool:
    """Put the rule's Scheduled Event for its run due at ``due_at``, once; whether it did."""
    with transaction.atomic():
        rule = (
            Rule.objects.select_for_update(of=("self",))
            .select_related("bus__workspace__virtual_clock")
            .filter(id=rule_id, state=Rule.ENABLED, next_fire_at=due_at)
            .first()
        )
        if rule is None or not rule.schedule_expression:
            return False
        workspace = rule.bus.workspace
        now = clock.now(workspace)
        if due_at > now:
            return False  # never early
        schedule = parse(rule.schedule_expression)
        following_at = following(schedule, due_at)
        while following_at is not None and following_at <= now:
            following_at = following(schedule, following_at)  # runs real time skipped
        rule.next_fire_at = following_at
        rule.save(update_fields=["next_fire_at"])
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": SCHEDULED,
            "source": "aws.events",
            "account": workspace.account_id,
            "time": format_event_time(due_at),
            "region": workspace.region,
            "resources": [rule.arn],
            "detail": {},
        }
        routing.accept_scheduled(rule, event, due_at)
    return True


def fire_due() -> None:
    """The sweep's part: arm what needs arming, fire every run that is due."""
    arm()
    for rule_id, due_at in due_rules():
        fire(rule_id, due_at)
