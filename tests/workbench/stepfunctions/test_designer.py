"""The designer's endpoints in-process: layout, save (Config fields, substitutions), drafts,
template import, TestState and start, and AWS's error shapes for bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.support import seed

pytestmark = pytest.mark.django_db

ORDER_MACHINE = {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Work"}],
            "Default": "Broken",
        },
        "Work": {
            "Type": "Parallel",
            "Branches": [{"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": True}}}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken"}],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Broken": {"Type": "Fail"},
    },
}


def _post(client: Client, url: str, body: Any) -> Any:
    text = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, text, content_type="application/json")


def _config(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "STANDARD", **extra}


def test_layout_places_every_state_edge_and_branch(client: Client) -> None:
    answer = _post(client, "/designer/layout", ORDER_MACHINE).json()
    states = {n["state"]: n for n in answer["nodes"] if n["kind"] == "state"}
    assert set(states) == {"Check", "Work", "Inner", "Done", "Broken"}
    assert states["Inner"]["scope"] == "Work/0"
    kinds = {(e["kind"], e.get("from"), e.get("to")) for e in answer["edges"]}
    assert ("choice", "Check", "Work") in kinds and ("default", "Check", "Broken") in kinds
    assert ("catch", "Work", "Broken") in kinds and ("next", "Work", "Done") in kinds
    assert ("start", None, "Check") in kinds and ("start", None, "Inner") in kinds
    [cluster] = answer["clusters"]
    assert cluster["scope"] == "Work/0"
    inner = states["Inner"]
    # The branch's state is drawn inside its cluster, in SVG coordinates (y grows downwards).
    assert cluster["x"] <= inner["x"] and inner["x"] + inner["w"] <= cluster["x"] + cluster["w"]
    assert cluster["y"] <= inner["y"] and inner["y"] + inner["h"] <= cluster["y"] + cluster["h"]
    assert states["Check"]["y"] < states["Work"]["y"] < states["Done"]["y"]


def test_layout_refuses_what_is_not_a_definition_in_aws_shape(client: Client) -> None:
    broken = _post(client, "/designer/layout", "{nope")
    assert broken.status_code == 400 and broken.json()["__type"] == "SerializationException"
    listed = _post(client, "/designer/layout", [1, 2])
    assert listed.status_code == 400 and listed.json()["__type"] == "ValidationException"


def test_save_creates_then_updates_with_config_and_filled_substitutions(client: Client) -> None:
    from workbench.stepfunctions.models import StateMachine

    source = '{"StartAt": "Call",\n "States": {"Call": {"Type": "Task", "Resource": "${Fn}", "End": true}}}'
    config = _config(
        "designed",
        loggingLevel="ERROR",
        includeExecutionData=True,
        tracingEnabled=True,
        substitutions={"Fn": seed.function_arn("echo")},
    )
    created = _post(client, "/designer/save", {"source": source, "config": config}).json()
    assert created["url"] == "/machines/designed/design"
    machine = StateMachine.objects.get(name="designed")
    assert json.loads(machine.definition)["States"]["Call"]["Resource"] == seed.function_arn("echo")
    assert (machine.logging_level, machine.include_execution_data, machine.tracing_enabled) == (
        "ERROR",
        True,
        True,
    )
    assert machine.design_source == source, "the user's text and placeholders are kept"
    page = client.get("/machines/designed/design").content.decode()
    assert "${Fn}" in page and '"loggingLevel": "ERROR"' in page

    again = dict(config, loggingLevel="OFF")
    updated = _post(
        client, "/designer/save", {"source": source, "config": again, "machine": "designed"}
    ).json()
    assert updated["revision"] == machine.revision + 1
    machine.refresh_from_db()
    assert machine.logging_level == "OFF"


def test_an_invalid_definition_is_refused_with_diagnostics_and_may_only_be_a_draft(client: Client) -> None:
    from workbench.stepfunctions.models import Draft, StateMachine

    bad = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}})
    refused = _post(client, "/designer/save", {"source": bad, "config": _config("wip")})
    assert refused.status_code == 400
    body = refused.json()
    assert body["__type"] == "InvalidDefinition"
    assert {"code": "MISSING_TRANSITION_TARGET", "location": "/States/A/Next"}.items() <= body["diagnostics"][
        0
    ].items()
    assert not StateMachine.objects.filter(name="wip").exists()

    drafted = _post(client, "/designer/save", {"source": bad, "config": _config("wip"), "draft": True}).json()
    assert drafted["draft"] is True and drafted["diagnostics"]
    assert Draft.objects.get(machine_name="wip").source == bad
    assert not StateMachine.objects.filter(name="wip").exists()
    assert "Open the draft" not in client.get("/machines/new/design?name=other").content.decode()
    assert json.loads(bad) == json.loads(
        json.loads(
            client.get("/machines/new/design?name=wip")
            .content.decode()
            .split('id="designer-initial" type="application/json">')[1]
            .split("</script>")[0]
        )["draft"]["source"]
    )


def test_a_valid_save_drops_the_draft(client: Client) -> None:
    from workbench.stepfunctions.models import Draft

    good = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    _post(client, "/designer/save", {"source": "{", "config": _config("later"), "draft": True})
    assert Draft.objects.filter(machine_name="later").exists()
    assert _post(client, "/designer/save", {"source": good, "config": _config("later")}).status_code == 200
    assert not Draft.objects.filter(machine_name="later").exists()


@pytest.mark.parametrize(
    ("config", "code"),
    [
        (_config("bad name!"), "InvalidName"),
        (_config("ok", loggingLevel="LOUD"), "ValidationException"),
        (_config("ok", type="FAST"), "ValidationException"),
        (_config("ok", roleArn="not-an-arn"), "InvalidArn"),
    ],
)
def test_bad_config_gets_aws_error_codes(client: Client, config: dict[str, Any], code: str) -> None:
    good = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    answer = _post(client, "/designer/save", {"source": good, "config": config})
    assert answer.status_code == 400 and answer.json()["__type"] == code


def test_bad_request_bodies_get_serialization_errors(client: Client) -> None:
    for url in ("/designer/save", "/designer/import", "/designer/test-state", "/designer/start"):
        answer = _post(client, url, "not json")
        assert answer.status_code == 400 and answer.json()["__type"] == "SerializationException", url


def _import(client: Client, template: Any) -> Any:
    return _post(client, "/designer/import", {"template": template})


def test_import_reads_definition_objects_strings_and_substitutions(client: Client) -> None:
    template = {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Plain": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineName": "plain",
                    "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Definition": ORDER_MACHINE,
                },
            },
            # What CDK synthesises: DefinitionString as Fn::Join of strings and Refs.
            "Cdk": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineType": "EXPRESS",
                    "DefinitionString": {
                        "Fn::Join": [
                            "",
                            [
                                '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"',
                                {"Ref": "Fn"},
                                '","End":true}}}',
                            ],
                        ]
                    },
                    "DefinitionSubstitutions": {"Other": {"Ref": "Param"}, "Plain": "value"},
                },
            },
        }
    }
    machines = _import(client, template).json()["machines"]
    plain, cdk = machines
    assert (plain["logicalId"], plain["name"], plain["roleArn"]) == ("Plain", "plain", "${Role.Arn}")
    assert json.loads(plain["source"]) == ORDER_MACHINE
    assert cdk["name"] == "Cdk" and cdk["type"] == "EXPRESS"
    assert json.loads(cdk["source"])["States"]["T"]["Resource"] == "${Fn}"
    assert cdk["substitutions"] == {"Other": "${Param}", "Plain": "value"}


def test_import_reads_definition_s3_location_from_the_workbench_s3(client: Client) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.storage import services as storage

    workspace = default_workspace()
    storage.create_bucket(workspace, "templates")
    storage.put_object(workspace, "templates", "machines/order.asl.json", json.dumps(ORDER_MACHINE).encode())
    template = {
        "Resources": {
            "Flow": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionS3Location": {"Bucket": "templates", "Key": "machines/order.asl.json"}
                },
            },
            "Sam": {
                "Type": "AWS::Serverless::StateMachine",
                "Properties": {"DefinitionUri": "s3://templates/machines/order.asl.json"},
            },
        }
    }
    machines = _import(client, template).json()["machines"]
    assert [json.loads(m["source"]) for m in machines] == [ORDER_MACHINE, ORDER_MACHINE]
    missing = _import(
        client,
        {
            "Resources": {
                "F": {
                    "Type": "AWS::StepFunctions::StateMachine",
                    "Properties": {"DefinitionS3Location": {"Bucket": "templates", "Key": "nope"}},
                }
            }
        },
    )
    assert missing.status_code == 400 and "s3://templates/nope" in missing.json()["message"]


@pytest.mark.parametrize(
    "template",
    [
        {"AWSTemplateFormatVersion": "2010-09-09"},
        {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}},
        {
            "Resources": {
                "F": {
                    "Type": "AWS::Serverless::StateMachine",
                    "Properties": {"DefinitionUri": "statemachine/order.asl.json"},
                }
            }
        },
    ],
)
def test_import_refuses_templates_without_a_machine_it_can_read(client: Client, template: Any) -> None:
    answer = _import(client, template)
    assert answer.status_code == 400 and answer.json()["__type"] == "ValidationException"


def test_test_state_runs_on_the_unsaved_design(client: Client) -> None:
    source = json.dumps(
        {
            "StartAt": "Shape",
            "States": {"Shape": {"Type": "Pass", "Parameters": {"id.$": "$.${Field}"}, "End": True}},
        }
    )
    answer = _post(
        client,
        "/designer/test-state",
        {
            "source": source,
            "config": {"substitutions": {"Field": "orderId"}},
            "stateName": "Shape",
            "input": '{"orderId": 7}',
        },
    ).json()
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"id": 7}


def test_start_runs_the_saved_machine(client: Client) -> None:
    from workbench.stepfunctions.models import Execution

    good = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    _post(client, "/designer/save", {"source": good, "config": _config("express", type="EXPRESS")})
    answer = _post(client, "/designer/start", {"machine": "express", "input": '{"x": 1}'}).json()
    assert answer["status"] == "SUCCEEDED" and json.loads(answer["output"]) == {"x": 1}
    missing = _post(client, "/designer/start", {"machine": "ghost", "input": "{}"})
    assert missing.status_code == 400 and missing.json()["__type"] == "StateMachineDoesNotExist"
    bad_input = _post(client, "/designer/start", {"machine": "express", "input": "{oops"})
    assert bad_input.status_code == 400 and bad_input.json()["__type"] == "InvalidExecutionInput"
    assert not Execution.objects.filter(state_machine__name="ghost").exists()


def test_each_save_is_a_revision_to_compare_and_roll_back_to(client: Client) -> None:
    first = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    second = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})
    _post(client, "/designer/save", {"source": first, "config": _config("versioned")})
    _post(
        client, "/designer/save", {"source": second, "config": _config("versioned"), "machine": "versioned"}
    )
    revisions = client.get("/machines/versioned/design/revisions").json()["revisions"]
    assert [(r["revision"], r["source"]) for r in revisions] == [(2, second), (1, first)]
    # Rolling back is saving an old revision's source again: a new revision, the old definition.
    _post(
        client,
        "/designer/save",
        {"source": revisions[1]["source"], "config": _config("versioned"), "machine": "versioned"},
    )
    latest = client.get("/machines/versioned/design/revisions").json()["revisions"][0]
    assert (latest["revision"], latest["source"]) == (3, first)
    missing = client.get("/machines/ghost/design/revisions")
    assert missing.status_code == 400 and missing.json()["__type"] == "StateMachineDoesNotExist"
