"""One input-validation layer for every AWS JSON operation, driven by botocore's service models.

AWS's JSON front end reads a request in two passes, and so does this module, before any
handler runs:

1. Deserialisation. A member of the wrong JSON type fails the whole request at once with
   ``SerializationException``. The wordings are AWS's own, as recorded against its Coral front
   end by other emulators' test suites (e.g. "class java.lang.Boolean can not be converted to an
   String", "Expected list or null", "Start of structure or map found where not expected.").
2. Validation. Every constraint of the operation's input shape in the service model (required
   members, string and list lengths, patterns, numeric ranges, enums) is checked and all
   failures are answered together as one ``ValidationException``:
   "2 validation errors detected: Value '...' at 'name' failed to satisfy constraint: ...; ...".
   Paths name members in lower camel case and list items as ``entries.1.member`` (1-based).

Two checks are ours, not the model's: a string may hold neither NUL characters nor unpaired
UTF-16 surrogates (neither can be stored in PostgreSQL text or encoded as UTF-8), so such a
request is refused before anything of it is stored. Handlers receive only the modelled members
(AWS ignores the others), numbers truncated to integers where the model says integer (AWS's
"TruncatingBigNumber"), and timestamps as epoch seconds. The items of a list longer than its
maximum are not read: the size alone refuses the request, at once.

Each service model is loaded once per process.
https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from engine.events.constraint_messages import NOT_NULL, ConstraintViolation, max_length, min_length, pattern
from workbench.core.errors import (
    UNSHOWN,
    SerializationError,
    ValidationError,
    enum_value_set,
    validation_message,
    value_at_least,
    value_at_most,
    violation,
)

# botocore's model of each X-Amz-Target prefix served before services named their model
# (``protocol.Service(..., model=...)``).
MODEL_FOR_TARGET_PREFIX = {"AWSEvents": "events", "AWSStepFunctions": "stepfunctions"}

MAX_CLAUSES = 100  # a message names at most this many failures
_ECHO_LIMIT = 1000  # longer values are not echoed back ("Value at '...'"), as for sensitive ones
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_TRUNCATING = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber"
_START_OF_LIST = "Start of list found where not expected"
_START_OF_MAP = "Start of structure or map found where not expected."
# Java regex classes that Python's re lacks, as they occur in the models.
_JAVA_CLASSES = {"\\p{L}": "\\w", "\\p{N}": "\\d", "\\p{Z}": "\\s", "\\p{ASCII}": "\\x00-\\x7f"}


@functools.cache
def _service_model(name: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(name)


def operation_model(service_model: str | None, operation: str) -> OperationModel | None:
    """botocore's model of an operation of a service (e.g. "events"); None where botocore lacks it."""
    if service_model is None:
        return None
    model = _service_model(service_model)
    if operation not in model.operation_names:
        return None
    return model.operation_model(operation)


def validate(service_model: str | None, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """The request's members as the handler may trust them, or AWS's error for the first pass that fails."""
    model = operation_model(service_model, operation)
    if model is None:
        return params
    if model.input_shape is None:
        return {}
    reader = _Reader()
    cleaned = reader.structure(model.input_shape, params, "")
    if reader.violations:
        raise ValidationError(validation_message(reader.violations[:MAX_CLAUSES]))
    return cleaned


class _Reader:
    """Reads one request against its input shape, collecting constraint failures as it goes."""

    def __init__(self) -> None:
        self.violations: list[ConstraintViolation] = []

    def fail(self, value: Any, path: str, constraint: str, *, echo: bool = True) -> None:
        self.violations.append(violation(path, constraint, value if echo else UNSHOWN))

    def value(self, shape: Shape, value: Any, path: str) -> Any:
        kind = shape.type_name
        if kind == "structure":
            assert isinstance(shape, StructureShape)
            return self.structure(shape, value, path)
        if kind == "list":
            assert isinstance(shape, ListShape)
            return self.list(shape, value, path)
        if kind == "map":
            assert isinstance(shape, MapShape)
            return self.map(shape, value, path)
        if kind == "string":
            return self.string(shape, value, path)
        if kind in ("integer", "long"):
            return self.integer(shape, value, path)
        if kind in ("float", "double"):
            return self.decimal(shape, value, path)
        if kind == "boolean":
            return _boolean(value)
        if kind == "timestamp":
            return _timestamp(value)
        if kind == "blob":
            return self.string(shape, value, path)
        return value  # a document: any JSON

    def structure(self, shape: StructureShape, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise SerializationError(_START_OF_LIST if isinstance(value, list) else "Expected null")
        cleaned: dict[str, Any] = {}
        required = set(shape.required_members)
        for name, member in shape.members.items():
            member_path = f"{path}.{_camel(name)}" if path else _camel(name)
            raw = value.get(name)
            if raw is None:
                if name in required:
                    self.fail(None, member_path, NOT_NULL)
                continue
            cleaned[name] = self.value(member, raw, member_path)
        return cleaned

    def list(self, shape: ListShape, value: Any, path: str) -> list[Any]:
        if isinstance(value, dict):
            raise SerializationError(_START_OF_MAP)
        if not isinstance(value, list):
            raise SerializationError("Expected list or null")
        if not self.size(shape, len(value), path):
            return value  # too long: its size refuses it, its items are not read
        return [
            self.value(shape.member, item, f"{path}.{index}.member")
            for index, item in enumerate(value, start=1)
            if item is not None
        ]

    def map(self, shape: MapShape, value: Any, path: str) -> dict[str, Any]:
        if isinstance(value, list):
            raise SerializationError(_START_OF_LIST)
        if not isinstance(value, dict):
            raise SerializationError("Expected map or null")
        if not self.size(shape, len(value), path):
            return value
        cleaned: dict[str, Any] = {}
        for key, item in value.items():
            self.string(shape.key, key, path)
            if item is not None:
                cleaned[key] = self.value(shape.value, item, f"{path}.{key}.member")
        return cleaned

    def size(self, shape: Shape, count: int, path: str) -> bool:
        """Checks a list's or map's number of entries; False when it is over the maximum."""
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and count < low:
            self.fail(count, path, min_length(low), echo=False)
        if high is not None and count > high:
            self.fail(count, path, max_length(high), echo=False)
            return False
        return True

    def string(self, shape: Shape, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise SerializationError(_not_convertible(value, "an String"))
        echo = not shape.metadata.get("sensitive") and len(value) <= _ECHO_LIMIT
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            self.fail(value, path, enum_value_set(enum), echo=echo)
        regex = shape.metadata.get("pattern")
        matched = regex is None or _compiled(regex).fullmatch(value) is not None
        if not matched:
            self.fail(value, path, pattern(regex), echo=echo)
        length = len(value.encode("utf-16-le", "surrogatepass")) // 2  # Java counts UTF-16 units
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and length < low:
            self.fail(value, path, min_length(low), echo=echo)
        if high is not None and length > high:
            self.fail(value, path, max_length(high), echo=echo)
        unstorable = _UNSTORABLE.search(value)
        if matched and unstorable:
            what = "NUL characters" if unstorable.group() == "\x00" else "unpaired UTF-16 surrogates"
            self.fail(value, path, f"Member must not contain {what}", echo=False)
        return value

    def integer(self, shape: Shape, value: Any, path: str) -> int:
        java = "an Integer" if shape.type_name == "integer" else "an Long"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SerializationError(_not_convertible(value, java))
        number = int(value)  # AWS truncates a decimal where the model says integer
        self.range(shape, number, path)
        return number

    def decimal(self, shape: Shape, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SerializationError(_not_convertible(value, f"an {shape.type_name.capitalize()}"))
        self.range(shape, value, path)
        return float(value)

    def range(self, shape: Shape, number: float, path: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and number < low:
            self.fail(number, path, value_at_least(low))
        if high is not None and number > high:
            self.fail(number, path, value_at_most(high))


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, str):
        raise SerializationError(f"'{value[:_ECHO_LIMIT]}' can not be converted to an Boolean")
    raise SerializationError(_not_convertible(value, "an Boolean"))


def _timestamp(value: Any) -> float:
    """Epoch seconds, as AWS's JSON protocols carry timestamps; ISO 8601 text is read too."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except (ValueError, OverflowError, OSError):
            raise SerializationError(f"'{value[:_ECHO_LIMIT]}' can not be converted to a Timestamp") from None
    raise SerializationError(_not_convertible(value, "a Timestamp"))


def _not_convertible(value: Any, java_type: str) -> str:
    """AWS's deserialisation error for a JSON value of the wrong kind."""
    if isinstance(value, list):
        return _START_OF_LIST
    if isinstance(value, dict):
        return _START_OF_MAP
    if isinstance(value, bool):
        return f"class java.lang.Boolean can not be converted to {java_type}"
    if isinstance(value, str):
        return f"class java.lang.String can not be converted to {java_type}"
    return f"{_TRUNCATING} can not be converted to {java_type}"


def _camel(name: str) -> str:
    """AWS names members in lower camel case in its messages ("Name" -> "name")."""
    return name[:1].lower() + name[1:]


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """A model's Java pattern in Python's dialect (its \\p{..} classes translated)."""
    translated = ""
    in_class = False
    index = 0
    while index < len(pattern):
        java = next((key for key in _JAVA_CLASSES if pattern.startswith(key, index)), None)
        if java is not None:
            python = _JAVA_CLASSES[java]
            bare = in_class or (python.startswith("\\") and len(python) == 2)
            translated += python if bare else f"[{python}]"
            index += len(java)
            continue
        char = pattern[index]
        if char == "\\":
            translated += pattern[index : index + 2]
            index += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        translated += char
        index += 1
    return re.compile(translated)
