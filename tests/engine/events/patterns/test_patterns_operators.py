"""Each operator against AWS's documented examples, checked with the reference evaluator and the
compiled Matcher alike (they must agree).

Doc pages quoted: "Content filtering in Amazon EventBridge event patterns"
(eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html), "Arrays in Amazon
EventBridge event patterns" (eb-event-patterns-arrays.html), "Creating Amazon EventBridge event
patterns" (eb-event-patterns.html).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.events.patterns import Matcher, matches, parse_pattern


def both(pattern: dict[str, Any] | str, event: dict[str, Any]) -> bool:
    """The verdict of the reference evaluator, asserting the compiled matcher gives the same."""
    parsed = parse_pattern(pattern if isinstance(pattern, str) else json.dumps(pattern))
    reference = matches(parsed, event)
    matcher = Matcher()
    matcher.add("rule", parsed)
    assert (matcher.match(event) == {"rule"}) == reference
    return reference


EC2_EVENT = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
}


def test_exact_match_on_envelope_and_detail() -> None:
    # "Creating Amazon EventBridge event patterns": the instance-termination example.
    pattern = {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Instance State-change Notification"],
        "detail": {"state": ["terminated"]},
    }
    assert both(pattern, EC2_EVENT)
    assert not both(pattern, {**EC2_EVENT, "detail": {"state": "running"}})
    assert not both(pattern, {**EC2_EVENT, "source": "aws.ec2x"})


def test_matching_on_every_envelope_field() -> None:
    for field in ("version", "id", "detail-type", "source", "account", "time", "region"):
        assert both({field: [EC2_EVENT[field]]}, EC2_EVENT)
        assert not both({field: [str(EC2_EVENT[field]) + "x"]}, EC2_EVENT)
    assert both({"resources": [EC2_EVENT["resources"][0]]}, EC2_EVENT)


@pytest.mark.parametrize(
    ("value", "event_value", "expected"),
    [
        ("200", 200, False),  # strings never match numbers
        (200, "200", False),
        (1, True, False),  # 1 is not true
        (True, 1, False),
        (None, "null", False),  # null vs "null" vs "" vs missing all differ
        ("null", None, False),
        ("", None, False),
        (None, None, True),
        ("", "", True),
        (True, True, True),
        (False, False, True),
        (300, 300.0, True),  # numbers match numerically
        (300, 3.0e2, True),
        (1e2, 100, True),
        (0.1, 0.10, True),
    ],
)
def test_json_types_are_strict(value: Any, event_value: Any, expected: bool) -> None:
    assert both({"detail": {"x": [value]}}, {"detail": {"x": event_value}}) is expected


def test_null_and_empty_string_examples() -> None:
    # Content filtering page, "Null values and empty strings".
    assert both({"detail": {"responseElements": [None]}}, {"detail": {"responseElements": None}})
    assert both({"detail": {"eventVersion": [""]}}, {"detail": {"eventVersion": ""}})
    assert not both({"detail": {"responseElements": [None]}}, {"detail": {}})


def test_prefix() -> None:
    # Content filtering page: {"time": [{"prefix": "2017-10-02"}]} matches "2017-10-02T18:43:48Z".
    pattern = {"time": [{"prefix": "2017-10-02"}]}
    assert both(pattern, {"time": "2017-10-02T18:43:48Z"})
    assert not both(pattern, {"time": "2017-10-03T18:43:48Z"})
    assert not both({"x": [{"prefix": "1"}]}, {"x": 12})  # prefix only works on strings


def test_prefix_and_suffix_ignoring_case() -> None:
    # Content filtering page: "EventB" as a case-insensitive prefix, "tBridge" as a suffix.
    assert both({"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"service": "eventbridge"})
    assert both({"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"service": "EVENTBRIDGE"})
    assert not both({"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"service": "bridge"})
    assert both({"service": [{"suffix": {"equals-ignore-case": "tBridge"}}]}, {"service": "EventBRIDGE"})
    assert not both({"service": [{"suffix": {"equals-ignore-case": "tBridge"}}]}, {"service": "EventBus"})


def test_suffix() -> None:
    # Content filtering page: {"FileName": [{"suffix": ".png"}]}.
    assert both({"FileName": [{"suffix": ".png"}]}, {"FileName": "image.png"})
    assert not both({"FileName": [{"suffix": ".png"}]}, {"FileName": "image.jpg"})


def test_equals_ignore_case() -> None:
    # Content filtering page: "detail-type" equals-ignore-case "ec2 instance state-change notification".
    pattern = {"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]}
    assert both(pattern, EC2_EVENT)
    assert not both(pattern, {**EC2_EVENT, "detail-type": "EC2 Instance State-change"})


def test_anything_but_values_and_lists() -> None:
    # Content filtering page, anything-but with a string, a number, and lists of each.
    assert both({"detail": {"state": [{"anything-but": "initializing"}]}}, {"detail": {"state": "running"}})
    assert not both(
        {"detail": {"state": [{"anything-but": "initializing"}]}}, {"detail": {"state": "initializing"}}
    )
    assert both({"detail": {"x-limit": [{"anything-but": 123}]}}, {"detail": {"x-limit": 124}})
    assert not both({"detail": {"x-limit": [{"anything-but": 123}]}}, {"detail": {"x-limit": 123.0}})
    states = {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}
    assert not both(states, {"detail": {"state": "stopped"}})
    assert both(states, {"detail": {"state": "running"}})
    limits = {"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}
    assert not both(limits, {"detail": {"x-limit": 200}})
    assert both(limits, {"detail": {"x-limit": 201}})


def test_anything_but_never_matches_a_missing_field_but_matches_other_types() -> None:
    pattern = {"detail": {"state": [{"anything-but": "initializing"}]}}
    assert not both(pattern, {"detail": {}})
    assert not both(pattern, {"detail": {"state": {"nested": "object"}}})
    assert both(pattern, {"detail": {"state": None}})  # null is a present value that is not "initializing"
    assert both(pattern, {"detail": {"state": 5}})


def test_anything_but_prefix_suffix_ignore_case_wildcard() -> None:
    # Content filtering page: anything-but with prefix "init", suffix ".txt", equals-ignore-case, wildcard.
    assert not both({"state": [{"anything-but": {"prefix": "init"}}]}, {"state": "initializing"})
    assert both({"state": [{"anything-but": {"prefix": "init"}}]}, {"state": "running"})
    assert not both({"FileName": [{"anything-but": {"suffix": ".txt"}}]}, {"FileName": "notes.txt"})
    assert both({"FileName": [{"anything-but": {"suffix": [".txt", ".md"]}}]}, {"FileName": "a.png"})
    ignore = {"state": [{"anything-but": {"equals-ignore-case": ["Stopped", "OverLoaded"]}}]}
    assert not both(ignore, {"state": "STOPPED"})
    assert both(ignore, {"state": "running"})
    wild = {"FilePath": [{"anything-but": {"wildcard": "*/dir/*"}}]}
    assert not both(wild, {"FilePath": "a/dir/b"})
    assert both(wild, {"FilePath": "a/other/b"})


def test_numeric_ranges() -> None:
    # Content filtering page, numeric matching example.
    pattern = {
        "detail": {
            "c-count": [{"numeric": [">", 0, "<=", 5]}],
            "d-count": [{"numeric": ["<", 10]}],
            "x-limit": [{"numeric": ["=", 3.018e2]}],
        }
    }
    assert both(pattern, {"detail": {"c-count": 5, "d-count": 9.99, "x-limit": 301.8}})
    assert not both(pattern, {"detail": {"c-count": 0, "d-count": 9, "x-limit": 301.8}})
    assert not both(pattern, {"detail": {"c-count": 5, "d-count": 10, "x-limit": 301.8}})
    assert not both(pattern, {"detail": {"c-count": 5, "d-count": 9, "x-limit": 301.81}})
    assert not both({"x": [{"numeric": [">", 1]}]}, {"x": "5"})  # numeric only works on JSON numbers


def test_numeric_precision_and_range_limits() -> None:
    # ruler compares exactly to six decimal places, between -5e9 and 5e9.
    assert both({"x": [{"numeric": [">", 0.000001]}]}, {"x": 0.000002})
    assert not both({"x": [{"numeric": [">", 0.000001]}]}, {"x": 0.000001})
    assert not both({"x": [{"numeric": [">", 0]}]}, {"x": 6e9})  # outside the comparable range
    assert both({"x": [{"numeric": [">=", -5e9, "<=", 5e9]}]}, {"x": 5e9})
    assert both({"x": [123456789012]}, {"x": 123456789012})  # exact numbers beyond the range still match


def test_exists() -> None:
    # Content filtering page: {"detail": {"state": [{"exists": true}]}} and false.
    assert both({"detail": {"state": [{"exists": True}]}}, {"detail": {"state": "x"}})
    assert not both({"detail": {"state": [{"exists": True}]}}, {"detail": {}})
    assert both({"detail": {"state": [{"exists": False}]}}, {"detail": {}})
    assert not both({"detail": {"state": [{"exists": False}]}}, {"detail": {"state": "x"}})


def test_exists_looks_at_leaves_only() -> None:
    assert both({"detail": {"state": [{"exists": True}]}}, {"detail": {"state": None}})
    assert not both({"detail": {"state": [{"exists": True}]}}, {"detail": {"state": {"a": 1}}})
    assert not both({"detail": {"state": [{"exists": True}]}}, {"detail": {"state": []}})
    assert both({"detail": {"state": [{"exists": False}]}}, {"detail": {"state": []}})
    assert both({"detail": {"state": [{"exists": False}]}}, {"detail": {"state": {"a": 1}}})


def test_cidr_ipv4_and_ipv6() -> None:
    # Content filtering page: "sourceIPAddress": [{"cidr": "10.0.0.0/24"}] and an IPv6 block.
    pattern = {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}
    assert both(pattern, {"detail": {"sourceIPAddress": "10.0.0.255"}})
    assert not both(pattern, {"detail": {"sourceIPAddress": "10.0.1.0"}})
    assert not both(pattern, {"detail": {"sourceIPAddress": "not an ip"}})
    v6 = {"detail": {"sourceIPAddress": [{"cidr": "bc52:0ee5:4c4a:d8a8::/64"}]}}
    assert both(v6, {"detail": {"sourceIPAddress": "bc52:ee5:4c4a:d8a8:1:2:3:4"}})
    assert not both(v6, {"detail": {"sourceIPAddress": "bc52:ee5:4c4a:d8a9::1"}})


def test_cidr_base_need_not_be_the_network_floor() -> None:
    # ruler's range is the whole block, from its floor (aws/event-ruler#89; see fidelity/test_cidr.py).
    pattern = {"ip": [{"cidr": "10.0.0.5/24"}]}
    assert both(pattern, {"ip": "10.0.0.200"})
    assert both(pattern, {"ip": "10.0.0.5"})
    assert both(pattern, {"ip": "10.0.0.4"})


def test_an_address_literal_matches_as_an_address() -> None:
    assert both({"ip": ["2001:db8::1"]}, {"ip": "2001:DB8:0:0:0:0:0:1"})
    assert both({"ip": ["10.0.0.1"]}, {"ip": "10.0.0.1"})
    assert not both({"ip": ["10.0.0.1"]}, {"ip": "10.0.0.2"})


def test_wildcard() -> None:
    # Content filtering page: "EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}].
    pattern = {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}
    assert both(pattern, {"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"})
    assert not both(pattern, {"EventBusArn": "arn:aws:events:us-west-2:123456789012:event-bus/myEventBus"})
    assert both({"f": [{"wildcard": "dir/*.png"}]}, {"f": "dir/.png"})  # * matches zero characters
    assert both({"f": [{"wildcard": "a\\*b"}]}, {"f": "a*b"})  # \* is a literal star
    assert not both({"f": [{"wildcard": "a\\*b"}]}, {"f": "axb"})
    assert both({"f": [{"wildcard": "a\\\\b"}]}, {"f": "a\\b"})


def test_or_at_top_level_and_nested() -> None:
    # Content filtering page, "$or" examples.
    top = {"$or": [{"source": ["aws.cloudwatch"]}, {"detail-type": ["CloudWatch Alarm State Change"]}]}
    assert both(top, {"source": "aws.cloudwatch", "detail-type": "x"})
    assert both(top, {"source": "x", "detail-type": "CloudWatch Alarm State Change"})
    assert not both(top, {"source": "x", "detail-type": "y"})
    nested = {
        "source": ["aws.cloudwatch"],
        "detail": {
            "$or": [
                {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                {"d-count": [{"numeric": ["<", 10]}]},
                {"x-limit": [{"numeric": ["=", 3.018e2]}]},
            ]
        },
    }
    assert both(nested, {"source": "aws.cloudwatch", "detail": {"d-count": 3}})
    assert not both(nested, {"source": "aws.cloudwatch", "detail": {"d-count": 30}})
    assert not both(nested, {"source": "aws.ec2", "detail": {"d-count": 3}})


def test_arrays_in_the_event_match_when_any_element_matches() -> None:
    # "Arrays in Amazon EventBridge event patterns": the resources example.
    pattern = {
        "resources": [
            "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
            "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f",
        ]
    }
    event = {
        "resources": [
            "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:"
            "autoScalingGroupName/ASGTerminate",
            "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
        ]
    }
    assert both(pattern, event)
    assert not both(pattern, {"resources": ["arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f"]})
    assert not both({"resources": [None]}, {"resources": []})


def test_fields_from_different_array_elements_never_combine() -> None:
    pattern = {"detail": {"items": {"sku": ["A"], "qty": [2]}}}
    assert both(pattern, {"detail": {"items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}]}})
    assert not both(pattern, {"detail": {"items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]}})


def test_dotted_keys_equal_nesting() -> None:
    assert both({"detail.state": ["on"]}, {"detail": {"state": "on"}})
    assert both({"detail": {"state": ["on"]}}, {"detail.state": "on"})
    assert not both({"detail.state": ["on"]}, {"detail": {"state": "off"}})


def test_duplicate_keys_last_wins_path_by_path() -> None:
    assert both('{"source": ["a"], "source": ["b"]}', {"source": "b"})
    assert not both('{"source": ["a"], "source": ["b"]}', {"source": "a"})
    # ruler reads the stream: distinct leaf paths under a repeated object key both stay.
    assert both('{"d": {"x": ["1"]}, "d": {"y": ["2"]}}', {"d": {"x": "1", "y": "2"}})
    assert not both('{"d": {"x": ["1"]}, "d": {"y": ["2"]}}', {"d": {"y": "2"}})
    assert both('{"d.x": ["1"], "d": {"x": ["2"]}}', {"d": {"x": "2"}})


def test_course_chapter_complex_pattern() -> None:
    pattern = {
        "source": ["com.myapp.orders"],
        "detail-type": ["Order Placed"],
        "detail": {
            "amount": [{"numeric": [">=", 1000]}],
            "region": ["us-east", "us-west"],
            "priority": [{"anything-but": ["low"]}],
        },
    }
    event = {
        "source": "com.myapp.orders",
        "detail-type": "Order Placed",
        "detail": {"amount": 1500, "region": "us-west", "priority": "high"},
    }
    assert both(pattern, event)
    assert not both(pattern, {**event, "detail": {**event["detail"], "priority": "low"}})
    assert not both(pattern, {**event, "detail": {**event["detail"], "amount": 999.99}})
