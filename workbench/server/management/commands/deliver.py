"""`manage.py deliver`: embedded mode's delivery process, started by `manage.py serve` with the
two sockets it made for it (server.deliverer); not a command to run by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from workbench.server.deliverer import serve_deliveries


class Command(BaseCommand):
    help = "Embedded mode's delivery process (started by `manage.py serve`, not by hand)."
    requires_system_checks: list[str] = []  # the server checked the same project as it started

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--fds", required=True, help="the tasks, asks and tokens sockets' descriptors")

    def handle(self, *args: Any, fds: str, **options: Any) -> None:
        tasks, asks, tokens = (int(fd) for fd in fds.split(","))
        serve_deliveries(tasks, asks, tokens)
