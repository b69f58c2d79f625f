"""The schema registry's errors: the codes and HTTP statuses of botocore's ``schemas`` model.

The REST-JSON protocol carries the code in the ``x-amzn-ErrorType`` header and the body
``{"Code": ..., "Message": ...}`` (the members every ``schemas`` exception shape declares).
"""

from __future__ import annotations

from workbench.core.errors import AwsError


class SchemasError(AwsError):
    code, status = "BadRequestException", 400

    def to_body(self) -> dict[str, str]:
        return {"Code": self.code, "Message": self.message}


class BadRequest(SchemasError):
    code, status = "BadRequestException", 400


class Forbidden(SchemasError):
    code, status = "ForbiddenException", 403


class NotFound(SchemasError):
    code, status = "NotFoundException", 404


class Conflict(SchemasError):
    code, status = "ConflictException", 409
