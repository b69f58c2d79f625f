"""S3's errors: code, HTTP status and default message as S3's error reference lists them.

https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList

``details`` become extra elements of the ``<Error>`` document (``BucketName``, ``Key``,
``ArgumentName``...), the way S3 names the resource at fault.
"""

from __future__ import annotations

from workbench.core.errors import AwsError


class S3Error(AwsError):
    code = "InvalidRequest"
    status = 400
    default_message = "Invalid Request"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        **details: str,
    ) -> None:
        super().__init__(message or self.default_message, code=code, status=status)
        self.details = details


class InvalidRequest(S3Error):
    """S3's catch-all for a request it cannot take (S3Error's own default code)."""


class AccessDenied(S3Error):
    code, status, default_message = "AccessDenied", 403, "Access Denied"


class InternalError(S3Error):
    """A fault of the workbench's own, answered as S3 answers one (clients retry it)."""

    code, status = "InternalError", 500
    default_message = "We encountered an internal error. Please try again."


class NoSuchBucket(S3Error):
    code, status, default_message = "NoSuchBucket", 404, "The specified bucket does not exist"


class NoSuchKey(S3Error):
    code, status, default_message = "NoSuchKey", 404, "The specified key does not exist."


class NoSuchUpload(S3Error):
    code, status = "NoSuchUpload", 404
    default_message = (
        "The specified upload does not exist. The upload ID may be invalid, "
        "or the upload may have been aborted or completed."
    )


class BucketAlreadyOwnedByYou(S3Error):
    code, status = "BucketAlreadyOwnedByYou", 409
    default_message = "Your previous request to create the named bucket succeeded and you already own it."


class BucketNotEmpty(S3Error):
    code, status, default_message = "BucketNotEmpty", 409, "The bucket you tried to delete is not empty"


class InvalidBucketName(S3Error):
    code, status, default_message = "InvalidBucketName", 400, "The specified bucket is not valid."


class TooManyBuckets(S3Error):
    code, status = "TooManyBuckets", 400
    default_message = "You have attempted to create more buckets than allowed"


class InvalidLocationConstraint(S3Error):
    code, status = "InvalidLocationConstraint", 400
    default_message = "The specified location-constraint is not valid"


class IllegalLocationConstraint(S3Error):
    code, status = "IllegalLocationConstraintException", 400


class KeyTooLong(S3Error):
    code, status, default_message = "KeyTooLongError", 400, "Your key is too long"


class EntityTooLarge(S3Error):
    code, status = "EntityTooLarge", 400
    default_message = "Your proposed upload exceeds the maximum allowed size"


class EntityTooSmall(S3Error):
    code, status = "EntityTooSmall", 400
    default_message = "Your proposed upload is smaller than the minimum allowed object size."


class MetadataTooLarge(S3Error):
    code, status = "MetadataTooLarge", 400
    default_message = "Your metadata headers exceed the maximum allowed metadata size."


class InvalidArgument(S3Error):
    code, status, default_message = "InvalidArgument", 400, "Invalid Argument"


class InvalidDigest(S3Error):
    code, status, default_message = "InvalidDigest", 400, "The Content-MD5 you specified is not valid."


class BadDigest(S3Error):
    code, status = "BadDigest", 400
    default_message = "The Content-MD5 you specified did not match what we received."


class InvalidPart(S3Error):
    code, status = "InvalidPart", 400
    default_message = (
        "One or more of the specified parts could not be found.  The part may not have been uploaded, "
        "or the specified entity tag may not match the part's entity tag."
    )


class InvalidPartOrder(S3Error):
    code, status = "InvalidPartOrder", 400
    default_message = "The list of parts was not in ascending order. Parts must be ordered by part number."


class InvalidRange(S3Error):
    code, status, default_message = "InvalidRange", 416, "The requested range is not satisfiable"


class MalformedXML(S3Error):
    code, status = "MalformedXML", 400
    default_message = (
        "The XML you provided was not well-formed or did not validate against our published schema"
    )


class IncompleteBody(S3Error):
    code, status = "IncompleteBody", 400
    default_message = "You did not provide the number of bytes specified by the Content-Length HTTP header"


class MethodNotAllowed(S3Error):
    code, status = "MethodNotAllowed", 405
    default_message = "The specified method is not allowed against this resource."


class NotImplementedByWorkbench(S3Error):
    code, status = "NotImplemented", 501
    default_message = "A header you provided implies functionality that is not implemented"


class PreconditionFailed(S3Error):
    code, status = "PreconditionFailed", 412
    default_message = "At least one of the pre-conditions you specified did not hold"
