"""Pass, Succeed and Fail: states that finish in the same step they start.

In JSONata a Pass or Succeed state outputs its input unless ``Output`` says otherwise, and a
Fail state's Error and Cause may be ``{% %}`` expressions that evaluate to strings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.states import errors
from engine.states.errors import StatesError
from engine.states.handlers import query
from engine.states.handlers.compiled import CompiledState
from engine.states.paths import PathSyntaxError, TemplateError, compile_template

if TYPE_CHECKING:
    from engine.states.handlers.run import Run, Thread


def enter_pass(run: Run, thread: Thread, state: CompiledState) -> int:
    """Pass: Result (a literal: ``.$`` keys stay as written) or the Parameters output."""
    run.enter(thread, state)
    if state.plain:
        return run.exit_state(thread, state, thread["in"])
    if state.jsonata:
        # A Pass state's "result" is its input: the default Output ($states.result) passes it on.
        return query.conclude(run, thread, state, thread["in"], result=thread["in"])
    effective = run.effective_input(thread, state)
    if state.parameters is not None:
        effective = run.render(thread, state, state.parameters, effective)
    result = state.result if state.has_result else effective
    assign = state.assign_renderer
    assigned = None if assign is None else query.jsonpath_assignments(run, thread, state, assign, result)
    return run.exit_state(thread, state, run.place_result(thread, state, result), None, assigned)


def enter_succeed(run: Run, thread: Thread, state: CompiledState) -> int:
    run.enter(thread, state)
    if state.jsonata:
        return query.conclude(run, thread, state, thread["in"])
    output = run.output_path(thread, state, run.effective_input(thread, state))
    return run.exit_state(thread, state, output)


def enter_fail(run: Run, thread: Thread, state: CompiledState) -> int:
    """Fail: Error/Cause literals or ErrorPath/CausePath (a path or an intrinsic)."""
    run.enter(thread, state)
    spec = state.raw
    if state.jsonata:
        return run.fail_thread(
            thread, _jsonata_text(run, thread, state, "Error"), _jsonata_text(run, thread, state, "Cause")
        )
    error = _text_field(run, thread, state, "Error", "ErrorPath")
    cause = _text_field(run, thread, state, "Cause", "CausePath")
    if error is None:
        error = str(spec.get("Error", ""))
    return run.fail_thread(thread, error, cause or "")


def _text_field(run: Run, thread: Thread, state: CompiledState, field: str, path_field: str) -> str | None:
    spec = state.raw
    if path_field not in spec:
        value = spec.get(field)
        return value if isinstance(value, str) else None
    try:
        renderer = compile_template({f"{path_field}.$": spec[path_field]})
    except PathSyntaxError as problem:
        raise run.runtime_error(thread, state, str(problem)) from None
    try:
        rendered = renderer(run.scope(thread, state, thread["in"]))
    except TemplateError as problem:
        # AWS names the field as written, ErrorPath/CausePath, not as the template key we built.
        message = problem.message.replace(f"'{path_field}.$'", f"'{path_field}'")
        raise run.runtime_error(thread, state, message) from None
    value = rendered[path_field] if isinstance(rendered, dict) else None
    if not isinstance(value, str):
        raise StatesError(
            errors.RUNTIME,
            errors.runtime_cause(
                state.name,
                thread["ent"],
                f"The {path_field} '{spec[path_field]}' must resolve to a string, not {value!r}",
            ),
        )
    return value


def _jsonata_text(run: Run, thread: Thread, state: CompiledState, field: str) -> str:
    """Error or Cause of a JSONata Fail state: a literal string or an expression giving one."""
    written = state.raw.get(field)
    if written is None:
        return ""
    value = query.render(run, thread, state, written, field, query.bindings(run, thread, state))
    if not isinstance(value, str):
        raise query.wrong_type(thread, state, field, written, value, "a string")
    return value
