"""Evaluating a state's JSONata fields and its Assign, with what AWS binds for them.

In a JSONata state every expression sees the workflow variables plus the reserved ``$states``
("Reserved variable : $states", workflow-variables page of the developer guide)::

    $states.input        the state's raw input, in every field
    $states.context      the context object (with Task.Token / Map.Item where they exist)
    $states.result       the Task/Parallel/Map result, in Output and Assign after success
    $states.errorOutput  {"Error", "Cause"}, in a Catcher's Output and Assign

All the expressions of one state see the variables as they were when the state started:
Assign and Output are evaluated first, and the new values are committed when the state exits.
A failing expression is ``States.QueryEvaluationError`` with AWS's per-state prefix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.states import errors, jsonata
from engine.states.errors import StatesError, runtime_cause
from engine.states.model import JSON
from engine.states.paths import to_json

if TYPE_CHECKING:
    from engine.states.handlers.compiled import CompiledState
    from engine.states.handlers.run import Run, Thread

MISSING: Any = object()
"""Marks a ``$states`` member that does not exist for this field."""


def bindings(
    run: Run,
    thread: Thread,
    state: CompiledState,
    *,
    result: JSON = MISSING,
    error_output: JSON = MISSING,
    token: str | None = None,
    item: tuple[int, JSON] | None = None,
) -> dict[str, JSON]:
    """The variables a JSONata expression of this state sees, ``states`` included."""
    reserved: dict[str, JSON] = {
        "input": thread["in"],
        "context": run.context(thread, state, token, item),
    }
    if result is not MISSING:
        reserved["result"] = result
    if error_output is not MISSING:
        reserved["errorOutput"] = error_output
    variables = run.variables(thread)
    values: dict[str, JSON] = dict(variables) if variables else {}
    values["states"] = reserved
    return values


def query_error(thread: Thread, state: CompiledState, cause: str, location: str | None = None) -> StatesError:
    """States.QueryEvaluationError with AWS's prefix; ``location`` is the field its
    EvaluationFailed event names."""
    return StatesError(
        errors.QUERY_EVALUATION_ERROR, runtime_cause(state.name, thread["ent"], cause), location
    )


def render(
    run: Run, thread: Thread, state: CompiledState, template: JSON, field: str, values: dict[str, JSON]
) -> JSON:
    """A JSONata field (``{% %}`` strings at any depth, other JSON kept as written)."""
    try:
        return jsonata.render(template, values, field=field, env=run.env)
    except jsonata.QueryEvaluationError as problem:
        raise query_error(thread, state, problem.cause, problem.field or None) from None


def expression_text(value: str) -> str:
    """The expression inside ``{% %}``, trimmed, as AWS quotes it in causes."""
    return value[2:-2].strip()


def wrong_type(
    thread: Thread, state: CompiledState, field: str, written: JSON, value: JSON, wanted: str
) -> StatesError:
    """An expression returned a value the field cannot use (a string for Seconds, ...)."""
    if isinstance(written, str) and jsonata.is_expression(written):
        source = f"The JSONata expression '{expression_text(written)}' specified for the field '{field}'"
    else:
        source = f"The value of the field '{field}'"
    return query_error(thread, state, f"{source} must be {wanted}, but it is {to_json(value)}.", field)


def whole_number(
    run: Run, thread: Thread, state: CompiledState, field: str, written: JSON, minimum: int
) -> int:
    """A numeric field of a JSONata state (Seconds, TimeoutSeconds, MaxConcurrency...)."""
    value = render(run, thread, state, written, field, bindings(run, thread, state))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        wanted = "a positive integer" if minimum > 0 else "a non-negative integer"
        raise wrong_type(thread, state, field, written, value, wanted)
    return value


def jsonata_assignments(
    run: Run, thread: Thread, state: CompiledState, assign: dict[str, JSON] | None, values: dict[str, JSON]
) -> dict[str, JSON] | None:
    if assign is None:
        return None
    rendered = render(run, thread, state, assign, "Assign", values)
    assert isinstance(rendered, dict)
    return rendered


def jsonpath_assignments(
    run: Run, thread: Thread, state: CompiledState, renderer: Any, document: JSON
) -> dict[str, JSON] | None:
    """A JSONPath Assign: a payload template whose ``$`` is ``document`` (the state's result,
    its effective input when it has none, or the error output in a Catcher)."""
    if renderer is None:
        return None
    rendered = run.render(thread, state, renderer, document)
    assert isinstance(rendered, dict)
    return rendered


def conclude(
    run: Run,
    thread: Thread,
    state: CompiledState,
    default_output: JSON,
    *,
    result: JSON = MISSING,
    next_name: str | None = None,
) -> int:
    """A JSONata state's Assign and Output (both with the entry-time variables), then exit."""
    values = bindings(run, thread, state, result=result)
    assigned = jsonata_assignments(run, thread, state, state.assign, values)
    output = (
        render(run, thread, state, state.output, "Output", values) if state.has_output else default_output
    )
    return run.exit_state(thread, state, output, next_name, assigned)
