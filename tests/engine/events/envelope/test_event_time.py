"""engine.events.event_time and the context object's times: spelled by ``isoformat`` where it
gives the same text as the ``strftime`` formats they are defined by (the envelope's
``2015-11-11T21:29:54Z``, "Amazon EventBridge events"; the context object's
``2024-01-02T03:04:05.678Z``, "Accessing the Context object", Step Functions Developer Guide),
and by ``strftime`` itself before the year 1000, where ``isoformat`` pads the year."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

from engine.events.event_time import EVENT_TIME_FORMAT, format_event_time
from engine.states.handlers.run import iso_timestamp


def _moments() -> list[datetime]:
    rng = random.Random(7)
    fixed = [
        datetime(2015, 11, 11, 21, 29, 54, 999_999),
        datetime(2024, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, 999_000),
        datetime(1, 1, 1, 0, 0, 0, 0),
        datetime(2026, 12, 6, 0, 30, 0, 500, tzinfo=timezone(timedelta(hours=2))),
    ]
    drawn = []
    for _ in range(2000):
        naive = datetime(
            rng.randrange(2, 9999), rng.randrange(1, 13), rng.randrange(1, 29),
            rng.randrange(24), rng.randrange(60), rng.randrange(60), rng.randrange(1_000_000),
        )  # fmt: skip
        drawn += [naive, naive.replace(tzinfo=timezone(timedelta(minutes=rng.randrange(-720, 721))))]
    return fixed + drawn


def test_the_envelopes_time_is_spelled_as_its_strftime_format() -> None:
    for moment in _moments():
        utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        assert format_event_time(moment) == utc.strftime(EVENT_TIME_FORMAT), moment


def test_the_context_objects_time_is_spelled_in_milliseconds_truncated() -> None:
    for moment in _moments():
        utc = moment.astimezone(UTC) if moment.tzinfo else moment
        expected = utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
        assert iso_timestamp(moment) == expected, moment
    assert iso_timestamp(datetime(2024, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)) == "2024-01-02T03:04:05.678Z"
    assert format_event_time(datetime(2015, 11, 11, 21, 29, 54, 999_999)) == "2015-11-11T21:29:54Z"
