"""Running the state under test once, as an execution would, with its work mocked or performed.

"Testing state machines with TestState API" (test-state-isolation): a Task's result is the
``mock`` or the real call (the shell's ``perform`` callback, so this module stays pure); a Wait
state does not wait; a Map or Parallel needs a mock, which replaces its iterations or branches
("without executing the iterations inside"), while its own input and output processing runs.
``stateConfiguration`` picks the retry attempt, the failed Map iterations and what an ItemReader
read (API_TestStateConfiguration).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.states import errors
from engine.states.errors import StatesError
from engine.states.handlers import map_state, parallel_state, registry, task_state
from engine.states.handlers.choice_wait import finish_wait
from engine.states.handlers.codes import BLOCKED
from engine.states.handlers.compiled import CompiledState
from engine.states.handlers.records import Thread, live_threads
from engine.states.handlers.run import Run
from engine.states.history import lambda_invoke_envelope
from engine.states.model import JSON, InvokeTask
from engine.states.teststate.inspector import Held, Inspector
from engine.states.teststate.maps import map_stages, map_view, release
from engine.states.teststate.request import Configuration, Mock, Refused

__all__ = ["Perform", "Performed", "execute"]

TOLERATED_FAILURE_CAUSE = "The specified tolerated failure threshold was exceeded"
_CHILD_WAITS = ("map", "maprun", "reader", "writer", "parallel")
"""What a Map or Parallel waits for when its children would run: a mock replaces all of it."""


@dataclass(frozen=True)
class Performed:
    """What calling a Task's resource gave: its own result, or an error."""

    output: JSON = None
    error: str | None = None
    cause: str = ""


Perform = Callable[[InvokeTask], Performed]
"""Carries out a Task's InvokeTask for real (the shell's side of an unmocked Task)."""


def execute(
    run: Run,
    inspector: Inspector,
    thread: Thread,
    state: CompiledState,
    mocked: Mock | None,
    perform: Perform | None,
    config: Configuration,
) -> None:
    """Enter the state and carry it to its end: exited, retrying or failed."""
    mocked_children = mocked is not None and state.type in ("Map", "Parallel")
    inspector.holding = mocked_children
    held = False
    try:
        code = registry.ENTER[state.type](run, thread, state)
    except Held:
        code, held = BLOCKED, True
    except StatesError as failure:
        inspector.holding = False
        code = run.handle_error(thread, state, failure.error, failure.cause)
    inspector.holding = False
    waiting = thread.get("w")
    if held:
        # An empty Map left with its own (empty) result before the mock replaced it.
        for stage in ("result", "afterResultSelector", "afterResultPath"):
            inspector.watched.stages.pop(stage, None)
    if mocked is not None and (held or (mocked_children and waiting and waiting.get("k") in _CHILD_WAITS)):
        if state.type == "Map":
            _finish_mocked_map(run, inspector, thread, state, mocked, config)
        else:
            _finish_mocked_parallel(run, inspector, thread, state, mocked)
        return
    if code != BLOCKED or not waiting or run.finished:
        return
    kind = waiting.get("k")
    if kind == "wait":
        # TestState answers at once: a Wait state's timer is not waited for.
        for timer_id in list(waiting.get("timers", ())):
            run.cancel_timer(timer_id)
        run.settle(thread, finish_wait)
    elif kind == "task":
        _finish_task(run, inspector, thread, state, mocked, perform)


def _finish_task(
    run: Run,
    inspector: Inspector,
    thread: Thread,
    state: CompiledState,
    mocked: Mock | None,
    perform: Perform | None,
) -> None:
    command = next(c for c in run.commands if isinstance(c, InvokeTask))
    inspector.watched.stages["afterArguments" if state.jsonata else "afterParameters"] = command.payload
    if mocked is not None:
        if mocked.has_result:
            _settle_success(run, inspector, thread, mocked.result)
        else:
            _settle_failure(run, thread, mocked.error or "", mocked.cause)
        return
    if perform is None:
        raise Refused(
            "ValidationException",
            f"The Task state '{state.name}' needs a mock: nothing can call its resource.",
        )
    performed = perform(command)
    if performed.error is not None:
        _settle_failure(run, thread, performed.error, performed.cause)
        return
    info = state.resource
    result = performed.output
    if info is not None and info.is_lambda_invoke:
        result = lambda_invoke_envelope(result, thread["id"])
    _settle_success(run, inspector, thread, result)


def _settle_success(run: Run, inspector: Inspector, thread: Thread, result: JSON) -> None:
    inspector.watched.stages.setdefault("result", result)
    run.settle(
        thread,
        lambda run, thread, state: task_state.task_succeeded(
            run, thread, state, result, service_response=True
        ),
    )


def _settle_failure(run: Run, thread: Thread, error: str, cause: str) -> None:
    run.settle(thread, lambda run, thread, state: task_state.task_failed(run, thread, state, error, cause))


def _finish_mocked_map(
    run: Run, inspector: Inspector, thread: Thread, state: CompiledState, mocked: Mock, config: Configuration
) -> None:
    """A Map whose result is mocked: its items are read and shaped, its iterations never run."""
    waiting = release(run, thread)

    def step(run: Run, thread: Thread, _: CompiledState) -> int:
        view = map_view(run, thread, state, waiting, config.map_item_reader_data)
        inspector.watched.stages.update(map_stages(run, thread, state, view))
        failures = config.map_iteration_failure_count
        if failures is not None and failures > len(view.items):
            raise Refused(
                "ValidationException",
                f"stateConfiguration.mapIterationFailureCount ({failures}) cannot exceed the number of "
                f"items in the input ({len(view.items)}).",
            )
        if not mocked.has_result:
            return run.handle_error(thread, state, mocked.error or "", mocked.cause)
        if _tolerance_exceeded(failures, view.tolerated_count, view.tolerated_percent, view.iterations):
            return run.handle_error(
                thread, state, errors.EXCEED_TOLERATED_FAILURE_THRESHOLD, TOLERATED_FAILURE_CAUSE
            )
        return map_state.complete(run, thread, state, mocked.result)

    run.settle(thread, step)


def _finish_mocked_parallel(
    run: Run, inspector: Inspector, thread: Thread, state: CompiledState, mocked: Mock
) -> None:
    """A Parallel whose result is mocked: its branches never run."""
    waiting = thread["w"]
    live = live_threads(waiting) if waiting is not None and "live" in waiting else []
    branch = run.threads.get(live[0]) if live else None
    if state.jsonata and state.has_arguments and branch is not None:
        inspector.watched.stages["afterArguments"] = branch["in"]
    release(run, thread)
    if not mocked.has_result:
        error, cause = mocked.error or "", mocked.cause
        run.settle(thread, lambda run, thread, state: run.handle_error(thread, state, error, cause))
        return
    result = mocked.result
    inspector.watched.stages.setdefault("result", result)
    run.settle(thread, lambda run, thread, state: parallel_state.complete(run, thread, state, result))


def _tolerance_exceeded(failures: int | None, count: int | None, percent: float | None, total: int) -> bool:
    """stateConfiguration.mapIterationFailureCount against the Map's tolerated failures; a Map
    that tolerates nothing explicitly is not failed by it (AWS's answer for a Map without
    ToleratedFailureCount: SUCCEEDED, test_state_configuration.snapshot.json)."""
    if not failures:
        return False
    if count is not None and failures > count:
        return True
    return percent is not None and total > 0 and failures * 100 / total > percent
