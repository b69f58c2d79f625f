"""Diagnostics in ValidateStateMachineDefinition's shape, and where they point.

Locations follow AWS's own: ``/States/<name>/<Field>``, list items as ``Choices[0]``
(``/States/C/Choices[0]/Next``, ``/States/T/Catch[0]/Next``), the root as ``/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["ERROR", "WARNING"]

SCHEMA_VALIDATION_FAILED = "SCHEMA_VALIDATION_FAILED"
INVALID_JSON_DESCRIPTION = "INVALID_JSON_DESCRIPTION"
MISSING_DESCRIPTION = "MISSING_DESCRIPTION"
INVALID_RESOURCE = "INVALID_RESOURCE"
MISSING_END_STATE = "MISSING_END_STATE"
DUPLICATE_STATE_NAME = "DUPLICATE_STATE_NAME"
INVALID_STATE_NAME = "INVALID_STATE_NAME"
MISSING_TRANSITION_TARGET = "MISSING_TRANSITION_TARGET"
TOO_DEEPLY_NESTED = "TOO_DEEPLY_NESTED"
INVALID_JSONATA_EXPRESSION = "INVALID_JSONATA_EXPRESSION"
DEFINITION_TOO_LARGE = "DEFINITION_TOO_LARGE"
NO_DOLLAR = "NO_DOLLAR"
NO_PATH = "NO_PATH"
PASS_RESULT_IS_STATIC = "PASS_RESULT_IS_STATIC"


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a definition; ERROR ones stop CreateStateMachine."""

    severity: Literal["ERROR", "WARNING"]
    code: str
    message: str
    location: str

    def to_aws(self) -> dict[str, str]:
        """The diagnostic as ValidateStateMachineDefinition returns it (no location if unknown)."""
        shaped = {"severity": self.severity, "code": self.code, "message": self.message}
        if self.location:
            shaped["location"] = self.location
        return shaped


@dataclass
class Report:
    """Collects diagnostics in the order they are found."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, location: str) -> None:
        self.diagnostics.append(Diagnostic("ERROR", code, message, location))

    def warning(self, code: str, message: str, location: str) -> None:
        self.diagnostics.append(Diagnostic("WARNING", code, message, location))

    def schema(self, message: str, location: str) -> None:
        """The most common finding: the definition does not fit the States Language schema."""
        self.error(SCHEMA_VALIDATION_FAILED, message, location or "/")

    def has_errors(self) -> bool:
        return any(diagnostic.severity == "ERROR" for diagnostic in self.diagnostics)


def child(location: str, key: str) -> str:
    """The location of field ``key`` inside the object at ``location`` ("" is the root)."""
    return f"{location}/{key}"


def item(location: str, index: int) -> str:
    """The location of list item ``index`` inside the list at ``location``."""
    return f"{location}[{index}]"
