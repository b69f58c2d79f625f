"""The Distributed Map's own fields: ItemReader, ItemBatcher, ResultWriter and Label.

Rules come from the Step Functions Developer Guide pages "ItemReader (Map)", "ItemBatcher
(Map)", "ResultWriter (Map)" and "Using Map state in Distributed mode" (the Label note:
at most 40 characters, unique in the state machine, none of whitespace, ``? *``,
``< > { } [ ]``, ``: ; , \\ | ^ ~ $ # % & ` "`` or control characters). Messages follow the
validator's usual wording; AWS's exact wording for these fields is not published.

ItemBatcher is accepted in an INLINE Map too (the interpreter batches inline iterations);
ItemReader and ResultWriter need ``ProcessorConfig.Mode: DISTRIBUTED``.
"""

from __future__ import annotations

import re

from engine.states.model import JSON
from engine.states.path_syntax import is_reference_path
from engine.states.validation.payloads import check_object_payload, check_payload
from engine.states.validation.report import Report, child, item
from engine.states.validation.values import check_enum, check_integer

MAX_LABEL_LENGTH = 40
MAX_ITEMS = 100_000_000
MAX_INPUT_BYTES_PER_BATCH = 262_144
"""ItemBatcher batches may be up to 256 KiB."""
MAX_ITEMS_PER_BATCH = 2_147_483_647
"""AWS documents no bound beyond "a positive integer"; this is the largest it can store."""

ITEM_READER_RESOURCES = ("arn:aws:states:::s3:getObject", "arn:aws:states:::s3:listObjectsV2")
RESULT_WRITER_RESOURCE = "arn:aws:states:::s3:putObject"
_PARTITIONED = re.compile(r"arn:aws(-[a-z]+)*(:states:::s3:\w+)")

_ITEM_READER_FIELDS = frozenset({"Resource", "ReaderConfig", "Parameters", "Arguments"})
_READER_CONFIG_FIELDS = frozenset(
    {
        "InputType",
        "CSVHeaderLocation",
        "CSVHeaders",
        "CSVDelimiter",
        "MaxItems",
        "MaxItemsPath",
        "ItemsPointer",
        "Transformation",
        "ManifestType",
    }
)
_ITEM_BATCHER_FIELDS = frozenset(
    {
        "MaxItemsPerBatch",
        "MaxItemsPerBatchPath",
        "MaxInputBytesPerBatch",
        "MaxInputBytesPerBatchPath",
        "BatchInput",
    }
)
_RESULT_WRITER_FIELDS = frozenset({"Resource", "Parameters", "Arguments", "WriterConfig"})
_WRITER_CONFIG_FIELDS = frozenset({"Transformation", "OutputType"})

INPUT_TYPES = ("CSV", "JSON", "JSONL", "PARQUET", "MANIFEST")
CSV_HEADER_LOCATIONS = ("FIRST_ROW", "GIVEN")
CSV_DELIMITERS = ("COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB")
READER_TRANSFORMATIONS = ("NONE", "LOAD_AND_FLATTEN")
MANIFEST_TYPES = ("ATHENA_DATA", "S3_INVENTORY")
WRITER_TRANSFORMATIONS = ("NONE", "COMPACT", "FLATTEN")
OUTPUT_TYPES = ("JSON", "JSONL")

_LABEL_FORBIDDEN = frozenset('?*<>{}[]:;,\\|^~$#%&`"')


def check_distributed_fields(state: dict[str, JSON], location: str, report: Report, language: str) -> None:
    """Check a Map state's ItemReader, ItemBatcher, ResultWriter and Label."""
    distributed = processor_mode(state) == "DISTRIBUTED"
    for name, check in (
        ("ItemReader", _check_item_reader),
        ("ItemBatcher", _check_item_batcher),
        ("ResultWriter", _check_result_writer),
    ):
        if name not in state:
            continue
        value = state[name]
        if not isinstance(value, dict):
            report.schema(f"The value for the field '{name}' must be an OBJECT", child(location, name))
            continue
        if name != "ItemBatcher" and not distributed:
            message = f"The field '{name}' is only supported when the ProcessorConfig Mode is DISTRIBUTED"
            report.schema(message, location)
        check(value, child(location, name), report, language)
    if "ItemReader" in state:
        for source in ("ItemsPath", "Items"):
            if source in state:
                report.schema(f"Only one of these fields may be set: [ItemReader, {source}]", location)
    if "Label" in state:
        _check_label(state["Label"], child(location, "Label"), report)


def processor_mode(state: dict[str, JSON]) -> str:
    """INLINE unless ``ItemProcessor.ProcessorConfig.Mode`` says DISTRIBUTED."""
    processor = state.get("ItemProcessor")
    config = processor.get("ProcessorConfig") if isinstance(processor, dict) else None
    return "DISTRIBUTED" if isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED" else "INLINE"


def check_unique_labels(document: JSON, report: Report) -> None:
    """Labels must be unique within the whole state machine, branches and processors included."""
    seen: set[str] = set()
    pending: list[tuple[JSON, str]] = [(document, "")]
    while pending:
        machine, location = pending.pop(0)
        if not isinstance(machine, dict) or not isinstance(machine.get("States"), dict):
            continue
        for name, state in machine["States"].items():
            if not isinstance(state, dict):
                continue
            state_location = child(child(location, "States"), name)
            label = state.get("Label") if state.get("Type") == "Map" else None
            if isinstance(label, str) and label:
                if label in seen:
                    message = f"The Label '{label}' is used by more than one Map state"
                    report.schema(message, child(state_location, "Label"))
                seen.add(label)
            branches = state.get("Branches")
            if isinstance(branches, list):
                pending.extend(
                    (branch, item(child(state_location, "Branches"), index))
                    for index, branch in enumerate(branches)
                )
            for processor in ("ItemProcessor", "Iterator"):
                if processor in state:
                    pending.append((state[processor], child(state_location, processor)))


# --- ItemReader --------------------------------------------------------------------------------


def _check_item_reader(reader: dict[str, JSON], location: str, report: Report, language: str) -> None:
    _check_fields(reader, _ITEM_READER_FIELDS, location, report, language)
    resource = reader.get("Resource")
    if "Resource" not in reader:
        report.schema("These fields are required: [Resource]", location)
    elif _unpartitioned(resource) not in ITEM_READER_RESOURCES:
        message = f"The value for the field 'Resource' must be one of: {', '.join(ITEM_READER_RESOURCES)}"
        report.schema(message, child(location, "Resource"))
    for payload in ("Parameters", "Arguments"):
        check_object_payload(reader, payload, location, report, language)
    get_object = _unpartitioned(resource) == ITEM_READER_RESOURCES[0]
    if "ReaderConfig" not in reader:
        if get_object:
            report.schema("These fields are required: [ReaderConfig]", location)
        return
    config = reader["ReaderConfig"]
    config_location = child(location, "ReaderConfig")
    if not isinstance(config, dict):
        report.schema("The value for the field 'ReaderConfig' must be an OBJECT", config_location)
        return
    _check_reader_config(config, config_location, report, language, get_object=get_object)


def _check_reader_config(
    config: dict[str, JSON], location: str, report: Report, language: str, *, get_object: bool
) -> None:
    _check_fields(config, _READER_CONFIG_FIELDS, location, report, language)
    for field, allowed in (
        ("InputType", INPUT_TYPES),
        ("CSVHeaderLocation", CSV_HEADER_LOCATIONS),
        ("CSVDelimiter", CSV_DELIMITERS),
        ("Transformation", READER_TRANSFORMATIONS),
        ("ManifestType", MANIFEST_TYPES),
    ):
        check_enum(config, field, allowed, location, report)
    input_type = config.get("InputType")
    manifest_type = config.get("ManifestType")
    if manifest_type == "S3_INVENTORY" and "InputType" in config:
        report.schema("The field 'InputType' must not be set when ManifestType is S3_INVENTORY", location)
    elif manifest_type == "ATHENA_DATA" and input_type not in ("CSV", "JSONL", "PARQUET"):
        message = "ManifestType ATHENA_DATA needs the field 'InputType' set to one of: CSV, JSONL, PARQUET"
        report.schema(message, location)
    elif get_object and "InputType" not in config and manifest_type is None:
        report.schema("These fields are required: [InputType]", location)
    if config.get("Transformation") == "LOAD_AND_FLATTEN":
        if get_object:
            message = "Transformation LOAD_AND_FLATTEN is only supported with the resource s3:listObjectsV2"
            report.schema(message, child(location, "Transformation"))
        if input_type not in ("CSV", "JSON", "JSONL", "PARQUET"):
            message = (
                "Transformation LOAD_AND_FLATTEN needs the field 'InputType' set to one of: "
                "CSV, JSON, JSONL, PARQUET"
            )
            report.schema(message, location)
    _check_csv_fields(config, location, report)
    if "ItemsPointer" in config:
        pointer = config["ItemsPointer"]
        if input_type != "JSON":
            report.schema("The field 'ItemsPointer' is only supported when InputType is JSON", location)
        if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
            message = "The value for the field 'ItemsPointer' must be a JSON Pointer such as /data/items"
            report.schema(message, child(location, "ItemsPointer"))
    _check_exclusive(config, ("MaxItems", "MaxItemsPath"), location, report)
    check_integer(config, "MaxItems", location, report, minimum=0, maximum=MAX_ITEMS, language=language)
    _check_reference_path(config, "MaxItemsPath", location, report)


def _check_csv_fields(config: dict[str, JSON], location: str, report: Report) -> None:
    """CSVHeaderLocation, CSVHeaders and CSVDelimiter belong to CSV and inventory input only."""
    csv_like = config.get("InputType") in ("CSV", "MANIFEST") or config.get("ManifestType") is not None
    for field in ("CSVHeaderLocation", "CSVDelimiter"):
        if field in config and not csv_like:
            message = f"The field '{field}' is only supported when InputType is CSV or MANIFEST"
            report.schema(message, location)
    if (
        config.get("InputType") == "CSV"
        and "ManifestType" not in config
        and "CSVHeaderLocation" not in config
    ):
        report.schema("These fields are required: [CSVHeaderLocation]", location)
    given = config.get("CSVHeaderLocation") == "GIVEN"
    if given and "CSVHeaders" not in config:
        report.schema("These fields are required: [CSVHeaders]", location)
    if "CSVHeaders" in config:
        headers = config["CSVHeaders"]
        if not given:
            message = "The field 'CSVHeaders' is only supported when CSVHeaderLocation is GIVEN"
            report.schema(message, location)
        if not isinstance(headers, list) or not headers or not all(isinstance(h, str) and h for h in headers):
            message = "The value for the field 'CSVHeaders' must be a non-empty ARRAY of non-empty STRINGs"
            report.schema(message, child(location, "CSVHeaders"))


# --- ItemBatcher -------------------------------------------------------------------------------


_BATCH_LIMITS = (
    ("MaxItemsPerBatch", MAX_ITEMS_PER_BATCH),
    ("MaxInputBytesPerBatch", MAX_INPUT_BYTES_PER_BATCH),
)


def _check_item_batcher(batcher: dict[str, JSON], location: str, report: Report, language: str) -> None:
    _check_fields(batcher, _ITEM_BATCHER_FIELDS, location, report, language)
    sizes = ("MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath")
    if not any(size in batcher for size in sizes):
        report.schema(f"One of these fields is required: [{', '.join(sizes)}]", location)
    for field, maximum in _BATCH_LIMITS:
        _check_exclusive(batcher, (field, f"{field}Path"), location, report)
        check_integer(batcher, field, location, report, minimum=1, maximum=maximum, language=language)
        _check_reference_path(batcher, f"{field}Path", location, report)
    if "BatchInput" in batcher:
        batch_input = batcher["BatchInput"]
        input_location = child(location, "BatchInput")
        if language == "JSONPath" and not isinstance(batch_input, dict):
            report.schema("The value for the field 'BatchInput' must be an OBJECT", input_location)
        else:
            check_payload(batch_input, input_location, report, language)


# --- ResultWriter ------------------------------------------------------------------------------


def _check_result_writer(writer: dict[str, JSON], location: str, report: Report, language: str) -> None:
    _check_fields(writer, _RESULT_WRITER_FIELDS, location, report, language)
    payload = "Arguments" if language == "JSONata" else "Parameters"
    has_payload = "Parameters" in writer or "Arguments" in writer
    if not writer:
        report.schema("One of these fields is required: [Resource, WriterConfig]", location)
    elif "Resource" in writer and not has_payload:
        report.schema(f"These fields are required: [{payload}]", location)
    elif has_payload and "Resource" not in writer:
        report.schema("These fields are required: [Resource]", location)
    if "Resource" in writer and _unpartitioned(writer["Resource"]) != RESULT_WRITER_RESOURCE:
        message = f"The value for the field 'Resource' must be {RESULT_WRITER_RESOURCE}"
        report.schema(message, child(location, "Resource"))
    for name in ("Parameters", "Arguments"):
        check_object_payload(writer, name, location, report, language)
    if "WriterConfig" in writer:
        config = writer["WriterConfig"]
        config_location = child(location, "WriterConfig")
        if not isinstance(config, dict):
            report.schema("The value for the field 'WriterConfig' must be an OBJECT", config_location)
            return
        _check_fields(config, _WRITER_CONFIG_FIELDS, config_location, report, language)
        check_enum(config, "Transformation", WRITER_TRANSFORMATIONS, config_location, report)
        check_enum(config, "OutputType", OUTPUT_TYPES, config_location, report)


# --- Label -------------------------------------------------------------------------------------


def _check_label(label: JSON, location: str, report: Report) -> None:
    if not isinstance(label, str) or not label:
        report.schema("The value for the field 'Label' must be a non-empty STRING", location)
        return
    if len(label) > MAX_LABEL_LENGTH:
        message = f"The value for the field 'Label' must be at most {MAX_LABEL_LENGTH} characters"
        report.schema(message, location)
    bad = sorted({char for char in label if _forbidden_in_label(char)})
    if bad:
        shown = ", ".join(repr(char) for char in bad)
        message = (
            "The value for the field 'Label' must not contain whitespace, brackets, wildcard, special "
            f"or control characters; found {shown}"
        )
        report.schema(message, location)


def _forbidden_in_label(char: str) -> bool:
    code = ord(char)
    return char.isspace() or char in _LABEL_FORBIDDEN or code <= 0x1F or 0x7F <= code <= 0x9F


# --- shared ------------------------------------------------------------------------------------


_JSONPATH_ONLY = frozenset(
    {"Parameters", "MaxItemsPath", "MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"}
)
_JSONATA_ONLY = frozenset({"Arguments"})


def _check_fields(
    container: dict[str, JSON], allowed: frozenset[str], location: str, report: Report, language: str
) -> None:
    """Unknown fields, and fields of the other query language, are refused."""
    for key in container:
        if key not in allowed:
            report.schema(f'The field "{key}" is not supported by Step Functions', location)
        elif language == "JSONata" and key in _JSONPATH_ONLY:
            report.schema(_only_in("JSONata", key, "JSONPath"), location)
        elif language == "JSONPath" and key in _JSONATA_ONLY:
            report.schema(_only_in("JSONPath", key, "JSONata"), location)


def _only_in(language: str, field: str, other: str) -> str:
    return (
        f"The QueryLanguage is set to '{language}', but field '{field}' is only supported "
        f"for the '{other}' QueryLanguage"
    )


def _check_exclusive(
    container: dict[str, JSON], names: tuple[str, ...], location: str, report: Report
) -> None:
    present = [name for name in names if name in container]
    if len(present) > 1:
        report.schema(f"Only one of these fields may be set: [{', '.join(present)}]", location)


def _check_reference_path(container: dict[str, JSON], field: str, location: str, report: Report) -> None:
    if field in container and not is_reference_path(container[field]):
        report.schema(
            f"The value for the field '{field}' must be a valid ReferencePath", child(location, field)
        )


def _unpartitioned(resource: JSON) -> str | None:
    """The resource with its partition folded to ``aws`` (``arn:aws-cn:...`` reads the same)."""
    if not isinstance(resource, str):
        return None
    match = _PARTITIONED.fullmatch(resource)
    return f"arn:aws{match.group(2)}" if match else resource
