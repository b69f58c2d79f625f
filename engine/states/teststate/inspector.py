"""TestState's inspector: a stage observer that records what each data-flow stage made of the input.

AWS's TestState answers DEBUG and TRACE with ``inspectionData`` (API_InspectionData: input,
afterInputPath, afterParameters, result, afterResultSelector, afterResultPath, variables,
errorDetails with catchIndex / retryIndex / retryBackoffIntervalSeconds). The inspector watches
a plain ``Run`` through ``engine.states.handlers.observer``; the run itself is the one every
execution uses, so TestState and an execution cannot disagree about data flow. It also supplies
the caller's ``context`` in place of the built context object (test_state_context_object
.snapshot.json in LocalStack's recorded AWS runs) and holds a mocked Map/Parallel where it is
until the mock replaces its children's results.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from engine.states.handlers.compiled import CompiledState
from engine.states.handlers.observer import StageObserver
from engine.states.handlers.records import Thread
from engine.states.handlers.run import Run
from engine.states.model import JSON

__all__ = ["Held", "Inspector", "Watched"]


class Held(Exception):
    """A mocked Map/Parallel tried to leave before its mocked result was in."""


@dataclass
class Watched:
    """What the run showed: the stage values and how the state ended."""

    stages: dict[str, JSON] = field(default_factory=dict)
    exited: bool = False
    output: JSON = None
    next_state: str | None = None
    error: str | None = None
    cause: str = ""
    catch_index: int | None = None
    retry_index: int | None = None
    retry_delay: float | None = None


class Inspector(StageObserver):
    """Records each stage of the state under test into ``watched``."""

    def __init__(self, context_override: dict[str, JSON] | None, map_item: tuple[int, JSON] | None) -> None:
        self.watched = Watched()
        self.context_override = context_override
        """The caller's context object, replacing the built one (see ``context``)."""
        self.map_item = map_item
        """The item a state inside a Map sees as ``$$.Map.Item`` when no context is given."""
        self.holding = False
        """While True, leaving the state raises Held (a mocked Map/Parallel's children)."""

    def context_object(
        self,
        run: Run,
        thread: Thread,
        state: CompiledState,
        token: str | None,
        item: tuple[int, JSON] | None,
    ) -> dict[str, JSON]:
        """The caller's context object in place of the built one (see ``context``); a Map's
        own ItemSelector still sees the item it is selecting."""
        if self.context_override is None:
            built = run.built_context(thread, state, token, item if item is not None else self.map_item)
            execution = built["Execution"]
            if isinstance(execution, dict):
                # AWS's TestState context has no RedriveCount (test_state_configuration.snapshot.json,
                # the $states.context of test_map_state_failure_count[INFO-BASE_MAP_STATE]).
                execution.pop("RedriveCount", None)
            return built
        given = copy.deepcopy(self.context_override)
        if item is not None:
            given["Map"] = {"Item": {"Index": item[0], "Value": item[1]}}
        return given

    def after_input_path(self, state: CompiledState, value: JSON) -> None:
        self.watched.stages.setdefault("afterInputPath", value)

    def after_parameters(self, state: CompiledState, value: JSON) -> None:
        self.watched.stages["afterParameters"] = value

    def after_result_selector(self, state: CompiledState, result: JSON, value: JSON) -> None:
        self.watched.stages["result"] = result
        self.watched.stages["afterResultSelector"] = value

    def result_placed(self, state: CompiledState, result: JSON) -> None:
        self.watched.stages.setdefault("result", result)
        self.watched.stages.setdefault("afterResultSelector", result)

    def after_result_path(self, state: CompiledState, value: JSON) -> None:
        self.watched.stages["afterResultPath"] = value

    def leaving(self, thread: Thread, state: CompiledState) -> None:
        if self.holding:
            raise Held

    def exited(
        self, state: CompiledState, output: JSON, next_name: str | None, assigned: dict[str, JSON] | None
    ) -> None:
        watched = self.watched
        watched.exited = True
        watched.output = output
        watched.next_state = next_name

    def error_raised(self, state: CompiledState, error: str, cause: str) -> None:
        self.watched.error, self.watched.cause = error, cause

    def retrying(self, state: CompiledState, retrier_index: int, delay_seconds: float) -> None:
        self.watched.retry_index = retrier_index
        self.watched.retry_delay = delay_seconds

    def caught(self, state: CompiledState, catcher_index: int) -> None:
        self.watched.catch_index = catcher_index
