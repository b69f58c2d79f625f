"""A task that meets a locked or lost database is retried with back-off, not dropped
(issue 9: "a step or delivery that meets a lock or a lost connection is retried with back-off
and never strands an execution")."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from workbench.celery import RETRIED_DATABASE_ERRORS
from workbench.runtime import deliveries, executions, tasks


def test_every_runtime_task_retries_database_errors_with_back_off() -> None:
    for task in (
        tasks.invoke_task,
        tasks.fire_timer,
        tasks.start_child_execution,
        tasks.report_child_end,
        tasks.stop_map_run_children,
        tasks.run_express_execution,
        tasks.replay_events,
        deliveries.deliver_events,
    ):
        assert task.autoretry_for == RETRIED_DATABASE_ERRORS, task.name
        assert task.retry_backoff and task.retry_jitter, task.name


def test_a_timer_that_meets_a_locked_database_fires_on_the_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, str]] = []

    def fire_timer(execution_id: int, timer_id: str) -> None:
        calls.append((execution_id, timer_id))
        if len(calls) == 1:
            raise OperationalError("database is locked")

    monkeypatch.setattr(executions, "fire_timer", fire_timer)
    result = tasks.fire_timer.apply(args=(7, "t-1"))  # eager: the retry runs at once
    assert result.successful()
    assert calls == [(7, "t-1"), (7, "t-1")]
