"""ASL definition validation: paths, payload templates, Assign and the query languages.

Expected texts are AWS's own, from the reports named in ``support``.
"""

from __future__ import annotations

from engine.states.definition import (
    parse_definition,
    validate,
)
from tests.engine.states.definition.support import (
    codes,
    errors,
    found,
    machine,
    only_in,
)

# --- paths and payload templates -----------------------------------------------------------------


def test_input_output_and_result_paths() -> None:
    good = {
        "Type": "Pass",
        "InputPath": "$.items[?(@.price < 10)]",
        "OutputPath": None,
        "ResultPath": "$.a['b'][0]",
        "End": True,
    }
    assert errors(machine({"A": good})) == []
    assert errors(machine({"A": {"Type": "Pass", "InputPath": "items", "End": True}})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'InputPath' must be a valid JSONPath",
            "/States/A/InputPath",
        )
    ]
    for bad in ("$.a[*]", "$..a", "$$.Execution", "$var.a"):
        result = errors(machine({"A": {"Type": "Pass", "ResultPath": bad, "End": True}}))
        assert result == [
            (
                "SCHEMA_VALIDATION_FAILED",
                "The value for the field 'ResultPath' must be a valid ReferencePath",
                "/States/A/ResultPath",
            )
        ], bad


def test_dollar_fields_need_paths_or_intrinsics() -> None:
    parameters = {
        "ok1.$": "$.a",
        "ok2.$": "$$.Execution.Id",
        "ok3.$": "$myVariable.field",
        "ok4.$": "States.Format('Hello, {}', $.name)",
        "nested": {"bad.$": "not a path"},
        "bad.$": "States.NotAFunction($.a)",
        "broken.$": "States.Array(",
        "number.$": 5,
    }
    result = errors(machine({"A": {"Type": "Pass", "Parameters": parameters, "End": True}}))
    message = "The value for the field '{}' must be a valid JSONPath or a valid intrinsic function call"
    assert result == [
        ("SCHEMA_VALIDATION_FAILED", message.format("bad.$"), "/States/A/Parameters/nested"),
        ("SCHEMA_VALIDATION_FAILED", message.format("bad.$"), "/States/A/Parameters"),
        ("SCHEMA_VALIDATION_FAILED", message.format("broken.$"), "/States/A/Parameters"),
        ("SCHEMA_VALIDATION_FAILED", message.format("number.$"), "/States/A/Parameters"),
    ]


def test_path_value_without_dollar_key_warns_no_dollar() -> None:
    text = machine({"A": {"Type": "Pass", "Parameters": {"name": "$.name", "plain": "hello"}, "End": True}})
    assert found(text) == [
        (
            "WARNING",
            "NO_DOLLAR",
            "The value for the field 'name' looks like a JSONPath or intrinsic function, "
            "but the field name does not end with '.$'",
            "/States/A/Parameters/name",
        )
    ]
    assert parse_definition(text)["States"]["A"]["Parameters"]["name"] == "$.name"


def test_pass_result_with_dollar_keys_warns() -> None:
    text = machine({"A": {"Type": "Pass", "Result": {"x.$": "$.a"}, "End": True}})
    assert [(d.severity, d.code) for d in validate(text)] == [("WARNING", "PASS_RESULT_IS_STATIC")]


def test_parameters_must_be_an_object() -> None:
    assert errors(machine({"A": {"Type": "Pass", "Parameters": "x", "End": True}})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'Parameters' must be an OBJECT",
            "/States/A/Parameters",
        )
    ]


def test_assign_variable_names() -> None:
    state = {"Type": "Pass", "Assign": {"good": 1, "alsoGood.$": "$.x", "9bad": 2, "states": 3}, "End": True}
    assert [location for _, _, location in errors(machine({"A": state}))] == [
        "/States/A/Assign/9bad",
        "/States/A/Assign/states",
    ]


# --- query languages -----------------------------------------------------------------------------


def test_jsonpath_only_fields_in_jsonata_state() -> None:
    # floci-io/floci: "The QueryLanguage is set to 'JSONata', but field 'X' is only supported for
    # the 'JSONPath' QueryLanguage" at /States/<state>.
    state = {"Type": "Pass", "QueryLanguage": "JSONata", "Parameters": {}, "ResultPath": "$.x", "End": True}
    assert errors(machine({"A": state})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            only_in("JSONata", field, "JSONPath"),
            "/States/A",
        )
        for field in ("Parameters", "ResultPath")
    ]


def test_jsonata_only_fields_in_jsonpath_state() -> None:
    # floci-io/floci#2968, measured verbatim.
    assert errors(machine({"A": {"Type": "Pass", "Output": {"a": 1}, "End": True}})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            only_in("JSONPath", "Output", "JSONata"),
            "/States/A",
        )
    ]


def test_state_cannot_use_jsonpath_under_a_jsonata_machine() -> None:
    # floci-io/floci#2968, measured verbatim.
    text = machine({"A": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}}, QueryLanguage="JSONata")
    assert errors(text) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            "/States/A",
        )
    ]
    jsonata_state = machine({"A": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": 1, "End": True}})
    assert errors(jsonata_state) == []


def test_states_inside_a_map_inherit_the_machine_language_not_the_maps() -> None:
    # floci-io/floci#2968: a JSONata Map does not make its ItemProcessor's states JSONata.
    inner = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": 1, "End": True}}}
    text = machine({"M": {"Type": "Map", "QueryLanguage": "JSONata", "ItemProcessor": inner, "End": True}})
    assert errors(text) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            only_in("JSONPath", "Output", "JSONata"),
            "/States/M/ItemProcessor/States/P",
        )
    ]


def test_jsonata_expressions_must_compile() -> None:
    # floci-io/floci#2745 lists AWS's parse messages without the JSONata code, e.g. Expected "]", got ",".
    state = {"Type": "Pass", "Output": {"v": "{% a[1,2) %}", "ok": "{% $states.input %}"}, "End": True}
    assert errors(machine({"A": state}, QueryLanguage="JSONata")) == [
        (
            "INVALID_JSONATA_EXPRESSION",
            'Invalid JSONata expression \'a[1,2)\': Expected "]", got ","',
            "/States/A/Output/v",
        )
    ]
    wait = {"Type": "Wait", "Seconds": "{% 1 + %}", "End": True}
    assert codes(machine({"W": wait}, QueryLanguage="JSONata")) == ["INVALID_JSONATA_EXPRESSION"]
