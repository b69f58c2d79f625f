"""The compiled Matcher: one structure for all rules, changed incrementally."""

from __future__ import annotations

import json

from engine.events.patterns import Matcher, parse_pattern


def rule(pattern: dict[str, object]) -> object:
    return parse_pattern(json.dumps(pattern))


def test_add_match_remove_and_len() -> None:
    matcher = Matcher()
    matcher.add("orders", parse_pattern('{"source": ["com.myapp.orders"]}'))
    matcher.add(
        "big",
        parse_pattern('{"source": ["com.myapp.orders"], "detail": {"amount": [{"numeric": [">", 100]}]}}'),
    )
    matcher.add("ship", parse_pattern('{"detail-type": [{"prefix": "Order S"}]}'))
    assert len(matcher) == 3 and "big" in matcher
    event = {"source": "com.myapp.orders", "detail-type": "Order Shipped", "detail": {"amount": 150}}
    assert matcher.match(event) == {"orders", "big", "ship"}
    assert matcher.match({**event, "detail": {"amount": 50}}) == {"orders", "ship"}
    matcher.remove("orders")
    assert len(matcher) == 2
    assert matcher.match(event) == {"big", "ship"}
    matcher.remove("missing")  # ignored
    matcher.remove("big")
    matcher.remove("ship")
    assert matcher.match(event) == set()
    assert not matcher._root.children and not matcher._root.machines  # everything pruned


def test_adding_an_existing_id_replaces_the_rule() -> None:
    matcher = Matcher()
    matcher.add("r", parse_pattern('{"source": ["a"]}'))
    matcher.add("r", parse_pattern('{"source": ["b"]}'))
    assert len(matcher) == 1
    assert matcher.match({"source": "a"}) == set()
    assert matcher.match({"source": "b"}) == {"r"}


def test_identical_rules_share_states_and_survive_each_others_removal() -> None:
    matcher = Matcher()
    text = '{"source": ["a"], "detail": {"x": [{"numeric": ["<", 3]}]}}'
    matcher.add("one", parse_pattern(text))
    matcher.add("two", parse_pattern(text))
    assert len(matcher._root.children) == 1
    matcher.remove("one")
    assert matcher.match({"source": "a", "detail": {"x": 1}}) == {"two"}


def test_or_alternatives_of_one_rule_report_the_rule_once() -> None:
    matcher = Matcher()
    matcher.add("r", parse_pattern('{"$or": [{"a": ["1"]}, {"b": ["2"]}]}'))
    assert matcher.match({"a": "1", "b": "2"}) == {"r"}
    matcher.remove("r")
    assert matcher.match({"a": "1"}) == set()


def test_exists_false_and_numeric_indexes_after_removal() -> None:
    matcher = Matcher()
    matcher.add("absent", parse_pattern('{"a": [{"exists": false}], "b": ["x"]}'))
    matcher.add("low", parse_pattern('{"n": [{"numeric": ["<", 10]}]}'))
    matcher.add("mid", parse_pattern('{"n": [{"numeric": [">=", 10, "<", 20]}]}'))
    assert matcher.match({"b": "x", "n": 10}) == {"absent", "mid"}
    assert matcher.match({"a": 1, "b": "x", "n": 9.5}) == {"low"}
    matcher.remove("mid")
    assert matcher.match({"n": 10}) == set()
    assert matcher.match({"n": -3}) == {"low"}


def test_events_with_dotted_keys_and_unrelated_fields() -> None:
    matcher = Matcher()
    matcher.add("r", parse_pattern('{"detail": {"state": ["on"]}}'))
    assert matcher.match({"detail.state": "on", "other": {"deep": [1, 2]}}) == {"r"}
    assert matcher.match({"detail": {"state": ["off", "on"]}}) == {"r"}
