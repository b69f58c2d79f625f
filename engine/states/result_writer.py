"""A Distributed Map's ResultWriter: the S3 objects a Map Run exports and what the state returns.

Shapes follow "ResultWriter (Map)" (step-functions/latest/dg/input-output-resultwriter.html)
and result files AWS wrote for real Map Runs (quoted in this module's tests):

* ``<Prefix>/<map run id>/manifest.json``: ``{"DestinationBucket", "MapRunArn", "ResultFiles":
  {"FAILED": [...], "PENDING": [...], "SUCCEEDED": [{"Key", "Size"}]}}``;
* ``SUCCEEDED_<n>.json``, ``FAILED_<n>.json`` (failed, timed out and aborted children) and
  ``PENDING_<n>.json`` (children never started), each a JSON array of execution records, a new
  file whenever one would pass 5 GB; a status with no child gets no file;
* the Map state's result: ``{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}``.

``WriterConfig`` shapes the records: ``Transformation`` NONE (the records, the default when
exporting), COMPACT (the outputs only, the default inline), FLATTEN (outputs, arrays spliced
in); a failed child always keeps its full record. ``OutputType`` JSONL writes one record per
line; the files keep their ``.json`` names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from engine.states import errors
from engine.states.errors import StatesError
from engine.states.model import JSON

MAX_RESULT_FILE_BYTES = 5 * 1024**3
"""A result file holds up to 5 GB; the rest of the records go to the next index."""

PUT_OBJECT = "arn:aws:states:::s3:putObject"

_PUT_OBJECT = re.compile(r"arn:aws[a-z-]*:states:::s3:putObject")

ChildStatus = Literal["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING"]
_FILE_OF_STATUS = {
    "SUCCEEDED": "SUCCEEDED",
    "FAILED": "FAILED",
    "TIMED_OUT": "FAILED",
    "ABORTED": "FAILED",
    "PENDING": "PENDING",
}
_FILE_KINDS = ("FAILED", "PENDING", "SUCCEEDED")


@dataclass(frozen=True)
class ChildRecord:
    """One child execution of a Map Run, as the shell knows it.

    ``input`` and ``output`` are JSON values (the files hold them as compact JSON text, as
    DescribeExecution does); dates are ISO 8601 strings. A PENDING child never started, so it
    has no ARN, name or dates yet.
    """

    status: ChildStatus
    input: JSON
    state_machine_arn: str
    execution_arn: str = ""
    name: str = ""
    output: JSON = None
    error: str | None = None
    cause: str | None = None
    start_date: str | None = None
    stop_date: str | None = None
    redrive_count: int = 0


@dataclass(frozen=True)
class ResultObject:
    """One S3 object to put into the destination bucket."""

    bucket: str
    key: str
    body: str

    def put_object_arguments(self) -> dict[str, str]:
        """The PutObject request (boto3 keyword names): Bucket, Key, Body."""
        return {"Bucket": self.bucket, "Key": self.key, "Body": self.body}


@dataclass(frozen=True)
class ResultExport:
    """What the shell writes (``objects``, in order, manifest last) and the Map state's result."""

    objects: tuple[ResultObject, ...]
    result: dict[str, JSON]


def fail(cause: str) -> StatesError:
    return StatesError(errors.RESULT_WRITER_FAILED, cause)


def writes_to_s3(writer: Mapping[str, JSON]) -> bool:
    """Whether the ResultWriter exports (Resource + Parameters/Arguments) or only shapes the output."""
    return "Resource" in writer


def map_run_id(map_run_arn: str) -> str:
    """The id a Map Run's files live under: the ARN's last part (``...:mapRun:sm/Label:<id>``)."""
    head, _, run_id = map_run_arn.rpartition(":")
    if ":mapRun:" not in f"{head}:" or not run_id:
        raise ValueError(f"not a Map Run ARN: {map_run_arn!r}")
    return run_id


def export_results(
    writer: Mapping[str, JSON],
    parameters: Mapping[str, JSON],
    map_run_arn: str,
    children: Sequence[ChildRecord],
    *,
    max_file_bytes: int = MAX_RESULT_FILE_BYTES,
) -> ResultExport:
    """The result files and manifest of a finished Map Run, and the state's result.

    ``parameters`` is the ResultWriter's Parameters/Arguments, already resolved (Bucket, Prefix);
    ``children`` are in item order.
    """
    if _PUT_OBJECT.fullmatch(str(writer.get("Resource"))) is None:
        raise fail(f"The ResultWriter Resource must be {PUT_OBJECT}, not {writer.get('Resource')!r}.")
    bucket, prefix = _destination(parameters)
    transformation, output_type = _writer_config(writer, exporting=True)
    folder = f"{prefix}{map_run_id(map_run_arn)}/"
    objects: list[ResultObject] = []
    result_files: dict[str, list[JSON]] = {kind: [] for kind in _FILE_KINDS}
    for kind in ("SUCCEEDED", "FAILED", "PENDING"):
        members = [child for child in children if _FILE_OF_STATUS[child.status] == kind]
        if not members:
            continue
        entries = _shaped(members, transformation) if kind == "SUCCEEDED" else [_record(c) for c in members]
        for index, body in enumerate(_file_bodies(entries, output_type, max_file_bytes)):
            key = f"{folder}{kind}_{index}.json"
            objects.append(ResultObject(bucket, key, body))
            result_files[kind].append({"Key": key, "Size": len(body.encode())})
    manifest_key = f"{folder}manifest.json"
    manifest = {"DestinationBucket": bucket, "MapRunArn": map_run_arn, "ResultFiles": result_files}
    objects.append(ResultObject(bucket, manifest_key, _compact(manifest)))
    result: dict[str, JSON] = {
        "MapRunArn": map_run_arn,
        "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key},
    }
    return ResultExport(objects=tuple(objects), result=result)


def inline_result(writer: Mapping[str, JSON], children: Sequence[ChildRecord]) -> list[JSON]:
    """The Map's output when ResultWriter has only a WriterConfig: the children, shaped, in item order."""
    transformation, _ = _writer_config(writer, exporting=False)
    started = [child for child in children if child.status != "PENDING"]
    return _shaped(started, transformation)


# --- records -----------------------------------------------------------------------------------------


def _shaped(children: Iterable[ChildRecord], transformation: str) -> list[JSON]:
    """NONE keeps each record; COMPACT keeps outputs; FLATTEN splices array outputs in."""
    shaped: list[JSON] = []
    for child in children:
        if transformation == "NONE" or child.status != "SUCCEEDED":
            shaped.append(_record(child))
            continue
        output = child.output
        if transformation == "FLATTEN" and isinstance(output, list):
            shaped.extend(output)
        else:
            shaped.append(output)
    return shaped


def _record(child: ChildRecord) -> dict[str, JSON]:
    """An execution record as AWS writes it: PascalCase members in alphabetical order.

    A succeeded child carries its Output and AWS's redrive wording; a failed, timed out or
    aborted one carries Error and Cause (when it has them) and is redrivable through its Map Run.
    """
    if child.status == "PENDING":
        pending: dict[str, JSON] = {}
        if child.execution_arn:
            pending["ExecutionArn"] = child.execution_arn
        pending["Input"] = _compact(child.input)
        pending["InputDetails"] = {"Included": True}
        if child.name:
            pending["Name"] = child.name
        pending["StateMachineArn"] = child.state_machine_arn
        pending["Status"] = child.status
        return pending
    if not child.execution_arn or not child.name or not child.start_date:
        raise ValueError(f"a {child.status} child needs its execution ARN, name and start date")
    record: dict[str, JSON] = {}
    if child.status != "SUCCEEDED":
        if child.cause is not None:
            record["Cause"] = child.cause
        if child.error is not None:
            record["Error"] = child.error
    record["ExecutionArn"] = child.execution_arn
    record["Input"] = _compact(child.input)
    record["InputDetails"] = {"Included": True}
    record["Name"] = child.name
    if child.status == "SUCCEEDED":
        record["Output"] = _compact(child.output)
    record["OutputDetails"] = {"Included": True}
    record["RedriveCount"] = child.redrive_count
    if child.status == "SUCCEEDED":
        record["RedriveStatus"] = "NOT_REDRIVABLE"
        record["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
    else:
        record["RedriveStatus"] = "REDRIVABLE_BY_MAP_RUN"
    record["StartDate"] = _aws_time(child.start_date)
    record["StateMachineArn"] = child.state_machine_arn
    record["Status"] = child.status
    if child.stop_date:
        record["StopDate"] = _aws_time(child.stop_date)
    return record


def _aws_time(value: str) -> str:
    """ISO 8601 in AWS's result-file form: UTC, milliseconds, ``Z`` (``2025-02-04T01:49:50.099Z``)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --- files -------------------------------------------------------------------------------------------


def _file_bodies(entries: list[JSON], output_type: str, max_bytes: int) -> list[str]:
    """Split the entries into file bodies of at most ``max_bytes`` (a lone oversized entry still gets one)."""
    bodies: list[str] = []
    chunk: list[str] = []
    size = 2
    for entry in entries:
        text = _compact(entry)
        added = len(text.encode()) + 1
        if chunk and size + added > max_bytes:
            bodies.append(_body(chunk, output_type))
            chunk, size = [], 2
        chunk.append(text)
        size += added
    if chunk:
        bodies.append(_body(chunk, output_type))
    return bodies


def _body(texts: list[str], output_type: str) -> str:
    if output_type == "JSONL":
        return "".join(f"{text}\n" for text in texts)
    return "[" + ",".join(texts) + "]"


def _compact(value: JSON) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- configuration -----------------------------------------------------------------------------------


def _destination(parameters: Mapping[str, JSON]) -> tuple[str, str]:
    """The bucket and key prefix; a prefix gets a trailing ``/`` unless it is empty or has one."""
    bucket = parameters.get("Bucket")
    if not isinstance(bucket, str) or not bucket:
        raise fail("The ResultWriter field 'Bucket' is required and must be a non-empty string.")
    prefix = parameters.get("Prefix", "")
    if not isinstance(prefix, str):
        raise fail("The ResultWriter field 'Prefix' must be a string.")
    for name in parameters:
        if name not in ("Bucket", "Prefix"):
            raise fail(f"The ResultWriter field '{name}' is not supported; use Bucket and Prefix.")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return bucket, prefix


def _writer_config(writer: Mapping[str, JSON], *, exporting: bool) -> tuple[str, str]:
    config = writer.get("WriterConfig", {})
    if not isinstance(config, Mapping):
        raise fail("ResultWriter.WriterConfig must be an object.")
    transformation = config.get("Transformation", "NONE" if exporting else "COMPACT")
    output_type = config.get("OutputType", "JSON")
    if transformation not in ("NONE", "COMPACT", "FLATTEN"):
        raise fail(f"WriterConfig.Transformation must be NONE, COMPACT or FLATTEN, not {transformation!r}.")
    if output_type not in ("JSON", "JSONL"):
        raise fail(f"WriterConfig.OutputType must be JSON or JSONL, not {output_type!r}.")
    return str(transformation), str(output_type)
