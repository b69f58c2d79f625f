"""Parse an intrinsic function call (``States.Format('{}', $.a)``) into a frozen tree.

The grammar follows "Intrinsic functions for JSONPath states in Step Functions" (AWS Step
Functions developer guide, intrinsic-functions.html): arguments are single-quoted strings with
the escapes ``\\'`` ``\\{`` ``\\}`` ``\\\\``, JSON numbers, ``true``/``false``/``null``, paths
that start with ``$`` (``$.a``, ``$$.Execution.Id``, ``$myVariable``) and nested calls.
The definition validator parses every ``"x.$": "States...."`` value, so a malformed
expression is rejected when the state machine is created, not when it runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.states.model import JSON

FUNCTION_NAMES = frozenset(
    {
        "States.Format",
        "States.StringToJson",
        "States.JsonToString",
        "States.Array",
        "States.ArrayPartition",
        "States.ArrayContains",
        "States.ArrayRange",
        "States.ArrayGetItem",
        "States.ArrayLength",
        "States.ArrayUnique",
        "States.Base64Encode",
        "States.Base64Decode",
        "States.Hash",
        "States.JsonMerge",
        "States.MathRandom",
        "States.MathAdd",
        "States.StringSplit",
        "States.UUID",
    }
)

MAX_NESTING_DEPTH = 10
"""AWS: "You can nest up to 10 intrinsic functions within a field"."""

_CALL_SHAPE = re.compile(r"^\s*States\.[A-Za-z0-9]+\s*\(.*\)\s*$", re.DOTALL)
_NAME = re.compile(r"[A-Za-z0-9]+")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_ESCAPABLE = {"'": "'", "{": "{", "}": "}", "\\": "\\"}


class IntrinsicSyntaxError(ValueError):
    """A malformed intrinsic expression; the message names the fault and its position."""

    def __init__(self, message: str, position: int, expression: str) -> None:
        super().__init__(f"{message} at position {position} of intrinsic function '{expression}'")
        self.position = position
        self.expression = expression


@dataclass(frozen=True)
class StringLiteral:
    """A quoted string. ``text`` is the value; ``escaped_braces`` marks the indexes in ``text``
    of braces written as ``\\{`` or ``\\}``, which States.Format must not read as ``{}``."""

    text: str
    escaped_braces: frozenset[int] = frozenset()

    @property
    def value(self) -> JSON:
        return self.text


@dataclass(frozen=True)
class Literal:
    """A number, ``true``, ``false`` or ``null`` written in the expression."""

    value: JSON


@dataclass(frozen=True)
class PathArgument:
    """A ``$...`` argument, resolved at run time by the caller's path resolver."""

    path: str


@dataclass(frozen=True)
class IntrinsicCall:
    name: str
    arguments: tuple[Argument, ...]
    position: int = 0


Argument = StringLiteral | Literal | PathArgument | IntrinsicCall


def is_intrinsic(value: str) -> bool:
    """True when ``value`` has the shape of a call ``States.Name(...)`` (known name or not)."""
    return isinstance(value, str) and _CALL_SHAPE.match(value) is not None


def parse(expression: str) -> IntrinsicCall:
    """Parse one complete call; anything after its closing parenthesis is an error."""
    if not isinstance(expression, str):
        raise TypeError(f"an intrinsic expression must be a string, not {type(expression).__name__}")
    reader = _Reader(expression)
    reader.skip_spaces()
    call = reader.call(depth=1)
    reader.skip_spaces()
    if not reader.at_end():
        reader.fail(f"unexpected {reader.peek()!r} after the closing parenthesis")
    return call


class _Reader:
    """A hand-written recursive-descent reader: small enough that a generator is not worth it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, message: str, position: int | None = None) -> None:
        raise IntrinsicSyntaxError(message, self.pos if position is None else position, self.text)

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if not self.at_end() else ""

    def skip_spaces(self) -> None:
        while not self.at_end() and self.text[self.pos] in " \t\n\r":
            self.pos += 1

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            found = repr(self.peek()) if not self.at_end() else "the end of the expression"
            self.fail(f"expected {what} but found {found}")
        self.pos += 1

    def call(self, depth: int) -> IntrinsicCall:
        start = self.pos
        if not self.text.startswith("States.", self.pos):
            self.fail("expected an intrinsic function name starting with 'States.'")
        self.pos += len("States.")
        match = _NAME.match(self.text, self.pos)
        if match is None:
            self.fail("expected a function name after 'States.'")
            raise AssertionError  # unreachable: fail() raises
        name = "States." + match.group()
        if name not in FUNCTION_NAMES:
            self.fail(f"unknown intrinsic function '{name}'", start)
        if depth > MAX_NESTING_DEPTH:
            self.fail(f"intrinsic functions are nested more than {MAX_NESTING_DEPTH} deep", start)
        self.pos = match.end()
        self.skip_spaces()
        self.expect("(", f"'(' after {name}")
        arguments: list[Argument] = []
        self.skip_spaces()
        if self.peek() == ")":
            self.pos += 1
            return IntrinsicCall(name, (), start)
        while True:
            self.skip_spaces()
            arguments.append(self.argument(depth))
            self.skip_spaces()
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect(")", f"',' or ')' in the arguments of {name}")
            return IntrinsicCall(name, tuple(arguments), start)

    def argument(self, depth: int) -> Argument:
        char = self.peek()
        if char == "'":
            return self.string()
        if char == "$":
            return PathArgument(self.path())
        if char == "-" or char.isdigit():
            return self.number()
        if self.text.startswith("States.", self.pos):
            return self.call(depth + 1)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos) and not self._continues_word(self.pos + len(word)):
                self.pos += len(word)
                return Literal(value)
        if self.at_end():
            self.fail("expected an argument but the expression ended")
        if char in ",)":
            self.fail("expected an argument (empty argument)")
        self.fail(
            f"unexpected {char!r}: an argument is a 'quoted string', a number, true, false, null, "
            "a path starting with $ or a States. function"
        )
        raise AssertionError  # unreachable

    def _continues_word(self, index: int) -> bool:
        return index < len(self.text) and (self.text[index].isalnum() or self.text[index] in "_.")

    def string(self) -> StringLiteral:
        start = self.pos
        self.pos += 1
        chars: list[str] = []
        escaped: set[int] = set()
        while True:
            if self.at_end():
                self.fail("unterminated string literal (missing closing ')", start)
            char = self.text[self.pos]
            if char == "'":
                self.pos += 1
                return StringLiteral("".join(chars), frozenset(escaped))
            if char == "\\":
                following = self.text[self.pos + 1] if self.pos + 1 < len(self.text) else ""
                if following not in _ESCAPABLE:
                    found = repr(following) if following else "the end of the expression"
                    self.fail(f"open escape: a backslash must be followed by ', {{, }} or \\ (found {found})")
                if following in "{}":
                    escaped.add(len(chars))
                chars.append(_ESCAPABLE[following])
                self.pos += 2
                continue
            chars.append(char)
            self.pos += 1

    def number(self) -> Literal:
        match = _NUMBER.match(self.text, self.pos)
        if match is None:
            self.fail("malformed number")
            raise AssertionError  # unreachable
        end = match.end()
        if end < len(self.text) and (self.text[end].isalnum() or self.text[end] in "._"):
            self.fail(f"malformed number {self.text[self.pos : end + 1]!r}")
        literal = match.group()
        self.pos = end
        if any(marker in literal for marker in ".eE"):
            return Literal(float(literal))
        return Literal(int(literal))

    def path(self) -> str:
        """Read up to the ``,`` or ``)`` that ends the argument, keeping bracketed parts whole
        (``$.a[?(@.b == 'x, y')]`` and ``$['key with space']`` are one argument each)."""
        start = self.pos
        closers: list[str] = []
        quote = ""
        while not self.at_end():
            char = self.text[self.pos]
            if quote:
                if char == "\\":
                    self.pos += 1
                elif char == quote:
                    quote = ""
            elif char in "'\"" and closers:
                quote = char
            elif char in "[(":
                closers.append("]" if char == "[" else ")")
            elif char in "])":
                if not closers:
                    break
                if char != closers.pop():
                    self.fail(f"unterminated bracket in a path argument: {char!r} closes nothing")
            elif not closers and (char == "," or char in " \t\n\r"):
                break
            self.pos += 1
        if quote or closers:
            self.fail("unterminated bracket or quote in a path argument", start)
        return self.text[start : self.pos]
