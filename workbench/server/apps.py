"""The server app, installed so Django finds its `serve` management command."""

from django.apps import AppConfig


class ServerConfig(AppConfig):
    name = "workbench.server"
    label = "server"
    verbose_name = "Serving (uvicorn, embedded worker)"
