"""EventBridge operations through boto3 and aws-cli against the served workbench."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import error_code

pytestmark = pytest.mark.live

PATTERN = {"source": ["com.myapp.orders"], "detail": {"amount": [{"numeric": [">", 1000]}]}}


def test_bus_lifecycle_and_errors(aws: Any) -> None:
    events = aws("events")
    arn = events.create_event_bus(Name="billing")["EventBusArn"]
    assert arn == "arn:aws:events:us-east-1:123456789012:event-bus/billing"
    assert events.describe_event_bus(Name="billing")["Arn"] == arn
    assert {"default", "billing"} <= {b["Name"] for b in events.list_event_buses()["EventBuses"]}
    with pytest.raises(ClientError) as exc:
        events.create_event_bus(Name="billing")
    assert error_code(exc) == "ResourceAlreadyExistsException"
    events.delete_event_bus(Name="billing")
    with pytest.raises(ClientError) as exc:
        events.describe_event_bus(Name="billing")
    assert error_code(exc) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        events.delete_event_bus(Name="default")
    assert error_code(exc) == "ValidationException"


def test_a_bus_dead_letter_queue_must_be_an_sqs_queues_arn(aws: Any) -> None:
    """As PutTargets checks a target's DeadLetterConfig, CreateEventBus and UpdateEventBus check
    the bus's, and store nothing they refuse."""
    events = aws("events")
    for bad in ("notanarn", "arn:aws:lambda:us-east-1:123456789012:function:x"):
        with pytest.raises(ClientError) as exc:
            events.create_event_bus(Name="orders", DeadLetterConfig={"Arn": bad})
        assert error_code(exc) == "ValidationException" and "is not an SQS queue's ARN" in str(exc.value)
    assert "orders" not in {bus["Name"] for bus in events.list_event_buses()["EventBuses"]}
    events.create_event_bus(Name="orders")
    with pytest.raises(ClientError) as exc:
        events.update_event_bus(Name="orders", DeadLetterConfig={"Arn": "notanarn"})
    assert error_code(exc) == "ValidationException"
    assert "DeadLetterConfig" not in events.describe_event_bus(Name="orders")


def test_a_bus_with_rules_is_not_deleted_until_they_are(aws: Any) -> None:
    """AWS refuses DeleteEventBus while the bus has rules, an archive's own included (its
    message as quoted in terraform-provider-aws issue 22131), and keeps the bus whole."""
    events = aws("events")
    arn = events.create_event_bus(Name="orders")["EventBusArn"]
    events.put_rule(Name="big", EventBusName="orders", EventPattern=json.dumps(PATTERN))
    events.create_archive(ArchiveName="orders-all", EventSourceArn=arn)
    for leave in ("big", "Events-Archive-orders-all"):
        with pytest.raises(ClientError) as exc:
            events.delete_event_bus(Name="orders")
        assert error_code(exc) == "ValidationException"
        assert exc.value.response["Error"]["Message"] == "EventBus can't be deleted since it has rules."
        assert leave in {rule["Name"] for rule in events.list_rules(EventBusName="orders")["Rules"]}
        if leave == "big":
            events.delete_rule(Name="big", EventBusName="orders")
        else:
            events.delete_archive(ArchiveName="orders-all")
    events.delete_event_bus(Name="orders")
    assert "orders" not in {bus["Name"] for bus in events.list_event_buses()["EventBuses"]}


def test_rules_and_buses_are_tagged_as_aws_tags_them(aws: Any) -> None:
    """TagResource, UntagResource, ListTagsForResource ("In EventBridge, rules and event buses
    can be tagged"): Tags given at creation are kept, a key tagged again takes the new value,
    PutRule replacing a rule leaves its tags, and an archive's managed rule takes none."""
    events = aws("events")
    bus_arn = events.create_event_bus(Name="orders", Tags=[{"Key": "team", "Value": "shop"}])["EventBusArn"]
    rule_arn = events.put_rule(
        Name="big",
        EventBusName="orders",
        EventPattern=json.dumps(PATTERN),
        Tags=[{"Key": "tier", "Value": "1"}],
    )["RuleArn"]
    assert events.list_tags_for_resource(ResourceARN=bus_arn)["Tags"] == [{"Key": "team", "Value": "shop"}]
    events.tag_resource(
        ResourceARN=bus_arn, Tags=[{"Key": "team", "Value": "till"}, {"Key": "env", "Value": ""}]
    )
    assert events.list_tags_for_resource(ResourceARN=bus_arn)["Tags"] == [
        {"Key": "team", "Value": "till"},
        {"Key": "env", "Value": ""},
    ]
    events.untag_resource(ResourceARN=bus_arn, TagKeys=["team", "absent"])
    assert events.list_tags_for_resource(ResourceARN=bus_arn)["Tags"] == [{"Key": "env", "Value": ""}]
    # PutRule again with other Tags replaces the rule, not its tags.
    events.put_rule(Name="big", EventBusName="orders", EventPattern=json.dumps(PATTERN), Tags=[])
    assert events.list_tags_for_resource(ResourceARN=rule_arn)["Tags"] == [{"Key": "tier", "Value": "1"}]
    default_rule = events.put_rule(Name="on-default", EventPattern=json.dumps(PATTERN))["RuleArn"]
    events.tag_resource(ResourceARN=default_rule, Tags=[{"Key": "k", "Value": "v"}])
    assert events.list_tags_for_resource(ResourceARN=default_rule)["Tags"] == [{"Key": "k", "Value": "v"}]
    for arn in (bus_arn + "-gone", rule_arn + "-gone", "arn:aws:events:us-east-1:123456789012:archive/x"):
        with pytest.raises(ClientError) as exc:
            events.list_tags_for_resource(ResourceARN=arn)
        assert error_code(exc) == "ResourceNotFoundException"
    events.create_archive(ArchiveName="all", EventSourceArn=bus_arn)
    managed = rule_arn.replace("/big", "/Events-Archive-all")
    with pytest.raises(ClientError) as exc:
        events.tag_resource(ResourceARN=managed, Tags=[{"Key": "k", "Value": "v"}])
    assert error_code(exc) == "ManagedRuleException"


def test_rule_names_by_target_list_the_rules_sending_to_it(aws: Any) -> None:
    events = aws("events")
    fn = "arn:aws:lambda:us-east-1:123456789012:function:echo"
    for name in ("c", "a", "b", "other"):
        events.put_rule(Name=name, EventPattern=json.dumps(PATTERN))
    for name in ("c", "a", "b"):
        events.put_targets(Rule=name, Targets=[{"Id": "1", "Arn": fn}, {"Id": "2", "Arn": fn}])
    events.put_targets(Rule="other", Targets=[{"Id": "1", "Arn": fn + "-not"}])
    first = events.list_rule_names_by_target(TargetArn=fn, Limit=2)
    assert first["RuleNames"] == ["a", "b"]
    rest = events.list_rule_names_by_target(TargetArn=fn, NextToken=first["NextToken"])
    assert rest["RuleNames"] == ["c"] and "NextToken" not in rest
    assert events.list_rule_names_by_target(TargetArn=fn, EventBusName="default")["RuleNames"] == [
        "a",
        "b",
        "c",
    ]


def test_rule_lifecycle(aws: Any) -> None:
    events = aws("events")
    arn = events.put_rule(Name="big-orders", EventPattern=json.dumps(PATTERN))["RuleArn"]
    assert arn == "arn:aws:events:us-east-1:123456789012:rule/big-orders"
    rule = events.describe_rule(Name="big-orders")
    assert rule["State"] == "ENABLED" and json.loads(rule["EventPattern"]) == PATTERN
    events.disable_rule(Name="big-orders")
    assert events.describe_rule(Name="big-orders")["State"] == "DISABLED"
    events.enable_rule(Name="big-orders")
    assert [r["Name"] for r in events.list_rules(NamePrefix="big")["Rules"]] == ["big-orders"]
    events.put_targets(
        Rule="big-orders",
        Targets=[{"Id": "t1", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:echo"}],
    )
    with pytest.raises(ClientError) as exc:
        events.delete_rule(Name="big-orders")
    assert error_code(exc) == "ValidationException"
    removed = events.remove_targets(Rule="big-orders", Ids=["t1", "nope"])
    assert removed["FailedEntryCount"] == 1 and removed["FailedEntries"][0]["TargetId"] == "nope"
    events.delete_rule(Name="big-orders")
    with pytest.raises(ClientError) as exc:
        events.describe_rule(Name="big-orders")
    assert error_code(exc) == "ResourceNotFoundException"


def test_invalid_pattern_is_rejected_and_the_stored_rule_is_kept(aws: Any) -> None:
    events = aws("events")
    events.put_rule(Name="keep-me", EventPattern=json.dumps(PATTERN))
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="keep-me", EventPattern=json.dumps({"source": "com.myapp.orders"}))
    assert error_code(exc) == "InvalidEventPatternException"
    assert exc.value.response["Error"]["Message"].startswith("Event pattern is not valid. Reason: ")
    assert json.loads(events.describe_rule(Name="keep-me")["EventPattern"]) == PATTERN
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="broken", EventPattern="{not json")
    assert error_code(exc) == "InvalidEventPatternException"
    assert [r["Name"] for r in events.list_rules(NamePrefix="broken")["Rules"]] == []


def test_more_than_five_targets_is_refused_whole(aws: Any) -> None:
    events = aws("events")
    events.put_rule(Name="fan-out", EventPattern=json.dumps(PATTERN))
    fn = "arn:aws:lambda:us-east-1:123456789012:function:echo"
    events.put_targets(Rule="fan-out", Targets=[{"Id": str(i), "Arn": fn} for i in range(5)])
    with pytest.raises(ClientError) as exc:
        events.put_targets(Rule="fan-out", Targets=[{"Id": "6", "Arn": fn}])
    assert error_code(exc) == "LimitExceededException"
    assert len(events.list_targets_by_rule(Rule="fan-out")["Targets"]) == 5


def test_put_events_reports_per_entry_errors_and_keeps_good_entries(aws: Any) -> None:
    events = aws("events")
    answer = events.put_events(
        Entries=[
            {"Source": "com.myapp.orders", "DetailType": "Order Placed", "Detail": json.dumps({"amount": 5})},
            {"Source": "com.myapp.orders", "DetailType": "Order Placed", "Detail": "{not json"},
            {
                "Source": "com.myapp.orders",
                "DetailType": "Order Placed",
                "Detail": "{}",
                "EventBusName": "missing",
            },
        ]
    )
    assert answer["FailedEntryCount"] == 2
    first, second, third = answer["Entries"]
    assert "EventId" in first and "ErrorCode" not in first
    assert second["ErrorCode"] == "MalformedDetail"
    assert third["ErrorCode"] == "ResourceNotFoundException"
    from workbench.events.models import ReceivedEvent

    assert list(ReceivedEvent.objects.values_list("event_id", flat=True)) == [first["EventId"]]


def test_test_event_pattern(aws: Any) -> None:
    events = aws("events")
    event = {
        "id": "1",
        "account": "123456789012",
        "source": "com.myapp.orders",
        "time": "2025-01-15T10:30:00Z",
        "region": "us-east-1",
        "detail-type": "Order Placed",
        "resources": [],
        "detail": {"amount": 1500},
    }
    assert (
        events.test_event_pattern(EventPattern=json.dumps(PATTERN), Event=json.dumps(event))["Result"] is True
    )
    event["detail"]["amount"] = 1000
    assert (
        events.test_event_pattern(EventPattern=json.dumps(PATTERN), Event=json.dumps(event))["Result"]
        is False
    )
    with pytest.raises(ClientError) as exc:
        events.test_event_pattern(EventPattern='{"source": 5}', Event=json.dumps(event))
    assert error_code(exc) == "InvalidEventPatternException"


def test_unknown_operation_and_malformed_body(live_url: str, transactional_db: Any) -> None:
    import urllib.error
    import urllib.request

    def post(target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            live_url + "/",
            data=body,
            method="POST",
            headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
        )
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    assert post("AWSEvents.FlyToTheMoon", b"{}") == (
        400,
        {
            "__type": "UnknownOperationException",
            "message": "Operation AWSEvents.FlyToTheMoon is not supported",
        },
    )
    status, body = post("AWSEvents.PutRule", b"{nope")
    assert status == 400 and body["__type"] == "SerializationException"
    status, body = post("AWSEvents.PutRule", b"{}")
    # AWS names members in lower camel case in its validation messages.
    assert status == 400 and body["__type"] == "ValidationException" and "at 'name'" in body["message"]


def test_aws_cli_works_unchanged(live_url: str, transactional_db: Any) -> None:
    env = dict(
        os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1"
    )
    cli = [sys.executable, "-m", "awscli", "--endpoint-url", live_url, "--output", "json"]
    subprocess.run(
        [*cli, "events", "create-event-bus", "--name", "cli-bus"], check=True, env=env, capture_output=True
    )
    listed = subprocess.run(
        [*cli, "events", "list-event-buses"], check=True, env=env, capture_output=True, text=True
    )
    assert "cli-bus" in {b["Name"] for b in json.loads(listed.stdout)["EventBuses"]}
    failed = subprocess.run(
        [*cli, "events", "put-rule", "--name", "x", "--event-pattern", '{"source": 1}'],
        env=env,
        capture_output=True,
        text=True,
    )
    assert failed.returncode != 0 and "InvalidEventPatternException" in failed.stderr


def test_targets_receive_input_transformed_as_aws_documents(aws: Any) -> None:
    """The InputTransformer example of the PutTargets API reference: a JSON template whose
    <instance> and <state> placeholders take values from the event's detail."""
    from tests.conftest import wait_for
    from workbench.accounts.services import default_workspace
    from workbench.functions.models import Invocation
    from workbench.functions.services import save_mock

    save_mock(default_workspace(), "sink", [{"output": None}])
    events = aws("events")
    # An EC2-like event under a source of our own: PutEvents refuses AWS's (below).
    events.put_rule(Name="ec2-state", EventPattern=json.dumps({"source": ["com.example.ec2"]}))
    sink = "arn:aws:lambda:us-east-1:123456789012:function:sink"
    events.put_targets(
        Rule="ec2-state",
        Targets=[
            {
                "Id": "transformed",
                "Arn": sink,
                "InputTransformer": {
                    "InputPathsMap": {"instance": "$.detail.instance-id", "state": "$.detail.state"},
                    "InputTemplate": (
                        '{"instance": <instance>, "state": <state>, "rule": <aws.events.rule-name>}'
                    ),
                },
            },
            {"Id": "constant", "Arn": sink, "Input": '{"fixed": true}'},
            {"Id": "path", "Arn": sink, "InputPath": "$.detail"},
        ],
    )
    detail = {"instance-id": "i-0123456789", "state": "running"}
    events.put_events(
        Entries=[
            {
                "Source": "com.example.ec2",
                "DetailType": "EC2 Instance State-change Notification",
                "Detail": json.dumps(detail),
            }
        ]
    )
    calls = wait_for(
        lambda: (lambda rows: rows if len(rows) == 3 else None)(
            {i.caller.rsplit("#", 1)[1]: i.payload for i in Invocation.objects.filter(function__name="sink")}
        )
    )
    assert calls["transformed"] == {"instance": "i-0123456789", "state": "running", "rule": "ec2-state"}
    assert calls["constant"] == {"fixed": True}
    assert calls["path"] == detail
    from workbench.events.models import Delivery

    assert set(Delivery.objects.values_list("target_id", "status")) == {
        ("transformed", "delivered"),
        ("constant", "delivered"),
        ("path", "delivered"),
    }


def test_an_aws_source_is_refused_entry_by_entry(aws: Any) -> None:
    """A source starting "aws." is AWS's own: PutEvents answers that entry
    NotAuthorizedForSourceException (as AWS answers aws-cli's put-events) and accepts the rest."""
    events = aws("events")
    answer = events.put_events(
        Entries=[
            {"Source": "aws.ec2", "DetailType": "EC2 Instance State-change Notification", "Detail": "{}"},
            {"Source": "com.example.ec2", "DetailType": "t", "Detail": "{}"},
            {"Source": "aws.partner/example.com/1/orders", "DetailType": "t", "Detail": "{}"},
        ]
    )
    refused = {
        "ErrorCode": "NotAuthorizedForSourceException",
        "ErrorMessage": "Not authorized for the source.",
    }
    assert answer["FailedEntryCount"] == 2
    assert [answer["Entries"][0], answer["Entries"][2]] == [refused, refused]
    assert set(answer["Entries"][1]) == {"EventId"}


def test_bad_target_input_is_a_failed_entry_and_is_not_stored(aws: Any) -> None:
    events = aws("events")
    events.put_rule(Name="bad-targets", EventPattern=json.dumps(PATTERN))
    fn = "arn:aws:lambda:us-east-1:123456789012:function:echo"
    answer = events.put_targets(
        Rule="bad-targets",
        Targets=[
            {"Id": "ok", "Arn": fn},
            {"Id": "both", "Arn": fn, "Input": "{}", "InputPath": "$.detail"},
        ],
    )
    assert answer["FailedEntryCount"] == 1 and answer["FailedEntries"][0]["TargetId"] == "both"
    assert "Only one of Input, InputPath, or InputTransformer" in answer["FailedEntries"][0]["ErrorMessage"]
    assert [t["Id"] for t in events.list_targets_by_rule(Rule="bad-targets")["Targets"]] == ["ok"]


def test_oversized_entries_are_refused(aws: Any) -> None:
    events = aws("events")
    big = json.dumps({"blob": "x" * (256 * 1024)})
    with pytest.raises(ClientError) as exc:
        events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": big}])
    assert error_code(exc) == "ValidationException"
    assert (
        "Total size of the entries in the request is over the limit" in exc.value.response["Error"]["Message"]
    )


def test_rule_changes_reach_every_process_matcher(aws: Any) -> None:
    """PutEvents from a state machine runs in the Celery worker (its own process in
    distributed mode); PutEvents from the API runs in the server. Both follow rule changes."""
    from tests.conftest import wait_for
    from workbench.accounts.services import default_workspace
    from workbench.functions.models import Invocation
    from workbench.functions.services import save_mock

    save_mock(default_workspace(), "listener", [{"output": None}])
    events, sfn = aws("events"), aws("stepfunctions")
    listener = "arn:aws:lambda:us-east-1:123456789012:function:listener"
    events.put_rule(Name="watch", EventPattern=json.dumps({"source": ["shop"], "detail": {"n": [1]}}))
    events.put_targets(Rule="watch", Targets=[{"Id": "l", "Arn": listener}])
    emit = {
        "StartAt": "Emit",
        "States": {
            "Emit": {
                "Type": "Task",
                "Resource": "arn:aws:states:::events:putEvents",
                "Parameters": {"Entries": [{"Source": "shop", "DetailType": "t", "Detail.$": "$"}]},
                "End": True,
            }
        },
    }
    machine = sfn.create_state_machine(
        name="emitter", definition=json.dumps(emit), roleArn="arn:aws:iam::123456789012:role/x"
    )["stateMachineArn"]

    def heard() -> list[Any]:
        return sorted(i.payload["detail"]["n"] for i in Invocation.objects.filter(function__name="listener"))

    def run(n: int) -> dict[str, Any]:
        arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"n": n}))["executionArn"]
        return wait_for(
            lambda: (lambda d: d if d["status"] != "RUNNING" else None)(
                sfn.describe_execution(executionArn=arn)
            )
        )

    done = run(1)
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"])["FailedEntryCount"] == 0
    wait_for(lambda: heard() == [1])
    events.put_rule(Name="watch", EventPattern=json.dumps({"source": ["shop"], "detail": {"n": [2]}}))
    run(1)
    run(2)
    events.put_events(Entries=[{"Source": "shop", "DetailType": "t", "Detail": json.dumps({"n": 2})}])
    wait_for(lambda: heard() == [1, 2, 2])
    events.disable_rule(Name="watch")
    run(2)
    events.put_events(Entries=[{"Source": "shop", "DetailType": "t", "Detail": json.dumps({"n": 2})}])
    import time

    time.sleep(2)  # give a wrong delivery the time to show up
    assert heard() == [1, 2, 2]


def test_put_events_accepts_a_bus_arn_and_stores_the_aws_envelope(aws: Any) -> None:
    events = aws("events")
    bus_arn = events.create_event_bus(Name="by-arn")["EventBusArn"]
    answer = events.put_events(
        Entries=[
            {
                "Source": "com.myapp.orders",
                "DetailType": "Order Placed",
                "Detail": json.dumps({"amount": 1}),
                "Resources": ["arn:aws:s3:::bucket"],
                "EventBusName": bus_arn,
            }
        ]
    )
    assert answer["FailedEntryCount"] == 0
    from workbench.events.models import ReceivedEvent

    stored = ReceivedEvent.objects.get(event_id=answer["Entries"][0]["EventId"])
    assert stored.bus.name == "by-arn"
    assert set(stored.body) == {
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    }
    assert (stored.body["account"], stored.body["region"], stored.body["resources"]) == (
        "123456789012",
        "us-east-1",
        ["arn:aws:s3:::bucket"],
    )
