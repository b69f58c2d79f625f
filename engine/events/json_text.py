"""JSON text the way EventBridge reads and writes it.

Python's ``json`` module is lenient where EventBridge is not (it accepts ``NaN`` and
``Infinity``) and pretty where EventBridge is terse (targets receive minified JSON), so
the event modules share these three helpers instead of calling ``json`` directly.
"""

from __future__ import annotations

import json
from typing import Any

from engine import compact_json

_JSON_WHITESPACE = frozenset(" \t\n\r")


class InvalidJsonText(ValueError):
    """The text is not strict RFC 8259 JSON; the message says where it breaks."""


def _refuse_constant(name: str) -> Any:
    raise InvalidJsonText(f"{name} is not a JSON value")


def _strict(text: str) -> Any:
    return json.loads(text, parse_constant=_refuse_constant)


def loads_strict(text: str) -> Any:
    """Parse ``text`` as strict JSON: no NaN/Infinity, and absurd nesting is an error, not a crash."""
    try:
        return compact_json.loads(text, _strict)
    except InvalidJsonText:
        raise
    except json.JSONDecodeError as error:
        raise InvalidJsonText(f"{error.msg} at line {error.lineno} column {error.colno}") from error
    except RecursionError as error:
        raise InvalidJsonText("JSON is nested too deeply") from error


def dumps_compact(value: Any) -> str:
    """Serialise ``value`` as minified JSON, keeping non-ASCII text as it is (as EventBridge does)."""
    return compact_json.dumps(value, allow_nan=False)


def minify(text: str) -> str:
    """Drop the whitespace between JSON tokens of ``text``; string contents are left untouched.

    Works on the text rather than re-parsing it, so number spellings survive exactly.
    """
    kept: list[str] = []
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            kept.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            kept.append(char)
        elif char not in _JSON_WHITESPACE:
            kept.append(char)
    return "".join(kept)
