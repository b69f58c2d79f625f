"""The Celery application that carries out executions and event deliveries.

Configured for crash safety (https://docs.celeryq.dev/en/stable/userguide/configuration.html
and the Redis transport's caveats): every task is idempotent (it re-reads the database and
a repeat changes nothing; an asynchronous Express run may run again, which is AWS's
at-least-once for asynchronous Express), so messages are acknowledged late and given back
when a worker dies; a worker reserves one message at a time; and the Redis
visibility timeout, after which a dead worker's unacknowledged messages are delivered again,
is two minutes instead of the default hour. No ETA message is sent for a timer further away
than runtime.commands.TIMER_HORIZON (one minute, below the visibility timeout), so no
far-off timer is ever redelivered early; the recovery sweep fires those from the database.

A task that meets a locked or lost database (SQLite's "database is locked", a PostgreSQL
connection that dropped) is retried with exponential back-off and jitter (``durable_task``),
since it re-reads everything it needs; the recovery sweep stays behind it for anything that
outlives the retries.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from celery import Celery, shared_task
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")

VISIBILITY_TIMEOUT_SECONDS = 120

app = Celery("workbench")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_transport_options={
        "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
        **(app.conf.broker_transport_options or {}),
    },
)


RETRIED_DATABASE_ERRORS = (OperationalError, InterfaceError)


_FUNCTIONS: dict[str, Callable[..., Any]] = {}
"""Each durable task's own function by name, for work run outside a worker (runtime.nearby)."""


def durable_task(name: str) -> Callable[[Callable[..., Any]], Any]:
    """A task registered by ``name`` that is retried, with back-off, when the database is
    locked or its connection is lost (1 s, 2 s, 4 s ... at most 30 s apart, 20 times)."""
    as_task = shared_task(
        name=name,
        autoretry_for=RETRIED_DATABASE_ERRORS,
        retry_backoff=1,
        retry_backoff_max=30,
        retry_jitter=True,
        max_retries=20,
    )

    def register(function: Callable[..., Any]) -> Any:
        _FUNCTIONS[name] = function
        return as_task(function)

    return register


def local_function(name: str) -> Callable[..., Any] | None:
    """The function of the durable task called ``name``, if its module is imported here."""
    return _FUNCTIONS.get(name)
