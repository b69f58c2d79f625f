"""The output shapes TestState checks a mocked ``result`` against, as data.

Taken from the services' API models (botocore's ``service-2.json``: lambda 2015-03-31 Invoke,
events PutEvents, sqs SendMessage, sns Publish, states StartExecution and DescribeExecution,
dynamodb GetItem/PutItem/UpdateItem/DeleteItem), output side only, with the constraints the
mock check enforces: member types, required members, enums, string length and number range.
Member names are written as Step Functions returns them, first letter upper-cased
(``executionArn`` -> ``ExecutionArn``): AWS reports a lower-case key as a missing required field
(LocalStack's AWS snapshot test_field_validation_mode.snapshot.json, "field_name_not_in_sfn_case").
A shape names its members' shapes; recursive shapes (DynamoDB's AttributeValue) refer to themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["SHAPES", "Shape"]


@dataclass(frozen=True)
class Shape:
    """One API model shape: ``kind`` is structure, list, map, string, timestamp, blob, integer,
    long, float, double, boolean, or ``any`` (every JSON value passes)."""

    kind: str
    members: Mapping[str, str] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    element: str = ""
    """The shape of a list's members or of a map's values."""
    enum: tuple[str, ...] = ()
    low: int | None = None
    """The minimum length (string, blob) or value (integer, long)."""
    high: int | None = None
    """The maximum length (string, blob) or value (integer, long)."""


def structure(members: Mapping[str, str], required: tuple[str, ...] = ()) -> Shape:
    return Shape("structure", members=members, required=required)


def list_of(element: str) -> Shape:
    return Shape("list", element=element)


def map_of(element: str) -> Shape:
    return Shape("map", element=element)


def string(enum: tuple[str, ...] = (), low: int | None = None, high: int | None = None) -> Shape:
    return Shape("string", enum=enum, low=low, high=high)


def timestamp() -> Shape:
    return Shape("timestamp")


def blob() -> Shape:
    return Shape("blob")


def integer(low: int | None = None, high: int | None = None) -> Shape:
    return Shape("integer", low=low, high=high)


def double() -> Shape:
    return Shape("double")


def boolean() -> Shape:
    return Shape("boolean")


def any_json() -> Shape:
    return Shape("any")


SHAPES: Mapping[str, Shape] = {
    "lambda.InvocationResponse": structure(
        {
            "StatusCode": "lambda.Integer",
            "FunctionError": "lambda.String",
            "LogResult": "lambda.String",
            "Payload": "lambda.InvocationPayload",
            "ExecutedVersion": "lambda.Version",
            "DurableExecutionArn": "lambda.DurableExecutionArn",
        },
    ),
    "lambda.Integer": integer(),
    "lambda.String": string(),
    # Lambda's model types Payload as a blob (base64 text), but the lambda:invoke integration hands
    # the function's result back as JSON, and the TestState page's own lambda:invoke mock (default
    # STRICT mode) is {"Payload": {"statusCode": 200, "body": "Success"}}: any JSON passes.
    "lambda.InvocationPayload": any_json(),
    "lambda.Version": string(low=1, high=1024),
    "lambda.DurableExecutionArn": string(low=1, high=1024),
    "events.PutEventsResponse": structure(
        {
            "FailedEntryCount": "events.Integer",
            "Entries": "events.PutEventsResultEntryList",
        },
    ),
    "events.Integer": integer(),
    "events.PutEventsResultEntryList": list_of("events.PutEventsResultEntry"),
    "events.PutEventsResultEntry": structure(
        {
            "EventId": "events.EventId",
            "ErrorCode": "events.ErrorCode",
            "ErrorMessage": "events.ErrorMessage",
        },
    ),
    "events.EventId": string(high=64),
    "events.ErrorCode": string(),
    "events.ErrorMessage": string(),
    "sqs.SendMessageResult": structure(
        {
            "MD5OfMessageBody": "sqs.String",
            "MD5OfMessageAttributes": "sqs.String",
            "MD5OfMessageSystemAttributes": "sqs.String",
            "MessageId": "sqs.String",
            "SequenceNumber": "sqs.String",
        },
    ),
    "sqs.String": string(),
    "sns.PublishResponse": structure({"MessageId": "sns.messageId", "SequenceNumber": "sns.String"}),
    "sns.messageId": string(),
    "sns.String": string(),
    "states.StartExecutionOutput": structure(
        {
            "ExecutionArn": "states.Arn",
            "StartDate": "states.Timestamp",
        },
        required=("ExecutionArn", "StartDate"),
    ),
    "states.Arn": string(low=1, high=256),
    "states.Timestamp": timestamp(),
    "states.DescribeExecutionOutput": structure(
        {
            "ExecutionArn": "states.Arn",
            "StateMachineArn": "states.Arn",
            "Name": "states.Name",
            "Status": "states.ExecutionStatus",
            "StartDate": "states.Timestamp",
            "StopDate": "states.Timestamp",
            "Input": "states.SensitiveData",
            "InputDetails": "states.CloudWatchEventsExecutionDataDetails",
            "Output": "states.SensitiveData",
            "OutputDetails": "states.CloudWatchEventsExecutionDataDetails",
            "TraceHeader": "states.TraceHeader",
            "MapRunArn": "states.LongArn",
            "Error": "states.SensitiveError",
            "Cause": "states.SensitiveCause",
            "StateMachineVersionArn": "states.Arn",
            "StateMachineAliasArn": "states.Arn",
            "RedriveCount": "states.RedriveCount",
            "RedriveDate": "states.Timestamp",
            "RedriveStatus": "states.ExecutionRedriveStatus",
            "RedriveStatusReason": "states.SensitiveData",
        },
        required=("ExecutionArn", "StateMachineArn", "Status", "StartDate"),
    ),
    "states.Name": string(low=1, high=80),
    "states.ExecutionStatus": string(
        enum=("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")
    ),
    "states.SensitiveData": string(high=262144),
    "states.CloudWatchEventsExecutionDataDetails": structure({"Included": "states.includedDetails"}),
    "states.includedDetails": boolean(),
    "states.TraceHeader": string(low=0, high=256),
    "states.LongArn": string(low=1, high=2000),
    "states.SensitiveError": string(low=0, high=256),
    "states.SensitiveCause": string(low=0, high=32768),
    "states.RedriveCount": integer(),
    "states.ExecutionRedriveStatus": string(enum=("REDRIVABLE", "NOT_REDRIVABLE", "REDRIVABLE_BY_MAP_RUN")),
    "dynamodb.GetItemOutput": structure(
        {
            "Item": "dynamodb.AttributeMap",
            "ConsumedCapacity": "dynamodb.ConsumedCapacity",
        },
    ),
    "dynamodb.AttributeMap": map_of("dynamodb.AttributeValue"),
    "dynamodb.AttributeValue": structure(
        {
            "S": "dynamodb.StringAttributeValue",
            "N": "dynamodb.NumberAttributeValue",
            "B": "dynamodb.BinaryAttributeValue",
            "SS": "dynamodb.StringSetAttributeValue",
            "NS": "dynamodb.NumberSetAttributeValue",
            "BS": "dynamodb.BinarySetAttributeValue",
            "M": "dynamodb.MapAttributeValue",
            "L": "dynamodb.ListAttributeValue",
            "NULL": "dynamodb.NullAttributeValue",
            "BOOL": "dynamodb.BooleanAttributeValue",
        },
    ),
    "dynamodb.StringAttributeValue": string(),
    "dynamodb.NumberAttributeValue": string(),
    "dynamodb.BinaryAttributeValue": blob(),
    "dynamodb.StringSetAttributeValue": list_of("dynamodb.StringAttributeValue"),
    "dynamodb.NumberSetAttributeValue": list_of("dynamodb.NumberAttributeValue"),
    "dynamodb.BinarySetAttributeValue": list_of("dynamodb.BinaryAttributeValue"),
    "dynamodb.MapAttributeValue": map_of("dynamodb.AttributeValue"),
    "dynamodb.ListAttributeValue": list_of("dynamodb.AttributeValue"),
    "dynamodb.NullAttributeValue": boolean(),
    "dynamodb.BooleanAttributeValue": boolean(),
    "dynamodb.ConsumedCapacity": structure(
        {
            "TableName": "dynamodb.TableArn",
            "CapacityUnits": "dynamodb.ConsumedCapacityUnits",
            "ReadCapacityUnits": "dynamodb.ConsumedCapacityUnits",
            "WriteCapacityUnits": "dynamodb.ConsumedCapacityUnits",
            "Table": "dynamodb.Capacity",
            "LocalSecondaryIndexes": "dynamodb.SecondaryIndexesCapacityMap",
            "GlobalSecondaryIndexes": "dynamodb.SecondaryIndexesCapacityMap",
            "VectorIndexes": "dynamodb.VectorIndexesCapacityMap",
        },
    ),
    "dynamodb.TableArn": string(low=1, high=1024),
    "dynamodb.ConsumedCapacityUnits": double(),
    "dynamodb.Capacity": structure(
        {
            "ReadCapacityUnits": "dynamodb.ConsumedCapacityUnits",
            "WriteCapacityUnits": "dynamodb.ConsumedCapacityUnits",
            "CapacityUnits": "dynamodb.ConsumedCapacityUnits",
        },
    ),
    "dynamodb.SecondaryIndexesCapacityMap": map_of("dynamodb.Capacity"),
    "dynamodb.VectorIndexesCapacityMap": map_of("dynamodb.VectorCapacity"),
    "dynamodb.VectorCapacity": structure(
        {
            "VectorSearchRequestBytes": "dynamodb.ConsumedCapacityUnits",
            "VectorWriteRequestBytes": "dynamodb.ConsumedCapacityUnits",
        },
    ),
    "dynamodb.PutItemOutput": structure(
        {
            "Attributes": "dynamodb.AttributeMap",
            "ConsumedCapacity": "dynamodb.ConsumedCapacity",
            "ItemCollectionMetrics": "dynamodb.ItemCollectionMetrics",
        },
    ),
    "dynamodb.ItemCollectionMetrics": structure(
        {
            "ItemCollectionKey": "dynamodb.ItemCollectionKeyAttributeMap",
            "SizeEstimateRangeGB": "dynamodb.ItemCollectionSizeEstimateRange",
        },
    ),
    "dynamodb.ItemCollectionKeyAttributeMap": map_of("dynamodb.AttributeValue"),
    "dynamodb.ItemCollectionSizeEstimateRange": list_of("dynamodb.ItemCollectionSizeEstimateBound"),
    "dynamodb.ItemCollectionSizeEstimateBound": double(),
    "dynamodb.UpdateItemOutput": structure(
        {
            "Attributes": "dynamodb.AttributeMap",
            "ConsumedCapacity": "dynamodb.ConsumedCapacity",
            "ItemCollectionMetrics": "dynamodb.ItemCollectionMetrics",
        },
    ),
    "dynamodb.DeleteItemOutput": structure(
        {
            "Attributes": "dynamodb.AttributeMap",
            "ConsumedCapacity": "dynamodb.ConsumedCapacity",
            "ItemCollectionMetrics": "dynamodb.ItemCollectionMetrics",
        },
    ),
}
