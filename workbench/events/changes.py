"""Which of a workspace's EventBridge lists (its archives, its schedules) a commit changed,
told after the commit to whoever shows them.

The Archives and Schedules pages update live (live.publish), but events may not import live
(the layers contract puts live above the resource apps), so live.publish registers itself here
(``tell_to``), as it does with sqs.changes. These are changes a person or a script makes
(CreateArchive, UpdateSchedule, a schedule group deleted...), so the browser shows an archive
made by aws-cli as it shows one made in the page; a few a second at most, one commit hook
each. A failing listener is logged, never raised: the change it reports is committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

ARCHIVES = "archives"
SCHEDULES = "schedules"

Tell = Callable[[int, str], None]
"""Told (workspace id, ``ARCHIVES`` or ``SCHEDULES``) after a commit that changed that list."""

log = logging.getLogger(__name__)
_tell: Tell | None = None


def tell_to(tell: Tell | None) -> None:
    """Tell ``tell`` after every commit that changed archives or schedules (None stops)."""
    global _tell
    _tell = tell


def changed(workspace_id: int, what: str) -> None:
    """The workspace's ``what`` (archives or schedules) changed in the current transaction."""
    tell = _tell
    if tell is not None:
        transaction.on_commit(lambda: _told(tell, workspace_id, what))


def _told(tell: Tell, workspace_id: int, what: str) -> None:
    try:
        tell(workspace_id, what)
    except Exception:
        log.exception("telling of changed %s failed", what)
