"""In-process fixtures for the shell: a broker that keeps what runtime.queue sends, so a test
decides when (and how often) each message is delivered, as a worker would."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from unittest import mock

import pytest


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


@pytest.fixture
def no_grace() -> Iterator[None]:
    """Recovery sweeps take work of any age (a test has no message still on its way)."""
    from datetime import timedelta

    from workbench.runtime import recovery

    with mock.patch.object(recovery, "GRACE", timedelta(0)):
        yield


@pytest.fixture
def broker() -> Iterator[Broker]:
    """Keeps every message sent to Celery (by name or through a task's delay)."""
    from workbench.celery import app

    kept = Broker()

    def keep(name: str, args: Any = (), kwargs: Any = None, eta: datetime | None = None, **_: Any) -> None:
        assert not kwargs, "tasks take positional JSON arguments"
        kept.sent.append((name, tuple(args or ()), eta))

    with mock.patch.object(app, "send_task", side_effect=keep):
        yield kept
