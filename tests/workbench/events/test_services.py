"""events.services in-process: the checks PutRule, PutTargets, RemoveTargets and PutEvents
share with the browser, answering in AWS's words (limits and patterns from botocore's events
service model: RuleName ``[\\.\\-_A-Za-z0-9]+``, RuleState ENABLED/DISABLED, Targets min 1)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.support.events import ECHO_ARN, PATTERN, entry, rule_with_targets
from workbench.accounts.services import default_workspace
from workbench.core.errors import ResourceNotFound, ValidationError
from workbench.events import services
from workbench.events.models import ReceivedEvent, Target
from workbench.events.services import AcceptedEntry


@pytest.mark.django_db
def test_put_rule_refuses_a_bad_name_and_state_in_awss_words() -> None:
    ws = default_workspace()
    with pytest.raises(ValidationError) as bad_name:
        services.put_rule(ws, name="no spaces", event_pattern=json.dumps(PATTERN))
    assert bad_name.value.message == (
        "1 validation error detected: Value 'no spaces' at 'name' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+"
    )
    with pytest.raises(ValidationError) as bad_state:
        services.put_rule(ws, name="ok", event_pattern=json.dumps(PATTERN), state="ON")
    assert bad_state.value.message.endswith(
        "Value 'ON' at 'state' failed to satisfy constraint: Member must satisfy enum value set: "
        "[ENABLED, DISABLED]"
    )


@pytest.mark.django_db
def test_put_and_remove_targets_report_failed_entries_with_awss_codes() -> None:
    ws = default_workspace()
    rule_with_targets(ws, [{"Id": "fn", "Arn": ECHO_ARN}])
    with pytest.raises(ValidationError) as empty:
        services.put_targets(ws, "orders", None, [])
    assert "Value at 'targets' failed to satisfy constraint" in empty.value.message
    [failed] = services.put_targets(ws, "orders", None, [{"Id": "bad", "Arn": "not-an-arn"}])
    assert failed["TargetId"] == "bad" and failed["ErrorCode"] == ValidationError.code
    [missing] = services.remove_targets(ws, "orders", None, ["fn", "ghost"])
    assert missing == {
        "TargetId": "ghost",
        "ErrorCode": ResourceNotFound.code,
        "ErrorMessage": "Target ghost does not exist on rule orders.",
    }


@pytest.mark.django_db
def test_check_put_events_checks_every_entry_and_stores_nothing() -> None:
    ws = default_workspace()
    checked = services.check_put_events(ws, [entry(n=1), {"Source": "shop"}, entry(n=2)])
    assert [type(item).__name__ for item in checked] == ["AcceptedEntry", "dict", "AcceptedEntry"]
    first = checked[0]
    assert isinstance(first, AcceptedEntry) and first.bus.name == "default"
    assert first.event["detail"] == {"n": 1} and first.event["source"] == "shop"
    assert ReceivedEvent.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/patterns/sandbox/evaluate", "/patterns/sandbox/preview"])
def test_browser_endpoints_answer_a_broken_body_with_a_400_in_awss_shape(client: Client, url: str) -> None:
    response: Any = client.post(url, data='{"pattern": ', content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["__type"] == body["error"]["code"] == "SerializationException"
    assert body["message"] == "Request body is not valid JSON: Expecting value at line 1 column 13"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("policy", "says"),
    [
        ({"MaximumRetryAttempts": 186}, "'186' at 'targets.1.member.retryPolicy.maximumRetryAttempts'"),
        ({"MaximumEventAgeInSeconds": 59}, "greater than or equal to 60"),
        ({"MaximumEventAgeInSeconds": 86401}, "less than or equal to 86400"),
        ({"MaximumRetryAttempts": True}, "maximumRetryAttempts"),
        ({"Attempts": 3}, "RetryPolicy must be an object"),
    ],
)
def test_put_targets_refuses_a_retry_policy_out_of_awss_ranges(policy: dict[str, object], says: str) -> None:
    """RetryPolicy: MaximumRetryAttempts 0..185, MaximumEventAgeInSeconds 60..86400 (Amazon
    EventBridge API Reference); the API refuses these before the service, a browser form here."""
    ws = default_workspace()
    services.put_rule(ws, name="r", event_pattern='{"source": ["shop"]}')
    target = {"Id": "t", "Arn": "arn:aws:sqs:us-east-1:123456789012:q", "RetryPolicy": policy}
    [failed] = services.put_targets(ws, "r", None, [target])
    assert failed["ErrorCode"] == "ValidationException" and says in failed["ErrorMessage"]
    assert not Target.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "config",
    [{"Arn": "not-an-arn"}, {"Arn": "arn:aws:sns:us-east-1:123456789012:topic"}, {}, "arn:aws:sqs:q"],
)
def test_put_targets_refuses_a_dead_letter_queue_that_is_not_an_sqs_queue(config: object) -> None:
    """EventBridge's dead-letter queues are SQS queues (DeadLetterConfig.Arn: "the ARN of the
    SQS queue"); a queue not created yet is accepted, as AWS checks its permissions only when
    it sends to it."""
    ws = default_workspace()
    services.put_rule(ws, name="r", event_pattern='{"source": ["shop"]}')
    target = {"Id": "t", "Arn": "arn:aws:sqs:us-east-1:123456789012:q", "DeadLetterConfig": config}
    [failed] = services.put_targets(ws, "r", None, [target])
    assert "not an SQS queue's ARN" in failed["ErrorMessage"] and not Target.objects.exists()
    later = {**target, "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:123456789012:not-yet"}}
    assert services.put_targets(ws, "r", None, [later]) == []
