"""Is this string a valid JSONata expression, intrinsic function call or path?

The JSONata and intrinsic parsers belong to ``engine.states.jsonata`` and
``engine.states.intrinsics``; they are imported inside the functions so this module imports
(and validates paths) even where those modules are being rewritten.
"""

from __future__ import annotations

import re

from engine.states.path_syntax import is_path

_JSONATA_CODE = re.compile(r"^[A-Z]\d{4}:\s*")


def jsonata_body(value: object) -> str | None:
    """The expression inside ``"{% ... %}"``, or None when ``value`` is not such a string."""
    if isinstance(value, str) and len(value) >= 4 and value.startswith("{%") and value.endswith("%}"):
        return value[2:-2]
    return None


def jsonata_error(expression: str) -> str | None:
    """Why ``expression`` does not compile as JSONata, or None when it does."""
    try:
        from engine.states.jsonata import parse_error
    except ImportError:
        return _fallback_jsonata_error(expression)
    error = parse_error(expression)
    return None if error is None else _JSONATA_CODE.sub("", error)


def intrinsic_error(expression: str) -> str | None:
    """Why ``expression`` is not a well-formed intrinsic function call, or None when it is."""
    try:
        from engine.states.intrinsics import IntrinsicSyntaxError, parse
    except ImportError:
        return _fallback_intrinsic_error(expression)
    try:
        parse(expression)
    except IntrinsicSyntaxError as error:
        return str(error)
    return None


def is_path_or_intrinsic(value: object) -> bool:
    """What a ``"key.$"`` field (or ErrorPath / CausePath) may hold."""
    if not isinstance(value, str):
        return False
    if value.startswith("States."):
        return intrinsic_error(value) is None
    return is_path(value)


def looks_dynamic(value: object) -> bool:
    """A plain string that was probably meant as a path or intrinsic (for NO_DOLLAR / NO_PATH)."""
    if not isinstance(value, str):
        return False
    if value.startswith("States.") and value.endswith(")") and "(" in value:
        return True
    return (value.startswith("$.") or value.startswith("$$.") or value.startswith("$[")) and is_path(value)


def _fallback_jsonata_error(expression: str) -> str | None:
    from jsonata import JException, Jsonata

    try:
        Jsonata(expression)
    except JException as error:
        return _JSONATA_CODE.sub("", str(error).strip())
    except Exception as error:  # the parser may fail in other ways on odd input
        return str(error) or type(error).__name__
    return None


_INTRINSIC_CALL = re.compile(r"States\.[A-Za-z][A-Za-z0-9]*\(.*\)", flags=re.DOTALL)


def _fallback_intrinsic_error(expression: str) -> str | None:
    if _INTRINSIC_CALL.fullmatch(expression) is None:
        return f"'{expression}' is not an intrinsic function call"
    depth = 0
    quoted = False
    escaped = False
    for char in expression:
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "'":
                quoted = False
        elif char == "'":
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                break
    if depth != 0 or quoted:
        return f"'{expression}' has unbalanced parentheses or quotes"
    return None
