"""JSONata binding.

"Transforming data" means "Transforming data with JSONata in Step Functions" (AWS Step
Functions developer guide, /step-functions/latest/dg/transforming-data.html); "Variables" means
"Passing data between states with variables" (/step-functions/latest/dg/workflow-variables.html).
Causes quoted as "AWS cause" were observed from AWS TestState/DescribeExecution responses.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from engine.states import jsonata as jsonata_binding
from engine.states.jsonata import QueryEvaluationError, evaluate, is_expression, parse_error, render
from engine.states.model import JSON, Environment


def make_env(random: Callable[[], float] = lambda: 0.5) -> Environment:
    return Environment(
        now=datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=UTC), new_token=lambda: "token", random=random
    )


def states(input: JSON, **extra: JSON) -> dict[str, JSON]:
    return {"states": {"input": input, **extra}}


def fails(text: str, bindings: dict[str, JSON], field: str = "Output") -> str:
    with pytest.raises(QueryEvaluationError) as caught:
        evaluate(text, bindings, field=field, env=make_env())
    assert caught.value.error == "States.QueryEvaluationError"
    return caught.value.cause


# --- recognising expressions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{% $states.input %}", True),
        ("{%$x%}", True),
        (" {% $x %}", False),  # Transforming data: "must start with {% with no leading spaces"
        ("{% $x %} ", False),  # ... "and must end with %} with no trailing spaces"
        ("$customerName", False),
        ("{% $x", False),
        ("{%}", False),
        (42, False),
        (None, False),
    ],
)
def test_is_expression(value: object, expected: bool) -> None:
    assert is_expression(value) is expected


def test_parse_error_is_none_for_valid_expressions() -> None:
    assert parse_error("{% $states.input.products[calories=0] %}") is None
    assert parse_error("$count([1, 2])") is None


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        # AWS's definition-time messages for these (code stripped), as measured.
        ("a[1,2)", 'Expected "]", got ","'),
        ('"unterminated', "String literal must be terminated by a matching quote"),
        ("1 +", "Unexpected end of expression"),
        ('{"a":}', 'The symbol "}" cannot be used as a unary operator'),
        ('$match("a", /abc', "No terminating / in regular expression"),
    ],
)
def test_parse_error_words_faults_like_aws(expression: str, message: str) -> None:
    assert parse_error("{% " + expression + " %}") == message


# --- documented examples -------------------------------------------------------------------------


def test_input_and_output_example() -> None:
    # Transforming data, "Example: Input and Output".
    document = {
        "customer": {"firstName": "Martha", "lastName": "Rivera"},
        "order": {"items": 7, "total": 27.91},
    }
    template = {
        "lastName": "{% 'Last=>' & $states.input.customer.lastName %}",
        "orderValue": "{% $states.input.order.total %}",
    }
    assert render(template, states(document), field="Output") == {
        "lastName": "Last=>Rivera",
        "orderValue": 27.91,
    }


def test_filtering_example() -> None:
    # Transforming data, "Example: Filtering with JSONata".
    products = [{"name": "a", "calories": 0}, {"name": "b", "calories": 90}, {"name": "c", "calories": 0}]
    result = render(
        {"dietProducts": "{% $states.input.products[calories=0] %}"},
        states({"products": products}),
        field="Output",
    )
    assert result == {"dietProducts": [{"name": "a", "calories": 0}, {"name": "c", "calories": 0}]}


def test_conversion_example_leaves_plain_strings_alone() -> None:
    # Transforming data: the JSONPath-to-JSONata conversion sample and its documented result.
    arguments = {
        "static": "Hello",
        "title": "{% $states.input.title %}",
        "name": "{% $customerName %}",
        "not-evaluated": "$customerName",
    }
    bindings = {**states({"title": "Doctor"}), "customerName": "María"}
    assert render(arguments, bindings, field="Arguments") == {
        "static": "Hello",
        "title": "Doctor",
        "name": "María",
        "not-evaluated": "$customerName",
    }


def test_items_may_mix_literals_and_expressions() -> None:
    # Transforming data: "Items": [1, "{% $two %}", 3].
    assert render([1, "{% $two %}", 3], {"two": 2}, field="Items") == [1, 2, 3]


def test_assign_reads_values_from_state_entry() -> None:
    # Variables, "Evaluation order in an assign field": starting $x=3, $a=6 ends $x=6, $nextX=3.
    assert render({"x": "{% $a %}", "nextX": "{% $x %}"}, {"x": 3, "a": 6}, field="Assign") == {
        "x": 6,
        "nextX": 3,
    }


def test_context_object_through_states_context() -> None:
    # "Accessing execution data from the Context object": {% $states.context.Execution.Id %}.
    bindings = states({}, context={"Execution": {"Id": "arn:aws:states:us-east-1:1:execution:sm:run"}})
    assert evaluate("{% $states.context.Execution.Id %}", bindings, field="Output") == (
        "arn:aws:states:us-east-1:1:execution:sm:run"
    )


def test_condition_evaluates_to_a_boolean() -> None:
    # Transforming data, Choice state: "Condition": "{% $current_price <= $states.input.desired_price %}".
    bindings = {**states({"desired_price": 10}), "current_price": 8}
    assert (
        evaluate("{% $current_price <= $states.input.desired_price %}", bindings, field="Condition") is True
    )


# --- undefined and errors ------------------------------------------------------------------------


def test_undefined_result_fails_naming_the_expression_and_field() -> None:
    # Transforming data: "{% $data.thisFieldDoesNotExist %}" fails. AWS cause (measured):
    # "The JSONata expression '$states.input.missing' specified for the field 'Output/v'
    # returned nothing (undefined)."
    with pytest.raises(QueryEvaluationError) as caught:
        render({"v": "{% $states.input.missing %}"}, states({}), field="Output")
    assert caught.value.cause == (
        "The JSONata expression '$states.input.missing' specified for the field 'Output/v' "
        "returned nothing (undefined)."
    )


def test_nested_fields_are_named_by_key_and_index() -> None:
    with pytest.raises(QueryEvaluationError) as caught:
        render({"list": ["ok", {"deep": "{% $nope %}"}]}, {}, field="Arguments")
    assert "for the field 'Arguments/list[1]/deep'" in caught.value.cause


def test_null_is_a_value_not_undefined() -> None:
    assert evaluate("{% $states.input.a %}", states({"a": None}), field="Output") is None
    assert evaluate("{% {'a': null, 'b': [1, null]} %}", {}, field="Output") == {"a": None, "b": [1, None]}


def test_runtime_errors_carry_the_jsonata_code_and_jsonata_js_wording() -> None:
    # AWS cause (measured): "... threw an error during evaluation. T0412: Argument 1 of function
    # "sum" must be an array of "numbers"".
    assert fails("{% $sum(['a']) %}", {}) == (
        "The JSONata expression '$sum(['a'])' specified for the field 'Output' threw an error during "
        'evaluation. T0412: Argument 1 of function "sum" must be an array of "numbers"'
    )
    assert fails("{% $abs('a') %}", {}).endswith(
        'T0410: Argument 1 of function "abs" does not match function signature'
    )
    assert fails("{% 'a' + 1 %}", {}).endswith(
        'T2001: The left side of the "+" operator must evaluate to a number'
    )
    assert fails("{% $error('boom') %}", {}).endswith("evaluation. D3137: boom")


def test_eval_is_not_available() -> None:
    # Transforming data: "$eval is not supported in Step Functions workflows"; AWS cause ends
    # "T1006: Attempted to invoke a non-function".
    assert fails("{% $eval('1+1') %}", {}).endswith("T1006: Attempted to invoke a non-function")


def test_division_by_zero_is_out_of_range() -> None:
    assert "D1001" in fails("{% 1/0 %}", {})


def test_a_function_result_cannot_be_returned() -> None:
    # AWS's wording: see tests/engine/states/fidelity/test_map_fidelity.py.
    assert "returned an unsupported result type." in fails("{% $sum %}", {})


# --- numbers and strings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected", "kind"),
    [
        ("1 + 2", 3, int),
        ("6 / 4", 1.5, float),
        ("1.5 * 2", 3, int),
        ("$states.input.f", 2, int),  # JavaScript has one number type: 2.0 is printed 2
        ("0.1 + 0.2", 0.30000000000000004, float),
        ("$string(1.0)", "1", str),
        ("'n=' & 5", "n=5", str),
        ("[1..3]", [1, 2, 3], list),
        ("$count([1, 2, 3])", 3, int),
    ],
)
def test_numbers_come_back_as_json_numbers(expression: str, expected: JSON, kind: type) -> None:
    result = evaluate("{% " + expression + " %}", states({"f": 2.0}), field="Output")
    assert result == expected
    assert type(result) is kind


def test_results_are_fresh_copies_of_the_bindings() -> None:
    document = {"items": [1, {"a": None}]}
    result = evaluate("{% $states.input %}", states(document), field="Output")
    assert result == document
    result["items"].append(2)
    assert document == {"items": [1, {"a": None}]}


def test_bare_expressions_are_accepted() -> None:
    assert evaluate("$x * 2", {"x": 21}, field="Output") == 42


def test_compiled_expressions_are_cached() -> None:
    text = "{% $states.input.cached + 1 %}"
    before = jsonata_binding._compiled.cache_info().hits
    for value in range(3):
        assert evaluate(text, states({"cached": value}), field="Output") == value + 1
    assert jsonata_binding._compiled.cache_info().hits >= before + 2


# --- Step Functions functions -------------------------------------------------------------------


def test_partition() -> None:
    # Transforming data, $partition; non-integers are rounded down.
    bindings = states({"chunkSize": 3})
    assert evaluate("{% $partition([1,2,3,4], $states.input.chunkSize) %}", bindings, field="Assign") == [
        [1, 2, 3],
        [4],
    ]
    assert evaluate("{% $partition([1,2,3,4,5], 2.9) %}", {}, field="Assign") == [[1, 2], [3, 4], [5]]
    assert "chunk size" in fails("{% $partition([1,2], 0) %}", {})


def test_range() -> None:
    # Transforming data, $range(0, 10, 2).
    assert evaluate("{% $range(0, 10, 2) %}", {}, field="Assign") == [0, 2, 4, 6, 8, 10]
    assert evaluate("{% $range(5, 1, -2) %}", {}, field="Assign") == [5, 3, 1]
    assert "step" in fails("{% $range(0, 1, 0) %}", {})
    assert "1001 items" in fails("{% $range(1, 1001, 1) %}", {})


def test_hash() -> None:
    # Transforming data, $hash($states.input.content, $hashAlgorithmName).
    bindings = {**states({"content": "input data"}), "hashAlgorithmName": "SHA-256"}
    assert evaluate("{% $hash($states.input.content, $hashAlgorithmName) %}", bindings, field="Assign") == (
        hashlib.sha256(b"input data").hexdigest()
    )
    assert "algorithm" in fails("{% $hash('a', 'sha1') %}", {})


def test_random_uses_injected_randomness_or_a_seed() -> None:
    # Transforming data, $random() and $random($states.input.seed).
    env = make_env(lambda: 0.125)
    assert evaluate("{% $random() %}", {}, field="Assign", env=env) == 0.125
    seeded = evaluate("{% $random($states.input.seed) %}", states({"seed": 7}), field="Assign", env=env)
    again = evaluate("{% $random(7) %}", {}, field="Assign", env=make_env(lambda: 0.9))
    assert seeded == again
    assert 0 <= seeded < 1


def test_uuid_is_version_4_from_injected_randomness() -> None:
    # Transforming data, $uuid().
    first = evaluate("{% $uuid() %}", {}, field="Assign", env=make_env(lambda: 0.3))
    assert uuid.UUID(first).version == 4
    assert evaluate("{% $uuid() %}", {}, field="Assign", env=make_env(lambda: 0.3)) == first
    assert evaluate("{% $uuid() %}", {}, field="Assign", env=make_env(lambda: 0.6)) != first


def test_parse_deserialises_json_strings() -> None:
    # Transforming data, $parse($states.input.json_string).
    bindings = states({"json_string": '{"a": [1, null, {"b": true}]}'})
    assert evaluate("{% $parse($states.input.json_string) %}", bindings, field="Assign") == {
        "a": [1, None, {"b": True}]
    }
    assert evaluate("{% $parse('null') %}", {}, field="Assign") is None
    assert "not valid JSON" in fails("{% $parse('{oops') %}", {})


def test_now_and_millis_come_from_the_injected_clock() -> None:
    env = make_env()
    assert evaluate("{% $now() %}", {}, field="Output", env=env) == "2024-05-01T12:30:15.250Z"
    assert evaluate("{% $millis() %}", {}, field="Output", env=env) == 1714566615250


def test_time_and_randomness_need_the_environment() -> None:
    for expression in ["$now()", "$millis()", "$random()", "$uuid()"]:
        with pytest.raises(QueryEvaluationError, match="injected environment"):
            evaluate("{% " + expression + " %}", {}, field="Output")
