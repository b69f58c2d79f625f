"""Workflow variables: which ones a thread sees, and committing a state's ``Assign``.

Rules from "Passing data between states with variables" (AWS Step Functions developer guide,
workflow-variables):

* The top-level states share one scope. Each Parallel branch and each Map iteration runs in a
  scope of its own: it reads the variables of the scopes around it, but what it assigns stays
  inside it (data leaves a branch or an iteration only through its output).
* A distributed Map's child workflows cannot read the variables of outer scopes: they are
  executions of their own (runtime.distributed_map), with their own variables.
* An inner scope cannot assign a variable that belongs to an outer scope.
* A single variable holds at most 256 KiB, one ``Assign`` at most 256 KiB in total, and all the
  variables of an execution at most 10 MiB (UTF-8 of their JSON text).

A thread keeps only its own scope, ``thread["vars"]`` (name -> value) and ``thread["vsz"]``
(name -> size in bytes); the outer scopes are its ancestors, which stay alive while it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.states import errors
from engine.states.errors import StatesError
from engine.states.model import JSON
from engine.states.paths import to_json

if TYPE_CHECKING:
    from engine.states.handlers.compiled import CompiledState
    from engine.states.handlers.run import Run, Thread

MAX_VARIABLE_BYTES = 256 * 1024
"""One variable's JSON text."""
MAX_ASSIGN_BYTES = 256 * 1024
"""All the variables one Assign field sets, together."""
MAX_TOTAL_BYTES = 10 * 1024 * 1024
"""Every variable an execution holds at once."""


def visible_variables(run: Run, thread: Thread) -> dict[str, JSON] | None:
    """Every variable ``thread`` can read (inner scopes win), or None when there are none."""
    own: dict[str, JSON] | None = thread.get("vars")
    outer = _outer_variables(run, thread)
    if not outer:
        return own
    if not own:
        return outer
    return {**outer, **own}


def _outer_variables(run: Run, thread: Thread) -> dict[str, JSON] | None:
    parent_id = thread["p"]
    if parent_id is None:
        return None
    parent = run.threads.get(parent_id)
    return visible_variables(run, parent) if parent is not None else None


def commit(run: Run, thread: Thread, state: CompiledState, values: dict[str, JSON]) -> dict[str, str]:
    """Store a state's evaluated Assign in the thread's scope; returns name -> JSON text for
    the history (``assignedVariables`` of the StateExited event)."""
    outer = _outer_variables(run, thread)
    texts: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for name, value in values.items():
        if outer is not None and name in outer:
            raise run.runtime_error(
                thread,
                state,
                f"The variable '{name}' belongs to an outer scope: a Parallel branch or Map iteration "
                "can read it but cannot assign it. Return the value in the output instead.",
            )
        text = to_json(value)
        size = len(text.encode())
        if size > MAX_VARIABLE_BYTES:
            raise _too_large(
                state,
                f"The variable '{name}' has a size of {size} bytes, above the {MAX_VARIABLE_BYTES} limit.",
            )
        texts[name] = text
        sizes[name] = size
    assigned = sum(sizes.values())
    if assigned > MAX_ASSIGN_BYTES:
        raise _too_large(
            state,
            f"The variables it assigns have a total size of {assigned} bytes, above the "
            f"{MAX_ASSIGN_BYTES} limit for one Assign field.",
        )
    own_sizes: dict[str, int] = thread.setdefault("vsz", {})
    total = _total_size(run, thread) - sum(own_sizes.get(name, 0) for name in sizes) + assigned
    if total > MAX_TOTAL_BYTES:
        raise _too_large(
            state,
            f"The execution's variables would have a total size of {total} bytes, above the "
            f"{MAX_TOTAL_BYTES} limit.",
        )
    own: dict[str, JSON] = thread.setdefault("vars", {})
    own.update(values)
    own_sizes.update(sizes)
    return texts


def _total_size(run: Run, thread: Thread | None) -> int:
    total = 0
    while thread is not None:
        total += sum(thread.get("vsz", {}).values())
        parent_id = thread["p"]
        thread = run.threads.get(parent_id) if parent_id is not None else None
    return total


def _too_large(state: CompiledState, message: str) -> StatesError:
    return StatesError(
        errors.DATA_LIMIT_EXCEEDED,
        f"The state '{state.name}' assigned variables with a size exceeding the maximum number of bytes "
        f"service limit. {message}",
    )
