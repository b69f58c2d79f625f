"""JSON in and out, in the forms AWS's JSON protocols use."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from workbench.core.errors import AwsError, ValidationError


def dumps(value: Any) -> str:
    """Compact JSON as Step Functions prints inputs and outputs."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def epoch(moment: datetime | None) -> float | None:
    """Timestamps travel as epoch seconds in AWS's JSON 1.0/1.1 protocols."""
    return None if moment is None else moment.timestamp()


def loads_located(text: str, what: str, *, error: type[AwsError] = ValidationError) -> Any:
    """Parse JSON typed by a person; the error names the field and where the JSON breaks."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
