"""`manage.py serve`: the browser UI, the AWS API and the WebSocket on one port (uvicorn),
with the Celery engine inside the same command in embedded mode, and the recovery sweep
(workbench.runtime.recovery) running in this process as it does in every worker. A malformed
MockConfig file (workbench.stepfunctions.mocks) stops it before it serves anything. In
distributed mode it answers from one child process per core (server/child.py), each with its own
interpreter lock; embedded mode answers from one process, where its worker, broker and SQLite
writers live, and makes its deliveries in a second (server.deliverer).

uvicorn with httptools and uvloop, not daphne: issue 10's serial profile (one client, a
3-state Task execution, StartExecution then DescribeExecution) measured 20.7 to 22.4 ms of
server CPU per execution under daphne (Twisted's HTTP parsing and its reactor bridged onto
asyncio) and 17.9 ms under uvicorn, the same application in both.
"""

from __future__ import annotations

import gc
import os
import shutil
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from uvicorn.supervisors.multiprocess import Multiprocess

from workbench.accounts.services import default_workspace
from workbench.asgi import application
from workbench.runtime import recovery
from workbench.server import child
from workbench.server.deliverer import DeliveryProcess
from workbench.server.embedded import EmbeddedWorker
from workbench.stepfunctions import mocks


class Command(BaseCommand):
    help = "Serve Stepbridge (HTTP, AWS API, WebSocket) and, in embedded mode, its Celery worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="processes answering HTTP (distributed mode only; default STEPBRIDGE_SERVE_PROCESSES)",
        )

    def _bring_database_up_to_date(self) -> None:
        """A new or older database gets its migrations first, as ``make run`` applies them: a
        new user's ``manage.py serve`` on a fresh database stopped with a traceback ("no such
        table") before this."""
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("Applying the database's migrations first (manage.py migrate)", ending="\n")
            call_command("migrate", interactive=False, verbosity=0)

    def handle(self, *args: Any, host: str, port: int, processes: int | None, **options: Any) -> None:
        processes = processes or settings.STEPBRIDGE_SERVE_PROCESSES
        if processes > 1 and settings.STEPBRIDGE_EMBEDDED_WORKER:
            raise CommandError(
                "embedded mode serves from one process (its worker, broker and SQLite write turns "
                "live there): --processes needs distributed mode (DATABASE_URL and CELERY_BROKER_URL)"
            )
        try:
            mocks.check_file()  # SFN_MOCK_CONFIG / STEPBRIDGE_MOCK_CONFIG: refuse to start on a broken one
        except mocks.MockConfigError as exc:
            raise CommandError(f"the mock config is malformed: {exc.message}") from None
        if shutil.which("dot") is None:
            raise CommandError("graphviz's `dot` is missing: install it with `apt-get install -y graphviz`")
        self._bring_database_up_to_date()
        default_workspace()
        worker = None
        deliverer = None
        if settings.STEPBRIDGE_EMBEDDED_WORKER:
            worker = EmbeddedWorker()
            worker.start()
            if settings.STEPBRIDGE_DELIVERY_PROCESS:
                deliverer = DeliveryProcess()
                deliverer.start()
            recovery.start_sweeper()
        mode = f"distributed mode, {processes} processes"
        if worker is not None:
            mode = "embedded mode, deliveries in a second process" if deliverer else "embedded mode"
        self.stdout.write(
            f"Stepbridge ({mode}) serving on http://{host}:{port}/  (Ctrl-C stops)", ending="\n"
        )
        self.stdout.flush()
        config = uvicorn.Config(
            application if processes == 1 else "workbench.server.child:make_application",
            factory=processes > 1,
            host=host,
            port=port,
            workers=processes,
            loop="uvloop",
            http="httptools",
            ws="websockets-sansio",
            lifespan="off",
            access_log=False,
            log_level="warning",
            # Open live pages hold WebSockets: Ctrl-C closes them rather than waiting.
            timeout_graceful_shutdown=2,
        )
        try:
            if processes == 1:
                # What is loaded by now (Django, the app, botocore's models) lives as long as
                # the process: frozen, a full collection no longer walks it (one took 81 ms
                # under issue 10's bench, inside a request).
                gc.freeze()
                uvicorn.Server(config).run()
            else:
                os.environ[child.PARENT_ENV] = str(os.getpid())
                Multiprocess(config, sockets=[config.bind_socket()]).run()
        finally:
            if deliverer is not None:
                deliverer.stop()
            if worker is not None:
                worker.stop()
            self.stdout.write("Stepbridge stopped.")
