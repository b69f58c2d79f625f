"""Malformed requests to every EventBridge and Step Functions operation the server answers: never a 5xx.

Generated from botocore's service models, in process through the dispatcher (Django's test
client) for speed: each member of each operation's input with a wrong JSON type, an unpaired
surrogate, a NUL character, an oversized value and 10,000-deep JSON text; every list member
over its size; then whole bodies that are 3 MB, 10,000 levels deep, not UTF-8 or not an
object. Every answer must be a 2xx or a 4xx in AWS's shape ({"__type", "message"}); a 4xx for
a wrong type is SerializationException and for a broken constraint ValidationException, as
AWS's JSON front end answers (see tests/workbench/awsapi/test_validation.py for the wordings).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.model import ListShape, Shape, StructureShape
from django.test import Client
from django.utils import timezone

from tests.workbench.awsapi.calls import call_raw
from workbench import urls  # noqa: F401 - registers the services, as serving does
from workbench.accounts.services import default_workspace
from workbench.awsapi import protocol
from workbench.awsapi.validation import operation_model
from workbench.events import services as events
from workbench.stepfunctions.models import Execution, StateMachine

pytestmark = pytest.mark.django_db(transaction=True)

DEFINITION = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}})
DEEP_JSON_TEXT = "[" * 10_000 + "]" * 10_000
WRONG_TYPES: list[Any] = [7, 1.5, True, [], {}, "text"]
STRANGE_STRINGS = ["\ud800", "a\x00b", "\udfff\ud800", DEEP_JSON_TEXT]


def _operations() -> list[str]:
    return [target for target, _ in protocol.served_operations()]


def _model(target: str) -> str | None:
    return dict(protocol.served_operations())[target]


@pytest.fixture
def resources() -> dict[str, str]:
    """Real resources, so mutated requests reach the handlers rather than stop at 'not found'."""
    workspace = default_workspace()
    events.put_rule(workspace, name="fuzz", event_pattern='{"source": ["fuzz"]}')
    now = timezone.now()
    machine = StateMachine.objects.create(
        workspace=workspace, name="fuzz", definition=DEFINITION, role_arn="arn:aws:iam::123456789012:role/r",
        created=now, updated=now,
    )  # fmt: skip
    execution = Execution.objects.create(
        state_machine=machine, name="fuzz", definition=DEFINITION, input="{}", start_date=now
    )
    return {
        "stateMachineArn": machine.arn,
        "executionArn": execution.arn,
        "roleArn": "arn:aws:iam::123456789012:role/r",
        "definition": DEFINITION,
        "Name": "fuzz",
        "Rule": "fuzz",
        "name": "fuzz",
    }


def _plausible(name: str, shape: Shape, known: dict[str, str]) -> Any:
    """A value of the right type (not necessarily a valid one) for a required member."""
    if name in known:
        return known[name]
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        return {m: _plausible(m, shape.members[m], known) for m in shape.required_members}
    if isinstance(shape, ListShape):
        return [_plausible(name, shape.member, known)]
    if kind == "map":
        return {}
    if kind in ("integer", "long", "float", "double"):
        return shape.metadata.get("min", 1)
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return 1_700_000_000
    enum = shape.metadata.get("enum")
    return enum[0] if enum else "a" * max(1, shape.metadata.get("min", 1))


def _oversized(shape: Shape) -> Any:
    high = shape.metadata.get("max")
    if shape.type_name == "string":
        return "x" * ((high or 300_000) + 1)
    if shape.type_name == "list" and high is not None:
        return ["x"] * (high + 1)
    if shape.type_name in ("integer", "long"):
        return (high or 2**63) + 1
    return None


def _mutations(target: str, known: dict[str, str]) -> Iterator[tuple[str, bytes]]:
    model = operation_model(_model(target), target.split(".", 1)[1])
    shape = model.input_shape if model is not None else None
    if not isinstance(shape, StructureShape):
        return
    base = {m: _plausible(m, shape.members[m], known) for m in shape.required_members}
    yield "plausible", json.dumps(base).encode()
    for name, member in shape.members.items():
        values: list[Any] = [*WRONG_TYPES, *STRANGE_STRINGS, _oversized(member)]
        if isinstance(member, StructureShape) or member.type_name == "list":
            nested = member.member if isinstance(member, ListShape) else member
            if isinstance(nested, StructureShape):  # one level down: each member of the entries
                for inner in nested.members:
                    for value in (*WRONG_TYPES[:4], *STRANGE_STRINGS[:2]):
                        entry = {inner: value}
                        values.append([entry] if member.type_name == "list" else entry)
        for value in values:
            if value is not None:
                yield f"{name}={_describe(value)}", json.dumps({**base, name: value}).encode()


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 40 else f"{text[:30]}... ({len(text)} chars)"


def _shape_problem(status: int, content: bytes) -> str | None:
    if status >= 500:
        return f"HTTP {status}: {content[:200]!r}"
    if status >= 400:
        try:
            body = json.loads(content)
        except ValueError:
            return f"HTTP {status} without a JSON body: {content[:200]!r}"
        if not isinstance(body, dict) or not body.get("__type") or "message" not in body:
            return f"HTTP {status} not in AWS's error shape: {content[:200]!r}"
    return None


def test_no_operation_answers_5xx_to_malformed_members(client: Client, resources: dict[str, str]) -> None:
    started = time.monotonic()
    problems: list[str] = []
    sent = 0
    operations = _operations()
    assert len(operations) >= 30, operations  # the EventBridge and Step Functions operations served
    unvalidated = [t for t in operations if operation_model(_model(t), t.split(".", 1)[1]) is None]
    assert not unvalidated, f"served without a botocore model to validate against: {unvalidated}"
    for target in operations:
        for label, body in _mutations(target, resources):
            response = call_raw(client, target, body)
            sent += 1
            problem = _shape_problem(response.status_code, response.content)
            if problem:
                problems.append(f"{target} {label}: {problem}")
    assert not problems, f"{len(problems)} of {sent} requests:\n" + "\n".join(problems[:40])
    assert sent > 1000
    assert time.monotonic() - started < 120


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("3 MB", json.dumps({"Name": "x" * 3 * 1024 * 1024}).encode()),
        ("10,000 deep", b'{"Name": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"),
        ("10,000 deep objects", b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
        ("not UTF-8", b'{"Name": "\xc3\x28"}'),
        ("an array", b"[]"),
        ("a string", b'"x"'),
        ("truncated", b'{"Name": "x'),
        ("a huge number", b'{"Limit": 1' + b"0" * 5000 + b"}"),
        ("NaN", b'{"Limit": NaN}'),
        ("1e400", b'{"Limit": 1e400, "maxResults": 1e400}'),
    ],
)
def test_malformed_bodies_are_4xx_for_every_operation(client: Client, label: str, body: bytes) -> None:
    started = time.monotonic()
    for target in _operations():
        response = call_raw(client, target, body)
        if label == "3 MB" and response.status_code == 200:
            # Within EventBridge's bound, an unmodelled member is ignored, as AWS ignores it;
            # wherever "Name" is a member, its length refuses the request.
            model = operation_model(_model(target), target.split(".", 1)[1])
            assert model is not None and "Name" not in model.input_shape.members, target
            continue
        assert 400 <= response.status_code < 500, (target, label, response.content[:200])
        assert _shape_problem(response.status_code, response.content) is None
        assert json.loads(response.content)["__type"] in (
            "SerializationException",
            "ValidationException",
            "RequestEntityTooLargeException",
            "ResourceNotFoundException",
            "StateMachineDoesNotExist",
            "ExecutionDoesNotExist",
            "InvalidArn",
        ), (target, label, response.content[:200])
    assert time.monotonic() - started < 30, label
