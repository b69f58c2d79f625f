"""Reading a console page's refusals in in-process tests: the error shown beside a field."""

from __future__ import annotations

import re


def field_error(page: str, field: str) -> str:
    """The text of the error beside ``field`` (the console's ``<span class="field-error">``)."""
    found = re.search(rf'<span class="field-error"[^>]*data-field="{field}">([^<]*)</span>', page)
    assert found, f"no error beside {field}"
    return found.group(1)


def alert_error(page: str, error_id: str) -> str:
    """The text of the error ``error_id`` (``sqs/field_error.html``: a ``<p role="alert">``)."""
    found = re.search(rf'<p class="error" role="alert" id="{error_id}">(.*?)</p>', page, re.S)
    assert found, f"no error {error_id}"
    return found.group(1)
