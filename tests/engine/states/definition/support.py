"""Helpers shared by the ASL definition validation tests (tests/engine/states/definition/).

Expected texts come from what AWS returns, as quoted in public reports: CreateStateMachine's
"Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at
/States/pass1/Next, MISSING_TRANSITION_TARGET: State "pass2" is not reachable. at
/States/pass2'" (localstack/localstack#12487), ValidateStateMachineDefinition measurements in
floci-io/floci#2735, #2786 and #2968, and the code list of the API reference page
"ValidateStateMachineDefinitionDiagnostic".
"""

from __future__ import annotations

import json
from typing import Any

from engine.states.definition import validate


def machine(states: dict[str, Any], start_at: str | None = None, **top: Any) -> str:
    return json.dumps({"StartAt": start_at or next(iter(states)), "States": states, **top})


def found(text: str) -> list[tuple[str, str, str, str]]:
    return [(d.severity, d.code, d.message, d.location) for d in validate(text)]


def errors(text: str) -> list[tuple[str, str, str]]:
    return [(d.code, d.message, d.location) for d in validate(text) if d.severity == "ERROR"]


def codes(text: str) -> list[str]:
    return [d.code for d in validate(text) if d.severity == "ERROR"]


PASS_END = {"Type": "Pass", "End": True}
STATE_TYPES = "Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map"


def only_in(language: str, field: str, other: str) -> str:
    """AWS's wording for a field of the other query language (floci-io/floci#2968, measured)."""
    return (
        f"The QueryLanguage is set to '{language}', but field '{field}' is only supported "
        f"for the '{other}' QueryLanguage"
    )


LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:HelloWorld"
