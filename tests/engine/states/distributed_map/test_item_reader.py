"""ItemReader: the S3 reads a Distributed Map makes and the items it makes of them.

Expected items come from "ItemReader (Map)" (docs.aws.amazon.com/step-functions/latest/dg/
input-output-itemreader.html, cited below as ITEMREADER) and "How Step Functions parses input
CSV files" (.../dg/example-csv-parse-dist-map.html, cited as CSV_PARSE). Failure causes AWS
recorded are quoted from LocalStack's AWS-validated ItemReader tests and floci's measurements.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from engine.states.errors import ITEM_READER_FAILED, StatesError
from engine.states.item_reader import (
    DUPLICATE_HEADERS_CAUSE,
    MAX_CSV_HEADER_BYTES,
    MAX_ITEM_BYTES,
    MAX_ITEMS_LIMIT,
    NON_ITERABLE_CAUSE,
    POINTER_MISSING_CAUSE,
    S3Request,
    follow_up_requests,
    read_items,
    s3_request,
)

GET_OBJECT = "arn:aws:states:::s3:getObject"
LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2"


def reader(resource: str = GET_OBJECT, **config: Any) -> dict[str, Any]:
    return {"Resource": resource, "ReaderConfig": config}


def csv_reader(**config: Any) -> dict[str, Any]:
    return reader(InputType="CSV", **config)


def failure(call: Any) -> str:
    with pytest.raises(StatesError) as raised:
        call()
    assert raised.value.error == ITEM_READER_FAILED
    return raised.value.cause


# --- CSV ---------------------------------------------------------------------------------------


def test_the_documented_csv_parse_example() -> None:
    # CSV_PARSE, "Example of parsing an input CSV file": quoted commas, doubled quotes and a
    # newline in one field, doubled quotes in an unquoted field; every value stays a string.
    body = (
        'abc,123,"This string contains commas, a double quotation marks (""), and a newline (\n)",'
        '{""MyKey"":""MyValue""},"[1,2,3]"'
    )
    config = csv_reader(
        CSVHeaderLocation="GIVEN", CSVHeaders=["MyLetters", "MyNumbers", "MyString", "MyObject", "MyArray"]
    )
    assert read_items(config, body) == [
        {
            "MyLetters": "abc",
            "MyNumbers": "123",
            "MyString": 'This string contains commas, a double quotation marks ("), and a newline (\n)',
            "MyObject": '{"MyKey":"MyValue"}',
            "MyArray": "[1,2,3]",
        }
    ]


def test_first_row_headers_with_a_pipe_delimiter() -> None:
    # ITEMREADER, "CSV file in an Amazon S3 bucket": ratings.csv read with FIRST_ROW and PIPE;
    # the child input shown there is {"rating": "3.5", "movieId": "307", "userId": "1", ...}.
    body = "userId|movieId|rating|timestamp\n1|307|3.5|1256677221\n1|481|3.5|1256677456\n"
    items = read_items(csv_reader(CSVHeaderLocation="FIRST_ROW", CSVDelimiter="PIPE"), body)
    assert items[0] == {"rating": "3.5", "movieId": "307", "userId": "1", "timestamp": "1256677221"}
    assert len(items) == 2


def test_given_headers_read_every_row() -> None:
    # ITEMREADER, CSVHeaderLocation GIVEN: the file has no header row.
    body = "1,307,3.5,1256677221\n1,481,3.5,1256677456\n1,1091,1.5,1256677471"
    headers = ["userId", "movieId", "rating", "timestamp"]
    items = read_items(csv_reader(CSVHeaderLocation="GIVEN", CSVHeaders=headers), body)
    assert [item["movieId"] for item in items] == ["307", "481", "1091"]


def test_backslashes_escape_backslashes() -> None:
    # CSV_PARSE: "You can preserve backslashes by repeating them", path,size example.
    body = "path,size\nC:\\\\Program Files\\\\MyApp.exe,6534512"
    assert read_items(csv_reader(CSVHeaderLocation="FIRST_ROW"), body) == [
        {"path": "C:\\Program Files\\MyApp.exe", "size": "6534512"}
    ]


def test_backslash_before_another_character_is_removed_and_escapes_the_delimiter() -> None:
    body = 'a,b\nx\\,y,\\q\\"\n'
    assert read_items(csv_reader(CSVHeaderLocation="FIRST_ROW"), body) == [{"a": "x,y", "b": 'q"'}]


def test_short_rows_get_empty_strings_and_long_rows_lose_extra_fields() -> None:
    # CSV_PARSE: fewer fields than headers give empty strings; more fields are skipped.
    body = "a,b,c\n1\n1,2,3,4,5\n"
    assert read_items(csv_reader(CSVHeaderLocation="FIRST_ROW"), body) == [
        {"a": "1", "b": "", "c": ""},
        {"a": "1", "b": "2", "c": "3"},
    ]


@pytest.mark.parametrize(
    ("name", "char"), [("COMMA", ","), ("PIPE", "|"), ("SEMICOLON", ";"), ("SPACE", " "), ("TAB", "\t")]
)
def test_every_documented_delimiter(name: str, char: str) -> None:
    body = f"k{char}v\n1{char}two words\n" if name != "SPACE" else 'k v\n1 "two words"\n'
    config = csv_reader(CSVHeaderLocation="FIRST_ROW", CSVDelimiter=name)
    assert read_items(config, body) == [{"k": "1", "v": "two words"}]


def test_blank_lines_crlf_and_a_byte_order_mark() -> None:
    body = "\ufeffa,b\r\n1,2\r\n\r\n3,4\r\n"
    assert read_items(csv_reader(CSVHeaderLocation="FIRST_ROW"), body) == [
        {"a": "1", "b": "2"},
        {"a": "3", "b": "4"},
    ]


def test_quoted_empty_and_escaped_quote_fields() -> None:
    body = 'a,b\n"",""""\n"""q""",x\n'
    assert read_items(csv_reader(CSVHeaderLocation="FIRST_ROW"), body) == [
        {"a": "", "b": '"'},
        {"a": '"q"', "b": "x"},
    ]


def test_an_empty_file_with_a_header_row_has_no_items() -> None:
    assert read_items(csv_reader(CSVHeaderLocation="FIRST_ROW"), "") == []
    assert read_items(csv_reader(CSVHeaderLocation="FIRST_ROW"), "a,b\n") == []


def test_duplicate_headers_fail_with_aws_cause() -> None:
    # LocalStack test_map_item_reader_csv_headers_decl_duplicate_headers (AWS-recorded cause).
    cause = failure(lambda: read_items(csv_reader(CSVHeaderLocation="FIRST_ROW"), "a,b,a\n1,2,3"))
    assert cause == DUPLICATE_HEADERS_CAUSE == "CSV headers cannot contain duplicates."
    given = csv_reader(CSVHeaderLocation="GIVEN", CSVHeaders=["x", "x"])
    assert failure(lambda: read_items(given, "1,2")) == DUPLICATE_HEADERS_CAUSE


def test_empty_header_fails() -> None:
    cause = failure(lambda: read_items(csv_reader(CSVHeaderLocation="FIRST_ROW"), "a,,c\n1,2,3"))
    assert "empty" in cause


def test_an_unterminated_quote_fails_naming_its_line() -> None:
    body = 'a,b\n1,2\n3,"open\nstill open'
    cause = failure(lambda: read_items(csv_reader(CSVHeaderLocation="FIRST_ROW"), body))
    assert "line 3" in cause


def test_a_header_row_over_10_kb_fails() -> None:
    header = ",".join(f"column{i}" for i in range(MAX_CSV_HEADER_BYTES // 6))
    assert len(header) > MAX_CSV_HEADER_BYTES
    cause = failure(lambda: read_items(csv_reader(CSVHeaderLocation="FIRST_ROW"), header + "\n1"))
    assert "header" in cause


def test_csv_without_a_header_location_fails() -> None:
    assert "CSVHeaderLocation" in failure(lambda: read_items(csv_reader(), "a\n1"))


# --- JSON and JSON Lines -----------------------------------------------------------------------

FACTS = [
    {"verdict": "true", "statement_date": "6/11/2008", "statement_source": "speech"},
    {"verdict": "false", "statement_date": "6/7/2022", "statement_source": "television"},
    {"verdict": "mostly-true", "statement_date": "5/18/2016", "statement_source": "news"},
]


def test_json_array_items() -> None:
    # ITEMREADER, "JSON file in an Amazon S3 bucket": factcheck.json, one child per element.
    assert read_items(reader(InputType="JSON"), json.dumps(FACTS)) == FACTS


def test_items_pointer_selects_a_nested_array() -> None:
    # ITEMREADER: "ItemsPointer": "/inventory/products/featured".
    document = {"inventory": {"products": {"featured": FACTS[:2], "other": FACTS}}}
    config = reader(InputType="JSON", ItemsPointer="/inventory/products/featured")
    assert read_items(config, json.dumps(document)) == FACTS[:2]


def test_items_pointer_escapes_and_indexes() -> None:
    document = {"a/b": [{"c~d": [1, 2]}]}
    assert read_items(reader(InputType="JSON", ItemsPointer="/a~1b/0/c~0d"), json.dumps(document)) == [1, 2]
    assert read_items(reader(InputType="JSON", ItemsPointer=""), "[3]") == [3]


def test_items_pointer_that_matches_nothing_fails_with_aws_cause() -> None:
    # floci-io/floci measured this cause against AWS (StepFunctionsJsonataIntegrationTest).
    config = reader(InputType="JSON", ItemsPointer="/missing")
    assert failure(lambda: read_items(config, '{"records": []}')) == POINTER_MISSING_CAUSE


def test_a_scalar_dataset_fails_with_aws_cause() -> None:
    # LocalStack test_map_item_reader_json_no_json_list_object (AWS-recorded cause).
    assert failure(lambda: read_items(reader(InputType="JSON"), "123")) == NON_ITERABLE_CAUSE
    pointed = reader(InputType="JSON", ItemsPointer="/records")
    assert failure(lambda: read_items(pointed, '{"records": "x"}')) == NON_ITERABLE_CAUSE


def test_an_object_dataset_gives_one_item_per_key_value_pair() -> None:
    # ITEMREADER: "The JSON file must contain an array or JSON object"; the Map runs one
    # iteration per key-value pair (ItemsPath page).
    assert read_items(reader(InputType="JSON"), '{"a": {"x": 1}, "b": 2}') == [
        {"Key": "a", "Value": {"x": 1}},
        {"Key": "b", "Value": 2},
    ]


def test_invalid_json_fails_with_position() -> None:
    cause = failure(lambda: read_items(reader(InputType="JSON"), '[{"a": 1},'))
    assert "not valid JSON" in cause
    assert "line 1" in cause


def test_json_lines_items() -> None:
    # ITEMREADER, "JSON Lines file in an Amazon S3 bucket": factcheck.jsonl.
    body = "\n".join(json.dumps(fact) for fact in FACTS) + "\n"
    assert read_items(reader(InputType="JSONL"), body) == FACTS


def test_json_lines_skip_blank_lines_and_name_a_bad_line() -> None:
    assert read_items(reader(InputType="JSONL"), '1\n\n  \n"two"\n') == [1, "two"]
    assert "Line 2" in failure(lambda: read_items(reader(InputType="JSONL"), '{"a": 1}\n{oops}\n'))


def test_an_item_over_8_mb_fails() -> None:
    big = "x" * (MAX_ITEM_BYTES + 1)
    assert "8 MB" in failure(lambda: read_items(reader(InputType="JSON"), json.dumps([1, big])))
    assert "8 MB" in failure(lambda: read_items(reader(InputType="JSONL"), json.dumps(big)))
    csv_body = "a\n" + big
    assert "8 MB" in failure(lambda: read_items(csv_reader(CSVHeaderLocation="FIRST_ROW"), csv_body))


# --- MaxItems ------------------------------------------------------------------------------------


def test_max_items_limits_every_input_type() -> None:
    # ITEMREADER: MaxItems limits the items passed to the Map state; rows after the header.
    assert read_items(reader(InputType="JSON", MaxItems=2), json.dumps(FACTS)) == FACTS[:2]
    assert read_items(reader(InputType="JSONL", MaxItems=1), "1\n2\n3") == [1]
    csv_config = csv_reader(CSVHeaderLocation="FIRST_ROW", MaxItems=1)
    assert read_items(csv_config, "a\n1\n2") == [{"a": "1"}]


def test_a_resolved_max_items_overrides_and_zero_reads_everything() -> None:
    config = reader(InputType="JSONL", MaxItems=1)
    assert read_items(config, "1\n2\n3", max_items=2) == [1, 2]
    assert read_items(reader(InputType="JSONL", MaxItems=0), "1\n2\n3") == [1, 2, 3]
    assert read_items(reader(InputType="JSONL"), "1\n2\n3", max_items=0) == [1, 2, 3]


def test_a_jsonata_max_items_is_left_to_the_caller() -> None:
    config = reader(InputType="JSONL", MaxItems="{% $states.input.limit %}")
    assert read_items(config, "1\n2\n3") == [1, 2, 3]
    assert read_items(config, "1\n2\n3", max_items=1) == [1]


def test_negative_or_non_integer_max_items_fail() -> None:
    # LocalStack's MaxItemsPath handling quotes AWS's "field MaxItems must be positive".
    assert failure(lambda: read_items(reader(InputType="JSON"), "[1]", max_items=-1)) == (
        "field MaxItems must be positive"
    )
    assert "integer" in failure(lambda: read_items(reader(InputType="JSON", MaxItems="2"), "[1]"))


def test_max_items_is_capped_at_the_documented_limit() -> None:
    assert MAX_ITEMS_LIMIT == 100_000_000
    assert read_items(reader(InputType="JSON"), "[1, 2]", max_items=MAX_ITEMS_LIMIT + 5) == [1, 2]


# --- bodies --------------------------------------------------------------------------------------


def test_bytes_bodies_are_decoded_and_gzip_is_decompressed() -> None:
    # ITEMREADER: input files may be GZIP-compressed (myObject.jsonl.gz).
    assert read_items(reader(InputType="JSONL"), gzip.compress(b'{"a": 1}\n{"a": 2}\n')) == [
        {"a": 1},
        {"a": 2},
    ]
    assert read_items(reader(InputType="JSON"), b"[1]") == [1]


def test_undecodable_bodies_fail_clearly() -> None:
    assert "ZSTD" in failure(lambda: read_items(reader(InputType="JSON"), b"\x28\xb5\x2f\xfd\x00"))
    assert "UTF-8" in failure(lambda: read_items(reader(InputType="JSON"), b"\xff\xfe["))
    assert "GZIP" in failure(lambda: read_items(reader(InputType="JSON"), b"\x1f\x8bnot gzip"))


def test_parquet_is_refused_clearly() -> None:
    config = reader(InputType="PARQUET")
    assert "PARQUET" in failure(lambda: s3_request(config, {"Bucket": "b", "Key": "k.parquet"}))
    assert "PARQUET" in failure(lambda: read_items(config, b"PAR1"))


# --- ListObjectsV2 -------------------------------------------------------------------------------


def test_listed_objects_become_metadata_items_as_aws_spells_them() -> None:
    # ITEMREADER, "A list of Amazon S3 objects": the child input is {"Etag": ..., "Key": ...,
    # "LastModified": 1668699881, "Size": 34910, "StorageClass": "STANDARD"}; the entry below is
    # what boto3's ListObjectsV2 gives for that object.
    entry = {
        "Key": "processData/images/n02085620_1073.jpg",
        "LastModified": "2022-11-17T15:44:41.000Z",
        "ETag": '"05704fbdccb224cb01c59005bebbad28"',
        "Size": 34910,
        "StorageClass": "STANDARD",
    }
    items = read_items({"Resource": LIST_OBJECTS}, [entry])
    assert items == [
        {
            "Etag": '"05704fbdccb224cb01c59005bebbad28"',
            "Key": "processData/images/n02085620_1073.jpg",
            "LastModified": 1668699881,
            "Size": 34910,
            "StorageClass": "STANDARD",
        }
    ]
    assert list(items[0]) == ["Etag", "Key", "LastModified", "Size", "StorageClass"]


def test_listing_keeps_folder_objects_and_honours_max_items() -> None:
    # ITEMREADER note: folders created in the S3 console are items too.
    entries = [{"Key": "dir/", "Size": 0}, {"Key": "dir/a", "Size": 1}, {"Key": "dir/b", "Size": 2}]
    assert [item["Key"] for item in read_items({"Resource": LIST_OBJECTS}, entries)] == [
        "dir/",
        "dir/a",
        "dir/b",
    ]
    limited = {"Resource": LIST_OBJECTS, "ReaderConfig": {"MaxItems": 2}}
    assert len(read_items(limited, entries)) == 2


def test_a_listing_that_is_not_a_list_fails() -> None:
    assert "Contents" in failure(lambda: read_items({"Resource": LIST_OBJECTS}, {"Contents": []}))


# --- which reads ---------------------------------------------------------------------------------


def test_s3_request_for_get_object_and_list_objects() -> None:
    # ITEMREADER examples: getObject with Bucket, Key, VersionId; listObjectsV2 with Prefix.
    parameters = {"Bucket": "amzn-s3-demo-bucket", "Key": "csvDataset/ratings.csv", "VersionId": "BcK4"}
    request = s3_request(csv_reader(CSVHeaderLocation="FIRST_ROW"), parameters)
    assert request == S3Request("GetObject", parameters)
    assert request.boto3_method == "get_object"
    listing = s3_request(
        {"Resource": LIST_OBJECTS}, {"Bucket": "amzn-s3-demo-bucket", "Prefix": "processData"}
    )
    assert listing == S3Request("ListObjectsV2", {"Bucket": "amzn-s3-demo-bucket", "Prefix": "processData"})
    assert listing.boto3_method == "list_objects_v2"


def test_s3_request_accepts_other_partitions() -> None:
    request = s3_request({"Resource": "arn:aws-cn:states:::s3:listObjectsV2"}, {"Bucket": "b"})
    assert request.action == "ListObjectsV2"


@pytest.mark.parametrize(
    ("resource", "parameters", "expected"),
    [
        (GET_OBJECT, {"Bucket": "b"}, "'Key' is required"),
        (GET_OBJECT, {"Key": "k"}, "'Bucket' is required"),
        (LIST_OBJECTS, {"Bucket": "b", "Key": "k"}, "'Key' is not supported"),
        (GET_OBJECT, {"Bucket": "b", "Key": 7}, "must be a string"),
        ("arn:aws:states:::s3:putObject", {"Bucket": "b"}, "not supported"),
    ],
)
def test_s3_request_refuses_bad_parameters(resource: str, parameters: dict[str, Any], expected: str) -> None:
    assert expected in failure(lambda: s3_request(reader(resource, InputType="JSON"), parameters))


def test_plain_reads_need_no_follow_up() -> None:
    request = s3_request(reader(InputType="JSON"), {"Bucket": "b", "Key": "k"})
    assert follow_up_requests(reader(InputType="JSON"), request, "[]") == []


INVENTORY_MANIFEST: dict[str, Any] = {
    # ITEMREADER, "Amazon S3 inventory": the manifest.json example.
    "sourceBucket": "amzn-s3-demo-source-bucket",
    "destinationBucket": "arn:aws:s3:::amzn-s3-demo-inventory",
    "version": "2016-11-30",
    "creationTimestamp": "1668560400000",
    "fileFormat": "CSV",
    "fileSchema": "Bucket, Key, Size, LastModifiedDate",
    "files": [
        {
            "key": "amzn-s3-demo-bucket/destination-prefix/data/20e55de8-9c21-45d4-99b9-46c732000228.csv.gz",
            "size": 7300,
            "MD5checksum": "a7ff4a1d4164c3cd55851055ec8f6b20",
        }
    ],
}
INVENTORY_DATA = (
    # ITEMREADER: the inventory file example.
    '"amzn-s3-demo-source-bucket","csvDataset/","0","2022-11-16T00:27:19.000Z"\n'
    '"amzn-s3-demo-source-bucket","csvDataset/titles.csv","3399671","2022-11-16T00:29:32.000Z"\n'
    '"amzn-s3-demo-source-bucket","imageDataset/","0","2022-11-15T20:00:44.000Z"\n'
)


def test_an_s3_inventory_manifest_reads_its_data_files() -> None:
    config = reader(InputType="MANIFEST")
    first = s3_request(config, {"Bucket": "amzn-s3-demo-destination-bucket", "Key": "p/manifest.json"})
    manifest_text = json.dumps(INVENTORY_MANIFEST)
    assert follow_up_requests(config, first, manifest_text) == [
        S3Request(
            "GetObject", {"Bucket": "amzn-s3-demo-inventory", "Key": INVENTORY_MANIFEST["files"][0]["key"]}
        )
    ]
    items = read_items(config, manifest_text, loaded=[gzip.compress(INVENTORY_DATA.encode())])
    # ITEMREADER: "Input to a child workflow execution" for this dataset.
    assert items[1] == {
        "LastModifiedDate": "2022-11-16T00:29:32.000Z",
        "Bucket": "amzn-s3-demo-source-bucket",
        "Size": "3399671",
        "Key": "csvDataset/titles.csv",
    }
    assert len(items) == 3
    inventory_type = reader(ManifestType="S3_INVENTORY")
    assert read_items(inventory_type, manifest_text, loaded=[INVENTORY_DATA], max_items=2) == items[:2]


def test_an_inventory_manifest_that_is_not_csv_fails() -> None:
    manifest = dict(INVENTORY_MANIFEST, fileFormat="ORC")
    config = reader(InputType="MANIFEST")
    request = S3Request("GetObject", {"Bucket": "b", "Key": "k"})
    assert "CSV" in failure(lambda: follow_up_requests(config, request, json.dumps(manifest)))


def test_load_and_flatten_reads_every_listed_object() -> None:
    # ITEMREADER, "Processing nested data sets": LOAD_AND_FLATTEN parses each listed object.
    config = {
        "Resource": LIST_OBJECTS,
        "ReaderConfig": {"InputType": "JSONL", "Transformation": "LOAD_AND_FLATTEN"},
    }
    first = s3_request(config, {"Bucket": "logs", "Prefix": "hourly/"})
    listing = [
        {"Key": "hourly/", "Size": 0},
        {"Key": "hourly/01.jsonl", "Size": 9},
        {"Key": "hourly/02.jsonl"},
    ]
    assert follow_up_requests(config, first, listing) == [
        S3Request("GetObject", {"Bucket": "logs", "Key": "hourly/01.jsonl"}),
        S3Request("GetObject", {"Bucket": "logs", "Key": "hourly/02.jsonl"}),
    ]
    assert read_items(config, listing, loaded=["1\n2\n", gzip.compress(b"3\n")]) == [1, 2, 3]
    assert read_items(config, listing, loaded=["1\n2\n", "3\n"], max_items=2) == [1, 2]


def test_an_athena_manifest_names_its_data_objects() -> None:
    # ITEMREADER, "Athena manifest": a CSV list of the UNLOAD data objects.
    config = reader(ManifestType="ATHENA_DATA", InputType="JSONL")
    first = s3_request(config, {"Bucket": "results", "Key": "q-manifest.csv"})
    manifest = "s3://results/unload/part-0\ns3://results/unload/part-1\n"
    assert follow_up_requests(config, first, manifest) == [
        S3Request("GetObject", {"Bucket": "results", "Key": "unload/part-0"}),
        S3Request("GetObject", {"Bucket": "results", "Key": "unload/part-1"}),
    ]
    assert read_items(config, manifest, loaded=['{"a": 1}\n', '{"a": 2}\n']) == [{"a": 1}, {"a": 2}]
    assert "s3://" in failure(lambda: follow_up_requests(config, first, "not-a-uri\n"))
