"""Map in DISTRIBUTED mode: a Map Run of child executions (the decider's side).

Behaviour from the developer guide's "Using Map state in Distributed mode" page (Map Run, child
workflow executions, failure threshold, MaxConcurrency default) and the Map state page's Label
field (the Map Run ARN ``mapRun:<machine>/<label>:<id>``).
"""

from __future__ import annotations

import json
from typing import Any

from engine.states.model import EndMapRun, StartChildExecution, StartMapRun
from tests.engine.states.interpreter_harness import ACCOUNT, REGION, Harness, lambda_arn, valid_machine


def distributed(processor_states: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A machine whose only state is a distributed Map over ``$.items`` (or its ItemReader's)."""
    first = next(iter(processor_states))
    items = {} if "ItemReader" in fields else {"ItemsPath": "$.items"}
    return valid_machine(
        {
            "Fan": {
                "Type": "Map",
                **items,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": first,
                    "States": processor_states,
                },
                "End": True,
                **fields,
            }
        }
    )


DOUBLE = {
    "Double": {
        "Type": "Pass",
        "Parameters": {"n.$": "$.n", "twice.$": "States.MathAdd($.n, $.n)"},
        "End": True,
    }
}


def started(definition: dict[str, Any], value: Any) -> Harness:
    harness = Harness(definition)
    harness.start(value)
    return harness


def test_each_item_runs_as_a_child_execution_and_the_results_come_back_in_order() -> None:
    harness = started(distributed(DOUBLE), {"items": [{"n": 1}, {"n": 2}, {"n": 3}]})
    [run] = harness.map_runs.values()
    assert [child.input for child in harness.children] == [{"n": 1}, {"n": 2}, {"n": 3}]
    harness.run_children()
    assert harness.status == "SUCCEEDED"
    assert harness.output() == [{"n": 1, "twice": 2}, {"n": 2, "twice": 4}, {"n": 3, "twice": 6}]
    # The parent's history shows the Map Run, not the iterations (they have histories of their own).
    # AWS's order (test_base_scenarios.snapshot.json, test_map_state_legacy_config_distributed).
    assert harness.types() == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    assert harness.events("MapRunStarted")[0].details == {"mapRunArn": run.map_run_arn}
    assert harness.ended_runs[run.map_run_id].status == "SUCCEEDED"
    child_history = next(iter(harness.child_harnesses.values())).types()
    assert child_history == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]


def test_the_map_run_arn_carries_the_label_and_the_children_run_the_item_processor() -> None:
    harness = started(distributed(DOUBLE, Label="demoLabel"), {"items": [{"n": 1}]})
    [run] = harness.map_runs.values()
    # Map state page, "Label": arn:aws:states:region:account-id:mapRun:demoWorkflow/demoLabel:<id>
    prefix = f"arn:aws:states:{REGION}:{ACCOUNT}:mapRun:OrderMachine/demoLabel:"
    assert run.map_run_arn.startswith(prefix)
    assert run.state_machine_arn == f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:OrderMachine/demoLabel"
    assert run.definition == {"StartAt": "Double", "States": DOUBLE, "QueryLanguage": "JSONPath"}
    assert run.execution_type == "STANDARD"
    assert run.item_count == 1


def test_without_a_label_the_state_name_labels_the_run() -> None:
    harness = started(distributed(DOUBLE), {"items": []})
    [run] = harness.map_runs.values()
    assert ":mapRun:OrderMachine/Fan:" in run.map_run_arn
    assert harness.output() == []  # no items: the run ends at once


def test_max_concurrency_bounds_the_children_running_at_once() -> None:
    harness = started(distributed(DOUBLE, MaxConcurrency=2), {"items": [{"n": i} for i in range(5)]})
    assert len(harness.children) == 2
    seen_running: list[int] = []

    def outcome(child: StartChildExecution) -> tuple[str, Any, str]:
        seen_running.append(len(harness.children) + 1)
        return "SUCCEEDED", child.input["n"], ""

    harness.run_children(outcome)
    assert max(seen_running) <= 2
    assert harness.output() == [0, 1, 2, 3, 4]


def test_without_max_concurrency_every_child_starts_at_once_up_to_ten_thousand() -> None:
    harness = started(distributed(DOUBLE), {"items": [{"n": i} for i in range(50)]})
    assert len(harness.children) == 50
    [run] = harness.map_runs.values()
    assert run.max_concurrency == 0  # DescribeMapRun reports 0 for "no limit set"


def fail_odd(child: StartChildExecution) -> tuple[str, Any, str]:
    if child.input["n"] % 2:
        return "FAILED", "Odd", f"{child.input['n']} is odd"
    return "SUCCEEDED", child.input["n"], ""


def test_one_failed_child_fails_the_run_when_no_failure_is_tolerated() -> None:
    harness = started(distributed(DOUBLE, MaxConcurrency=1), {"items": [{"n": 0}, {"n": 1}, {"n": 2}]})
    harness.run_children(fail_odd)
    assert harness.status == "FAILED"
    failed = harness.events("MapRunFailed")[0].details
    assert failed is not None and failed["error"] == "States.ExceedToleratedFailureThreshold"
    assert harness.finished[-1].error == "States.ExceedToleratedFailureThreshold"
    [ended] = harness.ended_runs.values()
    assert ended.status == "FAILED"


def test_tolerated_failures_leave_error_objects_in_the_results() -> None:
    definition = distributed(DOUBLE, ToleratedFailureCount=2)
    harness = started(definition, {"items": [{"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}]})
    harness.run_children(fail_odd)
    assert harness.status == "SUCCEEDED"
    assert harness.output() == [
        0,
        {"Error": "Odd", "Cause": "1 is odd"},
        2,
        {"Error": "Odd", "Cause": "3 is odd"},
    ]


def test_the_tolerated_percentage_is_of_all_items() -> None:
    # 2 of 4 failed = 50 %: over a 25 % threshold, within a 50 % one.
    over = started(
        distributed(DOUBLE, ToleratedFailurePercentage=25), {"items": [{"n": i} for i in range(4)]}
    )
    over.run_children(fail_odd)
    assert over.status == "FAILED"
    within = started(
        distributed(DOUBLE, ToleratedFailurePercentage=50), {"items": [{"n": i} for i in range(4)]}
    )
    within.run_children(fail_odd)
    assert within.status == "SUCCEEDED"


def test_an_exceeded_threshold_can_be_caught() -> None:
    definition = valid_machine(
        {
            "Fan": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "Work",
                    "States": {"Work": {"Type": "Task", "Resource": lambda_arn("work"), "End": True}},
                },
                "Catch": [
                    {
                        "ErrorEquals": ["States.ExceedToleratedFailureThreshold"],
                        "ResultPath": "$.error",
                        "Next": "Done",
                    }
                ],
                "End": True,
            },
            "Done": {"Type": "Succeed"},
        }
    )
    harness = started(definition, {"items": [{"n": 1}]})
    assert harness.map_runs[next(iter(harness.map_runs))].execution_type == "EXPRESS"
    harness.run_children(fail_odd)
    assert harness.status == "SUCCEEDED"
    assert harness.output()["error"]["Error"] == "States.ExceedToleratedFailureThreshold"


def test_stopping_the_parent_aborts_the_map_run() -> None:
    harness = started(distributed(DOUBLE), {"items": [{"n": 1}, {"n": 2}]})
    harness.stop("Stop", "by hand")
    assert harness.status == "ABORTED"
    [ended] = harness.ended_runs.values()
    assert isinstance(ended, EndMapRun) and ended.status == "ABORTED"


def test_a_late_or_repeated_report_changes_nothing() -> None:
    harness = started(distributed(DOUBLE, MaxConcurrency=1), {"items": [{"n": 0}, {"n": 2}]})
    first = harness.children[0]
    harness.run_children(fail_odd)
    events_before = len(harness.history)
    from engine.states.model import ChildExecutionEnded

    harness.send(ChildExecutionEnded(first.map_run_id, first.index, "SUCCEEDED", output=0))
    assert len(harness.history) == events_before
    assert harness.output() == [0, 2]


def test_item_selector_and_batching_shape_each_child_input() -> None:
    definition = distributed(
        {"Echo": {"Type": "Pass", "End": True}},
        ItemSelector={"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"},
        ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"source": "test"}},
    )
    harness = started(definition, {"items": ["a", "b", "c"]})
    assert [child.input for child in harness.children] == [
        {"Items": [{"index": 0, "value": "a"}, {"index": 1, "value": "b"}], "BatchInput": {"source": "test"}},
        {"Items": [{"index": 2, "value": "c"}], "BatchInput": {"source": "test"}},
    ]
    [run] = harness.map_runs.values()
    assert isinstance(run, StartMapRun) and run.item_count == 2


def test_a_child_cannot_read_the_parents_variables() -> None:
    definition = valid_machine(
        {
            "Init": {"Type": "Pass", "Assign": {"secret": 42}, "Next": "Fan"},
            "Fan": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Peek",
                    "States": {"Peek": {"Type": "Pass", "Parameters": {"seen.$": "$secret"}, "End": True}},
                },
                "End": True,
            },
        }
    )
    harness = started(definition, {"items": [1]})
    harness.run_children()
    # The child is an execution of its own: $secret is not defined there, so its Pass fails.
    assert harness.status == "FAILED"
    [child] = harness.child_harnesses.values()
    assert child.status == "FAILED"


# --- ItemReader and ResultWriter --------------------------------------------------------------


def reading(reader: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return distributed({"Echo": {"Type": "Pass", "End": True}}, ItemReader=reader, **fields)


CSV_READER = {
    "Resource": "arn:aws:states:::s3:getObject",
    "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItemsPath": "$.limit"},
    "Parameters": {"Bucket": "orders", "Key.$": "$.key"},
}


def test_the_item_reader_reads_s3_through_the_shell_then_runs_the_rows() -> None:
    harness = started(reading(CSV_READER), {"key": "orders.csv", "limit": 2})
    read = harness.task("Fan")
    assert read.resource == "arn:aws:states:::s3:getObject"
    assert read.payload == {"Bucket": "orders", "Key": "orders.csv"}
    harness.succeed("Fan", "id,total\no-1,10\no-2,20\no-3,30\n")
    # CSV fields are strings; MaxItemsPath kept the first two rows.
    assert [child.input for child in harness.children] == [
        {"id": "o-1", "total": "10"},
        {"id": "o-2", "total": "20"},
    ]
    harness.run_children()
    assert harness.output() == [{"id": "o-1", "total": "10"}, {"id": "o-2", "total": "20"}]


def test_a_failed_read_is_states_item_reader_failed_and_no_map_run_starts() -> None:
    harness = started(reading(CSV_READER), {"key": "missing.csv", "limit": 0})
    harness.fail("Fan", "S3.NoSuchKey", "The specified key does not exist.")
    assert harness.status == "FAILED"
    assert harness.finished[-1].error == "States.ItemReaderFailed"
    assert "NoSuchKey" in (harness.finished[-1].cause or "")
    assert harness.map_runs == {}


def test_unparseable_content_is_states_item_reader_failed() -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "b", "Key": "k"},
    }
    harness = started(reading(reader), {})
    harness.succeed("Fan", "42")  # a JSON number is not a list of items
    assert harness.finished[-1].error == "States.ItemReaderFailed"


def test_listing_objects_gives_one_item_per_object() -> None:
    reader = {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "b", "Prefix": "in/"}}
    harness = started(reading(reader), {})
    listing = harness.task("Fan")
    assert (listing.resource, listing.payload) == (
        "arn:aws:states:::s3:listObjectsV2",
        {"Bucket": "b", "Prefix": "in/"},
    )
    harness.succeed(
        "Fan",
        [
            {
                "Key": "in/a.json",
                "Size": 3,
                "ETag": '"x"',
                "LastModified": "2024-05-01T12:00:00+00:00",
                "StorageClass": "STANDARD",
            },
            {
                "Key": "in/b.json",
                "Size": 4,
                "ETag": '"y"',
                "LastModified": "2024-05-01T12:00:00+00:00",
                "StorageClass": "STANDARD",
            },
        ],
    )
    assert [child.input["Key"] for child in harness.children] == ["in/a.json", "in/b.json"]


def test_the_result_writer_puts_the_files_then_the_manifest_and_returns_where_they_are() -> None:
    writer = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "runs"}}
    harness = started(distributed(DOUBLE, ResultWriter=writer), {"items": [{"n": 1}, {"n": 2}]})
    harness.run_children()
    keys = []
    while harness.status == "RUNNING":
        put = harness.task("Fan")
        assert put.resource == "arn:aws:states:::s3:putObject"
        keys.append(put.payload["Key"])
        if put.payload["Key"].endswith("SUCCEEDED_0.json"):
            records = json.loads(put.payload["Body"])
            assert [json.loads(r["Output"]) for r in records] == [{"n": 1, "twice": 2}, {"n": 2, "twice": 4}]
        harness.succeed("Fan", {"ETag": '"e"'})
    [run] = harness.map_runs.values()
    run_id = run.map_run_arn.rsplit(":", 1)[1]
    assert keys == [f"runs/{run_id}/SUCCEEDED_0.json", f"runs/{run_id}/manifest.json"]
    assert harness.output() == {
        "MapRunArn": run.map_run_arn,
        "ResultWriterDetails": {"Bucket": "out", "Key": f"runs/{run_id}/manifest.json"},
    }


def test_a_failed_write_is_states_result_writer_failed() -> None:
    writer = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "gone", "Prefix": "p"}}
    harness = started(distributed(DOUBLE, ResultWriter=writer), {"items": [{"n": 1}]})
    harness.run_children()
    harness.fail("Fan", "S3.NoSuchBucket", "The specified bucket does not exist")
    assert harness.finished[-1].error == "States.ResultWriterFailed"


def test_the_live_graph_reads_a_map_run_as_its_map_state() -> None:
    from engine.states.progress import state_statuses

    definition = distributed(
        DOUBLE,
        Retry=[{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "MaxAttempts": 1}],
    )
    harness = started(definition, {"items": [{"n": 1}]})
    shaped = [event.to_aws() for event in harness.history]
    assert state_statuses(shaped) == {"Fan": "running"}
    harness.run_children(fail_odd)  # fails the run: the retry is pending
    assert state_statuses([event.to_aws() for event in harness.history]) == {"Fan": "retrying"}
    harness.fire_next_timer()  # the second Map Run starts
    assert state_statuses([event.to_aws() for event in harness.history]) == {"Fan": "running"}
    harness.run_children()
    assert state_statuses([event.to_aws() for event in harness.history]) == {"Fan": "succeeded"}


def test_a_gzipped_object_arrives_as_base64_and_is_read() -> None:
    import base64
    import gzip

    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSONL"},
        "Parameters": {"Bucket": "b", "Key": "k.jsonl.gz"},
    }
    harness = started(reading(reader), {})
    body = gzip.compress(b'{"n": 1}\n{"n": 2}\n')
    harness.succeed("Fan", {"BodyBase64": base64.b64encode(body).decode()})
    assert [child.input for child in harness.children] == [{"n": 1}, {"n": 2}]


def test_the_result_writer_exports_tolerated_failures_to_their_own_file() -> None:
    writer = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "runs"}}
    definition = distributed(DOUBLE, ResultWriter=writer, ToleratedFailureCount=1)
    harness = started(definition, {"items": [{"n": 0}, {"n": 1}]})
    harness.run_children(fail_odd)
    written: dict[str, Any] = {}
    while harness.status == "RUNNING":
        put = harness.task("Fan")
        written[put.payload["Key"].rsplit("/", 1)[1]] = json.loads(put.payload["Body"])
        harness.succeed("Fan", {"ETag": '"e"'})
    assert set(written) == {"SUCCEEDED_0.json", "FAILED_0.json", "manifest.json"}
    [failed] = written["FAILED_0.json"]
    assert (failed["Status"], failed["Error"], failed["Cause"]) == ("FAILED", "Odd", "1 is odd")
    assert json.loads(failed["Input"]) == {"n": 1}
    [succeeded] = written["SUCCEEDED_0.json"]
    assert json.loads(succeeded["Output"]) == 0
