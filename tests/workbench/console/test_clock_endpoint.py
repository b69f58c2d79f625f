"""``/_stepbridge/clock``: the virtual clock's JSON control, for curl and the browser's control;
refused to pages of other origins and to bodies a cross-site form could send; bad input answers
AWS's error shape, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.support.inprocess import start

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/_stepbridge/clock"
WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}


def _post(client: Client, body: Any, **headers: str) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json", headers=headers)


def test_real_time_until_turned_on(client: Client) -> None:
    state = client.get(URL).json()
    assert state["mode"] == "REAL" and state["rate"] == 1.0 and state["next"] is None
    assert state["workspace"] == "default"


def test_freeze_advance_run_and_back_to_real_time(client: Client, broker: Any) -> None:
    frozen = _post(client, {"action": "freeze", "at": "2030-01-01T09:00:00Z"}).json()
    assert frozen["mode"] == "FROZEN" and frozen["now"] == "2030-01-01T09:00:00.000Z"
    execution = start(WAIT, name="waits")
    nxt = client.get(URL).json()["next"]
    assert nxt == {
        "kind": "timer",
        "dueAt": "2030-01-01T10:00:00.000Z",
        "executionArn": execution.arn,
        "timerId": nxt["timerId"],
    }
    early = _post(client, {"action": "advance", "duration": "59m"}).json()
    assert early["fired"] == [] and early["now"] == "2030-01-01T09:59:00.000Z"
    reached = _post(client, {"action": "advance", "to": "next"}).json()
    assert [f["executionArn"] for f in reached["fired"]] == [execution.arn]
    assert reached["now"] == "2030-01-01T10:00:00.000Z" and reached["next"] is None
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED"
    assert _post(client, {"action": "advance", "seconds": 90}).json()["now"] == "2030-01-01T10:01:30.000Z"
    running = _post(client, {"action": "run", "rate": 10}).json()
    assert running["mode"] == "RUNNING" and running["rate"] == 10
    assert _post(client, {"action": "real"}).json()["mode"] == "REAL"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"action": "rewind"}, "action must be one of"),
        ({"action": "advance"}, "exactly one of to, seconds or duration"),
        ({"action": "advance", "duration": "a week"}, "duration must read like"),
        ({"action": "advance", "seconds": "60"}, "seconds must be a number"),
        ({"action": "advance", "seconds": -1}, "at least 0"),
        ({"action": "freeze", "at": "tomorrow"}, "ISO 8601"),
        ({"action": "freeze", "at": "2030-01-01T09:00:00"}, "ISO 8601"),
        ({"action": "run", "rate": 0}, "rate must be greater than 0"),
        ({"action": "run", "rate": True}, "rate must be a number"),
    ],
)
def test_bad_input_is_a_validation_error(client: Client, body: dict[str, Any], message: str) -> None:
    answer = _post(client, body)
    assert answer.status_code == 400
    assert answer.json()["__type"] == "ValidationException" and message in answer.json()["message"]
    assert client.get(URL).json()["mode"] == "REAL"  # nothing changed


def test_the_clock_cannot_be_set_back(client: Client) -> None:
    _post(client, {"action": "freeze", "at": "2030-01-01T09:00:00Z"})
    answer = _post(client, {"action": "advance", "to": "2029-12-31T09:00:00+00:00"})
    assert answer.status_code == 400 and "cannot go back" in answer.json()["message"]


def test_broken_json_and_unknown_workspaces(client: Client) -> None:
    broken = client.post(URL, "{", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["__type"] == "SerializationException"
    missing = client.get(URL + "/nobody")
    assert missing.status_code == 400 and missing.json()["__type"] == "ResourceNotFoundException"
    assert client.get(URL + "/default").json()["workspace"] == "default"
    assert client.delete(URL).status_code == 405


def test_another_origin_cannot_drive_it(client: Client) -> None:
    """A page elsewhere can post a form (text/plain, form-encoded) or a no-cors fetch, with its
    own Origin: each is refused and the clock stays as it was."""
    body = json.dumps({"action": "freeze"})
    as_form = client.post(URL, body, content_type="text/plain")
    assert as_form.status_code == 403 and as_form.json()["__type"] == "AccessDeniedException"
    foreign = _post(client, {"action": "freeze"}, Origin="http://evil.example")
    assert foreign.status_code == 403
    assert client.get(URL).json()["mode"] == "REAL"
    own = _post(client, {"action": "freeze"}, Origin="http://testserver")
    assert own.status_code == 200 and own.json()["mode"] == "FROZEN"
