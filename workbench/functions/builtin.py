"""Python functions shipped with Stepbridge, registered in settings.STEPBRIDGE_FUNCTIONS."""

from __future__ import annotations

from typing import Any


def echo(event: Any, context: dict[str, Any]) -> Any:
    """Returns its input: the identity function, handy as a placeholder target."""
    return event
