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

ROOT = Path(__file__).resolve().parents[2]


def distributed() -> bool:
    """Distributed mode: a real broker is configured (CI's second run)."""
    return not os.environ.get("CELERY_BROKER_URL", "memory://").startswith("memory://")


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


@contextmanager
def served(test_db_name: str, log_dir: Path) -> Iterator[str]:
    """Start the workbench (and its worker in distributed mode); yield its base URL."""
    port = free_port()
    env = _env(test_db_name)
    processes: list[subprocess.Popen[bytes]] = []
    server_log = log_dir / "server.log"
    try:
        if distributed():
            worker_log = log_dir / "worker.log"
            processes.append(
                subprocess.Popen(
                    [
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
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=worker_log.open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )
        processes.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "serve", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=server_log.open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
        base = f"http://127.0.0.1:{port}"
        _wait_http(base + "/machines/", processes[-1], server_log)
        yield base
    finally:
        for process in reversed(processes):
            _stop(process)
