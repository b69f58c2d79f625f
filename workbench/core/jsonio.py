"""JSON in and out, in the forms AWS's JSON protocols use."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


def dumps(value: Any) -> str:
    """Compact JSON as Step Functions prints inputs and outputs."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def epoch(moment: datetime | None) -> float | None:
    """Timestamps travel as epoch seconds in AWS's JSON 1.0/1.1 protocols."""
    return None if moment is None else moment.timestamp()
