"""Express executions run in memory: the same decider, driven in a loop in this thread.

Nothing is persisted (AWS keeps no history for Express either); task resources are
performed synchronously, Wait/back-off timers sleep, and a Distributed Map's children run one
after another in memory, all within Express's five-minute limit
(https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html).

An asynchronous start (StartExecution, a rule's target) is sent to a worker, except inside
``runs_here``: there a machine that ends without waiting (``ends_at_once``) runs at once on the
starting thread, in its transaction (a delivery batch: the run's own writes and its delivery's
record commit together).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from engine.states.inspection import ends_without_waiting
from engine.states.interpreter import advance
from engine.states.model import (
    ChildExecutionEnded,
    ExecutionContext,
    ExecutionStartRequested,
    Happening,
    InvokeTask,
    StartChildExecution,
    StartMapRun,
    TaskFailed,
    TaskSucceeded,
    TimerFired,
)
from workbench.accounts.models import Workspace
from workbench.runtime import activity_arrivals, clock, contexts, integrations, mocks
from workbench.runtime.commands import InMemoryExecutor
from workbench.runtime.express_results import ExpressResult
from workbench.runtime.stepper import environment

EXPRESS_LIMIT = timedelta(minutes=5)

_here = threading.local()
"""Whether this thread is inside ``runs_here``."""
_verdicts: dict[tuple[str, bool], bool] = {}
"""``ends_at_once`` (False) and ``touches_nothing`` (True) by definition text: a machine's
definition changes rarely, and every delivery batch to it asks (bounded by ``VERDICTS_KEPT``)."""
VERDICTS_KEPT = 1024


@contextmanager
def runs_here() -> Iterator[None]:
    """Within the block, this thread runs an asynchronous Express start that ends at once
    itself (``may_run_here``), instead of sending it to a worker.

    Issue 10's profile of PutEvents to Express targets (py-spy under ``bench/served.py``, both
    modes): the broker message each delivery batch sent for its runs, and the worker's pick-up
    of it, cost more CPU than the runs themselves."""
    outer = getattr(_here, "on", False)
    _here.on = True
    try:
        yield
    finally:
        _here.on = outer


def may_run_here(definition_text: str) -> bool:
    """Whether an asynchronous start of this definition runs on this thread now: inside
    ``runs_here`` and ending at once."""
    return bool(getattr(_here, "on", False)) and ends_at_once(definition_text)


def ends_at_once(definition_text: str) -> bool:
    """Whether every run of the definition ends without waiting: no Wait, Retry or Distributed
    Map, and only Tasks the workbench answers before their call returns
    (``integrations.answers_at_once``)."""
    return _verdict(definition_text, pure=False)


def touches_nothing(definition_text: str) -> bool:
    """Whether every run of the definition ends at once and has no effect outside itself: no
    Task at all, so it writes nothing (an Express run keeps no history; it reads only its
    workspace's clock). Such a run may be made before the transaction that records it, and
    again should that one not commit."""
    return _verdict(definition_text, pure=True)


def _verdict(definition_text: str, pure: bool) -> bool:
    key = (definition_text, pure)
    verdict = _verdicts.get(key)
    if verdict is None:
        verdict = ends_without_waiting(json.loads(definition_text), _no_task if pure else _answered_at_once)
        if len(_verdicts) >= VERDICTS_KEPT:
            _verdicts.clear()
        _verdicts[key] = verdict
    return verdict


def _no_task(resource: str) -> bool:
    return False


def _answered_at_once(resource: str) -> bool:
    return integrations.answers_at_once(resource, resource.endswith(integrations.WAIT_FOR_TOKEN))


def run(
    workspace: Workspace,
    definition: dict[str, Any],
    payload: Any,
    context: ExecutionContext,
    *,
    mock_case: Any = None,
) -> ExpressResult:
    """Drive one execution to its end and return how it ended; ``mock_case`` is the MockConfig
    test case it was started with (workbench.runtime.mocks), counted per state in memory."""
    deadline = context.start_time + EXPRESS_LIMIT
    invocations: dict[str, int] = {}
    # Until the run waits or calls out, its time is the clock the workspace was loaded with,
    # read at this moment: nothing can have moved it that this run must see. After that, the
    # clock's row is read again (``clock.current``), so an advance made meanwhile counts.
    outside = False

    def perform(command: InvokeTask) -> Happening:
        nonlocal outside
        outside = True
        return _perform(workspace, context, command, mock_case, invocations)

    def run_child(map_run: StartMapRun, command: StartChildExecution) -> Happening:
        nonlocal outside
        outside = True
        return _run_child(workspace, context, map_run, command, mock_case)

    def time_now() -> datetime:
        return clock.current(workspace) if outside else clock.now(workspace)

    executor = InMemoryExecutor(perform=perform, run_child=run_child)
    executor.happenings.append(ExecutionStartRequested(input=payload, context=context))
    state: dict[str, Any] | None = None
    while executor.happenings or executor.timers:
        if not executor.happenings:
            timer = executor.next_timer()
            assert timer is not None
            timer_id, fire_at = timer
            if fire_at > deadline:
                return _timed_out(context, workspace)
            clock.sleep_until(workspace, fire_at)  # the workspace's clock: virtual when on
            outside = True
            del executor.timers[timer_id]
            executor.happenings.append(TimerFired(timer_id=timer_id))
        # The run's first step happens at its start time, read a moment ago (``of_express``):
        # ExecutionStarted carries the execution's startDate, as on AWS.
        moment = context.start_time if state is None else None
        decision = advance(definition, state, executor.happenings.pop(0), environment(workspace, moment))
        state = decision.state
        executor.handle_all(decision.commands)
        finished = executor.finished
        if finished is not None:
            return ExpressResult(
                finished.status,
                context.start_time,
                time_now(),
                finished.output,
                finished.error,
                finished.cause,
            )
        if time_now() > deadline:
            return _timed_out(context, workspace)
    return _timed_out(context, workspace)


def _run_child(
    workspace: Workspace,
    parent: ExecutionContext,
    map_run: StartMapRun,
    command: StartChildExecution,
    mock_case: Any,
) -> Happening:
    """A Distributed Map's child, run in memory to its end like the Express parent itself."""
    context = contexts.of_express_child(
        map_run.state_machine_arn, command.name, parent.role_arn, clock.current(workspace)
    )
    ended = run(workspace, map_run.definition, command.input, context, mock_case=mock_case)
    return ChildExecutionEnded(
        map_run_id=command.map_run_id,
        index=command.index,
        status=ended.status,  # type: ignore[arg-type]
        output=ended.output,
        error=ended.error,
        cause=ended.cause,
        execution_arn=context.execution_arn,
        name=command.name,
        start_date=ended.started.isoformat(),
        stop_date=ended.stopped.isoformat(),
    )


def _perform(
    workspace: Workspace,
    context: ExecutionContext,
    command: InvokeTask,
    mock_case: Any,
    invocations: dict[str, int],
) -> Happening:
    if mocks.mocked_state(mock_case, command.state_name) is not None:
        index = invocations.get(command.state_name, 0)
        invocations[command.state_name] = index + 1
        mocked = mocks.answer(mock_case, command.state_name, index)
        if mocked.error is not None:
            return TaskFailed(command.task_id, mocked.error, mocked.cause)
        return TaskSucceeded(command.task_id, mocked.output, service_response=True)
    if activity_arrivals.is_activity(command.resource):
        return TaskFailed(command.task_id, "States.Runtime", "Express workflows do not support activities")
    if command.wait_for_token:
        return TaskFailed(
            command.task_id,
            "States.Runtime",
            "Express workflows do not support the .waitForTaskToken integration pattern",
        )
    if command.resource.endswith((".sync", ".sync:2")):  # any service's: Express runs none
        return TaskFailed(
            command.task_id,
            "States.Runtime",
            "Express workflows do not support the .sync integration pattern",
        )
    result = integrations.perform_command(
        workspace,
        command,
        caller=context.execution_arn,
        role_arn=context.role_arn,
        session_name=context.execution_name[:64],
        state_machine_name=context.state_machine_name,
    )
    if result.error is not None:
        return TaskFailed(command.task_id, result.error, result.cause)
    return TaskSucceeded(command.task_id, result.output)


def _timed_out(context: ExecutionContext, workspace: Workspace) -> ExpressResult:
    return ExpressResult(
        "TIMED_OUT",
        context.start_time,
        clock.current(workspace),
        error="States.Timeout",
        cause="The execution exceeded the five-minute limit of Express workflows",
    )
