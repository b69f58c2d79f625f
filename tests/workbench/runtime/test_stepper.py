"""runtime.stepper's task tokens: safe to pass to aws-cli as an argument."""

from __future__ import annotations

from workbench.runtime.stepper import new_task_token


def test_task_tokens_never_start_with_a_dash_and_are_unique() -> None:
    """aws-cli reads a value starting with "-" as an option ("argument --task-token: expected one
    argument", seen in tests/e2e/test_aws_cli_runtime.py); AWS's own tokens start with "AQ"."""
    tokens = [new_task_token() for _ in range(2000)]  # one in 64 of bare token_urlsafe's starts so
    assert all(token.startswith("AQ") and len(token) == 130 for token in tokens)
    assert len(set(tokens)) == len(tokens)
