"""The decider's shortcuts must not show: records equal their constructors', paths agree.

* History events, the Decision and FinishExecution are filled in without their frozen
  dataclass ``__init__`` (engine/states/handlers/frozen.py, ``Run.emit``): each must equal,
  hash and refuse assignment exactly like the constructor-built object.
* ``Run.pass_through`` enters and leaves a Pass state without data-flow fields in one step; a
  Run with a stage observer (TestState's inspector) takes ``enter`` then ``exit_state`` instead,
  so the observer sees every stage. Both must write the same history.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from engine.states import interpreter
from engine.states.handlers.compiled import CompiledState
from engine.states.handlers.frozen import frozen_instance
from engine.states.handlers.observer import StageObserver
from engine.states.handlers.run import Run
from engine.states.interpreter import advance
from engine.states.model import (
    Decision,
    Environment,
    ExecutionContext,
    ExecutionStartRequested,
    FinishExecution,
    HistoryEvent,
)

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def start(definition: dict[str, Any], value: Any) -> Decision:
    tokens = itertools.count()
    env = Environment(now=NOW, new_token=lambda: f"t{next(tokens)}")
    context = ExecutionContext("arn:exec", "e", "arn:machine", "m", NOW, "arn:role")
    return advance(definition, None, ExecutionStartRequested(value, context), env)


def pass_chain(length: int, last: dict[str, Any] | None = None) -> dict[str, Any]:
    states: dict[str, Any] = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(length - 1)}
    states[f"S{length - 1}"] = last or {"Type": "Pass", "End": True}
    return {"StartAt": "S0", "States": states}


def assert_same_as_constructed(record: Any) -> None:
    cls = type(record)
    names = {field.name for field in dataclasses.fields(cls)}
    assert set(vars(record)) == names
    rebuilt = cls(**{name: getattr(record, name) for name in names})
    assert record == rebuilt
    assert repr(record) == repr(rebuilt)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.status = "changed"


def test_events_decision_and_finish_equal_constructed_ones() -> None:
    decision = start(pass_chain(3), {"a": 1})
    assert decision.status == "SUCCEEDED"
    assert_same_as_constructed(decision)
    for event in decision.history:
        assert type(event) is HistoryEvent
        assert_same_as_constructed(event)
    finish = decision.commands[-1]
    assert type(finish) is FinishExecution
    assert_same_as_constructed(finish)


def test_frozen_instance_matches_the_constructor() -> None:
    built = frozen_instance(FinishExecution, {"status": "FAILED", "output": None, "error": "E", "cause": "C"})
    assert built == FinishExecution("FAILED", None, "E", "C")
    assert_same_as_constructed(built)


class CountingObserver(StageObserver):
    """An observer, as TestState's inspector is: a run with one must not take the fused step."""

    def __init__(self) -> None:
        self.exits = 0

    def exited(
        self, state: CompiledState, output: Any, next_name: str | None, assigned: dict[str, Any] | None
    ) -> None:
        self.exits += 1


@pytest.mark.parametrize(
    "definition, value",
    [
        (pass_chain(5), {"order": {"id": "o-1", "amount": 12.5}}),
        (pass_chain(3, {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "End": True}), {"v": "é"}),
        (pass_chain(3, {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "End": True}), [1]),
        (pass_chain(2, {"Type": "Succeed"}), None),
        (
            {
                "StartAt": "Each",
                "States": {
                    "Each": {
                        "Type": "Map",
                        "ItemProcessor": pass_chain(2),
                        "End": True,
                    }
                },
            },
            [1, {"k": "v"}, None, 1.5e-05],
        ),
    ],
)
def test_fused_and_stepwise_pass_states_write_the_same_history(
    definition: dict[str, Any], value: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    observer = CountingObserver()
    fused = start(definition, value)
    interpreter._BY_HASH.clear()
    interpreter._BY_OBJECT.clear()
    monkeypatch.setattr(interpreter, "Run", lambda program, state, env: Run(program, state, env, observer))
    stepwise = start(definition, value)
    exited = sum(1 for event in stepwise.history if event.type.endswith("StateExited"))
    assert observer.exits == exited > 0  # the observer saw every state leave
    assert [event.to_aws() for event in stepwise.history] == [event.to_aws() for event in fused.history]
    assert stepwise.commands == fused.commands
    assert stepwise.state == fused.state
