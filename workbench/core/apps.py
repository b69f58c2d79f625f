"""Wires the core's connection setup into Django (AppConfig.ready, as Django documents for signals)."""

from __future__ import annotations

from django.apps import AppConfig
from django.db.backends.signals import connection_created

from workbench.core.db import on_connection_created


class CoreConfig(AppConfig):
    name = "workbench.core"
    label = "core"

    def ready(self) -> None:
        connection_created.connect(on_connection_created, dispatch_uid="workbench.core.configure_sqlite")
