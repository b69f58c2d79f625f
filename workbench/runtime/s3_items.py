"""The S3 calls behind a Distributed Map's ItemReader and ResultWriter, on the workbench's store.

The decider asks for them as InvokeTasks on the ItemReader/ResultWriter resource; the parsing of
what was read and the shaping of what is written stay in the engine (engine.states.item_reader,
engine.states.result_writer), so this module only moves bytes.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from workbench.accounts.models import Workspace
from workbench.core.errors import AwsError
from workbench.functions.services import Outcome
from workbench.storage import services as storage

GET_OBJECT = "arn:aws:states:::s3:getObject"
LIST_OBJECTS_V2 = "arn:aws:states:::s3:listObjectsV2"
PUT_OBJECT = "arn:aws:states:::s3:putObject"
RESOURCES = frozenset({GET_OBJECT, LIST_OBJECTS_V2, PUT_OBJECT})
BODY_BASE64 = "BodyBase64"
"""engine.states.handlers.distributed_map's name for a binary body sent as base64."""


def perform(workspace: Workspace, resource: str, payload: Any) -> Outcome:
    """Run one S3 call; S3's own error codes come back as ``S3.<Code>`` task errors."""
    if not isinstance(payload, dict) or not isinstance(payload.get("Bucket"), str):
        return Outcome(error="States.Runtime", cause=f"The {resource} call needs a Bucket name")
    try:
        if resource == GET_OBJECT:
            return Outcome(output=_get_text(workspace, payload))
        if resource == LIST_OBJECTS_V2:
            return Outcome(output=_list_all(workspace, payload))
        body = payload.get("Body", "")
        stored = storage.put_object(
            workspace,
            payload["Bucket"],
            str(payload.get("Key", "")),
            body.encode() if isinstance(body, str) else bytes(body),
            content_type="application/json",
        )
        return Outcome(output={"ETag": stored})
    except AwsError as exc:
        return Outcome(error=f"S3.{exc.code}", cause=exc.message)


def _get_text(workspace: Workspace, payload: dict[str, Any]) -> str | dict[str, str]:
    """The body as text, or, when it is not UTF-8 (a GZIP file), as base64 under
    ``BodyBase64``: the result travels as JSON, and the engine decodes and reads it."""
    stored = storage.get_object(workspace, payload["Bucket"], str(payload.get("Key", "")))
    body = bytes(stored.body)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return {BODY_BASE64: base64.b64encode(body).decode("ascii")}


def _list_all(workspace: Workspace, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object under the prefix, page by page, as ListObjectsV2's Contents entries with
    LastModified as ISO text (the item a child receives is JSON)."""
    contents: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = storage.list_objects_v2(
            workspace,
            payload["Bucket"],
            prefix=str(payload.get("Prefix", "")),
            delimiter=payload.get("Delimiter"),
            continuation_token=token,
            start_after=payload.get("StartAfter"),
        )
        for entry in page.get("Contents", []):
            shaped = dict(entry)
            modified = shaped.get("LastModified")
            if isinstance(modified, datetime):
                shaped["LastModified"] = modified.isoformat()
            contents.append(shaped)
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return contents
