"""The browser's JSON endpoints: one way to read a request body and one error body.

A body that is not a JSON object is refused as AWS's JSON protocols refuse one
(``SerializationException``, HTTP 400), with where the JSON breaks, never a 500. The error
body is AWS's (``__type``, ``message``), plus ``ok: false`` and ``error: {code, message}``
that the page scripts show beside the field, keeping what was typed.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from workbench.core.errors import AwsError, SerializationError
from workbench.core.jsonio import loads_located


def read_json(request: HttpRequest) -> Any:
    """The request body as JSON of any type (an empty body is ``{}``)."""
    try:
        text = request.body.decode("utf-8") or "{}"
    except UnicodeDecodeError as exc:
        raise SerializationError("Request body is not UTF-8 text.") from exc
    return loads_located(text, "Request body", error=SerializationError)


def read_json_object(request: HttpRequest) -> dict[str, Any]:
    """The request body as a JSON object (an empty body is ``{}``)."""
    body = read_json(request)
    if not isinstance(body, dict):
        raise SerializationError(f"Request body must be a JSON object, not {type(body).__name__}.")
    return body


def error_response(exc: AwsError, **extra: Any) -> JsonResponse:
    """The error body; ``extra`` members ride along (the designer's ``diagnostics``)."""
    body = exc.to_body()
    return JsonResponse(
        {**body, "ok": False, "error": {"code": exc.code, "message": exc.message}, **extra},
        status=exc.status,
    )
