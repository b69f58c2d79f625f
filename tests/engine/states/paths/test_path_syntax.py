"""Path syntax the ASL validator accepts: paths, reference paths and ResultPath roots.

Paths and reference paths as the Step Functions developer guide's "Using JSONPath paths" and
"Reference Paths" pages define them (engine.states.path_syntax), split from the validator's
tests when tests/engine moved to one folder a topic.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.states.path_syntax import is_input_reference_path, is_path, is_reference_path, parse_path

# --- path syntax --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["$", "$.a", "$.a.b[0]", "$['a b']", "$$", "$$.Map.Item.Value", "$var", "$var.a[1]", "$.a-b",
     "$.a[*]", "$..a", "$.a[0,1]", "$.a['x','y']", "$.a[1:3]", "$.a[-1]", "$.a[?(@.b == 'x]')]",
     "$.a[(@.length-1)]", "$.*"],
)  # fmt: skip
def test_valid_paths(text: str) -> None:
    assert is_path(text)


@pytest.mark.parametrize(
    "text", ["", "a", "$.", "$a b.c[", "$.a[", "$.a]", "$[]", "$.a[?(@.b]", "$1", "$.a..", 5, None]
)
def test_invalid_paths(text: Any) -> None:
    assert not is_path(text)


@pytest.mark.parametrize(
    ("text", "reference"),
    [("$.a.b", True), ("$['a'][0]", True), ("$$.Execution.Id", True), ("$var.x", True), ("$.a[*]", False),
     ("$..a", False), ("$.a[0,1]", False), ("$.a[1:2]", False), ("$.a[?(@.x)]", False), ("$.a[-1]", False)],
)  # fmt: skip
def test_reference_paths(text: str, reference: bool) -> None:
    assert is_reference_path(text) is reference


def test_result_path_roots() -> None:
    assert is_input_reference_path("$.a")
    assert is_input_reference_path("$")
    assert not is_input_reference_path("$$.a")
    assert not is_input_reference_path("$v.a")
    parsed = parse_path("$v.a[0]")
    assert parsed is not None and parsed.root == "variable" and parsed.variable == "v"
