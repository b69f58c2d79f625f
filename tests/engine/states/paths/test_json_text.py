"""``to_json`` builds history texts with orjson; they must equal ``json.dumps`` byte for byte.

The decider prints every state input and output as compact JSON text (``json.dumps`` with
``separators=(",", ":")`` and ``ensure_ascii=False``). orjson is faster but spells some floats
differently, so ``to_json`` falls back to json for those: these tests hold it to the json text.
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

from engine.states import paths
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

    def refuse(value: Any) -> str:
        raise AssertionError(f"json.dumps was used for {value!r}")

    monkeypatch.setattr(paths, "_json_dumps", refuse)
    assert to_json({"order": {"id": "o-1", "amount": 12.5, "ok": True}}) == (
        '{"order":{"id":"o-1","amount":12.5,"ok":true}}'
    )
    assert to_json(list(range(5))) == "[0,1,2,3,4]"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(JSON_VALUES)
def test_any_json_value_matches(value: Any) -> None:
    assert to_json(value) == reference(value)
