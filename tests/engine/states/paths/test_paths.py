"""Reference paths, full JSONPath, ResultPath placement and payload templates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from engine.states.model import Environment
from engine.states.paths import (
    PathNotFound,
    PathSyntaxError,
    ResultPathError,
    Scope,
    TemplateError,
    compile_path,
    compile_template,
    set_at,
    to_json,
)

DOC: dict[str, Any] = {
    "a": {"b": [10, 20, {"c": "deep"}]},
    "odd key": 1,
    "items": [{"id": 1, "price": 5}, {"id": 2, "price": 50}],
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DOC),
        ("$.a.b[1]", 20),
        ("$.a.b[2].c", "deep"),
        ("$['odd key']", 1),
        ('$["a"]["b"][0]', 10),
    ],
)
def test_reference_paths_select_one_value(path: str, expected: Any) -> None:
    compiled = compile_path(path)
    assert compiled.definite
    assert compiled.get(DOC) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.items[*].id", [1, 2]),
        ("$.items[?(@.price > 10)].id", [2]),
        ("$.items[0:1]", [{"id": 1, "price": 5}]),
        ("$..c", ["deep"]),
    ],
)
def test_other_paths_select_the_list_of_matches(path: str, expected: Any) -> None:
    compiled = compile_path(path)
    assert not compiled.definite
    assert compiled.get(DOC) == expected


@pytest.mark.parametrize("path", ["$.missing", "$.a.b[7]", "$.a.b.c", "$['odd key'].x"])
def test_missing_reference_path_raises_path_not_found(path: str) -> None:
    with pytest.raises(PathNotFound) as caught:
        compile_path(path).get(DOC)
    assert caught.value.path == path


def test_roots_and_bracketed_spelling() -> None:
    assert compile_path("$$.Execution.Id").root == "$$"
    assert compile_path("$order.total").root == "order"
    assert compile_path("$.a.b[0]").bracketed() == "$['a']['b'][0]"
    with pytest.raises(PathSyntaxError, match="starts with"):
        compile_path("a.b")


def test_set_at_copies_only_the_path_and_creates_objects() -> None:
    original = {"keep": {"x": 1}, "a": {"old": True}}
    updated = set_at(original, compile_path("$.a.b.c"), 5)
    assert updated == {"keep": {"x": 1}, "a": {"old": True, "b": {"c": 5}}}
    assert original == {"keep": {"x": 1}, "a": {"old": True}}
    assert updated["keep"] is original["keep"]
    assert set_at(original, compile_path("$"), 9) == 9
    assert set_at({"l": [1, 2]}, compile_path("$.l[1]"), 3) == {"l": [1, 3]}


@pytest.mark.parametrize(
    ("document", "path"), [({"a": "text"}, "$.a.b"), ({"l": [1]}, "$.l[4]"), ([1], "$.a")]
)
def test_set_at_refuses_to_overwrite_non_objects(document: Any, path: str) -> None:
    # Step Functions Local's wording, quoted in aws/aws-cdk issue 29473.
    with pytest.raises(ResultPathError) as caught:
        set_at(document, compile_path(path), 1)
    compact = json.dumps(document, separators=(",", ":"))
    assert str(caught.value) == f"Unable to apply ReferencePath {path} to input {compact}"


def _scope(document: Any) -> Scope:
    env = Environment(now=datetime(2024, 1, 1, tzinfo=UTC), new_token=lambda: "t")
    return Scope(document, lambda: {"Execution": {"Name": "run-7"}}, env, {"limit": {"max": 3}})


def test_payload_template_paths_context_variables_nesting_and_intrinsics() -> None:
    template = {
        "id.$": "$.order.id",
        "name.$": "$$.Execution.Name",
        "max.$": "$limit.max",
        "literal": "$.not-a-path",
        "nested": [{"v.$": "$.order.id"}, 2],
        "text.$": "States.Format('order {}', $.order.id)",
    }
    rendered = compile_template(template)(_scope({"order": {"id": 42}}))
    assert rendered == {
        "id": 42,
        "name": "run-7",
        "max": 3,
        "literal": "$.not-a-path",
        "nested": [{"v": 42}, 2],
        "text": "order 42",
    }


def test_payload_template_missing_path_names_field_and_input() -> None:
    renderer = compile_template({"who.$": "$.person"})
    with pytest.raises(TemplateError) as caught:
        renderer(_scope({"x": 1}))
    assert caught.value.message == (
        "The JSONPath '$.person' specified for the field 'who.$' could not be found in the input '{\"x\":1}'"
    )


def test_payload_template_rejects_a_non_path_dollar_value_at_compile_time() -> None:
    with pytest.raises(PathSyntaxError, match=r"'k\.\$'"):
        compile_template({"k.$": "plain text"})


def test_to_json_is_compact_and_keeps_unicode() -> None:
    assert to_json({"a": [1, "é"], "b": None}) == '{"a":[1,"é"],"b":null}'
    assert to_json(2**70) == str(2**70)
