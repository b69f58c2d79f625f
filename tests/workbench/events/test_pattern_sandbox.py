"""The pattern sandbox and target editor: their JSON endpoints through Django's test client
(the live page in Chromium is tests/e2e/test_pattern_sandbox_browser.py)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from engine.events.patterns import explain, parse_pattern
from engine.events.transform import TargetInputError, render_target_input, validate_target_input
from tests.support.seed import CHAPTER
from workbench.accounts.services import default_workspace
from workbench.events import services
from workbench.events.errors import InvalidEventPattern
from workbench.events.models import ReceivedEvent, Target
from workbench.events.samples import EC2_STATE_CHANGE, ORDER_PLACED
from workbench.runtime import routing

LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:echo"
BUS = "orders-bus"
RULE = "high-value-orders"

# The example EC2 event of "Amazon EventBridge input transformation"
# (docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html), as the
# sandbox offers it among its samples.
EC2_EVENT: dict[str, Any] = copy.deepcopy(EC2_STATE_CHANGE.event)
EC2_PATHS = {
    "timestamp": "$.time",
    "instance": "$.detail.instance-id",
    "state": "$.detail.state",
    "resource": "$.resources[0]",
}
# The same page's "Including reserved variables in JSON" input template.
RESERVED_VARIABLES_TEMPLATE = (
    '{\n  "instance" : <instance>,\n  "state": <state>,\n  "ruleArn" : <aws.events.rule-arn>,\n'
    '  "ruleName" : <aws.events.rule-name>,\n  "originalEvent" : <aws.events.event>\n}'
)


def _json_block_after(heading: str) -> str:
    """The first {...} block after ``heading`` in the course chapter, as the chapter prints it."""
    text = CHAPTER.read_text()
    start = text.index("{", text.index(heading))
    depth = 0
    for end in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return text[start : end + 1]
    raise AssertionError(f"unbalanced block after {heading!r}")


def chapter_order_placed() -> dict[str, Any]:
    """The chapter's "Event Structure" (it elides the items as [...])."""
    event: dict[str, Any] = json.loads(_json_block_after("Event Structure:").replace("[...]", "[]"))
    return event


def chapter_complex_pattern() -> str:
    """The chapter's pattern example "7. Complex Pattern"."""
    return _json_block_after("7. Complex Pattern:")


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def evaluate(client: Client, pattern: str, event: dict[str, Any] | str) -> dict[str, Any]:
    text = event if isinstance(event, str) else json.dumps(event)
    response = post(client, "/patterns/sandbox/evaluate", {"pattern": pattern, "event": text})
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def _bus_with_rule(pattern: dict[str, Any] | None = None) -> Any:
    workspace = default_workspace()
    services.create_bus(workspace, BUS)
    chosen = pattern or {"source": ["com.myapp.orders"], "detail-type": ["Order Placed"]}
    return services.put_rule(workspace, name=RULE, bus_name=BUS, event_pattern=json.dumps(chosen))


def target_fields(target_id: str, **fields: str) -> dict[str, str]:
    return {"id": target_id, "arn": LAMBDA_ARN, "kind": "whole", **fields}


# --- the evaluate endpoint ---------------------------------------------------------------


@pytest.mark.django_db
def test_built_in_order_placed_sample_is_the_course_chapters_event() -> None:
    chapter = chapter_order_placed()
    sample = dict(ORDER_PLACED.event)
    # The chapter writes the id as "uuid" and the items as [...]: only those two are filled in.
    assert {k: v for k, v in sample.items() if k not in ("id", "detail")} == {
        k: v for k, v in chapter.items() if k not in ("id", "detail")
    }
    assert {k: v for k, v in sample["detail"].items() if k != "items"} == {
        k: v for k, v in chapter["detail"].items() if k != "items"
    }


@pytest.mark.django_db
def test_evaluate_reports_a_match_for_the_course_exact_match_example(client: Client) -> None:
    # The chapter's "1. Exact Match" example against its own "Event Structure".
    pattern = _json_block_after("1. Exact Match:")
    result = evaluate(client, pattern, chapter_order_placed())
    assert result["valid"] is True and result["error"] is None
    assert result["matches"] is True and result["misses"] == []


@pytest.mark.django_db
def test_evaluate_lists_every_miss_as_the_engine_explains_it(client: Client) -> None:
    event = chapter_order_placed()
    pattern = chapter_complex_pattern()
    result = evaluate(client, pattern, event)
    assert result["valid"] is True and result["matches"] is False
    expected = [miss.to_dict() for miss in explain(parse_pattern(pattern), event)]
    assert expected, "the chapter's complex pattern misses the chapter's $299.99 order"
    assert result["misses"] == expected
    by_path = {miss["path"]: miss for miss in result["misses"]}
    # The amount is there but too small: the row carries the event's own value.
    assert by_path["detail.amount"]["present"] is True
    assert by_path["detail.amount"]["actual"] == event["detail"]["amount"]
    # The event has no detail.region at all.
    assert "region" not in event["detail"]
    assert by_path["detail.region"]["present"] is False and by_path["detail.region"]["actual"] is None


@pytest.mark.django_db
def test_evaluate_refuses_an_invalid_pattern_with_putrules_message(client: Client) -> None:
    bad = '{"detail": {"amount": [{"numeric": [">"]}]}}'
    result = evaluate(client, bad, chapter_order_placed())
    with pytest.raises(InvalidEventPattern) as refused:
        services.put_rule(default_workspace(), name="bad", event_pattern=bad)
    assert result["valid"] is False and result["matches"] is False and result["misses"] == []
    assert result["error"] == refused.value.message
    assert result["error_code"] == "InvalidEventPatternException"
    assert result["error"].startswith("Event pattern is not valid. Reason: ")


@pytest.mark.django_db
def test_evaluate_points_at_a_broken_sample_event(client: Client) -> None:
    result = evaluate(client, '{"source": ["x"]}', '{"source": "x",\n "detail": }')
    assert result["valid"] is True and result["matches"] is False
    assert "not valid JSON" in result["event_error"] and "line 2" in result["event_error"]
    assert "must be a JSON object" in evaluate(client, '{"source": ["x"]}', "[1]")["event_error"]


# --- the target preview endpoint ---------------------------------------------------------


@pytest.mark.django_db
def test_transformer_preview_is_what_render_target_input_gives_for_the_aws_doc_example(
    client: Client,
) -> None:
    rule = _bus_with_rule()
    fields = target_fields(
        "t1",
        kind="InputTransformer",
        input_paths_map=json.dumps(EC2_PATHS),
        input_template=RESERVED_VARIABLES_TEMPLATE,
    )
    response = post(
        client,
        "/patterns/sandbox/preview",
        {**fields, "event": json.dumps(EC2_EVENT), "bus": BUS, "rule": RULE},
    )
    assert response.status_code == 200
    result = response.json()
    target = {
        "Id": "t1",
        "Arn": LAMBDA_ARN,
        "InputTransformer": {"InputPathsMap": EC2_PATHS, "InputTemplate": RESERVED_VARIABLES_TEMPLATE},
    }
    validate_target_input(target)
    # The template has no ingestion-time placeholder, so any time renders the same text.
    expected = render_target_input(
        target,
        EC2_EVENT,
        rule_arn=rule.arn,
        rule_name=rule.name,
        ingestion_time=datetime(2015, 11, 11, 21, 29, 55, tzinfo=UTC),
    )
    assert result["ok"] is True and result["received"] == expected
    assert result["target"] == target
    received = json.loads(result["received"])
    assert (received["instance"], received["state"]) == ("i-0123456789", "RUNNING")
    assert received["ruleArn"] == f"arn:aws:events:us-east-1:123456789012:rule/{BUS}/{RULE}"


@pytest.mark.django_db
def test_preview_of_a_stored_event_uses_its_ingestion_time(client: Client) -> None:
    _bus_with_rule()
    entry = {"Source": "com.myapp.orders", "DetailType": "Order Placed", "Detail": "{}", "EventBusName": BUS}
    routing.put_events(default_workspace(), [entry])
    stored = ReceivedEvent.objects.get(bus__name=BUS)
    fields = target_fields(
        "t1", kind="InputTransformer", input_template='"<aws.events.event.ingestion-time>"'
    )
    body = {**fields, "event": json.dumps(stored.body), "bus": BUS, "rule": RULE, "received_event": stored.id}
    result = post(client, "/patterns/sandbox/preview", body).json()
    expected = render_target_input(
        {"InputTransformer": {"InputTemplate": '"<aws.events.event.ingestion-time>"'}},
        stored.body,
        rule_arn="unused",
        rule_name="unused",
        ingestion_time=stored.received,
    )
    assert result["ok"] is True and result["received"] == expected


@pytest.mark.django_db
def test_preview_shows_putargets_refusal_in_aws_words(client: Client) -> None:
    fields = target_fields("t1", kind="InputTransformer", input_template='"<notdefinedkey>"')
    result = post(client, "/patterns/sandbox/preview", {**fields, "event": json.dumps(EC2_EVENT)}).json()
    with pytest.raises(TargetInputError) as refused:
        validate_target_input({"Id": "t1", "InputTransformer": {"InputTemplate": '"<notdefinedkey>"'}})
    assert result["ok"] is False
    assert result["error"] == {"code": refused.value.code, "message": refused.value.message}
    assert "notdefinedkey" in result["error"]["message"]


@pytest.mark.django_db
def test_preview_points_at_a_broken_input_paths_map(client: Client) -> None:
    fields = target_fields("t1", kind="InputTransformer", input_paths_map='{"a": }', input_template='"x"')
    response = post(client, "/patterns/sandbox/preview", {**fields, "event": json.dumps(EC2_EVENT)})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ValidationException"
    assert response.json()["error"]["message"].startswith("InputPathsMap is not valid JSON")


# --- saving targets ----------------------------------------------------------------------


@pytest.mark.django_db
def test_save_stores_the_target_as_puttargets_would(client: Client) -> None:
    _bus_with_rule()
    fields = target_fields("t1", kind="InputPath", input_path="$.detail")
    response = post(client, f"/buses/{BUS}/rules/{RULE}/targets/", fields)
    assert response.status_code == 200 and response.json()["ok"] is True
    stored = Target.objects.get(rule__name=RULE, target_id="t1")
    assert (stored.arn, stored.input_path, stored.input, stored.input_transformer) == (
        LAMBDA_ARN,
        "$.detail",
        None,
        None,
    )
    assert response.json()["targets"] == [{"Id": "t1", "Arn": LAMBDA_ARN, "InputPath": "$.detail"}]


@pytest.mark.django_db
def test_saving_from_the_editor_keeps_what_the_editor_does_not_set(client: Client) -> None:
    """The editor sets the input and HttpParameters; a target's RetryPolicy, DeadLetterConfig
    and SqsParameters set through PutTargets stay as they were when it saves (PutTargets
    replaces a target whole)."""
    _bus_with_rule()
    dlq = "arn:aws:sqs:us-east-1:123456789012:dlq"
    kept = {"RetryPolicy": {"MaximumRetryAttempts": 3}, "DeadLetterConfig": {"Arn": dlq}}
    assert (
        services.put_targets(default_workspace(), RULE, BUS, [{"Id": "t1", "Arn": LAMBDA_ARN, **kept}]) == []
    )
    fields = target_fields("t1", kind="InputPath", input_path="$.detail")
    response = post(client, f"/buses/{BUS}/rules/{RULE}/targets/", fields)
    assert response.status_code == 200 and response.json()["ok"] is True
    assert response.json()["targets"] == [{"Id": "t1", "Arn": LAMBDA_ARN, "InputPath": "$.detail", **kept}]


@pytest.mark.django_db
def test_saving_a_sixth_target_fails_with_limit_exceeded_and_stores_nothing(client: Client) -> None:
    _bus_with_rule()
    url = f"/buses/{BUS}/rules/{RULE}/targets/"
    for number in range(1, 6):
        assert post(client, url, target_fields(f"t{number}")).json()["ok"] is True
    response = post(client, url, target_fields("t6", kind="Input", input='{"sixth": true}'))
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert response.json()["error"]["code"] == "LimitExceededException"
    assert sorted(Target.objects.filter(rule__name=RULE).values_list("target_id", flat=True)) == [
        "t1",
        "t2",
        "t3",
        "t4",
        "t5",
    ]
    # Replacing one of the five is not a sixth: the limit counts distinct ids.
    assert post(client, url, target_fields("t5", kind="Input", input="{}")).json()["ok"] is True


@pytest.mark.django_db
def test_save_refuses_a_bad_input_with_aws_words_and_stores_nothing(client: Client) -> None:
    _bus_with_rule()
    response = post(
        client, f"/buses/{BUS}/rules/{RULE}/targets/", target_fields("t1", kind="Input", input="{oops")
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "ValidationException",
        "message": "JSON syntax error in input for target t1.",
    }
    assert not Target.objects.exists()


@pytest.mark.django_db
def test_saving_on_an_unknown_rule_says_so(client: Client) -> None:
    _bus_with_rule()
    response = post(client, f"/buses/{BUS}/rules/nope/targets/", target_fields("t1"))
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "ResourceNotFoundException",
        "message": f"Rule nope does not exist on EventBus {BUS}.",
    }


# --- the pages ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_sandbox_page_prefills_the_rules_pattern_and_a_linked_event(client: Client) -> None:
    rule = _bus_with_rule({"source": ["com.myapp.orders"], "detail": {"amount": [{"numeric": [">", 1000]}]}})
    detail = json.dumps({"orderId": "order-9", "amount": 12.5})
    entry = {
        "Source": "com.myapp.orders",
        "DetailType": "Order Placed",
        "Detail": detail,
        "EventBusName": BUS,
    }
    routing.put_events(default_workspace(), [entry])
    stored = ReceivedEvent.objects.get(bus__name=BUS)

    page = client.get(f"/patterns/sandbox/?bus={BUS}&rule={RULE}&event={stored.id}").content.decode()
    assert escape(rule.event_pattern) in page
    assert f'<option value="event:{stored.id}" selected>' in page
    assert escape(stored.event_id) in page
    # The first verdict is rendered on the server, from the engine's explanation.
    assert 'data-verdict="no-match"' in page
    assert '<tr data-path="detail.amount">' in page and ">12.5</td>" in page

    bus_page = client.get("/buses/").content.decode()
    assert f"/patterns/sandbox/?bus={BUS}&amp;rule={RULE}" in bus_page
    assert f"/patterns/sandbox/?bus={BUS}&amp;event={stored.id}" in bus_page


@pytest.mark.django_db
def test_sandbox_page_names_an_unknown_rule(client: Client) -> None:
    _bus_with_rule()
    page = client.get(f"/patterns/sandbox/?bus={BUS}&rule=missing").content.decode()
    assert f"Rule missing does not exist on EventBus {BUS}." in page
