"""ValidateStateMachineDefinition for the Distributed Map's own fields.

Valid definitions are AWS's own examples: "Using Map state in Distributed mode"
(docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html, DISTRIBUTED),
"ItemReader (Map)" (.../input-output-itemreader.html, ITEMREADER), "ItemBatcher (Map)"
(.../input-output-itembatcher.html, ITEMBATCHER), "ResultWriter (Map)"
(.../input-output-resultwriter.html, RESULTWRITER) and "How Step Functions parses input CSV
files" (.../example-csv-parse-dist-map.html, CSV_PARSE). The rules for invalid ones come from
the same pages; AWS publishes no wording for them, so messages follow the validator's style.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.engine.states.definition.support import errors

SCHEMA = "SCHEMA_VALIDATION_FAILED"
DISTRIBUTED_PROCESSOR = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    "StartAt": "Pass",
    "States": {"Pass": {"Type": "Pass", "End": True}},
}
INLINE_PROCESSOR = {"StartAt": "Pass", "States": {"Pass": {"Type": "Pass", "End": True}}}
CSV_READER = {
    "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
    "Resource": "arn:aws:states:::s3:getObject",
    "Parameters": {"Bucket": "amzn-s3-demo-bucket", "Key": "csv-dataset/ratings.csv"},
}


def distributed_map(**fields: Any) -> dict[str, Any]:
    return {"Type": "Map", "ItemProcessor": DISTRIBUTED_PROCESSOR, "End": True, **fields}


def machine(state: dict[str, Any], language: str | None = None) -> str:
    top: dict[str, Any] = {"StartAt": "Map", "States": {"Map": state}}
    if language:
        top["QueryLanguage"] = language
    return json.dumps(top)


def schema(message: str, location: str) -> tuple[str, str, str]:
    return (SCHEMA, message, location)


# --- AWS's examples validate -----------------------------------------------------------------------


def test_the_documented_distributed_map_definition() -> None:
    # DISTRIBUTED, "Distributed Map state definition example": CSV ItemReader, Label "Map",
    # ResultWriter to csvProcessJobs.
    state = distributed_map(
        ItemReader=CSV_READER,
        Label="Map",
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "amzn-s3-demo-destination-bucket", "Prefix": "csvProcessJobs"},
        },
    )
    assert errors(machine(state)) == []


def test_the_documented_csv_parse_state_machine() -> None:
    # CSV_PARSE: GIVEN headers, MaxConcurrency, ItemSelector with States.StringToJson.
    state = distributed_map(
        Label="Map",
        MaxConcurrency=1000,
        ItemReader={
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {
                "InputType": "CSV",
                "CSVHeaderLocation": "GIVEN",
                "CSVHeaders": ["MyLetters", "MyNumbers", "MyString", "MyObject", "MyArray"],
            },
            "Parameters": {"Bucket": "amzn-s3-demo-bucket", "Key": "myCSVInput.csv"},
        },
        ItemSelector={
            "MyLetters.$": "$$.Map.Item.Value.MyLetters",
            "MyNumbers.$": "States.StringToJson($$.Map.Item.Value.MyNumbers)",
        },
    )
    assert errors(machine(state)) == []


@pytest.mark.parametrize(
    "reader",
    [
        # ITEMREADER, "A list of Amazon S3 objects".
        {
            "Resource": "arn:aws:states:::s3:listObjectsV2",
            "Parameters": {"Bucket": "amzn-s3-demo-bucket", "Prefix": "processData"},
        },
        # ITEMREADER, "JSON file in an Amazon S3 bucket".
        {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket": "amzn-s3-demo-bucket", "Key": "jsonDataset/factcheck.json"},
        },
        # ITEMREADER, "JSON Lines file in an Amazon S3 bucket".
        {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSONL"},
            "Parameters": {"Bucket": "amzn-s3-demo-bucket", "Key": "jsonlDataset/factcheck.jsonl"},
        },
        # ITEMREADER, CSV with FIRST_ROW and PIPE, and a versioned object.
        {
            "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "CSVDelimiter": "PIPE"},
            "Resource": "arn:aws:states:::s3:getObject",
            "Parameters": {
                "Bucket": "amzn-s3-demo-bucket",
                "Key": "csvDataset/ratings.csv",
                "VersionId": "BcK42coT2jE1234VHLUvBV1yLNod2OEt",
            },
        },
        # ITEMREADER, "Amazon S3 inventory".
        {
            "ReaderConfig": {"InputType": "MANIFEST"},
            "Resource": "arn:aws:states:::s3:getObject",
            "Parameters": {"Bucket": "amzn-s3-demo-destination-bucket", "Key": "p/b/c/manifest.json"},
        },
        # ITEMREADER, "Parquet file" (valid ASL even though this workbench cannot read it).
        {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "PARQUET"},
            "Parameters": {"Bucket": "amzn-s3-demo-bucket", "Key": "my-parquet-data-file-1.parquet"},
        },
        # ITEMREADER, "Athena manifest".
        {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"ManifestType": "ATHENA_DATA", "InputType": "CSV"},
            "Parameters": {"Bucket": "b", "Key": "q-manifest.csv"},
        },
    ],
)
def test_documented_item_readers(reader: dict[str, Any]) -> None:
    assert errors(machine(distributed_map(ItemReader=reader))) == []


def test_documented_jsonata_item_readers() -> None:
    # ITEMREADER: ItemsPointer with Arguments, and LOAD_AND_FLATTEN over a listing.
    pointer = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON", "ItemsPointer": "/inventory/products/featured"},
        "Arguments": {"Bucket": "amzn-s3-demo-bucket", "Key": "nested-data-file.json"},
    }
    flatten = {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "ReaderConfig": {"InputType": "JSON", "Transformation": "LOAD_AND_FLATTEN"},
        "Arguments": {"Bucket": "amzn-s3-demo-bucket1", "Prefix": "{% $states.input.PrefixKey %}"},
    }
    for reader in (pointer, flatten):
        assert errors(machine(distributed_map(ItemReader=reader), "JSONata")) == []


@pytest.mark.parametrize(
    "batcher",
    [
        {"MaxItemsPerBatch": 100},  # ITEMBATCHER, first example
        {"MaxItemsPerBatchPath": "$.maxBatchItems"},  # ITEMBATCHER, reference path
        {"MaxInputBytesPerBatchPath": "$.batchSize"},
        {"MaxInputBytesPerBatch": 262144, "BatchInput": {"factCheck": "December 2022"}},
    ],
)
def test_documented_item_batchers(batcher: dict[str, Any]) -> None:
    assert errors(machine(distributed_map(MaxConcurrency=2000, ItemBatcher=batcher))) == []


@pytest.mark.parametrize(
    "writer",
    [
        # RESULTWRITER: "Only WriterConfig", "Only Resource and Parameters", "All three fields".
        {"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}},
        {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "amzn-s3-demo-destination-bucket", "Prefix": "csvProcessJobs"},
        },
        {
            "WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"},
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "amzn-s3-demo-destination-bucket", "Prefix": "csvProcessJobs"},
        },
    ],
)
def test_documented_result_writers(writer: dict[str, Any]) -> None:
    assert errors(machine(distributed_map(ResultWriter=writer))) == []


def test_jsonata_result_writer_uses_arguments() -> None:
    # RESULTWRITER: "For JSONata states, Parameters will be replaced with Arguments."
    writer = {
        "Resource": "arn:aws:states:::s3:putObject",
        "Arguments": {"Bucket": "amzn-s3-demo-destination-bucket", "Prefix": "csvProcessJobs"},
    }
    assert errors(machine(distributed_map(ResultWriter=writer), "JSONata")) == []


# --- ItemReader ------------------------------------------------------------------------------------


def reader_errors(
    reader: dict[str, Any], language: str | None = None, **fields: Any
) -> list[tuple[str, str, str]]:
    return errors(machine(distributed_map(ItemReader=reader, **fields), language))


def test_item_reader_needs_distributed_mode() -> None:
    state = {"Type": "Map", "ItemProcessor": INLINE_PROCESSOR, "ItemReader": CSV_READER, "End": True}
    assert errors(machine(state)) == [
        schema(
            "The field 'ItemReader' is only supported when the ProcessorConfig Mode is DISTRIBUTED",
            "/States/Map",
        )
    ]


def test_item_reader_unknown_fields_and_resources() -> None:
    assert reader_errors(dict(CSV_READER, Format="x")) == [
        schema('The field "Format" is not supported by Step Functions', "/States/Map/ItemReader")
    ]
    assert reader_errors(dict(CSV_READER, Resource="arn:aws:states:::s3:putObject")) == [
        schema(
            "The value for the field 'Resource' must be one of: arn:aws:states:::s3:getObject, "
            "arn:aws:states:::s3:listObjectsV2",
            "/States/Map/ItemReader/Resource",
        )
    ]
    no_resource = {key: value for key, value in CSV_READER.items() if key != "Resource"}
    assert reader_errors(no_resource) == [
        schema("These fields are required: [Resource]", "/States/Map/ItemReader")
    ]


def test_item_reader_partitions_are_accepted() -> None:
    assert reader_errors(dict(CSV_READER, Resource="arn:aws-cn:states:::s3:getObject")) == []


def test_item_reader_excludes_items_path() -> None:
    assert reader_errors(CSV_READER, ItemsPath="$.items") == [
        schema("Only one of these fields may be set: [ItemReader, ItemsPath]", "/States/Map")
    ]


def test_item_reader_language_specific_payloads() -> None:
    arguments = {key: value for key, value in CSV_READER.items() if key != "Parameters"}
    arguments["Arguments"] = {"Bucket": "b", "Key": "k"}
    assert reader_errors(arguments) == [
        schema(
            "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only supported "
            "for the 'JSONata' QueryLanguage",
            "/States/Map/ItemReader",
        )
    ]
    assert reader_errors(CSV_READER, "JSONata") == [
        schema(
            "The QueryLanguage is set to 'JSONata', but field 'Parameters' is only supported "
            "for the 'JSONPath' QueryLanguage",
            "/States/Map/ItemReader",
        )
    ]


def test_get_object_needs_a_reader_config_and_an_input_type() -> None:
    bare = {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b", "Key": "k"}}
    assert reader_errors(bare) == [
        schema("These fields are required: [ReaderConfig]", "/States/Map/ItemReader")
    ]
    assert reader_errors(dict(bare, ReaderConfig={})) == [
        schema("These fields are required: [InputType]", "/States/Map/ItemReader/ReaderConfig")
    ]


CONFIG = "/States/Map/ItemReader/ReaderConfig"


def config_errors(config: dict[str, Any], resource: str = "arn:aws:states:::s3:getObject") -> list[Any]:
    return reader_errors({"Resource": resource, "ReaderConfig": config, "Parameters": {"Bucket": "b"}})


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("InputType", "XML", "CSV, JSON, JSONL, PARQUET, MANIFEST"),
        ("CSVHeaderLocation", "LAST_ROW", "FIRST_ROW, GIVEN"),
        ("CSVDelimiter", "COLON", "COMMA, PIPE, SEMICOLON, SPACE, TAB"),
    ],
)
def test_reader_config_enums(field: str, value: str, allowed: str) -> None:
    config = {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", field: value}
    assert schema(f"The value for the field '{field}' must be one of: {allowed}", f"{CONFIG}/{field}") in (
        config_errors(config)
    )


def test_csv_headers_are_required_exactly_when_given() -> None:
    assert config_errors({"InputType": "CSV", "CSVHeaderLocation": "GIVEN"}) == [
        schema("These fields are required: [CSVHeaders]", CONFIG)
    ]
    assert config_errors({"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "CSVHeaders": ["a"]}) == [
        schema("The field 'CSVHeaders' is only supported when CSVHeaderLocation is GIVEN", CONFIG)
    ]
    assert config_errors({"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": []}) == [
        schema(
            "The value for the field 'CSVHeaders' must be a non-empty ARRAY of non-empty STRINGs",
            f"{CONFIG}/CSVHeaders",
        )
    ]
    assert config_errors({"InputType": "CSV"}) == [
        schema("These fields are required: [CSVHeaderLocation]", CONFIG)
    ]


def test_csv_fields_need_csv_input() -> None:
    assert config_errors({"InputType": "JSON", "CSVDelimiter": "PIPE"}) == [
        schema("The field 'CSVDelimiter' is only supported when InputType is CSV or MANIFEST", CONFIG)
    ]


def test_max_items_limits() -> None:
    # ITEMREADER: "You can specify a limit of up to 100,000,000".
    assert config_errors({"InputType": "JSON", "MaxItems": 100_000_001}) == [
        schema(
            "The value for the field 'MaxItems' must be an integer from 0 to 100000000", f"{CONFIG}/MaxItems"
        )
    ]
    assert config_errors({"InputType": "JSON", "MaxItems": 5, "MaxItemsPath": "$.n"}) == [
        schema("Only one of these fields may be set: [MaxItems, MaxItemsPath]", CONFIG)
    ]
    assert config_errors({"InputType": "JSON", "MaxItemsPath": "$.n[*]"}) == [
        schema(
            "The value for the field 'MaxItemsPath' must be a valid ReferencePath", f"{CONFIG}/MaxItemsPath"
        )
    ]
    assert config_errors({"InputType": "JSON", "MaxItemsPath": "$.n"}) == []


def test_items_pointer_rules() -> None:
    assert config_errors({"InputType": "JSONL", "ItemsPointer": "/a"}) == [
        schema("The field 'ItemsPointer' is only supported when InputType is JSON", CONFIG)
    ]
    assert config_errors({"InputType": "JSON", "ItemsPointer": "a/b"}) == [
        schema(
            "The value for the field 'ItemsPointer' must be a JSON Pointer such as /data/items",
            f"{CONFIG}/ItemsPointer",
        )
    ]


def test_manifest_and_transformation_rules() -> None:
    # ITEMREADER: S3_INVENTORY must not set InputType; LOAD_AND_FLATTEN needs InputType and
    # reads listObjectsV2 results.
    assert config_errors(
        {
            "ManifestType": "S3_INVENTORY",
            "InputType": "CSV",
            "CSVHeaderLocation": "GIVEN",
            "CSVHeaders": ["a"],
        }
    ) == [schema("The field 'InputType' must not be set when ManifestType is S3_INVENTORY", CONFIG)]
    assert config_errors({"ManifestType": "S3_INVENTORY"}) == []
    listing = "arn:aws:states:::s3:listObjectsV2"
    assert config_errors({"Transformation": "LOAD_AND_FLATTEN"}, listing) == [
        schema(
            "Transformation LOAD_AND_FLATTEN needs the field 'InputType' set to one of: "
            "CSV, JSON, JSONL, PARQUET",
            CONFIG,
        )
    ]
    assert config_errors({"InputType": "JSON", "Transformation": "LOAD_AND_FLATTEN"}) == [
        schema(
            "Transformation LOAD_AND_FLATTEN is only supported with the resource s3:listObjectsV2",
            f"{CONFIG}/Transformation",
        )
    ]


# --- ItemBatcher -----------------------------------------------------------------------------------

BATCHER = "/States/Map/ItemBatcher"


def batcher_errors(batcher: dict[str, Any], language: str | None = None) -> list[Any]:
    return errors(machine(distributed_map(ItemBatcher=batcher), language))


def test_item_batcher_needs_a_size() -> None:
    # ITEMBATCHER: "You must specify one of these values to batch items."
    assert batcher_errors({"BatchInput": {"a": 1}}) == [
        schema(
            "One of these fields is required: [MaxItemsPerBatch, MaxItemsPerBatchPath, "
            "MaxInputBytesPerBatch, MaxInputBytesPerBatchPath]",
            BATCHER,
        )
    ]


def test_item_batcher_limits_and_exclusive_pairs() -> None:
    # ITEMBATCHER: batches of up to 256 KiB; a count or its path, not both.
    assert batcher_errors({"MaxInputBytesPerBatch": 262_145}) == [
        schema(
            "The value for the field 'MaxInputBytesPerBatch' must be an integer from 1 to 262144",
            f"{BATCHER}/MaxInputBytesPerBatch",
        )
    ]
    assert batcher_errors({"MaxItemsPerBatch": 0})[0][2] == f"{BATCHER}/MaxItemsPerBatch"
    assert batcher_errors({"MaxItemsPerBatch": 2, "MaxItemsPerBatchPath": "$.n"}) == [
        schema("Only one of these fields may be set: [MaxItemsPerBatch, MaxItemsPerBatchPath]", BATCHER)
    ]


def test_item_batcher_unknown_fields_and_batch_input() -> None:
    assert batcher_errors({"MaxItemsPerBatch": 2, "MaxBatches": 3}) == [
        schema('The field "MaxBatches" is not supported by Step Functions', BATCHER)
    ]
    assert batcher_errors({"MaxItemsPerBatch": 2, "BatchInput": "x"}) == [
        schema("The value for the field 'BatchInput' must be an OBJECT", f"{BATCHER}/BatchInput")
    ]


def test_item_batcher_paths_are_jsonpath_only() -> None:
    assert batcher_errors({"MaxItemsPerBatchPath": "$.n"}, "JSONata") == [
        schema(
            "The QueryLanguage is set to 'JSONata', but field 'MaxItemsPerBatchPath' is only supported "
            "for the 'JSONPath' QueryLanguage",
            BATCHER,
        )
    ]
    assert batcher_errors({"MaxItemsPerBatch": "{% $states.input.size %}"}, "JSONata") == []


def test_item_batcher_stays_allowed_inline() -> None:
    state = {
        "Type": "Map",
        "ItemProcessor": INLINE_PROCESSOR,
        "ItemBatcher": {"MaxItemsPerBatch": 2},
        "End": True,
    }
    assert errors(machine(state)) == []


# --- ResultWriter ----------------------------------------------------------------------------------

WRITER = "/States/Map/ResultWriter"
PUT = "arn:aws:states:::s3:putObject"


def writer_errors(writer: Any, language: str | None = None) -> list[Any]:
    return errors(machine(distributed_map(ResultWriter=writer), language))


def test_result_writer_field_combinations() -> None:
    # RESULTWRITER, "Required field combinations".
    assert writer_errors({}) == [schema("One of these fields is required: [Resource, WriterConfig]", WRITER)]
    assert writer_errors({"Resource": PUT}) == [schema("These fields are required: [Parameters]", WRITER)]
    assert writer_errors({"Resource": PUT}, "JSONata") == [
        schema("These fields are required: [Arguments]", WRITER)
    ]
    assert writer_errors({"Parameters": {"Bucket": "b"}}) == [
        schema("These fields are required: [Resource]", WRITER)
    ]


def test_result_writer_resource_and_config() -> None:
    assert writer_errors({"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b"}}) == [
        schema(f"The value for the field 'Resource' must be {PUT}", f"{WRITER}/Resource")
    ]
    assert writer_errors({"WriterConfig": {"Transformation": "SQUASH", "OutputType": "CSV"}}) == [
        schema(
            "The value for the field 'Transformation' must be one of: NONE, COMPACT, FLATTEN",
            f"{WRITER}/WriterConfig/Transformation",
        ),
        schema(
            "The value for the field 'OutputType' must be one of: JSON, JSONL",
            f"{WRITER}/WriterConfig/OutputType",
        ),
    ]
    assert writer_errors({"WriterConfig": {"Format": "x"}}) == [
        schema('The field "Format" is not supported by Step Functions', f"{WRITER}/WriterConfig")
    ]
    assert writer_errors("s3://bucket") == [
        schema("The value for the field 'ResultWriter' must be an OBJECT", WRITER)
    ]


def test_result_writer_needs_distributed_mode() -> None:
    writer = {"Resource": PUT, "Parameters": {"Bucket": "b"}}
    state = {"Type": "Map", "ItemProcessor": INLINE_PROCESSOR, "ResultWriter": writer, "End": True}
    assert errors(machine(state)) == [
        schema(
            "The field 'ResultWriter' is only supported when the ProcessorConfig Mode is DISTRIBUTED",
            "/States/Map",
        )
    ]


# --- Label -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["Map", "demoLabel", "a" * 40, "Étape-1_b.c/d"])
def test_valid_labels(label: str) -> None:
    # DISTRIBUTED: the Map Run ARN example uses the custom label "demoLabel".
    assert errors(machine(distributed_map(Label=label))) == []


def test_label_length() -> None:
    # DISTRIBUTED: "Labels can't exceed 40 characters in length".
    assert errors(machine(distributed_map(Label="a" * 41))) == [
        schema("The value for the field 'Label' must be at most 40 characters", "/States/Map/Label")
    ]


@pytest.mark.parametrize(
    "char",
    [
        " ",
        "\t",
        "?",
        "*",
        "<",
        "}",
        "[",
        ":",
        ";",
        ",",
        "\\",
        "|",
        "^",
        "~",
        "$",
        "#",
        "%",
        "&",
        "`",
        '"',
        "\u0007",
        "\u0085",
    ],
)
def test_label_forbidden_characters(char: str) -> None:
    # DISTRIBUTED: no whitespace, wildcard, bracket, special or control characters.
    found = errors(machine(distributed_map(Label=f"my{char}label")))
    assert len(found) == 1
    assert found[0][2] == "/States/Map/Label"
    assert repr(char) in found[0][1]


def test_label_must_be_a_non_empty_string() -> None:
    assert errors(machine(distributed_map(Label=""))) == [
        schema("The value for the field 'Label' must be a non-empty STRING", "/States/Map/Label")
    ]


def test_labels_are_unique_in_the_whole_machine() -> None:
    # DISTRIBUTED: labels "must be unique within a state machine definition" -- nested ones too.
    inner = {"Type": "Map", "Label": "Same", "ItemProcessor": DISTRIBUTED_PROCESSOR, "End": True}
    outer = {
        "Type": "Map",
        "Label": "Same",
        "ItemProcessor": dict(DISTRIBUTED_PROCESSOR, StartAt="Inner", States={"Inner": inner}),
        "End": True,
    }
    assert errors(machine(outer)) == [
        schema(
            "The Label 'Same' is used by more than one Map state",
            "/States/Map/ItemProcessor/States/Inner/Label",
        )
    ]
    inner["Label"] = "Other"
    assert errors(machine(outer)) == []
