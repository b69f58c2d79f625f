"""The recovery sweep every worker runs: what the database says is owed is enqueued again, by
one worker at a time (a lease), and work still in flight is left alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support.inprocess import Broker, claim_pending_task, hold_off_live_sweepers, start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _own_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lease of the tests' own: the session's live sweeper (embedded server or distributed
    worker) takes and renews the "recovery" lease in the same database every 2 s, and is held
    off under it so that it does not fire the tests' overdue timers itself."""
    from workbench.runtime import recovery

    hold_off_live_sweepers()
    monkeypatch.setattr(recovery, "LEASE_NAME", "recovery-under-test")


def _wait(seconds: int) -> dict[str, Any]:
    return {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "End": True}}}


def test_one_holder_at_a_time_and_another_takes_over_when_it_expires() -> None:
    from django.utils import timezone

    from workbench.runtime import recovery
    from workbench.runtime.models import Lease

    assert recovery.take_lease("worker-a")
    assert recovery.take_lease("worker-a"), "the holder renews"
    assert not recovery.take_lease("worker-b")
    Lease.objects.update(expires=timezone.now() - timedelta(seconds=1))  # worker-a died
    assert recovery.take_lease("worker-b")
    assert not recovery.take_lease("worker-a")


def test_a_far_timer_gets_no_eta_message_and_the_sweep_fires_it_when_due(broker: Broker) -> None:
    from django.utils import timezone

    from workbench.runtime import queue, recovery
    from workbench.stepfunctions.models import Timer

    execution = start(_wait(3600))
    assert queue.FIRE_TIMER not in broker.names()
    timer = Timer.objects.get(execution=execution)
    assert not timer.armed
    recovery.sweep()
    assert queue.FIRE_TIMER not in broker.names(), "not due yet"
    Timer.objects.filter(id=timer.id).update(fire_at=timezone.now())
    recovery.sweep()
    broker.drain()
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED"


def test_an_armed_timer_whose_message_was_lost_is_fired_after_the_grace(broker: Broker) -> None:
    from django.utils import timezone

    from workbench.runtime import queue, recovery
    from workbench.stepfunctions.models import Timer

    execution = start(_wait(1))
    assert broker.take(queue.FIRE_TIMER)  # the worker holding it died
    Timer.objects.filter(execution=execution).update(fire_at=timezone.now() - timedelta(seconds=1))
    recovery.sweep()
    assert broker.sent == [], "within the grace the ETA message is surely still on its way"
    Timer.objects.filter(execution=execution).update(fire_at=timezone.now() - recovery.GRACE * 2)
    recovery.sweep()
    broker.drain()
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED"


def test_the_sweep_resends_a_lost_call_and_an_old_claim_but_not_a_fresh_one_or_waiting(
    broker: Broker, no_grace: None
) -> None:

    from django.utils import timezone

    from workbench.accounts.services import default_workspace
    from workbench.functions import services as functions
    from workbench.runtime import executions, queue, recovery
    from workbench.stepfunctions.models import PendingTask, TaskInvocation

    function = functions.save_mock(default_workspace(), "f", [{"output": 1}])
    call = {
        "StartAt": "C",
        "States": {"C": {"Type": "Task", "Resource": functions.arn_of(function), "End": True}},
    }
    execution = start(call)
    assert broker.take(queue.INVOKE_TASK)  # lost
    recovery.sweep()
    assert broker.names() == [queue.INVOKE_TASK]
    broker.take()
    PendingTask.objects.update(created=timezone.now() - timedelta(minutes=1))
    claim = claim_pending_task(execution, for_=executions.TASK_CLAIM)
    recovery._sweep_tasks(timezone.now() - timedelta(seconds=3))
    assert broker.sent == [], "a call claimed just now is in hand"
    TaskInvocation.objects.filter(id=claim.id).update(
        claimed_until=timezone.now() + executions.TASK_CLAIM - timedelta(seconds=10)
    )
    recovery._sweep_tasks(timezone.now() - timedelta(seconds=3))
    # Its worker may have died: the invoke task finds out from the claim's row lock.
    assert broker.names() == [queue.INVOKE_TASK]
    broker.take()
    TaskInvocation.objects.filter(id=claim.id).update(status=TaskInvocation.WAITING)
    recovery.sweep()
    assert broker.sent == [], "a task waiting for its token is answered by someone else"


def test_recover_once_sweeps_only_for_the_lease_holder(broker: Broker, no_grace: None) -> None:
    from django.utils import timezone

    from workbench.runtime import recovery
    from workbench.runtime.models import Lease

    Lease.objects.create(
        name=recovery.LEASE_NAME, holder="other", expires=timezone.now() + timedelta(seconds=9)
    )
    assert not recovery.recover_once()
    Lease.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert recovery.recover_once()


def test_a_sweeper_sends_owed_work_once_per_window_not_every_sweep(broker: Broker, no_grace: None) -> None:
    """Workers that are behind are not handed the same message every sweep (the sweep once
    re-sent thousands of pending deliveries every two seconds and buried a server's queue)."""
    from django.utils import timezone

    from workbench.runtime import queue, recovery
    from workbench.stepfunctions.models import Timer

    start(_wait(1))
    broker.take(queue.FIRE_TIMER)  # lost
    Timer.objects.update(fire_at=timezone.now() - timedelta(seconds=5))
    recent = queue.RecentSends(window=60)
    assert recovery.recover_once(recent)
    assert broker.names() == [queue.FIRE_TIMER]
    assert recovery.recover_once(recent)
    assert recovery.recover_once(recent)
    assert broker.names() == [queue.FIRE_TIMER], "sent once within the window"
    recent.window = 0  # the window has passed: the message may have been lost again
    assert recovery.recover_once(recent)
    assert broker.names() == [queue.FIRE_TIMER, queue.FIRE_TIMER]
    # Sends outside a sweep are never held back.
    queue.fire_timer(1, "t", timezone.now())
    queue.fire_timer(1, "t", timezone.now())
    assert broker.names().count(queue.FIRE_TIMER) == 4
