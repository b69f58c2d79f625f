"""Python functions shipped with Stepbridge, registered in settings.STEPBRIDGE_FUNCTIONS."""

from __future__ import annotations

from typing import Any

from workbench.functions.services import FunctionError


def echo(event: Any, context: dict[str, Any]) -> Any:
    """Returns its input: the identity function, handy as a placeholder target."""
    return event


def fails_first_attempt(event: Any, context: dict[str, Any]) -> Any:
    """Fails the first attempt of every call with ``Flaky.FirstAttempt``, then returns its
    input: a Task whose Retry is seen working (each call's retry shows in the history)."""
    if context["attempt"] == 1:
        raise FunctionError("Flaky.FirstAttempt", "the first attempt of each call fails")
    return event
