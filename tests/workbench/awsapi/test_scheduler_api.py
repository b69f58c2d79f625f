"""The Scheduler REST-JSON dispatcher in-process: only requests signed for ``scheduler`` are
answered (a page cannot forge one); crafted bodies, types and query values answer AWS's 4xx
shape, never a 500; nothing is stored half-written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SCOPE = "test/20261202/us-east-1/scheduler/aws4_request"
SIGNED = f"AWS4-HMAC-SHA256 Credential={SCOPE}, SignedHeaders=host, Signature=0"
TARGET = {
    "Arn": "arn:aws:lambda:us-east-1:123456789012:function:echo",
    "RoleArn": "arn:aws:iam::123456789012:role/r",
}
GOOD = {"ScheduleExpression": "rate(1 hour)", "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": TARGET}


def _call(method: str, path: str, body: Any = None, *, auth: str = SIGNED) -> tuple[int, dict[str, Any], str]:
    client = Client()
    data = body if isinstance(body, str | bytes) else json.dumps(body) if body is not None else ""
    response = client.generic(method, path, data, content_type="application/json", HTTP_AUTHORIZATION=auth)
    text = response.content.decode()
    return response.status_code, json.loads(text) if text else {}, response.get("x-amzn-ErrorType", "")


def test_an_unsigned_request_is_refused(db: Any) -> None:
    from workbench.events.models import Schedule

    status, _, code = _call("POST", "/schedules/x", GOOD, auth="")
    assert (status, code) == (403, "AccessDeniedException")
    status, _, _ = _call("POST", "/schedules/x", GOOD, auth=SIGNED.replace("/scheduler/", "/events/"))
    assert status == 403 and not Schedule.objects.exists()


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/schedules/x", "{not json", 400, "ValidationException"),
        ("POST", "/schedules/x", "[1, 2]", 400, "ValidationException"),
        ("POST", "/schedules/x", {**GOOD, "ScheduleExpression": 5}, 400, "SerializationException"),
        ("POST", "/schedules/x", {**GOOD, "Target": "nope"}, 400, "SerializationException"),
        ("POST", "/schedules/x", {**GOOD, "StartDate": "yesterday"}, 400, None),
        ("POST", "/schedules/bad%20name", GOOD, 400, "ValidationException"),
        (
            "POST",
            "/schedules/x",
            {**GOOD, "FlexibleTimeWindow": {"Mode": "SOMETIMES"}},
            400,
            "ValidationException",
        ),
        (
            "POST",
            "/schedules/x",
            {**GOOD, "ScheduleExpression": "cron(0 1 * * * *)"},
            400,
            "ValidationException",
        ),
        ("GET", "/schedules?MaxResults=abc", None, 400, None),
        ("GET", "/schedules?NextToken=garbage", None, 400, None),
        ("GET", "/schedules/x?groupName=missing", None, 404, "ResourceNotFoundException"),
        ("DELETE", "/schedule-groups/default", None, 400, "ValidationException"),
        ("PATCH", "/schedules/x", GOOD, 404, "ResourceNotFoundException"),
    ],
)
def test_crafted_requests_answer_a_client_error(
    method: str, path: str, body: Any, status: int, code: str | None
) -> None:
    from workbench.events.models import Schedule

    answered, payload, error = _call(method, path, body)
    assert answered == status, payload
    assert "Message" in payload
    if code:
        assert error == code
    assert not Schedule.objects.exists()


def test_the_expression_refusal_reads_as_aws_recorded_it(db: Any) -> None:
    status, body, code = _call("POST", "/schedules/x", {**GOOD, "ScheduleExpression": "rate(10 seconds)"})
    assert (status, code, body) == (
        400,
        "ValidationException",
        {"Message": "Invalid Schedule Expression rate(10 seconds)."},
    )
