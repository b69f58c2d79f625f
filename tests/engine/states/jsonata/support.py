"""Helpers shared by the JSONata state tests (tests/engine/states/jsonata/).

"Transforming data with JSONata in Step Functions" (step-functions/latest/dg/transforming-data.html):
an expression that fails is States.QueryEvaluationError.
"""

from __future__ import annotations

from typing import Any

from tests.engine.states.interpreter_harness import started, valid_machine

QUERY_ERROR = "States.QueryEvaluationError"


def jsonata(states: dict[str, Any], start: str | None = None) -> dict[str, Any]:
    """A JSONata machine, checked by the definition validator so every test runs legal ASL."""
    return valid_machine(states, "JSONata", start)


run = started
