"""TestState's wire-format checks in the shell (workbench.runtime.teststate), in process.

The messages are AWS's: the enum and length wording is the API's "1 validation error detected"
form (API_TestState, InspectionLevel; API_MockInput, fieldValidationMode; API_MockErrorOutput's
lengths), and "A test mock should have only one of the following fields" is AWS's answer
recorded in LocalStack's snapshot test_state_mock_validation.snapshot.json.
"""

from __future__ import annotations

from typing import Any

import pytest

from workbench.core.errors import AwsError
from workbench.runtime import teststate


def refused(check: Any, value: Any) -> str:
    with pytest.raises(AwsError) as raised:
        check(value)
    assert raised.value.code == "ValidationException"
    return raised.value.message


def test_inspection_level_is_an_enum_with_info_by_default() -> None:
    assert teststate.check_inspection_level(None) == "INFO"
    assert teststate.check_inspection_level("TRACE") == "TRACE"
    message = refused(teststate.check_inspection_level, "VERBOSE")
    assert "Value 'VERBOSE' at 'inspectionLevel'" in message and "[INFO, DEBUG, TRACE]" in message


@pytest.mark.parametrize(
    ("mock", "message"),
    [
        ({"result": "{}", "errorOutput": {"error": "E"}}, "only one of the following fields"),
        ({}, "only one of the following fields"),
        ({"errorOutput": {"cause": "no error"}}, "mock.errorOutput.error"),
        ({"errorOutput": {"error": 7}}, "mock.errorOutput.error"),
        ({"errorOutput": {"error": "E" * 257}}, "'mock.errorOutput.error'"),
        ({"errorOutput": {"error": "E", "cause": "c" * 32769}}, "'mock.errorOutput.cause'"),
    ],
)
def test_bad_mocks(mock: dict[str, Any], message: str) -> None:
    assert message in refused(teststate.check_mock, mock)


def test_unknown_validation_mode_is_refused() -> None:
    message = refused(teststate.check_mock, {"result": "{}", "fieldValidationMode": "LENIENT"})
    assert "'LENIENT' at 'mock.fieldValidationMode'" in message and "[STRICT, PRESENT, NONE]" in message


def test_good_mocks_reach_the_engine_in_its_shape() -> None:
    assert teststate.check_mock(None) is None
    assert teststate.check_mock({"result": "[1]", "fieldValidationMode": "NONE"}) == {
        "result": "[1]",
        "fieldValidationMode": "NONE",
    }
    assert teststate.check_mock({"errorOutput": {"error": "E"}}) == {
        "errorOutput": {"error": "E", "cause": ""}
    }


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"retrierRetryCount": -1}, "'stateConfiguration.retrierRetryCount'"),
        ({"mapIterationFailureCount": True}, "'stateConfiguration.mapIterationFailureCount'"),
        ({"errorCausedByState": ""}, "errorCausedByState must be a state name"),
        ({"mapItemReaderData": 3}, "mapItemReaderData must be a string"),
    ],
)
def test_bad_state_configurations(config: dict[str, Any], message: str) -> None:
    assert message in refused(teststate.check_state_configuration, config)


def test_state_configuration_keeps_the_members_given() -> None:
    given = {"retrierRetryCount": 2, "errorCausedByState": "Inner"}
    assert teststate.check_state_configuration(given) == given
    assert teststate.check_state_configuration(None) is None


def test_member_combinations_are_refused_before_the_state_runs() -> None:
    # run() refuses these before it needs the workspace: nothing is read or performed.
    state = '{"Type": "Pass", "End": true}'
    with pytest.raises(AwsError, match="only be specified if a mock is specified"):
        teststate.run(None, definition=state, context="{}")  # type: ignore[arg-type]
    with pytest.raises(AwsError, match="RevealSecrets"):
        teststate.run(None, definition=state, mock={"result": "{}"}, reveal_secrets=True)  # type: ignore[arg-type]
