"""ResultWriter: the files a Map Run exports to S3 and the Map state's result.

Shapes come from "ResultWriter (Map)" (docs.aws.amazon.com/step-functions/latest/dg/
input-output-resultwriter.html, cited as RESULTWRITER) and from result files AWS wrote for a
real Map Run, quoted in a public project's parsing tests (a manifest.json with DestinationBucket,
MapRunArn and ResultFiles {"FAILED", "PENDING", "SUCCEEDED"} of {"Key", "Size"}; a
FAILED_0.json record with Cause, Error, OutputDetails and RedriveStatus REDRIVABLE_BY_MAP_RUN
but no Output), cited as REAL_RUN.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.states.errors import RESULT_WRITER_FAILED, StatesError
from engine.states.result_writer import (
    PUT_OBJECT,
    ChildRecord,
    export_results,
    inline_result,
    map_run_id,
    writes_to_s3,
)

# RESULTWRITER: the Map Run ARN and export location of the documented example.
MAP_RUN_ARN = (
    "arn:aws:states:us-east-2:123456789012:mapRun:csvProcess/Map:ad9b5f27-090b-3ac6-9beb-243cd77144a7"
)
RUN_ID = "ad9b5f27-090b-3ac6-9beb-243cd77144a7"
BUCKET = "amzn-s3-demo-destination-bucket"
WRITER = {"Resource": PUT_OBJECT, "Parameters": {"Bucket": BUCKET, "Prefix": "csvProcessJobs"}}
PARAMETERS = {"Bucket": BUCKET, "Prefix": "csvProcessJobs"}
CHILD_SM = "arn:aws:states:us-east-2:123456789012:stateMachine:orderProcessing/getOrders"
ORDERS_A = [{"customer_id": "145538", "order_id": "100000"}, {"customer_id": "898037", "order_id": "100001"}]
ORDERS_B = [{"customer_id": "169881", "order_id": "100005"}, {"customer_id": "797471", "order_id": "100006"}]


def succeeded(name: str, output: Any, item: Any = None) -> ChildRecord:
    return ChildRecord(
        status="SUCCEEDED",
        input=item if item is not None else {"order": name},
        state_machine_arn=CHILD_SM,
        execution_arn=f"arn:aws:states:us-east-2:123456789012:execution:orderProcessing/getOrders:{name}",
        name=name,
        output=output,
        start_date="2025-02-04T01:49:50.099Z",
        stop_date="2025-02-04T01:49:50.163Z",
    )


def failed(name: str, status: Any = "FAILED", **extra: Any) -> ChildRecord:
    fields: dict[str, Any] = {
        "error": "States.Runtime",
        "cause": "An error occurred while executing the state 'ExceptionHandler'",
    }
    fields.update(extra)
    return ChildRecord(
        status=status,
        input={"order": name},
        state_machine_arn=CHILD_SM,
        execution_arn=f"arn:aws:states:us-east-2:123456789012:execution:orderProcessing/getOrders:{name}",
        name=name,
        start_date="2025-01-07T10:38:47.702Z",
        stop_date="2025-01-07T10:40:38.759Z",
        **fields,
    )


def files(export: Any) -> dict[str, Any]:
    return {obj.key: json.loads(obj.body) for obj in export.objects}


def test_state_result_and_manifest_key_follow_the_documented_example() -> None:
    # RESULTWRITER: {"MapRunArn": ..., "ResultWriterDetails": {"Bucket": ..., "Key":
    # "csvProcessJobs/ad9b5f27-090b-3ac6-9beb-243cd77144a7/manifest.json"}}.
    export = export_results(WRITER, PARAMETERS, MAP_RUN_ARN, [succeeded("a", ORDERS_A)])
    assert export.result == {
        "MapRunArn": MAP_RUN_ARN,
        "ResultWriterDetails": {"Bucket": BUCKET, "Key": f"csvProcessJobs/{RUN_ID}/manifest.json"},
    }
    assert export.objects[-1].key == f"csvProcessJobs/{RUN_ID}/manifest.json"
    assert all(obj.bucket == BUCKET for obj in export.objects)
    assert export.objects[0].put_object_arguments() == {
        "Bucket": BUCKET,
        "Key": f"csvProcessJobs/{RUN_ID}/SUCCEEDED_0.json",
        "Body": export.objects[0].body,
    }


def test_a_succeeded_record_matches_the_documented_none_transformation() -> None:
    # RESULTWRITER, "Transformation NONE": the record for execution da4e9fc7-....
    name = "da4e9fc7-abab-3b27-9a77-a277e463b709"
    export = export_results(WRITER, PARAMETERS, MAP_RUN_ARN, [succeeded(name, ORDERS_A, item={"n": 1})])
    record = files(export)[f"csvProcessJobs/{RUN_ID}/SUCCEEDED_0.json"][0]
    assert record == {
        "ExecutionArn": f"arn:aws:states:us-east-2:123456789012:execution:orderProcessing/getOrders:{name}",
        "Input": '{"n":1}',
        "InputDetails": {"Included": True},
        "Name": name,
        "Output": (
            '[{"customer_id":"145538","order_id":"100000"},{"customer_id":"898037","order_id":"100001"}]'
        ),
        "OutputDetails": {"Included": True},
        "RedriveCount": 0,
        "RedriveStatus": "NOT_REDRIVABLE",
        "RedriveStatusReason": "Execution is SUCCEEDED and cannot be redriven",
        "StartDate": "2025-02-04T01:49:50.099Z",
        "StateMachineArn": CHILD_SM,
        "Status": "SUCCEEDED",
        "StopDate": "2025-02-04T01:49:50.163Z",
    }
    assert list(record) == sorted(record)


def test_a_failed_record_has_error_and_cause_and_no_output() -> None:
    # REAL_RUN: the FAILED_0.json record of a child that failed with States.Runtime.
    export = export_results(WRITER, PARAMETERS, MAP_RUN_ARN, [failed("55334b15")])
    record = files(export)[f"csvProcessJobs/{RUN_ID}/FAILED_0.json"][0]
    assert list(record) == [
        "Cause",
        "Error",
        "ExecutionArn",
        "Input",
        "InputDetails",
        "Name",
        "OutputDetails",
        "RedriveCount",
        "RedriveStatus",
        "StartDate",
        "StateMachineArn",
        "Status",
        "StopDate",
    ]
    assert record["Error"] == "States.Runtime"
    assert record["RedriveStatus"] == "REDRIVABLE_BY_MAP_RUN"
    assert record["Status"] == "FAILED"


def test_the_manifest_lists_each_file_with_its_size() -> None:
    # REAL_RUN manifest.json; RESULTWRITER: timed out and aborted children go to FAILED_n.json,
    # children never started to PENDING_n.json, and a status with no child has no file.
    children = [
        succeeded("a", 1),
        failed("b"),
        failed("c", "TIMED_OUT", error="States.Timeout", cause=None),
        failed("d", "ABORTED", error=None, cause=None),
        ChildRecord(status="PENDING", input={"order": "e"}, state_machine_arn=CHILD_SM),
    ]
    export = export_results(WRITER, PARAMETERS, MAP_RUN_ARN, children)
    bodies = {obj.key: obj.body for obj in export.objects}
    folder = f"csvProcessJobs/{RUN_ID}/"
    manifest = json.loads(bodies[folder + "manifest.json"])
    assert manifest == {
        "DestinationBucket": BUCKET,
        "MapRunArn": MAP_RUN_ARN,
        "ResultFiles": {
            "FAILED": [
                {"Key": folder + "FAILED_0.json", "Size": len(bodies[folder + "FAILED_0.json"].encode())}
            ],
            "PENDING": [{"Key": folder + "PENDING_0.json", "Size": len(bodies[folder + "PENDING_0.json"])}],
            "SUCCEEDED": [
                {"Key": folder + "SUCCEEDED_0.json", "Size": len(bodies[folder + "SUCCEEDED_0.json"])}
            ],
        },
    }
    failed_records = json.loads(bodies[folder + "FAILED_0.json"])
    assert [record["Status"] for record in failed_records] == ["FAILED", "TIMED_OUT", "ABORTED"]
    assert "Cause" not in failed_records[1] and failed_records[1]["Error"] == "States.Timeout"
    assert "Error" not in failed_records[2]
    assert json.loads(bodies[folder + "PENDING_0.json"]) == [
        {
            "Input": '{"order":"e"}',
            "InputDetails": {"Included": True},
            "StateMachineArn": CHILD_SM,
            "Status": "PENDING",
        }
    ]


def test_only_succeeded_children_write_one_file_and_an_empty_run_only_a_manifest() -> None:
    only = export_results(WRITER, PARAMETERS, MAP_RUN_ARN, [succeeded("a", 1)])
    assert [obj.key.rsplit("/", 1)[1] for obj in only.objects] == ["SUCCEEDED_0.json", "manifest.json"]
    empty = export_results(WRITER, PARAMETERS, MAP_RUN_ARN, [])
    assert [obj.key.rsplit("/", 1)[1] for obj in empty.objects] == ["manifest.json"]
    assert json.loads(empty.objects[0].body)["ResultFiles"] == {"FAILED": [], "PENDING": [], "SUCCEEDED": []}


@pytest.mark.parametrize(
    ("prefix", "key"),
    [
        ("", f"{RUN_ID}/manifest.json"),
        ("jobs/", f"jobs/{RUN_ID}/manifest.json"),
        ("a/b", f"a/b/{RUN_ID}/manifest.json"),
    ],
)
def test_prefixes_get_one_slash(prefix: str, key: str) -> None:
    export = export_results(WRITER, {"Bucket": BUCKET, "Prefix": prefix}, MAP_RUN_ARN, [])
    assert export.result["ResultWriterDetails"]["Key"] == key
    assert (
        export_results(WRITER, {"Bucket": BUCKET}, MAP_RUN_ARN, []).objects[0].key
        == f"{RUN_ID}/manifest.json"
    )


def test_compact_and_flatten_write_outputs_but_keep_failed_records() -> None:
    # RESULTWRITER, "Transformation COMPACT" / "Transformation FLATTEN" examples, and the note
    # that a failed child's result is returned unchanged (as with NONE).
    children = [succeeded("a", ORDERS_A), succeeded("b", ORDERS_B), failed("c")]
    folder = f"csvProcessJobs/{RUN_ID}/"
    compact = dict(WRITER, WriterConfig={"Transformation": "COMPACT", "OutputType": "JSON"})
    written = files(export_results(compact, PARAMETERS, MAP_RUN_ARN, children))
    assert written[folder + "SUCCEEDED_0.json"] == [ORDERS_A, ORDERS_B]
    assert written[folder + "FAILED_0.json"][0]["Status"] == "FAILED"
    flatten = dict(WRITER, WriterConfig={"Transformation": "FLATTEN", "OutputType": "JSON"})
    written = files(export_results(flatten, PARAMETERS, MAP_RUN_ARN, children))
    assert written[folder + "SUCCEEDED_0.json"] == ORDERS_A + ORDERS_B


def test_jsonl_output_writes_one_record_per_line() -> None:
    jsonl = dict(WRITER, WriterConfig={"Transformation": "COMPACT", "OutputType": "JSONL"})
    export = export_results(jsonl, PARAMETERS, MAP_RUN_ARN, [succeeded("a", {"x": 1}), succeeded("b", 2)])
    assert export.objects[0].key.endswith("SUCCEEDED_0.json")
    assert export.objects[0].body == '{"x":1}\n2\n'


def test_a_full_file_continues_in_the_next_index() -> None:
    # RESULTWRITER: past the size limit (5 GB) the results go on in SUCCEEDED_1.json.
    children = [succeeded(f"c{i}", "x" * 50) for i in range(6)]
    one_file = export_results(WRITER, PARAMETERS, MAP_RUN_ARN, children)
    record_size = len(json.dumps(json.loads(one_file.objects[0].body)[0], separators=(",", ":")))
    export = export_results(WRITER, PARAMETERS, MAP_RUN_ARN, children, max_file_bytes=record_size * 2 + 10)
    keys = [obj.key.rsplit("/", 1)[1] for obj in export.objects]
    assert keys == ["SUCCEEDED_0.json", "SUCCEEDED_1.json", "SUCCEEDED_2.json", "manifest.json"]
    assert all(len(obj.body.encode()) <= record_size * 2 + 10 for obj in export.objects[:-1])
    records = [record for obj in export.objects[:-1] for record in json.loads(obj.body)]
    assert [record["Name"] for record in records] == [f"c{i}" for i in range(6)]
    manifest = json.loads(export.objects[-1].body)
    assert [entry["Key"].rsplit("/", 1)[1] for entry in manifest["ResultFiles"]["SUCCEEDED"]] == keys[:3]


def test_dates_are_written_in_utc_with_milliseconds() -> None:
    child = ChildRecord(
        status="SUCCEEDED",
        input=1,
        state_machine_arn=CHILD_SM,
        execution_arn="arn:aws:states:us-east-2:123456789012:execution:x:y",
        name="y",
        output=None,
        start_date="2025-02-04T03:49:50.099999+02:00",
        stop_date="2025-02-04T01:49:51",
    )
    record = files(export_results(WRITER, PARAMETERS, MAP_RUN_ARN, [child]))[
        f"csvProcessJobs/{RUN_ID}/SUCCEEDED_0.json"
    ][0]
    assert (record["StartDate"], record["StopDate"]) == (
        "2025-02-04T01:49:50.099Z",
        "2025-02-04T01:49:51.000Z",
    )
    assert record["Output"] == "null"


def test_writer_config_alone_shapes_the_state_output() -> None:
    # RESULTWRITER, "Only WriterConfig": no export, the formatted results go to the next state.
    writer = {"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}}
    assert not writes_to_s3(writer)
    assert writes_to_s3(WRITER)
    children = [succeeded("a", ORDERS_A), succeeded("b", ORDERS_B)]
    assert inline_result(writer, children) == ORDERS_A + ORDERS_B
    assert inline_result({"WriterConfig": {"Transformation": "COMPACT"}}, children) == [ORDERS_A, ORDERS_B]
    records = inline_result({"WriterConfig": {"Transformation": "NONE"}}, children)
    assert [record["Name"] for record in records] == ["a", "b"]


@pytest.mark.parametrize(
    ("writer", "parameters", "expected"),
    [
        (WRITER, {"Prefix": "p"}, "'Bucket' is required"),
        (WRITER, {"Bucket": "b", "Key": "k"}, "'Key' is not supported"),
        (WRITER, {"Bucket": "b", "Prefix": 3}, "'Prefix' must be a string"),
        ({"Resource": "arn:aws:states:::s3:getObject"}, PARAMETERS, "must be"),
        (dict(WRITER, WriterConfig={"Transformation": "SHRINK"}), PARAMETERS, "Transformation"),
        (dict(WRITER, WriterConfig={"OutputType": "CSV"}), PARAMETERS, "OutputType"),
    ],
)
def test_bad_writer_settings_fail_the_result_writer(
    writer: dict[str, Any], parameters: dict[str, Any], expected: str
) -> None:
    with pytest.raises(StatesError) as raised:
        export_results(writer, parameters, MAP_RUN_ARN, [])
    assert raised.value.error == RESULT_WRITER_FAILED
    assert expected in raised.value.cause


def test_map_run_id_is_the_last_part_of_the_arn() -> None:
    assert map_run_id(MAP_RUN_ARN) == RUN_ID
    with pytest.raises(ValueError):
        map_run_id("arn:aws:states:us-east-1:123456789012:execution:sm:name")


def test_a_started_child_needs_its_arn_name_and_start_date() -> None:
    incomplete = ChildRecord(status="SUCCEEDED", input=1, state_machine_arn=CHILD_SM, output=1)
    with pytest.raises(ValueError):
        export_results(WRITER, PARAMETERS, MAP_RUN_ARN, [incomplete])
