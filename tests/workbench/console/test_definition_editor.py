"""The definition editor's endpoints, through Django's test client: diagnostics and the update form
(the browser side is tests/e2e/test_definition_editor_browser.py)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.support.definitions import BAD, GOOD


@pytest.mark.django_db
def test_validate_endpoint_returns_the_engine_diagnostics(client: Client) -> None:
    from engine.states.definition import validate

    ok = client.post("/machines/validate", json.dumps(GOOD), content_type="application/json").json()
    assert ok == {"result": "OK", "diagnostics": []}
    bad = client.post("/machines/validate", json.dumps(BAD), content_type="application/json").json()
    assert bad["result"] == "FAIL"
    assert bad["diagnostics"] == [d.to_aws() for d in validate(json.dumps(BAD))]
    assert any("Nowhere" in d["message"] for d in bad["diagnostics"])


@pytest.mark.django_db
def test_update_and_express_forms_on_machine_page(client: Client) -> None:
    client.post("/machines/", {"name": "quick", "definition": json.dumps(GOOD), "type": "EXPRESS"})
    page = client.post("/machines/quick/", {"input": '{"k": 1}'}).content.decode()
    assert 'id="express-result"' in page and "SUCCEEDED" in page and "&quot;k&quot;:1" in page
    bad = client.post("/machines/quick/", {"definition": json.dumps(BAD)}).content.decode()
    assert "InvalidDefinition" in bad
    from workbench.stepfunctions.models import StateMachine

    assert json.loads(StateMachine.objects.get(name="quick").definition) == GOOD, (
        "a bad update changes nothing"
    )
    changed = dict(GOOD, Comment="v2")
    assert client.post("/machines/quick/", {"definition": json.dumps(changed)}).status_code == 302
    assert json.loads(StateMachine.objects.get(name="quick").definition) == changed


@pytest.mark.django_db
def test_a_task_the_workbench_cannot_perform_is_flagged_where_it_is(client: Client) -> None:
    fn = "arn:aws:lambda:us-east-1:123456789012:function:"
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Echo",
                        "States": {"Echo": {"Type": "Task", "Resource": fn + "echo", "End": True}},
                    },
                    {
                        "StartAt": "Gone",
                        "States": {"Gone": {"Type": "Task", "Resource": fn + "gone", "End": True}},
                    },
                ],
                "Next": "Batch",
            },
            "Batch": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync", "Next": "Ask"},
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::glue:startJobRun.waitForTaskToken",
                "Next": "Q",
            },
            "Q": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True},
        },
    }
    answer = client.post("/machines/validate", json.dumps(definition), content_type="application/json").json()
    assert answer["result"] == "OK"  # valid on AWS: a warning, not an error
    flagged = {(d["location"], d["severity"], d["code"]) for d in answer["diagnostics"]}
    assert flagged == {
        ("/States/P/Branches/1/States/Gone/Resource", "WARNING", "WORKBENCH_UNKNOWN_RESOURCE"),
        ("/States/Batch/Resource", "WARNING", "WORKBENCH_UNKNOWN_RESOURCE"),
    }
    from workbench.functions.models import Function

    assert not Function.objects.filter(name="gone").exists()  # the check creates nothing
    not_json = client.post("/machines/validate", "{", content_type="application/json").json()
    assert not_json["result"] == "FAIL"
    assert all(d["code"] != "WORKBENCH_UNKNOWN_RESOURCE" for d in not_json["diagnostics"])
