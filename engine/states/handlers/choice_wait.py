"""Choice (pick the next state) and Wait (a timer, then carry on).

A matching Choice Rule brings its own Assign (and, in JSONata, its own Output); the state's
top-level Assign and Output apply when no rule matches and the Default is taken. JSONata rules
test ``Condition`` (an expression, or a literal boolean) instead of Variable + operator.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from engine.states import errors
from engine.states.choice import ChoiceRuntimeError, Resolver, evaluate_choice_rule
from engine.states.errors import StatesError
from engine.states.handlers import query
from engine.states.handlers.codes import BLOCKED
from engine.states.handlers.compiled import ChoiceRule, CompiledState
from engine.states.model import JSON
from engine.states.paths import PathNotFound, PathSyntaxError, compile_path

if TYPE_CHECKING:
    from engine.states.handlers.run import Run, Thread


def enter_choice(run: Run, thread: Thread, state: CompiledState) -> int:
    run.enter(thread, state)
    if state.jsonata:
        return _choose_jsonata(run, thread, state)
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
        chosen = _first_match(state, resolve)
    except ChoiceRuntimeError as problem:
        if problem.error == errors.RUNTIME:
            raise run.runtime_error(thread, state, problem.cause) from None
        raise StatesError(problem.error, problem.cause) from None
    if chosen is not None:
        next_name, assign = chosen.next, chosen.assign_renderer
    else:
        next_name, assign = _default(thread, state), state.assign_renderer
    assigned = None if assign is None else query.jsonpath_assignments(run, thread, state, assign, effective)
    return run.exit_state(thread, state, run.output_path(thread, state, effective), next_name, assigned)


def _first_match(state: CompiledState, resolve: Resolver) -> ChoiceRule | None:
    """The first Choice Rule that matches, or None (rules after it are not evaluated)."""
    for rule in state.choice_rules:
        if evaluate_choice_rule(rule.spec, resolve):
            return rule
    return None


def _default(thread: Thread, state: CompiledState) -> str:
    default = state.default
    if default is None:
        raise StatesError(
            errors.NO_CHOICE_MATCHED,
            errors.runtime_cause(
                state.name, thread["ent"], "No Choice Rule matched the input and the state has no Default."
            ),
        )
    return str(default)


def _choose_jsonata(run: Run, thread: Thread, state: CompiledState) -> int:
    values = query.bindings(run, thread, state)
    for rule in state.choice_rules:
        if _condition_holds(run, thread, state, rule, values):
            assigned = query.jsonata_assignments(run, thread, state, rule.assign, values)
            output = (
                query.render(run, thread, state, rule.output, "Output", values)
                if rule.has_output
                else thread["in"]
            )
            return run.exit_state(thread, state, output, rule.next, assigned)
    return query.conclude(run, thread, state, thread["in"], next_name=_default(thread, state))


def _condition_holds(
    run: Run, thread: Thread, state: CompiledState, rule: ChoiceRule, values: dict[str, JSON]
) -> bool:
    value = query.render(run, thread, state, rule.condition, "Condition", values)
    if not isinstance(value, bool):
        raise query.wrong_type(thread, state, "Condition", rule.condition, value, "a boolean")
    return value


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
    if state.jsonata:
        return query.conclude(run, thread, state, thread["in"])
    effective = run.effective_input(thread, state)
    assigned = query.jsonpath_assignments(run, thread, state, state.assign_renderer, effective)
    return run.exit_state(thread, state, run.output_path(thread, state, effective), None, assigned)


def _fire_at(run: Run, thread: Thread, state: CompiledState, effective: JSON) -> datetime:
    spec = state.raw
    if state.jsonata:
        return _jsonata_fire_at(run, thread, state)
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


def _jsonata_fire_at(run: Run, thread: Thread, state: CompiledState) -> datetime:
    """Seconds / Timestamp of a JSONata Wait: literals or ``{% %}`` expressions."""
    spec = state.raw
    if "Seconds" in spec:
        return run.now + timedelta(
            seconds=query.whole_number(run, thread, state, "Seconds", spec["Seconds"], 0)
        )
    written = spec["Timestamp"]
    value = query.render(run, thread, state, written, "Timestamp", query.bindings(run, thread, state))
    moment = _timestamp(value)
    if moment is None:
        raise query.wrong_type(
            thread, state, "Timestamp", written, value, "an ISO-8601 extended offset date-time string"
        )
    return _on_clock(run, moment)


def _timestamp(value: JSON) -> datetime | None:
    """An RFC 3339 timestamp with ``Z`` or an offset, as the Wait state page requires."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _on_clock(run: Run, moment: datetime) -> datetime:
    if run.now.tzinfo is None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _parse_timestamp(run: Run, thread: Thread, state: CompiledState, value: JSON, field: str) -> datetime:
    moment = _timestamp(value)
    if moment is None:
        raise run.runtime_error(
            thread,
            state,
            f"The {field} parameter does not reference a valid ISO-8601 extended offset date-time format "
            f"string: {value!r}",
        )
    return _on_clock(run, moment)
