"""Waking GetActivityTask's long polls in this process when an activity task is scheduled.

The step that schedules an activity task (durable executor, workbench.runtime.commands) calls
``scheduled`` once its transaction committed; waiting polls (workbench.runtime.activities) look
again at once instead of at their next periodic look. A task scheduled by another process (a
Celery worker in distributed mode) is found by that periodic look: the database is the truth.
This module holds no database state and imports nothing of the runtime, so both sides use it
(core.wake_ups).
"""

from __future__ import annotations

from workbench.core.wake_ups import WakeUps

_scheduled = WakeUps()
scheduled = _scheduled.announce
"""An activity task became available (call after its step committed)."""
generation = _scheduled.generation
wait_after = _scheduled.wait_after
also_tell = _scheduled.also_tell


def is_activity(resource: str) -> bool:
    """Whether a Task's Resource is an activity ARN (``arn:aws:states:<region>:<account>:activity:x``)."""
    return resource.startswith("arn:") and ":activity:" in resource
