"""Durable timers of scheduled rules and Scheduler schedules: arming, firing exactly once,
and re-arming lost ones.

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

EventBridge Scheduler's schedules (``Schedule``) keep their timer the same way; a firing is
handed to ``routing.route_schedule`` (one delivery to the schedule's target, with its
RetryPolicy and DeadLetterConfig). A one-time ``at()`` schedule fires once; after its last
firing a schedule whose ActionAfterCompletion is DELETE is deleted in the same transaction
("ActionAfterCompletion", CreateSchedule, EventBridge Scheduler API Reference). The flexible
time window is not spread: a FLEXIBLE schedule fires at the start of its window.

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
from engine.events.schedules import (
    ScheduleExpressionError,
    next_fire,
    parse_expression,
    parse_rule_expression,
    time_zone,
)
from workbench.events.models import Rule, Schedule
from workbench.runtime import queue, routing

TIMER_HORIZON = timedelta(seconds=60)
"""Firings due within this get an ETA message when armed; later ones when the sweep reaches them."""
GRACE = timedelta(seconds=3)
"""An armed firing this late is taken to have lost its message, and is sent again."""
SCHEDULED_EVENT = "Scheduled Event"
AFTER_COMPLETION_DELETE = "DELETE"


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
    """The sweep's share: arm unarmed rules and schedules, send messages for timers now within
    reach, and re-send armed ones overdue by more than GRACE (their message was lost)."""
    moment = moment or now()
    _recover_rules(moment)
    _recover_schedules(moment)


def _recover_rules(moment: datetime) -> None:
    rules = _scheduled(Rule.objects.all())
    for rule in rules.filter(next_fire_at__isnull=True, fire_armed=False).select_related("bus__workspace"):
        if arm(rule, moment) is None and next_firing(rule, moment) is None:
            # Nothing left to fire (a cron whose years are past): the sweep stops looking.
            Rule.objects.filter(id=rule.id, next_fire_at__isnull=True, created=rule.created).update(
                fire_armed=True
            )
    for rule_id, due in rules.filter(fire_armed=False, next_fire_at__lte=moment + TIMER_HORIZON).values_list(
        "id", "next_fire_at"
    ):
        if Rule.objects.filter(id=rule_id, next_fire_at=due, fire_armed=False).update(fire_armed=True):
            queue.fire_rule(rule_id, due)
    for rule_id, due in rules.filter(Q(fire_armed=True), next_fire_at__lte=moment - GRACE).values_list(
        "id", "next_fire_at"
    ):
        queue.fire_rule(rule_id, due)


def _active(schedules: Any) -> Any:
    return schedules.filter(state=Schedule.ENABLED)


def next_schedule_firing(schedule: Schedule, after: datetime) -> datetime | None:
    """When ``schedule`` fires next after ``after``: in its time zone, within StartDate and
    EndDate; a rate counts from its StartDate, else from its creation."""
    try:
        expression = parse_expression(schedule.schedule_expression)
        zone = time_zone(schedule.timezone)
    except ScheduleExpressionError:
        return None
    return next_fire(
        expression,
        after,
        anchor=schedule.start_date or schedule.created,
        zone=zone,
        start=schedule.start_date,
        end=schedule.end_date,
    )


def arm_schedule(schedule: Schedule, moment: datetime | None = None) -> datetime | None:
    """Set an unarmed enabled schedule's timer (compare-and-set on its being unarmed); a
    schedule with nothing left to fire (an ``at()`` in the past, after its EndDate) stays
    unarmed, and one whose ActionAfterCompletion is DELETE is deleted."""
    moment = moment or now()
    due = next_schedule_firing(schedule, moment)
    if due is None:
        return None
    armed = due - moment <= TIMER_HORIZON
    moved = _active(Schedule.objects.filter(id=schedule.id, next_fire_at__isnull=True)).update(
        next_fire_at=due, fire_armed=armed
    )
    if moved and armed:
        schedule_id = schedule.id
        transaction.on_commit(lambda: queue.fire_schedule(schedule_id, due))
    return due if moved else None


def fire_schedule(schedule_id: int, due_text: str) -> bool:
    """Invoke the schedule's target for the firing due at ``due_text`` once; whether this call did."""
    due = datetime.fromisoformat(due_text)
    moment = now()
    found = _active(Schedule.objects.filter(id=schedule_id, next_fire_at=due))
    schedule = found.select_related("group__workspace").first()
    if schedule is None:
        return False
    if due > moment:
        queue.fire_schedule(schedule_id, due)
        return False
    # A one-time schedule has fired once its firing is made, whenever that was.
    one_time = schedule.schedule_expression.startswith("at(")
    after = None if one_time else next_schedule_firing(schedule, max(due, moment))
    armed = after is not None and after - moment <= TIMER_HORIZON
    workspace = schedule.group.workspace
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": SCHEDULED_EVENT,
        "source": "aws.scheduler",
        "account": workspace.account_id,
        "time": format_event_time(due),
        "region": workspace.region,
        "resources": [schedule.arn],
        "detail": {},
    }
    with transaction.atomic():
        moved = _active(
            Schedule.objects.filter(id=schedule_id, next_fire_at=due, updated=schedule.updated)
        ).update(next_fire_at=after, fire_armed=armed or one_time)  # a spent at(): the sweep skips it
        if not moved:
            return False
        routing.route_schedule(schedule, event, moment)
        if after is None and schedule.action_after_completion == AFTER_COMPLETION_DELETE:
            Schedule.objects.filter(id=schedule_id).delete()
        elif armed and after is not None:
            transaction.on_commit(lambda: queue.fire_schedule(schedule_id, after))
    return True


def _recover_schedules(moment: datetime) -> None:
    active = _active(Schedule.objects.all())
    for schedule in active.filter(next_fire_at__isnull=True, fire_armed=False).select_related(
        "group__workspace"
    ):
        if arm_schedule(schedule, moment) is None and next_schedule_firing(schedule, moment) is None:
            # Nothing left to fire: mark it so the sweep stops looking (a change clears the mark).
            Schedule.objects.filter(
                id=schedule.id, next_fire_at__isnull=True, updated=schedule.updated
            ).update(fire_armed=True)
    for schedule_id, due in active.filter(
        fire_armed=False, next_fire_at__lte=moment + TIMER_HORIZON
    ).values_list("id", "next_fire_at"):
        if Schedule.objects.filter(id=schedule_id, next_fire_at=due, fire_armed=False).update(
            fire_armed=True
        ):
            queue.fire_schedule(schedule_id, due)
    for schedule_id, due in active.filter(fire_armed=True, next_fire_at__lte=moment - GRACE).values_list(
        "id", "next_fire_at"
    ):
        queue.fire_schedule(schedule_id, due)
