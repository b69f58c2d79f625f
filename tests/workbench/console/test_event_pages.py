"""The console's EventBridge pages in-process: forms refused beside their field with what was
typed kept (HTTP 400), crafted POSTs answered 400 not 500, and an event's journey."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import dateformat
from django.utils.timezone import localtime

from tests.support.inprocess import machine
from tests.support.pages import alert_error
from workbench.events.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)

PATTERN = json.dumps({"source": ["shop"]})


def beside(page: str, field: str) -> str:
    """The message of the error beside ``field`` on a bus or rule page (``error-<field>``, which
    the field's aria-describedby names), without its code."""
    return alert_error(page, f"error-{field}").split("</strong>: ", 1)[1]


def test_create_and_delete_a_bus(client: Client) -> None:
    from workbench.events.models import EventBus

    response = client.post("/buses/", {"name": "orders", "description": "<b>mine</b>"})
    assert response.status_code == 302 and response["Location"].startswith("/buses/orders/?done=bus-created")
    page = client.get(response["Location"]).content.decode()
    assert "Event bus orders created." in page
    assert "&lt;b&gt;mine&lt;/b&gt;" in page and "<b>mine</b>" not in page  # markup renders as text
    response = client.post("/buses/orders/delete")
    assert response.status_code == 302
    assert not EventBus.objects.filter(name="orders").exists()
    gone = client.get("/buses/orders/")
    assert gone.status_code == 404 and 'href="/' in gone.content.decode()


def test_a_refused_bus_name_is_shown_beside_the_field_and_kept(client: Client) -> None:
    response = client.post("/buses/", {"name": "bad name!", "description": "kept"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "bad name!" in beside(page, "name")
    assert 'value="bad name!"' in page and 'value="kept"' in page


def test_the_default_bus_cannot_be_deleted(client: Client) -> None:
    client.get("/buses/")
    response = client.post("/buses/default/delete")
    assert response.status_code == 400
    assert "Cannot delete event bus default." in beside(response.content.decode(), "bus")


def test_rule_create_edit_disable_and_delete(client: Client) -> None:
    from workbench.events.models import Rule

    client.post("/buses/", {"name": "orders"})
    response = client.post(
        "/buses/orders/rules/", {"name": "r1", "event_pattern": PATTERN, "state": "ENABLED"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/buses/orders/rules/r1/")
    edited = json.dumps({"source": ["shop"], "detail-type": ["Paid"]})
    assert (
        client.post("/buses/orders/rules/r1/", {"event_pattern": edited, "state": "ENABLED"}).status_code
        == 302
    )
    assert json.loads(Rule.objects.get(name="r1").event_pattern) == json.loads(edited)
    assert client.post("/buses/orders/rules/r1/state", {"state": "DISABLED"}).status_code == 302
    assert Rule.objects.get(name="r1").state == "DISABLED"
    assert (
        client.post(
            "/buses/orders/rules/r1/targets/save",
            {"target_id": "t", "arn": "arn:aws:lambda:us-east-1:123456789012:function:f"},
        ).status_code
        == 302
    )
    assert client.post("/buses/orders/rules/r1/delete").status_code == 302  # its targets go first
    assert not Rule.objects.filter(name="r1").exists()


def test_a_bad_pattern_is_refused_beside_the_pattern_and_kept(client: Client) -> None:
    client.post("/buses/", {"name": "orders"})
    response = client.post("/buses/orders/rules/", {"name": "r1", "event_pattern": '{"source": "shop"}'})
    page = response.content.decode()
    assert response.status_code == 400
    assert beside(page, "event_pattern")  # AWS: "Event pattern is not valid..."
    assert "{&quot;source&quot;: &quot;shop&quot;}" in page  # what was typed, kept (escaped)
    assert 'value="r1"' in page


@pytest.mark.parametrize(
    ("url", "data", "field"),
    [
        ("/buses/orders/rules/", {}, "event_pattern"),
        ("/buses/orders/rules/r1/state", {"state": "SOMETIMES"}, "state"),
        ("/buses/orders/rules/r1/targets/save", {"target_id": "t"}, "arn"),
        ("/buses/orders/rules/r1/targets/remove", {"target_id": "nope"}, "targets"),
        ("/buses/orders/send", {"source": "shop", "detail_type": "X", "detail": "[1"}, "detail"),
        ("/buses/orders/send", {"detail": "{}"}, "source"),
        ("/buses/orders/send", {"source": "s", "detail": "{}"}, "detail_type"),
    ],
)
def test_crafted_posts_answer_400_naming_the_field(
    client: Client, url: str, data: dict[str, str], field: str
) -> None:
    client.post("/buses/", {"name": "orders"})
    client.post("/buses/orders/rules/", {"name": "r1", "event_pattern": PATTERN})
    response = client.post(url, data)
    assert response.status_code == 400
    assert beside(response.content.decode(), field)


def test_send_event_links_its_journey_with_a_failed_delivery_and_its_reason(
    client: Client, broker: Any
) -> None:
    client.post("/buses/", {"name": "orders"})
    client.post("/buses/orders/rules/", {"name": "r1", "event_pattern": PATTERN})
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:missing"
    client.post("/buses/orders/rules/r1/targets/save", {"target_id": "gone", "arn": missing})
    response = client.post(
        "/buses/orders/send", {"source": "shop", "detail_type": "Paid", "detail": '{"n": 1}'}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    link = re.search(
        r'id="sent-event">Event sent: <a href="(/buses/orders/events/\d+/)" class="mono">([0-9a-f-]{36})</a>',
        page,
    )
    assert link, page
    broker.drain()
    journey = client.get(link.group(1)).content.decode()
    assert link.group(2) in journey and "shop" in journey and "Paid" in journey
    row = re.search(r'<tr data-target="gone" data-status="(\w+)">(.*?)</tr>', journey, re.S)
    assert row and row.group(1) == "failed"
    assert "StateMachineDoesNotExist" in row.group(2) or "does not exist" in row.group(2)
    # No dead-letter queue on the target: the journey says the event was dropped (AWS keeps it nowhere).
    assert 'class="dropped">Dropped: the target has no dead-letter queue' in row.group(2)


def test_a_sent_event_redirects_so_reloading_does_not_send_it_again(client: Client) -> None:
    """Post/redirect/get: a send answers 302 to the bus page naming the event it stored, which
    shows the notice (a reload shows it again, sending nothing); a refusal still answers 400
    beside its field with what was typed kept."""
    from workbench.events.models import ReceivedEvent

    client.post("/buses/", {"name": "orders"})
    client.post("/buses/", {"name": "other"})
    response = client.post(
        "/buses/orders/send", {"source": "shop", "detail_type": "Paid", "detail": '{"n": 1}'}
    )
    stored = ReceivedEvent.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/buses/orders/?sent={stored.id}"
    for _ in range(2):  # the reload
        page = client.get(response["Location"]).content.decode()
        assert re.search(
            rf'id="sent-event">Event sent: <a href="/buses/orders/events/{stored.id}/" class="mono">'
            rf"{stored.event_id}</a>",
            page,
        )
    assert ReceivedEvent.objects.count() == 1
    assert 'name="source" value="shop"' in page and "{&quot;n&quot;: 1}" in page  # to send another
    # Only this bus's events are named; a query naming none shows no notice.
    for url in (f"/buses/other/?sent={stored.id}", "/buses/orders/?sent=x,%C2%B2,99999999999999999999999,"):
        shown = client.get(url)
        assert shown.status_code == 200 and 'id="sent-event"' not in shown.content.decode()
    refused = client.post("/buses/orders/send", {"source": "shop", "detail_type": "Paid", "detail": "[1"})
    assert refused.status_code == 400 and beside(refused.content.decode(), "detail")
    assert 'value="shop"' in refused.content.decode() and ">[1</textarea>" in refused.content.decode()
    assert ReceivedEvent.objects.count() == 1


def test_an_events_empty_detail_reads_as_an_empty_object(client: Client) -> None:
    from workbench.events.models import ReceivedEvent

    client.post("/buses/", {"name": "orders"})
    client.post("/buses/orders/send", {"source": "shop", "detail_type": "Paid", "detail": "{}"})
    page = client.get(f"/buses/orders/events/{ReceivedEvent.objects.get().id}/").content.decode()
    assert '<dt>Detail</dt><dd class="mono">{}</dd>' in page


def test_an_original_and_its_replayed_copy_both_link_the_replay(client: Client) -> None:
    """Each page names the replay as a link to it, and links the other event (the copy keeps
    the original's id and carries "replay-name")."""
    from workbench.events.models import ReceivedEvent

    client.post("/buses/", {"name": "orders"})
    client.post("/buses/orders/send", {"source": "shop", "detail_type": "Paid", "detail": "{}"})
    original = ReceivedEvent.objects.get()
    copy = ReceivedEvent.objects.create(
        bus=original.bus,
        event_id=original.event_id,
        body={**original.body, "replay-name": "again"},
        received=original.received,
    )
    replay = 'Sent again by the replay <a href="/archives/#replays">again</a>'
    page = client.get(f"/buses/orders/events/{original.id}/").content.decode()
    assert f'{replay}: <a href="/buses/orders/events/{copy.id}/" class="replayed-event">its copy</a>' in page
    page = client.get(f"/buses/orders/events/{copy.id}/").content.decode()
    assert f'{replay}; <a href="/buses/orders/events/{original.id}/" class="original-event">' in page


def test_a_delivered_execution_links_both_ways(client: Client, broker: Any) -> None:
    from workbench.stepfunctions.models import Execution

    target = machine({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}, name="flow")
    client.post("/buses/", {"name": "orders"})
    client.post("/buses/orders/rules/", {"name": "r1", "event_pattern": PATTERN})
    client.post("/buses/orders/rules/r1/targets/save", {"target_id": "t", "arn": target.arn})
    page = client.post(
        "/buses/orders/send", {"source": "shop", "detail_type": "Paid", "detail": "{}"}, follow=True
    ).content.decode()
    journey_url = re.search(r'href="(/buses/orders/events/\d+/)"', page).group(1)  # type: ignore[union-attr]
    broker.drain()
    execution = Execution.objects.get(state_machine=target)
    journey = client.get(journey_url).content.decode()
    assert f'href="/executions/{execution.id}/"' in journey
    # The attempt's moment (its workspace's clock), not the row's last change.
    attempted = Delivery.objects.get().attempted
    assert attempted is not None and f'datetime="{dateformat.format(localtime(attempted), "c")}"' in journey
    execution_page = client.get(f"/executions/{execution.id}/").content.decode()
    assert 'id="started-by"' in execution_page and journey_url in execution_page


@pytest.mark.parametrize(
    ("url", "back"),
    [
        ("/buses/gone/", "/buses/"),
        ("/buses/default/rules/gone/", "/buses/"),
        ("/buses/default/events/999/", "/buses/"),
        ("/executions/999/", "/executions/"),
        ("/machines/gone/", "/machines/"),
    ],
)
def test_a_deleted_resource_page_says_so_and_links_back(client: Client, url: str, back: str) -> None:
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 404
    assert "Nothing here" in page and f'<a href="{back}">Back to' in page
    assert "Traceback" not in page and "urlpatterns" not in page


def test_the_bus_events_filter_and_page_by_key(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.console import events as console_events

    monkeypatch.setattr(console_events, "RECENT_EVENTS_PER_BUS", 2)
    client.post("/buses/", {"name": "orders"})
    sent = []
    for n in range(5):
        source = "shop" if n % 2 == 0 else "bank"
        form = {"source": source, "detail_type": f"t{n}", "detail": "{}"}
        page = client.post("/buses/orders/send", form, follow=True)
        sent.append((source, re.search(r'class="mono">([0-9a-f-]{36})</a>', page.content.decode()).group(1)))  # type: ignore[union-attr]
    seen: list[str] = []
    url = "/buses/orders/?source=shop"
    while url:
        page = client.get(url).content.decode()
        seen += re.findall(r'<tr data-event-id="([^"]+)">', page)
        older = re.search(r'id="older-events" href="([^"]+)"', page)
        url = "/buses/orders/" + older.group(1).replace("&amp;", "&") if older else ""
    assert sorted(seen) == sorted(event_id for source, event_id in sent if source == "shop")
    page = client.get("/buses/orders/?detail_type=t3").content.decode()
    assert re.findall(r'<tr data-event-id="([^"]+)">', page) == [sent[3][1]]
    assert client.get("/buses/orders/?after=%%%").status_code == 400


def test_a_target_is_edited_in_place(client: Client) -> None:
    from workbench.events.models import Target

    client.post("/buses/", {"name": "orders"})
    client.post("/buses/orders/rules/", {"name": "r1", "event_pattern": PATTERN})
    first = "arn:aws:lambda:us-east-1:123456789012:function:one"
    client.post("/buses/orders/rules/r1/targets/save", {"target_id": "t", "arn": first})
    page = client.get("/buses/orders/rules/r1/?edit=t").content.decode()
    assert f'name="arn" value="{first}"' in page and "Edit target t" in page
    second = "arn:aws:lambda:us-east-1:123456789012:function:two"
    client.post("/buses/orders/rules/r1/targets/save", {"target_id": "t", "arn": second, "input": '{"k": 1}'})
    assert list(Target.objects.values_list("target_id", "arn", "input")) == [("t", second, '{"k": 1}')]


def test_editing_a_target_keeps_the_settings_its_form_does_not_show(client: Client) -> None:
    """PutTargets replaces a target whole; the rule page's form shows its Id, Arn and Input
    only, so saving it must keep the RetryPolicy, DeadLetterConfig and RoleArn set through the
    API (a save that dropped them silently ended dead-lettering)."""
    from workbench.accounts.services import default_workspace
    from workbench.events import services as events
    from workbench.events.models import Target

    client.post("/buses/", {"name": "orders"})
    client.post("/buses/orders/rules/", {"name": "r1", "event_pattern": PATTERN})
    queue = "arn:aws:sqs:us-east-1:123456789012:"
    settings = {
        "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
        "DeadLetterConfig": {"Arn": queue + "dlq"},
        "RoleArn": "arn:aws:iam::123456789012:role/events",
    }
    target = {"Id": "t", "Arn": queue + "work", **settings}
    assert events.put_targets(default_workspace(), "r1", "orders", [target]) == []
    client.post(
        "/buses/orders/rules/r1/targets/save", {"target_id": "t", "arn": queue + "other", "input": '{"k": 1}'}
    )
    stored = Target.objects.get()
    assert (stored.arn, stored.input) == (queue + "other", '{"k": 1}')
    assert stored.retry_policy == settings["RetryPolicy"] and stored.dead_letter_arn == queue + "dlq"
    assert stored.role_arn == settings["RoleArn"]


@pytest.mark.parametrize(
    ("setting", "shown"),
    [
        ({"InputPath": "$.detail"}, "InputPath $.detail"),
        (
            {"InputTransformer": {"InputPathsMap": {"n": "$.detail.n"}, "InputTemplate": '{"n": <n>}'}},
            "InputTransformer",
        ),
    ],
)
def test_a_target_form_without_constant_input_keeps_an_input_path_or_transformer(
    client: Client, setting: dict[str, Any], shown: str
) -> None:
    """The rule page's form shows a constant Input only: saving it with that field empty (to
    change the retries, say) keeps the InputPath or InputTransformer set elsewhere, and the
    page says which the target uses; a constant input given replaces it (AWS allows one)."""
    from workbench.accounts.services import default_workspace
    from workbench.events import services as events
    from workbench.events.models import Target

    client.post("/buses/", {"name": "orders"})
    client.post("/buses/orders/rules/", {"name": "r1", "event_pattern": PATTERN})
    arn = "arn:aws:sqs:us-east-1:123456789012:work"
    assert events.put_targets(default_workspace(), "r1", "orders", [{"Id": "t", "Arn": arn, **setting}]) == []
    page = client.get("/buses/orders/rules/r1/?edit=t").content.decode()
    assert shown in page and 'id="input-kept"' in page and "(the matched event)" not in page
    assert 'href="/buses/orders/rules/r1/targets/?target=t"' in page
    form = {
        "target_id": "t",
        "arn": arn,
        "input": "",
        "retry_attempts": "3",
        "event_age": "",
        "dead_letter": "",
    }
    assert client.post("/buses/orders/rules/r1/targets/save", form).status_code == 302
    stored = Target.objects.get()
    kept = {"InputPath": stored.input_path, "InputTransformer": stored.input_transformer}
    assert {key: kept[key] for key in setting} == setting and stored.retry_policy == {
        "MaximumRetryAttempts": 3
    }
    client.post("/buses/orders/rules/r1/targets/save", {**form, "input": '{"k": 1}'})
    stored = Target.objects.get()
    assert (stored.input, stored.input_path, stored.input_transformer) == ('{"k": 1}', None, None)
    opened = client.get("/buses/orders/rules/r1/targets/?target=t")
    assert opened["Location"] == "/patterns/sandbox/?bus=orders&rule=r1&target=t#target-editor"


def test_a_rule_page_edits_its_schedule_and_refuses_one_aws_refuses_beside_the_field(client: Client) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.events import services as events
    from workbench.events.models import Rule
    from workbench.runtime import schedules

    rule = events.put_rule(default_workspace(), name="nightly", schedule_expression="cron(0 2 * * ? *)")
    schedules.arm(rule)
    page = client.get("/buses/default/rules/nightly/").content.decode()
    assert 'value="cron(0 2 * * ? *)"' in page and 'id="rule-schedule"' in page and "next firing" in page
    refused = client.post(
        "/buses/default/rules/nightly/", {"event_pattern": "", "schedule_expression": "rate(1 minutes)"}
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    # AWS's words (a recorded PutRule), then which part is wrong, for the person at the form.
    assert beside(body, "schedule_expression") == (
        "Parameter ScheduleExpression is not valid. A rate of 1 takes a singular unit (1 minute); "
        "other values a plural."
    )
    assert 'value="rate(1 minutes)"' in body  # what was typed is kept
    assert Rule.objects.get(name="nightly").schedule_expression == "cron(0 2 * * ? *)"
    saved = client.post(
        "/buses/default/rules/nightly/", {"event_pattern": "", "schedule_expression": "rate(2 hours)"}
    )
    assert saved.status_code == 302
    assert Rule.objects.get(name="nightly").schedule_expression == "rate(2 hours)"


def test_the_target_form_sets_a_retry_policy_and_a_dead_letter_queue(client: Client) -> None:
    """RetryPolicy (MaximumRetryAttempts 0..185, MaximumEventAgeInSeconds 60..86400) and
    DeadLetterConfig from the rule page, as PutTargets takes them (Amazon EventBridge API
    Reference: RetryPolicy); a value out of range is refused beside its field, with what was
    typed kept and nothing stored; emptied fields clear them."""
    from workbench.events.models import Target

    client.post("/buses/", {"name": "orders"})
    client.post("/buses/orders/rules/", {"name": "r1", "event_pattern": PATTERN})
    queue = "arn:aws:sqs:us-east-1:123456789012:"
    form = {"target_id": "t", "arn": queue + "work", "retry_attempts": "3", "event_age": "600"}
    refused = client.post("/buses/orders/rules/r1/targets/save", {**form, "retry_attempts": "186"})
    assert refused.status_code == 400
    said = beside(refused.content.decode(), "retry_attempts")
    assert "from 0 to 185" in said and 'value="186"' in refused.content.decode()
    refused = client.post("/buses/orders/rules/r1/targets/save", {**form, "event_age": "ten"})
    assert "whole number" in beside(refused.content.decode(), "event_age")
    assert not Target.objects.exists()
    saved = client.post("/buses/orders/rules/r1/targets/save", {**form, "dead_letter": queue + "dlq"})
    assert saved.status_code == 302
    stored = Target.objects.get()
    assert stored.retry_policy == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600}
    assert stored.dead_letter_arn == queue + "dlq"
    page = client.get("/buses/orders/rules/r1/?edit=t").content.decode()
    assert 'name="retry_attempts" value="3"' in page and f'name="dead_letter" value="{queue}dlq"' in page
    assert "retries: 3 within 600 s" in page and f"dead letters: {queue}dlq" in page
    cleared = {
        "target_id": "t",
        "arn": queue + "work",
        "retry_attempts": "",
        "event_age": "",
        "dead_letter": "",
    }
    client.post("/buses/orders/rules/r1/targets/save", cleared)
    stored = Target.objects.get()
    assert stored.retry_policy is None and stored.dead_letter_arn is None


@pytest.mark.parametrize(
    ("retry_attempts", "event_age", "dead_letter"),
    [
        ("500", "10", "arn:aws:lambda:us-east-1:123456789012:function:f"),
        ("-1", "86401", "not an arn"),
        ("1.5", "ten", "arn:aws:sqs:us-east-1:123456789012:"),
    ],
)
def test_the_target_form_names_every_bad_delivery_setting_in_plain_words(
    client: Client, retry_attempts: str, event_age: str, dead_letter: str
) -> None:
    """Retry attempts, maximum event age and the dead-letter queue are checked before PutTargets,
    so each bad one is named beside its own field at once, in plain words, not the API's."""
    import html

    from workbench.events.models import Target

    client.post("/buses/", {"name": "orders"})
    client.post("/buses/orders/rules/", {"name": "r1", "event_pattern": PATTERN})
    form = {
        "target_id": "t",
        "arn": "arn:aws:sqs:us-east-1:123456789012:work",
        "retry_attempts": retry_attempts,
        "event_age": event_age,
        "dead_letter": dead_letter,
    }
    refused = client.post("/buses/orders/rules/r1/targets/save", form)
    page = refused.content.decode()
    assert refused.status_code == 400 and "validation error" not in page
    assert (
        html.unescape(beside(page, "retry_attempts"))
        == "Retry attempts must be a whole number from 0 to 185."
    )
    assert (
        html.unescape(beside(page, "event_age"))
        == "Maximum event age must be a whole number of seconds from 60 to 86400."
    )
    assert (
        html.unescape(beside(page, "dead_letter"))
        == "The dead-letter queue must be an SQS queue's ARN (arn:aws:sqs:region:account:name)."
    )
    for name, value in form.items():
        assert f'name="{name}" value="{html.escape(value)}"' in page  # what was typed is kept
    for name in ("retry_attempts", "event_age", "dead_letter"):
        assert re.search(rf'name="{name}" [^>]*aria-invalid="true" aria-describedby="error-{name}"', page)
    assert not Target.objects.exists()


def test_an_events_page_lists_every_attempt_the_retry_and_the_dead_letter_queue(
    client: Client, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13's trace in the browser: each attempt with its outcome, moment and error; a
    delivery waiting for its retry says so, with when; one whose retries ran out says which
    dead-letter queue got the event ("Using dead-letter queues", EventBridge User Guide)."""
    from django.utils import timezone

    from tests.support.events import entry, record_enqueued
    from workbench.accounts.services import default_workspace
    from workbench.core.arns import function_arn
    from workbench.events import services as events
    from workbench.functions import services as functions
    from workbench.live import publish
    from workbench.runtime import deliveries, routing
    from workbench.sqs import services as sqs

    ws = default_workspace()
    sqs.create_queue(ws, "orders-dlq")
    functions.save_mock(ws, "flaky", [{"error": "Boom", "cause": "down"}] * 2)
    events.put_rule(ws, name="r1", event_pattern=PATTERN)
    target = {
        "Id": "fn",
        "Arn": function_arn(ws.region, ws.account_id, "flaky"),
        "RetryPolicy": {"MaximumRetryAttempts": 1},
        "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:123456789012:orders-dlq"},
    }
    assert events.put_targets(ws, "r1", None, [target]) == []
    sent = record_enqueued(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        routing.put_events(ws, [entry(n=1)])
    [delivery_id] = sent
    delivery = Delivery.objects.get(id=delivery_id)
    url = f"/buses/default/events/{delivery.event_id}/"
    told: list[tuple[int, list[str]]] = []
    monkeypatch.setattr(publish, "bus_changed", lambda bus_id, what: told.append((bus_id, list(what))))
    now = timezone.now()
    deliveries.deliver(delivery_id, now=now)
    # The page follows its bus's socket (tail.js): a retry scheduled tells it too.
    assert told == [(delivery.event.bus_id, ["deliveries"])]
    row = _delivery_row(client, url, "pending")
    retry_at = Delivery.objects.get(id=delivery_id).next_attempt_at
    assert retry_at is not None and "<strong>retrying</strong>" in row.group(1)
    assert f'next try <time datetime="{dateformat.format(localtime(retry_at), "c")}"' in row.group(1)
    deliveries.deliver(delivery_id, now=retry_at)
    row = _delivery_row(client, url, "failed")
    attempt = r'<li value="(\d)" data-outcome="(\w+)">.*?<div class="attempt-error">(.*?)</div>'
    tried = re.findall(attempt, row.group(1), re.S)
    assert [(number, outcome) for number, outcome, _ in tried] == [("1", "failed"), ("2", "failed")]
    assert all("Boom" in error for _, _, error in tried)
    assert 'Sent to the dead-letter queue <a href="/queues/orders-dlq/">orders-dlq</a>' in row.group(1)
    page = client.get(url).content.decode()
    assert f'id="deliveries-panel" data-live-socket="/ws/buses/{delivery.event.bus_id}/"' in page


def _delivery_row(client: Client, url: str, status: str) -> re.Match[str]:
    page = client.get(url).content.decode()
    row = re.search(rf'<tr data-target="fn" data-status="{status}">(.*?)</tr>', page, re.S)
    assert row, f"no {status} row"
    return row


@pytest.mark.parametrize(
    ("arn", "status", "page"),
    [
        ("arn:aws:sqs:us-east-1:123456789012:orders", "delivered", ("queue orders", "/queues/orders/")),
        (
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/all",
            "delivered",
            ("log group /aws/events/all", "/log-groups/?group=%2Faws%2Fevents%2Fall"),
        ),
        ("arn:aws:sqs:us-east-1:123456789012:orders", "failed", None),
        ("arn:aws:lambda:us-east-1:123456789012:function:echo", "delivered", None),
    ],
)
def test_a_delivered_queue_or_log_group_links_to_its_page(arn: str, status: str, page: object) -> None:
    from workbench.console.events import target_page
    from workbench.core import rows

    assert target_page(rows.new(Delivery, target_arn=arn, status=status)) == page
