"""Scheduled rules' ScheduleExpression: ``rate(...)`` and ``cron(...)``, read as EventBridge reads
them, and the times a schedule falls due.

"Creating a rule that runs on a schedule in Amazon EventBridge" (EventBridge User Guide):
``rate(value unit)`` with a positive whole value and a unit of minute(s), hour(s) or day(s),
singular for 1 and plural otherwise; ``cron(minutes hours day-of-month month day-of-week
year)`` in UTC, one minute at the finest, where exactly one of day-of-month and day-of-week is
``?``; fields take ``,`` ``-`` ``*`` ``/``, day-of-month also ``L`` and ``W``, day-of-week
also ``L`` and ``#``; months JAN-DEC, days of the week SUN-SAT (1 is Sunday), years
1970-2199. Anything else is refused with AWS's one message, "Parameter ScheduleExpression is
not valid." (AWS-validated: LocalStack's tests/aws/services/events/test_events_schedule.py
records it for ``rate(10 seconds)``, ``rate(1 minutes)``, ``rate(10 minute)``,
``rate(10 MINUTES)``, ``rate( 10 minutes )``, ``rate(0 minutes)`` and the like).

A rate schedule first falls due one period after the rule was made; a cron schedule at each
minute its fields allow. Pure: the caller says what time it is.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

INVALID = "Parameter ScheduleExpression is not valid."
RATE = re.compile(r"^rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\(([^ ()]+(?: [^ ()]+){5})\)$")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
MONTHS = {name: i + 1 for i, name in enumerate(MONTH_NAMES)}
WEEKDAYS = {name: i + 1 for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
YEARS = (1970, 2199)


class ScheduleError(ValueError):
    """A ScheduleExpression EventBridge refuses; the message is AWS's."""

    def __init__(self) -> None:
        super().__init__(INVALID)


@dataclass(frozen=True)
class Rate:
    period: timedelta


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    days: frozenset[int] | None = None
    """Days of the month, None when the field is ``?``."""
    last_day: bool = False
    nearest_weekday: int | None = None
    weekdays: frozenset[int] | None = None
    """Days of the week, 1 (Sunday) to 7, None when the field is ``?``."""
    last_weekday: int | None = None
    nth_weekday: tuple[int, int] | None = None


Schedule = Rate | Cron


def parse(expression: str) -> Schedule:
    """The schedule an expression describes, or ScheduleError."""
    rate = RATE.match(expression)
    if rate is not None:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1 or (value == 1) != (not unit.endswith("s")):
            raise ScheduleError()
        return Rate(timedelta(seconds=value * UNIT_SECONDS[unit.rstrip("s")]))
    cron = CRON.match(expression)
    if cron is None:
        raise ScheduleError()
    minutes, hours, dom, month, dow, year = cron.group(1).split(" ")
    if (dom == "?") == (dow == "?"):
        raise ScheduleError()
    parsed = Cron(
        minutes=_field(minutes, 0, 59),
        hours=_field(hours, 0, 23),
        months=_field(month, 1, 12, MONTHS),
        years=_field(year, *YEARS),
    )
    if dom != "?":
        return _with_days(parsed, dom)
    return _with_weekdays(parsed, dow)


def _with_days(cron: Cron, text: str) -> Cron:
    if text == "L":
        return Cron(**{**cron.__dict__, "last_day": True})
    nearest = re.fullmatch(r"([0-9]{1,2})W", text)
    if nearest is not None:
        day = int(nearest.group(1))
        if not 1 <= day <= 31:
            raise ScheduleError()
        return Cron(**{**cron.__dict__, "nearest_weekday": day})
    return Cron(**{**cron.__dict__, "days": _field(text, 1, 31)})


def _with_weekdays(cron: Cron, text: str) -> Cron:
    last = re.fullmatch(r"([0-9]|[A-Z]{3})L", text)
    if last is not None:
        return Cron(**{**cron.__dict__, "last_weekday": _value(last.group(1), 1, 7, WEEKDAYS)})
    nth = re.fullmatch(r"([0-9]|[A-Z]{3})#([1-5])", text)
    if nth is not None:
        weekday = _value(nth.group(1), 1, 7, WEEKDAYS)
        return Cron(**{**cron.__dict__, "nth_weekday": (weekday, int(nth.group(2)))})
    if text == "L":
        return Cron(**{**cron.__dict__, "last_weekday": 7})
    return Cron(**{**cron.__dict__, "weekdays": _field(text, 1, 7, WEEKDAYS)})


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        if step_text and not step_text.isdigit():
            raise ScheduleError()
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ScheduleError()
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _value(first, low, high, names), _value(last, low, high, names)
        else:
            start = _value(base, low, high, names)
            end = high if step_text else start
        if end < start:
            raise ScheduleError()
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, low: int, high: int, names: dict[str, int] | None = None) -> int:
    if names is not None and text.upper() in names and text.isalpha():
        return names[text.upper()]
    if not text.isdigit():
        raise ScheduleError()
    value = int(text)
    if not low <= value <= high:
        raise ScheduleError()
    return value


def first_due(schedule: Schedule, made: datetime) -> datetime | None:
    """When a schedule made at ``made`` first falls due."""
    if isinstance(schedule, Rate):
        return made + schedule.period
    return following(schedule, made)


def following(schedule: Schedule, previous: datetime) -> datetime | None:
    """The first time after ``previous`` that the schedule falls due (None: never again)."""
    if isinstance(schedule, Rate):
        return previous + schedule.period
    moment = previous.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    day = moment.date()
    while day.year <= YEARS[1]:
        if day.year in schedule.years and day.month in schedule.months and _day_matches(schedule, day):
            start = (moment.hour, moment.minute) if day == moment.date() else (0, 0)
            for hour in sorted(h for h in schedule.hours if h >= start[0]):
                low = start[1] if hour == start[0] else 0
                minute = min((m for m in schedule.minutes if m >= low), default=None)
                if minute is not None:
                    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        day += timedelta(days=1)
    return None


def _day_matches(cron: Cron, day: date) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    weekday = day.isoweekday() % 7 + 1  # AWS: 1 is Sunday
    if cron.days is not None:
        return day.day in cron.days
    if cron.last_day:
        return day.day == last
    if cron.nearest_weekday is not None:
        return day.day == _nearest_weekday(day.year, day.month, min(cron.nearest_weekday, last), last)
    if cron.weekdays is not None:
        return weekday in cron.weekdays
    if cron.last_weekday is not None:
        return weekday == cron.last_weekday and day.day + 7 > last
    if cron.nth_weekday is not None:
        return weekday == cron.nth_weekday[0] and (day.day - 1) // 7 + 1 == cron.nth_weekday[1]
    return False


def _nearest_weekday(year: int, month: int, day: int, last: int) -> int:
    """The weekday (Monday to Friday) nearest ``day`` within its month (``W``)."""
    weekday = date(year, month, day).isoweekday()
    if weekday == 6:  # Saturday: the Friday before, or the Monday after on the 1st
        return day - 1 if day > 1 else day + 2
    if weekday == 7:  # Sunday: the Monday after, or the Friday before on the last day
        return day + 1 if day < last else day - 2
    return day
