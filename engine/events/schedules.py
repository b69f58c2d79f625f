"""Schedule expressions: reading ``rate()``, ``cron()`` and ``at()`` and saying when they fire next.

EventBridge rules take ``rate(value unit)`` and ``cron(minutes hours day-of-month month
day-of-week year)`` ("Creating a rule that runs on a schedule", EventBridge User Guide,
eb-create-rule-schedule.html); EventBridge Scheduler also takes the one-time
``at(yyyy-mm-ddThh:mm:ss)``, read in the schedule's ScheduleExpressionTimezone, and bounds
recurring schedules by StartDate/EndDate ("Schedule types", Scheduler User Guide,
schedule-types.html). The rules of the syntax, as those pages state them:

- rate: a positive whole number and ``minute``/``hour``/``day`` for 1, ``minutes``/``hours``/
  ``days`` otherwise; nothing else (``rate(10 seconds)``, ``rate(1 minutes)`` and ``rate( 10
  minutes )`` are refused, as recorded AWS runs refuse them).
- cron: six fields; minutes 0-59, hours 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
  day-of-week 1-7 or SUN-SAT (1 is Sunday), year 1970-2199; ``,`` lists, ``-`` ranges, ``*``
  every value, ``/`` increments; ``?`` in exactly one of day-of-month and day-of-week (a value
  or ``*`` in one needs ``?`` in the other); ``L`` (last day of the month, or of the week, or
  ``5L`` the month's last Thursday), ``W`` (``3W`` the weekday nearest the 3rd) in
  day-of-month, ``#`` (``3#2`` the month's second Tuesday) in day-of-week.

A refused expression raises ``ScheduleExpressionError``. PutRule answers every refusal with
the one message AWS gives, ``Parameter ScheduleExpression is not valid.`` (RULE_INVALID).
Pure: "now" is always passed in; times are aware datetimes and answers are in UTC.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

RULE_INVALID = "Parameter ScheduleExpression is not valid."
YEAR_MIN = 1970
YEAR_MAX = 2199

_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((.*)\)")
_AT = re.compile(r"at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)")
_MONTHS = {name.upper(): index for index, name in enumerate(calendar.month_abbr) if name}
_DAYS = {name: index + 1 for index, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}


class ScheduleExpressionError(ValueError):
    """An expression AWS would refuse; ``reason`` says which part (for the browser)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Rate:
    """``rate(value unit)``: every ``seconds`` from an anchor (the rule's or schedule's start)."""

    value: int
    unit: str

    @property
    def seconds(self) -> int:
        return self.value * _UNITS[self.unit.rstrip("s")]


@dataclass(frozen=True)
class At:
    """``at(...)``: once, at ``moment`` (naive, wall time in the schedule's time zone)."""

    moment: datetime


@dataclass(frozen=True)
class DaySpec:
    """What a day-of-month or day-of-week field allows beyond plain values."""

    values: frozenset[int]
    any: bool = False  # ``?``
    last: bool = False  # ``L`` (day-of-month: last day)
    nearest_weekday: int | None = None  # ``nW``
    last_weekday_of: int | None = None  # ``nL`` in day-of-week
    nth: tuple[int, int] | None = None  # ``d#n`` in day-of-week


@dataclass(frozen=True)
class Cron:
    """``cron(...)``: the six fields, read."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: DaySpec
    months: frozenset[int]
    days_of_week: DaySpec
    years: frozenset[int]


Expression = Rate | Cron | At


def parse_rule_expression(text: str) -> Rate | Cron:
    """A PutRule ScheduleExpression, or ScheduleExpressionError (``at()`` is Scheduler's only)."""
    parsed = parse_expression(text)
    if isinstance(parsed, At):
        raise ScheduleExpressionError("Rules take rate() or cron(); at() is for EventBridge Scheduler.")
    return parsed


def parse_expression(text: str) -> Expression:
    """A Scheduler ScheduleExpression: ``at()``, ``rate()`` or ``cron()``."""
    if text.startswith("rate("):
        return _parse_rate(text)
    if text.startswith("cron("):
        return _parse_cron(text)
    if text.startswith("at("):
        return _parse_at(text)
    raise ScheduleExpressionError("An expression starts with rate(, cron( or at(.")


def _parse_rate(text: str) -> Rate:
    found = _RATE.fullmatch(text)
    if found is None:
        raise ScheduleExpressionError("A rate is rate(value unit), the unit minute(s), hour(s) or day(s).")
    value, unit = int(found.group(1)), found.group(2)
    if value <= 0:
        raise ScheduleExpressionError("A rate's value is a positive whole number.")
    if (value == 1) != (not unit.endswith("s")):
        raise ScheduleExpressionError("A rate of 1 takes a singular unit (1 minute); other values a plural.")
    return Rate(value, unit)


def _parse_at(text: str) -> At:
    found = _AT.fullmatch(text)
    if found is None:
        raise ScheduleExpressionError("A one-time schedule is at(yyyy-mm-ddThh:mm:ss).")
    try:
        year, month, day, hour, minute, second = (int(part) for part in found.groups())
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise ScheduleExpressionError("at() names a date and time that does not exist.") from None
    return At(moment)


def _parse_cron(text: str) -> Cron:
    found = _CRON.fullmatch(text)
    fields = found.group(1).split(" ") if found else []
    if len(fields) != 6:
        raise ScheduleExpressionError("A cron expression has six fields separated by single spaces.")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleExpressionError("Exactly one of day-of-month and day-of-week must be ?.")
    return Cron(
        minutes=_values(minute, 0, 59, {}, "minutes"),
        hours=_values(hour, 0, 23, {}, "hours"),
        days_of_month=_day_of_month(dom),
        months=_values(month, 1, 12, _MONTHS, "month"),
        days_of_week=_day_of_week(dow),
        years=_values(year, YEAR_MIN, YEAR_MAX, {}, "year"),
    )


def _number(token: str, low: int, high: int, names: dict[str, int], field: str) -> int:
    value = names.get(token.upper()) if names else None
    if value is None:
        if not token.isdigit():
            raise ScheduleExpressionError(f"{token!r} is not a value of the {field} field.")
        value = int(token)
    if not low <= value <= high:
        raise ScheduleExpressionError(f"The {field} field takes {low}-{high}; {token} is outside it.")
    return value


def _values(text: str, low: int, high: int, names: dict[str, int], field: str) -> frozenset[int]:
    """A field of values: ``*``, ``a``, ``a-b``, ``a/n``, ``*/n``, ``a-b/n``, joined by commas."""
    chosen: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleExpressionError(f"The increment in {part!r} is not a positive whole number.")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _number(first, low, high, names, field), _number(last, low, high, names, field)
        else:
            start = _number(base, low, high, names, field)
            end = high if step_text else start
        span = range(start, end + 1) if start <= end else [*range(start, high + 1), *range(low, end + 1)]
        chosen.update(list(span)[::step])
    return frozenset(chosen)


def _day_of_month(text: str) -> DaySpec:
    if text == "?":
        return DaySpec(frozenset(), any=True)
    if text == "L":
        return DaySpec(frozenset(), last=True)
    if text.endswith("W"):
        return DaySpec(frozenset(), nearest_weekday=_number(text[:-1], 1, 31, {}, "day-of-month"))
    return DaySpec(_values(text, 1, 31, {}, "day-of-month"))


def _day_of_week(text: str) -> DaySpec:
    if text == "?":
        return DaySpec(frozenset(), any=True)
    if text == "L":
        return DaySpec(frozenset({7}))
    if text.endswith("L"):
        return DaySpec(frozenset(), last_weekday_of=_number(text[:-1], 1, 7, _DAYS, "day-of-week"))
    if "#" in text:
        day, _, nth = text.partition("#")
        wanted = _number(day, 1, 7, _DAYS, "day-of-week")
        return DaySpec(frozenset(), nth=(wanted, _number(nth, 1, 5, {}, "#")))
    return DaySpec(_values(text, 1, 7, _DAYS, "day-of-week"))


def time_zone(name: str | None) -> tzinfo:
    """A ScheduleExpressionTimezone (an IANA name; UTC when none); ScheduleExpressionError otherwise."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleExpressionError(f"{name} is not a time zone.") from None


def next_fire(
    expression: Expression,
    after: datetime,
    *,
    anchor: datetime | None = None,
    zone: tzinfo = UTC,
    start: datetime | None = None,
    end: datetime | None = None,
) -> datetime | None:
    """The first firing strictly after ``after`` (aware, UTC answer), or None when none is left.

    A rate fires at ``anchor`` + k periods (anchor: StartDate, else when it was created);
    ``start``/``end`` bound recurring expressions as StartDate/EndDate do (an ``at()`` fires
    once, whatever they say, as Scheduler documents).
    """
    after = after.astimezone(UTC)
    if isinstance(expression, At):
        moment = _localize(expression.moment, zone)
        return moment if moment is not None and moment > after else None
    if start is not None and start.astimezone(UTC) > after:
        after = start.astimezone(UTC) - timedelta(microseconds=1)
    if isinstance(expression, Rate):
        base = (anchor or start or after).astimezone(UTC)
        period = timedelta(seconds=expression.seconds)
        if base > after:
            found: datetime | None = base
        else:
            found = base + period * ((after - base) // period + 1)
    else:
        found = _next_cron(expression, after, zone)
    if found is not None and end is not None and found > end.astimezone(UTC):
        return None
    return found


def _localize(wall: datetime, zone: tzinfo) -> datetime | None:
    """``wall`` in ``zone`` as UTC; None for a wall time the zone skips (spring forward)."""
    moment = wall.replace(tzinfo=zone)
    back = moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return moment.astimezone(UTC) if back == wall else None


def _next_cron(cron: Cron, after: datetime, zone: tzinfo) -> datetime | None:
    """Walk the calendar day by day (skipping years and months the expression excludes)."""
    local = after.astimezone(zone).replace(tzinfo=None)
    day = local.date()
    while day.year <= YEAR_MAX:
        if day.year not in cron.years:
            day = date(day.year + 1, 1, 1)
            continue
        if day.month not in cron.months:
            day = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
            continue
        if _day_matches(cron, day):
            for hour in sorted(cron.hours):
                for minute in sorted(cron.minutes):
                    wall = datetime(day.year, day.month, day.day, hour, minute)
                    moment = _localize(wall, zone)
                    if moment is not None and moment > after:
                        return moment
        day += timedelta(days=1)
    return None


def _day_matches(cron: Cron, day: date) -> bool:
    if cron.days_of_month.any:
        return _weekday_matches(cron.days_of_week, day)
    return _month_day_matches(cron.days_of_month, day)


def _month_day_matches(spec: DaySpec, day: date) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    if spec.last:
        return day.day == last
    if spec.nearest_weekday is not None:
        target = date(day.year, day.month, min(spec.nearest_weekday, last))
        if target.weekday() == 5:  # Saturday: the Friday before, unless that leaves the month
            target = target - timedelta(days=1) if target.day > 1 else target + timedelta(days=2)
        elif target.weekday() == 6:  # Sunday: the Monday after, unless that leaves the month
            target = target + timedelta(days=1) if target.day < last else target - timedelta(days=2)
        return day == target
    return day.day in spec.values


def _weekday_matches(spec: DaySpec, day: date) -> bool:
    weekday = (day.weekday() + 1) % 7 + 1  # Python: Monday 0; cron: Sunday 1
    if spec.last_weekday_of is not None:
        last = calendar.monthrange(day.year, day.month)[1]
        return weekday == spec.last_weekday_of and day.day + 7 > last
    if spec.nth is not None:
        wanted, nth = spec.nth
        return weekday == wanted and (day.day - 1) // 7 + 1 == nth
    return weekday in spec.values
