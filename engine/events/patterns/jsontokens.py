"""A streaming JSON tokenizer that reports errors and positions the way Jackson does.

AWS validates event patterns with aws/event-ruler, which reads the pattern token by token through
Jackson and appends Jackson's position ("at [Source: ...; line: 1, column: N]") to its messages.
To give the same message, this tokenizer mimics Jackson's observable behaviour: a string value is
read lazily (the position stays after its opening quote until its text is asked for), and a field
name is returned only after the first token of its value has been read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Final

from engine.events.patterns.errors import RulerError

START_OBJECT: Final = "START_OBJECT"
END_OBJECT: Final = "END_OBJECT"
START_ARRAY: Final = "START_ARRAY"
END_ARRAY: Final = "END_ARRAY"
FIELD_NAME: Final = "FIELD_NAME"
VALUE_STRING: Final = "VALUE_STRING"
VALUE_INT: Final = "VALUE_NUMBER_INT"
VALUE_FLOAT: Final = "VALUE_NUMBER_FLOAT"
VALUE_TRUE: Final = "VALUE_TRUE"
VALUE_FALSE: Final = "VALUE_FALSE"
VALUE_NULL: Final = "VALUE_NULL"

NUMERIC_KINDS: Final = frozenset({VALUE_INT, VALUE_FLOAT})
_STRUCTURAL_TEXT: Final = {START_OBJECT: "{", END_OBJECT: "}", START_ARRAY: "[", END_ARRAY: "]"}
_VALID_VALUES: Final = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_SNIPPET_MAX: Final = 500
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_WHITESPACE = " \t\r\n"
_ESCAPABLE = '"\\/bfnrt'


@dataclass
class Token:
    kind: str
    start: int
    end: int  # index just past the token in the source
    raw: str = ""  # literal text of numbers and keywords, decoded text of names
    string_error: tuple[str, int] | None = None  # a bad string, reported when it is read or skipped


def char_desc(ch: str) -> str:
    """Jackson's description of an unexpected character."""
    code = ord(ch)
    if code < 32 or 127 <= code <= 159:
        return f"(CTRL-CHAR, code {code})"
    if code > 255:
        return f"'{ch}' (code {code} / 0x{code:x})"
    return f"'{ch}' (code {code})"


def _is_identifier_part(ch: str) -> bool:
    return ch.isalnum() or ch in "_$"


class JsonTokens:
    """Jackson-like ``next_token`` / ``text`` over a JSON text, with ``error`` at the current position."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0  # where scanning resumes
        self.loc = 0  # the position Jackson would report now
        self._contexts: list[tuple[str, int]] = []  # ("object" | "array", start index)
        self._first_in_context = True
        self._pending: Token | None = None
        self._open_string: Token | None = None
        self.current: Token | None = None

    # -- reporting -------------------------------------------------------------------------------

    def location(self, at: int | None = None) -> str:
        """Jackson's "\\n at [Source: ...]" suffix for a position (default: the current one)."""
        return "\n at " + self._location_desc(self.loc if at is None else at)

    def _location_desc(self, at: int) -> str:
        line, column = self._line_column(at)
        return f"[Source: {self._source_desc()}; line: {line}, column: {column}]"

    def _source_desc(self) -> str:
        text = self.source[:_SNIPPET_MAX]
        escaped = "".join(
            f"\\u{ord(c):04X}" if (ord(c) < 32 or 127 <= ord(c) <= 159) and c not in "\r\n" else c
            for c in text
        )
        desc = f'(String)"{escaped}"'
        if len(self.source) > _SNIPPET_MAX:
            desc += f"[truncated {len(self.source) - _SNIPPET_MAX} chars]"
        return desc

    def _line_column(self, at: int) -> tuple[int, int]:
        line, row_start, i = 1, 0, 0
        text = self.source
        while i < at:
            ch = text[i]
            if ch == "\n" or ch == "\r":
                if ch == "\r" and i + 1 < at and text[i + 1] == "\n":
                    i += 1
                line += 1
                row_start = i + 1
            i += 1
        return line, at - row_start + 1

    def error(self, reason: str) -> RulerError:
        return RulerError(reason, self.location())

    def _fail(self, reason: str, at: int) -> RulerError:
        """Raise at ``at``; Jackson reports an unexpected character at the character itself."""
        self.loc = at
        return self.error(reason)

    # -- reading ---------------------------------------------------------------------------------

    def text(self) -> str:
        """The current token's text; reading a string value moves the position past its closing quote."""
        token = self.current
        if token is None:
            return ""
        if token.kind == VALUE_STRING:
            if token.string_error is not None:
                raise self._fail(*token.string_error)
            self.loc = token.end
            self._open_string = None
            return token.raw
        if token.kind in _STRUCTURAL_TEXT:
            return _STRUCTURAL_TEXT[token.kind]
        return token.raw

    def next_token(self) -> Token | None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._enter(pending)
            self.current = pending
            return pending
        if self._open_string is not None:
            skipped, self._open_string = self._open_string, None
            if skipped.string_error is not None:
                raise self._fail(*skipped.string_error)
        token = self._scan_next()
        self.current = token
        return token

    def _scan_next(self) -> Token | None:
        i = self._skip_whitespace(self.pos)
        if i >= len(self.source):
            self.pos = self.loc = i
            if not self._contexts:
                return None
            kind, start = self._contexts[-1]
            marker = "Object" if kind == "object" else "Array"
            raise self._fail(
                f"Unexpected end-of-input: expected close marker for {marker} "
                f"(start marker at {self._location_desc(start)})",
                i,
            )
        ch = self.source[i]
        if ch in "]}":
            return self._close(ch, i)
        in_object = bool(self._contexts) and self._contexts[-1][0] == "object"
        if not self._first_in_context:
            if ch != ",":
                where = "Object" if in_object else "Array"
                raise self._fail(
                    f"Unexpected character ({char_desc(ch)}): "
                    f"was expecting comma to separate {where} entries",
                    i,
                )
            i = self._skip_whitespace(i + 1)
            if i >= len(self.source):
                raise self._fail("Unexpected end-of-input: expected a value", i)
        self._first_in_context = False
        if in_object:
            return self._field_name(i)
        token = self._value(i)
        self._enter(token)
        return token

    def _close(self, ch: str, i: int) -> Token:
        expected = "object" if ch == "}" else "array"
        if not self._contexts or self._contexts[-1][0] != expected:
            open_kind, start = self._contexts[-1] if self._contexts else ("root", 0)
            wanted = "}" if open_kind == "object" else "]"
            desc = {"object": "Object", "array": "Array"}.get(open_kind, "root")
            raise self._fail(
                f"Unexpected close marker '{ch}': expected '{wanted}' "
                f"(for {desc} starting at {self._location_desc(start)})",
                i + 1,
            )
        self._contexts.pop()
        self._first_in_context = False
        self.pos = self.loc = i + 1
        return Token(END_OBJECT if ch == "}" else END_ARRAY, i, i + 1)

    def _enter(self, token: Token) -> None:
        if token.kind == START_OBJECT:
            self._contexts.append(("object", token.start + 1))
            self._first_in_context = True
        elif token.kind == START_ARRAY:
            self._contexts.append(("array", token.start + 1))
            self._first_in_context = True
        elif token.kind == VALUE_STRING:
            self._open_string = token

    def _field_name(self, i: int) -> Token:
        ch = self.source[i]
        if ch != '"':
            raise self._fail(
                f"Unexpected character ({char_desc(ch)}): was expecting double-quote to start field name", i
            )
        name = self._string(i, "name")
        if name.string_error is not None:
            raise self._fail(*name.string_error)
        j = self._skip_whitespace(name.end)
        if j >= len(self.source):
            raise self._fail(
                "Unexpected end-of-input: was expecting a colon to separate field name and value", j
            )
        if self.source[j] != ":":
            raise self._fail(
                f"Unexpected character ({char_desc(self.source[j])}): "
                "was expecting a colon to separate field name and value",
                j,
            )
        j = self._skip_whitespace(j + 1)
        if j >= len(self.source):
            raise self._fail("Unexpected end-of-input: expected a value", j)
        self._pending = self._value(j)
        return Token(FIELD_NAME, i, name.end, name.raw)

    def _value(self, i: int) -> Token:
        ch = self.source[i]
        if ch == '"':
            token = self._string(i, "string value")
            self.pos = token.end
            self.loc = i + 1
            return token
        if ch == "{" or ch == "[":
            self.pos = self.loc = i + 1
            return Token(START_OBJECT if ch == "{" else START_ARRAY, i, i + 1)
        if ch == "-" or ch.isdigit():
            return self._number(i)
        if ch in "tfn":
            return self._keyword(i)
        if _is_identifier_part(ch):
            raise self._invalid_token(i)
        raise self._fail(f"Unexpected character ({char_desc(ch)}): expected a valid value {_VALID_VALUES}", i)

    def _keyword(self, i: int) -> Token:
        j = i
        while j < len(self.source) and _is_identifier_part(self.source[j]):
            j += 1
        word = self.source[i:j]
        kinds = {"true": VALUE_TRUE, "false": VALUE_FALSE, "null": VALUE_NULL}
        if word not in kinds:
            raise self._invalid_token(i)
        self.pos = self.loc = j
        return Token(kinds[word], i, j, word)

    def _invalid_token(self, i: int) -> RulerError:
        j = i
        while j < len(self.source) and _is_identifier_part(self.source[j]):
            j += 1
        return self._fail(f"Unrecognized token '{self.source[i:j]}': was expecting {_VALID_VALUES}", j)

    def _number(self, i: int) -> Token:
        text = self.source
        match = _NUMBER.match(text, i)
        j = match.end() if match else i
        if match is None or (text[i] == "-" and j == i + 1):
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if not nxt:
                raise self._fail("Unexpected end-of-input in numeric value", i + 1)
            raise self._fail(
                f"Unexpected character ({char_desc(nxt)}) in numeric value: "
                "expected digit (0-9) to follow minus sign, for valid numeric value",
                i + 1,
            )
        if j < len(text) and text[j].isdigit():
            raise self._fail("Invalid numeric value: Leading zeroes not allowed", j + 1)
        frac, exp = match.group(1), match.group(2)
        if j < len(text) and (
            (text[j] == "." and frac is None and exp is None) or (text[j] in "eE" and exp is None)
        ):
            what = "Decimal point" if text[j] == "." else "Exponent indicator"
            k = j + 1
            if text[j] in "eE" and k < len(text) and text[k] in "+-":
                k += 1
            if k >= len(text):
                raise self._fail("Unexpected end-of-input in numeric value", len(text))
            raise self._fail(
                f"Unexpected character ({char_desc(text[k])}) in numeric value: "
                f"{what} not followed by a digit",
                k,
            )
        raw = text[i:j]
        self.pos = self.loc = j
        kind = VALUE_INT if frac is None and exp is None else VALUE_FLOAT
        return Token(kind, i, j, raw)

    def _string(self, i: int, what: str) -> Token:
        """Scan a string starting at its opening quote; a defect is recorded, not raised."""
        text = self.source
        j = i + 1
        error: tuple[str, int] | None = None
        length = len(text)
        while j < length:
            ch = text[j]
            if ch == '"':
                break
            if ch == "\\":
                esc = text[j + 1] if j + 1 < length else ""
                if esc == "u":
                    hex_part = text[j + 2 : j + 6]
                    bad = next((k for k, c in enumerate(hex_part) if c not in "0123456789abcdefABCDEF"), None)
                    if bad is not None or len(hex_part) < 4:
                        pos = bad if bad is not None else len(hex_part)
                        if error is None and j + 2 + pos < length:
                            error = (
                                f"Unexpected character ({char_desc(text[j + 2 + pos])}): "
                                "expected a hex-digit for character escape sequence",
                                j + 2 + pos,
                            )
                    j += 6
                    continue
                if esc and esc not in _ESCAPABLE and error is None:
                    error = (f"Unrecognized character escape {char_desc(esc)}", j + 2)
                j += 2
                continue
            if ord(ch) < 32 and error is None:
                error = (
                    f"Illegal unquoted character ({char_desc(ch)}): has to be escaped using backslash "
                    f"to be included in {what}",
                    j + 1,
                )
            j += 1
        if j >= length:
            if error is None:
                kind = "string value" if what == "string value" else "field name"
                error = (f"Unexpected end-of-input: was expecting closing quote for a {kind}", length)
            return Token(VALUE_STRING, i, length, "", error)
        raw = text[i + 1 : j]
        decoded = raw
        if error is None and "\\" in raw:
            decoded = json.loads('"' + raw + '"')
        return Token(VALUE_STRING, i, j + 1, decoded, error)

    def _skip_whitespace(self, i: int) -> int:
        text = self.source
        length = len(text)
        while i < length and text[i] in _WHITESPACE:
            i += 1
        return i
