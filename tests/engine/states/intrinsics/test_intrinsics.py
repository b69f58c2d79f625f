"""States.* intrinsic functions.

"AWS doc" below means "Intrinsic functions for JSONPath states in Step Functions", AWS Step
Functions developer guide, /step-functions/latest/dg/intrinsic-functions.html. "Measured" means
behaviour observed on AWS that the guide does not state (error name, truncation, lenient
decoding), as recorded by conformance suites that run the same expressions against AWS.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from engine.states.intrinsics import (
    IntrinsicCall,
    IntrinsicFailure,
    IntrinsicSyntaxError,
    Literal,
    PathArgument,
    StringLiteral,
    evaluate,
    is_intrinsic,
    parse,
)
from engine.states.model import JSON, Environment


def make_env(random: Callable[[], float] = lambda: 0.5) -> Environment:
    return Environment(now=datetime(2024, 5, 1, tzinfo=UTC), new_token=lambda: "token", random=random)


class PathNotFound(Exception):
    pass


def resolver(document: JSON, context: JSON = None) -> Callable[[str], JSON]:
    """A tiny stand-in for the paths module: dotted names under $ (input) and $$ (context)."""

    def resolve(path: str) -> JSON:
        root, rest = (context, path[3:]) if path.startswith("$$.") else (document, path[2:])
        value = root
        for name in rest.split(".") if rest else []:
            if not isinstance(value, dict) or name not in value:
                raise PathNotFound(path)
            value = value[name]
        return value

    return resolve


def run(expression: str, document: JSON = None, env: Environment | None = None) -> JSON:
    return evaluate(expression, resolver(document if document is not None else {}), env or make_env())


def fails(expression: str, document: JSON = None, env: Environment | None = None) -> IntrinsicFailure:
    with pytest.raises(IntrinsicFailure) as caught:
        run(expression, document, env)
    return caught.value


# --- parsing ------------------------------------------------------------------------------------


def test_parse_builds_a_tree_of_literals_paths_and_nested_calls() -> None:
    tree = parse("States.Array('a', -1.5e2, 7, true, false, null, $.x, $$.Execution.Id, States.UUID())")
    assert tree == IntrinsicCall(
        "States.Array",
        (
            StringLiteral("a"),
            Literal(-150.0),
            Literal(7),
            Literal(True),
            Literal(False),
            Literal(None),
            PathArgument("$.x"),
            PathArgument("$$.Execution.Id"),
            IntrinsicCall("States.UUID", (), 70),
        ),
        0,
    )


def test_path_arguments_keep_brackets_filters_and_variables_whole() -> None:
    tree = parse("States.Array($.a[?(@.b == 'x, y')], $['a b'].c, $myVariable, $.abc.['def ghi'])")
    assert [argument for argument in tree.arguments] == [
        PathArgument("$.a[?(@.b == 'x, y')]"),
        PathArgument("$['a b'].c"),
        PathArgument("$myVariable"),
        PathArgument("$.abc.['def ghi']"),
    ]


def test_string_escapes_follow_the_reserved_characters_list() -> None:
    # AWS doc, "Reserved characters in intrinsic functions": \' \{ \} \\ .
    tree = parse(r"States.Format('it\'s \{\} \\ done')")
    literal = tree.arguments[0]
    assert isinstance(literal, StringLiteral)
    assert literal.text == "it's {} \\ done"


@pytest.mark.parametrize(
    ("expression", "fault"),
    [
        ("States.Array(", "expected an argument but the expression ended"),
        ("States.Array(1,)", "empty argument"),
        ("States.Array(,)", "empty argument"),
        ("States.Array(1 2)", "expected ',' or ')'"),
        ("States.Array($.a) trailing", "after the closing parenthesis"),
        ("States.Array(1.)", "malformed number"),
        ("States.Array(.5)", "unexpected '.'"),
        ("States.Array([1,2])", "unexpected '['"),
        ("States.Array('open)", "unterminated string literal"),
        (r"States.Array('a\nb')", "open escape"),
        ("States.Compare($.a, $.b)", "unknown intrinsic function 'States.Compare'"),
        ("Format('x')", "starting with 'States.'"),
        ("States.Array(tru)", "unexpected 't'"),
        ("States.Array($.a[0)", "unterminated bracket"),
    ],
)
def test_malformed_expressions_name_the_fault_and_position(expression: str, fault: str) -> None:
    with pytest.raises(IntrinsicSyntaxError) as caught:
        parse(expression)
    assert fault in str(caught.value)
    assert "at position" in str(caught.value)
    assert 0 <= caught.value.position <= len(expression)


def test_unknown_function_error_points_at_the_function() -> None:
    with pytest.raises(IntrinsicSyntaxError) as caught:
        parse("States.Array(1, States.Nope())")
    assert caught.value.position == 16


def test_nesting_is_limited_to_ten_levels() -> None:
    # AWS doc: "You can nest up to 10 intrinsic functions within a field".
    ten = "States.Array(" * 10 + "1" + ")" * 10
    assert run(ten) == [[[[[[[[[[1]]]]]]]]]]
    with pytest.raises(IntrinsicSyntaxError, match="nested more than 10"):
        parse("States.Array(" * 11 + "1" + ")" * 11)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("States.Array($.Id)", True),
        ("  States.UUID()  ", True),
        ("States.Whatever(1)", True),
        ("$.States.Array", False),
        ("States.Array", False),
        ("Hello States.Array()", False),
    ],
)
def test_is_intrinsic_recognises_the_call_shape(value: str, expected: bool) -> None:
    assert is_intrinsic(value) is expected


# --- documented examples -----------------------------------------------------------------------


def test_format_documented_examples() -> None:
    # AWS doc, States.Format: both forms give "Hello, my name is Arnav."
    document = {"name": "Arnav", "template": "Hello, my name is {}."}
    assert run("States.Format('Hello, my name is {}.', $.name)", document) == "Hello, my name is Arnav."
    assert run("States.Format($.template, $.name)", document) == "Hello, my name is Arnav."


def test_nested_calls_documented_arn_example() -> None:
    # AWS doc, nesting example (myArn). The doc's template has three {} for two values, which
    # AWS itself rejects, so this uses two placeholders around the same nested calls.
    document = {
        "ImageRecipe": {"Arn": "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/my.recipe/1.0.1"}
    }
    version = "States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2)"
    expression = (
        f"States.Format('{{}}.{{}}', "
        f"States.ArrayGetItem(States.StringSplit({version}, '.'), 0), "
        f"States.ArrayGetItem(States.StringSplit({version}, '.'), 1))"
    )
    assert run(expression, document) == "1.0"


def test_string_to_json_documented_example() -> None:
    # AWS doc, States.StringToJson.
    assert run("States.StringToJson($.escapedJsonString)", {"escapedJsonString": '{"foo": "bar"}'}) == {
        "foo": "bar"
    }


def test_json_to_string_documented_example() -> None:
    # AWS doc, States.JsonToString (AWS prints compact JSON).
    assert run("States.JsonToString($.unescapedJson)", {"unescapedJson": {"foo": "bar"}}) == '{"foo":"bar"}'


def test_array_documented_example() -> None:
    # AWS doc, States.Array: "BuildId": [123456].
    assert run("States.Array($.Id)", {"Id": 123456}) == [123456]


def test_array_partition_documented_example() -> None:
    # AWS doc, States.ArrayPartition.
    document = {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}
    assert run("States.ArrayPartition($.inputArray,4)", document) == [[1, 2, 3, 4], [5, 6, 7, 8], [9]]


def test_array_contains_documented_example() -> None:
    # AWS doc, States.ArrayContains.
    document = {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "lookingFor": 5}
    assert run("States.ArrayContains($.inputArray, $.lookingFor)", document) is True


def test_array_range_documented_example() -> None:
    # AWS doc, States.ArrayRange.
    assert run("States.ArrayRange(1, 9, 2)") == [1, 3, 5, 7, 9]


def test_array_get_item_documented_example() -> None:
    # AWS doc, States.ArrayGetItem.
    document = {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "index": 5}
    assert run("States.ArrayGetItem($.inputArray, $.index)", document) == 6


def test_array_length_documented_example() -> None:
    # AWS doc, States.ArrayLength.
    assert run("States.ArrayLength($.inputArray)", {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}) == 9


def test_array_unique_documented_example() -> None:
    # AWS doc, States.ArrayUnique.
    assert run("States.ArrayUnique($.inputArray)", {"inputArray": [1, 2, 3, 3, 3, 3, 3, 3, 4]}) == [
        1,
        2,
        3,
        4,
    ]


def test_base64_encode_documented_example() -> None:
    # AWS doc, States.Base64Encode.
    assert run("States.Base64Encode($.input)", {"input": "Data to encode"}) == "RGF0YSB0byBlbmNvZGU="


def test_base64_decode_documented_example() -> None:
    # AWS doc, States.Base64Decode. The doc prints "Decoded data", but its input decodes to
    # "Data to encode" (the Base64Encode example's input).
    assert run("States.Base64Decode($.base64)", {"base64": "RGF0YSB0byBlbmNvZGU="}) == "Data to encode"


def test_hash_documented_example() -> None:
    # AWS doc, States.Hash. The doc prints "aaff4a450a104cd177d28d18d7485e8cae074b7", 39 hex
    # digits: it dropped a "4" from the real SHA-1 digest checked here against hashlib.
    result = run("States.Hash($.Data, $.Algorithm)", {"Data": "input data", "Algorithm": "SHA-1"})
    assert result == "aaff4a450a104cd177d28d18d74485e8cae074b7"
    assert result == hashlib.sha1(b"input data").hexdigest()


@pytest.mark.parametrize(
    ("algorithm", "reference"),
    [
        ("MD5", hashlib.md5),
        ("SHA-256", hashlib.sha256),
        ("SHA-384", hashlib.sha384),
        ("SHA-512", hashlib.sha512),
    ],
)
def test_hash_supports_every_documented_algorithm(
    algorithm: str, reference: Callable[[bytes], object]
) -> None:
    result = run(f"States.Hash('héllo', '{algorithm}')")
    assert result == reference("héllo".encode()).hexdigest()  # type: ignore[attr-defined]


def test_json_merge_documented_example() -> None:
    # AWS doc, States.JsonMerge: shallow, json2's "a" replaces json1's "a".
    document = {"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}}
    assert run("States.JsonMerge($.json1, $.json2, false)", document) == {
        "a": {"a3": 1, "a4": 2},
        "b": 2,
        "c": 3,
    }


def test_math_random_documented_range() -> None:
    # AWS doc, States.MathRandom(1, 999): start inclusive, end exclusive.
    assert run("States.MathRandom($.start, $.end)", {"start": 1, "end": 999}, make_env(lambda: 0.0)) == 1
    assert (
        run("States.MathRandom($.start, $.end)", {"start": 1, "end": 999}, make_env(lambda: 0.999999)) == 998
    )
    assert run("States.MathRandom(1, 999)", env=make_env(lambda: 0.5)) == 500


def test_math_random_with_a_seed_is_repeatable_and_ignores_the_injected_source() -> None:
    # AWS doc: "if you use this function with the same seed value, it will return identical numbers".
    first = run("States.MathRandom(1, 1000, 42)", env=make_env(lambda: 0.0))
    second = run("States.MathRandom(1, 1000, 42)", env=make_env(lambda: 0.9))
    assert first == second
    assert 1 <= first < 1000
    assert run("States.MathRandom(1, 1000, 7)") != first or run("States.MathRandom(1, 1000, 8)") != first


def test_math_add_documented_example() -> None:
    # AWS doc, States.MathAdd: 111 + -1 = 110.
    assert run("States.MathAdd($.value1, $.step)", {"value1": 111, "step": -1}) == 110


def test_string_split_documented_examples() -> None:
    # AWS doc, States.StringSplit: a single delimiter, then several delimiter characters.
    assert run(
        "States.StringSplit($.inputString, $.splitter)", {"inputString": "1,2,3,4,5", "splitter": ","}
    ) == [
        "1",
        "2",
        "3",
        "4",
        "5",
    ]
    document = {"inputString": "This.is+a,test=string", "splitter": ".+,="}
    assert run("States.StringSplit($.inputString, $.splitter)", document) == [
        "This",
        "is",
        "a",
        "test",
        "string",
    ]


def test_uuid_is_version_4_and_comes_from_the_injected_randomness() -> None:
    # AWS doc, States.UUID: "a version 4 universally unique identifier".
    values = iter([0.1, 0.2, 0.3, 0.4])
    result = run("States.UUID()", env=make_env(lambda: next(values)))
    parsed = uuid.UUID(result)
    assert parsed.version == 4
    assert parsed.variant == uuid.RFC_4122
    again = iter([0.1, 0.2, 0.3, 0.4])
    assert run("States.UUID()", env=make_env(lambda: next(again))) == result
    assert run("States.UUID()", env=make_env(lambda: 0.7)) != result


# --- argument rules and measured behaviour --------------------------------------------------------


def test_failures_report_states_runtime_with_the_function_named() -> None:
    failure = fails("States.ArrayRange(1, 1001, 1)")
    assert failure.error == "States.Runtime"
    assert failure.cause == "Invalid arguments in States.ArrayRange"
    assert "1001 items" in str(failure)


@pytest.mark.parametrize(
    "expression",
    [
        "States.Hash('hello')",
        "States.Hash('hello', 'SHA-256', 'extra')",
        "States.Base64Encode()",
        "States.ArrayContains($.a)",
        "States.MathAdd(1, 2, 999)",
        "States.MathRandom(1)",
        "States.JsonMerge($.a, $.a)",
        "States.StringToJson()",
        "States.UUID(1)",
        "States.Format()",
    ],
)
def test_wrong_argument_counts_fail(expression: str) -> None:
    failure = fails(expression, {"a": {}})
    assert "argument" in failure.detail


def test_path_errors_propagate_unchanged() -> None:
    with pytest.raises(PathNotFound):
        run("States.Hash($.missing, 'SHA-256')", {})


def test_context_paths_are_resolved_by_the_callback() -> None:
    resolve = resolver({"role": "admin"}, {"Execution": {"Input": {"userId": 7}}})
    assert evaluate("States.Array($$.Execution.Input.userId, $.role)", resolve, make_env()) == [7, "admin"]


def test_a_parsed_tree_can_be_evaluated_many_times() -> None:
    tree = parse("States.MathAdd($.n, 1)")
    assert [evaluate(tree, resolver({"n": n}), make_env()) for n in (1, 2)] == [2, 3]


def test_format_renders_values_like_json_and_keeps_escaped_braces() -> None:
    document = {"a": "x", "b": 2, "c": True, "nil": None, "f": 3.5, "obj": {"k": [1]}}
    assert run("States.Format('{}|{}|{}|{}|{}|{}', $.a, $.b, $.c, $.nil, $.f, $.obj)", document) == (
        "x|2|true|null|3.5|{k=[1]}"  # Java's toString, as AWS: see fidelity/test_format_fidelity.py
    )
    assert run(r"States.Format('\{\} is {}', $.a)", document) == "{} is x"


@pytest.mark.parametrize(
    "expression",
    ["States.Format('{} {}', 'x')", "States.Format('{}', 'x', 'y')", "States.Format('Hello {', 'x')"],
)
def test_format_placeholders_must_match_the_values(expression: str) -> None:
    fails(expression)


@pytest.mark.parametrize("template", ["Hello {{}}", "}", "{"])
def test_format_rejects_unmatched_braces(template: str) -> None:
    fails("States.Format($.t)", {"t": template})


def test_format_template_must_be_a_string() -> None:
    fails("States.Format($.t, 'x')", {"t": 123})


def test_string_to_json_parses_scalars_and_rejects_bad_text() -> None:
    assert run("States.StringToJson($.s)", {"s": " [1,2] "}) == [1, 2]
    assert run("States.StringToJson($.s)", {"s": "null"}) is None
    assert run("States.StringToJson($.s)", {"s": ""}) is None  # measured: AWS answers null
    for bad in ["{bad json}", '{"a":1', "undefined"]:
        assert "not valid JSON" in fails("States.StringToJson($.s)", {"s": bad}).detail
    fails("States.StringToJson($.s)", {"s": 123})


def test_array_keeps_values_in_order_including_falsy_ones() -> None:
    assert run("States.Array()") == []
    assert run("States.Array(false, '', 0, null, States.Array(2, 3))") == [False, "", 0, None, [2, 3]]


def test_array_partition_truncates_the_chunk_size_and_requires_it_positive() -> None:
    assert run("States.ArrayPartition($.a, 2.6)", {"a": [1, 2, 3, 4, 5]}) == [[1, 2], [3, 4], [5]]
    assert run("States.ArrayPartition($.a, 10)", {"a": [1, 2, 3]}) == [[1, 2, 3]]
    assert run("States.ArrayPartition($.a, 3)", {"a": []}) == []
    for size in ["0", "-1", "0.6", "null", "'2'"]:
        fails(f"States.ArrayPartition($.a, {size})", {"a": [1, 2, 3]})
    fails("States.ArrayPartition('not-array', 2)")


def test_array_contains_compares_structurally_without_coercion() -> None:
    document = {"arr": [{"a": 1}, [1, 2], None, 0], "obj": {"a": 1}, "pair": [1, 2]}
    assert run("States.ArrayContains($.arr, $.obj)", document) is True
    assert run("States.ArrayContains($.arr, $.pair)", document) is True
    assert run("States.ArrayContains($.arr, null)", document) is True
    assert run("States.ArrayContains($.arr, false)", document) is False
    assert run("States.ArrayContains($.arr, 1)", document) is False
    fails("States.ArrayContains('x', 'x')")


def test_array_range_directions_limits_and_truncation() -> None:
    assert run("States.ArrayRange(5, 1, -2)") == [5, 3, 1]
    assert run("States.ArrayRange(5, 1, 1)") == []
    assert run("States.ArrayRange(3, 3, -1)") == [3]
    assert run("States.ArrayRange(5.4, -0.6, -2.4)") == [5, 3, 1]  # measured: truncation
    assert len(run("States.ArrayRange(1, 1000, 1)")) == 1000
    assert len(run("States.ArrayRange(1000, 1, -1)")) == 1000
    for bad in [
        "States.ArrayRange(1, 1001, 1)",
        "States.ArrayRange(1, 10, 0)",
        "States.ArrayRange(1, 10, 0.49)",
    ]:
        fails(bad)
    fails("States.ArrayRange('a', 5, 1)")


def test_array_get_item_bounds() -> None:
    document = {"arr": [10, 20, 30]}
    assert run("States.ArrayGetItem($.arr, 1.2)", document) == 20  # measured: truncation
    assert run("States.ArrayGetItem($.empty, 999)", {"empty": []}) is None  # measured: null
    for index in ["3", "-1", "'1'"]:
        fails(f"States.ArrayGetItem($.arr, {index})", document)


def test_array_length_requires_an_array() -> None:
    assert run("States.ArrayLength($.a)", {"a": []}) == 0
    fails("States.ArrayLength($.a)", {"a": "abc"})


def test_array_unique_keeps_first_occurrences_of_structurally_equal_values() -> None:
    document: dict[str, JSON] = {"a": [None, None, True, 1, 1.0, "1", {"a": 1}, {"a": 1}, [], []]}
    assert run("States.ArrayUnique($.a)", document) == [None, True, 1, "1", {"a": 1}, []]


def test_base64_round_trips_utf8_and_limits_length() -> None:
    assert run("States.Base64Encode('🚀')") == "8J+agA=="
    assert run("States.Base64Decode('44GT44KT44Gr44Gh44Gv')") == "こんにちは"
    assert run("States.Base64Decode(States.Base64Encode($.s))", {"s": "hello"}) == "hello"
    assert run("States.Base64Encode($.s)", {"s": "a" * 10_000}).startswith("YWFh")
    assert "10001 characters" in fails("States.Base64Encode($.s)", {"s": "a" * 10_001}).detail
    fails("States.Base64Decode($.s)", {"s": "A" * 10_001})
    fails("States.Base64Encode(123)")


def test_base64_decode_is_lenient_like_aws() -> None:
    # Measured: AWS decodes these instead of failing.
    assert run("States.Base64Decode(' YWJjZA== ')") == "abcd"
    assert run("States.Base64Decode('YWJj')") == "abc"
    assert run("States.Base64Decode('YWJjZA')") == "abcd"
    assert run("States.Base64Decode('YW!!Jj')") == "abc"


def test_hash_limits_and_algorithm_names() -> None:
    assert len(run("States.Hash($.s, 'SHA-256')", {"s": "a" * 10_000})) == 64
    fails("States.Hash($.s, 'SHA-256')", {"s": "a" * 10_001})
    for algorithm in ["'sha-256'", "'SHA256'", "''", "123"]:
        assert "algorithm" in fails(f"States.Hash('data', {algorithm})").detail
    # Measured: AWS hashes a non-string by its JSON text instead of failing.
    assert run("States.Hash(123, 'MD5')") == hashlib.md5(b"123").hexdigest()


def test_json_merge_rejects_deep_mode_and_non_objects() -> None:
    document = {"a": {"x": 1}, "b": {"x": 2}, "list": []}
    assert run("States.JsonMerge($.a, $.b, false)", document) == {"x": 2}
    assert "deep" in fails("States.JsonMerge($.a, $.b, true)", document).detail
    fails("States.JsonMerge($.list, $.b, false)", document)
    fails("States.JsonMerge($.a, 'x', false)", document)


def test_math_random_argument_rules() -> None:
    assert run("States.MathRandom(1.6, 5.4)", env=make_env(lambda: 0.0)) == 1  # measured: truncation
    for bad in ["(1, 1)", "(10, 5)", "(1.4, 1.6)", "('a', 10)", "(1, 10, 'seed')", "(1, 10, null)"]:
        fails(f"States.MathRandom{bad}")


def test_math_add_rounds_and_stays_in_int32() -> None:
    assert run("States.MathAdd($.a, $.b)", {"a": 1.6, "b": 2.7}) == 5  # measured: rounding
    assert run("States.MathAdd(2147483646, 1)") == 2147483647
    assert run("States.MathAdd(-2147483647, -1)") == -2147483648
    for bad in [
        "(2147483647, 1)",
        "(-2147483648, -1)",
        "(3000000000, 1)",
        "('1', 2)",
        "(true, 1)",
        "(null, 1)",
    ]:
        fails(f"States.MathAdd{bad}")


def test_string_split_drops_empty_pieces_and_requires_strings() -> None:
    # Measured: AWS drops the empty strings between adjacent delimiters.
    assert run("States.StringSplit($.s, ',')", {"s": ",a,,b,"}) == ["a", "b"]
    assert run("States.StringSplit($.s, ',')", {"s": ""}) == []
    assert run("States.StringSplit($.s, 'ab')", {"s": "1a2b3ab4"}) == ["1", "2", "3", "4"]
    fails("States.StringSplit($.s, ',')", {"s": 123})
    fails("States.StringSplit($.s, $.d)", {"s": "a,b", "d": [","]})
