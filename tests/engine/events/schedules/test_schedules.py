"""Schedule expressions (engine.events.schedules): what AWS accepts and refuses, and next firings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.events.schedules import (
    At,
    Cron,
    Rate,
    ScheduleExpressionError,
    next_fire,
    parse_expression,
    parse_rule_expression,
    time_zone,
)

NOW = datetime(2026, 12, 2, 3, 59, 30, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    "text",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "cron(0 10 * * ? *)",
        "cron(15 12 * * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0 8 1 * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(0/10 * ? * MON-FRI *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 0 L * ? *)",
        "cron(0 0 3W * ? *)",
        "cron(0 0 ? * 6L *)",
        "cron(0,30 1,2 ? JAN-MAR,DEC SUN 2026-2030)",
        "cron(*/20 * * * ? 2199)",
        "cron(0/30 20-23 ? * MON-FRI *)",
        "cron(0/30 0-2 ? * MON-FRI *)",
        "cron(0 9 ? JAN,JUL MON 2030-2031)",
    ],
)
def test_rule_expressions_aws_accepts(text: str) -> None:
    assert isinstance(parse_rule_expression(text), Rate | Cron)


@pytest.mark.parametrize(
    "text",
    [
        # The refusals LocalStack recorded against AWS (test_events_schedule.py).
        "rate(10 seconds)",
        "rate(10 years)",
        "rate(1 minutes)",
        "rate(1 hours)",
        "rate(1 days)",
        "rate(10 minute)",
        "rate(10 hour)",
        "rate(10 day)",
        "rate()",
        "rate(10)",
        "rate(10 minutess)",
        "rate(foo minutes)",
        "rate(0 minutes)",
        "rate(-10 minutes)",
        "rate(10 MINUTES)",
        "rate( 10 minutes )",
        " rate(10 minutes)",
        # cron: the documented field rules.
        "cron()",
        "cron(0 10 * * *)",
        "cron(0 10 * * * *)",
        "cron(0 10 ? * ? *)",
        "cron(0 10 1 * MON *)",
        "cron(60 10 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 10 32 * ? *)",
        "cron(0 10 0 * ? *)",
        "cron(0 10 * 13 ? *)",
        "cron(0 10 ? * 8 *)",
        "cron(0 10 * * ? 1969)",
        "cron(0 10 * * ? 2200)",
        "cron(0 10 * FOO ? *)",
        "cron(0/0 10 * * ? *)",
        "cron(0  10 * * ? *)",
        "cron(0 10 3#2 * ? *)",
        "cron(0 10 ? * MON#6 *)",
        "cron(0 10 * * ? *",
        "daily",
        "at(2027-01-01T00:00:00)",
    ],
)
def test_rule_expressions_aws_refuses(text: str) -> None:
    with pytest.raises(ScheduleExpressionError):
        parse_rule_expression(text)


def test_scheduler_reads_at_and_refuses_impossible_dates() -> None:
    assert parse_expression("at(2027-01-01T09:30:00)") == At(datetime(2027, 1, 1, 9, 30))
    for text in ("at(2027-02-30T00:00:00)", "at(2027-01-01 00:00:00)", "at(2027-01-01T24:00:00)"):
        with pytest.raises(ScheduleExpressionError):
            parse_expression(text)


def test_rate_fires_every_period_from_its_anchor() -> None:
    anchor = datetime(2026, 12, 2, 3, 0, 10, tzinfo=UTC)
    rate = parse_expression("rate(5 minutes)")
    assert next_fire(rate, NOW, anchor=anchor) == datetime(2026, 12, 2, 4, 0, 10, tzinfo=UTC)
    due = datetime(2026, 12, 2, 4, 0, 10, tzinfo=UTC)
    assert next_fire(rate, due, anchor=anchor) == due + timedelta(minutes=5)
    assert next_fire(rate, NOW, anchor=NOW + timedelta(hours=1)) == NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cron(0 10 * * ? *)", datetime(2026, 12, 2, 10, 0, tzinfo=UTC)),
        ("cron(0/15 * * * ? *)", datetime(2026, 12, 2, 4, 0, tzinfo=UTC)),
        ("cron(59 3 * * ? *)", datetime(2026, 12, 3, 3, 59, tzinfo=UTC)),
        ("cron(0 18 ? * SAT *)", datetime(2026, 12, 5, 18, 0, tzinfo=UTC)),
        ("cron(0 8 1 * ? *)", datetime(2027, 1, 1, 8, 0, tzinfo=UTC)),
        ("cron(0 0 L * ? *)", datetime(2026, 12, 31, 0, 0, tzinfo=UTC)),
        ("cron(0 0 L 2 ? 2028)", datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
        ("cron(0 0 ? * 6#3 *)", datetime(2026, 12, 18, 0, 0, tzinfo=UTC)),
        ("cron(0 0 ? * 6L *)", datetime(2026, 12, 25, 0, 0, tzinfo=UTC)),
        ("cron(0 0 ? * L *)", datetime(2026, 12, 5, 0, 0, tzinfo=UTC)),
        ("cron(0 0 5W * ? *)", datetime(2026, 12, 4, 0, 0, tzinfo=UTC)),  # the 5th is a Saturday
        ("cron(0 0 1W 8 ? 2026-2027)", datetime(2027, 8, 2, 0, 0, tzinfo=UTC)),  # Sunday the 1st
        ("cron(30 22-2 * * ? *)", datetime(2026, 12, 2, 22, 30, tzinfo=UTC)),
        ("cron(0 12 * * ? 2030)", datetime(2030, 1, 1, 12, 0, tzinfo=UTC)),
        ("cron(0 12 * * ? 2020)", None),
    ],
)
def test_cron_next_fire(text: str, expected: datetime | None) -> None:
    assert next_fire(parse_expression(text), NOW) == expected


def test_a_cron_next_fire_is_strictly_after_the_moment_given() -> None:
    ten = datetime(2030, 1, 1, 10, 0, tzinfo=UTC)
    assert next_fire(parse_expression("cron(0 10 * * ? *)"), ten) == ten + timedelta(days=1)


def test_cron_in_a_time_zone_and_across_spring_forward() -> None:
    paris = time_zone("Europe/Paris")
    assert next_fire(parse_expression("cron(0 10 * * ? *)"), NOW, zone=paris) == datetime(
        2026, 12, 2, 9, 0, tzinfo=UTC
    )
    new_york = ZoneInfo("America/New_York")
    # 2:30 does not exist on 2027-03-14 in New York: that day is skipped.
    after = datetime(2027, 3, 13, 12, 0, tzinfo=UTC)
    assert next_fire(parse_expression("cron(30 2 * * ? *)"), after, zone=new_york) == datetime(
        2027, 3, 15, 6, 30, tzinfo=UTC
    )


def test_start_and_end_dates_bound_recurring_schedules() -> None:
    cron = parse_expression("cron(0 * * * ? *)")
    start = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
    assert next_fire(cron, NOW, start=start) == start
    assert next_fire(cron, NOW, end=datetime(2026, 12, 2, 3, 30, tzinfo=UTC)) is None
    assert next_fire(parse_expression("rate(1 hour)"), NOW, start=start) == start


def test_at_fires_once_in_its_zone() -> None:
    at = parse_expression("at(2026-12-24T18:00:00)")
    assert next_fire(at, NOW, zone=time_zone("Asia/Tokyo")) == datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
    assert next_fire(at, datetime(2026, 12, 25, tzinfo=UTC)) is None


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ScheduleExpressionError):
        time_zone("Mars/Olympus")
