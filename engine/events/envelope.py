"""PutEvents as EventBridge does it: call-level checks, per-entry checks, and the event envelope.

A PutEvents call can fail in two ways, and boto3 users can tell them apart:

* the whole call is refused with a ``ValidationException`` (too many entries, a field that
  breaks the service model, entries too large together) -> ``EnvelopeValidationError``;
* the call succeeds but single entries fail, each with an ``ErrorCode``/``ErrorMessage`` in
  the result list (missing Source, malformed Detail, ...) -> ``EntryError``.

Sources for the wording: the entry-count message and the per-entry InvalidArgument /
MalformedDetail messages are the ones LocalStack records against AWS in its snapshot tests
(``localstack/services/events/provider.py``, ``validate_event``) and moto reproduces; the size
rule and message come from the EventBridge guide page "Calculating PutEvents event entry
size" and the PutEvents API reference; the field limits come from boto3's ``events`` service
model (``PutEventsRequestEntry``, ``NonPartnerEventBusNameOrArn``, ``TraceHeader``,
``EventResource``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.events.constraint_messages import (
    NOT_NULL,
    ConstraintViolation,
    max_length,
    min_length,
    pattern,
    quoted,
    validation_message,
)
from engine.events.event_time import EventTimeError, format_event_time, parse_event_time
from engine.events.json_text import InvalidJsonText, loads_strict

MAX_ENTRIES_PER_CALL = 10
MAX_REQUEST_BYTES = 256 * 1024
"""The documented limit on the summed entry sizes of one call (EventBridge has since raised
it to 1 MiB; pass ``max_request_bytes`` to ``validate_batch`` to follow that)."""
TIME_SIZE_BYTES = 14
"""A ``Time`` counts 14 bytes, whatever its spelling ("Calculating PutEvents event entry size")."""
MAX_DETAIL_TYPE_CHARS = 128
MAX_EVENT_BUS_NAME_CHARS = 1600
MAX_TRACE_HEADER_CHARS = 500
MAX_RESOURCE_CHARS = 2048
DEFAULT_EVENT_BUS = "default"

EVENT_BUS_NAME_OR_ARN_PATTERN = (
    r"(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[\.\-_A-Za-z0-9]+"
)
_EVENT_BUS_NAME_OR_ARN = re.compile(EVENT_BUS_NAME_OR_ARN_PATTERN)
_EVENT_BUS_ARN = re.compile(r"arn:aws[\w-]*:events:[^:]*:[^:]*:event-bus/(?P<name>.+)")

_TEXT_FIELDS = ("Source", "DetailType", "Detail", "EventBusName", "TraceHeader")
_REQUIRED_FIELDS = ("Source", "DetailType", "Detail")

INVALID_ARGUMENT = "InvalidArgument"
MALFORMED_DETAIL = "MalformedDetail"


class EnvelopeValidationError(Exception):
    """The whole PutEvents call is refused; ``code`` is the AWS error code the shell returns."""

    def __init__(self, message: str, *, code: str = "ValidationException") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class EntryError:
    """One entry failed; the call goes on. Shown to the caller as ``ErrorCode``/``ErrorMessage``."""

    error_code: str
    error_message: str


@dataclass(frozen=True)
class BuiltEvent:
    """An accepted entry: the event as rules and targets see it, and where it was sent."""

    event: dict[str, Any]
    bus_name_or_arn: str | None
    size: int
    trace_header: str | None = None


# --- sizes ------------------------------------------------------------------------------


def _utf8_length(value: object) -> int:
    return len(value.encode("utf-8")) if isinstance(value, str) else 0


def entry_size(entry: Mapping[str, Any]) -> int:
    """The size AWS charges an entry against the call limit ("Calculating PutEvents event entry size").

    Time counts 14 bytes when present; Source, DetailType, Detail and each Resources string
    count their UTF-8 bytes. EventBusName and TraceHeader do not count.
    """
    size = TIME_SIZE_BYTES if entry.get("Time") is not None else 0
    size += _utf8_length(entry.get("Source"))
    size += _utf8_length(entry.get("DetailType"))
    size += _utf8_length(entry.get("Detail"))
    resources = entry.get("Resources")
    if isinstance(resources, list):
        size += sum(_utf8_length(resource) for resource in resources)
    return size


# --- call-level validation -------------------------------------------------------------


def validate_batch(entries: object, *, max_request_bytes: int = MAX_REQUEST_BYTES) -> None:
    """Refuse a PutEvents call the way AWS does before looking at any single entry.

    Checks, in AWS's order: the entry count (1..10), the JSON shape of each entry, the model
    limits of its fields, then the summed entry size against ``max_request_bytes``.
    """
    if not isinstance(entries, list):
        shown = "null" if entries is None else quoted(entries)
        raise EnvelopeValidationError(validation_message([ConstraintViolation(shown, "entries", NOT_NULL)]))
    if not entries or len(entries) > MAX_ENTRIES_PER_CALL:
        constraint = min_length(1) if not entries else max_length(MAX_ENTRIES_PER_CALL)
        shown = "'[" + ", ".join(_describe_entry(entry) for entry in entries) + "]'"
        raise EnvelopeValidationError(validation_message([ConstraintViolation(shown, "entries", constraint)]))
    for position, entry in enumerate(entries, start=1):
        _check_entry_shape(position, entry)
    violations = [
        violation
        for position, entry in enumerate(entries, start=1)
        for violation in _model_violations(position, entry)
    ]
    if violations:
        raise EnvelopeValidationError(validation_message(violations))
    if sum(entry_size(entry) for entry in entries) > max_request_bytes:
        raise EnvelopeValidationError("Total size of the entries in the request is over the limit.")


def _check_entry_shape(position: int, entry: object) -> None:
    """A field of the wrong JSON type never reaches EventBridge's checks: the request does not parse."""
    where = f"Entries[{position - 1}]"
    if not isinstance(entry, Mapping):
        raise EnvelopeValidationError(
            f"{where} must be a JSON object, not {type(entry).__name__}.", code="SerializationException"
        )
    for field in _TEXT_FIELDS:
        value = entry.get(field)
        if value is not None and not isinstance(value, str):
            raise EnvelopeValidationError(
                f"{where}.{field} must be a string, not {type(value).__name__}.",
                code="SerializationException",
            )
    resources = entry.get("Resources")
    if resources is not None and not (
        isinstance(resources, list) and all(isinstance(resource, str) for resource in resources)
    ):
        raise EnvelopeValidationError(
            f"{where}.Resources must be a list of strings.", code="SerializationException"
        )


def _model_violations(position: int, entry: Mapping[str, Any]) -> list[ConstraintViolation]:
    member = f"entries.{position}.member"
    violations: list[ConstraintViolation] = []
    bus = entry.get("EventBusName")
    if isinstance(bus, str):
        where = f"{member}.eventBusName"
        if len(bus) > MAX_EVENT_BUS_NAME_CHARS:
            violations.append(ConstraintViolation(quoted(bus), where, max_length(MAX_EVENT_BUS_NAME_CHARS)))
        if not bus:
            violations.append(ConstraintViolation(quoted(bus), where, min_length(1)))
        elif not _EVENT_BUS_NAME_OR_ARN.fullmatch(bus):
            violations.append(ConstraintViolation(quoted(bus), where, pattern(EVENT_BUS_NAME_OR_ARN_PATTERN)))
    trace_header = entry.get("TraceHeader")
    if isinstance(trace_header, str) and not 1 <= len(trace_header) <= MAX_TRACE_HEADER_CHARS:
        limit = min_length(1) if not trace_header else max_length(MAX_TRACE_HEADER_CHARS)
        violations.append(ConstraintViolation(quoted(trace_header), f"{member}.traceHeader", limit))
    resources = entry.get("Resources") or []
    if any(len(resource) > MAX_RESOURCE_CHARS for resource in resources):
        violations.append(
            ConstraintViolation(
                quoted(_java_list(resources)),
                f"{member}.resources",
                f"Member must satisfy constraint: [{max_length(MAX_RESOURCE_CHARS)}]",
            )
        )
    return violations


def _java_list(items: Sequence[object]) -> str:
    return "[" + ", ".join(str(item) for item in items) + "]"


def _describe_entry(entry: object) -> str:
    """An entry as AWS prints it inside a ValidationException (the Java ``toString`` of the request)."""
    if not isinstance(entry, Mapping):
        return str(entry)

    def shown(field: str) -> str:
        value = entry.get(field)
        if value is None:
            return "null"
        return _java_list(value) if isinstance(value, list) else str(value)

    return (
        f"PutEventsRequestEntry(time={shown('Time')}, source={shown('Source')}, "
        f"resources={shown('Resources')}, detailType={shown('DetailType')}, detail={shown('Detail')}, "
        f"eventBusName={shown('EventBusName')}, traceHeader={shown('TraceHeader')}, "
        f"kmsKeyIdentifier=null, internalMetadata=null)"
    )


# --- one entry -> one event --------------------------------------------------------------


def build_event(
    entry: Mapping[str, Any], *, event_id: str, account: str, region: str, now: datetime
) -> BuiltEvent | EntryError:
    """Turn one PutEvents entry into the event envelope, or say why AWS would fail this entry.

    ``now`` is the time of the call: the event's ``time`` when the entry gives none.
    """
    for field in _REQUIRED_FIELDS:
        value = entry.get(field)
        if value is None or value == "":
            return EntryError(
                INVALID_ARGUMENT, f"Parameter {field} is not valid. Reason: {field} is a required argument."
            )
        if not isinstance(value, str):
            return EntryError(
                INVALID_ARGUMENT, f"Parameter {field} is not valid. Reason: {field} must be a string."
            )
    detail_type: str = entry["DetailType"]
    if len(detail_type) > MAX_DETAIL_TYPE_CHARS:
        return EntryError(
            INVALID_ARGUMENT,
            f"Parameter DetailType is not valid. Reason: DetailType is {len(detail_type)} characters long; "
            f"the maximum is {MAX_DETAIL_TYPE_CHARS}.",
        )
    try:
        detail = loads_strict(entry["Detail"])
    except InvalidJsonText:
        return EntryError(MALFORMED_DETAIL, "Detail is malformed.")
    if not isinstance(detail, dict):
        return EntryError(MALFORMED_DETAIL, "Detail is malformed.")
    raw_time = entry.get("Time")
    try:
        moment = now if raw_time is None else parse_event_time(raw_time)
    except EventTimeError as error:
        return EntryError(INVALID_ARGUMENT, f"Parameter Time is not valid. Reason: {error}")
    resources = entry.get("Resources") or []
    event: dict[str, Any] = {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": entry["Source"],
        "account": account,
        "time": format_event_time(moment),
        "region": region,
        "resources": list(resources),
        "detail": detail,
    }
    return BuiltEvent(
        event=event,
        bus_name_or_arn=entry.get("EventBusName") or None,
        size=entry_size(entry),
        trace_header=entry.get("TraceHeader") or None,
    )


def event_bus_name_from(value: str | None) -> str:
    """The bus name behind an EventBusName field: a name, an event-bus ARN, or nothing (the default bus)."""
    if not value:
        return DEFAULT_EVENT_BUS
    if value.startswith("arn:"):
        match = _EVENT_BUS_ARN.fullmatch(value)
        if match is None:
            raise EnvelopeValidationError(
                f"'{value}' is not an event bus ARN; "
                "expected arn:aws:events:<region>:<account>:event-bus/<name>."
            )
        return match.group("name")
    return value
