"""A workbench Python function that fails its first call and succeeds after: what a redriven
execution needs to show that its failed step ran again (and only it)."""

from __future__ import annotations

from typing import Any

from workbench.functions.models import Invocation
from workbench.functions.services import FunctionError


def fails_first_call(event: Any, context: dict[str, Any]) -> Any:
    """Raises Flaky.Unavailable on the function's first call ever, then returns its input."""
    if not Invocation.objects.filter(function__name=context["function_name"]).exists():
        raise FunctionError("Flaky.Unavailable", "the first call always fails")
    return {"handled": event}
