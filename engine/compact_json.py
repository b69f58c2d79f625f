"""Compact JSON text, built and read by orjson wherever the result is the standard library's.

Step Functions prints inputs and outputs as compact JSON in history events (``GetExecutionHistory``
in the Step Functions API reference) and EventBridge hands targets minified JSON ("Transforming
target input", EventBridge User Guide); the text must be exactly what
``json.dumps(value, separators=(",", ":"), ensure_ascii=False)`` writes, which the tests pin.
orjson writes it several times faster, and the same text except for some floats; reading, it
gives the same value for every text it accepts. So each function here tries orjson and falls
back to ``json`` exactly where the two could differ. Issue 10's py-spy of served PutEvents in
distributed mode (2026-12-06): JSON was 7% of the API processes' samples, most of it ``json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
"""Types json.dumps refuses must fail here too, not be serialised by orjson's extensions."""

_NEGATIVE_EXPONENT = re.compile(r"[0-9]e-[0-9]")
"""Where orjson's text can differ from ``json.dumps``: only floats, and only these spellings.

Both print the shortest digits that round-trip, so the digits agree; the layout differs for
negative exponents (``1e-7`` against ``1e-07``), for magnitudes in [1e-5, 1e-4) (orjson
writes ``0.00001``, json ``1e-05``) and for NaN/Infinity (orjson writes ``null``). A text
holding one of these (``0.0000``, ``null``, a digit, ``e-`` and a digit), even inside a
string (an event id's ``3e-4``), is rebuilt by json: rarely
slower, never different. tests/engine/test_compact_json.py checks the equivalence."""


def dumps(value: Any, *, allow_nan: bool = True) -> str:
    """``json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=allow_nan)``,
    byte for byte; orjson builds it unless the text may hold a float orjson spells differently
    or orjson refuses the value (an integer beyond 64 bits, a non-string key, a lone
    surrogate)."""
    try:
        text = orjson.dumps(value, option=ORJSON_OPTIONS).decode()
    except TypeError:
        return _standard(value, allow_nan)
    # Plain ``in`` first: searching a str is ten times cheaper than a regular expression.
    if "0.0000" in text or "null" in text or ("e-" in text and _NEGATIVE_EXPONENT.search(text)):
        return _standard(value, allow_nan)
    return text


def _standard(value: Any, allow_nan: bool) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=allow_nan)


_DIGITS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
"""``bytes.translate`` table: every digit to ``0``, every other byte to a space."""
_LONG_NUMBER = b"0" * 19
"""A run of digits orjson may read as a float where ``json`` reads an integer (beyond 64 bits).
Looked for in the translated bytes: a regular expression costs as much as ``json.loads``."""


def loads(text: str, standard: Callable[[str], Any] = json.loads) -> Any:
    """The value ``standard`` reads from ``text``: orjson's where orjson reads the text and no
    integer may pass 64 bits (there the two agree), else whatever ``standard`` gives or raises
    (NaN, a number past a float's range, a lone surrogate, nesting beyond orjson's limit, a
    syntax error with ``json``'s message)."""
    if not isinstance(text, str):
        return standard(text)
    encoded = text.encode("utf-8", "surrogatepass")  # orjson refuses what this lets through
    if _LONG_NUMBER in encoded.translate(_DIGITS):
        return standard(text)
    try:
        return orjson.loads(encoded)
    except orjson.JSONDecodeError:
        return standard(text)
