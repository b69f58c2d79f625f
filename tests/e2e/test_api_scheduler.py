"""Schedules through boto3 against the served workbench: the ``scheduler`` client's
operations and errors (EventBridge Scheduler API Reference), and firings made due by moving
their durable timer (no real minute is waited): a rate(1 minute) rule's "Scheduled Event"
(EventBridge User Guide, "Creating a rule that runs on a schedule") and a one-time at()
schedule deleted after it ran (ActionAfterCompletion DELETE)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.utils import timezone

from tests.conftest import wait_for
from workbench.accounts.services import default_workspace
from workbench.core.arns import function_arn
from workbench.events.models import Rule, Schedule
from workbench.functions import services as functions
from workbench.functions.models import Invocation

pytestmark = pytest.mark.live

ROLE = "arn:aws:iam::123456789012:role/scheduler"
OFF = {"Mode": "OFF"}


def _function(name: str) -> str:
    ws = default_workspace()
    functions.save_mock(ws, name, [{"output": 1}])
    return function_arn(ws.region, ws.account_id, name)


def _payloads(name: str) -> list[Any]:
    return list(Invocation.objects.filter(function__name=name).values_list("payload", flat=True))


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    return str(exc.value.response["Error"]["Code"]), int(
        exc.value.response["ResponseMetadata"]["HTTPStatusCode"]
    )


def test_schedules_and_groups_through_the_scheduler_client(aws: Any) -> None:
    scheduler = aws("scheduler")
    target = {"Arn": _function("nightly"), "RoleArn": ROLE, "Input": '{"job": "report"}'}
    group_arn = scheduler.create_schedule_group(Name="reports", Tags=[{"Key": "team", "Value": "ops"}])[
        "ScheduleGroupArn"
    ]
    assert group_arn == "arn:aws:scheduler:us-east-1:123456789012:schedule-group/reports"
    scheduler.tag_resource(
        ResourceArn=group_arn, Tags=[{"Key": "cost", "Value": "1"}, {"Key": "team", "Value": "dev"}]
    )
    scheduler.untag_resource(ResourceArn=group_arn, TagKeys=["cost"])
    assert scheduler.list_tags_for_resource(ResourceArn=group_arn)["Tags"] == [
        {"Key": "team", "Value": "dev"}
    ]
    assert scheduler.get_schedule_group(Name="reports")["State"] == "ACTIVE"
    arn = scheduler.create_schedule(
        Name="nightly",
        GroupName="reports",
        ScheduleExpression="cron(0 2 * * ? *)",
        ScheduleExpressionTimezone="Europe/Paris",
        FlexibleTimeWindow=OFF,
        Target=target,
    )["ScheduleArn"]
    assert arn == "arn:aws:scheduler:us-east-1:123456789012:schedule/reports/nightly"
    scheduler.create_schedule(
        Name="hourly", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF, Target=target
    )
    got = scheduler.get_schedule(Name="nightly", GroupName="reports")
    assert (got["ScheduleExpression"], got["ScheduleExpressionTimezone"], got["State"]) == (
        "cron(0 2 * * ? *)",
        "Europe/Paris",
        "ENABLED",
    )
    assert got["Target"]["Input"] == '{"job": "report"}'
    # Left out, AWS's defaults are shown (a recorded GetSchedule; Scheduler API Reference,
    # RetryPolicy), and a member given keeps the other's default.
    assert got["Target"]["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
    assert (got["ActionAfterCompletion"], scheduler.get_schedule(Name="hourly")["GroupName"]) == (
        "NONE",
        "default",
    )
    first = scheduler.list_schedules(MaxResults=1)
    second = scheduler.list_schedules(MaxResults=1, NextToken=first["NextToken"])
    assert [s["Name"] for s in first["Schedules"] + second["Schedules"]] == ["hourly", "nightly"]
    assert [s["Name"] for s in scheduler.list_schedules(GroupName="reports")["Schedules"]] == ["nightly"]
    scheduler.update_schedule(
        Name="hourly",
        ScheduleExpression="rate(2 hours)",
        FlexibleTimeWindow=OFF,
        Target=target,
        State="DISABLED",
    )
    assert scheduler.get_schedule(Name="hourly")["State"] == "DISABLED"
    scheduler.update_schedule(
        Name="hourly",
        ScheduleExpression="rate(2 hours)",
        FlexibleTimeWindow=OFF,
        Target={**target, "RetryPolicy": {"MaximumRetryAttempts": 3}},
        State="DISABLED",
    )
    assert scheduler.get_schedule(Name="hourly")["Target"]["RetryPolicy"] == {
        "MaximumEventAgeInSeconds": 86400,
        "MaximumRetryAttempts": 3,
    }
    assert [s["Name"] for s in scheduler.list_schedules(State="DISABLED")["Schedules"]] == ["hourly"]
    assert {g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"]} == {"default", "reports"}

    with pytest.raises(ClientError) as exc:
        scheduler.create_schedule(
            Name="hourly", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF, Target=target
        )
    assert _error(exc) == ("ConflictException", 409)
    with pytest.raises(ClientError) as exc:
        scheduler.create_schedule(
            Name="bad", ScheduleExpression="rate(1 hours)", FlexibleTimeWindow=OFF, Target=target
        )
    assert _error(exc) == ("ValidationException", 400)
    assert not Schedule.objects.filter(name="bad").exists()
    with pytest.raises(ClientError) as exc:
        scheduler.get_schedule(Name="nope")
    assert _error(exc) == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as exc:
        scheduler.create_schedule(
            Name="x",
            ScheduleExpression="rate(1 hour)",
            FlexibleTimeWindow={"Mode": "FLEXIBLE"},
            Target=target,
        )
    assert _error(exc) == ("ValidationException", 400)

    scheduler.delete_schedule_group(Name="reports")
    with pytest.raises(ClientError) as exc:
        scheduler.get_schedule(Name="nightly", GroupName="reports")
    assert _error(exc) == ("ResourceNotFoundException", 404)
    scheduler.delete_schedule(Name="hourly")
    assert scheduler.list_schedules()["Schedules"] == []


def test_a_rate_rule_fires_its_scheduled_event_when_its_timer_is_due(aws: Any) -> None:
    events = aws("events")
    rule_arn = events.put_rule(Name="every-minute", ScheduleExpression="rate(1 minute)")["RuleArn"]
    events.put_targets(Rule="every-minute", Targets=[{"Id": "fn", "Arn": _function("ticker")}])
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="bad", ScheduleExpression="cron(0 10 * * * *)")
    assert exc.value.response["Error"]["Message"] == "Parameter ScheduleExpression is not valid."
    armed = wait_for(
        lambda: Rule.objects.filter(name="every-minute").values_list("next_fire_at", flat=True)[0]
    )
    assert armed > timezone.now()
    # Make the timer due now, as if the minute had passed with its message lost.
    Rule.objects.filter(name="every-minute").update(
        next_fire_at=timezone.now() - timedelta(seconds=1), fire_armed=False
    )
    [payload] = wait_for(lambda: _payloads("ticker"))
    event = json.loads(payload) if isinstance(payload, str) else payload
    assert (event["source"], event["detail-type"], event["resources"], event["detail"]) == (
        "aws.events",
        "Scheduled Event",
        [rule_arn],
        {},
    )
    assert wait_for(lambda: Rule.objects.get(name="every-minute").next_fire_at > timezone.now())
    assert len(_payloads("ticker")) == 1


def test_a_one_time_schedule_runs_once_and_deletes_itself(aws: Any) -> None:
    scheduler = aws("scheduler")
    later = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    scheduler.create_schedule(
        Name="once",
        ScheduleExpression=f"at({later})",
        FlexibleTimeWindow=OFF,
        ActionAfterCompletion="DELETE",
        Target={"Arn": _function("once"), "RoleArn": ROLE, "Input": '{"hello": "world"}'},
    )
    assert wait_for(lambda: Schedule.objects.filter(name="once", next_fire_at__isnull=False).exists())
    moved = timezone.now() - timedelta(seconds=1)
    Schedule.objects.filter(name="once").update(next_fire_at=moved, fire_armed=False)
    [payload] = wait_for(lambda: _payloads("once"))
    assert (json.loads(payload) if isinstance(payload, str) else payload) == {"hello": "world"}
    wait_for(lambda: not Schedule.objects.filter(name="once").exists())
    with pytest.raises(ClientError) as exc:
        scheduler.get_schedule(Name="once")
    assert _error(exc) == ("ResourceNotFoundException", 404)
