"""``compact_json`` builds and reads JSON with orjson; the results must be ``json``'s exactly.

The decider prints every state input and output as compact JSON text (``json.dumps`` with
``separators=(",", ":")`` and ``ensure_ascii=False``), and EventBridge targets receive the same
minified text. orjson is faster but spells some floats differently and reads integers beyond
64 bits as floats, so ``compact_json`` falls back to json for those: these tests hold it to
json's text and values.
"""

from __future__ import annotations

import json
import math
import random
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import compact_json
from engine.states.paths import to_json


def reference(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


MANTISSAS = ("1", "1.5", "2.5", "4.9", "9.999999999999999", "1.2345678901234567", "2.2250738585072014")


def every_decimal_exponent() -> list[float]:
    """Floats of every decimal magnitude a double has, where the spellings change layout."""
    values: list[float] = []
    for exponent in range(-330, 310):
        for mantissa in MANTISSAS:
            value = float(f"{mantissa}e{exponent}")
            if math.isfinite(value):
                values.extend((value, -value))
    return values


def test_every_float_magnitude_is_spelled_as_json_does() -> None:
    values = every_decimal_exponent()
    mismatches = [
        (value, to_json(value), reference(value)) for value in values if to_json(value) != reference(value)
    ]
    assert mismatches == []


def test_random_bit_patterns_are_spelled_as_json_does() -> None:
    generator = random.Random(20240101)
    for _ in range(20_000):
        value = struct.unpack("<d", generator.getrandbits(64).to_bytes(8, "little"))[0]
        assert to_json(value) == reference(value), value
        assert to_json({"x": [value]}) == reference({"x": [value]}), value


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        -0.0,
        0.0,
        1e-05,
        9.99e-05,
        0.0001,
        1e-07,
        1e16,
        1e15,
        5e-324,
        1.7976931348623157e308,
        12.5,
        [0.1 + 0.2, 1 / 3, 100.0],
    ],
)
def test_special_floats(value: Any) -> None:
    assert to_json(value) == reference(value)


@pytest.mark.parametrize(
    "value",
    [2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 2**70, -(2**100)],
)
def test_integers_at_and_beyond_64_bits(value: int) -> None:
    assert to_json(value) == reference(value)
    assert to_json({"n": value}) == reference({"n": value})


def test_every_code_point_is_escaped_as_json_does() -> None:
    text = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)
    assert to_json(text) == reference(text)
    assert to_json({text[:5000]: text[-5000:]}) == reference({text[:5000]: text[-5000:]})
    for code in range(0x80):
        assert to_json(chr(code)) == reference(chr(code)), hex(code)


def test_values_orjson_refuses_still_match() -> None:
    lone_surrogate = "a\ud800b"
    non_string_keys = {1: "a", False: 2, None: 3, 1.5: 4}
    deep: Any = 1
    for _ in range(300):  # deeper than orjson nests
        deep = [deep]
    for value in (lone_surrogate, non_string_keys, deep, (1, "two", None)):
        assert to_json(value) == reference(value)


def test_types_json_refuses_are_refused() -> None:
    from datetime import UTC, datetime

    with pytest.raises(TypeError):
        to_json({"when": datetime(2024, 1, 1, tzinfo=UTC)})


def test_plain_json_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Values without floats that orjson spells differently never reach json.dumps."""

    def refuse(value: Any, allow_nan: bool) -> str:
        raise AssertionError(f"json.dumps was used for {value!r}")

    monkeypatch.setattr(compact_json, "_standard", refuse)
    assert to_json({"order": {"id": "o-1", "amount": 12.5, "ok": True}}) == (
        '{"order":{"id":"o-1","amount":12.5,"ok":true}}'
    )
    assert to_json(list(range(5))) == "[0,1,2,3,4]"
    # "e-" in a string, no digits around it (an event id: EventBridge's ids are UUIDs).
    event = {"id": "5fae-8b2d-4cdf", "detail-type": "tick", "detail": {"n": 5}}
    assert compact_json.dumps(event) == '{"id":"5fae-8b2d-4cdf","detail-type":"tick","detail":{"n":5}}'


def test_nan_is_refused_when_asked() -> None:
    """EventBridge's minified text (``allow_nan=False``): orjson writes NaN as null; json refuses."""
    assert compact_json.dumps([float("nan")]) == "[NaN]"
    with pytest.raises(ValueError):
        compact_json.dumps({"x": float("nan")}, allow_nan=False)
    with pytest.raises(ValueError):
        compact_json.dumps({"x": float("inf")}, allow_nan=False)


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1,"a":2}',
        "123456789012345678901234567890",
        "18446744073709551616",
        "-9223372036854775809",
        '{"n":[9223372036854775807,-9223372036854775808,0.1234567890123456789]}',
        "1E400",
        "-1e400",
        "NaN",
        '"\\ud800"',
        '"\\ud83d\\ude00"',
        "-0",
        "-0.0",
        "4.9e-324",
        "123.456e-400",
        " [1 , 2 ]\n",
        '"\\u0000"',
        "[" * 2000 + "]" * 2000,
        '"a\ud800b"',  # a lone surrogate in the text itself, not escaped
        '"é\u00e9"',
    ],
)
def test_loads_reads_what_json_reads(text: str) -> None:
    """Integers beyond 64 bits stay integers, NaN and huge exponents read as json reads them,
    and what orjson refuses (a lone surrogate's escape, nesting past its limit) is json's."""
    try:
        expected: Any = ("value", json.loads(text))
    except (ValueError, RecursionError) as error:
        expected = ("error", type(error))
    try:
        found: Any = ("value", compact_json.loads(text))
    except (ValueError, RecursionError) as error:
        found = ("error", type(error))
    assert repr(found) == repr(expected)


@pytest.mark.parametrize("text", ["{", "[1,]", "01", "\ufeff{}", '"a\x01b"', "{} x"])
def test_loads_keeps_json_s_error(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as found:
        compact_json.loads(text)
    assert (found.value.msg, found.value.pos) == (expected.value.msg, expected.value.pos)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(JSON_VALUES)
def test_any_json_value_matches(value: Any) -> None:
    assert to_json(value) == reference(value)
    text = reference(value)
    assert repr(compact_json.loads(text)) == repr(json.loads(text))
