"""Reading a MockConfig (workbench.stepfunctions.mocks): malformed texts refused with their line,
the file named by SFN_MOCK_CONFIG / STEPBRIDGE_MOCK_CONFIG read at start (``manage.py serve``
refuses a broken one), and a workspace's own config winning over the file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.stepfunctions import mocks
from workbench.stepfunctions.mocks import MockConfigError, parse

GOOD = """{
  "StateMachines": {
    "Orders": {
      "TestCases": {
        "Happy": {"Charge": "Charged"}
      }
    }
  },
  "MockedResponses": {
    "Charged": {
      "0": {"Return": {"ok": true}},
      "1-2": {"Throw": {"Error": "Pay.Declined", "Cause": "no"}}
    }
  }
}
"""


def refusal(text: str) -> MockConfigError:
    with pytest.raises(MockConfigError) as refused:
        parse(text, "mock.json")
    return refused.value


@pytest.fixture
def env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A config file named by SFN_MOCK_CONFIG, read afresh by this test."""
    path = tmp_path / "MockConfigFile.json"
    monkeypatch.delenv("STEPBRIDGE_MOCK_CONFIG", raising=False)
    monkeypatch.setenv("SFN_MOCK_CONFIG", str(path))
    mocks.file_config.cache_clear()
    yield path
    mocks.file_config.cache_clear()


def test_a_good_config_gives_its_test_cases() -> None:
    config = parse(GOOD, "mock.json")
    case = config.test_case("Orders", "Happy")
    assert case is not None and case["testCase"] == "Happy"
    assert case["states"]["Charge"]["answers"]["1-2"] == {"Throw": {"Error": "Pay.Declined", "Cause": "no"}}
    assert config.test_case("Orders", "Sad") is None and config.test_case("Other", "Happy") is None


def test_a_json_error_names_its_line_and_column() -> None:
    broken = GOOD.replace('"Return": {"ok": true}},', '"Return": {"ok": true}}')
    error = refusal(broken)
    assert error.line == 12
    assert error.message.startswith("mock.json: line 12, column ")


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (
            ('"Cause": "no"', '"Cause": 3'),
            12,
            '$.MockedResponses.Charged["1-2"].Throw.Cause: Throw needs Error and Cause',
        ),
        (
            ('"Charge": "Charged"', '"Charge": "Missing"'),
            5,
            "$.StateMachines.Orders.TestCases.Happy.Charge: names 'Missing'",
        ),
        (('"1-2"', '"2-1"'), 12, "the range ends (1) before it starts (2)"),
        (('"1-2"', '"0-2"'), 12, 'invocations overlap those of "0"'),
        (('"1-2"', '"first"'), 12, 'an invocation is a number ("0") or an inclusive range ("1-2")'),
        (
            ('{"Return": {"ok": true}}', '{"Return": 1, "Throw": {"Error": "a", "Cause": "b"}}'),
            11,
            "exactly one field, Return or Throw",
        ),
        (('"TestCases"', '"Cases"'), 4, "$.StateMachines.Orders.Cases: unknown field"),
    ],
)
def test_a_structural_error_names_the_path_and_its_line(
    change: tuple[str, str], line: int, words: str
) -> None:
    error = refusal(GOOD.replace(*change))
    assert error.line == line, error.message
    assert error.message.startswith(f"mock.json: line {line}: ")
    assert words in error.message


def test_the_file_is_read_from_sfn_mock_config(env_file: Path) -> None:
    env_file.write_text(GOOD)
    config = mocks.file_config()
    assert config is not None and config.source == f"SFN_MOCK_CONFIG={env_file}"


def test_serve_refuses_to_start_on_a_malformed_file(env_file: Path) -> None:
    from django.core.management import CommandError, call_command

    env_file.write_text(GOOD.replace('"Cause": "no"', '"Kause": "no"'))
    with pytest.raises(CommandError) as refused:
        call_command("serve", "--port", "1")
    message = str(refused.value)
    assert message.startswith("the mock config is malformed: SFN_MOCK_CONFIG=")
    assert "line 12:" in message and "Throw needs Error and Cause" in message


def test_serve_refuses_a_file_that_is_missing(env_file: Path) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="the mock config file cannot be read"):
        call_command("serve", "--port", "1")


@pytest.mark.django_db
def test_the_workspace_config_replaces_the_file_and_an_empty_one_falls_back(env_file: Path) -> None:
    from workbench.accounts.services import default_workspace

    env_file.write_text(GOOD)
    workspace = default_workspace()
    effective = mocks.effective_config(workspace)
    assert effective is not None and effective.test_case("Orders", "Happy") is not None
    mocks.save_workspace_config(workspace, GOOD.replace("Happy", "Own"))
    own = mocks.effective_config(workspace)
    assert own is not None and own.test_case("Orders", "Happy") is None and own.test_case("Orders", "Own")
    mocks.save_workspace_config(workspace, "  ")
    assert mocks.workspace_text(workspace) is None
    back = mocks.effective_config(workspace)
    assert back is not None and back.test_case("Orders", "Happy") is not None


@pytest.mark.django_db
def test_saving_checks_returns_against_the_workspace_machines_and_stores_nothing_refused() -> None:
    from tests.support.inprocess import machine
    from workbench.accounts.services import default_workspace

    definition = {
        "StartAt": "Charge",
        "States": {"Charge": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}},
    }
    machine(definition, name="Orders")
    wrong = GOOD.replace('{"ok": true}', '{"MessageId": 7}')
    with pytest.raises(MockConfigError) as refused:
        mocks.save_workspace_config(default_workspace(), wrong)
    assert refused.value.line == 11
    assert "Field 'MessageId' must be a string" in refused.value.message
    assert mocks.workspace_text(default_workspace()) is None
    json.loads(wrong)  # the text itself was valid JSON
