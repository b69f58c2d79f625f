"""ScheduleExpression as EventBridge reads it: AWS's refusals word for word (the expressions AWS
refused in LocalStack's AWS-validated tests/aws/services/events/test_events_schedule.py, with
"Parameter ScheduleExpression is not valid."), the crons AWS accepted there and in the
EventBridge User Guide's examples, and when each falls due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.events.schedule import INVALID, Cron, Rate, ScheduleError, first_due, following, parse

T = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)  # a Tuesday


def at(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2030, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    [
        # Refused by AWS (recorded):
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
        # Against the User Guide's cron rules:
        "cron(0 10 * * * *)",  # neither day field is ?
        "cron(0 10 ? * ? *)",  # both are
        "cron(0 10 * * ?)",  # five fields
        "cron(60 10 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 10 32 * ? *)",
        "cron(0 10 ? 13 * *)",
        "cron(0 10 ? * 8 *)",
        "cron(0 10 * * ? 1969)",
        "cron(0 10 * * ? 2200)",
        "cron(0/0 * * * ? *)",
        "cron(0 10 ? * MON#6 *)",
        "cron(0 10 * * ? *",
        "daily",
    ],
)
def test_refused_as_aws_refuses(expression: str) -> None:
    with pytest.raises(ScheduleError) as refused:
        parse(expression)
    assert str(refused.value) == INVALID == "Parameter ScheduleExpression is not valid."


@pytest.mark.parametrize(
    "expression",
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
        "cron(0/30 20-23 ? * MON-FRI *)",
        "cron(0/30 0-2 ? * MON-FRI *)",
        "cron(0 9 L * ? *)",
        "cron(0 9 15W * ? *)",
        "cron(0 9 ? * 6L *)",
        "cron(0 9 ? * 3#2 *)",
        "cron(0 9 ? JAN,JUL MON 2030-2031)",
    ],
)
def test_accepted(expression: str) -> None:
    assert isinstance(parse(expression), Rate | Cron)


def test_a_rate_falls_due_one_period_after_the_rule_was_made_then_every_period() -> None:
    schedule = parse("rate(2 hours)")
    first = first_due(schedule, T)
    assert first == T + timedelta(hours=2)
    assert first is not None and following(schedule, first) == T + timedelta(hours=4)


@pytest.mark.parametrize(
    ("expression", "after", "due"),
    [
        ("cron(0 10 * * ? *)", T, datetime(2030, 1, 1, 10, 0, tzinfo=UTC)),
        (
            "cron(0 10 * * ? *)",
            datetime(2030, 1, 1, 10, 0, tzinfo=UTC),
            datetime(2030, 1, 2, 10, 0, tzinfo=UTC),
        ),
        (
            "cron(0/15 * * * ? *)",
            datetime(2030, 1, 1, 9, 7, 30, tzinfo=UTC),
            datetime(2030, 1, 1, 9, 15, tzinfo=UTC),
        ),
        ("cron(0 18 ? * SAT *)", T, datetime(2030, 1, 5, 18, 0, tzinfo=UTC)),  # 5 Jan 2030 is a Saturday
        ("cron(0 9 L * ? *)", T, datetime(2030, 1, 31, 9, 0, tzinfo=UTC)),
        ("cron(0 9 ? * 6L *)", T, datetime(2030, 1, 25, 9, 0, tzinfo=UTC)),  # the last Friday
        ("cron(0 9 ? * 3#2 *)", T, datetime(2030, 1, 8, 9, 0, tzinfo=UTC)),  # the second Tuesday
        ("cron(0 9 5W * ? *)", T, datetime(2030, 1, 4, 9, 0, tzinfo=UTC)),  # 5 Jan is a Saturday
        ("cron(0 8 1 * ? *)", T, datetime(2030, 2, 1, 8, 0, tzinfo=UTC)),
        ("cron(0 0 * * ? 2029)", T, None),
    ],
)
def test_a_cron_falls_due_at_the_next_minute_its_fields_allow(
    expression: str, after: datetime, due: datetime | None
) -> None:
    assert following(parse(expression), after) == due
