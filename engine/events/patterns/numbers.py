"""Numbers as event-ruler compares them: exact to six decimal places, between -5e9 and 5e9.

Ruler turns every number it compares numerically into an integer count of millionths
("ComparableNumber"). A number with more than six decimals, or outside the range, is not
comparable: a pattern rejects it in ``numeric``/``anything-but``, and an event value like that
matches only an exact pattern number equal to it.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

MICROS_PER_UNIT = 1_000_000
MAX_MICROS = 5_000_000_000 * MICROS_PER_UNIT
_LONG_MAX = 2**63 - 1
RANGE_MESSAGE = "Value must be between -5.0E9 and 5.0E9, inclusive"


class NumberRejected(Exception):
    """Ruler refused a pattern number; ``uncaught`` marks Java errors that escape without a location."""

    def __init__(self, message: str, uncaught: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.uncaught = uncaught


def _strip_trailing_zeros(number: Decimal) -> Decimal:
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    if not any(digits):
        return Decimal(0)
    digit_list = list(digits)
    while digit_list and digit_list[-1] == 0:
        digit_list.pop()
        exponent += 1
    return Decimal((sign, tuple(digit_list), exponent))


def java_double_hex(value: float) -> str:
    """Java's Double.toHexString."""
    text = value.hex()  # like '-0x1.8000000000000p+1'
    sign = "-" if text.startswith("-") else ""
    body = text.lstrip("-")[2:]
    mantissa, exponent = body.split("p")
    whole, _, fraction = mantissa.partition(".")
    fraction = fraction.rstrip("0") or "0"
    return f"{sign}0x{whole}.{fraction}p{int(exponent)}"


def pattern_micros(text: str) -> int:
    """Millionths of a pattern number, or NumberRejected with ruler's message."""
    number = _strip_trailing_zeros(Decimal(text))
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > 6:
        rounded = float(number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))
        raise NumberRejected(
            f"Only values upto 6 decimals are supported{number} {text} {java_double_hex(rounded)}"
        )
    shifted = int(number.scaleb(6))
    if abs(shifted) > _LONG_MAX:
        raise NumberRejected("Overflow", uncaught=True)
    if abs(shifted) > MAX_MICROS:
        raise NumberRejected(RANGE_MESSAGE)
    return shifted


def comparable_pattern_micros(text: str) -> int | None:
    try:
        return pattern_micros(text)
    except NumberRejected:
        return None


_FLOAT_MICROS: dict[float, int | None] = {}


def event_micros(value: int | float) -> int | None:
    """Millionths of an event number, or None when ruler would not compare it numerically."""
    if type(value) is int:
        if -5_000_000_000 <= value <= 5_000_000_000:
            return value * MICROS_PER_UNIT
        return None
    cached = _FLOAT_MICROS.get(value, -1)
    if cached != -1:
        return cached
    result: int | None = None
    if math.isfinite(value):
        number = _strip_trailing_zeros(Decimal(repr(value)))
        exponent = number.as_tuple().exponent
        assert isinstance(exponent, int)
        if -exponent <= 6:
            shifted = int(number.scaleb(6))
            if abs(shifted) <= MAX_MICROS:
                result = shifted
    if len(_FLOAT_MICROS) < 65536:
        _FLOAT_MICROS[value] = result
    return result


def canonical_number_text(value: int | float | str) -> str:
    """A spelling shared by equal numbers that are not comparable (huge or very precise)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        value = repr(value)
    return str(_strip_trailing_zeros(Decimal(value)))


def is_number(value: object) -> bool:
    return (type(value) is int) or (type(value) is float)


def micros_text(micros: int) -> str:
    """Human spelling of millionths, for explanations."""
    number = _strip_trailing_zeros(Decimal(micros).scaleb(-6))
    text = format(number, "f")
    return text
