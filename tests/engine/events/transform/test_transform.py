"""Target input: PutTargets checks and the text a target receives (engine.events.transform)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.events.transform import (
    TargetInputError,
    event_without_detail,
    receives_whole_event,
    render_target_input,
    validate_target_input,
)

RULE_ARN = "arn:aws:events:us-east-2:123456789012:rule/example"
INGESTED = datetime(2015, 11, 11, 21, 29, 55, 250000, tzinfo=UTC)

# The example Amazon EC2 event of "Amazon EventBridge input transformation"
# (docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
EC2_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-0123456789", "state": "RUNNING"},
}
# The Input Path of the same page.
EC2_PATHS = {
    "timestamp": "$.time",
    "instance": "$.detail.instance-id",
    "state": "$.detail.state",
    "resource": "$.resources[0]",
}

# The event LocalStack's AWS-validated tests send (tests/aws/services/events/test_events_inputs.py).
ACCOUNT_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "0c6ed8b5-9d6a-4e8a-8d55-1d0a4f1c2b3d",
    "detail-type": "core.update-account-command",
    "source": "core.update-account-command",
    "account": "111111111111",
    "time": "2024-05-13T12:27:07Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}},
}
ACCOUNT_PATHS = {"detail-type": "$.detail-type", "timestamp": "$.time", "command": "$.detail.command"}


def transformer(template: str, paths: dict[str, str] | None = None, target_id: str = "t1") -> dict[str, Any]:
    inner: dict[str, Any] = {"InputTemplate": template}
    if paths is not None:
        inner["InputPathsMap"] = paths
    return {"Id": target_id, "Arn": "arn:aws:sqs:us-east-1:123456789012:q", "InputTransformer": inner}


def render(target: dict[str, Any], event: dict[str, Any] = EC2_EVENT) -> str:
    validate_target_input(target)
    return render_target_input(target, event, rule_arn=RULE_ARN, rule_name="example", ingestion_time=INGESTED)


def refusal(target: dict[str, Any], **kwargs: Any) -> TargetInputError:
    with pytest.raises(TargetInputError) as caught:
        validate_target_input(target, **kwargs)
    return caught.value


# --- validate_target_input: Input / InputPath / InputTransformer are exclusive ---------------


def test_a_target_without_input_settings_is_valid() -> None:
    validate_target_input({"Id": "t1", "Arn": "arn:aws:sqs:us-east-1:123456789012:q"})


@pytest.mark.parametrize(
    "settings",
    [
        {"Input": "{}", "InputPath": "$.detail"},
        {"Input": "{}", "InputTransformer": {"InputTemplate": '"x"'}},
        {"InputPath": "$.detail", "InputTransformer": {"InputTemplate": '"x"'}},
        {"Input": "{}", "InputPath": "$", "InputTransformer": {"InputTemplate": '"x"'}},
    ],
)
def test_more_than_one_input_setting_is_refused(settings: dict[str, Any]) -> None:
    # Message recorded against AWS: LocalStack test_put_event_input_path_and_input_transformer snapshot.
    error = refusal({"Id": "target-9", **settings})
    assert error.code == "ValidationException"
    assert (
        error.message
        == "Only one of Input, InputPath, or InputTransformer must be provided for target target-9."
    )


# --- Input: a constant JSON text ---------------------------------------------------------------


@pytest.mark.parametrize("constant", ['{"a": [1, 2]}', '"hello"', "42", "null", "  {\n}  "])
def test_input_may_be_any_json_text(constant: str) -> None:
    validate_target_input({"Id": "t1", "Input": constant})


@pytest.mark.parametrize("constant", ["hello", "{'a': 1}", '{"a": 1', "NaN", ""])
def test_input_that_is_not_json_is_refused(constant: str) -> None:
    assert refusal({"Id": "t1", "Input": constant}).message == "JSON syntax error in input for target t1."


def test_input_longer_than_8192_characters_is_refused_at_its_position() -> None:
    constant = '"' + "x" * 8191 + '"'
    error = refusal({"Id": "t1", "Input": constant}, position=3)
    assert error.message.startswith("1 validation error detected: Value '\"xxx")
    assert error.message.endswith(
        "' at 'targets.3.member.input' failed to satisfy constraint: "
        "Member must have length less than or equal to 8192"
    )


def test_input_of_the_wrong_type_is_a_serialization_error() -> None:
    assert refusal({"Id": "t1", "Input": {"a": 1}}).code == "SerializationException"


# --- InputPath: EventBridge's JSONPath subset -----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "$",
        "$.detail",
        "$.detail-type",
        "$.detail.instance-id",
        "$.detail.snake_case.Mixed9",
        "$.resources[0]",
        "$.detail.items[12].id",
        "$.detail.items[*].id",
        "$.detail.*",
        "$.detail.path/with/slashes",
    ],
)
def test_supported_paths_are_accepted(path: str) -> None:
    validate_target_input({"Id": "t1", "InputPath": path})


@pytest.mark.parametrize(
    "path",
    [
        "detail",
        ".detail",
        "$detail",
        "$.",
        "$..detail",
        "$.detail['instance-id']",
        '$.detail["a b"]',
        "$.detail.a b",
        "$.detail[abc]",
        "$.detail[-1]",
        "$.detail[0",
        "$.det*ail",
        "",
    ],
)
def test_paths_outside_the_subset_are_refused(path: str) -> None:
    assert refusal({"Id": "t1", "InputPath": path}).message == "InputPath for target t1 is invalid."


def test_input_path_longer_than_256_characters_is_refused() -> None:
    path = "$." + "a" * 255
    assert "at 'targets.1.member.inputPath'" in refusal({"Id": "t1", "InputPath": path}).message


# --- InputTransformer --------------------------------------------------------------------------


def test_input_template_is_required() -> None:
    target = {"Id": "t1", "InputTransformer": {"InputPathsMap": {"a": "$.a"}}}
    assert refusal(target).message == (
        "1 validation error detected: Value null at 'targets.1.member.inputTransformer.inputTemplate' "
        "failed to satisfy constraint: Member must not be null"
    )


def test_input_template_may_not_be_empty_or_longer_than_8192() -> None:
    assert "greater than or equal to 1" in refusal(transformer("")).message
    assert "less than or equal to 8192" in refusal(transformer('"' + "x" * 8191 + '"')).message
    validate_target_input(transformer('"' + "x" * 8190 + '"'))


def test_one_hundred_input_paths_are_accepted_and_one_more_is_refused() -> None:
    paths = {f"k{i}": f"$.detail.k{i}" for i in range(100)}
    validate_target_input(transformer('"x"', paths))
    paths["k100"] = "$.detail.k100"
    error = refusal(transformer('"x"', paths))
    assert "at 'targets.1.member.inputTransformer.inputPathsMap'" in error.message
    assert error.message.endswith("Member must have length less than or equal to 100")


@pytest.mark.parametrize("key", ["instance", "detail-type", "snake_case", "A1", "aws", "AWS-thing"])
def test_input_path_keys_of_letters_digits_underscores_and_dashes_are_accepted(key: str) -> None:
    validate_target_input(transformer(f'"<{key}>"', {key: "$.detail"}))


@pytest.mark.parametrize("key", ["aws.events.rule-name", "aws.mine", "a b", "a.b", "é", ""])
def test_other_input_path_keys_are_refused(key: str) -> None:
    # Reserved aws.events.* names fail the model's key pattern ("1 validation error detected").
    error = refusal(transformer('"x"', {key: "$.detail"}))
    assert error.message.startswith("1 validation error detected: Value ")
    assert "Map keys must satisfy constraint: [" in error.message


def test_an_input_path_key_longer_than_256_characters_is_refused() -> None:
    assert "less than or equal to 256" in refusal(transformer('"x"', {"k" * 257: "$.a"})).message


def test_input_paths_map_values_must_be_supported_paths() -> None:
    assert (
        refusal(transformer('"<a>"', {"a": "$.detail['a b']"})).message
        == "InputPath for target t1 is invalid."
    )
    assert (
        "Map value must satisfy constraint" in refusal(transformer('"<a>"', {"a": "$." + "a" * 255})).message
    )


def test_a_template_placeholder_without_a_path_is_refused() -> None:
    # Recorded against AWS: LocalStack test_put_events_with_input_transformer_missing_keys snapshot.
    target = transformer('"Event of <detail-type> type, with not defined key <notdefinedkey>"', ACCOUNT_PATHS)
    assert (
        refusal(target).message == "InputTemplate for target t1 contains invalid placeholder notdefinedkey."
    )


def test_predefined_placeholders_need_no_input_paths_map() -> None:
    validate_target_input(
        transformer('"<aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"')
    )
    validate_target_input(transformer('{"e": <aws.events.event>, "j": <aws.events.event.json>}'))


@pytest.mark.parametrize(
    "template",
    [
        "[<aws.events.event.json>]",
        '"whole event: <aws.events.event.json>"',
        '{"e": "<aws.events.event>"}',
        "<aws.events.event>",
        "event <aws.events.event.json>",
    ],
)
def test_event_placeholders_are_only_values_of_a_json_object(template: str) -> None:
    name = "aws.events.event.json" if ".json" in template else "aws.events.event"
    assert refusal(transformer(template)).message == (
        f"InputTemplate for target t1 contains placeholder {name} valid only for JSON template."
    )


def test_transformer_fields_of_the_wrong_type_are_serialization_errors() -> None:
    assert refusal({"Id": "t1", "InputTransformer": "x"}).code == "SerializationException"
    assert refusal(transformer(["x"])).code == "SerializationException"  # type: ignore[arg-type]
    assert refusal(transformer('"x"', {"a": 5})).code == "SerializationException"  # type: ignore[dict-item]


# --- render_target_input: no setting, Input, InputPath ----------------------------------------------


def test_without_input_settings_the_target_receives_the_whole_event_minified() -> None:
    received = render({"Id": "t1"})
    assert json.loads(received) == EC2_EVENT
    assert received.startswith('{"version":"0","id":"7bf73129-')
    assert ": " not in received


def test_input_is_passed_exactly_as_given() -> None:
    constant = '{ "fixed" :  true }'
    assert render({"Id": "t1", "Input": constant}) == constant


def test_input_path_passes_the_selected_part() -> None:
    # LocalStack's AWS-validated test_put_events_with_input_path / _nested / _max_level_depth.
    assert json.loads(render({"Id": "t1", "InputPath": "$.detail"}, ACCOUNT_EVENT)) == ACCOUNT_EVENT["detail"]
    assert render({"Id": "t1", "InputPath": "$.detail.payload"}, ACCOUNT_EVENT) == (
        '{"acc_id":"0a787ecb-4015","sf_id":"baz"}'
    )
    assert render({"Id": "t1", "InputPath": "$.detail.payload.sf_id"}, ACCOUNT_EVENT) == '"baz"'


def test_input_path_of_the_root_is_the_whole_event() -> None:
    assert json.loads(render({"Id": "t1", "InputPath": "$"})) == EC2_EVENT


def test_input_path_with_an_index_and_a_wildcard() -> None:
    event = {**EC2_EVENT, "detail": {"items": [{"id": 1}, {"id": 2}, {"name": "no id"}]}}
    assert render({"Id": "t1", "InputPath": "$.detail.items[1]"}, event) == '{"id":2}'
    assert render({"Id": "t1", "InputPath": "$.detail.items[*].id"}, event) == "[1,2]"
    assert render({"Id": "t1", "InputPath": "$.detail.nothing[*]"}, event) == "[]"


def test_input_path_that_matches_nothing_gives_the_empty_string() -> None:
    assert render({"Id": "t1", "InputPath": "$.detail.absent"}) == '""'
    assert render({"Id": "t1", "InputPath": "$.resources[5]"}) == '""'
    assert render({"Id": "t1", "InputPath": "$.detail.state.deeper"}) == '""'


# --- render_target_input: the documented input transformer examples --------------------------------
# "Input transform examples" table of "Amazon EventBridge input transformation"
# (docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html),
# with the EC2 event and Input Path above.


def test_doc_example_simple_string() -> None:
    received = render(transformer('"instance <instance> is in <state>"', EC2_PATHS))
    assert received == '"instance i-0123456789 is in RUNNING"'


def test_doc_example_string_with_escaped_quotes() -> None:
    received = render(transformer('"instance \\"<instance>\\" is in <state>"', EC2_PATHS))
    assert received == '"instance \\"i-0123456789\\" is in RUNNING"'


def test_doc_example_simple_json() -> None:
    received = render(transformer('{\n  "instance" : <instance>,\n  "state": <state>\n}', EC2_PATHS))
    assert received == '{"instance":"i-0123456789","state":"RUNNING"}'


def test_doc_example_json_with_strings_and_variables() -> None:
    template = (
        '{\n "instance" : <instance>,\n "state": "<state>",\n'
        ' "instanceStatus": "instance \\"<instance>\\" is in <state>"\n}'
    )
    assert json.loads(render(transformer(template, EC2_PATHS))) == {
        "instance": "i-0123456789",
        "state": "RUNNING",
        "instanceStatus": 'instance "i-0123456789" is in RUNNING',
    }


def test_doc_example_json_with_a_mix_of_variables_and_static_information() -> None:
    template = '{\n  "instance" : <instance>,\n  "state": [ 9, <state>, true ],\n  "Transformed" : "Yes"\n}\n'
    received = render(transformer(template, EC2_PATHS))
    assert received == '{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}'


def test_doc_example_including_reserved_variables_in_json() -> None:
    template = (
        '{\n  "instance" : <instance>,\n  "state": <state>,\n  "ruleArn" : <aws.events.rule-arn>,\n'
        '  "ruleName" : <aws.events.rule-name>,\n  "originalEvent" : <aws.events.event>\n}'
    )
    received = json.loads(render(transformer(template, EC2_PATHS)))
    assert received["instance"] == "i-0123456789"
    assert received["state"] == "RUNNING"
    assert received["ruleArn"] == "arn:aws:events:us-east-2:123456789012:rule/example"
    assert received["ruleName"] == "example"
    assert received["originalEvent"] == event_without_detail(EC2_EVENT)


def test_doc_example_including_reserved_variables_in_a_string() -> None:
    assert render(transformer('"<aws.events.rule-name> triggered"')) == '"example triggered"'


def test_doc_example_timestamp_and_array_index_variables() -> None:
    # The table's last row ("Amazon CloudWatch log group") prints an output that is not JSON
    # and contradicts the "Simple JSON" row, so only its variables are checked here.
    template = '{"timestamp" : <timestamp>, "resource": "<resource>"}'
    assert json.loads(render(transformer(template, EC2_PATHS))) == {
        "timestamp": "2015-11-11T21:29:54Z",
        "resource": "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111",
    }


# The InputTransformer API reference examples
# (docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html).
API_PATHS = {"instance": "$.detail.instance", "status": "$.detail.status"}
API_EVENT = {**EC2_EVENT, "detail": {"instance": "i-0123456789", "status": "RUNNING"}}


def test_api_reference_example_plain_text_template() -> None:
    received = render(transformer("<instance> is in state <status>", API_PATHS), API_EVENT)
    assert received == "i-0123456789 is in state RUNNING"


def test_api_reference_example_plain_text_with_quotes() -> None:
    received = render(transformer('<instance> is in state "<status>"', API_PATHS), API_EVENT)
    assert received == 'i-0123456789 is in state "RUNNING"'


def test_api_reference_example_json_with_variables_in_quotes_or_out() -> None:
    template = '{"myInstance": <instance>,"myStatus": "<instance> is in state \\"<status>\\""}'
    received = render(transformer(template, API_PATHS), API_EVENT)
    assert received == '{"myInstance":"i-0123456789","myStatus":"i-0123456789 is in state \\"RUNNING\\""}'


# --- render_target_input: behaviour recorded against AWS in LocalStack's snapshots -------------------
# tests/aws/services/events/test_events_inputs.snapshot.json (markers.aws.validated).


def test_recorded_string_template_with_all_paths_matching() -> None:
    template = '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"'
    received = render(transformer(template, ACCOUNT_PATHS), ACCOUNT_EVENT)
    assert received == (
        '"Event of core.update-account-command type, at time 2024-05-13T12:27:07Z, '
        'info extracted from detail update-account"'
    )


def test_recorded_string_template_with_a_path_matching_nothing() -> None:
    template = '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"'
    paths = {**ACCOUNT_PATHS, "command": "$.detail.notinmessage"}
    received = render(transformer(template, paths), ACCOUNT_EVENT)
    assert received == (
        '"Event of core.update-account-command type, at time 2024-05-13T12:27:07Z, '
        'info extracted from detail "'
    )


def test_recorded_string_template_starting_with_json_like_characters() -> None:
    template = '"{[/Check with special starting characters for event of <detail-type> type"'
    received = render(transformer(template, ACCOUNT_PATHS), ACCOUNT_EVENT)
    assert (
        received
        == '"{[/Check with special starting characters for event of core.update-account-command type"'
    )


def test_recorded_json_template_with_a_path_matching_nothing_gets_an_empty_string() -> None:
    template = '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}'
    paths = {**ACCOUNT_PATHS, "command": "$.detail.notinmessage"}
    assert json.loads(render(transformer(template, paths), ACCOUNT_EVENT)) == {
        "detailType": "core.update-account-command",
        "time": "2024-05-13T12:27:07Z",
        "command": "",
    }


def test_recorded_predefined_variables_in_a_string() -> None:
    template = (
        '"Message containing all pre defined variables <aws.events.rule-arn> <aws.events.rule-name> '
        '<aws.events.event.ingestion-time>"'
    )
    assert render(transformer(template), ACCOUNT_EVENT) == (
        f'"Message containing all pre defined variables {RULE_ARN} example 2015-11-11T21:29:55Z"'
    )


def test_recorded_event_placeholders_give_the_event_without_and_with_detail() -> None:
    template = '{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}'
    received = json.loads(render(transformer(template), ACCOUNT_EVENT))
    assert received["originalEventJson"] == ACCOUNT_EVENT
    assert received["originalEvent"] == {
        "id": ACCOUNT_EVENT["id"],
        "account": "111111111111",
        "detailType": "core.update-account-command",
        "time": "2024-05-13T12:27:07Z",
        "source": "core.update-account-command",
        "region": "us-east-1",
        "resources": [],
        "version": "0",
    }
    assert list(received["originalEvent"]) == [
        "id",
        "account",
        "detailType",
        "time",
        "source",
        "region",
        "resources",
        "version",
    ]


# --- render_target_input: quoting rules ------------------------------------------------------------

TYPED_EVENT: dict[str, Any] = {
    **EC2_EVENT,
    "detail": {
        "count": 5,
        "ratio": 0.5,
        "flag": True,
        "nothing": None,
        "obj": {"a": "x", "b": [1, 2]},
        "list": ["p", "q"],
        "quote": 'say "hi"\nbye',
        "unicode": "ünï 日本",
    },
}
TYPED_PATHS = {name: f"$.detail.{name}" for name in TYPED_EVENT["detail"]} | {"absent": "$.detail.absent"}


@pytest.mark.parametrize(
    ("name", "as_value"),
    [
        ("count", 5),
        ("ratio", 0.5),
        ("flag", True),
        ("nothing", None),
        ("obj", {"a": "x", "b": [1, 2]}),
        ("list", ["p", "q"]),
        ("quote", 'say "hi"\nbye'),
        ("absent", ""),
    ],
)
def test_a_placeholder_standing_as_a_json_value_gets_the_value_as_json(name: str, as_value: Any) -> None:
    received = render(transformer(f'{{"v": <{name}>}}', TYPED_PATHS), TYPED_EVENT)
    assert json.loads(received) == {"v": as_value}


@pytest.mark.parametrize(
    ("name", "as_text"),
    [
        ("count", "5"),
        ("flag", "true"),
        ("nothing", "null"),
        ("obj", "{a:x,b:[1,2]}"),
        ("list", "[p,q]"),
        ("quote", 'say "hi"\nbye'),
        ("unicode", "ünï 日本"),
        ("absent", ""),
    ],
)
def test_a_placeholder_inside_a_json_string_gets_the_text_without_quotes(name: str, as_text: str) -> None:
    received = render(transformer(f'{{"v": "[<{name}>]"}}', TYPED_PATHS), TYPED_EVENT)
    assert json.loads(received) == {"v": f"[{as_text}]"}


@pytest.mark.parametrize(
    ("name", "as_text"),
    [("count", "5"), ("obj", "{a:x,b:[1,2]}"), ("quote", 'say "hi"\nbye'), ("absent", "")],
)
def test_a_plain_text_template_gets_every_value_as_raw_text(name: str, as_text: str) -> None:
    assert render(transformer(f"value: <{name}> end", TYPED_PATHS), TYPED_EVENT) == f"value: {as_text} end"


def test_a_lone_placeholder_is_a_json_template() -> None:
    assert render(transformer("<instance>", EC2_PATHS)) == '"i-0123456789"'
    assert (
        render(transformer("<resource>", EC2_PATHS))
        == '"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"'
    )


def test_json_output_is_minified_but_string_contents_keep_their_spaces() -> None:
    received = render(transformer('{\n\t"a b" :  "  <state>  " ,\r\n "n": [ 1 , 2 ]\n}', EC2_PATHS))
    assert received == '{"a b":"  RUNNING  ","n":[1,2]}'


def test_non_ascii_text_is_kept_as_is() -> None:
    received = render(transformer('{"v": <unicode>, "s": "<unicode>"}', TYPED_PATHS), TYPED_EVENT)
    assert received == '{"v":"ünï 日本","s":"ünï 日本"}'


def test_a_wildcard_path_gives_the_list_of_matches() -> None:
    event = {**EC2_EVENT, "detail": {"items": [{"id": "a"}, {"id": "b"}]}}
    received = render(transformer('{"ids": <ids>}', {"ids": "$.detail.items[*].id"}), event)
    assert received == '{"ids":["a","b"]}'


def test_ingestion_time_is_iso_8601_in_utc() -> None:
    received = render(transformer('{"at": <aws.events.event.ingestion-time>}'))
    assert received == '{"at":"2015-11-11T21:29:55Z"}'


def test_the_same_placeholder_may_appear_many_times() -> None:
    received = render(transformer('{"a": <state>, "b": "<state>/<state>", "c": [<state>]}', EC2_PATHS))
    assert received == '{"a":"RUNNING","b":"RUNNING/RUNNING","c":["RUNNING"]}'


@given(st.text())
def test_any_string_value_keeps_the_json_template_valid(value: str) -> None:
    event = {**EC2_EVENT, "detail": {"v": value}}
    received = render(transformer('{"asValue": <v>, "inside": "<<v>>"}', {"v": "$.detail.v"}), event)
    assert json.loads(received) == {"asValue": value, "inside": f"<{value}>"}


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3),
        max_leaves=8,
    )
)
def test_any_json_value_placed_as_a_value_comes_back_unchanged(value: Any) -> None:
    event = {**EC2_EVENT, "detail": {"v": value}}
    received = render(transformer('{"v": <v>}', {"v": "$.detail.v"}), event)
    assert json.loads(received) == {"v": value}


def test_rendering_a_target_that_skipped_validation_names_the_bad_path() -> None:
    target = {"Id": "t7", "InputPath": "$.detail['state']"}
    with pytest.raises(
        TargetInputError, match=r"InputPath for target t7 is invalid: .*quoted bracket notation"
    ):
        render_target_input(
            target, EC2_EVENT, rule_arn=RULE_ARN, rule_name="example", ingestion_time=INGESTED
        )


@pytest.mark.parametrize(
    ("target", "whole"),
    [
        ({}, True),
        ({"Id": "t", "Arn": "arn:aws:states:us-east-2:123456789012:stateMachine:m"}, True),
        ({"HttpParameters": {"PathParameterValues": ["a"]}}, True),
        ({"Input": '{"a":1}'}, False),
        ({"Input": "{}"}, False),
        ({"InputPath": "$"}, False),
        ({"InputPath": "$.detail"}, False),
        ({"InputTransformer": {"InputTemplate": "<aws.events.event>"}}, False),
    ],
)
def test_receives_whole_event_says_when_the_text_is_the_event_itself(
    target: dict[str, Any], whole: bool
) -> None:
    """Deliveries hand such a target's event to the decider without reading its text back: the
    text must then be exactly the event's."""
    assert receives_whole_event(target) is whole
    if whole:
        assert json.loads(render(target)) == EC2_EVENT
