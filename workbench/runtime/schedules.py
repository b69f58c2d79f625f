"""Scheduled rules' durable timers: arming, firing exactly once, and re-arming lost ones.

A rule with a ScheduleExpression fires a "Scheduled Event" (source ``aws.events``, resources
the rule's ARN, detail ``{}``: "Creating a rule that runs on a schedule", EventBridge User
Guide; the event as recorded AWS runs deliver it) to its own targets at each time its
expression names. The timer is the rule row itself (``Rule.next_fire_at``): the database is
the truth, an ETA message (``queue.FIRE_RULE``) the fast path, and the recovery sweep
(``recover``) arms unarmed rules, sends messages for timers that come within reach and
re-sends those whose message was lost.

Exactly once: ``fire_rule`` moves the timer with one conditional UPDATE (compare-and-set on
the due time it was sent for) and stores the event and its deliveries in the same
transaction; a second worker, a repeated message or a sweep racing it finds the due time
already moved and does nothing. Disabling, re-enabling or changing the rule clears the
timer (events.services), so a disabled rule never fires and a changed one is armed afresh.

Every reading of "now" for scheduling goes through ``now()`` (a virtual clock plugs in here).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from engine.events.event_time import format_event_time
from engine.events.schedules import ScheduleExpressionError, next_fire, parse_rule_expression
from workbench.events.models import Rule
from workbench.runtime import queue, routing

TIMER_HORIZON = timedelta(seconds=60)
"""Firings due within this get an ETA message when armed; later ones when the sweep reaches them."""
GRACE = timedelta(seconds=3)
"""An armed firing this late is taken to have lost its message, and is sent again."""
SCHEDULED_EVENT = "Scheduled Event"


def now() -> datetime:
    """The one reading of the clock for schedules."""
    return timezone.now()


def _scheduled(rules: Any) -> Any:
    return rules.filter(state=Rule.ENABLED, schedule_expression__isnull=False).exclude(schedule_expression="")


def next_firing(rule: Rule, after: datetime) -> datetime | None:
    """When ``rule`` fires next after ``after`` (a rate counts from the rule's creation)."""
    try:
        expression = parse_rule_expression(rule.schedule_expression or "")
    except ScheduleExpressionError:
        return None  # stored before PutRule checked expressions: never fires
    return next_fire(expression, after, anchor=rule.created)


def arm(rule: Rule, moment: datetime | None = None) -> datetime | None:
    """Set an unarmed enabled scheduled rule's timer (compare-and-set on its being unarmed)."""
    moment = moment or now()
    due = next_firing(rule, moment)
    if due is None:
        return None
    armed = due - moment <= TIMER_HORIZON
    moved = _scheduled(Rule.objects.filter(id=rule.id, next_fire_at__isnull=True)).update(
        next_fire_at=due, fire_armed=armed
    )
    if moved and armed:
        rule_id = rule.id
        transaction.on_commit(lambda: queue.fire_rule(rule_id, due))
    return due if moved else None


def fire_rule(rule_id: int, due_text: str) -> bool:
    """Fire the rule's firing due at ``due_text`` (ISO 8601) once; whether this call fired it."""
    due = datetime.fromisoformat(due_text)
    moment = now()
    found = _scheduled(Rule.objects.filter(id=rule_id, next_fire_at=due))
    rule = found.select_related("bus__workspace").first()
    if rule is None:
        return False  # fired already, changed, disabled or deleted
    if due > moment:  # an early message (a clock ahead of ours): come back at the due time
        queue.fire_rule(rule_id, due)
        return False
    after = next_firing(rule, max(due, moment))
    armed = after is not None and after - moment <= TIMER_HORIZON
    workspace = rule.bus.workspace
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": SCHEDULED_EVENT,
        "source": "aws.events",
        "account": workspace.account_id,
        "time": format_event_time(due),
        "region": workspace.region,
        "resources": [rule.arn],
        "detail": {},
    }
    with transaction.atomic():
        moved = Rule.objects.filter(
            id=rule_id, next_fire_at=due, state=Rule.ENABLED, schedule_expression=rule.schedule_expression
        ).update(next_fire_at=after, fire_armed=armed)
        if not moved:
            return False
        routing.route_scheduled(rule, event, moment)
        if armed and after is not None:
            transaction.on_commit(lambda: queue.fire_rule(rule_id, after))
    return True


def recover(moment: datetime | None = None) -> None:
    """The sweep's share: arm unarmed rules, send messages for timers now within reach, and
    re-send armed ones overdue by more than GRACE (their message was lost)."""
    moment = moment or now()
    rules = _scheduled(Rule.objects.all())
    for rule in rules.filter(next_fire_at__isnull=True).select_related("bus__workspace"):
        arm(rule, moment)
    for rule_id, due in rules.filter(fire_armed=False, next_fire_at__lte=moment + TIMER_HORIZON).values_list(
        "id", "next_fire_at"
    ):
        if Rule.objects.filter(id=rule_id, next_fire_at=due, fire_armed=False).update(fire_armed=True):
            queue.fire_rule(rule_id, due)
    for rule_id, due in rules.filter(Q(fire_armed=True), next_fire_at__lte=moment - GRACE).values_list(
        "id", "next_fire_at"
    ):
        queue.fire_rule(rule_id, due)
