"""The States.* intrinsic functions, applied to already-evaluated argument values.

Behaviour follows "Intrinsic functions for JSONPath states in Step Functions" (AWS Step
Functions developer guide) and, where the guide is silent or wrong, what AWS was measured to
do (recorded in the tests): a bad argument fails the execution with ``States.Runtime`` and the
message ``Invalid arguments in States.<Name>``; numeric arguments that must be integers are
truncated toward zero (the guide says "rounded", AWS truncates), except States.MathAdd which
rounds to the nearest integer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import random as random_module
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.states import errors
from engine.states.model import JSON, Environment

MAX_RANGE_ITEMS = 1000
MAX_ENCODING_INPUT_CHARS = 10_000
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1

HASH_ALGORITHMS: dict[str, Callable[[bytes], hashlib._Hash]] = {
    "MD5": hashlib.md5,
    "SHA-1": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-384": hashlib.sha384,
    "SHA-512": hashlib.sha512,
}

_BASE64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


class IntrinsicFailure(Exception):
    """An intrinsic function rejected its arguments at run time.

    ``error`` is what the execution reports and ``cause`` is AWS's message for the failure;
    the payload template puts it after "There was an error while evaluating the intrinsic
    function: <expression>." AWS reports these failures as ``States.Runtime``, never as
    ``States.IntrinsicFailure`` (see that constant in engine/states/errors.py). AWS's message
    does not say which argument was wrong; ``detail`` does, for tests and debugging.
    """

    error: str = errors.RUNTIME

    def __init__(self, function: str, detail: str, cause: str | None = None) -> None:
        self.function = function
        self.detail = detail
        self.cause = f"Invalid arguments in {function}" if cause is None else cause
        super().__init__(f"{self.cause}: {detail}")


# --- helpers shared with the JSONata functions ----------------------------------------------


def is_number(value: object) -> bool:
    """JSON numbers only: Python's bool is an int, but true is not a number in JSON."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def json_text(value: JSON) -> str:
    """Compact JSON, as AWS prints values inside strings (``{"k":1}``, no spaces)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_equal(left: JSON, right: JSON) -> bool:
    """Structural JSON equality: 1 == 1.0, but true != 1 and "1" != 1."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if is_number(left) and is_number(right):
        return bool(left == right)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    return type(left) is type(right) and bool(left == right)


def hash_hex(text: str, algorithm: str) -> str:
    """Hex digest of the UTF-8 bytes of ``text``; ``algorithm`` must be a key of HASH_ALGORITHMS."""
    return HASH_ALGORITHMS[algorithm](text.encode("utf-8")).hexdigest()


def uuid4_from(random: Callable[[], float]) -> str:
    """A version 4 UUID whose 122 random bits come from the injected random source."""
    bits = 0
    for _ in range(4):
        bits = (bits << 32) | (int(random() * 2**32) & 0xFFFFFFFF)
    return str(uuid.UUID(int=bits, version=4))


def seeded_random(seed: int) -> float:
    """The same seed gives the same number, as AWS documents for MathRandom and $random."""
    return random_module.Random(seed).random()


def partition(items: Sequence[JSON], size: int) -> list[list[JSON]]:
    return [list(items[index : index + size]) for index in range(0, len(items), size)]


def inclusive_range(first: int, last: int, step: int) -> list[int]:
    """``first`` to ``last`` inclusive; an empty list when the step points away from ``last``."""
    return list(range(first, last + (1 if step > 0 else -1), step))


# --- argument checks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One invocation: the function name, the evaluated arguments, and the environment."""

    name: str
    args: list[JSON]
    env: Environment
    template_escapes: frozenset[int] | None = None
    """For States.Format with a literal template: positions of ``\\{``/``\\}`` in it."""

    def fail(self, detail: str, cause: str | None = None) -> IntrinsicFailure:
        """``cause`` overrides AWS's generic "Invalid arguments in <function>" message."""
        return IntrinsicFailure(self.name, detail, cause)

    def arity(self, minimum: int, maximum: int | None = None) -> None:
        maximum = minimum if maximum is None else maximum
        count = len(self.args)
        if minimum <= count <= maximum:
            return
        if minimum == maximum:
            expected = f"{minimum} argument{'s' if minimum != 1 else ''}"
        elif maximum > 1000:
            expected = f"at least {minimum} argument{'s' if minimum != 1 else ''}"
        else:
            expected = f"{minimum} to {maximum} arguments"
        raise self.fail(f"expected {expected}, got {count}")

    def array(self, index: int) -> list[JSON]:
        value = self.args[index]
        if not isinstance(value, list):
            raise self.fail(f"argument {index + 1} must be an array, got {_describe(value)}")
        return value

    def obj(self, index: int) -> dict[str, JSON]:
        value = self.args[index]
        if not isinstance(value, dict):
            raise self.fail(f"argument {index + 1} must be a JSON object, got {_describe(value)}")
        return value

    def string(self, index: int) -> str:
        value = self.args[index]
        if not isinstance(value, str):
            raise self.fail(f"argument {index + 1} must be a string, got {_describe(value)}")
        return value

    def integer(self, index: int) -> int:
        """A number truncated toward zero (measured AWS behaviour for these functions)."""
        value = self.args[index]
        if not is_number(value):
            raise self.fail(f"argument {index + 1} must be a number, got {_describe(value)}")
        number: float = value
        return math.trunc(number)

    def limited_string(self, index: int) -> str:
        text = self.string(index)
        if len(text) > MAX_ENCODING_INPUT_CHARS:
            raise self.fail(
                f"argument {index + 1} has {len(text)} characters; "
                f"at most {MAX_ENCODING_INPUT_CHARS} are allowed"
            )
        return text


def _describe(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {json_text(value)}"
    if is_number(value):
        return f"number {json_text(value)}"
    if isinstance(value, str):
        return f"string {json_text(value)}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# --- the functions --------------------------------------------------------------------------


def _format(call: Call) -> JSON:
    call.arity(1, 10**9)
    template = call.string(0)
    escapes = call.template_escapes or frozenset()
    pieces: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(template):
        char = template[index]
        if char in "{}" and index not in escapes:
            if (
                char == "{"
                and index + 1 < len(template)
                and template[index + 1] == "}"
                and index + 1 not in escapes
            ):
                pieces.append("".join(current))
                current = []
                index += 2
                continue
            partner = "}" if char == "{" else "{"
            raise call.fail(
                f"the template has an unmatched {char!r} at index {index}; write \\{char} for a literal",
                f"Invalid template in States.Format: matching '{partner}' not found for '{char}'.",
            )
        current.append(char)
        index += 1
    pieces.append("".join(current))
    values = call.args[1:]
    if len(values) != len(pieces) - 1:
        raise call.fail(
            f"the template has {len(pieces) - 1} {{}} placeholder(s) but {len(values)} value(s) were given"
        )
    rendered = [pieces[0]]
    for value, piece in zip(values, pieces[1:], strict=True):
        rendered.append(value if isinstance(value, str) else _java_text(value))
        rendered.append(piece)
    return "".join(rendered)


def _java_text(value: JSON) -> str:
    """An argument as AWS's States.Format writes it: Java's Map/List toString for objects and
    arrays, strings inside them unquoted (``{Arg1=1, Arg2=[]}``; recorded on AWS:
    localstack/localstack, tests/aws/services/stepfunctions/v2/intrinsic_functions/
    test_generic.snapshot.json, test_format_2 and test_context_json_path)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_java_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(item) for item in value) + "]"
    return value if isinstance(value, str) else json_text(value)


def _string_to_json(call: Call) -> JSON:
    call.arity(1)
    text = call.string(0).strip()
    if not text:
        return None  # measured: AWS answers null for an empty string
    try:
        return json.loads(text, parse_constant=_not_json)
    except json.JSONDecodeError as error:
        # AWS names the parser's complaint after "caused by:"; its parser is Jackson, whose
        # wording (and column counting) a Python parser cannot reproduce, so ours is given.
        raise call.fail(
            f"the string is not valid JSON ({error.msg} at index {error.pos})",
            f"Cannot convert String to Json in States.StringToJson, caused by: {error}",
        ) from None


def _not_json(constant: str) -> JSON:
    """NaN and Infinity are not JSON (RFC 8259), though Python's parser would take them."""
    raise json.JSONDecodeError(f"Non-standard token '{constant}'", constant, 0)


def _json_to_string(call: Call) -> JSON:
    call.arity(1)
    return json_text(call.args[0])


def _array(call: Call) -> JSON:
    return list(call.args)


def _array_partition(call: Call) -> JSON:
    call.arity(2)
    items = call.array(0)
    size = call.integer(1)
    if size <= 0:
        raise call.fail(f"the chunk size must be a positive integer, got {size}")
    return partition(items, size)


def _array_contains(call: Call) -> JSON:
    call.arity(2)
    items = call.array(0)
    return any(json_equal(item, call.args[1]) for item in items)


def _array_range(call: Call) -> JSON:
    call.arity(3)
    first, last, step = call.integer(0), call.integer(1), call.integer(2)
    if step == 0:
        raise call.fail("the step (argument 3) must not be 0")
    count = max(0, (last - first) // step + 1)
    if count > MAX_RANGE_ITEMS:
        raise call.fail(f"the range would have {count} items; at most {MAX_RANGE_ITEMS} are allowed")
    return inclusive_range(first, last, step)


def _array_get_item(call: Call) -> JSON:
    call.arity(2)
    items = call.array(0)
    index = call.integer(1)
    if not items:
        return None  # measured: AWS answers null for any index into an empty array
    if not 0 <= index < len(items):
        raise call.fail(f"index {index} is outside the array (length {len(items)})")
    return items[index]


def _array_length(call: Call) -> JSON:
    call.arity(1)
    return len(call.array(0))


def _array_unique(call: Call) -> JSON:
    call.arity(1)
    unique: list[JSON] = []
    for item in call.array(0):
        if not any(json_equal(item, seen) for seen in unique):
            unique.append(item)
    return unique


def _base64_encode(call: Call) -> JSON:
    call.arity(1)
    return base64.b64encode(call.limited_string(0).encode("utf-8")).decode("ascii")


def _base64_decode(call: Call) -> JSON:
    """Lenient like AWS (a MIME decoder): characters outside the alphabet are skipped,
    decoding stops at padding, and a dangling partial group is dropped."""
    call.arity(1)
    text = call.limited_string(0)
    symbols = "".join(char for char in text.split("=", 1)[0] if char in _BASE64_ALPHABET)
    if len(symbols) % 4 == 1:
        symbols = symbols[:-1]  # six bits cannot make a byte
    try:
        raw = base64.b64decode(symbols + "=" * (-len(symbols) % 4))
    except binascii.Error as error:  # pragma: no cover - the filtering above leaves valid input
        raise call.fail(f"the string is not Base64 ({error})") from None
    return raw.decode("utf-8", errors="replace")


def _hash(call: Call) -> JSON:
    call.arity(2)
    algorithm = call.args[1]
    if algorithm not in HASH_ALGORITHMS:
        choices = ", ".join(HASH_ALGORITHMS)
        raise call.fail(f"the algorithm must be one of {choices}; got {_describe(algorithm)}")
    data = call.args[0]
    text = data if isinstance(data, str) else json_text(data)  # measured: AWS hashes non-strings as JSON
    if len(text) > MAX_ENCODING_INPUT_CHARS:
        raise call.fail(
            f"the data has {len(text)} characters; at most {MAX_ENCODING_INPUT_CHARS} are allowed"
        )
    return hash_hex(text, str(algorithm))


def _json_merge(call: Call) -> JSON:
    call.arity(3)
    left, right = call.obj(0), call.obj(1)
    if call.args[2] is True:
        raise call.fail("deep merging is not supported; the third argument must be false")
    return {**left, **right}


def _math_random(call: Call) -> JSON:
    call.arity(2, 3)
    start, end = call.integer(0), call.integer(1)
    if start >= end:
        raise call.fail(f"the start ({start}) must be less than the end ({end}), which is exclusive")
    fraction = seeded_random(call.integer(2)) if len(call.args) == 3 else call.env.random()
    return start + min(math.floor(fraction * (end - start)), end - start - 1)


def _math_add(call: Call) -> JSON:
    call.arity(2)
    total = 0
    for index in range(2):
        value = call.args[index]
        if not is_number(value):
            raise call.fail(f"argument {index + 1} must be a number, got {_describe(value)}")
        operand = math.floor(value + 0.5)  # measured: MathAdd rounds (1.6 + 2.7 = 5)
        if not INT32_MIN <= operand <= INT32_MAX:
            raise call.fail(f"argument {index + 1} ({operand}) is outside {INT32_MIN}..{INT32_MAX}")
        total += operand
    if not INT32_MIN <= total <= INT32_MAX:
        raise call.fail(f"the sum {total} is outside {INT32_MIN}..{INT32_MAX}")
    return total


def _string_split(call: Call) -> JSON:
    """Every character of the second argument is a delimiter; empty pieces are dropped (measured)."""
    call.arity(2)
    text, delimiters = call.string(0), call.string(1)
    pieces: list[str] = []
    current: list[str] = []
    for char in text:
        if char in delimiters:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return [piece for piece in pieces if piece]


def _uuid(call: Call) -> JSON:
    call.arity(0)
    return uuid4_from(call.env.random)


IMPLEMENTATIONS: dict[str, Callable[[Call], JSON]] = {
    "States.Format": _format,
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _json_to_string,
    "States.Array": _array,
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _array_length,
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _base64_encode,
    "States.Base64Decode": _base64_decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": _uuid,
}
