"""ASGI entry point: HTTP (browser UI and AWS API) and WebSockets (live graphs).

A page on any site the user visits can open a WebSocket to 127.0.0.1: browsers apply neither
the same-origin policy nor CORS to WebSockets, they only send an ``Origin`` header
(https://www.rfc-editor.org/rfc/rfc6455#section-10.2). So the live socket is accepted only from
the workbench's own origin (or one named in STEPBRIDGE_TRUSTED_ORIGINS), on a host name the
workbench serves (ALLOWED_HOSTS), and only for an execution or a bus of the workspace the
browser sees.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
django_asgi_app = get_asgi_application()

from channels.db import database_sync_to_async  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import WebsocketDenier  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402
from django.http.request import split_domain_port, validate_host  # noqa: E402
from django.urls import path  # noqa: E402

from workbench.accounts.services import default_workspace  # noqa: E402
from workbench.awsapi.fastpath import FastAPI  # noqa: E402
from workbench.events.models import EventBus  # noqa: E402
from workbench.live.routing import websocket_urlpatterns  # noqa: E402
from workbench.stepfunctions.models import Execution  # noqa: E402

Scope = dict[str, Any]
Receive = Any
Send = Any
App = Any


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def same_origin(scope: Scope) -> bool:
    """The handshake's Host is served here and its Origin (if any) is this very host and port.

    A handshake without Origin cannot come from a browser page (browsers always send it), so
    tools such as websocat are let in, by Host alone.
    """
    host = _header(scope, b"host") or ""
    hostname, _ = split_domain_port(host)
    if not hostname or not validate_host(hostname, settings.ALLOWED_HOSTS):
        return False
    origin = _header(scope, b"origin")
    if origin is None:
        return True
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


class SameOriginOnly:
    """Refuses a WebSocket handshake from another origin before any consumer sees it."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not same_origin(scope):
            await WebsocketDenier()(scope, receive, send)
            return
        await self.app(scope, receive, send)


class VisibleExecutionOnly:
    """Lets a socket follow only an execution or a bus that exists in the browser's (default)
    workspace."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        execution_id = scope["url_route"]["kwargs"].get("execution_id")
        if execution_id is not None and not await _visible(int(execution_id)):
            await WebsocketDenier()(scope, receive, send)
            return
        bus_id = scope["url_route"]["kwargs"].get("bus_id")
        if bus_id is not None and not await _visible_bus(int(bus_id)):
            await WebsocketDenier()(scope, receive, send)
            return
        await self.app(scope, receive, send)


@database_sync_to_async
def _visible(execution_id: int) -> bool:
    return Execution.objects.filter(id=execution_id, state_machine__workspace=default_workspace()).exists()


@database_sync_to_async
def _visible_bus(bus_id: int) -> bool:
    return EventBus.objects.filter(id=bus_id, workspace=default_workspace()).exists()


guarded_websocket_urlpatterns = [
    path(str(route.pattern), VisibleExecutionOnly(route.callback), name=route.name)
    for route in websocket_urlpatterns
]

application = ProtocolTypeRouter(
    {
        "http": FastAPI(ASGIStaticFilesHandler(django_asgi_app)),
        "websocket": SameOriginOnly(URLRouter(guarded_websocket_urlpatterns)),
    }
)
