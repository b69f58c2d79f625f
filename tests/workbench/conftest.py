"""In-process fixtures for the shell: a broker that keeps what runtime.queue sends, so a test
decides when (and how often) each message is delivered, as a worker would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from unittest import mock

import pytest

from tests.support.inprocess import Broker


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
