"""The AWS JSON protocol served straight from ASGI, on long-lived threads with their own connections.

Django's ASGI handler gives every request a thread of its own (asgiref's ThreadSensitiveContext)
and so a database connection of its own, opened and closed per call, then runs the middleware
chain. An AWS JSON call (``POST /`` with ``X-Amz-Target``, see protocol.py) needs none of it: no
session, cookie, CSRF token or URL route. Issue 10's profile put the thread and connection churn
at a large share of a served call; here such calls go to a small fixed pool of threads that
keep their connection between calls. Every other request (browser pages, S3, IAM's Query
protocol, WebSockets) still goes through Django.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse
from django.http.request import split_domain_port, validate_host

from workbench.awsapi import events, map_runs, protocol, sfn_versions, stepfunctions  # noqa: F401 - registers the services
from workbench.core.connections import after_work
from workbench.runtime import nearby

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LONG_POLLS = frozenset({b"AWSStepFunctions.GetActivityTask"})


def _is_json_api_call(scope: Scope) -> bool:
    """A call for a service of protocol.py's dispatcher, to a host name served here.

    Other JSON services (SQS, whose ReceiveMessage long-polls for up to 20 s) and Step
    Functions' GetActivityTask (a poll of up to 60 s) stay on Django's thread per request, so
    a waiting poll never holds one of the few pool threads. The Host is
    checked here as Django checks it (ALLOWED_HOSTS), since this path skips Django's handler: a
    page whose DNS name was re-pointed at 127.0.0.1 gets no answer from the API.
    """
    if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/":
        return False
    headers = dict(scope["headers"])
    target = headers.get(b"x-amz-target")
    hostname, _ = split_domain_port(headers.get(b"host", b"").decode("latin-1"))
    return (
        target is not None
        and target not in LONG_POLLS
        and protocol.serves(target.decode("latin-1"))
        and bool(hostname)
        and validate_host(hostname, settings.ALLOWED_HOSTS)
    )


def _serve(scope: Scope, body: bytes) -> HttpResponse:
    """One call on a pool thread; its connection stays open for the next unless it broke.

    The call's thread makes the quick work its steps lead to itself, within a budget
    (runtime.nearby): a Task calling a workbench function ends inside its StartExecution."""
    try:
        with nearby.budget(settings.STEPBRIDGE_NEARBY_CALLS):
            return protocol.handle(ASGIRequest(scope, io.BytesIO(body)))
    finally:
        after_work(give_back_pooled=False)


class FastAPI:
    """ASGI middleware: AWS JSON calls to the pool, everything else to ``app``."""

    def __init__(self, app: ASGIApp, threads: int | None = None) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(
            max_workers=threads or settings.STEPBRIDGE_API_THREADS, thread_name_prefix="aws-api"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_json_api_call(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            if received > protocol.DEFAULT_MAX_BODY_BYTES:
                break  # protocol.handle answers the oversized body; nothing more is read
            if not message.get("more_body"):
                break
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(self.pool, _serve, scope, b"".join(chunks))
        headers = [(k.encode("ascii"), v.encode("latin1")) for k, v in response.items()]
        headers.append((b"Content-Length", str(len(response.content)).encode("ascii")))
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": response.content})
