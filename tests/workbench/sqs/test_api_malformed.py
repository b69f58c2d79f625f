"""Malformed requests to every SQS operation the server answers: never a 5xx.

From botocore's sqs model, in process through the root URL: each member of each operation's
input given a wrong JSON type, a NUL, an unpaired surrogate or deep JSON text, then bodies that
are not JSON objects. Every answer is a 2xx or a 4xx with a ``__type``; a modelled SQS error
also carries ``x-amzn-query-error`` (the awsQueryCompatible header botocore reads)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.workbench.awsapi.calls import call_raw
from workbench import urls  # noqa: F401 - registers the services, as serving does
from workbench.accounts.services import default_workspace
from workbench.awsapi import sqs as sqs_api
from workbench.awsapi.validation import operation_model
from workbench.sqs import services

pytestmark = pytest.mark.django_db
WRONG: list[Any] = [7, 1.5, True, [], {}, "text", "\ud800", "a\x00b", "[" * 200 + "]" * 200]


def _bodies(url: str) -> list[tuple[str, bytes]]:
    bodies: list[tuple[str, bytes]] = []
    for name in sorted(sqs_api._operations):
        model = operation_model("sqs", name)
        assert model is not None and model.input_shape is not None, f"{name} has a botocore model"
        members = list(model.input_shape.members)
        for member in members:
            for value in WRONG:
                params: dict[str, Any] = {"QueueUrl": url, "QueueName": "q", member: value}
                bodies.append((name, json.dumps(params).encode()))
        for raw in (b"[]", b"7", b"{", b'{"QueueUrl": ' + b"[" * 100_000):
            bodies.append((name, raw))
    return bodies


def test_no_malformed_request_answers_500() -> None:
    queue = services.create_queue(default_workspace(), "q")
    services.send_message(queue, "m")
    client = Client()
    url = "http://testserver/123456789012/q"
    for name, body in _bodies(url):
        response = call_raw(client, f"AmazonSQS.{name}", body)
        assert response.status_code < 500, (name, body[:200], response.content[:300])
        if response.status_code >= 400:
            answer = json.loads(response.content)
            assert answer.get("__type"), (name, answer)


def test_a_modelled_error_carries_the_query_compatible_code() -> None:
    response = call_raw(Client(), "AmazonSQS.GetQueueUrl", b'{"QueueName": "missing"}')
    assert response.status_code == 400
    assert json.loads(response.content)["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"
    assert response["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
