"""The Schedules page and scheduled rules in the console, in-process: a schedule created with
its next firing shown, a refused expression beside its field with what was typed kept,
enable/disable and delete; a scheduled rule's page shows its schedule and next firing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.support.pages import alert_error

pytestmark = pytest.mark.django_db(transaction=True)

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:echo"


def _form(**changes: str) -> dict[str, str]:
    form = {"name": "nightly", "group": "default", "expression": "cron(0 2 * * ? 2099)", "timezone": "UTC"}
    form.update({"target": FUNCTION, "role": "arn:aws:iam::123456789012:role/scheduler", "input": ""})
    form.update(changes)
    return form


def test_create_toggle_and_delete_a_schedule(client: Client, broker: Any) -> None:
    from workbench.events.models import Schedule

    response = client.post("/scheduler/", _form())
    assert response.status_code == 302
    page = client.get("/scheduler/").content.decode()
    assert re.search(r'data-schedule="nightly" data-state="ENABLED"', page)
    assert '<time datetime="2099-01-01T02:00:00+00:00">2099-01-01 02:00:00</time>' in page
    client.post("/scheduler/", {"action": "disable", "group": "default", "name": "nightly"})
    assert Schedule.objects.get().state == "DISABLED"
    assert 'data-schedule="nightly" data-state="DISABLED"' in client.get("/scheduler/").content.decode()
    client.post("/scheduler/", {"action": "enable", "group": "default", "name": "nightly"})
    assert Schedule.objects.get().state == "ENABLED" and Schedule.objects.get().next_fire_at is not None
    client.post("/scheduler/", {"action": "delete", "group": "default", "name": "nightly"})
    assert not Schedule.objects.exists()


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
    ],
)
def test_a_refused_schedule_is_shown_beside_its_field_and_kept(
    client: Client, changes: dict[str, str], error_id: str, says: str
) -> None:
    from workbench.events.models import Schedule

    response = client.post("/scheduler/", _form(**changes))
    page = response.content.decode()
    assert says in alert_error(page, error_id)
    for value in changes.values():
        assert f'value="{value}"' in page
    assert not Schedule.objects.exists()


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
    assert (
        'data-field="schedule_expression">Parameter ScheduleExpression is not valid.'
        in refused.content.decode()
    )
    assert 'value="rate(5 minute)"' in refused.content.decode()
