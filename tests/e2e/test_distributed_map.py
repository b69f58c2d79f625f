"""A Distributed Map end to end through boto3: items from S3, child executions, Map Run APIs,
results exported to S3, and States.ItemReaderFailed when the object is missing.

Shapes from the developer guide's Distributed Map pages (ItemReader, ResultWriter, "Examining
Map Runs") and the API reference (DescribeMapRun, ListMapRuns, ListExecutions with mapRunArn).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import wait_for

pytestmark = pytest.mark.live

ROLE = "arn:aws:iam::123456789012:role/unit"
ORDERS_CSV = "order_id,total\no-1,120\no-2,80\no-3,1500\n"


def _machine(sfn: Any, name: str, map_fields: dict[str, Any], *, catch: bool = False) -> str:
    fan: dict[str, Any] = {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Grade",
            "States": {
                "Grade": {
                    "Type": "Pass",
                    "Parameters": {"order.$": "$.order_id", "total.$": "States.StringToJson($.total)"},
                    "End": True,
                }
            },
        },
        "Label": "Orders",
        "End": True,
        **map_fields,
    }
    if catch:
        fan["Catch"] = [
            {"ErrorEquals": ["States.ItemReaderFailed"], "ResultPath": "$.failure", "Next": "Gave up"}
        ]
        fan.pop("End")
        fan["Next"] = "Done"
    states: dict[str, Any] = {"Fan": fan}
    if catch:
        states.update({"Done": {"Type": "Succeed"}, "Gave up": {"Type": "Succeed"}})
    definition = {"StartAt": "Fan", "States": states}
    return str(
        sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
    )


def _finished(sfn: Any, arn: str) -> dict[str, Any]:
    described: dict[str, Any] = wait_for(
        lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d, timeout=60
    )
    return described


CSV_READER = {
    "ItemReader": {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
        "Parameters": {"Bucket": "orders", "Key.$": "$.key"},
    }
}


def test_items_from_a_csv_object_run_as_child_executions(aws: Any) -> None:
    s3, sfn = aws("s3"), aws("stepfunctions")
    s3.create_bucket(Bucket="orders")
    s3.put_object(Bucket="orders", Key="2024/orders.csv", Body=ORDERS_CSV.encode())
    machine = _machine(sfn, "grade-orders", dict(CSV_READER, MaxConcurrency=2))
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"key": "2024/orders.csv"}))
    described = _finished(sfn, execution["executionArn"])
    assert described["status"] == "SUCCEEDED", described
    # CSV values arrive as strings (ItemReader page); the Pass turned the totals into numbers.
    assert json.loads(described["output"]) == [
        {"order": "o-1", "total": 120},
        {"order": "o-2", "total": 80},
        {"order": "o-3", "total": 1500},
    ]
    history = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
    types = [event["type"] for event in history]
    assert types == [  # AWS's order: test_base_scenarios.snapshot.json, test_map_item_reader_base_json
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    map_run_arn = history[3]["mapRunStartedEventDetails"]["mapRunArn"]
    assert map_run_arn.startswith("arn:aws:states:us-east-1:123456789012:mapRun:grade-orders/Orders:")

    [listed] = sfn.list_map_runs(executionArn=execution["executionArn"])["mapRuns"]
    assert listed["mapRunArn"] == map_run_arn and listed["executionArn"] == execution["executionArn"]
    run = sfn.describe_map_run(mapRunArn=map_run_arn)
    assert run["status"] == "SUCCEEDED" and run["maxConcurrency"] == 2
    assert run["itemCounts"]["total"] == 3 and run["itemCounts"]["succeeded"] == 3
    assert run["executionCounts"]["pending"] == 0 and run["executionCounts"]["running"] == 0

    children = sfn.list_executions(mapRunArn=map_run_arn)["executions"]
    assert len(children) == 3 and {c["status"] for c in children} == {"SUCCEEDED"}
    child = children[0]
    assert child["executionArn"].startswith(
        "arn:aws:states:us-east-1:123456789012:execution:grade-orders/Orders:"
    )
    assert (
        child["stateMachineArn"] == "arn:aws:states:us-east-1:123456789012:stateMachine:grade-orders/Orders"
    )
    assert sfn.describe_execution(executionArn=child["executionArn"])["mapRunArn"] == map_run_arn
    child_types = [e["type"] for e in sfn.get_execution_history(executionArn=child["executionArn"])["events"]]
    assert child_types == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    # The children are not executions of the parent machine.
    assert [e["executionArn"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]] == [
        execution["executionArn"]
    ]
    # The execution page shows the run with a link to each child, and a child links back.
    from django.test import Client

    from workbench.stepfunctions.models import Execution

    parent = Execution.objects.get(map_run__isnull=True, state_machine__name="grade-orders")
    page = Client().get(f"/executions/{parent.id}/").content.decode()
    assert "Map Run Fan" in page and map_run_arn in page and "3 succeeded" in page
    for child_row in Execution.objects.filter(map_run__arn=map_run_arn):
        assert f'href="/executions/{child_row.id}/"' in page
        child_page = Client().get(f"/executions/{child_row.id}/").content.decode()
        assert f'href="/executions/{parent.id}/"' in child_page and child_row.arn in child_page


def test_result_writer_exports_the_results_to_s3(aws: Any) -> None:
    s3, sfn = aws("s3"), aws("stepfunctions")
    s3.create_bucket(Bucket="orders")
    s3.create_bucket(Bucket="results")
    s3.put_object(Bucket="orders", Key="orders.csv", Body=ORDERS_CSV.encode())
    writer = {
        "ResultWriter": {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "results", "Prefix": "graded"},
        }
    }
    machine = _machine(sfn, "export-orders", dict(CSV_READER, **writer))
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"key": "orders.csv"}))
    described = _finished(sfn, execution["executionArn"])
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["MapRunArn"].startswith(
        "arn:aws:states:us-east-1:123456789012:mapRun:export-orders/Orders:"
    )
    details = output["ResultWriterDetails"]
    assert details["Bucket"] == "results" and details["Key"].endswith("/manifest.json")
    manifest = json.loads(s3.get_object(Bucket="results", Key=details["Key"])["Body"].read())
    keys = {entry["Key"] for entry in s3.list_objects_v2(Bucket="results", Prefix="graded/")["Contents"]}
    assert details["Key"] in keys
    succeeded_files = [k for k in keys if k.rsplit("/", 1)[1].startswith("SUCCEEDED_")]
    assert succeeded_files and manifest
    records = json.loads(s3.get_object(Bucket="results", Key=succeeded_files[0])["Body"].read())
    assert sorted(json.loads(r["Output"])["order"] for r in records) == ["o-1", "o-2", "o-3"]
    assert {r["Status"] for r in records} == {"SUCCEEDED"}


def test_a_missing_object_is_states_item_reader_failed(aws: Any) -> None:
    s3, sfn = aws("s3"), aws("stepfunctions")
    s3.create_bucket(Bucket="orders")
    machine = _machine(sfn, "missing-orders", CSV_READER, catch=True)
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"key": "nope.csv"}))
    described = _finished(sfn, execution["executionArn"])
    assert described["status"] == "SUCCEEDED", described
    failure = json.loads(described["output"])["failure"]
    assert failure["Error"] == "States.ItemReaderFailed"
    assert "NoSuchKey" in failure["Cause"]
    assert sfn.list_map_runs(executionArn=execution["executionArn"])["mapRuns"] == []


def test_a_failed_child_beyond_the_threshold_fails_the_run_and_it_is_described(aws: Any) -> None:
    s3, sfn = aws("s3"), aws("stepfunctions")
    s3.create_bucket(Bucket="orders")
    s3.put_object(Bucket="orders", Key="bad.csv", Body=b"order_id,total\no-1,12\no-2,oops\n")
    machine = _machine(sfn, "bad-orders", CSV_READER)
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"key": "bad.csv"}))
    described = _finished(sfn, execution["executionArn"])
    assert described["status"] == "FAILED"
    assert described["error"] == "States.ExceedToleratedFailureThreshold"
    [listed] = sfn.list_map_runs(executionArn=execution["executionArn"])["mapRuns"]
    run = sfn.describe_map_run(mapRunArn=listed["mapRunArn"])
    assert run["status"] == "FAILED" and run["itemCounts"]["failed"] >= 1
    failed = sfn.list_executions(mapRunArn=listed["mapRunArn"], statusFilter="FAILED")["executions"]
    assert len(failed) == 1
    assert sfn.describe_execution(executionArn=failed[0]["executionArn"])["error"] == "States.Runtime"


def _approvals(max_concurrency: int) -> dict[str, Any]:
    """A distributed Map whose children each wait for a task token (they stay RUNNING)."""
    waits = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "https://example.invalid/q", "MessageBody": {"token.$": "$$.Task.Token"}},
        "End": True,
    }
    return {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": max_concurrency,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Approve",
                    "States": {"Approve": waits},
                },
                "End": True,
            }
        },
    }


def test_update_map_run_raises_the_concurrency_of_a_running_run(aws: Any) -> None:
    from botocore.exceptions import ClientError

    from workbench.stepfunctions.models import PendingTask

    sfn = aws("stepfunctions")
    aws("sqs").create_queue(QueueName="q")  # where the children send their tokens
    definition = _approvals(1)
    machine = sfn.create_state_machine(name="approvals", definition=json.dumps(definition), roleArn=ROLE)
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input='{"items": [1, 2, 3]}')
    runs = wait_for(lambda: sfn.list_map_runs(executionArn=execution["executionArn"])["mapRuns"])
    map_run_arn = runs[0]["mapRunArn"]
    wait_for(lambda: PendingTask.objects.filter(wait_for_token=True).count() == 1)
    assert len(sfn.list_executions(mapRunArn=map_run_arn)["executions"]) == 1, "MaxConcurrency 1"
    sfn.update_map_run(mapRunArn=map_run_arn, maxConcurrency=3)
    assert sfn.describe_map_run(mapRunArn=map_run_arn)["maxConcurrency"] == 3
    wait_for(lambda: PendingTask.objects.filter(wait_for_token=True).count() == 3)
    for token in PendingTask.objects.filter(wait_for_token=True).values_list("token", flat=True):
        sfn.send_task_success(taskToken=token, output='"ok"')
    assert _finished(sfn, execution["executionArn"])["status"] == "SUCCEEDED"
    with pytest.raises(ClientError) as exc:
        sfn.update_map_run(mapRunArn=map_run_arn, maxConcurrency=5)
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        sfn.update_map_run(mapRunArn=map_run_arn, toleratedFailurePercentage=150)
    assert exc.value.response["Error"]["Code"] == "ValidationException"


def test_stopping_the_parent_aborts_the_map_run_and_its_children(aws: Any) -> None:
    from workbench.stepfunctions.models import PendingTask

    sfn = aws("stepfunctions")
    aws("sqs").create_queue(QueueName="q")  # where the children send their tokens
    machine = sfn.create_state_machine(name="stopped", definition=json.dumps(_approvals(2)), roleArn=ROLE)
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input='{"items": [1, 2, 3]}')
    wait_for(lambda: PendingTask.objects.filter(wait_for_token=True).count() == 2)
    [listed] = sfn.list_map_runs(executionArn=execution["executionArn"])["mapRuns"]
    sfn.stop_execution(executionArn=execution["executionArn"], error="Halt", cause="by hand")
    assert sfn.describe_execution(executionArn=execution["executionArn"])["status"] == "ABORTED"
    children = wait_for(
        lambda: (
            (c := sfn.list_executions(mapRunArn=listed["mapRunArn"])["executions"])
            and all(child["status"] == "ABORTED" for child in c)
            and c
        )
    )
    assert len(children) == 2, "the third item never started"
    run = sfn.describe_map_run(mapRunArn=listed["mapRunArn"])
    assert run["status"] == "ABORTED" and "stopDate" in run
    assert run["itemCounts"]["aborted"] == 2 and run["itemCounts"]["pending"] == 1


def test_a_gzipped_json_lines_object_is_read(aws: Any) -> None:
    import gzip

    s3, sfn = aws("s3"), aws("stepfunctions")
    s3.create_bucket(Bucket="logs")
    s3.put_object(
        Bucket="logs", Key="day.jsonl.gz", Body=gzip.compress(b'{"level": "warn"}\n{"level": "error"}\n')
    )
    reader = {
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSONL"},
            "Parameters": {"Bucket": "logs", "Key": "day.jsonl.gz"},
        }
    }
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "Keep",
                    "States": {"Keep": {"Type": "Pass", "End": True}},
                },
                "End": True,
                **reader,
            }
        },
    }
    machine = sfn.create_state_machine(name="gz", definition=json.dumps(definition), roleArn=ROLE)
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])
    described = _finished(sfn, execution["executionArn"])
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == [{"level": "warn"}, {"level": "error"}]


@pytest.mark.browser
def test_the_browser_goes_from_the_map_run_to_a_child_and_back(aws: Any, live_url: str) -> None:
    from tests.support.browser import chromium_page
    from workbench.stepfunctions.models import Execution

    sfn = aws("stepfunctions")
    definition = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Echo",
                    "States": {"Echo": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }
    machine = sfn.create_state_machine(name="browse", definition=json.dumps(definition), roleArn=ROLE)
    started = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input='{"items": [1, 2]}')
    assert _finished(sfn, started["executionArn"])["status"] == "SUCCEEDED"
    parent = Execution.objects.get(state_machine__name="browse", map_run__isnull=True)
    with chromium_page() as page:
        page.goto(f"{live_url}/executions/{parent.id}/")
        assert page.locator('g[data-state="Fan"]').get_attribute("data-status") == "succeeded"
        assert "2 succeeded" in page.locator(".map-run").inner_text()
        page.locator("ul.children a").first.click()
        page.wait_for_selector('g[data-state="Echo"]')
        assert page.locator('g[data-state="Echo"]').get_attribute("data-status") == "succeeded"
        assert page.locator("#execution-status").inner_text() == "SUCCEEDED"
        page.get_by_role("link", name=parent.name).click()
        page.wait_for_selector(".map-run")
