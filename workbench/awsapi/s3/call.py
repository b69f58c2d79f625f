"""The resolved S3 request every operation receives, and the shape of an operation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, QueryDict

from workbench.accounts.models import Workspace


@dataclass(frozen=True)
class S3Call:
    """One S3 request, resolved: who sends it, and which bucket and key it names."""

    request: HttpRequest
    workspace: Workspace
    region: str
    bucket: str | None
    key: str | None

    @property
    def query(self) -> QueryDict:
        return self.request.GET

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)


Handler = Callable[[S3Call], HttpResponse]
