"""The application of one `manage.py serve` child process, when distributed mode serves from
several (uvicorn's supervisor spawns them and calls ``make_application`` in each).

A child must not outlive its parent: a supervisor killed without notice (SIGKILL, the OOM
killer, a crash test) would otherwise leave children answering on its port with nobody to
stop them. On Linux the kernel kills a child whose parent dies (``PR_SET_PDEATHSIG``,
prctl(2)); elsewhere a thread watches the parent's pid. What is loaded at import lives as
long as the process, so it is frozen out of the garbage collector's full passes, as the
single-process server does.
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import sys
import threading
import time

from workbench.asgi import application

PARENT_ENV = "STEPBRIDGE_SERVE_PARENT"  # the supervisor's pid, set by `serve` before it spawns
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _parent_gone(parent: int) -> bool:
    return os.getppid() != parent


def _watch(parent: int) -> None:
    while not _parent_gone(parent):
        time.sleep(0.5)
    os._exit(1)


def die_with_parent() -> None:
    """End this process when the supervisor that spawned it ends, however it ends."""
    parent = int(os.environ.get(PARENT_ENV, "0"))
    if not parent:
        return
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if _parent_gone(parent):  # it died before prctl took effect
            os._exit(1)
        return
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()


def make_application() -> object:
    """uvicorn's factory, called once in each child before it serves."""
    die_with_parent()
    gc.freeze()
    return application
