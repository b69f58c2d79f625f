"""core.browser_json: a browser JSON body that is not a JSON object is a 400 in AWS's shape
(SerializationException, as AWS's JSON protocols answer a body they cannot read), never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory

from workbench.core.browser_json import error_response, read_json_object
from workbench.core.errors import AwsError, SerializationError


def _request(body: bytes) -> object:
    return RequestFactory().post("/x", data=body, content_type="application/json")


def test_an_object_is_read_and_an_empty_body_is_an_empty_object() -> None:
    assert read_json_object(_request(b'{"pattern": "{}"}')) == {"pattern": "{}"}  # type: ignore[arg-type]
    assert read_json_object(_request(b"")) == {}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"pattern": ', "Request body is not valid JSON: Expecting value at line 1 column 13"),
        (b"[1, 2]", "Request body must be a JSON object, not list."),
        (b"\xff\xfe", "Request body is not UTF-8 text."),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_serialization_error(body: bytes, message: str) -> None:
    with pytest.raises(SerializationError) as caught:
        read_json_object(_request(body))  # type: ignore[arg-type]
    assert caught.value.message == message and caught.value.status == 400


def test_the_error_body_is_awss_with_what_the_page_scripts_read() -> None:
    response = error_response(AwsError("Rule x does not exist.", code="ResourceNotFoundException"))
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "__type": "ResourceNotFoundException",
        "message": "Rule x does not exist.",
        "ok": False,
        "error": {"code": "ResourceNotFoundException", "message": "Rule x does not exist."},
    }
