"""ASGI entry point: HTTP (browser UI and AWS API) and WebSockets (live graphs)."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from workbench.awsapi.fastpath import FastAPI  # noqa: E402
from workbench.live.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {"http": FastAPI(ASGIStaticFilesHandler(django_asgi_app)), "websocket": URLRouter(websocket_urlpatterns)}
)
