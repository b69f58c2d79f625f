"""Event patterns where aws/event-ruler's own tests pin the behaviour (issue 11).

Every case runs through the reference evaluator and the compiled Matcher, which must agree.
Sources (repository aws/event-ruler):
- CIDR floor: src/main/software/amazon/event/ruler/CIDR.java (computeBottomBytes, PR #89) and
  src/test/software/amazon/event/ruler/ACMachineTest.java testIPAddressOfCIDRIsEqualToMaximumOfRange,
  CIDRTest.java TestCorrectRanges.
- exists:false in array elements: ACFinder.java / NameState.getNameTransitions(Event, ArrayMembership),
  and ACMachineTest.java testACWithExistFalseRule.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.events.patterns import InvalidEventPatternError, Matcher, matches, parse_pattern
from engine.events.patterns.parse import MAX_ALTERNATIVES


def verdict(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    parsed = parse_pattern(json.dumps(pattern))
    reference = matches(parsed, event)
    matcher = Matcher()
    matcher.add("rule", parsed)
    assert (matcher.match(event) == {"rule"}) == reference
    return reference


# --- cidr: the whole block, whatever host part the address is written with -----------------------

CIDR_RULES = {
    "rule1": "220.160.153.171/31",
    "rule2": "220.160.154.255/24",
    "rule3": "220.160.59.225/31",
}


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        # ACMachineTest.testIPAddressOfCIDRIsEqualToMaximumOfRange, event by event.
        ("220.160.153.170", {"rule1"}),
        ("220.160.153.171", {"rule1"}),
        ("220.160.153.169", set()),
        ("220.160.153.172", set()),
        ("220.160.154.0", {"rule2"}),
        ("220.160.154.255", {"rule2"}),
        ("220.160.153.255", set()),
        ("220.160.155.0", set()),
        ("220.160.59.224", {"rule3"}),
        ("220.160.59.225", {"rule3"}),
        ("220.160.59.223", set()),
        ("220.160.59.226", set()),
    ],
)
def test_cidr_covers_its_block_from_the_floor(address: str, expected: set[str]) -> None:
    matcher = Matcher()
    for name, block in CIDR_RULES.items():
        matcher.add(name, parse_pattern(json.dumps({"sourceIPAddress": [{"cidr": block}]})))
    event: dict[str, Any] = {"sourceIPAddress": address}
    assert matcher.match(event) == expected
    for name, block in CIDR_RULES.items():
        assert matches(parse_pattern(json.dumps({"sourceIPAddress": [{"cidr": block}]})), event) == (
            name in expected
        )


@pytest.mark.parametrize(
    ("block", "inside", "outside"),
    [
        # CIDRTest.TestCorrectRanges: "0011:2233:...:eeff/24" spans 001122000...0 to 001122FFF...F,
        # "54.240.196.171/24" (36F0C4AB) spans 36F0C400 to 36F0C4FF.
        ("0011:2233:4455:6677:8899:aabb:ccdd:eeff/24", "11:2200::", "11:2300::"),
        ("54.240.196.171/24", "54.240.196.0", "54.240.195.255"),
        ("::1/24", "::", "0:100::"),
    ],
)
def test_cidr_range_bounds_follow_ruler(block: str, inside: str, outside: str) -> None:
    pattern = {"ip": [{"cidr": block}]}
    assert verdict(pattern, {"ip": inside})
    assert not verdict(pattern, {"ip": outside})


# --- exists:false is judged within the array elements already chosen ------------------------------

ACTIVE_TASK = {
    "taskInstances": {
        "taskInstanceState": ["ACTIVE"],
        "provider": {"id": ["XXXXXXXXXXXX"]},
        "resources": {"additionalContext": {"capabilityInterfaces": {"interfaceName": [{"exists": False}]}}},
    }
}


def _task(state: str, provider: str, interface: str | None) -> dict[str, Any]:
    resource: dict[str, Any] = {"legacyFocusCategory": "XXXXXFocus"}
    if interface is not None:
        resource["additionalContext"] = {"capabilityInterfaces": [{"interfaceName": interface}]}
    return {"taskInstanceState": state, "provider": {"id": provider}, "resources": [resource]}


def test_exists_false_holds_in_the_element_the_other_fields_chose() -> None:
    # ACMachineTest.testACWithExistFalseRule, rule r1 and event1: the first task is ACTIVE with the
    # wanted provider and has no interfaceName; the second has one. ruler matches through the first.
    event = {
        "requestContext": {
            "taskInstances": [_task("ACTIVE", "XXXXXXXXXXXX", None), _task("InACTIVE", "SomeRandom", "Dummy")]
        }
    }
    assert verdict({"requestContext": ACTIVE_TASK}, event)


def test_exists_false_fails_when_the_chosen_element_has_the_field() -> None:
    # Same test, event2: the ACTIVE task carries interfaceName, so r1 does not match.
    event = {
        "requestContext": {
            "taskInstances": [
                _task("ACTIVE", "XXXXXXXXXXXX", "XXXX.XXXXXXXXXXXXXX"),
                _task("InACTIVE", "SomeRandom", "XXXX.XXXXXXXXXXXXXX"),
            ]
        }
    }
    assert not verdict({"requestContext": ACTIVE_TASK}, event)


def test_exists_false_in_nested_arrays() -> None:
    # Arrays inside arrays: ruler compares the full array membership (ArrayMembership), so an
    # inner element of another outer element does not count against this one.
    pattern = {"orders": {"id": ["o-1"], "lines": {"refund": [{"exists": False}]}}}
    event = {
        "orders": [
            {"id": "o-1", "lines": [{"sku": "a"}, {"sku": "b"}]},
            {"id": "o-2", "lines": [{"sku": "c", "refund": True}]},
        ]
    }
    assert verdict(pattern, event)
    event["orders"][0]["lines"][1]["refund"] = False  # type: ignore[index]
    assert not verdict(pattern, event)


def test_exists_false_is_checked_in_rulers_field_order() -> None:
    # ruler walks a rule's fields in sorted key order (GenericMachine.addRule sorts the keys) and
    # checks an absence against the elements chosen by the fields before it only: "a.b" sorts
    # before "a.c", so at "a.b" no element is chosen yet and any "a.b" anywhere defeats it.
    event = {"a": [{"c": "x"}, {"b": 1, "c": "y"}]}
    assert not verdict({"a": {"b": [{"exists": False}], "c": ["x"]}}, event)
    # "a.z" sorts after "a.c": by then element 0 is chosen, and it has no "z".
    event2 = {"a": [{"c": "x"}, {"z": 1, "c": "y"}]}
    assert verdict({"a": {"z": [{"exists": False}], "c": ["x"]}}, event2)


def test_exists_false_outside_any_array_still_needs_the_field_absent() -> None:
    assert not verdict({"a": {"b": [{"exists": False}]}}, {"a": {"b": 1}})
    assert verdict({"a": {"b": [{"exists": False}]}}, {"a": {"c": 1}})


# --- $or: at most AWS's 1,000 combinations ---------------------------------------------------------


def _or(prefix: str, count: int) -> dict[str, Any]:
    return {"$or": [{f"{prefix}{i}": ["x"]} for i in range(count)]}


def test_or_combinations_up_to_the_limit_are_accepted() -> None:
    pattern = {"a": _or("a", 10), "b": _or("b", 10), "c": _or("c", 10)}
    assert len(parse_pattern(json.dumps(pattern)).alternatives) == MAX_ALTERNATIVES == 1000


def test_or_combinations_beyond_the_limit_are_refused() -> None:
    pattern = {"a": _or("a", 10), "b": _or("b", 10), "c": _or("c", 10), "d": _or("d", 2)}
    with pytest.raises(InvalidEventPatternError) as caught:
        parse_pattern(json.dumps(pattern))
    assert str(caught.value).startswith("Event pattern is not valid. Reason: ")
    assert "1000" in str(caught.value)
