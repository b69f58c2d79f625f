"""Event timestamps: what PutEvents accepts as ``Time`` and how the envelope spells ``time``.

boto3 sends ``Time`` as epoch seconds (the events API speaks JSON 1.1, whose timestamps are
numbers); other clients send RFC 3339 text; Python callers may hand over a ``datetime``.
The envelope always carries whole-second UTC in the form ``2015-11-11T21:29:54Z``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

EVENT_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class EventTimeError(ValueError):
    """A ``Time`` value that cannot be read as a point in time."""


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_event_time(moment: datetime) -> str:
    """Spell ``moment`` as the envelope does: whole seconds, UTC, ``Z`` suffix (isoformat where
    it spells the same: a third of strftime's cost, once per event)."""
    utc = as_utc(moment)
    if utc.year < 1000:
        return utc.strftime(EVENT_TIME_FORMAT)
    return utc.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def parse_event_time(value: object) -> datetime:
    """Read a PutEvents ``Time``: a datetime, epoch seconds (int/float/numeric text) or ISO 8601 text."""
    if isinstance(value, bool):
        raise EventTimeError(f"Time must be a timestamp, not the boolean {value!r}.")
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, int | float):
        return _from_epoch_seconds(float(value))
    if isinstance(value, str):
        return _from_text(value)
    raise EventTimeError(f"Time must be a timestamp, not a {type(value).__name__}.")


def _from_epoch_seconds(seconds: float) -> datetime:
    if not math.isfinite(seconds):
        raise EventTimeError(f"Time {seconds!r} is not a finite number of epoch seconds.")
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise EventTimeError(f"Time {seconds!r} is outside the range of representable dates.") from error


def _from_text(text: str) -> datetime:
    stripped = text.strip()
    try:
        seconds = float(stripped)
    except ValueError:
        pass
    else:
        return _from_epoch_seconds(seconds)
    try:
        return as_utc(datetime.fromisoformat(stripped))
    except ValueError as error:
        raise EventTimeError(
            f"Time '{text}' is neither epoch seconds nor an ISO 8601 timestamp such as 2015-11-11T21:29:54Z."
        ) from error
