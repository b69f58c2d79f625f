"""In-process helpers for the shell's tests: a broker that keeps what is sent to Celery, so a
test decides when (and how often) each message is delivered, and stored state machines and
executions made the way the API makes them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest

ROLE = "arn:aws:iam::123456789012:role/unit"
ECHO = "arn:aws:lambda:us-east-1:123456789012:function:echo"
TWO_CALLS = {  # two calls left pending while the broker fixture holds their messages
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": f"C{n}", "States": {f"C{n}": {"Type": "Task", "Resource": ECHO, "End": True}}}
                for n in (1, 2)
            ],
            "End": True,
        }
    },
}  # fmt: skip


@dataclass
class Broker:
    """Messages sent by name, in order; ``deliver`` runs them in this thread like a worker."""

    sent: list[tuple[str, tuple[Any, ...], datetime | None]] = field(default_factory=list)
    delivered: list[tuple[str, tuple[Any, ...], datetime | None]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _, _ in self.sent]

    def take(self, name: str | None = None) -> list[tuple[str, tuple[Any, ...], datetime | None]]:
        """Remove and return the messages called ``name`` (all when None)."""
        taken = [m for m in self.sent if name is None or m[0] == name]
        self.sent = [m for m in self.sent if m not in taken]
        return taken

    def deliver(self, message: tuple[str, tuple[Any, ...], datetime | None]) -> None:
        from workbench.celery import app
        from workbench.runtime import tasks  # noqa: F401 - registers the tasks by name

        name, args, _ = message
        self.delivered.append(message)
        app.tasks[name].run(*args)

    def drain(self, *, limit: int = 1000) -> None:
        """Deliver every message, and those they send; a timer is made due and fires at once."""
        from django.utils import timezone

        from workbench.runtime import queue
        from workbench.stepfunctions.models import Timer

        for _ in range(limit):
            if not self.sent:
                return
            message = self.sent.pop(0)
            if message[0] == queue.FIRE_TIMER:
                execution_id, timer_id = message[1][:2]
                due = Timer.objects.filter(execution_id=execution_id, timer_id=timer_id)
                due.update(fire_at=timezone.now())
            self.deliver(message)
        raise AssertionError(f"still sending after {limit} messages: {self.names()[:10]}")

    def drain_committed(self, capture: Any) -> None:
        """``drain`` with each round's commits run (pytest-django's
        ``django_capture_on_commit_callbacks``), until what they send is delivered too."""
        for _ in range(20):
            with capture(execute=True):
                self.drain()
            if not self.sent:
                return
        raise AssertionError(f"still sending: {self.names()}")


def machine(definition: dict[str, Any] | str, *, name: str = "m", type: str = "STANDARD") -> Any:
    """A state machine of the default workspace, created as CreateStateMachine does."""
    from workbench.accounts.services import default_workspace
    from workbench.stepfunctions import services

    text = definition if isinstance(definition, str) else json.dumps(definition)
    return services.create_state_machine(
        default_workspace(), name=name, definition=text, role_arn=ROLE, type=type
    )


def start(definition: dict[str, Any], *, name: str = "m", input_text: str = "{}") -> Any:
    """A Standard execution of a new machine, after its first step: the stored row."""
    from workbench.runtime import executions
    from workbench.stepfunctions.models import Execution

    started = executions.start_execution(machine(definition, name=name), input_text=input_text)
    assert started.execution is not None
    return Execution.objects.get(id=started.execution.id)


def claim_pending_task(execution: Any, *, for_: timedelta) -> Any:
    """Another worker's claim on the execution's pending task call, running for ``for_``."""
    from django.utils import timezone

    from workbench.stepfunctions.models import PendingTask, TaskInvocation

    task = PendingTask.objects.get(execution=execution)
    return TaskInvocation.objects.create(
        execution=execution, task_id=task.task_id, attempt=task.attempt, claimed_until=timezone.now() + for_
    )


@pytest.fixture
def no_grace() -> Iterator[None]:
    """Recovery sweeps take work of any age (a test has no message still on its way)."""
    from workbench.runtime import recovery

    with mock.patch.object(recovery, "GRACE", timedelta(0)):
        yield


@pytest.fixture
def own_sweeps(no_grace: None) -> None:
    """``no_grace``, and the test's own sweeps are the only ones: a live sweeper of the same
    database is held off (``hold_off_live_sweepers``). CI, distributed mode, 2026-12-04: the
    live worker's sweep found an Express child whose lease a test had just run out, and its
    worker took the run before the test's own message could."""
    hold_off_live_sweepers()


@contextmanager
def keeping_sends() -> Iterator[Broker]:
    """Within the block, every message sent to Celery (by name or a task's delay) is kept."""
    from workbench.celery import app

    kept = Broker()

    def keep(name: str, args: Any = (), kwargs: Any = None, eta: datetime | None = None, **_: Any) -> None:
        assert not kwargs, "tasks take positional JSON arguments"
        kept.sent.append((name, tuple(args or ()), eta))

    with mock.patch.object(app, "send_task", side_effect=keep):
        yield kept


@pytest.fixture
def broker() -> Iterator[Broker]:
    """Keeps every message sent to Celery, and leaves all work to it: no quick work is made by
    this process itself (runtime.nearby), so the test decides when each piece runs."""
    from workbench.runtime import nearby

    with keeping_sends() as kept, mock.patch.object(nearby, "offer", return_value=False):
        yield kept


def hold_off_live_sweepers() -> None:
    """Take the recovery lease from any live sweeper of the same database, and let a sweep it
    began before end.

    The session's served workbench (embedded mode) or live worker (distributed mode) sweeps the
    tests' database every 2 s under the "recovery" lease, and would fire, arm or resend a
    test's timers and rules behind its back. Its lease would only end after 10 s, so it is
    taken whoever holds it; a sweep already under way still runs to its end (CI, 2026-12-02:
    such a sweep armed a test's rule first; 2026-12-03: one fired a test's overdue timer), and
    a sweep of the test database takes a few milliseconds. A transactional test's flush
    deletes the lease again afterwards.
    """
    import time

    from django.utils import timezone

    from workbench.runtime import recovery
    from workbench.runtime.models import Lease

    Lease.objects.update_or_create(
        name=recovery.LEASE_NAME,
        defaults={"holder": "test-owns-the-sweep", "expires": timezone.now() + timedelta(minutes=10)},
    )
    time.sleep(0.5)
