"""Express executions run in memory: the same decider, driven in a loop in this thread.

Nothing is persisted (AWS keeps no history for Express either); task resources are
performed synchronously, Wait/back-off timers sleep, and a Distributed Map's children run one
after another in memory, all within Express's five-minute limit.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from engine.states.interpreter import advance
from engine.states.model import (
    ChildExecutionEnded,
    Decision,
    ExecutionContext,
    ExecutionStartRequested,
    FinishExecution,
    Happening,
    InvokeTask,
    StartChildExecution,
    StartMapRun,
    StartTimer,
    TaskFailed,
    TaskSucceeded,
    TimerFired,
)
from workbench.accounts.models import Workspace
from workbench.core.arns import express_execution_arn, map_run_child_arn, state_machine_name
from workbench.runtime import integrations
from workbench.runtime.stepper import environment
from workbench.stepfunctions.models import StateMachine

EXPRESS_LIMIT = timedelta(minutes=5)


@dataclass(frozen=True)
class ExpressResult:
    status: str
    started: datetime
    stopped: datetime
    output: Any = None
    error: str | None = None
    cause: str | None = None


def express_context(machine: StateMachine, name: str) -> ExecutionContext:
    """The context of a new Express execution; its ARN is unique per run, as on AWS."""
    workspace = machine.workspace
    arn = express_execution_arn(workspace.region, workspace.account_id, machine.name, name)
    return ExecutionContext(
        execution_arn=f"{arn}:{uuid.uuid4()}",
        execution_name=name,
        state_machine_arn=machine.arn,
        state_machine_name=machine.name,
        start_time=timezone.now(),
        role_arn=machine.role_arn,
    )


def run(
    workspace: Workspace, definition: dict[str, Any], payload: Any, context: ExecutionContext
) -> ExpressResult:
    """Drive one execution to its end and return how it ended."""
    deadline = context.start_time + EXPRESS_LIMIT
    queue: list[Happening] = [ExecutionStartRequested(input=payload, context=context)]
    timers: dict[str, datetime] = {}
    map_runs: dict[str, StartMapRun] = {}
    state: dict[str, Any] | None = None
    while queue or timers:
        if not queue:
            timer_id, fire_at = min(timers.items(), key=lambda item: item[1])
            if fire_at > deadline:
                return _timed_out(context)
            time.sleep(max(0.0, (fire_at - timezone.now()).total_seconds()))
            del timers[timer_id]
            queue.append(TimerFired(timer_id=timer_id))
        decision: Decision = advance(definition, state, queue.pop(0), environment())
        state = decision.state
        for command in decision.commands:
            if isinstance(command, FinishExecution):
                return ExpressResult(
                    command.status,
                    context.start_time,
                    timezone.now(),
                    command.output,
                    command.error,
                    command.cause,
                )
            if isinstance(command, StartTimer):
                timers[command.timer_id] = command.fire_at
            elif isinstance(command, InvokeTask):
                queue.append(_perform(workspace, context, command))
            elif isinstance(command, StartMapRun):
                map_runs[command.map_run_id] = command
            elif isinstance(command, StartChildExecution):
                queue.append(_run_child(workspace, map_runs[command.map_run_id], command))
        if timezone.now() > deadline:
            return _timed_out(context)
    return _timed_out(context)


def _run_child(workspace: Workspace, map_run: StartMapRun, command: StartChildExecution) -> Happening:
    """A Distributed Map's child, run in memory to its end like the Express parent itself."""
    machine_arn = map_run.state_machine_arn
    arn = map_run_child_arn(machine_arn, command.name, express=True)
    context = ExecutionContext(
        execution_arn=arn,
        execution_name=command.name,
        state_machine_arn=machine_arn,
        state_machine_name=state_machine_name(machine_arn),
        start_time=timezone.now(),
    )
    ended = run(workspace, map_run.definition, command.input, context)
    return ChildExecutionEnded(
        map_run_id=command.map_run_id,
        index=command.index,
        status=ended.status,  # type: ignore[arg-type]
        output=ended.output,
        error=ended.error,
        cause=ended.cause,
        execution_arn=arn,
        name=command.name,
        start_date=ended.started.isoformat(),
        stop_date=ended.stopped.isoformat(),
    )


def _perform(workspace: Workspace, context: ExecutionContext, command: InvokeTask) -> Happening:
    if command.wait_for_token:
        return TaskFailed(
            command.task_id,
            "States.Runtime",
            "Express workflows do not support the .waitForTaskToken integration pattern",
        )
    result = integrations.perform_command(
        workspace,
        command,
        caller=context.execution_arn,
        role_arn=context.role_arn,
        session_name=context.execution_name[:64],
    )
    if result.error is not None:
        return TaskFailed(command.task_id, result.error, result.cause)
    return TaskSucceeded(command.task_id, result.output)


def _timed_out(context: ExecutionContext) -> ExpressResult:
    return ExpressResult(
        "TIMED_OUT",
        context.start_time,
        timezone.now(),
        error="States.Timeout",
        cause="The execution exceeded the five-minute limit of Express workflows",
    )
