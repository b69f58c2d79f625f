"""Celery tasks: each one loads what it needs, acts, and commits through the stepper."""

from __future__ import annotations

import json
from dataclasses import replace

from celery import shared_task
from django.utils import timezone

from engine.states.model import TaskFailed, TaskSucceeded, TimerFired
from workbench.runtime import express, integrations, map_runs
from workbench.runtime.stepper import apply_happening
from workbench.stepfunctions.models import Execution, PendingTask, StateMachine, Timer


@shared_task(name="stepbridge.invoke_task")
def invoke_task(execution_id: int, task_id: str) -> None:
    """Perform a Task state's resource and report how it ended."""
    task = (
        PendingTask.objects.filter(execution_id=execution_id, task_id=task_id)
        .select_related("execution__state_machine__workspace")
        .first()
    )
    if task is None or task.execution.status != Execution.RUNNING:
        return
    result = integrations.perform(
        task.execution.state_machine.workspace,
        resource=task.resource,
        payload=task.payload,
        caller=f"{task.execution.arn}#{task.state_name}",
        attempt=task.attempt,
        wait_for_token=task.wait_for_token,
        role_arn=task.execution.state_machine.role_arn,
        session_name=task.execution.name[:64],
    )
    if not result.done:
        return
    if result.error is not None:
        apply_happening(execution_id, TaskFailed(task_id=task_id, error=result.error, cause=result.cause))
    else:
        apply_happening(execution_id, TaskSucceeded(task_id=task_id, output=result.output))


@shared_task(name="stepbridge.fire_timer")
def fire_timer(execution_id: int, timer_id: str) -> None:
    """Fire a durable timer; an early or stale delivery re-arms or does nothing."""
    timer = Timer.objects.filter(execution_id=execution_id, timer_id=timer_id).first()
    if timer is None:
        return
    if timer.fire_at > timezone.now():
        fire_timer.apply_async((execution_id, timer_id), eta=timer.fire_at)
        return
    apply_happening(execution_id, TimerFired(timer_id=timer_id))


def recover() -> None:
    """Re-enqueue what a crash or restart may have dropped: unfired timers and pending calls.

    Safe to run any time: every task re-checks the database before acting.
    """
    for execution_id, timer_id, fire_at in Timer.objects.filter(
        execution__status=Execution.RUNNING
    ).values_list("execution_id", "timer_id", "fire_at"):
        fire_timer.apply_async((execution_id, timer_id), eta=fire_at)
    for execution_id, task_id in PendingTask.objects.filter(
        execution__status=Execution.RUNNING, wait_for_token=False
    ).values_list("execution_id", "task_id"):
        invoke_task.delay(execution_id, task_id)
    map_runs.recover()


@shared_task(name="stepbridge.start_child_execution")
def start_child_execution(map_run_id: str, name: str) -> None:
    """A Distributed Map's child execution takes its first step."""
    map_runs.start_child(map_run_id, name)


@shared_task(name="stepbridge.report_child_end")
def report_child_end(child_id: int) -> None:
    """A child execution ended: its parent's Map Run counts it."""
    map_runs.report_end(child_id)


@shared_task(name="stepbridge.stop_map_run_children")
def stop_map_run_children(map_run_id: str) -> None:
    """A Map Run failed or was aborted: stop the children still running."""
    map_runs.stop_children(map_run_id)


@shared_task(name="stepbridge.run_express_execution")
def run_express_execution(machine_id: int, name: str, execution_arn: str, input_text: str) -> None:
    """An asynchronous Express execution: run in memory, nothing kept (as on AWS)."""
    machine = StateMachine.objects.filter(id=machine_id).select_related("workspace").first()
    if machine is None:
        return
    context = replace(express.express_context(machine, name), execution_arn=execution_arn)
    express.run(machine.workspace, json.loads(machine.definition), json.loads(input_text), context)
