"""Python functions that served tests register through STEPBRIDGE_FUNCTIONS (name=module:callable)."""

from __future__ import annotations

from typing import Any

from workbench.functions.services import FunctionError


def fails_first_attempt(event: Any, context: dict[str, Any]) -> Any:
    """Fails the first attempt of every call (a Retry's first try), then returns its input: a
    retried Task whose calls can be counted against its history."""
    if context["attempt"] == 1:
        raise FunctionError("Flaky.FirstAttempt", "the first attempt of each call fails")
    return event
