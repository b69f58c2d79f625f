"""Which handler runs a state of each type, and how a parent hears from its children."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.states.handlers import (
    choice_wait,
    map_entry,
    map_state,
    parallel_state,
    simple_states,
    task_state,
)

if TYPE_CHECKING:
    from engine.states.handlers.compiled import CompiledState
    from engine.states.handlers.run import Run, Thread

    Enter = Callable[[Run, Thread, CompiledState], int]

ENTER: dict[str, Any] = {
    "Pass": simple_states.enter_pass,
    "Succeed": simple_states.enter_succeed,
    "Fail": simple_states.enter_fail,
    "Task": task_state.enter_task,
    "Choice": choice_wait.enter_choice,
    "Wait": choice_wait.enter_wait,
    "Parallel": parallel_state.enter_parallel,
    "Map": map_entry.enter_map,
}

RETRY: dict[str, Any] = {
    "Task": task_state.schedule,
    "Parallel": parallel_state.start_branches,
    "Map": map_entry.start_iterations,
}
"""What runs again when a retry's back-off timer fires (no second *StateEntered event)."""

CHILD_SUCCEEDED: dict[str, Any] = {
    # (run, parent thread, the parent's compiled state, child thread, output)
    "Parallel": parallel_state.branch_succeeded,
    "Map": map_state.iteration_succeeded,
}

CHILD_FAILED: dict[str, Any] = {
    # (run, parent thread, the parent's compiled state, child thread, error, cause)
    "Parallel": parallel_state.branch_failed,
    "Map": map_state.iteration_failed,
}
