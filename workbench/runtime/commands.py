"""Carrying out the decider's commands: one interface, two implementations.

The durable executor (Standard executions) writes each command's durable half inside the
step's transaction (pending task, timer, Map Run rows, the execution's end) and carries out
the rest only after that transaction commits, through Celery, so nothing is done for a step
that was rolled back. The in-memory executor (Express executions, nothing persisted, as on
AWS: https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html) keeps
the same commands in memory. Each handles every Command with an exhaustive ``match`` that
mypy checks (``assert_never``), so a new Command cannot be forgotten by either.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import assert_never

from django.utils import timezone

from engine.states.model import (
    CancelTask,
    CancelTimer,
    ChildExecutionEnded,
    Command,
    EndMapRun,
    FinishExecution,
    Happening,
    InvokeTask,
    RedriveChildExecution,
    RedriveMapRun,
    StartChildExecution,
    StartMapRun,
    StartTimer,
    TaskFailed,
    TaskSucceeded,
)
from workbench.core.jsonio import dumps
from workbench.core.rows import delete_where, upsert
from workbench.runtime import activity_arrivals, clock, integrations, map_runs, queue
from workbench.runtime.children import START_EXECUTION, SYNC_PATTERNS
from workbench.stepfunctions.models import Execution, PendingTask, Timer

PENDING_TASK_FIELDS = [
    "state_name",
    "resource",
    "payload",
    "token",
    "wait_for_token",
    "attempt",
    "created",
    "started",
    "worker_name",
]
TIMER_HORIZON = timedelta(seconds=60)
"""Timers due within this get an ETA message; later ones are fired by the recovery sweep, so
no worker holds a far-off ETA message that the broker would redeliver (see workbench.celery)."""


def pending_task(execution: Execution, command: InvokeTask) -> PendingTask:
    """The pending task row an InvokeTask stands for (not saved)."""
    return PendingTask(
        execution=execution,
        task_id=command.task_id,
        state_name=command.state_name,
        resource=command.resource,
        payload=command.payload,
        token=command.task_token,
        wait_for_token=command.wait_for_token,
        attempt=command.retry_count + 1,
        created=timezone.now(),
    )


class CommandExecutor(ABC):
    """Carries out what one decider step asked for."""

    def handle_all(self, commands: Iterable[Command]) -> None:
        for command in commands:
            self.handle(command)

    @abstractmethod
    def handle(self, command: Command) -> None: ...


class DurableExecutor(CommandExecutor):
    """For a stored execution: ``handle`` runs inside the step's transaction; ``carry_out``
    runs once it has committed.

    The decider ends an execution only after a CancelTask or CancelTimer for every task and
    timer it still had (engine ``Run.finish``), so FinishExecution has nothing left to clear,
    and a Task execution's last step was three statements shorter for not looking. Only an
    end the decider did not make (``clear_all_on_finish``: it failed, and the shell ends the
    execution itself) clears every pending task and timer row of the execution."""

    def __init__(self, execution: Execution) -> None:
        self.execution = execution
        self._after_commit: list[Callable[[], None]] = []
        self._clear_all = False
        self._made_here: set[str] = set()

    def made_here(self, task_id: str) -> None:
        """The task's call was made in the step's own transaction (``stepper.apply_answer``):
        nothing is owed for it after commit."""
        self._made_here.add(task_id)

    def clear_all_on_finish(self) -> None:
        """The coming FinishExecution clears every pending task and timer row, and stops the
        children the waiting tasks started (states:startExecution)."""
        self._clear_all = True

    def carry_out(self) -> None:
        for action in self._after_commit:
            action()

    def _then(self, action: Callable[[], None]) -> None:
        self._after_commit.append(action)

    def handle(self, command: Command) -> None:
        execution = self.execution
        match command:
            case InvokeTask():
                # One upsert statement (a retried task's row is replaced), no SELECT first.
                upsert(pending_task(execution, command), ["execution", "task_id"], PENDING_TASK_FIELDS)
                task_id, attempt = command.task_id, command.retry_count + 1
                # A call that stays in the workbench is quick: this process makes it (runtime.nearby).
                nearby: queue.Nearby | None = (
                    None if integrations.leaves_the_workbench(command.resource) else "now"
                )
                self._then(partial(self._invoke, task_id, attempt, nearby))
                if activity_arrivals.is_activity(command.resource):
                    self._then(activity_arrivals.scheduled)  # wake this process's GetActivityTask polls
            case StartTimer():
                # The fire time is the workspace's (virtual) time; the ETA message is real.
                eta = clock.eta(execution.state_machine.workspace, command.fire_at)
                armed = clock.within(TIMER_HORIZON, eta)
                timer = Timer(
                    execution=execution, timer_id=command.timer_id, fire_at=command.fire_at, armed=armed
                )
                upsert(timer, ["execution", "timer_id"], ["fire_at", "armed"])
                if armed and eta is not None:
                    timer_id, real_eta = command.timer_id, eta
                    self._then(lambda: queue.fire_timer(execution.id, timer_id, real_eta))
            case CancelTimer():
                delete_where(Timer, execution_id=execution.id, timer_id=command.timer_id)
            case CancelTask():
                cancelled = PendingTask.objects.filter(execution=execution, task_id=command.task_id)
                if cancelled.filter(resource__startswith=START_EXECUTION).delete()[0]:
                    # The child this task waited for (states:startExecution) is stopped with it.
                    self._then(partial(queue.stop_children, execution.id, command.task_id))
                delete_where(PendingTask, execution_id=execution.id, task_id=command.task_id)
            case FinishExecution():
                execution.status = command.status
                execution.stop_date = clock.now(execution.state_machine.workspace)
                execution.output = dumps(command.output) if command.status == "SUCCEEDED" else None
                execution.error = command.error
                execution.cause = command.cause
                if self._clear_all:
                    # The children its waiting tasks started end with it (states:startExecution).
                    for waiting in execution.pending_tasks.filter(
                        resource__startswith=START_EXECUTION
                    ).values_list("task_id", flat=True):
                        self._then(partial(queue.stop_children, execution.id, waiting))
                    delete_where(PendingTask, execution_id=execution.id)
                    delete_where(Timer, execution_id=execution.id)
                if execution.map_run_id is not None or execution.parent_pattern in SYNC_PATTERNS:
                    self._then(lambda: queue.report_child_end(execution.id))
            case StartMapRun():
                map_runs.record_start(execution, command)
            case StartChildExecution():
                map_runs.record_child(execution, command)
                map_run_id, name = command.map_run_id, command.name
                self._then(lambda: queue.start_child_execution(map_run_id, name))
            case EndMapRun():
                map_runs.record_end(command, clock.now(execution.state_machine.workspace))
                if command.status != "SUCCEEDED":
                    ended_id = command.map_run_id
                    self._then(lambda: queue.stop_map_run_children(ended_id))
            case RedriveMapRun():
                map_runs.record_redrive(command)
            case RedriveChildExecution():
                if map_runs.mark_for_redrive(command):
                    redrive_id, index = command.map_run_id, command.index
                    self._then(lambda: queue.redrive_child_execution(redrive_id, index))
            case _:
                assert_never(command)

    def _invoke(self, task_id: str, attempt: int, nearby: queue.Nearby | None) -> None:
        if task_id not in self._made_here:
            queue.invoke_task(self.execution.id, task_id, attempt, nearby=nearby)


class InMemoryExecutor(CommandExecutor):
    """For an Express execution: the happenings the commands lead to are queued in memory.

    ``perform`` calls a task's resource now; ``run_child`` runs a Distributed Map child to its
    end. A cancelled task, timer or Map Run drops what it had queued.
    """

    def __init__(
        self,
        perform: Callable[[InvokeTask], Happening],
        run_child: Callable[[StartMapRun, StartChildExecution], Happening],
    ) -> None:
        self.perform = perform
        self.run_child = run_child
        self.happenings: list[Happening] = []
        self.timers: dict[str, datetime] = {}
        self.map_runs: dict[str, StartMapRun] = {}
        self.finished: FinishExecution | None = None

    def handle(self, command: Command) -> None:
        match command:
            case InvokeTask():
                self.happenings.append(self.perform(command))
            case StartTimer():
                self.timers[command.timer_id] = command.fire_at
            case CancelTimer():
                self.timers.pop(command.timer_id, None)
            case CancelTask():
                self.happenings = [
                    h
                    for h in self.happenings
                    if not (isinstance(h, TaskSucceeded | TaskFailed) and h.task_id == command.task_id)
                ]
            case FinishExecution():
                self.finished = command
            case StartMapRun():
                self.map_runs[command.map_run_id] = command
            case StartChildExecution():
                map_run = self.map_runs.get(command.map_run_id)
                if map_run is not None:
                    self.happenings.append(self.run_child(map_run, command))
            case RedriveMapRun() | RedriveChildExecution():
                pass  # only a Standard execution is redriven (API_RedriveExecution)
            case EndMapRun():
                self.map_runs.pop(command.map_run_id, None)
                self.happenings = [
                    h
                    for h in self.happenings
                    if not (isinstance(h, ChildExecutionEnded) and h.map_run_id == command.map_run_id)
                ]
            case _:
                assert_never(command)

    def next_timer(self) -> tuple[str, datetime] | None:
        if not self.timers:
            return None
        return min(self.timers.items(), key=lambda item: item[1])
