"""Entering a Map state: Inline or Distributed is chosen here, once per start or retry.

The Map state page of the ASL docs: ``ItemProcessor.ProcessorConfig.Mode`` INLINE runs each
iteration in the execution (``map_state``), DISTRIBUTED runs them as child executions of a Map
Run (``distributed_map``, which reuses the item helpers of ``map_state``). Choosing here keeps
the import one way, distributed_map -> map_state, with no circle between the two.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.states.handlers import distributed_map, map_state
from engine.states.handlers.compiled import CompiledState

if TYPE_CHECKING:
    from engine.states.handlers.run import Run, Thread

__all__ = ["enter_map", "start_iterations"]


def enter_map(run: Run, thread: Thread, state: CompiledState) -> int:
    run.enter(thread, state)
    return start_iterations(run, thread, state)


def start_iterations(run: Run, thread: Thread, state: CompiledState) -> int:
    """The Map's iterations begin (again, after a retry's back-off)."""
    if state.distributed:
        return distributed_map.start(run, thread, state)
    return map_state.start_iterations(run, thread, state)
