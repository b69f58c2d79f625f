"""A real HTTP server on 127.0.0.1 (a free port, its own thread) for the tests of HTTP tasks,
connections and API destinations: it records every request and answers what the test
scripted, per path, so the workbench's client is exercised over real sockets, unmocked."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Responder = Callable[[Seen], Answer]


@dataclass
class Server:
    """``routes`` maps a path (without query) to a responder; unknown paths answer 404."""

    port: int = 0
    seen: list[Seen] = field(default_factory=list)
    routes: dict[str, Responder] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def on(self, path: str, responder: Responder | Answer) -> None:
        self.routes[path] = responder if callable(responder) else (lambda _seen, a=responder: a)

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path.split("?")[0] == path]


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            return None

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                self.command, self.path, dict(self.headers.items()), self.rfile.read(length), time.monotonic()
            )
            server.seen.append(seen)
            responder = server.routes.get(self.path.split("?")[0])
            answer = responder(seen) if responder else Answer(404, {"message": "no such path"})
            if answer.delay:
                time.sleep(answer.delay)
            body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
            try:
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json", **answer.headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _any

    return Handler


def closing(work: Callable[[], object]) -> Callable[[], None]:
    """``work`` for a thread of a test: it closes the thread's database connection when done
    (PostgreSQL refuses to drop a test database that a connection still uses)."""

    def run() -> None:
        from django.db import connection

        try:
            work()
        finally:
            connection.close()

    return run


@pytest.fixture
def http_server() -> Iterator[Server]:
    server = Server()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
