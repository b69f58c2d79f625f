"""Archives, replays and delivery retries through boto3 against the served workbench.

AWS behaviour followed: CreateArchive / DescribeArchive (EventCount, SizeBytes, State),
StartReplay with Destination.FilterArns ("a list of ARNs for rules to replay events to"),
replayed events carrying ``replay-name`` (EventBridge User Guide, "Replaying archived
events"), DescribeReplay's states up to COMPLETED, CancelReplay's IllegalStatusException, and
retries with exponential back-off ("How EventBridge retries delivering events").
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import wait_for
from tests.support.events import PATTERN, entry
from workbench.accounts.services import default_workspace
from workbench.core.arns import function_arn
from workbench.functions import services as functions
from workbench.functions.models import Invocation

pytestmark = pytest.mark.live


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _function(name: str, outcomes: list[dict[str, Any]]) -> str:
    ws = default_workspace()
    functions.save_mock(ws, name, outcomes)
    return function_arn(ws.region, ws.account_id, name)


def _payloads(name: str) -> list[Any]:
    return list(Invocation.objects.filter(function__name=name, error="").values_list("payload", flat=True))


def test_archive_replay_to_the_rules_named_and_errors(aws: Any) -> None:
    events = aws("events")
    bus_arn = events.describe_event_bus()["Arn"]
    rule_arns = {}
    for name in ("named", "other"):
        rule_arns[name] = events.put_rule(Name=name, EventPattern=json.dumps(PATTERN))["RuleArn"]
        events.put_targets(Rule=name, Targets=[{"Id": "fn", "Arn": _function(name, [{"output": 1}])}])
    archive_arn = events.create_archive(ArchiveName="orders", EventSourceArn=bus_arn)["ArchiveArn"]
    with pytest.raises(ClientError) as exc:
        events.create_archive(ArchiveName="orders", EventSourceArn=bus_arn)
    assert _code(exc) == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as exc:
        events.create_archive(ArchiveName="bad", EventSourceArn=bus_arn, EventPattern='{"source": "x"}')
    assert _code(exc) == "InvalidEventPatternException"
    started = datetime.now(UTC) - timedelta(minutes=1)
    put = events.put_events(Entries=[entry(n=n) for n in range(3)])
    assert put["FailedEntryCount"] == 0
    described = events.describe_archive(ArchiveName="orders")
    assert (described["ArchiveArn"], described["State"], described["EventCount"]) == (
        archive_arn,
        "ENABLED",
        3,
    )
    assert described["SizeBytes"] > 0
    assert [a["ArchiveName"] for a in events.list_archives()["Archives"]] == ["orders"]
    wait_for(lambda: len(_payloads("named")) == 3 and len(_payloads("other")) == 3, timeout=90)
    time.sleep(1.1)  # event times are whole seconds: the window must end after them
    ended = datetime.now(UTC)

    events.start_replay(
        ReplayName="again",
        EventSourceArn=archive_arn,
        EventStartTime=started,
        EventEndTime=ended,
        Destination={"Arn": bus_arn, "FilterArns": [rule_arns["named"]]},
    )
    done = wait_for(
        lambda: (r := events.describe_replay(ReplayName="again"))["State"] == "COMPLETED" and r, timeout=90
    )
    assert done["Destination"] == {"Arn": bus_arn, "FilterArns": [rule_arns["named"]]}
    assert done["EventLastReplayedTime"] >= started.replace(microsecond=0)
    wait_for(lambda: len(_payloads("named")) == 6, timeout=90)
    replayed = [p for p in _payloads("named") if "replay-name" in p]
    assert sorted(p["detail"]["n"] for p in replayed) == [0, 1, 2]
    assert {p["replay-name"] for p in replayed} == {"again"}
    time.sleep(1)  # the other rule would have had them by now
    assert len(_payloads("other")) == 3
    assert events.describe_archive(ArchiveName="orders")["EventCount"] == 3
    assert [r["State"] for r in events.list_replays()["Replays"]] == ["COMPLETED"]

    with pytest.raises(ClientError) as exc:
        events.cancel_replay(ReplayName="again")
    assert _code(exc) == "IllegalStatusException"
    with pytest.raises(ClientError) as exc:
        events.start_replay(
            ReplayName="future",
            EventSourceArn=archive_arn,
            EventStartTime=started,
            EventEndTime=datetime.now(UTC) + timedelta(hours=1),
            Destination={"Arn": bus_arn},
        )
    assert _code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        events.describe_replay(ReplayName="nope")
    assert _code(exc) == "ResourceNotFoundException"
    events.delete_archive(ArchiveName="orders")
    with pytest.raises(ClientError) as exc:
        events.describe_archive(ArchiveName="orders")
    assert _code(exc) == "ResourceNotFoundException"


def test_a_target_that_fails_five_times_gets_its_event_after_retries(aws: Any) -> None:
    events = aws("events")
    events.put_rule(Name="flaky", EventPattern=json.dumps(PATTERN))
    arn = _function("flaky", [{"error": "Boom", "cause": "down"}] * 5 + [{"output": "ok"}])
    events.put_targets(
        Rule="flaky", Targets=[{"Id": "fn", "Arn": arn, "RetryPolicy": {"MaximumRetryAttempts": 5}}]
    )
    [result] = events.put_events(Entries=[entry(n=7)])["Entries"]
    # Back-off from 1 s doubling, with jitter: five retries take at most 1+2+4+8+16 s.
    wait_for(lambda: _payloads("flaky"), timeout=90, interval=0.5)
    calls = list(
        Invocation.objects.filter(function__name="flaky").order_by("id").values_list("attempt", "error")
    )
    assert calls == [(n, "Boom") for n in range(1, 6)] + [(6, "")]
    assert _payloads("flaky")[0]["id"] == result["EventId"]


def test_a_target_that_always_fails_ends_in_its_dead_letter_queue_with_the_attributes(aws: Any) -> None:
    """Dead-letter message attributes: "Using dead-letter queues to process undelivered events
    in EventBridge" (ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS,
    RULE_ARN, TARGET_ARN). The bus's own DeadLetterConfig takes no target's failure: AWS sends
    it only events that fail on the bus with an encryption error ("Using dead-letter queues to
    capture encrypted event errors")."""
    events, sqs = aws("events"), aws("sqs")
    url = sqs.create_queue(QueueName="target-dlq")["QueueUrl"]
    dlq = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus_url = sqs.create_queue(QueueName="bus-dlq")["QueueUrl"]
    bus_dlq = sqs.get_queue_attributes(QueueUrl=bus_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.create_event_bus(Name="orders", DeadLetterConfig={"Arn": bus_dlq})
    assert events.describe_event_bus(Name="orders")["DeadLetterConfig"] == {"Arn": bus_dlq}
    rule_arn = events.put_rule(Name="doomed", EventBusName="orders", EventPattern=json.dumps(PATTERN))[
        "RuleArn"
    ]
    target_arn = _function("doomed", [{"error": "Boom", "cause": "always"}])
    events.put_targets(
        Rule="doomed",
        EventBusName="orders",
        Targets=[
            {
                "Id": "fn",
                "Arn": target_arn,
                "RetryPolicy": {"MaximumRetryAttempts": 1},
                "DeadLetterConfig": {"Arn": dlq},
            }
        ],
    )
    [result] = events.put_events(Entries=[{**entry(n=1), "EventBusName": "orders"}])["Entries"]

    def received() -> Any:
        return sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=1).get(
            "Messages"
        )

    [message] = wait_for(received, timeout=60, interval=0.2)
    assert json.loads(message["Body"])["id"] == result["EventId"]
    attributes = {key: value["StringValue"] for key, value in message["MessageAttributes"].items()}
    assert attributes == {
        "ERROR_CODE": "Boom",
        "ERROR_MESSAGE": "always",
        "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
        "RETRY_ATTEMPTS": "1",
        "RULE_ARN": rule_arn,
        "TARGET_ARN": target_arn,
    }
    assert "Messages" not in sqs.receive_message(QueueUrl=bus_url, WaitTimeSeconds=0)
    events.update_event_bus(Name="orders", DeadLetterConfig={})
    assert "DeadLetterConfig" not in events.describe_event_bus(Name="orders")


def test_an_archive_has_a_managed_rule_that_only_its_archive_changes(aws: Any) -> None:
    """The rule ``Events-Archive-<name>`` as a recorded AWS run shows it (ListRules,
    DescribeRule, ListTargetsByRule after CreateArchive, us-east-1; the refusals'
    ManagedRuleException messages; UpdateArchive rewriting its pattern; RemoveTargets with
    Force disabling the archive and UpdateArchive putting it back; DeleteArchive removing it)."""
    events = aws("events")
    bus = events.create_event_bus(Name="shop")
    events.put_rule(Name="Events-Archive-taken", EventPattern=json.dumps(PATTERN), EventBusName="shop")
    with pytest.raises(ClientError) as exc:
        events.create_archive(ArchiveName="taken", EventSourceArn=bus["EventBusArn"])
    assert exc.value.response["Error"]["Message"] == (
        "A rule with the pattern 'Events-Archive-taken' already exists. Please choose a different "
        "archive name or delete your rule, then, try again."
    )
    events.create_archive(ArchiveName="orders", EventSourceArn=bus["EventBusArn"])
    listed = [
        rule
        for rule in events.list_rules(EventBusName="shop")["Rules"]
        if rule["Name"] != "Events-Archive-taken"
    ]
    assert listed == [
        {
            "Name": "Events-Archive-orders",
            "Arn": "arn:aws:events:us-east-1:123456789012:rule/shop/Events-Archive-orders",
            "EventPattern": '{"replay-name":[{"exists":false}]}',
            "State": "ENABLED",
            "ManagedBy": "prod.vhs.events.aws.internal",
            "EventBusName": "shop",
        }
    ]
    [target] = events.list_targets_by_rule(Rule="Events-Archive-orders", EventBusName="shop")["Targets"]
    assert (target["Id"], target["Arn"]) == ("Events-Archive-orders", "arn:aws:events:us-east-1:::")
    assert '"event": <aws.events.event.json>' in target["InputTransformer"]["InputTemplate"]

    managed = "Events-Archive-orders is a managed rule."
    refusals = [
        lambda: events.put_rule(
            Name="Events-Archive-orders", EventPattern=json.dumps(PATTERN), EventBusName="shop"
        ),
        lambda: events.disable_rule(Name="Events-Archive-orders", EventBusName="shop"),
        lambda: events.enable_rule(Name="Events-Archive-orders", EventBusName="shop"),
        lambda: events.put_targets(
            Rule="Events-Archive-orders",
            EventBusName="shop",
            Targets=[{"Id": "q", "Arn": _function("f", [{"output": 1}])}],
        ),
    ]
    for refused in refusals:
        with pytest.raises(ClientError) as exc:
            refused()
        assert (_code(exc), exc.value.response["Error"]["Message"]) == ("ManagedRuleException", managed)
    for refused in (
        lambda: events.delete_rule(Name="Events-Archive-orders", EventBusName="shop"),
        lambda: events.remove_targets(
            Rule="Events-Archive-orders", EventBusName="shop", Ids=["Events-Archive-orders"]
        ),
    ):
        with pytest.raises(ClientError) as exc:
            refused()
        assert (
            exc.value.response["Error"]["Message"]
            == managed[:-1] + ". Set 'force' parameter to true to override."
        )

    events.update_archive(ArchiveName="orders", EventPattern='{ "source" : [ "shop" ] }')
    rule = events.describe_rule(Name="Events-Archive-orders", EventBusName="shop")
    assert rule["EventPattern"] == '{"replay-name":[{"exists":false}],"source":["shop"]}'
    assert events.describe_archive(ArchiveName="orders")["EventPattern"] == '{ "source" : [ "shop" ] }'

    events.remove_targets(
        Rule="Events-Archive-orders", EventBusName="shop", Ids=["Events-Archive-orders"], Force=True
    )
    described = events.describe_archive(ArchiveName="orders")
    assert (described["State"], described["StateReason"]) == (
        "DISABLED",
        "Managed rule for the archive was forcefully deleted.",
    )
    events.put_events(Entries=[{**entry(n=1), "EventBusName": "shop"}])
    assert (
        events.describe_archive(ArchiveName="orders")["EventCount"] == 0
    )  # a disabled archive keeps nothing
    events.update_archive(ArchiveName="orders", Description="back")
    described = events.describe_archive(ArchiveName="orders")
    assert described["State"] == "ENABLED" and "StateReason" not in described
    assert len(events.list_targets_by_rule(Rule="Events-Archive-orders", EventBusName="shop")["Targets"]) == 1
    events.put_events(Entries=[{**entry(n=2), "EventBusName": "shop"}])
    assert events.describe_archive(ArchiveName="orders")["EventCount"] == 1

    events.delete_archive(ArchiveName="orders")
    assert [rule["Name"] for rule in events.list_rules(EventBusName="shop")["Rules"]] == [
        "Events-Archive-taken"
    ]
