"""`manage.py serve`: the browser UI, the AWS API and the WebSocket on one port (daphne),
with the Celery engine inside the same command in embedded mode, and the recovery sweep
(workbench.runtime.recovery) running in this process as it does in every worker. A malformed
MockConfig file (workbench.stepfunctions.mocks) stops it before it serves anything."""

from __future__ import annotations

import shutil
from typing import Any

from daphne.endpoints import build_endpoint_description_strings
from daphne.server import Server
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workbench.accounts.services import default_workspace
from workbench.asgi import application
from workbench.runtime import recovery
from workbench.server.embedded import EmbeddedWorker
from workbench.stepfunctions import mocks


class Command(BaseCommand):
    help = "Serve Stepbridge (HTTP, AWS API, WebSocket) and, in embedded mode, its Celery worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        try:
            mocks.check_file()  # SFN_MOCK_CONFIG / STEPBRIDGE_MOCK_CONFIG: refuse to start on a broken one
        except mocks.MockConfigError as exc:
            raise CommandError(f"the mock config is malformed: {exc.message}") from None
        if shutil.which("dot") is None:
            raise CommandError("graphviz's `dot` is missing: install it with `apt-get install -y graphviz`")
        default_workspace()
        worker = None
        if settings.STEPBRIDGE_EMBEDDED_WORKER:
            worker = EmbeddedWorker()
            worker.start()
            recovery.start_sweeper()
        mode = "embedded" if worker else "distributed"
        self.stdout.write(
            f"Stepbridge ({mode} mode) serving on http://{host}:{port}/  (Ctrl-C stops)", ending="\n"
        )
        self.stdout.flush()
        try:
            Server(
                application=application,
                endpoints=build_endpoint_description_strings(host=host, port=port),
                signal_handlers=True,
            ).run()
        finally:
            if worker is not None:
                worker.stop()
            self.stdout.write("Stepbridge stopped.")
