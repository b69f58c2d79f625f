"""A distributed `serve` answers from child processes that end with their parent, however it
ends (workbench.server.child); embedded mode refuses to serve from more than one process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from workbench.server.child import PARENT_ENV

ROOT = Path(__file__).resolve().parents[3]

PARENT = textwrap.dedent(
    f"""
    import os, subprocess, sys, time
    os.environ[{PARENT_ENV!r}] = str(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", (
        "from workbench.server.child import die_with_parent; die_with_parent(); "
        "print('ready', flush=True); import time; time.sleep(60)"
    )])
    print(child.pid, flush=True)
    time.sleep(60)
    """
)


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for a reaper (a container's init may never reap)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_child_dies_with_its_parent_when_the_parent_is_killed() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "workbench.settings"}
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert parent.stdout.readline().strip() == "ready"  # die_with_parent has run
        assert _alive(child)
        os.kill(parent.pid, signal.SIGKILL)  # no clean-up, as a crash or the OOM killer
        parent.wait(5)
        deadline = time.monotonic() + 5
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        parent.kill()


def test_embedded_mode_refuses_more_than_one_process(settings: Any) -> None:
    settings.STEPBRIDGE_EMBEDDED_WORKER = True
    with pytest.raises(CommandError, match="embedded mode serves from one process"):
        call_command("serve", processes=2)
