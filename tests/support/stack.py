"""The served workbench for tests: the same `manage.py serve` that `make run` starts, in a
subprocess, plus (in distributed mode) a separate `celery -A workbench worker` process.

Both open the test database pytest-django created, so tests can look at what they stored.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


WORKER_COMMAND = [
    sys.executable,
    "-m",
    "celery",
    "-A",
    "workbench",
    "worker",
    "--pool=threads",
    "--concurrency=4",
    "--loglevel=WARNING",
    "--without-gossip",
    "--without-mingle",
]
"""The separate worker of distributed mode, as CI and the README start it."""


def distributed() -> bool:
    """Distributed mode: a real broker is configured (CI's second run)."""
    return not os.environ.get("CELERY_BROKER_URL", "memory://").startswith("memory://")


def session_db_name(django_db_blocker: Any) -> str:
    """The database pytest-django made for this session: the one served stacks must open."""
    with django_db_blocker.unblock():
        return str(connection.settings_dict["NAME"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(test_db_name: str) -> dict[str, str]:
    env = dict(os.environ)
    env["STEPBRIDGE_TEST_DB_NAME"] = test_db_name
    env["DJANGO_SETTINGS_MODULE"] = "workbench.settings"
    env.setdefault("STEPBRIDGE_LOG_LEVEL", "WARNING")
    return env


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url} within {timeout}s:\n{log.read_text()[-4000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Stack:
    """The served workbench's processes, which a crash test may SIGKILL and start again: the
    server (`manage.py serve`, with its embedded worker in embedded mode) and, in distributed
    mode, ``workers`` separate Celery workers. The server keeps its port across restarts."""

    def __init__(
        self, test_db_name: str, log_dir: Path, workers: int = 1, env: dict[str, str] | None = None
    ) -> None:
        self.env = {**_env(test_db_name), **(env or {})}
        self.log_dir = log_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.worker_count = workers
        self._starts = 0

    def _log(self, name: str) -> Path:
        self._starts += 1
        return self.log_dir / f"{name}-{self._starts}.log"

    def start_worker(self) -> None:
        log = self._log("worker")
        process = subprocess.Popen(
            WORKER_COMMAND,
            cwd=ROOT,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.workers.append(process)

    def start_server(self) -> None:
        log = self._log("server")
        self.server = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        _wait_http(self.base + "/machines/", self.server, log)

    def start(self) -> None:
        if distributed():
            for _ in range(self.worker_count):
                self.start_worker()
        self.start_server()

    def kill_worker(self) -> None:
        """SIGKILL the oldest worker: no shutdown, no acknowledgements, as when a machine dies."""
        if self.workers:
            killed = self.workers.pop(0)
            killed.kill()
            killed.wait()

    def kill_server(self) -> None:
        if self.server is not None:
            self.server.kill()
            self.server.wait()

    def stop(self) -> None:
        for process in [self.server, *self.workers]:
            if process is not None:
                _stop(process)


@contextmanager
def stack(
    test_db_name: str, log_dir: Path, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """A started Stack (``env`` added to its processes' environment), stopped at the end
    whatever happened to it."""
    running = Stack(test_db_name, log_dir, workers, env)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@contextmanager
def served(test_db_name: str, log_dir: Path) -> Iterator[str]:
    """Start the workbench (and its worker in distributed mode); yield its base URL."""
    with stack(test_db_name, log_dir) as running:
        yield running.base


def aws_client(base: str, service: str) -> Any:
    """A boto3 client for the served workbench, configured as the README tells users to; its own
    session, so threads may each make one (boto3's default session is not safe to share so)."""
    return boto3.session.Session().client(
        service,
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
    )
