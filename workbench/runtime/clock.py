"""What "now" is for a workspace: the one place the shell reads time for the workbench's semantics.

A workspace runs on real time unless its virtual clock is on (beyond AWS: the course's
back-offs and week-long Waits cannot take real time in a class). Every timer (Wait, Retry
back-off, task and heartbeat timeouts, the execution's timeout, event delivery retries) and
every date the workbench records or answers with (``$$.Execution.StartTime``,
``$$.State.EnteredTime``, history timestamps, start and stop dates, an event's time) is read
here. Time that guards the machinery itself (claims, leases, recovery grace, ETA messages)
stays real: it is about processes, not about the workflow.

A virtual clock is ``virtual_at`` at the real moment ``real_at`` and moves ``rate`` times as
fast as real time (0: frozen). A timer due at virtual time ``t`` is fired by an ETA message at
the real moment the clock reaches ``t``, or, frozen, only when the clock is advanced to it
(``workbench.runtime.clock_control``).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from workbench.accounts.models import VirtualClock, Workspace
from workbench.core.prepared import Prepared

_CACHED = Workspace.virtual_clock.related.cache_name
"""Where a workspace keeps its clock once read (``None`` for none): Django's relation cache."""
_UNREAD = object()


def clock_of(workspace: Workspace) -> VirtualClock | None:
    """The workspace's virtual clock, None on real time (read through the relation's cache:
    callers that load the workspace with ``select_related("virtual_clock")`` pay no query).

    The cache is looked at first: for a workspace with no clock, the relation raises a new
    DoesNotExist, message and all, on every read (1% of served PutEvents' samples in issue
    10's py-spy, 2026-12-06, a few reads per event)."""
    cached = workspace._state.fields_cache.get(_CACHED, _UNREAD)
    if cached is not _UNREAD:
        return cached
    try:
        return workspace.virtual_clock
    except VirtualClock.DoesNotExist:
        return None


def reading(clock: VirtualClock | None, real: datetime | None = None) -> datetime:
    """The time a clock shows at the real moment ``real`` (now when None)."""
    moment = real or timezone.now()
    if clock is None:
        return moment
    return clock.virtual_at + (moment - clock.real_at) * clock.rate


def now(workspace: Workspace) -> datetime:
    """The workspace's current time: real, or its virtual clock's."""
    return reading(clock_of(workspace))


def current(workspace: Workspace) -> datetime:
    """The workspace's time read from its clock's row now, not from a cached relation: for a
    long-running caller (an Express execution in one thread) that must see an advance."""
    return reading(_CLOCK.first(workspace.id))


# Every Express execution reads it as it ends: compiled once per thread (core/prepared.py;
# building the query was most of its cost, issue 10's profile of PutEvents to Express targets).
_CLOCK: Prepared[VirtualClock] = Prepared(
    lambda workspace_id: VirtualClock.objects.filter(workspace_id=workspace_id).order_by()[:1], int
)


def sleep_until(workspace: Workspace, due: datetime, *, poll: float = 0.25) -> None:
    """Block until the workspace's clock reaches ``due``: an Express execution runs in one
    thread, so its Waits and Retry back-offs wait here. The clock's row is re-read every
    ``poll`` seconds, so an advance, a new rate or the return to real time is seen; a frozen
    clock waits for an advance."""
    while True:
        clock = VirtualClock.objects.filter(workspace_id=workspace.id).first()
        real_now = timezone.now()
        if reading(clock, real_now) >= due:
            return
        moment = real_moment(clock, due)
        wait = poll if moment is None else min(poll, (moment - real_now).total_seconds())
        time.sleep(max(wait, 0.001))


def real_moment(clock: VirtualClock | None, due: datetime) -> datetime | None:
    """The real moment the clock reaches ``due``; None when only an advance can get it there
    (a frozen clock). A moment already passed is now."""
    if clock is None:
        return due
    if clock.rate <= 0:
        return None
    real_now = timezone.now()
    if due <= reading(clock, real_now):
        return real_now
    return clock.real_at + (due - clock.virtual_at) / clock.rate


def eta(workspace: Workspace, due: datetime) -> datetime | None:
    """When an ETA message for something due at the workspace's time ``due`` should arrive."""
    return real_moment(clock_of(workspace), due)


def virtual_workspaces(real: datetime | None = None) -> dict[int, datetime]:
    """Every workspace on a virtual clock, with that clock's reading (for the recovery sweep)."""
    moment = real or timezone.now()
    return {clock.workspace_id: reading(clock, moment) for clock in VirtualClock.objects.all()}


def due(field: str, workspace_field: str, real: datetime | None = None) -> Q:
    """Rows whose ``field`` (a time of their workspace) has been reached by their workspace's
    clock; ``workspace_field`` leads from the row to its workspace."""
    moment = real or timezone.now()
    virtual = virtual_workspaces(moment)
    condition = Q(**{f"{field}__lte": moment}) & ~Q(**{f"{workspace_field}__in": list(virtual)})
    for workspace_id, reached in virtual.items():
        condition |= Q(**{workspace_field: workspace_id, f"{field}__lte": reached})
    return condition


def within(horizon: timedelta, moment: datetime | None) -> bool:
    """Whether a real moment is close enough for an ETA message (None: never)."""
    return moment is not None and moment - timezone.now() <= horizon
