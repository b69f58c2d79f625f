"""Helpers shared by the TestState tests (tests/engine/states/teststate/).

``run`` takes the JSON members as values and sends them as the API does, as JSON text; ``data``
parses the JSON-text stages of inspectionData back. The Map is the TestState page's own example
("Testing a Map state", test-state-isolation).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.states import teststate as ts
from engine.states.model import Environment


def run(definition: Any, env: Environment, **kwargs: Any) -> dict[str, Any]:
    """TestState's answer; ``input``, ``context`` and a mock's ``result`` may be given as values."""
    for key in ("input", "context"):
        if key in kwargs and not isinstance(kwargs[key], str):
            kwargs[key] = json.dumps(kwargs[key])
    if "mock" in kwargs and "result" in kwargs["mock"] and not isinstance(kwargs["mock"]["result"], str):
        kwargs["mock"] = dict(kwargs["mock"], result=json.dumps(kwargs["mock"]["result"]))
    return ts.run(definition, env=env, **kwargs)


def data(response: dict[str, Any]) -> dict[str, Any]:
    """inspectionData with its JSON-text stages parsed."""
    return {k: json.loads(v) if isinstance(v, str) else v for k, v in response["inspectionData"].items()}


def refused(definition: Any, env: Environment, **kwargs: Any) -> str:
    """The message of the ValidationException TestState answers."""
    with pytest.raises(ts.Refused) as raised:
        run(definition, env, **kwargs)
    assert raised.value.code == "ValidationException"
    return raised.value.message


MOCK_ERROR = {"errorOutput": {"error": "MockException", "cause": "Mock the error cause."}}

# "Testing a Map state" on the TestState page: ItemSelector over ItemsPath, mock = whole result.
DOC_MAP = {
    "Type": "Map",
    "ItemsPath": "$.items",
    "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
    "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "ProcessItem",
        "States": {
            "ProcessItem": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
        },
    },
    "End": True,
}
