"""The Schedules pages in-process: create with every optional setting (read back through
GetSchedule), the schedule's page (settings, recent firings, edit pre-filled with everything so
saving keeps what was not changed, enable/disable, delete), refusals beside their fields all at
once with what was typed kept, the groups, the redirect from /schedules/; and a scheduled
rule's page showing its schedule and next firing."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from tests.support.pages import alert_error

pytestmark = pytest.mark.django_db(transaction=True)

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:echo"
ROLE = "arn:aws:iam::123456789012:role/scheduler"
DLQ = "arn:aws:sqs:us-east-1:123456789012:schedule-dlq"


def _form(**changes: str) -> dict[str, str]:
    form = {"name": "nightly", "group": "default", "expression": "cron(0 2 * * ? 2099)", "timezone": "UTC"}
    form.update({"target": FUNCTION, "role": ROLE, "input": ""})
    form.update(changes)
    return form


def _every_setting() -> dict[str, str]:
    return _form(
        name="weekly-report",
        expression="cron(30 8 ? * MON *)",
        timezone="Europe/Paris",
        input='{"report": "weekly"}',
        state="DISABLED",
        window_mode="FLEXIBLE",
        window_minutes="15",
        retry_attempts="3",
        event_age="120",
        dead_letter=DLQ,
        start="2030-01-01T09:00",
        end="2031-06-30T18:30:15",
        description="Monday's report",
        delete_after="1",
    )


def _said(page: str, error_id: str) -> str:
    """The error beside a field, as the person reads it (the page escapes quotes)."""
    return html.unescape(alert_error(page, error_id))


def _get_schedule(name: str, group: str = "default") -> dict[str, Any]:
    """GetSchedule's answer, as the API gives it to boto3."""
    from workbench.accounts.services import default_workspace
    from workbench.awsapi import scheduler as api

    return api.get_schedule(default_workspace(), {"Name": name, "GroupName": group})


def _make_queue(name: str) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.sqs import services as queues

    queues.create_queue(default_workspace(), name, {})


class _FormValues(HTMLParser):
    """What a browser would send for one form of a page, as pre-filled."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = found.get("id") == self.form_id
        if not self.inside:
            return
        name = found.get("name")
        if tag == "input" and name:
            if found.get("type") == "checkbox":
                if "checked" in found:
                    self.values[name] = found.get("value", "on")
            else:
                self.values[name] = found.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and ("selected" in found or self._select not in self.values):
            self.values[self._select] = found.get("value", "\0")  # "\0": the option's text

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data
        elif self._select and self.values.get(self._select) == "\0":
            self.values[self._select] = data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _prefilled(page: str, form_id: str) -> dict[str, str]:
    parser = _FormValues(form_id)
    parser.feed(page)
    values = dict(parser.values)
    values.pop("csrfmiddlewaretoken", None)
    return values


def test_create_toggle_and_delete_a_schedule(client: Client, broker: Any) -> None:
    from workbench.events.models import Schedule

    response = client.post("/scheduler/", _form())
    assert response.status_code == 302
    assert response["Location"] == "/scheduler/?done=schedule-created&name=nightly"
    page = client.get("/scheduler/").content.decode()
    assert re.search(r'data-schedule="nightly" data-state="ENABLED"', page)
    assert '<a href="/scheduler/default/nightly/">nightly</a>' in page
    assert '<time datetime="2099-01-01T02:00:00+00:00">2099-01-01 02:00:00</time>' in page
    client.post("/scheduler/", {"action": "disable", "group": "default", "name": "nightly"})
    assert Schedule.objects.get().state == "DISABLED"
    assert 'data-schedule="nightly" data-state="DISABLED"' in client.get("/scheduler/").content.decode()
    client.post("/scheduler/", {"action": "enable", "group": "default", "name": "nightly"})
    assert Schedule.objects.get().state == "ENABLED" and Schedule.objects.get().next_fire_at is not None
    deleted = client.post("/scheduler/", {"action": "delete", "group": "default", "name": "nightly"})
    assert deleted["Location"] == "/scheduler/?done=schedule-deleted&name=nightly"
    assert not Schedule.objects.exists()


def test_the_notice_after_a_redirect_is_shown(client: Client) -> None:
    """The page says what the action it redirected from did (forms.NOTICES)."""
    page = client.post("/scheduler/", _form(), follow=True).content.decode()
    assert '<p class="notice" role="status">Schedule nightly created.</p>' in page
    page = client.post(
        "/scheduler/", {"action": "disable", "group": "default", "name": "nightly"}, follow=True
    )
    assert '<p class="notice" role="status">Schedule nightly disabled.</p>' in page.content.decode()


def test_create_with_every_optional_setting_reads_back_through_get_schedule(client: Client) -> None:
    _make_queue("schedule-dlq")
    page = client.get("/scheduler/").content.decode()
    assert f'<option value="{DLQ}">schedule-dlq</option>' in page, "the dead-letter select offers the queue"
    response = client.post("/scheduler/", _every_setting())
    assert response.status_code == 302, response.content.decode()[-3000:]
    got = _get_schedule("weekly-report")
    assert got["ScheduleExpression"] == "cron(30 8 ? * MON *)"
    assert got["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert got["State"] == "DISABLED"
    assert got["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    assert got["Target"] == {
        "Arn": FUNCTION,
        "RoleArn": ROLE,
        "Input": '{"report": "weekly"}',
        "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 120},
        "DeadLetterConfig": {"Arn": DLQ},
    }
    assert got["StartDate"].isoformat() == "2030-01-01T09:00:00+00:00"
    assert got["EndDate"].isoformat() == "2031-06-30T18:30:15+00:00"
    assert got["Description"] == "Monday's report"
    assert got["ActionAfterCompletion"] == "DELETE"


def test_without_optional_settings_aws_defaults_apply(client: Client) -> None:
    assert client.post("/scheduler/", _form()).status_code == 302
    got = _get_schedule("nightly")
    assert got["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert got["Target"]["RetryPolicy"] == {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400}
    assert "DeadLetterConfig" not in got["Target"] and "Input" not in got["Target"]
    assert "StartDate" not in got and "EndDate" not in got and "Description" not in got
    assert got["State"] == "ENABLED" and got["ActionAfterCompletion"] == "NONE"


def test_the_schedule_page_shows_what_get_schedule_returns(client: Client) -> None:
    _make_queue("schedule-dlq")
    client.post("/scheduler/", _every_setting())
    page = client.get("/scheduler/default/weekly-report/").content.decode()
    settings = page.split('id="settings"', 1)[1].split("</dl>", 1)[0]
    for shown in (
        "cron(30 8 ? * MON *)",
        "Europe/Paris",
        "DISABLED",
        "FLEXIBLE, within 15 minutes",
        FUNCTION,
        ROLE,
        "{&quot;report&quot;: &quot;weekly&quot;}",
        "3 attempts at most, for events up to 120 seconds old",
        '<a href="/queues/schedule-dlq/">schedule-dlq</a>',
        '<time datetime="2030-01-01T09:00:00+00:00">2030-01-01 09:00:00 UTC</time>',
        '<time datetime="2031-06-30T18:30:15+00:00">',
        "DELETE",
        "Monday&#x27;s report",
    ):
        assert shown in settings, shown
    assert "none: disabled" in settings  # no next firing while disabled
    assert client.get("/scheduler/default/missing/").status_code == 404
    assert client.get("/scheduler/nogroup/weekly-report/").status_code == 404


def test_saving_the_edit_form_untouched_keeps_every_setting(client: Client) -> None:
    """UpdateSchedule resets what it is not sent: the pre-filled form sends it all, and the
    target settings the form does not edit (set through the API) and KmsKeyArn too."""
    from workbench.accounts.services import default_workspace
    from workbench.events import scheduler

    _make_queue("schedule-dlq")
    client.post("/scheduler/", _every_setting())
    schedule = scheduler.get_schedule(default_workspace(), "weekly-report", None)
    schedule.target = {**schedule.target, "SqsParameters": {"MessageGroupId": "reports"}}
    schedule.kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/abc"
    schedule.save()
    before = _get_schedule("weekly-report")
    url = "/scheduler/default/weekly-report/"
    form = _prefilled(client.get(url).content.decode(), "edit-schedule")
    assert form["action"] == "update" and form["window_minutes"] == "15" and form["dead_letter"] == DLQ
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert response["Location"] == f"{url}?done=schedule-updated&name=weekly-report"
    after = _get_schedule("weekly-report")
    changed = {key for key in before if before[key] != after.get(key)} | (after.keys() - before.keys())
    assert changed == {"LastModificationDate"}
    # One setting changed: that one only (the page read again: it carries the schedule's version).
    form = _prefilled(client.get(url).content.decode(), "edit-schedule")
    response = client.post(url, {**form, "description": "Mondays", "retry_attempts": "5"})
    assert response.status_code == 302
    after = _get_schedule("weekly-report")
    assert after["Description"] == "Mondays"
    assert after["Target"]["RetryPolicy"] == {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 120}
    assert after["Target"]["SqsParameters"] == {"MessageGroupId": "reports"}
    assert after["KmsKeyArn"] == before["KmsKeyArn"] and after["EndDate"] == before["EndDate"]


def test_a_page_read_before_an_api_change_does_not_undo_it(client: Client) -> None:
    """The edit form sends every setting (UpdateSchedule replaces them all), so a page read
    before UpdateSchedule came through the API is refused rather than sending the old ones back."""
    from workbench.accounts.services import default_workspace
    from workbench.events import scheduler

    client.post("/scheduler/", _form())
    url = "/scheduler/default/nightly/"
    stale = _prefilled(client.get(url).content.decode(), "edit-schedule")
    current = _get_schedule("nightly")
    changed = {
        "ScheduleExpression": "rate(3 hours)",
        "FlexibleTimeWindow": current["FlexibleTimeWindow"],
        "Target": current["Target"],
    }
    scheduler.update_schedule(default_workspace(), "nightly", changed)
    refused = client.post(url, {**stale, "description": "from the page"})
    assert refused.status_code == 400
    assert "changed since this page was loaded" in refused.content.decode()
    assert _get_schedule("nightly")["ScheduleExpression"] == "rate(3 hours)"
    assert "Description" not in _get_schedule("nightly")


def test_every_refusal_of_the_services_own_checks_shows_in_the_same_submit(client: Client) -> None:
    """End before start and a target that is not an ARN are events.scheduler's checks: they
    show beside their fields together with the form's own refusals."""
    page = client.post(
        "/scheduler/",
        _form(
            name="bad name!",
            target="not-an-arn",
            start="2031-06-01T00:00:00",
            end="2031-01-01T00:00:00",
        ),
    ).content.decode()
    for error_id, says in (
        ("name-error", "Member must satisfy regular expression pattern"),
        ("target-error", "Invalid Arn 'not-an-arn' in Target"),
        ("end-error", "The EndDate must be after the StartDate."),
    ):
        assert says in html.unescape(alert_error(page, error_id)), error_id


def test_the_schedule_page_enables_disables_and_deletes(client: Client, broker: Any) -> None:
    from workbench.events.models import Schedule

    client.post("/scheduler/", _form())
    url = "/scheduler/default/nightly/"
    page = client.get(url).content.decode()
    assert 'data-confirm="Delete the schedule nightly? It will not fire again."' in page
    disabled = client.post(url, {"action": "disable"})
    assert disabled["Location"] == f"{url}?done=schedule-disabled&name=nightly"
    assert Schedule.objects.get().state == "DISABLED"
    client.post(url, {"action": "enable"})
    assert Schedule.objects.get().state == "ENABLED" and Schedule.objects.get().next_fire_at is not None
    deleted = client.post(url, {"action": "delete"})
    assert deleted["Location"] == "/scheduler/?done=schedule-deleted&name=nightly"
    assert not Schedule.objects.exists()


def test_the_schedule_page_lists_its_firings_with_their_journeys(client: Client, broker: Any) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.events import scheduler
    from workbench.events.models import ReceivedEvent
    from workbench.runtime import schedules as timers

    client.post("/scheduler/", _form(name="every-minute", expression="rate(1 minute)"))
    client.post("/scheduler/", _form(name="other", expression="rate(1 minute)"))
    schedule = scheduler.get_schedule(default_workspace(), "every-minute", None)
    assert "No firings yet." in client.get("/scheduler/default/every-minute/").content.decode()
    due = schedule.next_fire_at
    assert due is not None
    with mock.patch.object(timezone, "now", lambda: due + timedelta(seconds=1)):
        assert timers.fire_schedule(schedule.id, due)
    event = ReceivedEvent.objects.get()
    assert event.fired_by_schedule == "default/every-minute"
    page = client.get("/scheduler/default/every-minute/").content.decode()
    assert f'href="/buses/default/events/{event.id}/"' in page
    assert event.event_id in page
    other = client.get("/scheduler/default/other/").content.decode()
    assert "No firings yet." in other and event.event_id not in other


@pytest.mark.parametrize(
    ("changes", "error_id", "says"),
    [
        (
            {"expression": "rate(1 minutes)"},
            "expression-error",
            # AWS's words, then which part is wrong (the engine's reason, for the browser).
            "Invalid Schedule Expression rate(1 minutes). A rate of 1 takes a singular unit",
        ),
        (
            {"expression": "cron(0 9 * * MON *)"},
            "expression-error",
            "Exactly one of day-of-month and day-of-week must be ?.",
        ),
        ({"timezone": "Mars/Base"}, "timezone-error", "Invalid time zone: Mars/Base."),
        ({"name": "bad name"}, "name-error", "failed to satisfy constraint"),
        (
            {"name": "n" * 70},
            "name-error",
            f"Value '{'n' * 70}' at 'name' failed to satisfy constraint: "
            "Member must have length less than or equal to 64",
        ),
    ],
)
def test_a_refused_schedule_is_shown_beside_its_field_and_kept(
    client: Client, changes: dict[str, str], error_id: str, says: str
) -> None:
    from workbench.events.models import Schedule

    response = client.post("/scheduler/", _form(**changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert says in _said(page, error_id)
    assert f'aria-describedby="{error_id}"' in page
    for value in changes.values():
        assert f'value="{value}"' in page
    assert not Schedule.objects.exists()


def test_every_refusal_is_shown_at_once_beside_its_field(client: Client) -> None:
    from workbench.events.models import Schedule

    typed = _form(
        name="n" * 70,
        expression="rate(0 hours)",
        timezone="Mars/Base",
        role="not-a-role",
        state="PAUSED",
        window_mode="FLEXIBLE",
        window_minutes="",
        retry_attempts="many",
        event_age="30",
        dead_letter="arn:aws:sqs:us-east-1:123456789012:jobs.fifo",
        start="next monday",
        description="d" * 513,
    )
    response = client.post("/scheduler/", typed)
    assert response.status_code == 400
    page = response.content.decode()
    expected = {
        "name-error": "Member must have length less than or equal to 64",
        "expression-error": "Invalid Schedule Expression rate(0 hours).",
        "timezone-error": "Invalid time zone: Mars/Base.",
        "role-error": "at 'target.roleArn' failed to satisfy constraint: Member must satisfy regular",
        "state-error": "Member must satisfy enum value set: [ENABLED, DISABLED]",
        "window_minutes-error": "MaximumWindowInMinutes is required when Mode is FLEXIBLE.",
        "retry_attempts-error": "Parameter MaximumRetryAttempts is not valid. Reason: must be a whole number",
        "event_age-error": "Value '30' at 'target.retryPolicy.maximumEventAgeInSeconds' failed to satisfy "
        "constraint: Member must have value greater than or equal to 60",
        "dead_letter-error": "at 'target.deadLetterConfig.arn' failed to satisfy constraint",
        "start-error": "Parameter StartDate is not valid.",
        "description-error": "Member must have length less than or equal to 512",
    }
    for error_id, says in expected.items():
        assert says in _said(page, error_id), error_id
        assert f'aria-invalid="true" aria-describedby="{error_id}"' in page
    for key in ("name", "expression", "timezone", "role", "retry_attempts", "event_age", "start"):
        assert f'value="{typed[key]}"' in page, key
    assert f'<option value="{typed["dead_letter"]}" selected>' in page
    assert '<option value="FLEXIBLE" selected>' in page
    assert '<details id="optional-settings" open>' in page, "the optional settings open to show their errors"
    assert not Schedule.objects.exists()


def test_the_end_date_before_the_start_is_refused_beside_it(client: Client) -> None:
    response = client.post("/scheduler/", _form(start="2030-01-02T00:00", end="2030-01-01T00:00"))
    assert response.status_code == 400
    assert "The EndDate must be after the StartDate." in _said(response.content.decode(), "end-error")


def test_a_name_already_taken_in_the_group_is_refused_beside_the_name(client: Client) -> None:
    client.post("/scheduler/", _form())
    response = client.post("/scheduler/", _form())
    assert response.status_code == 400
    assert "ConflictException" in _said(response.content.decode(), "name-error")


def test_a_refused_edit_is_shown_beside_its_fields_and_changes_nothing(client: Client) -> None:
    client.post("/scheduler/", _form())
    url = "/scheduler/default/nightly/"
    form = _prefilled(client.get(url).content.decode(), "edit-schedule")
    before = _get_schedule("nightly")
    response = client.post(url, {**form, "expression": "rate(five minutes)", "window_mode": "FLEXIBLE"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Invalid Schedule Expression rate(five minutes)." in _said(page, "expression-error")
    assert "MaximumWindowInMinutes is required" in _said(page, "window_minutes-error")
    assert 'value="rate(five minutes)"' in page
    assert _get_schedule("nightly") == before


@pytest.mark.parametrize(
    "posted",
    [
        {},  # a crafted POST without any field
        {"name": "a\x00b", "group": "default", "expression": "rate(1 hour)", "target": FUNCTION},
        {"name": "ok", "group": "no\x00group", "expression": "rate(1 hour)", "target": FUNCTION},
        {"action": "delete", "group": "x\x00", "name": "y"},
        {"action": "delete-group", "group": "default"},
        {"action": "delete-group", "group": "g\x00"},
        {"action": "create-group", "group_name": "g\x00"},
    ],
)
def test_bad_posts_are_refused_never_a_server_error(client: Client, posted: dict[str, str]) -> None:
    assert client.post("/scheduler/", posted).status_code in (302, 400)
    client.post("/scheduler/", _form())
    assert client.post("/scheduler/default/nightly/", posted).status_code in (302, 400)


def test_groups_are_created_and_deleted_with_their_schedules(client: Client) -> None:
    from workbench.events.models import Schedule, ScheduleGroup

    created = client.post("/scheduler/", {"action": "create-group", "group_name": "reports"})
    assert created["Location"] == "/scheduler/?done=schedule-group-created&name=reports"
    again = client.post("/scheduler/", {"action": "create-group", "group_name": "reports"})
    assert again.status_code == 400
    assert "Schedule group reports already exists." in _said(again.content.decode(), "group-name-error")
    long = client.post("/scheduler/", {"action": "create-group", "group_name": "g" * 65})
    page = long.content.decode()
    assert "Member must have length less than or equal to 64" in _said(page, "group-name-error")
    assert f'value="{"g" * 65}"' in page
    assert client.post("/scheduler/", _form(group="reports")).status_code == 302
    page = client.get("/scheduler/").content.decode()
    assert "<option selected>default</option><option>reports</option>" in page
    assert "Delete the schedule group reports? Its 1 schedule will be deleted too." in page
    assert '<a href="/scheduler/reports/nightly/">nightly</a>' in page
    deleted = client.post("/scheduler/", {"action": "delete-group", "group": "reports"})
    assert deleted["Location"] == "/scheduler/?done=schedule-group-deleted&name=reports"
    assert not Schedule.objects.exists()
    client.post("/scheduler/", {"action": "delete-group", "group": "default"})
    assert list(ScheduleGroup.objects.values_list("name", flat=True)) == ["default"]
    assert "always there" in client.get("/scheduler/").content.decode()


def test_schedules_redirects_to_the_scheduler_page_for_good(client: Client) -> None:
    response = client.get("/schedules/")
    assert response.status_code == 301 and response["Location"] == "/scheduler/"


def test_a_scheduled_rule_shows_its_schedule_and_next_firing(client: Client, broker: Any) -> None:
    from workbench.events.models import Rule

    response = client.post(
        "/buses/default/rules/",
        {
            "name": "yearly",
            "event_pattern": "",
            "schedule_expression": "cron(0 0 1 1 ? 2098)",
            "state": "ENABLED",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get("/buses/default/rules/yearly/").content.decode()
    assert "Runs on <code>cron(0 0 1 1 ? 2098)</code>" in page
    assert '<time datetime="2098-01-01T00:00:00+00:00">' in page
    assert Rule.objects.get().next_fire_at is not None
    refused = client.post(
        "/buses/default/rules/yearly/",
        {"event_pattern": "", "schedule_expression": "rate(5 minute)", "description": "", "state": "ENABLED"},
    )
    assert refused.status_code == 400
    assert "Parameter ScheduleExpression is not valid." in refused.content.decode()
    assert 'value="rate(5 minute)"' in refused.content.decode()
