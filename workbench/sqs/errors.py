"""Amazon SQS's errors as current boto3 reads them.

botocore's SQS model speaks the JSON protocol (``AmazonSQS.<Op>``, ``x-amz-json-1.0``) and is
``awsQueryCompatible``: an error's ``__type`` is the JSON shape name and the header
``x-amzn-query-error: <query code>;<Sender|Receiver>`` carries the code the Query protocol used,
which botocore makes the error code (so ``QueueDoesNotExist`` is raised for
``AWS.SimpleQueueService.NonExistentQueue``). Codes and shapes from botocore's sqs service model
and https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

from workbench.core.errors import AwsError


class SqsError(AwsError):
    """``code`` is the JSON ``__type``; ``query_code`` what ``x-amzn-query-error`` carries."""

    code = "InvalidParameterValue"
    query_code = "InvalidParameterValue"
    fault = "Sender"

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def to_body(self) -> dict[str, str]:
        return {"__type": f"com.amazonaws.sqs#{self.code}", "message": self.message}


class InvalidParameterValue(SqsError):
    code = query_code = "InvalidParameterValue"


class MissingParameter(SqsError):
    code = query_code = "MissingParameter"


class QueueDoesNotExist(SqsError):
    code, query_code = "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"


class QueueNameExists(SqsError):
    code, query_code = "QueueNameExists", "QueueAlreadyExists"


class InvalidAttributeName(SqsError):
    code = query_code = "InvalidAttributeName"


class InvalidAttributeValue(SqsError):
    code = query_code = "InvalidAttributeValue"


class ReceiptHandleIsInvalid(SqsError):
    code = query_code = "ReceiptHandleIsInvalid"


class MessageNotInflight(SqsError):
    code, query_code = "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight"


class EmptyBatchRequest(SqsError):
    code, query_code = "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest"


class TooManyEntriesInBatchRequest(SqsError):
    code, query_code = "TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"


class BatchEntryIdsNotDistinct(SqsError):
    code, query_code = "BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"


class InvalidBatchEntryId(SqsError):
    code, query_code = "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId"


class InvalidMessageContents(SqsError):
    code = query_code = "InvalidMessageContents"


class UnsupportedOperation(SqsError):
    code, query_code = "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation"
