"""Driving a workspace's virtual clock: turn it on, advance it, speed it up, go back to real time.

Beyond AWS (Step Functions Local and LocalStack have no such clock): a class cannot wait the
course's 2 s + 4 s + 8 s back-offs or a 7-day Wait. What the time is lives in
``workbench.runtime.clock``; this module changes it and fires what it reaches.

Advancing fires everything the clock reaches in the order it falls due: the clock is moved to
the earliest due timer (a durable ``Timer`` of a running execution, a pending delivery's
next attempt, a scheduled rule's or a Scheduler schedule's next firing), that one is fired
here, the next is looked up again (firing may have started a new timer that falls due before
the target), and so on; then the clock is set to the target.
Work the fired steps hand to Celery (a task call, say) runs afterwards, at the time the clock
then shows, so a timer that work starts is reached by the next advance. Nothing fires early:
firing re-reads the clock (``executions.fire_timer``, ``deliveries.deliver``).

After every change the messages that fire timers are re-armed for the new pace (a message
that arrives early re-arms itself; one that would arrive late is replaced here or by the
recovery sweep).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from workbench.accounts.models import VirtualClock, Workspace
from workbench.core.errors import ValidationError
from workbench.events.models import Delivery, Rule, Schedule
from workbench.runtime import clock, deliveries, executions, queue, schedules
from workbench.runtime.commands import TIMER_HORIZON
from workbench.stepfunctions.models import Execution, Timer

MAX_FIRED = 10_000
"""Our limit on what one advance fires (AWS has no such API); the rest waits for the next."""
MAX_RATE = 1_000_000.0
"""Our limit on "N times faster"."""


@dataclass(frozen=True)
class Due:
    """One thing waiting for the clock: a timer of a running execution, a delivery's retry, a
    scheduled rule's or a Scheduler schedule's next firing."""

    at: datetime
    timer: tuple[int, str] | None = None
    delivery_id: int | None = None
    rule_id: int | None = None
    schedule_id: int | None = None

    @property
    def key(self) -> tuple[Any, ...]:
        """Once fired, the same key never comes back (a retried delivery's next try is later)."""
        return (self.timer, self.delivery_id, self.rule_id, self.schedule_id, self.at)


def next_due(workspace: Workspace) -> Due | None:
    """The earliest timer or delivery retry of the workspace (already due or not)."""
    timer = (
        Timer.objects.filter(
            execution__state_machine__workspace=workspace, execution__status=Execution.RUNNING
        )
        .order_by("fire_at", "id")
        .values_list("fire_at", "execution_id", "timer_id")
        .first()
    )
    retry = (
        Delivery.objects.filter(
            event__bus__workspace=workspace, status=Delivery.PENDING, next_attempt_at__isnull=False
        )
        .order_by("next_attempt_at", "id")
        .values_list("next_attempt_at", "id")
        .first()
    )
    run = (
        Rule.objects.filter(bus__workspace=workspace, state=Rule.ENABLED, next_fire_at__isnull=False)
        .order_by("next_fire_at", "id")
        .values_list("next_fire_at", "id")
        .first()
    )
    invocation = (
        Schedule.objects.filter(
            group__workspace=workspace, state=Schedule.ENABLED, next_fire_at__isnull=False
        )
        .order_by("next_fire_at", "id")
        .values_list("next_fire_at", "id")
        .first()
    )
    found = []
    if run is not None and run[0] is not None:
        found.append(Due(at=run[0], rule_id=run[1]))
    if invocation is not None and invocation[0] is not None:
        found.append(Due(at=invocation[0], schedule_id=invocation[1]))
    if timer is not None:
        found.append(Due(at=timer[0], timer=(timer[1], timer[2])))
    if retry is not None and retry[0] is not None:
        found.append(Due(at=retry[0], delivery_id=retry[1]))
    return min(found, key=lambda due: due.at, default=None)


def describe(workspace: Workspace) -> dict[str, Any]:
    """The clock's state: mode (REAL, FROZEN or RUNNING), time, rate and what falls due next."""
    current = clock.clock_of(workspace)
    mode = "REAL" if current is None else ("FROZEN" if current.rate <= 0 else "RUNNING")
    due = next_due(workspace)
    return {
        "workspace": workspace.name,
        "mode": mode,
        "now": _iso(clock.reading(current)),
        "rate": 1.0 if current is None else current.rate,
        "next": None if due is None else _describe_due(workspace, due),
    }


def _describe_due(workspace: Workspace, due: Due) -> dict[str, Any]:
    if due.timer is not None:
        execution = (
            Execution.objects.filter(id=due.timer[0]).select_related("state_machine__workspace").first()
        )
        return {
            "kind": "timer",
            "dueAt": _iso(due.at),
            "executionArn": None if execution is None else execution.arn,
            "timerId": due.timer[1],
        }
    if due.rule_id is not None:
        rule = Rule.objects.filter(id=due.rule_id).select_related("bus__workspace").first()
        return {"kind": "schedule", "dueAt": _iso(due.at), "ruleArn": None if rule is None else rule.arn}
    if due.schedule_id is not None:
        schedule = Schedule.objects.filter(id=due.schedule_id).select_related("group__workspace").first()
        return {
            "kind": "scheduler",
            "dueAt": _iso(due.at),
            "scheduleArn": None if schedule is None else schedule.arn,
        }
    delivery = Delivery.objects.filter(id=due.delivery_id).values("rule_arn", "target_id").first() or {}
    return {
        "kind": "delivery",
        "dueAt": _iso(due.at),
        "ruleArn": delivery.get("rule_arn"),
        "targetId": delivery.get("target_id"),
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _set(workspace: Workspace, virtual_at: datetime, rate: float) -> None:
    """Store the clock's new reading (one UPDATE when it is already on)."""
    values = {"virtual_at": virtual_at, "real_at": timezone.now(), "rate": rate}
    if not VirtualClock.objects.filter(workspace=workspace).update(**values):
        VirtualClock.objects.update_or_create(workspace=workspace, defaults=values)
    workspace.virtual_clock = VirtualClock(workspace=workspace, **values)


def _refuse_going_back(workspace: Workspace, to: datetime) -> None:
    current = clock.clock_of(workspace)
    if current is not None and to < clock.reading(current):
        raise ValidationError(
            f"The virtual clock cannot go back: it shows {_iso(clock.reading(current))}, "
            f"earlier than that is {_iso(to)}."
        )


def freeze(workspace: Workspace, at: datetime | None = None) -> None:
    """Turn the clock on, frozen at ``at`` (default: the time it shows now)."""
    if at is not None:  # "now" is never behind the clock (a running one moves on as it is read)
        _refuse_going_back(workspace, at)
    _set(workspace, at or clock.now(workspace), 0.0)
    rearm(workspace)


def run(workspace: Workspace, rate: float) -> None:
    """Let the clock run ``rate`` times as fast as real time, from the time it shows now."""
    if not 0 < rate <= MAX_RATE:
        raise ValidationError(f"rate must be greater than 0 and at most {MAX_RATE:g}.")
    _set(workspace, clock.now(workspace), rate)
    rearm(workspace)


def real_time(workspace: Workspace) -> None:
    """Back to real time: timers due by then fire; later ones wait for real time to reach them."""
    VirtualClock.objects.filter(workspace=workspace).delete()
    workspace.virtual_clock = None  # the cached "no clock"
    rearm(workspace)


def advance_to(workspace: Workspace, target: datetime) -> list[dict[str, Any]]:
    """Move the clock to ``target`` (keeping its pace), firing what it reaches in order of due
    time; what was fired. The clock is turned on, frozen, if it was off."""
    _refuse_going_back(workspace, target)
    if clock.clock_of(workspace) is None:
        _set(workspace, clock.now(workspace), 0.0)
    schedules.arm_workspace(workspace)  # a rule or schedule just made has its first run in the count
    rate = getattr(clock.clock_of(workspace), "rate", 0.0)
    fired: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    while len(fired) < MAX_FIRED:
        due = next_due(workspace)
        if due is None or due.at > target or due.key in seen:
            break
        seen.add(due.key)
        if due.at > clock.now(workspace):
            _set(workspace, due.at, rate)
        described = _describe_due(workspace, due)
        if _fire(due):
            fired.append(described)
    if target > clock.now(workspace):
        _set(workspace, target, rate)
    if rate > 0:  # a frozen clock has no ETA message to re-arm
        rearm(workspace)
    return fired


def advance_by(workspace: Workspace, seconds: float) -> list[dict[str, Any]]:
    """Move the clock forward by ``seconds``, firing what it reaches."""
    if not 0 <= seconds <= timedelta.max.total_seconds() / 2:
        raise ValidationError("seconds must be a number of seconds of at least 0.")
    return advance_to(workspace, clock.now(workspace) + timedelta(seconds=seconds))


def advance_to_next(workspace: Workspace) -> list[dict[str, Any]]:
    """Move the clock to the earliest timer or retry (not back, if one is overdue) and fire it
    with everything due at the same time."""
    schedules.arm_workspace(workspace)
    due = next_due(workspace)
    if due is None:
        if clock.clock_of(workspace) is None:
            freeze(workspace)
        return []
    return advance_to(workspace, max(due.at, clock.now(workspace)))


def _fire(due: Due) -> bool:
    if due.timer is not None:
        return executions.fire_timer(*due.timer)
    if due.rule_id is not None:
        return schedules.fire_rule(due.rule_id, due.at)
    if due.schedule_id is not None:
        return schedules.fire_schedule(due.schedule_id, due.at)
    assert due.delivery_id is not None
    deliveries.deliver(due.delivery_id)
    return True


def rearm(workspace: Workspace) -> None:
    """Send fresh messages for what the clock's new pace brings within the horizon; leave the
    rest to the sweep (a message for an early arrival re-arms itself)."""
    horizon = timezone.now() + TIMER_HORIZON
    timers = Timer.objects.filter(
        execution__state_machine__workspace=workspace, execution__status=Execution.RUNNING
    ).values_list("id", "execution_id", "timer_id", "fire_at")
    armed: list[int] = []
    for row_id, execution_id, timer_id, fire_at in timers:
        at = clock.eta(workspace, fire_at)
        if at is not None and at <= horizon:
            queue.fire_timer(execution_id, timer_id, at)
            armed.append(row_id)
    Timer.objects.filter(execution__state_machine__workspace=workspace).exclude(id__in=armed).update(
        armed=False
    )
    Timer.objects.filter(id__in=armed).update(armed=True)
    for delivery_id, next_at in Delivery.objects.filter(
        event__bus__workspace=workspace, status=Delivery.PENDING, next_attempt_at__isnull=False
    ).values_list("id", "next_attempt_at"):
        at = clock.eta(workspace, next_at) if next_at is not None else None
        if at is not None and at <= horizon:
            queue.deliver_events([delivery_id], eta=at)
    schedules.rearm(workspace)
