"""Celery tasks: thin entry points, registered by name, into runtime.executions.

Nothing imports this module to enqueue (runtime.queue sends by name); a worker imports it
through CELERY_IMPORTS. Every task re-reads the database before acting, so a message delivered
twice or late (acks_late, redelivery after a worker died) changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from celery.signals import worker_init, worker_ready

from workbench.celery import durable_task
from workbench.runtime import executions, queue, recovery, routing, schedules
from workbench.stepfunctions import mocks


@durable_task(queue.INVOKE_TASK)
def invoke_task(execution_id: int, task_id: str, attempt: int | None = None) -> None:
    """Perform a Task state's resource once and report how it ended."""
    executions.invoke_task(execution_id, task_id, attempt)


@durable_task(queue.FIRE_TIMER)
def fire_timer(execution_id: int, timer_id: str) -> None:
    executions.fire_timer(execution_id, timer_id)


@durable_task(queue.START_CHILD_EXECUTION)
def start_child_execution(map_run_id: str, name: str) -> None:
    executions.start_child(map_run_id, name)


@durable_task(queue.REDRIVE_CHILD_EXECUTION)
def redrive_child_execution(map_run_id: str, index: int) -> None:
    executions.redrive_child(map_run_id, index)


@durable_task(queue.REPORT_CHILD_END)
def report_child_end(child_id: int) -> None:
    executions.report_child_end(child_id)


@durable_task(queue.STOP_MAP_RUN_CHILDREN)
def stop_map_run_children(map_run_id: str) -> None:
    executions.stop_map_run_children(map_run_id)


@durable_task(queue.START_NESTED_EXECUTION)
def start_nested_execution(child_id: int) -> None:
    executions.start_nested(child_id)


@durable_task(queue.STOP_CHILDREN)
def stop_children(parent_id: int, task_id: str) -> None:
    executions.stop_children(parent_id, task_id)


@durable_task(queue.RUN_EXPRESS_EXECUTION)
def run_express_execution(
    machine_id: int,
    name: str,
    execution_arn: str,
    input_text: str,
    mock_case: Any = None,
    version_number: int | None = None,
) -> None:
    executions.run_express(machine_id, name, execution_arn, input_text, mock_case, version_number)


@durable_task(queue.RUN_EXPRESS_EXECUTIONS)
def run_express_executions(runs: list[list[Any]]) -> None:
    """Asynchronous Express executions an earlier version sent as one message (a broker may
    still hold some after an upgrade; nothing sends it now: ``queue.express_runs_held``)."""
    executions.run_express_all(runs)


@durable_task(queue.RUN_EXPRESS_CHILD)
def run_express_child(row_id: int) -> None:
    executions.run_express_child(row_id)


@durable_task(queue.REPLAY_EVENTS)
def replay_events(replay_id: int) -> None:
    """Replay one batch of a replay's archived events."""
    routing.run_replay(replay_id)


@durable_task(queue.FIRE_RULE)
def fire_scheduled_rule(rule_id: int, due: str) -> None:
    """Fire a scheduled rule once (the timer's compare-and-set makes repeats do nothing)."""
    schedules.fire_rule(rule_id, datetime.fromisoformat(due))


@durable_task(queue.FIRE_SCHEDULE)
def fire_schedule(schedule_id: int, due: str) -> None:
    """Invoke a Scheduler schedule's target once per due time."""
    schedules.fire_schedule(schedule_id, datetime.fromisoformat(due))


@worker_ready.connect
def recover_when_ready(**_: object) -> None:
    """Every worker, once it takes messages, sweeps for lost work now and every few seconds."""
    recovery.start_sweeper()


@worker_init.connect
def load_mock_config(**_: object) -> None:
    """A worker reads the MockConfig file when it starts and refuses to start with a broken one
    (the same check as ``manage.py serve``), saying why."""
    try:
        mocks.check_file()
    except mocks.MockConfigError as exc:
        raise SystemExit(f"Stepbridge cannot start: the mock config is malformed: {exc.message}") from None
