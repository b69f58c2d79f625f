"""Durable timers of scheduled rules and Scheduler schedules, on the workspace's clock: arming,
firing exactly once, and re-arming lost ones.

A rule with a ScheduleExpression fires a "Scheduled Event" (source ``aws.events``, resources
the rule's ARN, detail ``{}``, time the moment it fell due: "Creating a rule that runs on a
schedule", EventBridge User Guide; the event as recorded AWS runs deliver it) to its own
targets, and to no other rule's, at each time its expression names. The timer is the rule row
itself (``Rule.next_fire_at``, a time of its workspace's clock, ``runtime.clock``): the
database is the truth, an ETA message (``queue.FIRE_RULE``) the fast path, and the recovery
sweep (``recover``) arms unarmed rules, sends messages for timers that come within reach and
re-sends those whose message was lost. On a virtual clock the ETA is the real moment the clock
reaches the due time (none on a frozen clock: only an advance, ``runtime.clock_control``, gets
there, firing each due time in order); the sweep fires whatever a virtual clock has reached.

Exactly once: ``fire_rule`` moves the timer with one conditional UPDATE (compare-and-set on
the due time it was sent for) and stores the event and its deliveries in the same
transaction; a second worker, a repeated message, the sweep or an advance racing it finds the
due time already moved and does nothing. Nothing fires early (the clock is read again).
Disabling, re-enabling or changing the rule clears the timer (events.services), so a disabled
rule never fires and a changed one is armed afresh. Runs a stopped workbench missed are not
made up: the next run is the first one still ahead, on the same grid.

A rate counts from the rule's creation on real time; on a virtual clock (whose time the rule's
real creation date does not belong to) from when it is armed, so ``rate(1 hour)`` made at
09:00 on the clock first fires at 10:00.

EventBridge Scheduler's schedules (``Schedule``) keep their timer the same way, on the clock of
their group's workspace; a firing is handed to ``routing.route_schedule`` (one delivery to the
schedule's target, with its RetryPolicy and DeadLetterConfig). A one-time ``at()`` schedule
fires once; after its last firing a schedule whose ActionAfterCompletion is DELETE is deleted
in the same transaction ("ActionAfterCompletion", CreateSchedule, EventBridge Scheduler API
Reference). A FLEXIBLE schedule's firing is stored at its scheduled time and delivered at a
random moment within its window (``routing.flexible_delay``). After a firing commits, the
Schedules page is told to look again (its next firing moved: ``live.publish.schedules_changed``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from engine.events.event_time import format_event_time
from engine.events.schedules import (
    ScheduleExpressionError,
    next_fire,
    parse_expression,
    parse_rule_expression,
    time_zone,
)
from workbench.accounts.models import VirtualClock, Workspace
from workbench.core.ids import random_id
from workbench.events.models import Rule, Schedule
from workbench.live import publish
from workbench.runtime import clock, queue, routing
from workbench.runtime.commands import TIMER_HORIZON

GRACE = timedelta(seconds=3)
"""An armed firing this late is taken to have lost its message, and is sent again."""
SCHEDULED_EVENT = "Scheduled Event"
AFTER_COMPLETION_DELETE = "DELETE"
RULE_WORKSPACE = "bus__workspace"
SCHEDULE_WORKSPACE = "group__workspace"


def _scheduled(rules: QuerySet[Rule]) -> QuerySet[Rule]:
    return rules.filter(state=Rule.ENABLED, schedule_expression__isnull=False).exclude(schedule_expression="")


def _active(schedules: QuerySet[Schedule]) -> QuerySet[Schedule]:
    return schedules.filter(state=Schedule.ENABLED)


def _on_real_time(workspace: Workspace) -> bool:
    return clock.clock_of(workspace) is None


def _send_at(workspace: Workspace, due: datetime) -> datetime | None:
    """The real moment to send a firing's ETA message for, None when it is beyond the horizon
    (or on a frozen clock): the sweep or an advance reaches it."""
    at = clock.eta(workspace, due)
    return at if at is not None and clock.within(TIMER_HORIZON, at) else None


# Scheduled rules ---------------------------------------------------------------------------


def next_firing(rule: Rule, after: datetime, anchor: datetime | None = None) -> datetime | None:
    """When ``rule`` fires next after ``after`` (its workspace's time); a rate counts from
    ``anchor``, by default the rule's creation on real time and ``after`` on a virtual clock."""
    try:
        expression = parse_rule_expression(rule.schedule_expression or "")
    except ScheduleExpressionError:
        return None  # stored before PutRule checked expressions: never fires
    if anchor is None and _on_real_time(rule.bus.workspace):
        anchor = rule.created
    return next_fire(expression, after, anchor=anchor)


def upcoming(rule: Rule) -> datetime | None:
    """A scheduled rule's next firing for display: its armed timer, else when it would be armed for."""
    if not rule.schedule_expression or rule.state != Rule.ENABLED:
        return None
    return rule.next_fire_at or next_firing(rule, clock.now(rule.bus.workspace))


def arm(rule: Rule, moment: datetime | None = None) -> datetime | None:
    """Set an unarmed enabled scheduled rule's timer (compare-and-set on its being unarmed),
    from ``moment`` (default: its workspace's now); the due time it set, None if it set none."""
    workspace = rule.bus.workspace
    moment = moment or clock.now(workspace)
    due = next_firing(rule, moment)
    if due is None:
        return None
    rule_id = rule.id
    unarmed = _scheduled(Rule.objects.filter(id=rule_id, next_fire_at__isnull=True))
    return _set_timer(unarmed, workspace, due, lambda at: queue.fire_rule(rule_id, due, at))


def _set_timer(
    unarmed: QuerySet[Any], workspace: Workspace, due: datetime, send: Callable[[datetime], None]
) -> datetime | None:
    """Set the timer of a rule or schedule still unarmed (compare-and-set) to ``due``; once
    committed, ``send`` its message for the real moment the clock reaches it (none while the
    clock stands still). The due time set, None if another set it first."""
    at = _send_at(workspace, due)
    moved = unarmed.update(next_fire_at=due, fire_armed=at is not None)
    if moved and at is not None:
        transaction.on_commit(lambda: send(at))
    return due if moved else None


def fire_rule(rule_id: int, due: datetime) -> bool:
    """Fire the rule's firing due at ``due`` once, if its workspace's clock has reached it;
    whether this call fired it."""
    found = _scheduled(Rule.objects.filter(id=rule_id, next_fire_at=due))
    rule = found.select_related("bus__workspace__virtual_clock").first()
    if rule is None:
        return False  # fired already, changed, disabled or deleted
    workspace = rule.bus.workspace
    moment = clock.now(workspace)
    if due > moment:  # early (the clock was slowed or frozen): come back when it gets there
        at = _send_at(workspace, due)
        if at is not None:
            queue.fire_rule(rule_id, due, at)
        else:
            Rule.objects.filter(id=rule_id, next_fire_at=due).update(fire_armed=False)
        return False
    after = next_firing(rule, max(due, moment), anchor=due)
    at = None if after is None else _send_at(workspace, after)
    event = {
        "version": "0",
        "id": random_id(),
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
        ).update(next_fire_at=after, fire_armed=at is not None)
        if not moved:
            return False
        routing.route_scheduled(rule, event, moment)
        if at is not None and after is not None:
            send_at, next_due = at, after
            transaction.on_commit(lambda: queue.fire_rule(rule_id, next_due, send_at))
    return True


# Scheduler schedules -----------------------------------------------------------------------


def next_schedule_firing(
    schedule: Schedule, after: datetime, anchor: datetime | None = None
) -> datetime | None:
    """When ``schedule`` fires next after ``after``: in its time zone, within StartDate and
    EndDate; a rate counts from ``anchor``, by default its StartDate, else its creation on real
    time, else ``after`` on a virtual clock."""
    try:
        expression = parse_expression(schedule.schedule_expression)
        zone = time_zone(schedule.timezone)
    except ScheduleExpressionError:
        return None
    if anchor is None:
        anchor = schedule.start_date
    if anchor is None and _on_real_time(schedule.group.workspace):
        anchor = schedule.created
    return next_fire(
        expression, after, anchor=anchor, zone=zone, start=schedule.start_date, end=schedule.end_date
    )


def upcoming_schedule(schedule: Schedule) -> datetime | None:
    """A schedule's next firing for display: its armed timer, else when it would be armed for."""
    if schedule.state != Schedule.ENABLED:
        return None
    return schedule.next_fire_at or next_schedule_firing(schedule, clock.now(schedule.group.workspace))


def arm_schedule(schedule: Schedule, moment: datetime | None = None) -> datetime | None:
    """Set an unarmed enabled schedule's timer (compare-and-set on its being unarmed); a
    schedule with nothing left to fire (an ``at()`` in the past, after its EndDate) stays
    unarmed."""
    workspace = schedule.group.workspace
    moment = moment or clock.now(workspace)
    due = next_schedule_firing(schedule, moment)
    if due is None:
        return None
    schedule_id = schedule.id
    unarmed = _active(Schedule.objects.filter(id=schedule_id, next_fire_at__isnull=True))
    return _set_timer(unarmed, workspace, due, lambda at: queue.fire_schedule(schedule_id, due, at))


def fire_schedule(schedule_id: int, due: datetime) -> bool:
    """Invoke the schedule's target for the firing due at ``due`` once, if its workspace's clock
    has reached it; whether this call did."""
    found = _active(Schedule.objects.filter(id=schedule_id, next_fire_at=due))
    schedule = found.select_related("group__workspace__virtual_clock").first()
    if schedule is None:
        return False
    workspace = schedule.group.workspace
    moment = clock.now(workspace)
    if due > moment:
        at = _send_at(workspace, due)
        if at is not None:
            queue.fire_schedule(schedule_id, due, at)
        else:
            Schedule.objects.filter(id=schedule_id, next_fire_at=due).update(fire_armed=False)
        return False
    # A one-time schedule has fired once its firing is made, whenever that was.
    one_time = schedule.schedule_expression.startswith("at(")
    after = None if one_time else next_schedule_firing(schedule, max(due, moment), anchor=due)
    at = None if after is None else _send_at(workspace, after)
    event = {
        "version": "0",
        "id": random_id(),
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
        ).update(next_fire_at=after, fire_armed=at is not None or after is None)  # spent: the sweep skips it
        if not moved:
            return False
        routing.route_schedule(schedule, event, moment)
        workspace_id = workspace.id
        transaction.on_commit(lambda: publish.schedules_changed(workspace_id))
        if after is None and schedule.action_after_completion == AFTER_COMPLETION_DELETE:
            Schedule.objects.filter(id=schedule_id).delete()
        elif at is not None and after is not None:
            send_at, next_due = at, after
            transaction.on_commit(lambda: queue.fire_schedule(schedule_id, next_due, send_at))
    return True


# The sweep, advances and changes of pace ---------------------------------------------------


def arm_workspace(workspace: Workspace) -> None:
    """Arm every unarmed rule and schedule of the workspace (an advance counts their first runs)."""
    for rule in _scheduled(Rule.objects.filter(bus__workspace=workspace, next_fire_at__isnull=True)):
        rule.bus.workspace = workspace
        arm(rule)
    for schedule in _active(Schedule.objects.filter(group__workspace=workspace, next_fire_at__isnull=True)):
        schedule.group.workspace = workspace
        arm_schedule(schedule)


def rearm(workspace: Workspace) -> None:
    """After the workspace's clock changed pace: send fresh messages for the firings it now
    brings within the horizon; leave the rest to the sweep (an early message re-arms itself)."""
    for model, workspace_field, send in _KINDS:
        rows = _enabled(model).filter(**{workspace_field: workspace}, next_fire_at__isnull=False)
        for row_id, due in rows.values_list("id", "next_fire_at"):
            at = _send_at(workspace, due)
            rows.filter(id=row_id).update(fire_armed=at is not None)
            if at is not None:
                send(row_id, due, at)


def recover(real: datetime | None = None) -> None:
    """The sweep's share: arm unarmed rules and schedules; on real time send messages for timers
    now within reach and re-send armed ones overdue by more than GRACE (their message was
    lost); on a virtual clock send every firing the clock has reached."""
    moment = real or timezone.now()
    clocks = {c.workspace_id: c for c in VirtualClock.objects.all()}
    _arm_unarmed(clocks)
    for model, workspace_field, send in _KINDS:
        rows = _enabled(model)
        on_real = ~Q(**{f"{workspace_field}__in": list(clocks)})
        for row_id, due in rows.filter(
            on_real, fire_armed=False, next_fire_at__lte=moment + TIMER_HORIZON
        ).values_list("id", "next_fire_at"):
            if rows.filter(id=row_id, next_fire_at=due, fire_armed=False).update(fire_armed=True):
                send(row_id, due, max(due, moment))
        for row_id, due in rows.filter(
            on_real, fire_armed=True, next_fire_at__lte=moment - GRACE
        ).values_list("id", "next_fire_at"):
            send(row_id, due, moment)
        reached = rows.filter(clock.due("next_fire_at", workspace_field, moment), ~on_real)
        for row_id, due in reached.values_list("id", "next_fire_at"):
            send(row_id, due, moment)


def _enabled(model: type[Model]) -> QuerySet[Any]:
    if model is Rule:
        return _scheduled(Rule.objects.all())
    return _active(Schedule.objects.all())


def _arm_unarmed(clocks: dict[int, VirtualClock]) -> None:
    """Arm what has no timer; mark what has nothing left to fire (a cron whose years are past,
    a spent schedule) so the sweep stops looking (a change clears the mark)."""
    for rule in _scheduled(Rule.objects.filter(next_fire_at__isnull=True, fire_armed=False)).select_related(
        "bus__workspace"
    ):
        rule.bus.workspace.virtual_clock = clocks.get(rule.bus.workspace_id)
        if arm(rule) is None and next_firing(rule, clock.now(rule.bus.workspace)) is None:
            Rule.objects.filter(id=rule.id, next_fire_at__isnull=True, created=rule.created).update(
                fire_armed=True
            )
    for schedule in _active(
        Schedule.objects.filter(next_fire_at__isnull=True, fire_armed=False)
    ).select_related("group__workspace"):
        schedule.group.workspace.virtual_clock = clocks.get(schedule.group.workspace_id)
        workspace_now = clock.now(schedule.group.workspace)
        if arm_schedule(schedule) is None and next_schedule_firing(schedule, workspace_now) is None:
            Schedule.objects.filter(
                id=schedule.id, next_fire_at__isnull=True, updated=schedule.updated
            ).update(fire_armed=True)


_KINDS: tuple[tuple[type[Model], str, Callable[[int, datetime, datetime], None]], ...] = (
    (Rule, RULE_WORKSPACE, queue.fire_rule),
    (Schedule, SCHEDULE_WORKSPACE, queue.fire_schedule),
)
