"""Choice (pick the next state) and Wait (a timer, then carry on)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from engine.states import errors
from engine.states.choice import ChoiceRuntimeError, evaluate_choice_rule
from engine.states.errors import StatesError
from engine.states.model import JSON
from engine.states.paths import PathNotFound, PathSyntaxError, compile_path
from engine.states.runtime.codes import BLOCKED
from engine.states.runtime.compiled import CompiledState

if TYPE_CHECKING:
    from engine.states.runtime.run import Run, Thread


def enter_choice(run: Run, thread: Thread, state: CompiledState) -> int:
    run.enter(thread, state)
    effective = run.effective_input(thread, state)
    scope = run.scope(thread, state, effective)

    def resolve(path_text: str) -> tuple[bool, JSON]:
        try:
            return True, scope.resolve(compile_path(path_text))
        except PathNotFound:
            return False, None
        except PathSyntaxError as problem:
            raise run.runtime_error(thread, state, str(problem)) from None

    try:
        chosen = next(
            (rule["Next"] for rule in state.raw.get("Choices", ()) if evaluate_choice_rule(rule, resolve)),
            None,
        )
    except ChoiceRuntimeError as problem:
        if problem.error == errors.RUNTIME:
            raise run.runtime_error(thread, state, problem.cause) from None
        raise StatesError(problem.error, problem.cause) from None
    if chosen is not None:
        return run.exit_state(thread, state, run.output_path(thread, state, effective), chosen)
    default = state.raw.get("Default")
    if default is not None:
        return run.exit_state(thread, state, run.output_path(thread, state, effective), default)
    raise StatesError(
        errors.NO_CHOICE_MATCHED,
        errors.runtime_cause(
            state.name, thread["ent"], "No Choice Rule matched the input and the state has no Default."
        ),
    )


def enter_wait(run: Run, thread: Thread, state: CompiledState) -> int:
    run.enter(thread, state)
    effective = run.effective_input(thread, state)
    fire_at = _fire_at(run, thread, state, effective)
    if fire_at <= run.now:
        return finish_wait(run, thread, state)
    timer_id = run.start_timer_at(thread, "wait", fire_at)
    thread["w"] = {"k": "wait", "timers": [timer_id]}
    return BLOCKED


def finish_wait(run: Run, thread: Thread, state: CompiledState) -> int:
    thread["w"] = None
    output = run.output_path(thread, state, run.effective_input(thread, state))
    return run.exit_state(thread, state, output)


def _fire_at(run: Run, thread: Thread, state: CompiledState, effective: JSON) -> datetime:
    spec = state.raw
    if "Seconds" in spec:
        return run.now + timedelta(seconds=spec["Seconds"])
    if "Timestamp" in spec:
        return _parse_timestamp(run, thread, state, spec["Timestamp"], "Timestamp")
    if "SecondsPath" in spec:
        path = compile_path(spec["SecondsPath"])
        seconds = run.resolve(thread, state, path, effective, "SecondsPath")
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
            raise run.runtime_error(
                thread,
                state,
                f"The SecondsPath parameter does not reference a valid non-negative integer: "
                f"'{spec['SecondsPath']}' is {seconds!r}",
            )
        return run.now + timedelta(seconds=seconds)
    path = compile_path(spec["TimestampPath"])
    value = run.resolve(thread, state, path, effective, "TimestampPath")
    return _parse_timestamp(run, thread, state, value, "TimestampPath")


def _parse_timestamp(run: Run, thread: Thread, state: CompiledState, value: JSON, field: str) -> datetime:
    """An RFC 3339 timestamp with ``Z`` or an offset, as the Wait state page requires."""
    moment: datetime | None = None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        raise run.runtime_error(
            thread,
            state,
            f"The {field} parameter does not reference a valid ISO-8601 extended offset date-time format "
            f"string: {value!r}",
        )
    if run.now.tzinfo is None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment
