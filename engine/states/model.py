"""The vocabulary between the decider and the shell that performs its decisions.

The interpreter is a pure function: ``advance(definition, state, happening, env) -> Decision``.
A *happening* is something the outside world reports (a task returned, a timer fired);
a *command* is something the decider asks the outside world to do. Every value here is plain
data so the shell can persist ``Decision.state`` as JSON and replay happenings after a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

JSON = Any
"""Any value json.loads can return."""

ExecutionStatus = Literal["RUNNING", "SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"]


@dataclass(frozen=True)
class ExecutionContext:
    """What ``$$.Execution`` and ``$$.StateMachine`` show; fixed for the life of an execution."""

    execution_arn: str
    execution_name: str
    state_machine_arn: str
    state_machine_name: str
    start_time: datetime
    role_arn: str = ""
    redrive_count: int = 0
    version_arn: str = ""
    """The version an execution started through a version or alias ARN runs ("" otherwise)."""
    alias_arn: str = ""


@dataclass(frozen=True)
class Environment:
    """The injected clock and randomness: the engine never reads the wall clock itself."""

    now: datetime
    new_token: Callable[[], str]
    """Returns a fresh opaque string (task tokens, Map run ids); seeded in tests."""
    random: Callable[[], float] = field(default=lambda: 0.5)
    """Returns a float in [0, 1): used for FULL jitter and States.MathRandom."""
    activity_exists: Callable[[str], bool] = field(default=lambda arn: True)
    """Whether an activity ARN names an activity: a Task on a missing one fails with
    States.Runtime before anything is scheduled, as AWS records it."""


# --- happenings: what the shell reports -------------------------------------------------


@dataclass(frozen=True)
class ExecutionStartRequested:
    input: JSON
    context: ExecutionContext


@dataclass(frozen=True)
class TaskSucceeded:
    task_id: str
    output: JSON
    service_response: bool = False
    """The output already is the integration's whole API response (a mocked answer, as Step
    Functions Local returns a mock's Return as it is): lambda:invoke does not wrap it again."""


@dataclass(frozen=True)
class TaskFailed:
    task_id: str
    error: str
    cause: str = ""


@dataclass(frozen=True)
class TaskHeartbeat:
    """SendTaskHeartbeat for the task: restarts its HeartbeatSeconds window."""

    task_id: str


@dataclass(frozen=True)
class TaskStarted:
    """An activity worker took the task (GetActivityTask): ActivityStarted with its name."""

    task_id: str
    worker_name: str | None = None


@dataclass(frozen=True)
class TimerFired:
    timer_id: str


@dataclass(frozen=True)
class StopRequested:
    """StopExecution: the execution ends ABORTED."""

    error: str = ""
    cause: str = ""


@dataclass(frozen=True)
class ChildExecutionEnded:
    """A Distributed Map's child workflow execution ended (see StartChildExecution).

    The ARN, name and dates are the shell's: the parent's ResultWriter reports them.
    """

    map_run_id: str
    index: int
    status: ExecutionStatus
    output: JSON = None
    error: str | None = None
    cause: str | None = None
    execution_arn: str = ""
    name: str = ""
    start_date: str = ""
    stop_date: str = ""


@dataclass(frozen=True)
class MapRunUpdated:
    """UpdateMapRun: new limits for a running Map Run (None leaves a limit as it was)."""

    map_run_id: str
    max_concurrency: int | None = None
    tolerated_failure_count: int | None = None
    tolerated_failure_percentage: float | None = None


Happening = (
    ExecutionStartRequested
    | TaskSucceeded
    | TaskFailed
    | TaskHeartbeat
    | TaskStarted
    | TimerFired
    | StopRequested
    | ChildExecutionEnded
    | MapRunUpdated
)


# --- commands: what the decider asks the shell to do -------------------------------------


@dataclass(frozen=True)
class InvokeTask:
    """Call ``resource`` with ``payload``; report TaskSucceeded/TaskFailed with ``task_id``.

    With ``wait_for_token`` the call's own result is not the task's result: the task ends
    only when SendTaskSuccess/SendTaskFailure arrives for ``task_token``.
    """

    task_id: str
    resource: str
    payload: JSON
    state_name: str
    task_token: str | None = None
    wait_for_token: bool = False
    timeout_seconds: float | None = None
    heartbeat_seconds: float | None = None
    retry_count: int = 0
    """$$.State.RetryCount of this attempt: mocks answer per attempt, the log shows it."""


@dataclass(frozen=True)
class StartTimer:
    """Report TimerFired(timer_id) at ``fire_at`` (Wait states, retry back-off, timeouts)."""

    timer_id: str
    fire_at: datetime


@dataclass(frozen=True)
class CancelTimer:
    """The timer is no longer wanted; firing it anyway is harmless (the decider ignores it)."""

    timer_id: str


@dataclass(frozen=True)
class CancelTask:
    """A task the execution no longer waits for (stop, a failed Parallel sibling)."""

    task_id: str


@dataclass(frozen=True)
class FinishExecution:
    status: ExecutionStatus
    output: JSON = None
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True)
class StartMapRun:
    """A Distributed Map begins a Map Run: the shell records it for DescribeMapRun/ListMapRuns."""

    map_run_id: str
    map_run_arn: str
    state_name: str
    state_machine_arn: str
    """The child workflows' state machine: ``stateMachine:<parent name>/<label>``."""
    definition: dict[str, JSON]
    """The ItemProcessor as a standalone definition, for every child execution."""
    execution_type: str
    item_count: int
    max_concurrency: int
    tolerated_failure_count: int
    tolerated_failure_percentage: float


@dataclass(frozen=True)
class StartChildExecution:
    """Start item ``index`` of a Map Run as a child execution; report ChildExecutionEnded."""

    map_run_id: str
    index: int
    name: str
    input: JSON


@dataclass(frozen=True)
class EndMapRun:
    """The Map Run is over: abort children still running and record its status."""

    map_run_id: str
    status: Literal["SUCCEEDED", "FAILED", "ABORTED"]
    error: str | None = None
    cause: str | None = None


Command = (
    InvokeTask
    | StartTimer
    | CancelTimer
    | CancelTask
    | FinishExecution
    | StartMapRun
    | StartChildExecution
    | EndMapRun
)


@dataclass(frozen=True)
class HistoryEvent:
    """One event of GetExecutionHistory, in AWS's shape.

    ``details_key`` is AWS's member name for the details (``executionStartedEventDetails``,
    ``stateEnteredEventDetails``, ...); ``details`` its value, or None for events without one.
    """

    id: int
    previous_event_id: int
    type: str
    timestamp: datetime
    details_key: str | None = None
    details: dict[str, JSON] | None = None

    def to_aws(self) -> dict[str, JSON]:
        """The event as GetExecutionHistory returns it (timestamp left as a datetime)."""
        shaped: dict[str, JSON] = {
            "timestamp": self.timestamp,
            "type": self.type,
            "id": self.id,
            "previousEventId": self.previous_event_id,
        }
        if self.details_key is not None:
            shaped[self.details_key] = self.details or {}
        return shaped


@dataclass(frozen=True)
class Decision:
    """What one call of the decider produced.

    ``state`` is JSON-serialisable and opaque to the shell: persist it as it is and hand it
    back on the next call. ``status`` mirrors the execution status for the shell's queries.
    """

    state: dict[str, JSON]
    commands: list[Command]
    history: list[HistoryEvent]
    status: ExecutionStatus
