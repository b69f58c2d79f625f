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
    Decision,
    Environment,
    ExecutionContext,
    ExecutionStartRequested,
    FinishExecution,
    Happening,
    HistoryEvent,
    InvokeTask,
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
        return decision

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
