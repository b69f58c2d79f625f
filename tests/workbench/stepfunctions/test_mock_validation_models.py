"""TestState checks a mocked Task result against the real AWS API model of any service botocore knows.

AWS's answers quoted here are LocalStack's AWS-validated snapshots of TestState (repository
localstack/localstack, tests/aws/services/stepfunctions/v2/test_state/
test_field_validation_mode.snapshot.json, with the state templates base_aws_api_s3_get_object,
base_aws_api_kms_encrypt and base_aws_api_lambda_get_function under
tests/aws/services/stepfunctions/templates/test_state/statemachines/).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

import botocore.session
import pytest

from engine.states.mock_shapes import Shape
from tests.support.teststate import DYNAMODB_QUERY, MOCK_SCHEMA_ERROR, task_state
from workbench.core.errors import AwsError
from workbench.stepfunctions import api_models
from workbench.stepfunctions.api_models import botocore_service, output_model


def _run(resource: str, result: Any, mode: str | None = None) -> dict[str, Any]:
    from workbench.accounts.services import default_workspace
    from workbench.runtime import teststate

    mock: dict[str, Any] = {"result": json.dumps(result)}
    if mode is not None:
        mock["fieldValidationMode"] = mode
    return teststate.run(default_workspace(), definition=task_state(resource), mock=mock)


def _refusal(resource: str, result: Any, mode: str | None = None) -> str:
    with pytest.raises(AwsError) as raised:
        _run(resource, result, mode)
    assert raised.value.code == "ValidationException"
    return raised.value.message


# --- aws-sdk integrations, through the shell's TestState path ------------------------------------


@pytest.mark.django_db
def test_a_valid_dynamodb_query_mock_passes_strict() -> None:
    result = {
        "Items": [{"id": {"S": "1"}, "tags": {"SS": ["a", "b"]}, "n": {"N": "4"}}],
        "Count": 1,
        "ScannedCount": 1,
        "LastEvaluatedKey": {"id": {"S": "1"}},
        "ConsumedCapacity": {"TableName": "orders", "CapacityUnits": 0.5},
    }
    answer = _run(DYNAMODB_QUERY, result)
    assert answer["status"] == "SUCCEEDED" and json.loads(answer["output"]) == result


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({"Count": "1"}, "Field 'Count' must be a number"),
        ({"Items": {"id": {"S": "1"}}}, "Field 'Items' must be an array"),
        ({"Items": [{"id": {"BOOL": "yes"}}]}, "Field 'BOOL' must be a boolean"),
        ({"ConsumedCapacity": {"CapacityUnits": "0.5"}}, "Field 'CapacityUnits' must be a number"),
    ],
    ids=["top_level", "list", "recursive_attribute_value", "nested_structure"],
)
@pytest.mark.parametrize("mode", [None, "PRESENT"])
def test_a_wrong_type_in_a_dynamodb_query_mock_is_refused(
    result: dict[str, Any], message: str, mode: str | None
) -> None:
    assert _refusal(DYNAMODB_QUERY, result, mode) == MOCK_SCHEMA_ERROR + message
    assert _run(DYNAMODB_QUERY, result, "NONE")["status"] == "SUCCEEDED"


@pytest.mark.django_db
def test_a_required_field_missing_from_an_sdk_result() -> None:
    # StartExecution's output requires executionArn and startDate; Step Functions names them
    # ExecutionArn and StartDate, and a lower-case key does not count (field_name_not_in_sfn_case).
    start = "arn:aws:states:::aws-sdk:sfn:startExecution"
    assert _refusal(start, {}) == MOCK_SCHEMA_ERROR + "Required field 'ExecutionArn' is missing"
    lower = {"executionArn": "arn:aws:states:us-east-1:123456789012:execution:m:e", "startDate": "2025-12-03"}
    assert _refusal(start, lower) == MOCK_SCHEMA_ERROR + "Required field 'ExecutionArn' is missing"
    only_arn = {"ExecutionArn": lower["executionArn"]}
    assert _refusal(start, only_arn) == MOCK_SCHEMA_ERROR + "Required field 'StartDate' is missing"
    assert _run(start, only_arn, "PRESENT")["status"] == "SUCCEEDED"
    assert _run(start, {**only_arn, "StartDate": "2025-12-03T00:34:15.123Z"})["status"] == "SUCCEEDED"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("result", "message"),
    [
        # test_strict_mode_aws_sdk_s3_task[wrong_long_type_string] and [non_existent_enum_value]
        ({"ContentLength": "9000"}, "Field 'ContentLength' must be a number"),
        ({"StorageClass": "Papyrus"}, "Field 'StorageClass' is not an expected value"),
        ({"LastModified": 1764103483}, "Field 'LastModified' must be a string"),
        ({"Metadata": {"owner": 7}}, "Field 'Metadata' must be a string"),
    ],
    ids=["wrong_long_type_string", "non_existent_enum_value", "timestamp_number", "map_value"],
)
def test_s3_get_object_mocks(result: dict[str, Any], message: str) -> None:
    get_object = "arn:aws:states:::aws-sdk:s3:getObject"
    assert _refusal(get_object, result) == MOCK_SCHEMA_ERROR + message
    fine = {
        "Body": "hello",
        "ContentLength": 5,
        "ContentType": "text/plain",
        "ETag": '"5d41402abc4b2a76b9719d911017c592"',
        "LastModified": "2025-12-03T00:34:15Z",
        "StorageClass": "STANDARD",
        "Metadata": {"owner": "ops"},
    }
    assert json.loads(_run(get_object, fine)["output"]) == fine


@pytest.mark.django_db
def test_blob_and_number_bounds_come_from_the_model() -> None:
    # test_strict_mode_aws_sdk_kms_task: a blob must be a string, at least 1 character long.
    encrypt = "arn:aws:states:::aws-sdk:kms:encrypt"
    assert (
        _refusal(encrypt, {"CiphertextBlob": 123})
        == MOCK_SCHEMA_ERROR + "Field 'CiphertextBlob' must be a string"
    )
    message = _refusal(encrypt, {"CiphertextBlob": ""})
    assert message == MOCK_SCHEMA_ERROR + "Field 'CiphertextBlob' is smaller than the minimum length"
    # test_strict_mode_aws_sdk_lambda_get_function_task[integer_less_than_minimum_allowed]; the upper
    # bound has moved since that recording (10240 then), so it is read from the model in use.
    get_function = "arn:aws:states:::aws-sdk:lambda:getFunction"
    message = _refusal(get_function, {"Configuration": {"MemorySize": 127}})
    assert message == MOCK_SCHEMA_ERROR + "Field 'MemorySize' is less than the minimum value"
    ceiling = (
        botocore.session.get_session().get_service_model("lambda").shape_for("MemorySize").metadata["max"]
    )
    message = _refusal(get_function, {"Configuration": {"MemorySize": ceiling + 1}})
    assert message == MOCK_SCHEMA_ERROR + "Field 'MemorySize' exceeds the maximum value"
    assert _run(get_function, {"Configuration": {"MemorySize": ceiling}})["status"] == "SUCCEEDED"


# --- optimized integrations the engine carries no shape for ----------------------------------------


@pytest.mark.django_db
def test_glue_start_job_run() -> None:
    # connect-glue: the optimized integration adds the request's JobName to StartJobRun's JobRunId.
    glue = "arn:aws:states:::glue:startJobRun"
    started = {"JobName": "nightly", "JobRunId": "jr_0123456789abcdef"}
    assert json.loads(_run(glue, started)["output"]) == started
    assert _refusal(glue, {"JobRunId": 42}) == MOCK_SCHEMA_ERROR + "Field 'JobRunId' must be a string"
    assert (
        _refusal(glue, {"JobRunId": ""})
        == MOCK_SCHEMA_ERROR + "Field 'JobRunId' is smaller than the minimum length"
    )


@pytest.mark.django_db
def test_ecs_run_task_and_its_sync_variant() -> None:
    # RunTask answers {Tasks, Failures}; runTask.sync answers with the one task, member names
    # upper-cased (LocalStack's AWS snapshot test_ecs_task_service.snapshot.json, test_run_task_sync).
    task = {
        "TaskArn": "arn:aws:ecs:us-east-1:123456789012:task/c/1",
        "LastStatus": "STOPPED",
        "Containers": [{"Name": "app", "ExitCode": 0, "NetworkBindings": []}],
        "EphemeralStorage": {"SizeInGiB": 20},
        "Version": 5,
    }
    assert _run("arn:aws:states:::ecs:runTask", {"Tasks": [task], "Failures": []})["status"] == "SUCCEEDED"
    assert _run("arn:aws:states:::ecs:runTask.sync", task)["status"] == "SUCCEEDED"
    broken = {**task, "Containers": [{"Name": "app", "ExitCode": "0"}]}
    assert (
        _refusal("arn:aws:states:::ecs:runTask.sync", broken)
        == MOCK_SCHEMA_ERROR + "Field 'ExitCode' must be a number"
    )
    assert (
        _refusal("arn:aws:states:::ecs:runTask", {"Tasks": task})
        == MOCK_SCHEMA_ERROR + "Field 'Tasks' must be an array"
    )


@pytest.mark.django_db
def test_emr_optimized_answers_are_step_functions_own() -> None:
    # connect-emr: createCluster answers {"ClusterId"} (RunJobFlow's JobFlowId renamed), cancelStep
    # {"CancelStepsInfo": <CancelStepsInfo object>}.
    assert (
        _run("arn:aws:states:::elasticmapreduce:createCluster.sync", {"ClusterId": "j-1"})["status"]
        == "SUCCEEDED"
    )
    message = _refusal("arn:aws:states:::elasticmapreduce:createCluster", {"ClusterId": 5})
    assert message == MOCK_SCHEMA_ERROR + "Field 'ClusterId' must be a string"
    message = _refusal(
        "arn:aws:states:::elasticmapreduce:cancelStep", {"CancelStepsInfo": {"Status": "GONE"}}
    )
    assert message == MOCK_SCHEMA_ERROR + "Field 'Status' is not an expected value"


@pytest.mark.django_db
def test_sync_results_not_recorded_are_not_checked() -> None:
    # What batch:submitJob.sync answers is not recorded here; its StartJob-side shape would be wrong.
    described = {"JobId": 1, "Status": ["anything"]}
    assert json.loads(_run("arn:aws:states:::batch:submitJob.sync", described)["output"]) == described
    assert (
        _refusal("arn:aws:states:::batch:submitJob", {})
        == MOCK_SCHEMA_ERROR + "Required field 'JobName' is missing"
    )


# --- resources with no model ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::aws-sdk:nosuchservice:describeThings",
        "arn:aws:states:::aws-sdk:s3:fetchEverything",
        "arn:aws:states:::aws-sdk:s3:GetObject",
        "arn:aws:states:::aws-sdk:stepfunctions:startExecution",
        "arn:aws:states:::aws-sdk:dynamodb:query.sync",
        "arn:aws:states:::nosuchservice:startThing",
    ],
    ids=["unknown_service", "unknown_action", "pascal_case_action", "botocore_name", "sdk_sync", "optimized"],
)
def test_a_resource_with_no_api_model_is_refused_clearly(resource: str) -> None:
    # botocore's "stepfunctions" is the SDK integration "sfn"; actions are camelCase; AWS SDK
    # integrations have no .sync (AWS SDK service integrations page).
    message = _refusal(resource, {"Thing": 1})
    assert message.startswith(f"The resource provided {resource} is not recognized.")
    assert "set mock.fieldValidationMode to NONE" in message
    assert json.loads(_run(resource, {"Thing": 1}, "NONE")["output"]) == {"Thing": 1}


# --- the name mapping and the conversion ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sdk_name", "botocore_name"),
    [
        ("sfn", "stepfunctions"),
        ("cloudwatchlogs", "logs"),
        ("eventbridge", "events"),
        ("costexplorer", "ce"),
        ("databasemigration", "dms"),
        ("directory", "ds"),
        ("applicationdiscovery", "discovery"),
        ("cognitoidentityprovider", "cognito-idp"),
        ("elasticloadbalancingv2", "elbv2"),
        ("elasticsearch", "es"),
        ("marketplacemetering", "meteringmarketplace"),
        ("migrationhub", "mgh"),
        ("serverlessapplicationrepository", "serverlessrepo"),
        ("lexmodelsv2", "lexv2-models"),
        ("iotjobsdataplane", "iot-jobs-data"),
        ("sagemakera2iruntime", "sagemaker-a2i-runtime"),
        ("servicecatalogappregistry", "servicecatalog-appregistry"),
        ("ssooidc", "sso-oidc"),
        ("dynamodb", "dynamodb"),
        ("s3", "s3"),
    ],
)
def test_documented_sdk_service_names(sdk_name: str, botocore_name: str) -> None:
    # The "Task state resource" column of the AWS SDK service integrations page
    # (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html).
    assert botocore_service(sdk_name) == botocore_name


def test_every_botocore_service_answers_to_its_sdk_name() -> None:
    # The SDK name is the serviceId lower-cased, without spaces and a trailing " Service"; the
    # exceptions table must cover every service where that differs from botocore's own name.
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    by_sdk_name: dict[str, list[str]] = defaultdict(list)
    for name in session.get_available_services():
        service_id = loader.load_service_model(name, "service-2")["metadata"].get("serviceId", "")
        key = re.sub(r"[^a-z0-9]", "", service_id.lower())
        if service_id.lower().endswith(" service"):
            key = key.removesuffix("service")
        by_sdk_name[key].append(name)
    for sdk_name, names in by_sdk_name.items():
        assert botocore_service(sdk_name) in names, (sdk_name, names)
        for name in names:
            if name.replace("-", "") != sdk_name:
                # Reached only by the SDK name (aws-sdk:logs is not a Step Functions resource).
                assert botocore_service(name.replace("-", "")) in (None, name), name


def test_converted_tables_are_closed_and_use_step_functions_names() -> None:
    for resource in (
        DYNAMODB_QUERY,
        "arn:aws:states:::aws-sdk:ec2:describeInstances",
        "arn:aws:states:::ecs:runTask.sync",
    ):
        model = output_model(resource)
        assert model is not None
        shapes, root = model
        assert isinstance(shapes[root], Shape) and shapes[root].kind == "structure"
        for name, shape in shapes.items():
            for target in [*shape.members.values(), *([shape.element] if shape.element else [])]:
                assert target in shapes, f"{resource}: {name} refers to a missing {target}"
            assert all(member[:1].isupper() for member in shape.members), name
    assert "TaskArn" in output_model("arn:aws:states:::ecs:runTask.sync")[0]["ecs.Task"].members  # type: ignore[index]
    assert output_model(DYNAMODB_QUERY) is output_model(DYNAMODB_QUERY), (
        "converted once per (service, action)"
    )
    assert output_model("arn:aws:lambda:us-east-1:123456789012:function:f") is None
    assert api_models.sfn_member_name("taskArn") == "TaskArn" and api_models.sfn_member_name("ETag") == "ETag"
