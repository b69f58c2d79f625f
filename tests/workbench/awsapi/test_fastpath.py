"""The ASGI fast path for AWS JSON calls (workbench/awsapi/fastpath.py), in process.

It must answer exactly what the protocol answers (AWS's JSON 1.0/1.1 shapes: 200 with the
result, 400 with ``__type``), hand every other request to Django, and keep one database
connection per pool thread instead of opening one per call.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from workbench.awsapi import fastpath

pytestmark = pytest.mark.django_db(transaction=True)  # pool threads open their own connections

AUTH = b"AWS4-HMAC-SHA256 Credential=test/20261201/us-east-1/states/aws4_request, SignedHeaders=host"


def _scope(
    path: str = "/",
    method: str = "POST",
    target: str | None = "AWSStepFunctions.ListStateMachines",
    host: bytes = b"127.0.0.1:8000",
) -> Any:
    headers = [(b"content-type", b"application/x-amz-json-1.0"), (b"authorization", AUTH), (b"host", host)]
    if target:
        headers.append((b"x-amz-target", target.encode()))
    return {
        "type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5000),
        "scheme": "http", "http_version": "1.1",
    }  # fmt: skip


def _call(app: Any, scope: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start, content = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, content


class _Inner:
    """Stands for Django's ASGI application: records what reached it."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def test_a_json_call_is_answered_by_the_protocol_without_django() -> None:
    inner = _Inner()
    app = fastpath.FastAPI(inner, threads=1)
    status, headers, body = _call(app, _scope(), b"{}")
    assert status == 200 and inner.paths == []
    assert json.loads(body) == {"stateMachines": []}
    assert headers["content-length"] == str(len(body))
    assert headers["x-amzn-requestid"]


def test_a_malformed_body_gets_aws_error_shape() -> None:
    app = fastpath.FastAPI(_Inner(), threads=1)
    status, headers, body = _call(app, _scope(), b"{not json")
    assert status == 400
    assert json.loads(body)["__type"] == "SerializationException"
    assert headers["x-amzn-errortype"] == "SerializationException"


@pytest.mark.parametrize(
    ("path", "method", "target"),
    [("/machines/", "GET", None), ("/", "POST", None), ("/bucket/key", "POST", "AWSEvents.PutEvents")],
)
def test_pages_s3_and_query_protocol_calls_still_go_to_django(
    path: str, method: str, target: str | None
) -> None:
    inner = _Inner()
    status, _, _ = _call(fastpath.FastAPI(inner, threads=1), _scope(path, method, target), b"")
    assert status == 204 and inner.paths == [path]


def test_a_pool_thread_keeps_its_connection_between_calls() -> None:
    app = fastpath.FastAPI(_Inner(), threads=1)
    _call(app, _scope(), b"{}")
    _call(app, _scope(), b"{}")
    pool: ThreadPoolExecutor = app.pool

    def opened() -> tuple[int, bool]:
        return id(connection.connection), connection.connection is not None

    first = pool.submit(opened).result()
    _call(app, _scope(), b"{}")
    assert pool.submit(opened).result() == first and first[1]


def test_a_host_not_served_here_is_left_to_django_which_refuses_it() -> None:
    """DNS rebinding: a page whose name now points at 127.0.0.1 must get Django's Host check."""
    inner = _Inner()
    _call(fastpath.FastAPI(inner, threads=1), _scope(host=b"attacker.example:8000"), b"{}")
    assert inner.paths == ["/"]


def test_sqs_calls_stay_on_django_threads_since_receive_message_long_polls() -> None:
    inner = _Inner()
    _call(fastpath.FastAPI(inner, threads=1), _scope(target="AmazonSQS.ReceiveMessage"), b"{}")
    assert inner.paths == ["/"]


def test_get_activity_task_stays_on_django_threads_since_it_long_polls_for_60_seconds() -> None:
    inner = _Inner()
    app = fastpath.FastAPI(inner, threads=1)
    _call(app, _scope(target="AWSStepFunctions.GetActivityTask"), b"{}")
    _call(app, _scope(target="AWSStepFunctions.DescribeActivity"), b"{}")
    assert inner.paths == ["/"]  # only the poll reached Django; DescribeActivity was answered here
