"""Drives the decider the way the shell does, with a fixed clock and counter-based tokens.

Every Decision's state goes through JSON and back before the next call, as the shell persists
it, so a test fails if the state blob is not plain JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.states.interpreter import advance
from engine.states.model import (
    CancelTask,
    CancelTimer,
    ChildExecutionEnded,
    Decision,
    EndMapRun,
    Environment,
    ExecutionContext,
    ExecutionStartRequested,
    FinishExecution,
    Happening,
    HistoryEvent,
    InvokeTask,
    RedriveRequested,
    StartChildExecution,
    StartMapRun,
    StartTimer,
    StopRequested,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
)

START = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/StepFunctionsRole"


def lambda_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


class Harness:
    """One execution: its state, every event so far, and what the shell still owes it."""

    def __init__(
        self,
        definition: dict[str, Any],
        *,
        machine_name: str = "OrderMachine",
        execution_name: str = "run-1",
        random: Callable[[], float] = lambda: 0.5,
    ) -> None:
        self.definition = definition
        self.now = START
        self._tokens = 0
        self._random = random
        self.state: dict[str, Any] | None = None
        self.history: list[HistoryEvent] = []
        self.commands: list[Any] = []
        self.tasks: dict[str, InvokeTask] = {}
        self.timers: dict[str, StartTimer] = {}
        self.cancelled_tasks: list[str] = []
        self.finished: list[FinishExecution] = []
        self.map_runs: dict[str, StartMapRun] = {}
        self.ended_runs: dict[str, EndMapRun] = {}
        self.children: list[StartChildExecution] = []
        """Child executions asked for and not yet reported back (see ``run_children``)."""
        self.child_harnesses: dict[str, Harness] = {}
        self.status = "RUNNING"
        self.context = ExecutionContext(
            execution_arn=f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{machine_name}:{execution_name}",
            execution_name=execution_name,
            state_machine_arn=f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{machine_name}",
            state_machine_name=machine_name,
            start_time=START,
            role_arn=ROLE_ARN,
        )

    def _new_token(self) -> str:
        self._tokens += 1
        return f"token-{self._tokens}"

    @property
    def env(self) -> Environment:
        return Environment(now=self.now, new_token=self._new_token, random=self._random)

    def send(self, happening: Happening) -> Decision:
        state = None if self.state is None else json.loads(json.dumps(self.state))
        decision = advance(self.definition, state, happening, self.env)
        self.state = json.loads(json.dumps(decision.state))
        self.status = decision.status
        self.history.extend(decision.history)
        self.commands.extend(decision.commands)
        for command in decision.commands:
            if isinstance(command, InvokeTask):
                self.tasks[command.task_id] = command
            elif isinstance(command, CancelTask):
                self.cancelled_tasks.append(command.task_id)
                self.tasks.pop(command.task_id, None)
            elif isinstance(command, StartTimer):
                self.timers[command.timer_id] = command
            elif isinstance(command, CancelTimer):
                self.timers.pop(command.timer_id, None)
            elif isinstance(command, FinishExecution):
                self.finished.append(command)
            elif isinstance(command, StartMapRun):
                self.map_runs[command.map_run_id] = command
            elif isinstance(command, StartChildExecution):
                self.children.append(command)
            elif isinstance(command, EndMapRun):
                self.ended_runs[command.map_run_id] = command
        return decision

    def run_children(
        self, outcome: Callable[[StartChildExecution], tuple[str, Any, str]] | None = None
    ) -> None:
        """Play the shell for a Distributed Map: run each child execution (its own Harness on the
        Map Run's definition) and report ChildExecutionEnded, until no child is pending.

        ``outcome`` may decide a child instead: (status, output or error, cause).
        """
        while self.children:
            child = self.children.pop(0)
            if child.map_run_id in self.ended_runs:
                continue  # the shell aborts the children of an ended run
            map_run = self.map_runs[child.map_run_id]
            arn = map_run.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{child.name}"
            if outcome is not None:
                status, value, cause = outcome(child)
            else:
                harness = Harness(map_run.definition, execution_name=child.name)
                harness.context = ExecutionContext(
                    execution_arn=arn,
                    execution_name=child.name,
                    state_machine_arn=map_run.state_machine_arn,
                    state_machine_name=map_run.state_machine_arn.rsplit(":", 1)[1],
                    start_time=self.now,
                    role_arn=ROLE_ARN,
                )
                harness.start(child.input)
                self.child_harnesses[child.name] = harness
                finished = harness.finished[-1]
                status = finished.status
                value = finished.output if status == "SUCCEEDED" else finished.error
                cause = finished.cause or ""
            succeeded = status == "SUCCEEDED"
            self.send(
                ChildExecutionEnded(
                    map_run_id=child.map_run_id,
                    index=child.index,
                    status=status,  # type: ignore[arg-type]
                    output=value if succeeded else None,
                    error=None if succeeded else value,
                    cause=None if succeeded else cause,
                    execution_arn=arn,
                    name=child.name,
                    start_date="2024-05-01T12:00:00.000Z",
                    stop_date="2024-05-01T12:00:01.000Z",
                )
            )

    # --- happenings -----------------------------------------------------------------------

    def start(self, value: Any) -> Decision:
        return self.send(ExecutionStartRequested(value, self.context))

    def task(self, state_name: str) -> InvokeTask:
        """The one pending task of ``state_name``."""
        found = [t for t in self.tasks.values() if t.state_name == state_name]
        assert len(found) == 1, (
            f"expected one pending task for {state_name}, have {list(self.tasks.values())}"
        )
        return found[0]

    def succeed(self, state_name: str, output: Any) -> Decision:
        task = self.task(state_name)
        del self.tasks[task.task_id]
        return self.send(TaskSucceeded(task.task_id, output))

    def fail(self, state_name: str, error: str, cause: str = "") -> Decision:
        task = self.task(state_name)
        del self.tasks[task.task_id]
        return self.send(TaskFailed(task.task_id, error, cause))

    def heartbeat(self, state_name: str) -> Decision:
        return self.send(TaskHeartbeat(self.task(state_name).task_id))

    def fire_next_timer(self) -> tuple[StartTimer, Decision]:
        """Move the clock to the earliest pending timer and fire it."""
        timer = min(self.timers.values(), key=lambda t: t.fire_at)
        del self.timers[timer.timer_id]
        self.now = max(self.now, timer.fire_at)
        return timer, self.send(TimerFired(timer.timer_id))

    def advance_clock(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def stop(self, error: str = "", cause: str = "") -> Decision:
        return self.send(StopRequested(error, cause))

    def redrive(self) -> Decision:
        return self.send(RedriveRequested())

    # --- reading the history ----------------------------------------------------------------

    def types(self) -> list[str]:
        return [event.type for event in self.history]

    def events(self, event_type: str) -> list[HistoryEvent]:
        return [event for event in self.history if event.type == event_type]

    def last(self) -> HistoryEvent:
        return self.history[-1]

    def output(self) -> Any:
        assert self.finished, "the execution has not finished"
        return self.finished[-1].output


def valid_machine(
    states: dict[str, Any], language: str = "JSONPath", start: str | None = None
) -> dict[str, Any]:
    """A definition the validator accepts, so every test runs legal ASL."""
    from engine.states.definition import validate

    definition = {"QueryLanguage": language, "StartAt": start or next(iter(states)), "States": states}
    problems = [d for d in validate(json.dumps(definition)) if d.severity == "ERROR"]
    assert not problems, problems
    return definition


def started(definition: dict[str, Any], value: Any) -> Harness:
    """A harness whose execution has started with ``value``."""
    harness = Harness(definition)
    harness.start(value)
    return harness
