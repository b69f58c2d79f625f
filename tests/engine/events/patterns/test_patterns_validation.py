"""parse_pattern rejects bad patterns with AWS's exact message.

The full messages marked "recorded" are AWS responses to PutRule/TestEventPattern as recorded by
LocalStack's parity suite (localstack tests/aws/services/events/test_events_patterns.snapshot.json,
field MessageRaw). The others follow aws/event-ruler's JsonRuleCompiler, CIDR and WildcardParser
messages, which AWS prefixes with "Event pattern is not valid. Reason: ".
"""

from __future__ import annotations

import json

import pytest

from engine.events.patterns import (
    EventPatternTooLongError,
    InvalidEventPatternError,
    parse_pattern,
)


def message_for(text: str) -> str:
    with pytest.raises(InvalidEventPatternError) as caught:
        parse_pattern(text)
    assert str(caught.value) == caught.value.message
    return caught.value.message


def at(source: str, column: int) -> str:
    return f'\n at [Source: (String)"{source}"; line: 1, column: {column}]'


RECORDED = [
    ('{"int": 42}', '"int" must be an object or an array', 11, 1),
    ('{"string": "my-value"}', '"string" must be an object or an array', 13, 1),
    ('{"resources": []}', "Empty arrays are not allowed", 17, 1),
    ('{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}', "Unrecognized match type NUMERIC", 36, 1),
    ('{"my_key": [{"EXISTS": true}]}', "Unrecognized match type EXISTS", 28, 1),
    ('{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}', "Bad numeric range operator: >", 49, 1),
    ('{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}', "Value of < must be numeric", 50, 1),
    (
        '{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}',
        "Consecutive wildcard characters at pos 26",
        79 - 7,  # recorded with <partition>/<region> placeholders; the real ARN is 7 characters longer
        None,
    ),
    (
        '{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}',
        "equals-ignore-case match pattern must be a string",
        42,
        1,
    ),
    (
        '{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}',
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
        66,
        1,
    ),
    (
        '{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}',
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
        67,
        2,  # ruler catches and rethrows its own error here, so AWS repeats the position
    ),
    ('{"EventBusArn": [{"wildcard": 123}]}', "wildcard match pattern must be a string", 34, 1),
    (
        '{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}',
        "wildcard match pattern must be a string",
        57,
        2,
    ),
    (
        '{"detail": {"FilePath": [{"anything-but": {"wildcard": 123}}]}}',
        "wildcard match pattern must be a string",
        59,
        1,
    ),
    (
        '{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}',
        "prefix/suffix match pattern must be a string",
        58,
        2,
    ),
    (
        '{"detail": {"FileName": [{"anything-but": {"suffix": 123}}]}}',
        "prefix/suffix match pattern must be a string",
        57,
        1,
    ),
    (
        '{"detail": {"state": [{"anything-but": {"prefix": [123, "test"]}}]}}',
        "prefix/suffix match pattern must be a string",
        55,
        2,
    ),
    (
        '{"detail": {"state": [{"anything-but": {"prefix": 123}}]}}',
        "prefix/suffix match pattern must be a string",
        54,
        1,
    ),
    ('{"time": [{"prefix": ["2022-07-13"]}]}', "prefix match pattern must be a string", 23, 1),
    ('{"time": [{"prefix": 123}]}', "prefix match pattern must be a string", 25, 1),
    ('{"FileName": [{"suffix": 123}]}', "suffix match pattern must be a string", 29, 1),
    ('{"FileName": [{"suffix": [".png"]}]}', "suffix match pattern must be a string", 27, 1),
    (
        '{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}',
        "Value of anything-but must be an array or single string/number value.",
        55,
        1,
    ),
    (
        "this is valid json but not a dict",
        "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', "
        "'true' or 'false')",
        5,
        1,
    ),
    (
        "{'bad': 'quotation'}",
        "Unexpected character (''' (code 39)): was expecting double-quote to start field name",
        2,
        1,
    ),
    (
        '{"not": closed mark"',
        "Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or token 'null', "
        "'true' or 'false')",
        15,
        1,
    ),
    ('["not", "a", "dict", "but valid json"]', "Filter is not an object", 2, 1),
]


@pytest.mark.parametrize(("source", "reason", "column", "repeats"), RECORDED)
def test_recorded_aws_messages(source: str, reason: str, column: int, repeats: int | None) -> None:
    expected = "Event pattern is not valid. Reason: " + reason + at(source, column) * (repeats or 1)
    assert message_for(source) == expected


def test_messages_without_a_position() -> None:
    # Recorded: CIDR errors and the wildcard complexity error carry no parser position.
    assert (
        message_for('{"ip": [{"cidr": "10.0.0.0"}]}')
        == "Event pattern is not valid. Reason: Malformed CIDR, one '/' required"
    )
    assert message_for('{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}') == (
        "Event pattern is not valid. Reason: Rule is too complex - try using fewer wildcard characters "
        "or fewer repeating character sequences after a wildcard character"
    )


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{}", "Empty objects are not allowed"),
        ('{"a": {}}', "Empty objects are not allowed"),
        ('{"a": [[1]]}', "Match value must be String, number, true, false, or null"),
        ('{"a": [{}]}', "Match expression name not found"),
        ('{"a": [{"prefix": "x", "suffix": "y"}]}', "Only one key allowed in match expression"),
        ('{"a": [{"exists": "yes"}]}', "exists match pattern must be either true or false."),
        ('{"a": [{"numeric": 5}]}', "Value of numeric must be an array."),
        ('{"a": [{"numeric": []}]}', "Invalid member in numeric match: ]"),
        ('{"a": [{"numeric": ["!=", 5]}]}', "Unrecognized numeric range operator: !="),
        ('{"a": [{"numeric": ["=", "5"]}]}', "Value of equals must be numeric"),
        ('{"a": [{"numeric": ["<", 5, ">", 1]}]}', "Too many elements in numeric expression"),
        ('{"a": [{"numeric": [">", 5, "<", 1]}]}', "Bottom must be less than top"),
        ('{"a": [{"numeric": [">", 5, "<", 9, 1]}]}', "Too many terms in numeric range expression"),
        ('{"a": [{"numeric": [">", 6e9]}]}', "Value must be between -5.0E9 and 5.0E9, inclusive"),
        (
            '{"a": [{"anything-but": [1, "a"]}]}',
            "Inside anything but list, either all values are number or string, mixed type is not supported",
        ),
        ('{"a": [{"anything-but": {"contains": "x"}}]}', "Unsupported anything-but pattern: contains"),
        (
            '{"a": [{"anything-but": true}]}',
            "Value of anything-but must be an array or single string/number value.",
        ),
        ('{"a": [{"anything-but": {"prefix": ""}}]}', "Null prefix/suffix not allowed"),
        ('{"a": [{"prefix": {"wildcard": "x"}}]}', "Unsupported prefix pattern: wildcard"),
        ('{"a": [{"regex": "x"}]}', "Unrecognized match type regex"),
        ('{"a": [{"wildcard": "a\\\\b"}]}', "Invalid escape character at pos 2"),
        ('{"$or": {"a": ["b"]}}', "It must be an Array followed with $or."),
        ('{"$or": [{"a": ["b"]}]}', "There must have at least 2 Objects in $or relationship."),
        ('{"$or": [{"a": ["b"]}, "c"]}', "Only JSON object is allowed in array of $or relationship."),
        (
            '{"$or": [{"a": ["b"]}, {"prefix": ["c"]}]}',
            "prefix is Ruler reserved fieldName which cannot be used inside $or.",
        ),
    ],
)
def test_ruler_reasons(source: str, reason: str) -> None:
    assert message_for(source).startswith("Event pattern is not valid. Reason: " + reason + "\n at [Source: ")


@pytest.mark.parametrize(
    ("cidr", "reason"),
    [
        ("10.0.0.0/x", "Malformed CIDR, mask bits must be an integer"),
        ("10.0.0.0/-1", "Malformed CIDR, mask bits must not be negative"),
        ("10.0.0.0/32", "IPv4 mask bits must be < 32"),
        ("::/128", "IPv6 mask bits must be < 128"),
        ("host/24", "Nonstandard IP address: host"),
        ("300.0.0.1/24", "Invalid IP address: 300.0.0.1"),
    ],
)
def test_cidr_reasons(cidr: str, reason: str) -> None:
    expected = "Event pattern is not valid. Reason: " + reason
    assert message_for(json.dumps({"ip": [{"cidr": cidr}]})) == expected


def test_too_long_is_a_validation_error() -> None:
    text = '{"a": ["' + "x" * 4100 + '"]}'
    with pytest.raises(EventPatternTooLongError) as caught:
        parse_pattern(text)
    assert caught.value.code == "ValidationException"
    assert "Member must have length less than or equal to 4096" in str(caught.value)
    parse_pattern('{"a": ["' + "x" * (4096 - 12) + '"]}')  # exactly at the limit is fine


def test_multiline_positions_and_long_sources() -> None:
    message = message_for('{\n  "a": "b"\n}')
    assert message.endswith("; line: 2, column: 9]")
    long = '{"a": ["' + "x" * 600 + '"], "b": 1}'
    assert message_for(long).endswith(f'"[truncated {len(long) - 500} chars]; line: 1, column: {len(long)}]')


def test_valid_patterns_with_every_operator_parse() -> None:
    pattern = parse_pattern(
        '{"source": ["a", 1, true, null], "detail": {"p": [{"prefix": "x"}, {"suffix": "y"},'
        ' {"equals-ignore-case": "z"}, {"prefix": {"equals-ignore-case": "q"}}, {"wildcard": "a*b"},'
        ' {"numeric": [">=", 0, "<", 1]}, {"exists": true}, {"cidr": "10.0.0.0/8"}, {"exactly": "e"},'
        ' {"anything-but": {"wildcard": ["*x"]}}]}}'
    )
    assert len(pattern.alternatives) == 1
    assert [f.path for f in pattern.alternatives[0]] == ["detail.p", "source"]
