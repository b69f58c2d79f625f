"""The Activities page in process: the list with the tasks waiting on each (taken or not), the
create form (Step Functions' error beside the field, keeping what was typed), and delete only
after the name is typed."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.support.inprocess import Broker, machine
from workbench.accounts.services import default_workspace
from workbench.stepfunctions import activities
from workbench.stepfunctions.models import Activity

pytestmark = pytest.mark.django_db(transaction=True)


def _section(page: str, name: str) -> str:
    found = re.search(rf'<section class="activity" data-activity="{name}".*?</section>', page, re.S)
    assert found is not None, page
    return found.group(0)


def test_the_page_lists_activities_with_their_waiting_tasks(broker: Broker) -> None:
    from workbench.runtime import activities as tasks
    from workbench.runtime import executions

    activity = activities.create_activity(default_workspace(), "pack")
    activities.create_activity(default_workspace(), "idle")
    definition = {
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": activity.arn, "End": True}},
    }
    target = machine(json.dumps(definition), name="packing")
    executions.start_execution(target, name="first")
    executions.start_execution(target, name="second")
    assert tasks.poll(activity, "worker-7", seconds=0) is not None
    page = Client().get("/activities/").content.decode()
    assert 'aria-current="page">Activities<' in page
    pack = _section(page, "pack")
    assert activity.arn in pack
    assert re.findall(r'data-task-state="(\w+)"', pack) == ["started", "scheduled"]
    assert "taken by worker-7" in pack and "packing / second" in pack
    assert "No task is waiting." in _section(page, "idle")


def test_create_shows_the_error_beside_the_name_and_keeps_it() -> None:
    created = Client().post("/activities/", {"action": "create", "name": "ship-it"})
    assert created.status_code == 302 and created["Location"] == "/activities/"
    assert Activity.objects.filter(name="ship-it").exists()
    refused = Client().post("/activities/", {"action": "create", "name": "no spaces"}).content.decode()
    assert 'id="name-error"' in refused and "InvalidName" in refused and 'value="no spaces"' in refused


def test_delete_asks_for_the_name_first() -> None:
    activities.create_activity(default_workspace(), "gone")
    client = Client()
    asked = client.post("/activities/", {"action": "delete", "activity": "gone"}).content.decode()
    assert "Type <strong>gone</strong>" in asked and Activity.objects.filter(name="gone").exists()
    wrong = client.post(
        "/activities/", {"action": "delete", "activity": "gone", "confirm": "gon"}
    ).content.decode()
    assert 'id="confirm-error"' in wrong and Activity.objects.filter(name="gone").exists()
    done = client.post("/activities/", {"action": "delete", "activity": "gone", "confirm": "gone"})
    assert done.status_code == 302 and not Activity.objects.filter(name="gone").exists()
