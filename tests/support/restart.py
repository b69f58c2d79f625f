"""A served workbench a test can SIGKILL and start again on the same database.

``stack.served`` gives one server for a whole session; a crash test needs handles: kill
every process of the workbench at once (SIGKILL, no clean-up), then start it again as a user
would after a crash. In distributed mode the separate Celery worker dies and restarts too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.stack import ROOT, WORKER_COMMAND, _env, _stop, _wait_http, distributed, free_port


class Restartable:
    """The workbench's processes (server, and the worker in distributed mode) on one port."""

    def __init__(self, test_db_name: str, log_dir: Path) -> None:
        self.env = _env(test_db_name)
        self.log_dir = log_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.starts = 0

    def start(self) -> str:
        """Start every process; the base URL once the server answers."""
        self.starts += 1
        if distributed():
            self.processes.append(self._spawn(WORKER_COMMAND, "worker"))
        server = self._spawn([sys.executable, "manage.py", "serve", "--port", str(self.port)], "server")
        self.processes.append(server)
        _wait_http(self.base + "/machines/", server, self._log("server"))
        return self.base

    def kill(self) -> None:
        """SIGKILL every process at once, as a power cut or the OOM killer would."""
        for process in self.processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
        for process in self.processes:
            process.wait()
        self.processes.clear()

    def stop(self) -> None:
        for process in reversed(self.processes):
            _stop(process)
        self.processes.clear()

    def _log(self, role: str) -> Path:
        return self.log_dir / f"{role}-{self.starts}.log"

    def _spawn(self, command: list[str], role: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self._log(role).open("wb"), stderr=subprocess.STDOUT
        )


@contextmanager
def restartable(test_db_name: str, log_dir: Path) -> Iterator[Restartable]:
    """A started workbench that the test may kill and start again; stopped at the end."""
    workbench = Restartable(test_db_name, log_dir)
    workbench.start()
    try:
        yield workbench
    finally:
        workbench.stop()
