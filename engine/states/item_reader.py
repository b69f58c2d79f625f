"""A Distributed Map's ItemReader: which S3 reads to make, and the items AWS makes of them.

The shell stays dumb: ``s3_request`` says which S3 call to make first (GetObject or
ListObjectsV2, with boto3-shaped arguments); ``follow_up_requests`` says which objects to read
next when the first answer only points at the data (an S3 inventory or Athena manifest, or
``Transformation: LOAD_AND_FLATTEN`` over a listing); ``read_items`` turns what came back into
the items, one child execution input each. Everything follows "ItemReader (Map)"
(step-functions/latest/dg/input-output-itemreader.html); failures raise
``StatesError("States.ItemReaderFailed", cause)`` with AWS's cause where it is known. AWS shows
that cause after its usual prefix ("An error occurred while executing the state 'M' (entered at
the event id #2). ..."): ``engine.states.errors.runtime_cause`` adds it where the state is known.

What a fetch is: a GetObject body as ``str`` or ``bytes`` (bytes are decoded as UTF-8 and
may be GZIP-compressed, as AWS accepts ``myObject.jsonl.gz``); a ListObjectsV2 answer as the
list of its ``Contents`` entries (all pages, in order), shaped like boto3's.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from engine.states import errors
from engine.states.delimited import DELIMITERS, DelimitedSyntaxError, Record, records
from engine.states.errors import StatesError
from engine.states.model import JSON

MAX_ITEMS_LIMIT = 100_000_000
"""ReaderConfig.MaxItems may be at most 100,000,000; 0 (or no value) reads every item."""

MAX_ITEM_BYTES = 8 * 1024 * 1024
"""An item read from a CSV, JSON or JSON Lines file may be up to 8 MB."""

MAX_OBJECT_BYTES = 10 * 1024**3
"""Step Functions reads S3 objects of up to 10 GB."""

MAX_CSV_HEADER_BYTES = 10 * 1024
"""A CSV header row may be up to 10 KB (the ItemReader page's CSVHeaderLocation note)."""

NON_ITERABLE_CAUSE = "Attempting to map over non-iterable node."
"""AWS's cause when the JSON dataset is no array (recorded in LocalStack's AWS snapshots)."""

DUPLICATE_HEADERS_CAUSE = "CSV headers cannot contain duplicates."
"""AWS's cause for a repeated CSV column name (recorded in LocalStack's AWS snapshots)."""

POINTER_MISSING_CAUSE = (
    "The provided ReaderConfig.ItemsPointer does not match any valid path in the JSON structure."
)
"""AWS's cause when ItemsPointer selects nothing (as measured by floci-io/floci's AWS tests)."""

_S3_RESOURCE = re.compile(r"arn:aws[a-z-]*:states:::s3:(getObject|listObjectsV2)")
_GET_OBJECT_ARGUMENTS = ("Bucket", "Key", "VersionId", "ExpectedBucketOwner")
_LIST_OBJECTS_ARGUMENTS = ("Bucket", "Prefix", "StartAfter", "Delimiter", "ExpectedBucketOwner")
_S3_URI = re.compile(r"s3://([^/]+)/(.+)")

Action = Literal["GetObject", "ListObjectsV2"]


@dataclass(frozen=True)
class S3Request:
    """One S3 call the shell makes for the reader: the API action and its arguments.

    ``arguments`` uses the API's member names, which are boto3's keyword names too, so a shell
    may call ``getattr(s3_client, request.boto3_method)(**request.arguments)``. A ListObjectsV2
    request means every page (follow ``NextContinuationToken``), all ``Contents`` in order.
    """

    action: Action
    arguments: dict[str, str] = field(default_factory=dict)

    @property
    def boto3_method(self) -> str:
        return "get_object" if self.action == "GetObject" else "list_objects_v2"


def fail(cause: str) -> StatesError:
    return StatesError(errors.ITEM_READER_FAILED, cause)


# --- what to read ------------------------------------------------------------------------------


def s3_request(reader: Mapping[str, JSON], parameters: Mapping[str, JSON]) -> S3Request:
    """The first S3 call: ``parameters`` is the ItemReader's Parameters/Arguments, already resolved."""
    action = _action(reader)
    config = _reader_config(reader)
    if config.get("InputType") == "PARQUET":
        raise _parquet_refused()
    allowed = _GET_OBJECT_ARGUMENTS if action == "GetObject" else _LIST_OBJECTS_ARGUMENTS
    arguments: dict[str, str] = {}
    for name, value in parameters.items():
        if name not in allowed:
            raise fail(
                f"The ItemReader parameter '{name}' is not supported for s3:{_api_name(action)}; "
                f"supported parameters: {', '.join(allowed)}."
            )
        if not isinstance(value, str):
            raise fail(f"The ItemReader field '{name}' must be a string, not {_json_type(value)}.")
        arguments[name] = value
    required = ("Bucket", "Key") if action == "GetObject" else ("Bucket",)
    for name in required:
        if not arguments.get(name):
            raise fail(f"The ItemReader field '{name}' is required for s3:{_api_name(action)}.")
    return S3Request(action, arguments)


def follow_up_requests(reader: Mapping[str, JSON], request: S3Request, fetched: JSON) -> list[S3Request]:
    """The reads that come after the first one, in the order ``read_items`` expects their bodies.

    None for a plain file or a plain listing. A manifest (S3 inventory or Athena) names data
    files; ``LOAD_AND_FLATTEN`` reads every listed object (folder placeholders excepted).
    """
    config = _reader_config(reader)
    if _is_inventory(config):
        manifest = _inventory_manifest(_text(fetched, "The S3 inventory manifest"))
        return [S3Request("GetObject", {"Bucket": manifest.bucket, "Key": key}) for key in manifest.keys]
    if config.get("ManifestType") == "ATHENA_DATA":
        return [_athena_request(line) for line in _athena_lines(_text(fetched, "The Athena manifest"))]
    if config.get("Transformation") == "LOAD_AND_FLATTEN":
        bucket = request.arguments["Bucket"]
        return [
            S3Request("GetObject", {"Bucket": bucket, "Key": str(entry["Key"])})
            for entry in _listing(fetched)
            if not _is_folder_placeholder(entry)
        ]
    return []


# --- what was read -------------------------------------------------------------------------------


def read_items(
    reader: Mapping[str, JSON],
    fetched: JSON,
    *,
    max_items: int | None = None,
    loaded: Sequence[str | bytes] = (),
) -> list[JSON]:
    """The Map's items from what S3 returned, at most ``max_items`` (0/None: ReaderConfig.MaxItems).

    ``fetched`` answers ``s3_request``; ``loaded`` holds the bodies of ``follow_up_requests``.
    ``max_items`` is the resolved MaxItemsPath (or JSONata MaxItems) when there is one.
    """
    action = _action(reader)
    config = _reader_config(reader)
    limit = _limit(config, max_items)
    input_type = config.get("InputType")
    if input_type == "PARQUET":
        raise _parquet_refused()
    if _is_inventory(config):
        return _inventory_items(_text(fetched, "The S3 inventory manifest"), loaded, limit)
    if config.get("ManifestType") == "ATHENA_DATA" or config.get("Transformation") == "LOAD_AND_FLATTEN":
        return _flattened(config, loaded, limit)
    if action == "ListObjectsV2":
        return [_object_summary(entry) for entry in _listing(fetched)[: limit or None]]
    return _file_items(config, _text(fetched, "The S3 object"), limit)


def _file_items(config: Mapping[str, JSON], text: str, limit: int) -> list[JSON]:
    input_type = config.get("InputType")
    if input_type == "JSON":
        return _json_items(text, config.get("ItemsPointer"), limit)
    if input_type == "JSONL":
        return _json_lines_items(text, limit)
    if input_type == "CSV":
        return _csv_items(text, config, limit)
    raise fail(f"ReaderConfig.InputType must be one of CSV, JSON, JSONL, MANIFEST; got {input_type!r}.")


def _flattened(config: Mapping[str, JSON], bodies: Sequence[str | bytes], limit: int) -> list[JSON]:
    """LOAD_AND_FLATTEN and Athena manifests: every data object's items, one object after the other."""
    items: list[JSON] = []
    for body in bodies:
        remaining = limit - len(items) if limit else 0
        items.extend(_file_items(config, _text(body, "A data object"), remaining))
        if limit and len(items) >= limit:
            return items[:limit]
    return items


# --- JSON and JSON Lines -------------------------------------------------------------------------


def _json_items(text: str, pointer: JSON, limit: int) -> list[JSON]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise fail(
            f"The S3 object is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    if pointer is not None:
        document = _resolve_pointer(document, pointer)
    if isinstance(document, dict):
        items: list[JSON] = [{"Key": key, "Value": value} for key, value in document.items()]
    elif isinstance(document, list):
        items = document
    else:
        raise fail(NON_ITERABLE_CAUSE)
    chosen = items[:limit] if limit else items
    for index, item in enumerate(chosen):
        _check_item_size(len(json.dumps(item, ensure_ascii=False).encode()), f"Item {index}")
    return chosen


def _resolve_pointer(document: JSON, pointer: JSON) -> JSON:
    """RFC 6901: ``""`` is the whole document, ``/a/0`` walks names and indexes (``~1`` = ``/``)."""
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise fail(f"ReaderConfig.ItemsPointer must be a JSON Pointer such as /a/b, not {pointer!r}.")
    node = document
    for raw in pointer.split("/")[1:] if pointer else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise fail(POINTER_MISSING_CAUSE)
    return node


def _json_lines_items(text: str, limit: int) -> list[JSON]:
    items: list[JSON] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        _check_item_size(len(line.encode()), f"Line {number}")
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise fail(f"Line {number} of the JSON Lines object is not valid JSON: {error.msg}.") from None
        if limit and len(items) >= limit:
            break
    return items


# --- CSV -------------------------------------------------------------------------------------------


def _csv_items(text: str, config: Mapping[str, JSON], limit: int) -> list[JSON]:
    delimiter = DELIMITERS.get(str(config.get("CSVDelimiter", "COMMA")))
    if delimiter is None:
        raise fail(f"ReaderConfig.CSVDelimiter must be one of {', '.join(DELIMITERS)}.")
    rows = records(text, delimiter)
    try:
        headers = _csv_headers(config, rows)
        items: list[JSON] = []
        if headers is None:
            return items
        for row in rows:
            _check_item_size(_encoded_size(text, row), f"The CSV record on line {row.line}")
            items.append(_row_item(headers, row.fields))
            if limit and len(items) >= limit:
                break
    except DelimitedSyntaxError as error:
        raise fail(f"The CSV object is not valid: {error}.") from None
    return items


def _row_item(headers: list[str], fields: list[str]) -> dict[str, JSON]:
    """Missing fields read as empty strings; extra fields are skipped (both as AWS documents)."""
    return {name: fields[index] if index < len(fields) else "" for index, name in enumerate(headers)}


def _encoded_size(text: str, row: Record) -> int:
    """The record's UTF-8 size, computed only when it could matter (a character is at most 4 bytes)."""
    if row.length * 4 <= MAX_ITEM_BYTES:
        return row.length
    return len(text[row.start : row.start + row.length].encode())


def _csv_headers(config: Mapping[str, JSON], rows: Iterator[Record]) -> list[str] | None:
    """The column names: the first record (FIRST_ROW) or ReaderConfig.CSVHeaders (GIVEN)."""
    location = config.get("CSVHeaderLocation")
    if location == "GIVEN":
        given = config.get("CSVHeaders")
        if not isinstance(given, list) or not all(isinstance(name, str) for name in given):
            raise fail("ReaderConfig.CSVHeaders must be an array of strings when CSVHeaderLocation is GIVEN.")
        headers: list[str] = list(given)
    elif location == "FIRST_ROW":
        first = next(rows, None)
        if first is None:
            return None
        if first.length > MAX_CSV_HEADER_BYTES:
            raise fail(f"The CSV header row is longer than the supported {MAX_CSV_HEADER_BYTES} bytes.")
        headers = list(first.fields)
    else:
        raise fail("ReaderConfig.CSVHeaderLocation must be FIRST_ROW or GIVEN for a CSV object.")
    if len(set(headers)) < len(headers):
        raise fail(DUPLICATE_HEADERS_CAUSE)
    if any(name == "" for name in headers):
        raise fail("CSV headers cannot contain empty values.")
    return headers


# --- ListObjectsV2 -------------------------------------------------------------------------------


def _listing(fetched: JSON) -> list[Mapping[str, JSON]]:
    if not isinstance(fetched, list) or not all(isinstance(entry, Mapping) for entry in fetched):
        raise fail("The ListObjectsV2 answer must be the list of its Contents entries.")
    return fetched


def _object_summary(entry: Mapping[str, JSON]) -> dict[str, JSON]:
    """The item AWS hands a child for one listed object (ItemReader page, "A list of Amazon S3 objects").

    AWS's example: ``{"Etag": "\\"0570...\\"", "Key": "processData/images/n02085620_1073.jpg",
    "LastModified": 1668699881, "Size": 34910, "StorageClass": "STANDARD"}`` -- note ``Etag``,
    not boto3's ``ETag``, and LastModified in whole seconds since the epoch.
    """
    item: dict[str, JSON] = {}
    if "ETag" in entry:
        item["Etag"] = entry["ETag"]
    if "Key" not in entry:
        raise fail("A ListObjectsV2 Contents entry has no Key.")
    item["Key"] = entry["Key"]
    if "LastModified" in entry:
        item["LastModified"] = _epoch_seconds(entry["LastModified"])
    for name in ("Size", "StorageClass"):
        if name in entry:
            item[name] = entry[name]
    return item


def _epoch_seconds(value: object) -> int:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise fail(f"A ListObjectsV2 LastModified value is not an ISO 8601 time: {value!r}.") from None
    else:
        raise fail(f"A ListObjectsV2 LastModified value is not a time: {value!r}.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _is_folder_placeholder(entry: Mapping[str, JSON]) -> bool:
    """The zero-byte ``folder/`` objects the S3 console creates hold no data to load."""
    return str(entry.get("Key", "")).endswith("/") and entry.get("Size", 0) == 0


# --- manifests -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _InventoryManifest:
    bucket: str
    keys: list[str]
    columns: list[str]


def _is_inventory(config: Mapping[str, JSON]) -> bool:
    return config.get("InputType") == "MANIFEST" or config.get("ManifestType") == "S3_INVENTORY"


def _inventory_manifest(text: str) -> _InventoryManifest:
    """An S3 inventory ``manifest.json``: CSV files in ``destinationBucket``, columns in ``fileSchema``."""
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as error:
        raise fail(f"The S3 inventory manifest is not valid JSON: {error.msg}.") from None
    if not isinstance(manifest, dict):
        raise fail("The S3 inventory manifest must be a JSON object.")
    if manifest.get("fileFormat") != "CSV":
        raise fail("The S3 inventory report must be in CSV format.")
    destination = manifest.get("destinationBucket")
    files = manifest.get("files")
    schema = manifest.get("fileSchema")
    if not isinstance(destination, str) or not isinstance(files, list) or not isinstance(schema, str):
        raise fail("The S3 inventory manifest needs destinationBucket, fileSchema and files.")
    keys = [entry.get("key") for entry in files if isinstance(entry, dict)]
    if not all(isinstance(key, str) and key for key in keys):
        raise fail("Every file of the S3 inventory manifest needs a key.")
    bucket = destination.removeprefix("arn:aws:s3:::")
    columns = [column.strip() for column in schema.split(",")]
    return _InventoryManifest(bucket=bucket, keys=[str(key) for key in keys], columns=columns)


def _inventory_items(manifest_text: str, bodies: Sequence[str | bytes], limit: int) -> list[JSON]:
    columns = _inventory_manifest(manifest_text).columns
    config: dict[str, JSON] = {"CSVHeaderLocation": "GIVEN", "CSVHeaders": columns}
    items: list[JSON] = []
    for body in bodies:
        remaining = limit - len(items) if limit else 0
        items.extend(_csv_items(_text(body, "An S3 inventory data file"), config, remaining))
        if limit and len(items) >= limit:
            return items[:limit]
    return items


def _athena_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _athena_request(line: str) -> S3Request:
    match = _S3_URI.fullmatch(line.strip('"'))
    if match is None:
        raise fail(f"The Athena manifest line {line!r} is not an s3://bucket/key URI.")
    return S3Request("GetObject", {"Bucket": match.group(1), "Key": match.group(2)})


# --- common ----------------------------------------------------------------------------------------


def _action(reader: Mapping[str, JSON]) -> Action:
    match = _S3_RESOURCE.fullmatch(str(reader.get("Resource", "")))
    if match is None:
        raise fail(
            f"The ItemReader Resource {reader.get('Resource')!r} is not supported; use "
            "arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2."
        )
    return "GetObject" if match.group(1) == "getObject" else "ListObjectsV2"


def _api_name(action: Action) -> str:
    return "getObject" if action == "GetObject" else "listObjectsV2"


def _reader_config(reader: Mapping[str, JSON]) -> Mapping[str, JSON]:
    config = reader.get("ReaderConfig", {})
    if not isinstance(config, Mapping):
        raise fail("ItemReader.ReaderConfig must be an object.")
    return config


def _limit(config: Mapping[str, JSON], max_items: int | None) -> int:
    """The item limit, 0 for none; a value over 100,000,000 reads 100,000,000 items.

    A JSONata ``MaxItems`` expression is the caller's to evaluate: without ``max_items`` it reads all.
    """
    value: JSON = max_items if max_items is not None else config.get("MaxItems", 0)
    if isinstance(value, str) and value.lstrip().startswith("{%"):
        value = 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(f"MaxItems must be an integer, not {value!r}.")
    if value < 0:
        raise fail("field MaxItems must be positive")
    return min(value, MAX_ITEMS_LIMIT) if value else 0


def _text(body: JSON, what: str) -> str:
    """A body as text: bytes are decoded as UTF-8, after GZIP decompression when compressed."""
    if isinstance(body, bytes):
        if len(body) > MAX_OBJECT_BYTES:
            raise fail(f"{what} is larger than the supported 10 GB.")
        if body[:2] == b"\x1f\x8b":
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError, zlib.error):
                raise fail(f"{what} is not a valid GZIP stream.") from None
        elif body[:4] == b"\x28\xb5\x2f\xfd":
            raise fail(f"{what} is ZSTD-compressed, which this workbench cannot decompress; use GZIP.")
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise fail(f"{what} is not UTF-8 text.") from None
    if not isinstance(body, str):
        raise fail(f"{what} must be text, not {_json_type(body)}.")
    if len(body) > MAX_OBJECT_BYTES:
        raise fail(f"{what} is larger than the supported 10 GB.")
    return body.removeprefix("\ufeff")


def _check_item_size(size: int, what: str) -> None:
    if size > MAX_ITEM_BYTES:
        raise fail(f"{what} is {size} bytes; an item may be at most {MAX_ITEM_BYTES} bytes (8 MB).")


def _parquet_refused() -> StatesError:
    return fail(
        "InputType PARQUET is not supported by this workbench: reading Parquet needs a library it "
        "does not ship. Export the data as CSV, JSON or JSON Lines instead."
    )


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", bool: "a boolean", type(None): "null"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, int | float) else "a string"
