"""Wake-ups of long polls announced in one process are also told to whoever asked
(``also_tell``): embedded mode's delivery process tells the server, where the polls wait."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.runtime import activity_arrivals
from workbench.sqs import arrivals as sqs_arrivals


@pytest.mark.parametrize("announce, also_tell", [
    (sqs_arrivals.announce, sqs_arrivals.also_tell),
    (activity_arrivals.scheduled, activity_arrivals.also_tell),
])  # fmt: skip
def test_a_wake_up_announced_here_is_also_told_to_whoever_asked(announce: Any, also_tell: Any) -> None:
    told: list[bool] = []
    also_tell(lambda: told.append(True))
    try:
        announce()
    finally:
        also_tell(None)
    announce()
    assert told == [True]
