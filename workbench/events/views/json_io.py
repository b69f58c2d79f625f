"""JSON in and out for the sandbox's small endpoints, with errors in AWS's shape."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, JsonResponse

from workbench.core.errors import AwsError, ValidationError


def read_json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object; a ValidationError when the body is not one."""
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"Request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ValidationError("Request body must be a JSON object.")
    return body


def error_response(exc: AwsError) -> JsonResponse:
    return JsonResponse({"ok": False, "error": {"code": exc.code, "message": exc.message}}, status=exc.status)
