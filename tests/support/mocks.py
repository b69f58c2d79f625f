"""Mock functions (the workbench's stand-ins for Lambda functions) saved for a test."""

from __future__ import annotations

from typing import Any


def mock_functions(outcomes: dict[str, list[dict[str, Any]]]) -> None:
    """Save each named mock function of the default workspace with its answers, in order."""
    from workbench.accounts.services import default_workspace
    from workbench.functions.services import save_mock

    workspace = default_workspace()
    for name, answers in outcomes.items():
        save_mock(workspace, name, answers)
