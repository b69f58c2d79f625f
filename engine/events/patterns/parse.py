"""Read and validate an event pattern the way AWS does (aws/event-ruler's JsonRuleCompiler).

The pattern is read as a token stream, in the same order as ruler reads it, so the first error
found is the one AWS reports, with the same wording and position. Consequences worth knowing:
``{}`` is rejected ("Empty objects are not allowed"); a repeated key or a dotted key naming the
same field path replaces the earlier one (last wins, path by path: ``{"a":{"b":[1]},"a":{"c":[2]}}``
keeps both fields); text after the closing brace is ignored, as ruler ignores it.
"""

from __future__ import annotations

import json
import re
from typing import Final

from engine.events.patterns.addresses import CidrError, ip_value, looks_like_ip, parse_cidr
from engine.events.patterns.errors import (
    MAX_PATTERN_LENGTH,
    EventPatternTooLongError,
    InvalidEventPatternError,
    RulerError,
)
from engine.events.patterns.jsontokens import (
    END_ARRAY,
    END_OBJECT,
    FIELD_NAME,
    NUMERIC_KINDS,
    START_ARRAY,
    START_OBJECT,
    VALUE_FALSE,
    VALUE_NULL,
    VALUE_STRING,
    VALUE_TRUE,
    JsonTokens,
    Token,
)
from engine.events.patterns.model import (
    AnythingBut,
    AnythingButMatching,
    Cidr,
    Condition,
    EqualsIgnoreCase,
    ExactLiteral,
    ExactNumber,
    ExactString,
    Exists,
    FieldTest,
    Numeric,
    Pattern,
    Prefix,
    Suffix,
    Wildcard,
)
from engine.events.patterns.numbers import NumberRejected, comparable_pattern_micros, pattern_micros
from engine.events.patterns.wildcards import (
    MAX_COMPLEXITY,
    TOO_COMPLEX,
    WildcardSyntaxError,
    wildcard_complexity,
    wildcard_regex,
    wildcard_tokens,
)

OR_KEYWORD: Final = "$or"
# Names ruler refuses as field names anywhere inside a $or
# (Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP).
RESERVED_IN_OR: Final = frozenset(
    {
        "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard",
        "numeric", "cidr", "=", "<", "<=", ">", ">=", "regex", "not-wildcard", "not-equals-ignore-case",
        "date-after", "date-on-or-after", "date-before", "date-on-or-before", "in-date-range",
        "ip-address-in-range", "ip-address-not-in-range",
    }
)  # fmt: skip
# AWS's documented limit on what $or may expand to (issue 11 cites it as 1,000 combinations); the
# refusal's exact wording is not published or recorded anywhere searched, so MAX_ALTERNATIVES_REASON
# is ours. It also keeps a 4096-character pattern from expanding to millions of alternatives.
MAX_ALTERNATIVES: Final = 1000
MAX_ALTERNATIVES_REASON: Final = f"The event pattern expands to more than {MAX_ALTERNATIVES} $or combinations"
_ANYTHING_BUT_OPERATORS: Final = ("equals-ignore-case", "prefix", "suffix", "wildcard")

Alternative = dict[str, tuple[Condition, ...]]


class _CaughtOnce(RulerError):
    """An error ruler's anything-but list handler rethrows with a single position."""


def parse_pattern(text: str) -> Pattern:
    """Validate ``text`` as AWS does; raise InvalidEventPatternError with AWS's message."""
    if not isinstance(text, str):
        raise TypeError(f"an event pattern is JSON text, not {type(text).__name__}")
    if len(text) > MAX_PATTERN_LENGTH:
        raise EventPatternTooLongError()
    try:
        alternatives = _RuleReader(text).read()
    except RulerError as err:
        raise InvalidEventPatternError(err.reason, err.location) from None
    _check_wildcard_complexity(alternatives)
    return Pattern(
        tuple(tuple(FieldTest(path, alt[path]) for path in sorted(alt)) for alt in alternatives),
        text,
    )


def _check_wildcard_complexity(alternatives: list[Alternative]) -> None:
    per_path: dict[str, set[str]] = {}
    for alt in alternatives:
        for path, conditions in alt.items():
            for cond in conditions:
                if isinstance(cond, Wildcard):
                    per_path.setdefault(path, set()).add(cond.value)
                elif isinstance(cond, AnythingButMatching) and cond.operator == "wildcard":
                    per_path.setdefault(path, set()).update(cond.values)
    for values in per_path.values():
        total = sum(wildcard_complexity(wildcard_tokens(v)) for v in values)
        if total > MAX_COMPLEXITY:
            raise InvalidEventPatternError(TOO_COMPLEX)


class _RuleReader:
    """A port of ruler's reading order and messages onto our tokenizer."""

    def __init__(self, text: str) -> None:
        self.tokens = JsonTokens(text)

    def error(self, reason: str) -> RulerError:
        return self.tokens.error(reason)

    def next(self) -> Token:
        token = self.tokens.next_token()
        if token is None:  # only possible at the top level, handled in read()
            raise self.error("Unexpected end-of-input")
        return token

    def text(self) -> str:
        return self.tokens.text()

    def read(self) -> list[Alternative]:
        first = self.tokens.next_token()
        if first is None or first.kind != START_OBJECT:
            raise self.error("Filter is not an object")
        alternatives: list[Alternative] = []
        self.read_object(alternatives, [], inside_or=False)
        return alternatives

    def read_object(self, alternatives: list[Alternative], path: list[str], inside_or: bool) -> None:
        fields_present = False
        while (token := self.next()).kind != END_OBJECT:
            fields_present = True
            name = token.raw
            if name == OR_KEYWORD:
                self.read_or(alternatives, path)
                continue
            if inside_or and name in RESERVED_IN_OR:
                raise self.error(
                    f"{name} is Ruler reserved fieldName which cannot be used inside {OR_KEYWORD}."
                )
            value = self.next()
            if value.kind == START_OBJECT:
                self.read_object(alternatives, [*path, name], inside_or)
            elif value.kind == START_ARRAY:
                self.read_values(alternatives, ".".join([*path, name]))
            else:
                raise self.error(f'"{name}" must be an object or an array')
        if not fields_present:
            raise self.error("Empty objects are not allowed")

    def read_or(self, alternatives: list[Alternative], path: list[str]) -> None:
        before = [dict(alt) for alt in alternatives]
        alternatives.clear()
        if self.next().kind != START_ARRAY:
            raise self.error(f"It must be an Array followed with {OR_KEYWORD}.")
        count = 0
        while (token := self.next()).kind != END_ARRAY:
            count += 1
            if token.kind != START_OBJECT:
                raise self.error(f"Only JSON object is allowed in array of {OR_KEYWORD} relationship.")
            branch = [dict(alt) for alt in before] or [{}]
            self.read_object(branch, path, inside_or=True)
            alternatives.extend(branch)
            if len(alternatives) > MAX_ALTERNATIVES:
                raise RulerError(MAX_ALTERNATIVES_REASON)
        if count < 2:
            raise self.error(f"There must have at least 2 Objects in {OR_KEYWORD} relationship.")

    def read_values(self, alternatives: list[Alternative], name: str) -> None:
        values: list[Condition] = []
        while (token := self.next()).kind != END_ARRAY:
            kind = token.kind
            if kind == START_OBJECT:
                values.append(self.read_match_expression())
            elif kind == VALUE_STRING:
                text = self.text()
                values.append(ExactString(text, ip_value(text) if looks_like_ip(text) else None))
            elif kind in NUMERIC_KINDS:
                values.append(ExactNumber(token.raw, comparable_pattern_micros(token.raw)))
            elif kind in (VALUE_TRUE, VALUE_FALSE, VALUE_NULL):
                values.append(ExactLiteral({VALUE_TRUE: True, VALUE_FALSE: False}.get(kind)))
            else:
                raise self.error("Match value must be String, number, true, false, or null")
        if not values:
            raise self.error("Empty arrays are not allowed")
        if not alternatives:
            alternatives.append({})
        for alt in alternatives:
            alt[name] = tuple(values)

    def close_expression(self) -> None:
        if self.next().kind != END_OBJECT:
            raise self.error("Only one key allowed in match expression")

    def read_string(self, message: str) -> str:
        if self.next().kind != VALUE_STRING:
            raise self.error(message)
        return self.text()

    def read_match_expression(self) -> Condition:
        token = self.next()
        if token.kind != FIELD_NAME:
            raise self.error("Match expression name not found")
        name = token.raw
        cond: Condition
        if name == "exactly":
            cond = ExactString(self.read_string("exact match pattern must be a string"))
        elif name in ("prefix", "suffix"):
            value = self.next()
            if value.kind == START_OBJECT:
                return self.read_ignore_case_affix(name)
            if value.kind != VALUE_STRING:
                raise self.error(f"{name} match pattern must be a string")
            cond = Prefix(self.text()) if name == "prefix" else Suffix(self.text())
        elif name == "numeric":
            if self.next().kind != START_ARRAY:
                raise self.error("Value of numeric must be an array.")
            cond = self.read_numeric()
            if self.next().kind != END_OBJECT:
                raise self.error("Too many elements in numeric expression")
            return cond
        elif name == "anything-but":
            return self.read_anything_but()
        elif name == "exists":
            value = self.next()
            if value.kind not in (VALUE_TRUE, VALUE_FALSE):
                raise self.error("exists match pattern must be either true or false.")
            cond = Exists(value.kind == VALUE_TRUE)
        elif name == "cidr":
            text = self.read_string("prefix match pattern must be a string")
            try:
                version, low, high = parse_cidr(text)
            except CidrError as err:
                raise RulerError(err.message) from None
            cond = Cidr(text, version, low, high)
        elif name == "equals-ignore-case":
            cond = EqualsIgnoreCase(self.read_string("equals-ignore-case match pattern must be a string"))
        elif name == "wildcard":
            text = self.read_string("wildcard match pattern must be a string")
            cond = Wildcard(text, self.checked_wildcard(text))
        else:
            raise self.error(f"Unrecognized match type {name}")
        self.close_expression()
        return cond

    def checked_wildcard(self, text: str) -> re.Pattern[str]:
        try:
            return wildcard_regex(text)
        except WildcardSyntaxError as err:
            raise self.error(err.message) from None

    def read_ignore_case_affix(self, operator: str) -> Condition:
        token = self.next()
        if token.kind != FIELD_NAME:
            raise self.error(f"{operator.capitalize()} expression name not found")
        if token.raw != "equals-ignore-case":
            raise self.error(f"Unsupported {operator} pattern: {token.raw}")
        text = self.read_string("equals-ignore-case match pattern must be a string")
        self.close_expression()
        self.close_expression()
        return Prefix(text, ignore_case=True) if operator == "prefix" else Suffix(text, ignore_case=True)

    # -- numeric ---------------------------------------------------------------------------------

    def micros(self, text: str) -> int:
        try:
            return pattern_micros(text)
        except NumberRejected as err:
            if err.uncaught:
                raise RulerError(err.message) from None
            raise self.error(err.message) from None

    def read_numeric(self) -> Numeric:
        token = self.next()
        if token.kind != VALUE_STRING:
            raise self.error(f"Invalid member in numeric match: {self.text()}")
        operator = self.text()
        token = self.next()
        if operator not in ("=", ">", ">=", "<", "<="):
            raise self.error(f"Unrecognized numeric range operator: {operator}")
        if token.kind not in NUMERIC_KINDS:
            raise self.error(f"Value of {'equals' if operator == '=' else operator} must be numeric")
        value = token.raw
        if operator in (">", ">="):
            token = self.next()
            if token.kind != END_ARRAY:
                return self.complete_range(token, value, operator == ">")
            return Numeric(self.micros(value), operator == ">", None, False)
        if self.next().kind != END_ARRAY:
            raise self.error("Too many elements in numeric expression")
        if operator == "=":
            micros = self.micros(value)
            return Numeric(micros, False, micros, False)
        return Numeric(None, False, self.micros(value), operator == "<")

    def complete_range(self, token: Token, bottom: str, open_bottom: bool) -> Numeric:
        if token.kind != VALUE_STRING:
            raise self.error(f"Bad value in numeric range: {self.text()}")
        operator = self.text()
        if operator not in ("<", "<="):
            raise self.error(f"Bad numeric range operator: {operator}")
        if self.next().kind not in NUMERIC_KINDS:
            raise self.error(f"Value of {operator} must be numeric")
        top = self.tokens.current.raw if self.tokens.current else ""
        if self.next().kind != END_ARRAY:
            raise self.error("Too many terms in numeric range expression")
        low, high = self.micros(bottom), self.micros(top)
        if low >= high:
            raise self.error("Bottom must be less than top")
        return Numeric(low, open_bottom, high, operator == "<")

    # -- anything-but ----------------------------------------------------------------------------

    def read_anything_but(self) -> Condition:
        operator: str | None = None
        value = self.next()
        if value.kind == START_OBJECT:
            name = self.next()
            if name.kind != FIELD_NAME:
                raise self.error("Anything-But expression name not found")
            if name.raw not in _ANYTHING_BUT_OPERATORS:
                raise self.error(f"Unsupported anything-but pattern: {name.raw}")
            operator = name.raw
            value = self.next()
        if value.kind != START_ARRAY and value.kind != VALUE_STRING and value.kind not in NUMERIC_KINDS:
            raise self.error("Value of anything-but must be an array or single string/number value.")
        cond: Condition
        if value.kind == START_ARRAY:
            cond = self.anything_but_list() if operator is None else self.anything_but_set_list(operator)
        elif operator is None:
            cond = self.anything_but_single(value)
        else:
            cond = self.anything_but_set_single(value, operator)
        if self.next().kind != END_OBJECT:
            raise self.error("Too many elements in numeric expression")
        if operator is not None and self.next().kind != END_OBJECT:
            raise self.error("Too many elements in numeric expression")
        return cond

    def rethrown(self, err: RulerError) -> RulerError:
        """Ruler catches its own parse error inside anything-but lists and raises it again,
        so AWS's message carries the position twice."""
        return RulerError(err.reason + err.location, self.tokens.location())

    def anything_but_list(self) -> AnythingBut:
        strings: set[str] = set()
        numbers: set[int] = set()
        texts: list[str] = []
        try:
            while (token := self.next()).kind != END_ARRAY:
                if token.kind == VALUE_STRING:
                    text = self.text()
                    strings.add(text)
                    texts.append(json.dumps(text, ensure_ascii=False))
                elif token.kind in NUMERIC_KINDS:
                    try:
                        numbers.add(pattern_micros(token.raw))
                    except NumberRejected as err:
                        if err.uncaught:
                            raise RulerError(err.message) from None
                        raise _CaughtOnce(err.message, self.tokens.location()) from None
                    texts.append(token.raw)
                else:
                    raise self.error("Inside anything but list, start|null|boolean is not supported.")
        except _CaughtOnce as err:
            raise RulerError(err.reason, err.location) from None
        except RulerError as err:
            if not err.location:
                raise
            raise self.rethrown(err) from None
        if bool(strings) == bool(numbers):
            raise self.error(
                "Inside anything but list, either all values are number or string, "
                "mixed type is not supported"
            )
        return AnythingBut(frozenset(strings), frozenset(numbers), tuple(texts))

    def anything_but_single(self, token: Token) -> AnythingBut:
        if token.kind == VALUE_STRING:
            text = self.text()
            return AnythingBut(strings=frozenset({text}), texts=(json.dumps(text, ensure_ascii=False),))
        try:
            micros = pattern_micros(token.raw)
        except NumberRejected as err:
            raise RulerError(err.message) from None
        return AnythingBut(numbers=frozenset({micros}), texts=(token.raw,))

    def set_value_error(self, operator: str) -> str:
        if operator == "equals-ignore-case":
            return "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
        if operator == "wildcard":
            return "wildcard match pattern must be a string"
        return "prefix/suffix match pattern must be a string"

    def anything_but_set_list(self, operator: str) -> AnythingButMatching:
        values: list[str] = []
        try:
            while (token := self.next()).kind != END_ARRAY:
                if token.kind != VALUE_STRING:
                    raise self.error(self.set_value_error(operator))
                text = self.text()
                if operator in ("prefix", "suffix") and not text:
                    raise self.error("Null prefix/suffix not allowed")
                if text not in values:
                    values.append(text)
        except RulerError as err:
            if not err.location:
                raise
            raise self.rethrown(err) from None
        return self.anything_but_matching(operator, values)

    def anything_but_set_single(self, token: Token, operator: str) -> AnythingButMatching:
        if token.kind != VALUE_STRING:
            raise self.error(self.set_value_error(operator))
        text = self.text()
        if operator in ("prefix", "suffix") and not text:
            raise self.error("Null prefix/suffix not allowed")
        return self.anything_but_matching(operator, [text])

    def anything_but_matching(self, operator: str, values: list[str]) -> AnythingButMatching:
        regexes = []
        if operator == "wildcard":
            for value in values:
                try:
                    regexes.append(wildcard_regex(value))
                except WildcardSyntaxError as err:
                    raise self.error(err.message) from None
        return AnythingButMatching(operator, tuple(values), tuple(regexes))
