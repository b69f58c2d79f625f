"""JSONata for states with ``"QueryLanguage": "JSONata"``, on top of the jsonata-python package.

What Step Functions adds to plain JSONata ("Transforming data with JSONata in Step Functions",
AWS Step Functions developer guide, transforming-data.html):

* an expression is a string that starts with ``{%`` and ends with ``%}`` (no surrounding space);
* variables are bound by name (``$states`` and the workflow variables); there is no context item;
* an expression that evaluates to nothing fails the state with ``States.QueryEvaluationError``;
* ``$partition``, ``$range``, ``$hash``, ``$random``, ``$uuid`` and ``$parse`` exist, ``$eval`` does not.

The engine never reads the wall clock or global randomness, so ``$now``, ``$millis``,
``$random`` and ``$uuid`` take time and randomness from the injected ``Environment``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC
from functools import lru_cache
from typing import Any

from jsonata import Functions, JException, Jsonata
from jsonata.utils import Utils

from engine.states.intrinsics.functions import (
    HASH_ALGORITHMS,
    MAX_RANGE_ITEMS,
    hash_hex,
    inclusive_range,
    is_number,
    partition,
    seeded_random,
    uuid4_from,
)
from engine.states.model import JSON, Environment

_CACHE_SIZE = 1024
_LARGEST_EXACT_INTEGER_TEXT = 1e21
"""JavaScript prints integral numbers below 1e21 without an exponent; AWS runs JavaScript."""

_STACK_OVERFLOW = (
    "Stack overflow error: Check for non-terminating recursive function. Consider rewriting as tail-recursive"
)


class QueryEvaluationError(Exception):
    """A JSONata expression failed or returned nothing; ``cause`` is worded like AWS's."""

    error: str = "States.QueryEvaluationError"

    def __init__(self, cause: str, field: str = "") -> None:
        super().__init__(cause)
        self.cause = cause
        self.field = field
        """The field the expression sits in (``Output/result``), as AWS's EvaluationFailed names it."""


def is_expression(value: object) -> bool:
    """A string written ``{% ... %}``; AWS allows no space before ``{%`` or after ``%}``."""
    return isinstance(value, str) and len(value) >= 4 and value.startswith("{%") and value.endswith("%}")


def parse_error(expression_text: str) -> str | None:
    """None when the expression compiles, else JSONata's message without its code,
    as AWS reports it at definition time (``Expected "]", got ","``)."""
    try:
        _compiled(_inner(expression_text))
    except JException as error:
        return _message(error)
    except RecursionError:
        return _STACK_OVERFLOW
    return None


def evaluate(
    expression_text: str,
    bindings: Mapping[str, JSON],
    *,
    field: str,
    env: Environment | None = None,
) -> JSON:
    """The JSON value of ``{% expr %}`` (or a bare ``expr``) with ``bindings`` as variables.

    ``bindings`` names omit the ``$``: ``{"states": {...}, "orderId": 1}``. ``field`` is the
    definition field the expression sits in (``Output``, ``Arguments/name``) for the cause.
    """
    try:
        return _evaluate(_inner(expression_text), bindings, field, env)
    except QueryEvaluationError as problem:
        problem.field = problem.field or field
        raise


def _evaluate(expression: str, bindings: Mapping[str, JSON], field: str, env: Environment | None) -> JSON:
    try:
        compiled = _compiled(expression)
        Jsonata.CURRENT.jsonata = compiled  # the library reads this per-thread global
        result = compiled.evaluate(None, _frame_values(bindings, env))
    except JException as error:
        raise QueryEvaluationError(_threw(expression, field, _coded(error))) from None
    except _FunctionFailure as failure:
        raise QueryEvaluationError(_threw(expression, field, str(failure))) from None
    except RecursionError:
        raise QueryEvaluationError(
            f"{_sentence(expression, field)} threw an error: {_STACK_OVERFLOW}"
        ) from None
    except ZeroDivisionError:
        # JavaScript divides by zero into Infinity, which JSONata rejects as out of range.
        raise QueryEvaluationError(
            _threw(expression, field, "D1001: Number out of range: Infinity")
        ) from None
    if result is None:
        raise QueryEvaluationError(f"{_sentence(expression, field)} returned nothing (undefined).")
    return _to_json(result, expression, field)


def render(
    template: JSON,
    bindings: Mapping[str, JSON],
    *,
    field: str,
    env: Environment | None = None,
) -> JSON:
    """``template`` with every ``{% %}`` string (at any depth) replaced by its value.

    Nested fields are named like AWS names them in causes: ``Output/key`` and ``Items[2]``.
    """
    if isinstance(template, str):
        return evaluate(template, bindings, field=field, env=env) if is_expression(template) else template
    if isinstance(template, dict):
        return {
            key: render(value, bindings, field=f"{field}/{key}", env=env) for key, value in template.items()
        }
    if isinstance(template, list):
        return [
            render(value, bindings, field=f"{field}[{index}]", env=env)
            for index, value in enumerate(template)
        ]
    return template


# --- compiling ---------------------------------------------------------------------------------


def _inner(expression_text: str) -> str:
    text = expression_text[2:-2] if is_expression(expression_text) else expression_text
    return text.strip()


@lru_cache(maxsize=_CACHE_SIZE)
def _compiled(expression: str) -> Jsonata:
    """Compiling costs far more than evaluating, and the same expressions run for every item."""
    compiled = Jsonata(expression)
    compiled.set_output_convert_nulls(False)  # keep JSONata null apart from undefined (None)
    return compiled


# --- causes, worded like AWS ---------------------------------------------------------------------


def _sentence(expression: str, field: str) -> str:
    return f"The JSONata expression '{expression}' specified for the field '{field}'"


def _threw(expression: str, field: str, message: str) -> str:
    """AWS joins a coded message with ". " and a bare one with ": "."""
    separator = ". " if re.match(r"^[A-Z][0-9]{4}: ", message) else ": "
    return f"{_sentence(expression, field)} threw an error during evaluation{separator}{message}"


def _coded(error: JException) -> str:
    return f"{error.error}: {_message(error)}"


_PLACEHOLDER = re.compile(r"(\{\{\{?)(\w+)\}\}\}?")
_ARRAY_OF = {"a": "arrays", "b": "booleans", "f": "functions", "n": "numbers", "o": "objects", "s": "strings"}


def _message(error: JException) -> str:
    """jsonata-python's catalog says "Object" where jsonata-js says "function" and drops the
    quotes jsonata-js puts around inserted values; AWS shows the jsonata-js wording."""
    template = JException.error_codes.get(error.error)
    if template is None or template == "{{{message}}}":
        return str(error)
    inserts = [error.current, error.expected, error.extra]
    pieces: list[str] = []
    last = 0
    for number, match in enumerate(_PLACEHOLDER.finditer(template)):
        value = inserts[number] if number < len(inserts) else None
        if value is None:
            return str(error).replace("Object", "function")
        if match.group(2) == "type" and isinstance(value, str):
            value = _ARRAY_OF.get(value, value)
        pieces.append(template[last : match.start()])
        pieces.append(str(value) if match.group(1) == "{{{" else json.dumps(value))
        last = match.end()
    pieces.append(template[last:])
    return "".join(pieces).replace("Object", "function")


# --- values in and out ---------------------------------------------------------------------------


def _to_json(value: Any, expression: str, field: str) -> JSON:
    """A plain JSON copy of a result: JSONata null becomes None, sequences become lists, and an
    integral float becomes an int, as JavaScript (AWS) prints it."""
    if value is Utils.NULL_VALUE or value is None:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QueryEvaluationError(_threw(expression, field, f"D1001: Number out of range: {value}"))
        return int(value) if value.is_integer() and abs(value) < _LARGEST_EXACT_INTEGER_TEXT else value
    if isinstance(value, Mapping):
        return {str(key): _to_json(item, expression, field) for key, item in value.items()}
    if isinstance(value, Sequence):
        return [_to_json(item, expression, field) for item in value]
    # Recorded on AWS for a Map's Items (localstack/localstack, tests/aws/services/stepfunctions/v2/
    # scenarios/test_base_scenarios.snapshot.json, test_map_state_items_eval_jsonata_fail[function]).
    raise QueryEvaluationError(f"{_sentence(expression, field)} returned an unsupported result type.")


def jsonata_type(value: JSON) -> str:
    """The type name AWS's causes give a JSON value ("Expected 'array', but was 'object'")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


# --- the Step Functions functions ----------------------------------------------------------------


class _FunctionFailure(Exception):
    """A Step Functions JSONata function rejected its arguments."""


class _Native(Jsonata.JFunctionCallable):  # type: ignore[misc]
    """Adapts a Python callable to jsonata-python's function protocol."""

    def __init__(self, implementation: Callable[..., Any]) -> None:
        self.implementation = implementation

    def call(self, input: Any, args: Sequence[Any] | None) -> Any:
        return self.implementation(*(args or []))


def _function(signature: str, implementation: Callable[..., Any]) -> Any:
    """A JSONata function value; the signature gives the T0410 errors for bad arguments."""
    return Jsonata.JFunction(_Native(implementation), signature)


def _whole(name: str, value: Any) -> int:
    """AWS: "functions that require integer values ... round down any non-integer numbers"."""
    if not is_number(value):
        raise _FunctionFailure(f"${name}: expected a number, got {json.dumps(_plain(value))}")
    number: float = value
    return math.floor(number)


def _plain(value: Any) -> JSON:
    return None if value is Utils.NULL_VALUE else value


def _partition(items: Any, size: Any) -> list[list[JSON]]:
    chunk = _whole("partition", size)
    if chunk <= 0:
        raise _FunctionFailure(f"$partition: the chunk size must be a positive integer, got {chunk}")
    values = list(items) if isinstance(items, list) else [items]
    return partition(values, chunk)


def _range(first: Any, last: Any, step: Any) -> list[int]:
    """A JSONata sequence, as AWS's $range returns: one number comes out as that number, not
    [n] (recorded on AWS: localstack/localstack, tests/aws/services/stepfunctions/v2/
    intrinsic_functions/test_array_jsonata.snapshot.json, test_array_range: $range(1, 9, 9) is 1).
    An empty range stays [] (not recorded)."""
    numbers = _range_list(first, last, step)
    return Utils.create_sequence_from_iter(numbers) if numbers else numbers


def _range_list(first: Any, last: Any, step: Any) -> list[int]:
    start, end, increment = _whole("range", first), _whole("range", last), _whole("range", step)
    if increment == 0:
        raise _FunctionFailure("$range: the step must not be 0")
    count = max(0, (end - start) // increment + 1)
    if count > MAX_RANGE_ITEMS:
        raise _FunctionFailure(
            f"$range: the range would have {count} items; at most {MAX_RANGE_ITEMS} are allowed"
        )
    return inclusive_range(start, end, increment)


def _hash(data: Any, algorithm: Any) -> str:
    if algorithm not in HASH_ALGORITHMS:
        choices = ", ".join(HASH_ALGORITHMS)
        raise _FunctionFailure(f"$hash: the algorithm must be one of {choices}; got {json.dumps(algorithm)}")
    return hash_hex(str(data), str(algorithm))


def _parse(text: Any) -> Any:
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise _FunctionFailure(
            f"$parse: the string is not valid JSON ({error.msg} at index {error.pos})"
        ) from None
    return Utils.NULL_VALUE if parsed is None else parsed


def _needs_env(name: str) -> Callable[..., Any]:
    def unavailable(*_args: Any) -> Any:
        raise _FunctionFailure(f"${name}() needs the injected environment (pass env=...)")

    return unavailable


_PURE_FUNCTIONS: dict[str, Any] = {
    "partition": _function("<an:a>", _partition),
    "range": _function("<nnn:a>", _range),
    "hash": _function("<ss:s>", _hash),
    "parse": _function("<s:x>", _parse),
    "eval": None,  # AWS removes $eval: calling it is "T1006: Attempted to invoke a non-function"
}


def _frame_values(bindings: Mapping[str, JSON], env: Environment | None) -> dict[str, Any]:
    """The variables an expression sees: Step Functions' functions, then the caller's bindings."""
    values: dict[str, Any] = dict(_PURE_FUNCTIONS)
    if env is None:
        for name in ("random", "uuid", "now", "millis"):
            values[name] = _function("<x?x?:x>", _needs_env(name))
    else:
        source = env

        def random_number(seed: Any = None) -> float:
            return seeded_random(_whole("random", seed)) if seed is not None else source.random()

        instant = env.now if env.now.tzinfo is not None else env.now.replace(tzinfo=UTC)
        millis = int(instant.timestamp() * 1000)
        values["random"] = _function("<n?:n>", random_number)
        values["uuid"] = _function("<:s>", lambda: uuid4_from(source.random))
        values["millis"] = _function("<:n>", lambda: millis)
        values["now"] = _function(
            "<s?s?:s>",
            lambda picture=None, timezone=None: Functions.datetime_from_millis(millis, picture, timezone),
        )
    for name, value in bindings.items():
        # A variable holding null is JSONata null, not undefined (recorded on AWS:
        # test_base_scenarios.snapshot.json, test_map_state_items_variable_sampling[null]).
        values[name] = Utils.NULL_VALUE if value is None else value
    return values
