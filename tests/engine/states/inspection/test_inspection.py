"""The inspector's extras read off a definition and an engine state: each state's query
language (inherited, overridden, nested), and the retry back-offs waited out right now."""

from __future__ import annotations

from engine.states.inspection import query_languages, waiting_retries
from tests.engine.states.interpreter_harness import Harness, lambda_arn


def test_query_languages_are_inherited_and_overridden() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                    {
                        "QueryLanguage": "JSONPath",
                        "StartAt": "B",
                        "States": {"B": {"Type": "Pass", "End": True}},
                    },
                ],
                "Next": "M",
            },
            "M": {
                "Type": "Map",
                "QueryLanguage": "JSONPath",
                "ItemProcessor": {"StartAt": "C", "States": {"C": {"Type": "Pass", "End": True}}},
                "Next": "D",
            },
            "D": {"Type": "Pass", "End": True},
        },
    }
    assert query_languages(definition) == {
        "P": "JSONata",
        "A": "JSONata",
        "B": "JSONPath",
        "M": "JSONPath",
        "C": "JSONPath",
        "D": "JSONata",
    }
    assert query_languages({"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}) == {
        "X": "JSONPath"
    }
    assert query_languages({"States": "not a map"}) == {}


def test_a_retry_back_off_is_found_with_the_next_attempt_number() -> None:
    definition = {
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task",
                "Resource": lambda_arn("w"),
                "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 5, "MaxAttempts": 3}],
                "End": True,
            }
        },
    }
    run = Harness(definition)
    run.start({})
    assert waiting_retries(run.state) == []  # working, not waiting
    run.fail("Work", "Flaky")
    (wait,) = waiting_retries(run.state)
    assert wait.state_name == "Work" and wait.attempt == 2
    assert wait.timer_id in run.state["timers"]  # type: ignore[index]
    run.fire_next_timer()
    assert waiting_retries(run.state) == []
    run.fail("Work", "Flaky")
    assert [(w.state_name, w.attempt) for w in waiting_retries(run.state)] == [("Work", 3)]
    assert waiting_retries(None) == []
