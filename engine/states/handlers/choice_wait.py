"""Choice (pick the next state) and Wait (a timer, then carry on).

A matching Choice Rule brings its own Assign (and, in JSONata, its own Output); the state's
top-level Assign and Output apply when no rule matches and the Default is taken. JSONata rules
test ``Condition`` (an expression, or a literal boolean) instead of Variable + operator.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from engine.states import errors
from engine.states.choice import ChoiceRuntimeError, Resolver, evaluate_choice_rule
from engine.states.errors import StatesError
from engine.states.handlers import query
from engine.states.handlers.codes import BLOCKED
from engine.states.handlers.compiled import ChoiceRule, CompiledState
from engine.states.model import JSON
from engine.states.paths import PathNotFound, PathSyntaxError, compile_path, value_text

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
    if (fire_at - run.now).total_seconds() > _LONGEST_DELAY_SECONDS:
        raise run.runtime_error(thread, state, "Wait state delay is too long.")
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


_LONGEST_DELAY_SECONDS = 2**31 - 1
"""AWS keeps a wait's delay in seconds as a Java int: a TimestampPath 24,855 days ahead waits,
24,856 days ahead fails with "Wait state delay is too long." (recorded on AWS: localstack/localstack,
tests/aws/services/stepfunctions/v2/base/test_wait.snapshot.json,
test_timestamp_too_far_in_future_boundary)."""

_ISO_OFFSET_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2})(?::(\d{2}))?)"
)
"""Java's DateTimeFormatter.ISO_OFFSET_DATE_TIME, which AWS's causes name ("ISO-8601 extended offset
date-time"): a ``T``, an offset (``Z`` or ``+hh:mm``), seconds optional, at most nine fraction digits."""


def _fire_at(run: Run, thread: Thread, state: CompiledState, effective: JSON) -> datetime:
    spec = state.raw
    if state.jsonata:
        return _jsonata_fire_at(run, thread, state)
    if "Seconds" in spec:
        return run.now + timedelta(seconds=spec["Seconds"])
    if "Timestamp" in spec:
        moment = _timestamp(spec["Timestamp"])
        if moment is None:
            raise run.runtime_error(
                thread, state, f"The Timestamp parameter does not reference {_ISO_TEXT}: {spec['Timestamp']}"
            )
        return _on_clock(run, moment)
    if "SecondsPath" in spec:
        return run.now + timedelta(seconds=_seconds_path(run, thread, state, effective))
    path_text = spec["TimestampPath"]
    value = run.resolve(thread, state, compile_path(path_text), effective, "TimestampPath")
    moment = _timestamp(value)
    if moment is None:
        raise run.runtime_error(
            thread,
            state,
            f"The TimestampPath parameter does not reference {_ISO_TEXT}: {path_text} == {value_text(value)}",
        )
    return _on_clock(run, moment)


_ISO_TEXT = "a valid ISO-8601 extended offset date-time format string"


def _seconds_path(run: Run, thread: Thread, state: CompiledState, effective: JSON) -> int:
    """SecondsPath's value, with AWS's three causes (recorded on AWS: localstack/localstack,
    tests/aws/services/stepfunctions/v2/base/test_wait.snapshot.json test_base_wait_seconds_path,
    and v2/logs/test_logs.snapshot.json for the path that matches nothing)."""
    path_text = state.raw["SecondsPath"]
    path = compile_path(path_text)
    try:
        seconds = (
            path.get(effective) if path.root == "$" else run.scope(thread, state, effective).resolve(path)
        )
    except PathNotFound:
        raise run.runtime_error(
            thread, state, f"The SecondsPath parameter does not reference an input value: {path_text}"
        ) from None
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise run.runtime_error(
            thread,
            state,
            "The SecondsPath parameter cannot be parsed as a long value: "
            f"{path_text} == {value_text(seconds)}",
        )
    if seconds < 0:
        raise run.runtime_error(
            thread, state, f"The SecondsPath parameter references a negative value: {path_text} == {seconds}"
        )
    return seconds


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
        # Recorded on AWS: localstack/localstack, tests/aws/services/stepfunctions/v2/scenarios/
        # test_base_scenarios.snapshot.json, test_wait_timestamp_jsonata[NO_T|NO_Z|INVALID_*].
        raise query.query_error(
            thread,
            state,
            "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: "
            + value_text(value),
            "Timestamp",
        )
    return _on_clock(run, moment)


def _timestamp(value: JSON) -> datetime | None:
    """``value`` read as ISO_OFFSET_DATE_TIME reads it (strict: a real date and time of day)."""
    if not isinstance(value, str):
        return None
    match = _ISO_OFFSET_DATE_TIME.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m, off_s = match.groups()
    if not zulu and (int(off_h) > 18 or int(off_m) > 59 or int(off_s or 0) > 59):
        return None
    offset = timedelta(0)
    if not zulu:
        offset = timedelta(hours=int(off_h), minutes=int(off_m), seconds=int(off_s or 0))
        if sign == "-":
            offset = -offset
        if abs(offset) > timedelta(hours=18):
            return None
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((fraction or "0").ljust(9, "0")[:6]),
            tzinfo=timezone(offset),
        )
    except ValueError:
        return None


def _on_clock(run: Run, moment: datetime) -> datetime:
    if run.now.tzinfo is None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment
