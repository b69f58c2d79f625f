"""Amazon SNS's errors (Query protocol): code and HTTP status as botocore's sns model declares
them (``NotFound`` 404, ``InvalidParameter`` 400, ``ParameterValueInvalid`` 400 ...) and
https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html
"""

from __future__ import annotations

from workbench.core.errors import AwsError


class SnsError(AwsError):
    code, status = "InvalidParameter", 400


class InvalidParameter(SnsError):
    code, status = "InvalidParameter", 400


class InvalidParameterValue(SnsError):
    code, status = "ParameterValueInvalid", 400


class NotFound(SnsError):
    code, status = "NotFound", 404


class InvalidAction(SnsError):
    code, status = "InvalidAction", 400
