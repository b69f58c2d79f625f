"""A hook that watches one ``Run``'s data-flow stages without changing how they run.

The stages are the ones AWS's "Processing input and output" pages describe (InputPath,
Parameters/Arguments, the result, ResultSelector, ResultPath, OutputPath, Assign) and the
"Handling errors" outcomes (Retry, Catch). TestState's inspector (``engine.states.teststate``)
is the one observer today: AWS's TestState API reports each stage's value as ``inspectionData``
(API_TestState, InspectionData). An execution runs with no observer at all (``Run.observer`` is
None), so the hot path pays one ``is None`` test per stage and nothing else; the no-op defaults
here let an observer implement only the stages it cares about.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.states.model import JSON

if TYPE_CHECKING:
    from engine.states.handlers.compiled import CompiledState
    from engine.states.handlers.records import Thread
    from engine.states.handlers.run import Run

__all__ = ["StageObserver"]


class StageObserver:
    """Called by ``Run`` at each stage; every hook does nothing unless overridden."""

    def context_object(
        self,
        run: Run,
        thread: Thread,
        state: CompiledState,
        token: str | None,
        item: tuple[int, JSON] | None,
    ) -> dict[str, JSON]:
        """``$$`` as the state sees it: the one ``Run`` builds, unless the observer supplies
        another (TestState's ``context`` member replaces it)."""
        return run.built_context(thread, state, token, item)

    def after_input_path(self, state: CompiledState, value: JSON) -> None:
        """The state input after InputPath."""

    def after_parameters(self, state: CompiledState, value: JSON) -> None:
        """The effective input after Parameters (ItemSelector and Arguments go elsewhere)."""

    def after_result_selector(self, state: CompiledState, result: JSON, value: JSON) -> None:
        """A task/Map/Parallel result, and what ResultSelector made of it."""

    def result_placed(self, state: CompiledState, result: JSON) -> None:
        """The result that reaches ResultPath (after ResultSelector, if any)."""

    def after_result_path(self, state: CompiledState, value: JSON) -> None:
        """The state's output after ResultPath, before OutputPath."""

    def leaving(self, thread: Thread, state: CompiledState) -> None:
        """The state is about to leave; an observer may raise to hold it where it is."""

    def exited(
        self, state: CompiledState, output: JSON, next_name: str | None, assigned: dict[str, JSON] | None
    ) -> None:
        """The state left with ``output`` (after OutputPath) and its Assign committed."""

    def error_raised(self, state: CompiledState, error: str, cause: str) -> None:
        """The state failed with ``error``; Retry and Catch come next."""

    def retrying(self, state: CompiledState, retrier_index: int, delay_seconds: float) -> None:
        """Retrier ``retrier_index`` matched and schedules another attempt."""

    def caught(self, state: CompiledState, catcher_index: int) -> None:
        """Catcher ``catcher_index`` matched and the state left through it."""
