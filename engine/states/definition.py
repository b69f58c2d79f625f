"""Amazon States Language definitions: validate (ValidateStateMachineDefinition) and parse.

``validate`` returns every diagnostic AWS's validator would give, in its codes and wording
where they are known (ERROR ones block CreateStateMachine; WARNING ones do not);
``parse_definition`` is what CreateStateMachine / UpdateStateMachine use, raising
``InvalidDefinitionError`` whose ``message`` is AWS's InvalidDefinition text, e.g.
``Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at
/States/pass1/Next, MISSING_TRANSITION_TARGET: State "pass2" is not reachable. at /States/pass2'``.
The checks themselves live in ``engine.states.validation``, one module per concern.
"""

from __future__ import annotations

import json

from engine.states.model import JSON
from engine.states.validation.machine import check_document
from engine.states.validation.parsing import MAX_DEFINITION_CHARS, load_definition
from engine.states.validation.report import TOO_DEEPLY_NESTED, Diagnostic, Report

__all__ = [
    "MAX_DEFINITION_CHARS",
    "Diagnostic",
    "InvalidDefinitionError",
    "format_invalid_definition",
    "parse_definition",
    "validate",
]


def validate(definition_text: str) -> list[Diagnostic]:
    """Every diagnostic for ``definition_text``, errors and warnings, in AWS's order."""
    report = Report()
    parsed = load_definition(definition_text, report)
    if parsed is not None:
        try:
            check_document(parsed, report)
        except RecursionError:
            report.error(TOO_DEEPLY_NESTED, "The definition is nested too deeply.", "")
    return report.diagnostics


def format_invalid_definition(errors: list[Diagnostic]) -> str:
    """CreateStateMachine's InvalidDefinition message: all errors joined inside one quote pair."""
    listed = ", ".join(f"{error.code}: {error.message} at {error.location or 'null'}" for error in errors)
    return f"Invalid State Machine Definition: '{listed}'"


class InvalidDefinitionError(Exception):
    """The definition has ERROR diagnostics; ``message`` is AWS's InvalidDefinition text."""

    def __init__(self, errors: list[Diagnostic]) -> None:
        self.diagnostics = errors
        self.message = format_invalid_definition(errors)
        super().__init__(self.message)


def parse_definition(definition_text: str) -> dict[str, JSON]:
    """Validate and parse a definition; raise InvalidDefinitionError listing its errors."""
    errors = [diagnostic for diagnostic in validate(definition_text) if diagnostic.severity == "ERROR"]
    if errors:
        raise InvalidDefinitionError(errors)
    document: dict[str, JSON] = json.loads(definition_text)
    return document
