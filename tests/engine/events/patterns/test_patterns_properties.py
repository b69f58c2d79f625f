"""Property tests: the compiled Matcher agrees with the reference evaluator.

Patterns and events are drawn from a small vocabulary so that they match often, and rules are
added and removed in random order.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.events.patterns import InvalidEventPatternError, Matcher, matches, parse_pattern

KEYS = ["a", "b", "c"]
STRINGS = ["", "x", "xy", "Xy", "yx", "10.0.0.1", "10.0.1.7", "a*b"]
NUMBERS = [0, 1, 1.5, 2, -3, 100, 1e2, 7e9, 0.0000001]
SCALARS = st.sampled_from([*STRINGS, *NUMBERS, True, False, None])

CONDITIONS = st.one_of(
    SCALARS,
    st.builds(lambda s: {"prefix": s}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"suffix": s}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"equals-ignore-case": s}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"prefix": {"equals-ignore-case": s}}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"suffix": {"equals-ignore-case": s}}, st.sampled_from(STRINGS)),
    st.builds(lambda s: {"wildcard": s}, st.sampled_from(["*", "x*", "*y", "x*y", "a\\*b", "*x*"])),
    st.builds(lambda v: {"anything-but": v}, st.sampled_from(["x", 1, ["x", "xy"], [1, 2]])),
    st.builds(
        lambda op, v: {"anything-but": {op: v}},
        st.sampled_from(["prefix", "suffix", "equals-ignore-case", "wildcard"]),
        st.sampled_from(["x", ["x", "y"]]),
    ),
    st.builds(
        lambda op, v: {"numeric": [op, v]},
        st.sampled_from(["=", "<", "<=", ">", ">="]),
        st.sampled_from([0, 1, 1.5, 2]),
    ),
    st.builds(
        lambda lo, hi: {"numeric": [">=", lo, "<", lo + hi]},
        st.sampled_from([-3, 0, 1]),
        st.sampled_from([1, 2, 100]),
    ),
    st.builds(lambda b: {"exists": b}, st.booleans()),
    st.builds(lambda c: {"cidr": c}, st.sampled_from(["10.0.0.0/24", "10.0.0.0/8", "10.0.1.5/30"])),
)


def field_patterns(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    leaf = st.lists(CONDITIONS, min_size=1, max_size=3)
    if depth == 0:
        return st.dictionaries(st.sampled_from(KEYS), leaf, min_size=1, max_size=2)
    value = st.one_of(leaf, field_patterns(depth - 1))
    return st.dictionaries(st.sampled_from(KEYS), value, min_size=1, max_size=3)


@st.composite
def patterns(draw: st.DrawFn) -> str:
    body = draw(field_patterns(1))
    if draw(st.booleans()):
        body["$or"] = draw(st.lists(field_patterns(0), min_size=2, max_size=3))
    return json.dumps(body)


def event_values(depth: int) -> st.SearchStrategy[Any]:
    if depth == 0:
        return SCALARS
    inner = event_values(depth - 1)
    return st.one_of(
        SCALARS,
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    )


EVENTS = st.dictionaries(st.sampled_from([*KEYS, "a.b", "c.a"]), event_values(3), max_size=4)


def parsed(text: str) -> Any:
    try:
        return parse_pattern(text)
    except InvalidEventPatternError:
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(patterns(), min_size=1, max_size=6), st.lists(EVENTS, min_size=1, max_size=5))
def test_matcher_agrees_with_reference(texts: list[str], events: list[dict[str, Any]]) -> None:
    rules = {f"r{n}": p for n, text in enumerate(texts) if (p := parsed(text)) is not None}
    matcher = Matcher()
    for rule_id, pattern in rules.items():
        matcher.add(rule_id, pattern)
    for event in events:
        expected = {rule_id for rule_id, pattern in rules.items() if matches(pattern, event)}
        assert matcher.match(event) == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(patterns(), min_size=2, max_size=6),
    st.lists(st.tuples(st.booleans(), st.integers(0, 5)), max_size=12),
    st.lists(EVENTS, min_size=1, max_size=4),
)
def test_matcher_agrees_after_adds_and_removes(
    texts: list[str], operations: list[tuple[bool, int]], events: list[dict[str, Any]]
) -> None:
    available = [p for text in texts if (p := parsed(text)) is not None]
    if not available:
        return
    matcher = Matcher()
    live: dict[str, Any] = {}
    for adding, index in operations:
        rule_id = f"r{index}"
        if adding:
            live[rule_id] = available[index % len(available)]
            matcher.add(rule_id, live[rule_id])
        else:
            live.pop(rule_id, None)
            matcher.remove(rule_id)
        assert len(matcher) == len(live)
    for event in events:
        assert matcher.match(event) == {r for r, p in live.items() if matches(p, event)}
    for rule_id in list(live):
        matcher.remove(rule_id)
    assert not matcher._root.children


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_parse_never_fails_with_anything_but_its_own_error(text: str) -> None:
    try:
        parse_pattern(text)
    except InvalidEventPatternError as err:
        assert err.message.startswith("Event pattern is not valid. Reason: ")
