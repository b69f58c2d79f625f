"""Condition blocks, decided against a request context ("IAM JSON policy elements: Condition
operators" and "Conditions with multiple context keys or values" in the IAM User Guide).

Operators AND together, keys within an operator AND together, values of one key OR together
(NOR for a negated operator). A key absent from the context makes a condition false, except
that negated operators (StringNotEquals, ArnNotLike, ...) are then true, ``...IfExists`` is
true, and ``Null`` tests presence itself.

Evaluated: String*, Arn*, Bool and Null, each with ``IfExists``. Not evaluated: Numeric*,
Date*, IpAddress, BinaryEquals and the ForAnyValue:/ForAllValues: set qualifiers, because the
workbench's request contexts carry no numbers, dates, addresses or multi-valued keys to test
them against. For those, :func:`condition_holds` answers ``None`` (undecidable) and the caller
decides; :mod:`engine.iam.evaluation` fails closed (see there).

Context keys are case-insensitive, as in IAM; the context is taken as the complete request
context, so a key it lacks is "not present".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from engine.iam.documents import ConditionBlock
from engine.iam.matching import arn_matches, string_like

Context = Mapping[str, str]
_Test = Callable[[str, str], bool]

_POSITIVE: dict[str, _Test] = {
    "stringequals": lambda pattern, value: pattern == value,
    "stringequalsignorecase": lambda pattern, value: pattern.lower() == value.lower(),
    "stringlike": string_like,
    "arnequals": arn_matches,
    "arnlike": arn_matches,
    "bool": lambda pattern, value: pattern.lower() == value.lower(),
}
_NEGATED: dict[str, str] = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}
_IF_EXISTS = "ifexists"


def condition_holds(block: ConditionBlock, context: Context) -> bool | None:
    """True or False as IAM would decide; None when an operator here is not evaluated."""
    lowered = {key.lower(): value for key, value in context.items()}
    undecidable = False
    for operator, keys in block.items():
        for key, values in keys.items():
            outcome = _one(operator.lower(), lowered.get(key.lower()), values)
            if outcome is False:
                return False
            undecidable = undecidable or outcome is None
    return None if undecidable else True


def _one(operator: str, value: str | None, patterns: tuple[str, ...]) -> bool | None:
    if operator == "null":
        wants_absent = any(p.lower() == "true" for p in patterns)
        return (value is None) == wants_absent
    if_exists = operator.endswith(_IF_EXISTS)
    base = operator[: -len(_IF_EXISTS)] if if_exists else operator
    negated = base in _NEGATED
    test = _POSITIVE.get(_NEGATED.get(base, base))
    if test is None:
        return None
    if value is None:
        return if_exists or negated
    matched = any(test(pattern, value) for pattern in patterns)
    return not matched if negated else matched
