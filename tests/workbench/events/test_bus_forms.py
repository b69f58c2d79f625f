"""The bus and rule pages' forms, through Django's test client: every independent refusal is
shown at once, each beside its own field (``sqs/field_error.html``'s ``<p role="alert">``, whose
id the field's ``aria-describedby`` names, as on the Archives page), with what was typed kept."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.test import Client

from tests.support.pages import alert_error
from workbench.accounts.services import default_workspace
from workbench.events import services
from workbench.events.models import EventBus, ReceivedEvent, Rule, Target

pytestmark = pytest.mark.django_db

PATTERN = json.dumps({"source": ["shop"]})
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:work"


def refusal(page: str, field: str) -> str:
    """The message beside ``field`` (unescaped, without its code), checking that the field
    points at it: ``aria-invalid`` and ``aria-describedby`` naming the error's id."""
    error_id = f"error-{field}"
    tag = re.search(rf'<(?:input|textarea|select) name="{field}"[^>]*>', page)
    assert tag, f"no field {field}"
    assert 'aria-invalid="true"' in tag.group(0), f"{field} is not marked invalid"
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    assert described and error_id in described.group(1).split(), f"{field} does not name {error_id}"
    return html.unescape(alert_error(page, error_id).split("</strong>: ", 1)[1])


def no_refusal(page: str, field: str) -> None:
    assert f'id="error-{field}"' not in page, f"an error beside {field}"
    tag = re.search(rf'<(?:input|textarea|select) name="{field}"[^>]*>', page)
    assert tag and "aria-invalid" not in tag.group(0)


@pytest.fixture
def rule() -> Rule:
    ws = default_workspace()
    services.create_bus(ws, "orders")
    return services.put_rule(ws, name="r1", bus_name="orders", event_pattern=PATTERN)


def test_a_bad_constant_input_is_named_beside_the_input_not_the_arn(client: Client, rule: Rule) -> None:
    """A valid ARN with constant input ``{'bad': json}``: AWS's words ("JSON syntax error in
    input for target t-bad.") beside Input, which is the field the error names, not the ARN."""
    form = {"target_id": "t-bad", "arn": QUEUE_ARN, "input": "{'bad': json}"}
    refused = client.post("/buses/orders/rules/r1/targets/save", form)
    page = refused.content.decode()
    assert refused.status_code == 400
    assert refusal(page, "input") == "JSON syntax error in input for target t-bad."
    no_refusal(page, "arn")
    assert "{&#x27;bad&#x27;: json}</textarea>" in page and f'value="{QUEUE_ARN}"' in page
    assert not Target.objects.exists()


def test_every_bad_field_of_the_target_form_is_named_at_once(client: Client, rule: Rule) -> None:
    """Bad input, retry attempts 500 and event age 10: three errors, each beside its field."""
    form = {
        "target_id": "t-bad",
        "arn": QUEUE_ARN,
        "input": "{'bad': json}",
        "retry_attempts": "500",
        "event_age": "10",
    }
    page = client.post("/buses/orders/rules/r1/targets/save", form).content.decode()
    assert refusal(page, "input") == "JSON syntax error in input for target t-bad."
    assert refusal(page, "retry_attempts") == "Retry attempts must be a whole number from 0 to 185."
    assert (
        refusal(page, "event_age") == "Maximum event age must be a whole number of seconds from 60 to 86400."
    )
    no_refusal(page, "arn")
    assert 'name="retry_attempts" value="500"' in page and 'name="event_age" value="10"' in page


def test_a_bad_id_and_arn_are_named_with_the_rest(client: Client, rule: Rule) -> None:
    form = {"target_id": "bad id!", "arn": "queue", "input": "[1", "dead_letter": "nope"}
    page = client.post("/buses/orders/rules/r1/targets/save", form).content.decode()
    assert "letters, digits" in refusal(page, "target_id")
    assert "starting arn:" in refusal(page, "arn")
    assert refusal(page, "input") == "JSON syntax error in input for target bad id!."
    assert "SQS queue's ARN" in refusal(page, "dead_letter")
    assert 'value="bad id!"' in page and 'value="queue"' in page and 'value="nope"' in page


def test_a_kept_input_note_and_the_inputs_error_are_both_described(client: Client, rule: Rule) -> None:
    """A target stored with an InputPath: the Input field describes the note and, refused,
    its error too."""
    services.put_targets(
        default_workspace(), "r1", "orders", [{"Id": "t", "Arn": QUEUE_ARN, "InputPath": "$.detail"}]
    )
    page = client.post(
        "/buses/orders/rules/r1/targets/save", {"target_id": "t", "arn": QUEUE_ARN, "input": "{"}
    ).content.decode()
    assert 'aria-describedby="input-kept error-input"' in page
    assert refusal(page, "input") == "JSON syntax error in input for target t."


def test_the_create_rule_form_names_every_bad_field_at_once(client: Client) -> None:
    client.get("/buses/")
    form = {
        "name": "bad name!",
        "event_pattern": '{"source": "shop"}',
        "schedule_expression": "rate(1 minutes)",
    }
    refused = client.post("/buses/default/rules/", {**form, "state": "SOMETIMES", "description": "kept"})
    page = refused.content.decode()
    assert refused.status_code == 400
    assert "failed to satisfy constraint" in refusal(page, "name")
    assert refusal(page, "event_pattern").startswith("Event pattern is not valid.")
    assert refusal(page, "schedule_expression").startswith("Parameter ScheduleExpression is not valid.")
    assert "ENABLED, DISABLED" in refusal(page, "state")
    assert 'value="bad name!"' in page and 'value="rate(1 minutes)"' in page and 'value="kept"' in page
    assert "{&quot;source&quot;: &quot;shop&quot;}</textarea>" in page
    assert not Rule.objects.filter(name="bad name!").exists()


def test_a_rule_on_another_bus_takes_no_schedule_and_names_its_pattern_too(
    client: Client, rule: Rule
) -> None:
    page = client.post(
        "/buses/orders/rules/r1/",
        {"event_pattern": "[", "schedule_expression": "rate(5 minutes)", "state": "ENABLED"},
    ).content.decode()
    assert refusal(page, "event_pattern").startswith("Event pattern is not valid.")
    assert (
        refusal(page, "schedule_expression")
        == "ScheduleExpression is supported only on the default event bus."
    )
    assert Rule.objects.get(name="r1").event_pattern == PATTERN


def test_the_logging_form_names_both_bad_settings(client: Client, rule: Rule) -> None:
    refused = client.post("/buses/orders/logging", {"level": "LOUD", "include_detail": "SOME"})
    page = refused.content.decode()
    assert refused.status_code == 400
    assert "logConfig.level" in html.unescape(alert_error(page, "error-log_level"))
    assert "logConfig.includeDetail" in html.unescape(alert_error(page, "error-log_include_detail"))
    assert re.search(r'name="level" aria-invalid="true" aria-describedby="error-log_level"', page)
    assert re.search(
        r'name="include_detail" aria-invalid="true" aria-describedby="error-log_include_detail"', page
    )
    assert EventBus.objects.get(name="orders").log_config in (None, {})


def test_the_send_events_form_names_every_missing_field_and_bad_detail(client: Client, rule: Rule) -> None:
    refused = client.post("/buses/orders/send", {"source": "", "detail_type": "", "detail": "{oops"})
    page = refused.content.decode()
    assert refused.status_code == 400
    assert "Source is a required argument" in refusal(page, "source")
    assert "DetailType is a required argument" in refusal(page, "detail_type")
    assert refusal(page, "detail").startswith("Detail is not JSON")
    assert "{oops</textarea>" in page and not ReceivedEvent.objects.exists()


def test_send_events_may_use_a_source_of_awss_own(client: Client, rule: Rule) -> None:
    """PutEvents refuses an ``aws.`` source (NotAuthorizedForSourceException); the page's Send
    events sends one, so a rule written for AWS's events can be tried."""
    services.put_rule(
        default_workspace(), name="ec2", bus_name="orders", event_pattern='{"source": ["aws.ec2"]}'
    )
    sent = client.post("/buses/orders/send", {"source": "aws.ec2", "detail_type": "t", "detail": "{}"})
    assert sent.status_code == 302
    event = ReceivedEvent.objects.get()
    assert event.body["source"] == "aws.ec2" and event.matched_rules == ["ec2"]


def test_the_webhook_form_describes_its_error(client: Client, rule: Rule) -> None:
    client.post("/buses/orders/webhook", {"action": "enable"})
    page = client.post(
        "/buses/orders/webhook", {"action": "configure", "source": "", "detail_type": "typed"}
    ).content.decode()
    assert re.search(r'name="source" [^>]*aria-invalid="true" aria-describedby="error-webhook_source"', page)
    assert "Source must be 1 to" in alert_error(page, "error-webhook_source")
    assert 'value="typed"' in page


def test_editing_an_archives_rule_is_refused_in_words_on_its_page(client: Client) -> None:
    """A stale tab posting the edit form of an archive's rule: the refusal is shown (it has no
    name field to sit beside), never a bare 400."""
    from workbench.events import archives

    ws = default_workspace()
    archives.create_archive(ws, name="orders", source_arn=services.ensure_default_bus(ws).arn)
    refused = client.post("/buses/default/rules/Events-Archive-orders/", {"event_pattern": PATTERN})
    assert refused.status_code == 400
    assert "is a managed rule" in alert_error(refused.content.decode(), "error-managed")


def test_reloading_a_refused_forms_address_goes_back_to_its_page(client: Client, rule: Rule) -> None:
    """A refused form is answered at its POST address; a reload GETs that address, which goes
    back to the form's page instead of a bare 405 (console.forms.posted_or_back)."""
    refused = client.post("/buses/orders/rules/r1/targets/save", {"target_id": "t", "arn": "nope"})
    assert refused.status_code == 400
    for address, page in (
        ("/buses/orders/rules/r1/targets/save", "/buses/orders/rules/r1/"),
        ("/buses/orders/rules/", "/buses/orders/"),
        ("/buses/orders/send", "/buses/orders/"),
    ):
        again = client.get(address)
        assert (again.status_code, again["Location"]) == (302, page), address
    assert client.put("/buses/orders/send").status_code == 405
    assert not Target.objects.exists()
