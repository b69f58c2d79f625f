"""Wait: SecondsPath, TimestampPath and JSONata Timestamp failures, word for word as AWS records them.

Recordings (repository localstack/localstack, AWS-validated snapshots):
- tests/aws/services/stepfunctions/v2/base/test_wait.snapshot.json: test_base_wait_seconds_path[*],
  test_wait_timestamppath[*], test_timestamp_too_far_in_future_boundary[24855|24856];
- tests/aws/services/stepfunctions/v2/logs/test_logs.snapshot.json: a SecondsPath matching nothing;
- tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json:
  test_wait_timestamp_path[*] and test_wait_timestamp_jsonata[*].
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.engine.states.interpreter_harness import START, Harness, valid_machine

PREFIX = "An error occurred while executing the state 'WaitState' (entered at the event id #2). "


def run(state: dict[str, Any], value: Any, language: str = "JSONPath") -> Harness:
    harness = Harness(valid_machine({"WaitState": {**state, "End": True}}, language))
    harness.start(value)
    while harness.status == "RUNNING" and harness.timers:
        harness.fire_next_timer()
    return harness


def failure(harness: Harness) -> tuple[str | None, str | None]:
    finished = harness.finished[-1]
    return finished.error, finished.cause


@pytest.mark.parametrize(
    ("seconds", "cause"),
    [
        (-1, "The SecondsPath parameter references a negative value: $.input.waitSeconds == -1"),
        (1.5, "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == 1.5"),
        (-1.5, "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == -1.5"),
    ],
)
def test_seconds_path_that_is_not_a_whole_non_negative_number(seconds: float, cause: str) -> None:
    harness = run({"Type": "Wait", "SecondsPath": "$.input.waitSeconds"}, {"input": {"waitSeconds": seconds}})
    assert failure(harness) == ("States.Runtime", PREFIX + cause)


@pytest.mark.parametrize("seconds", [0, 1])
def test_seconds_path_whole_numbers_wait(seconds: int) -> None:
    harness = run({"Type": "Wait", "SecondsPath": "$.input.waitSeconds"}, {"input": {"waitSeconds": seconds}})
    assert harness.status == "SUCCEEDED"


def test_seconds_path_matching_nothing() -> None:
    harness = run({"Type": "Wait", "SecondsPath": "$.input.waitSeconds"}, {})
    assert failure(harness) == (
        "States.Runtime",
        PREFIX + "The SecondsPath parameter does not reference an input value: $.input.waitSeconds",
    )


def _later(suffix: str) -> str:
    return (START + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S") + suffix


@pytest.mark.parametrize("suffix", ["Z", ".000000Z", ".00Z", ".243167252Z", "+00:00"])
def test_timestamp_path_accepted_forms(suffix: str) -> None:
    harness = run({"Type": "Wait", "TimestampPath": "$.start_at"}, {"start_at": _later(suffix)})
    assert harness.status == "SUCCEEDED"


@pytest.mark.parametrize(
    "text",
    [
        "2016-12-05 21:29:29Z",  # NO_T
        "2016-12-05T21:29:29",  # NO_Z
        "2016-13-05T21:29:29Z",  # INVALID_DATE
        "2016-12-05T25:29:29Z",  # INVALID_TIME
        "05-12-2016T21:29:29Z",  # INVALID_ISO
        _later(".000000"),  # test_wait_timestamppath[.000000]: fraction but no zone
        "2016-12-05T21:29:29.1234567890Z",  # ten fraction digits: ISO_OFFSET_DATE_TIME reads nine
        "2016-02-30T21:29:29Z",  # no such day
    ],
)
def test_timestamp_path_refused_forms(text: str) -> None:
    harness = run({"Type": "Wait", "TimestampPath": "$.TimestampValue"}, {"TimestampValue": text})
    assert failure(harness) == (
        "States.Runtime",
        PREFIX + "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
        f"format string: $.TimestampValue == {text}",
    )


@pytest.mark.parametrize(("days", "waits"), [(24855, True), (24856, False)])
def test_timestamp_too_far_in_the_future(days: int, waits: bool) -> None:
    moment = (START + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S") + ".000Z"
    harness = Harness(
        valid_machine({"WaitState": {"Type": "Wait", "TimestampPath": "$.start_at", "End": True}})
    )
    harness.start({"start_at": moment})
    if waits:
        assert harness.status == "RUNNING" and len(harness.timers) == 1
    else:
        assert failure(harness) == ("States.Runtime", PREFIX + "Wait state delay is too long.")


@pytest.mark.parametrize(
    "text",
    ["2016-12-05 21:29:29Z", "2016-12-05T21:29:29", "2016-13-05T21:29:29Z", "2016-12-05T25:29:29Z"],
)
def test_jsonata_timestamp_refused_forms(text: str) -> None:
    harness = run(
        {"Type": "Wait", "Timestamp": "{% $states.input.TimestampValue %}"},
        {"TimestampValue": text},
        "JSONata",
    )
    assert failure(harness) == (
        "States.QueryEvaluationError",
        PREFIX + "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format "
        f"string: {text}",
    )


def test_jsonata_timestamp_with_nanoseconds_waits() -> None:
    harness = run(
        {"Type": "Wait", "Timestamp": "{% $states.input.TimestampValue %}"},
        {"TimestampValue": "2016-03-05T21:29:29.243167252Z"},
        "JSONata",
    )
    assert harness.status == "SUCCEEDED"
