"""The compiled Matcher's speed machinery must never change an answer.

Re-ordering (``optimize``, automatic as a bus grows and shrinks), the generated leaf extractor and
the generic walk it falls back to, and dotted event keys are each held to the reference evaluator.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.events.patterns import Matcher, matches, parse_pattern
from engine.events.patterns.extractor import MAX_NODES
from tests.engine.events.patterns.test_patterns_properties import EVENTS, parsed, patterns


def expected(rules: dict[str, Any], event: dict[str, Any]) -> set[str]:
    return {rule_id for rule_id, pattern in rules.items() if matches(pattern, event)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(patterns(), min_size=9, max_size=40), st.lists(EVENTS, min_size=1, max_size=4))
def test_a_growing_bus_is_reordered_and_still_agrees(texts: list[str], events: list[dict[str, Any]]) -> None:
    rules = {f"r{n}": p for n, text in enumerate(texts) if (p := parsed(text)) is not None}
    matcher = Matcher()
    for rule_id, pattern in rules.items():
        matcher.add(rule_id, pattern)  # passes 8, 16 and 32 rules: re-ordered each time
    for event in events:
        assert matcher.match(event) == expected(rules, event)
    matcher.optimize()
    for event in events:
        assert matcher.match(event) == expected(rules, event)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(patterns(), min_size=16, max_size=40),
    st.lists(EVENTS, min_size=1, max_size=3),
    st.integers(0, 2**16),
)
def test_a_shrinking_bus_is_reordered_and_still_agrees(
    texts: list[str], events: list[dict[str, Any]], seed: int
) -> None:
    rules = {f"r{n}": p for n, text in enumerate(texts) if (p := parsed(text)) is not None}
    matcher = Matcher()
    for rule_id, pattern in rules.items():
        matcher.add(rule_id, pattern)
    doomed = sorted(rules)[seed % 3 :: 2] + sorted(rules)[: seed % 5]
    for rule_id in doomed:  # falls below a quarter of the ordered size for most draws
        matcher.remove(rule_id)
        rules.pop(rule_id, None)
    for event in events:
        assert matcher.match(event) == expected(rules, event)
    for rule_id in list(rules):
        matcher.remove(rule_id)
    assert not matcher._root.children and not matcher._slots


def test_reordering_puts_the_selective_field_first_for_rules_added_early() -> None:
    matcher = Matcher()
    first = parse_pattern('{"source": ["shop"], "detail": {"order": ["o-0"]}}')
    matcher.add("early", first)
    for n in range(1, 40):
        matcher.add(f"r{n}", parse_pattern(json.dumps({"source": ["shop"], "detail": {"order": [f"o-{n}"]}})))
    assert [step.path for step in matcher._chains["early"][0]] == ["detail.order", "source"]
    assert set(matcher._root.machines or ()) == {"detail.order"}
    assert matcher.match({"source": "shop", "detail": {"order": "o-0"}}) == {"early"}


def test_a_trie_too_large_to_compile_uses_the_generic_walk() -> None:
    matcher = Matcher()
    for n in range(MAX_NODES + 10):
        matcher.add(f"r{n}", parse_pattern(json.dumps({"detail": {f"f{n}": [str(n)]}})))
    event: dict[str, Any] = {"detail": {"f7": "7", "f400": ["x", "400"], "f9": "nine"}, "detail.f3": "3"}
    assert matcher.match(event) == {"r7", "r400", "r3"}
    assert matcher._extract is None  # the generic walk answered


def test_dotted_event_keys_reach_the_same_paths_as_nested_ones() -> None:
    matcher = Matcher()
    matcher.add("deep", parse_pattern('{"detail": {"a": {"b": ["x"]}}, "source": ["s"]}'))
    matcher.add("pair", parse_pattern('{"detail": {"a": {"b": ["x"], "c": ["y"]}}}'))
    assert matcher.match({"detail.a.b": "x", "source": "s"}) == {"deep"}
    assert matcher.match({"detail": {"a.b": "x", "a": {"c": "y"}}}) == {"pair"}
    # two leaves on one path, one nested and one dotted: either may match
    assert matcher.match({"detail": {"a": {"b": "z"}, "a.b": "x"}, "source": "s"}) == {"deep"}


def test_an_empty_key_adds_a_segment_like_any_other() -> None:
    """``{"": {"b": 1}}`` is at path ".b", which is how a pattern with an empty key spells it."""
    pattern = parse_pattern('{"": {"b": ["x"]}}')
    event: dict[str, Any] = {"": {"b": "x"}}
    assert matches(pattern, event)
    assert not matches(pattern, {"b": "x"})
    matcher = Matcher()
    matcher.add("r", pattern)
    assert matcher.match(event) == {"r"}
    assert matcher.match({"b": "x"}) == set()


def test_one_array_path_needs_no_element_tracking_but_two_do() -> None:
    matcher = Matcher()
    matcher.add("same-item", parse_pattern('{"items": {"sku": ["a"], "qty": [2]}}'))
    matcher.add("any-item", parse_pattern('{"items": {"sku": ["a"]}, "source": ["s"]}'))
    split: dict[str, Any] = {"source": "s", "items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}]}
    assert matcher.match(split) == {"any-item"}
    together: dict[str, Any] = {"source": "s", "items": [{"sku": "b", "qty": 1}, {"sku": "a", "qty": 2}]}
    assert matcher.match(together) == {"same-item", "any-item"}


def test_the_extractor_is_recompiled_only_when_the_path_set_changes() -> None:
    matcher = Matcher()
    matcher.add("a", parse_pattern('{"source": ["a"]}'))
    matcher.match({"source": "a"})
    compiled = matcher._extract
    matcher.add("b", parse_pattern('{"source": ["b"]}'))
    assert matcher.match({"source": "b"}) == {"b"} and matcher._extract is compiled
    matcher.add("c", parse_pattern('{"detail": {"x": ["c"]}}'))
    assert matcher.match({"source": "b", "detail": {"x": "c"}}) == {"b", "c"}
    assert matcher._extract is not compiled
    matcher.remove("c")
    assert matcher.match({"source": "a", "detail": {"x": "c"}}) == {"a"}
