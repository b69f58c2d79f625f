"""How an Express execution ended: what StartSyncExecution answers and what a `.sync` Task on
an Express child hears (AWS Step Functions API Reference, StartSyncExecution: status,
startDate, stopDate, output, error, cause). Its own module because both the Express runner and
the nested-workflow integration need it, and the runner runs nested children."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ExpressResult:
    status: str
    started: datetime
    stopped: datetime
    output: Any = None
    error: str | None = None
    cause: str | None = None
