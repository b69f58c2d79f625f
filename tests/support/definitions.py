"""Two small definitions the editor tests type: one valid, one whose Next names no state
(ValidateStateMachineDefinition reports it as an error)."""

from __future__ import annotations

GOOD = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
BAD = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}
