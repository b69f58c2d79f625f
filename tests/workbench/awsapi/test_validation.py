"""The validation layer in front of every AWS JSON operation (botocore's service models).

Expected wordings are AWS's: SerializationException texts as recorded from AWS's Coral JSON
front end (kinesalite's and dynalite's suites assert them against AWS), ValidationException's
"N validation error(s) detected: ...; ..." as AWS answers (e.g. "2 validation errors detected:
Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or
equal to 3; ..."), with member paths in lower camel case.
"""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from tests.workbench.awsapi.calls import call, call_raw
from workbench.awsapi.protocol import MAX_BODY_BYTES, MAX_NESTING
from workbench.events.models import ReceivedEvent, Rule, Target

pytestmark = pytest.mark.django_db

ECHO_ARN = "arn:aws:lambda:us-east-1:123456789012:function:echo"
NUMBER_AS_STRING = (
    "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"
)


@pytest.mark.parametrize(
    ("target", "params", "message"),
    [
        ("AWSEvents.DeleteRule", {"Name": 5}, NUMBER_AS_STRING),
        ("AWSEvents.ListRules", {"NamePrefix": 12}, NUMBER_AS_STRING),
        ("AWSEvents.CreateEventBus", {"Name": 42}, NUMBER_AS_STRING),
        ("AWSEvents.DeleteRule", {"Name": True}, "class java.lang.Boolean can not be converted to an String"),
        ("AWSEvents.DeleteRule", {"Name": ["a"]}, "Start of list found where not expected"),
        ("AWSEvents.DeleteRule", {"Name": {"a": 1}}, "Start of structure or map found where not expected."),
        ("AWSEvents.RemoveTargets", {"Rule": "r", "Ids": "t1"}, "Expected list or null"),
        ("AWSEvents.ListRules", {"Limit": "5"}, "class java.lang.String can not be converted to an Integer"),
        ("AWSEvents.RemoveTargets", {"Rule": "r", "Ids": ["t"], "Force": "x"},
         "'x' can not be converted to an Boolean"),
        ("AWSStepFunctions.StartExecution", {"stateMachineArn": "a", "input": 7}, NUMBER_AS_STRING),
        ("AWSStepFunctions.ListExecutions", {"stateMachineArn": "a", "maxResults": True},
         "class java.lang.Boolean can not be converted to an Integer"),
        ("AWSEvents.PutEvents", {"Entries": {"Source": "s"}},
         "Start of structure or map found where not expected."),
        ("AWSEvents.PutEvents", {"Entries": ["s"]}, "Expected null"),
    ],
)  # fmt: skip
def test_wrong_json_types_are_serialization_exceptions(
    client: Client, target: str, params: dict[str, object], message: str
) -> None:
    assert call(client, target, params) == (400, {"__type": "SerializationException", "message": message})


def test_a_target_id_of_true_is_refused_not_stored_as_text(client: Client) -> None:
    call(client, "AWSEvents.PutRule", {"Name": "r", "EventPattern": '{"source": ["a"]}'})
    status, body = call(
        client,
        "AWSEvents.PutTargets",
        {"Rule": "r", "Targets": [{"Id": True, "Arn": ECHO_ARN}]},
    )
    assert (status, body["__type"]) == (400, "SerializationException")
    assert not Target.objects.exists()


def test_missing_required_member(client: Client) -> None:
    assert call(client, "AWSEvents.DescribeRule", {}) == (
        400,
        {
            "__type": "ValidationException",
            "message": "1 validation error detected: Value null at 'name' failed to satisfy constraint: "
            "Member must not be null",
        },
    )


def test_several_failures_are_counted_and_joined(client: Client) -> None:
    params = {"Name": "bad name!", "State": "ON", "EventPattern": "{}"}
    status, body = call(client, "AWSEvents.PutRule", params)
    assert status == 400
    assert body == {
        "__type": "ValidationException",
        "message": "2 validation errors detected: "
        "Value 'bad name!' at 'name' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+; "
        "Value 'ON' at 'state' failed to satisfy constraint: Member must satisfy enum value set: "
        "[ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]",
    }
    assert not Rule.objects.exists()


def test_lengths_ranges_and_nested_paths(client: Client) -> None:
    params = {"stateMachineArn": "a", "maxResults": 1001}
    status, body = call(client, "AWSStepFunctions.ListExecutions", params)
    assert (status, body["message"]) == (
        400,
        "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000",
    )
    status, body = call(client, "AWSEvents.PutEvents", {"Entries": [{"Source": "s"}, {"EventBusName": ""}]})
    assert body["message"] == (
        "2 validation errors detected: Value '' at 'entries.2.member.eventBusName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "(arn:aws[\\w-]*:events:[a-z]+-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[\\.\\-_A-Za-z0-9]+; "
        "Value '' at 'entries.2.member.eventBusName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_sensitive_members_are_not_echoed(client: Client) -> None:
    # botocore marks Step Functions' Definition shape "sensitive"; AWS answers "Value at 'definition'".
    status, body = call(
        client,
        "AWSStepFunctions.CreateStateMachine",
        {"name": "m", "definition": "", "roleArn": "arn:aws:iam::123456789012:role/r"},
    )
    assert (status, body["message"]) == (
        400,
        "1 validation error detected: Value at 'definition' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    )


def test_an_over_long_list_is_refused_by_its_size_before_its_items_are_read(client: Client) -> None:
    ids = [f"id-{n}!" for n in range(101)]  # every item also fails the pattern: not read, not reported
    status, body = call(client, "AWSEvents.RemoveTargets", {"Rule": "r", "Ids": ids})
    assert (status, body["message"]) == (
        400,
        "1 validation error detected: Value at 'ids' failed to satisfy constraint: "
        "Member must have length less than or equal to 100",
    )


def test_a_batch_with_one_bad_entry_stores_none_of_it(client: Client) -> None:
    call(client, "AWSEvents.PutRule", {"Name": "all", "EventPattern": '{"source": ["shop"]}'})
    good = {"Source": "shop", "DetailType": "t", "Detail": "{}"}
    for bad_detail in ('{"a": "\x00"}', '{"a": "\ud800"}'):
        status, body = call(client, "AWSEvents.PutEvents", {"Entries": [good, dict(good, Detail=bad_detail)]})
        assert (status, body["__type"]) == (400, "ValidationException")
        assert "at 'entries.2.member.detail'" in body["message"]
    assert not ReceivedEvent.objects.exists()
    status, body = call(client, "AWSEvents.PutEvents", {"Entries": [good]})
    assert (status, body["FailedEntryCount"]) == (200, 0)
    assert ReceivedEvent.objects.count() == 1


def test_unpaired_surrogates_and_nul_in_names(client: Client) -> None:
    status, body = call(client, "AWSStepFunctions.StartExecution", {"stateMachineArn": "a\x00b"})
    assert body["message"] == (
        "1 validation error detected: Value at 'stateMachineArn' failed to satisfy constraint: "
        "Member must not contain NUL characters"
    )
    status, body = call(client, "AWSEvents.DescribeEventBus", {"Name": "\udc00"})
    assert (status, body["__type"]) == (400, "ValidationException")


def test_bodies_over_the_limit_are_refused_unread(client: Client) -> None:
    limit = MAX_BODY_BYTES["AWSStepFunctions"]
    body = json.dumps({"stateMachineArn": "a", "input": "x" * limit}).encode()
    started = time.monotonic()
    response = call_raw(client, "AWSStepFunctions.StartExecution", body)
    assert response.status_code == 413
    assert json.loads(response.content)["__type"] == "RequestEntityTooLargeException"
    assert time.monotonic() - started < 2
    # 3 MB is over Django's DATA_UPLOAD_MAX_MEMORY_SIZE too: still AWS's shape, never a 500.
    three_mb = b'{"Entries": [{"Detail": "' + b"x" * 3_000_000 + b'"}]}'
    response = call_raw(client, "AWSEvents.PutEvents", three_mb)
    assert response.status_code == 400
    assert json.loads(response.content)["__type"] == "ValidationException"


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_deep_nesting_is_refused_before_parsing(client: Client, opener: bytes) -> None:
    closer = b"]" if opener == b"[" else b"}"
    body = b'{"Name": ' + opener * 10_000 + b"1" + closer * 10_000 + b"}"
    response = call_raw(client, "AWSEvents.DescribeEventBus", body)
    assert (response.status_code, json.loads(response.content)["__type"]) == (400, "SerializationException")
    shallow = b'{"Name": "x", "Extra": ' + b"[" * (MAX_NESTING - 2) + b"]" * (MAX_NESTING - 2) + b"}"
    assert call_raw(client, "AWSEvents.DescribeEventBus", shallow).status_code == 400  # not found, parsed
    brackets_in_strings = json.dumps({"Name": "[" * 10_000}).encode()
    response = call_raw(client, "AWSEvents.DescribeEventBus", brackets_in_strings)
    assert json.loads(response.content)["__type"] == "ValidationException"  # the pattern, not the nesting


def test_malformed_json_and_non_objects(client: Client) -> None:
    for body, message in ((b"[1]", "Start of list found where not expected"), (b'{"Name": NaN}', None)):
        response = call_raw(client, "AWSEvents.DescribeEventBus", body)
        parsed = json.loads(response.content)
        assert (response.status_code, parsed["__type"]) == (400, "SerializationException")
        if message:
            assert parsed["message"] == message
    response = call_raw(client, "AWSEvents.DescribeEventBus", b'{"Name": "\xff"}')
    assert json.loads(response.content)["__type"] == "SerializationException"
