"""The target editor: a form's fields as a PutTargets entry, and what that target would receive.

An API destination target also takes HttpParameters (a JSON object: PathParameterValues,
HeaderParameters, QueryStringParameters), as PutTargets does.

The preview runs the same two engine steps as PutTargets and delivery
(``validate_target_input`` then ``render_target_input``), so what the editor shows is what
the target gets, and what it refuses is what PutTargets refuses, in AWS's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine.events.transform import TargetInputError, render_target_input, validate_target_input
from workbench.core.errors import ValidationError
from workbench.core.jsonio import loads_located
from workbench.events.models import Target

WHOLE_EVENT = "whole"
TARGET_INPUT_KINDS = (WHOLE_EVENT, "Input", "InputPath", "InputTransformer")


def target_from_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A PutTargets entry from the editor's fields (``kind`` picks which input setting is used)."""
    target: dict[str, Any] = {
        "Id": str(fields.get("id") or "").strip(),
        "Arn": str(fields.get("arn") or "").strip(),
    }
    kind = fields.get("kind") or WHOLE_EVENT
    if kind == "Input":
        target["Input"] = str(fields.get("input") or "")
    elif kind == "InputPath":
        target["InputPath"] = str(fields.get("input_path") or "")
    elif kind == "InputTransformer":
        target["InputTransformer"] = _transformer_from_fields(fields)
    elif kind != WHOLE_EVENT:
        raise ValidationError(
            f"Unknown target input kind {kind!r}: use one of {', '.join(TARGET_INPUT_KINDS)}."
        )
    http_text = str(fields.get("http_parameters") or "").strip()
    if http_text:
        http_parameters = loads_located(http_text, "HttpParameters")
        if not isinstance(http_parameters, dict):
            raise ValidationError(
                'HttpParameters must be a JSON object, e.g. {"PathParameterValues": ["$.detail.id"]}.'
            )
        target["HttpParameters"] = http_parameters
    return target


def _transformer_from_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    transformer: dict[str, Any] = {"InputTemplate": str(fields.get("input_template") or "")}
    paths_text = str(fields.get("input_paths_map") or "").strip()
    if paths_text:
        paths = loads_located(paths_text, "InputPathsMap")
        if not isinstance(paths, dict):
            raise ValidationError('InputPathsMap must be a JSON object of name -> path, e.g. {"id": "$.id"}.')
        transformer["InputPathsMap"] = paths
    return transformer


def target_entry(target: Target) -> dict[str, Any]:
    """A stored target in the shape of a PutTargets entry: what ListTargetsByRule shows."""
    entry: dict[str, Any] = {"Id": target.target_id, "Arn": target.arn}
    for key, value in (
        ("RoleArn", target.role_arn),
        ("Input", target.input),
        ("InputPath", target.input_path),
        ("InputTransformer", target.input_transformer),
        ("RetryPolicy", target.retry_policy),
        ("HttpParameters", target.http_parameters),
        ("SqsParameters", target.sqs_parameters),
    ):
        if value is not None:
            entry[key] = value
    if target.dead_letter_arn:
        entry["DeadLetterConfig"] = {"Arn": target.dead_letter_arn}
    return entry


INPUT_SETTINGS = ("Input", "InputPath", "InputTransformer")
"""A target's input settings: a form that sets one decides all three."""
EDITOR_SETTINGS = ("Id", "Arn", *INPUT_SETTINGS, "HttpParameters")
"""What the target editor's fields set (``target_from_fields``)."""


def with_unedited(edited: dict[str, Any], stored: Target | None, edits: tuple[str, ...]) -> dict[str, Any]:
    """The PutTargets entry a form's save makes: ``edited`` (what the form sets, the members
    ``edits`` names) over the stored target's other settings (RoleArn, RetryPolicy,
    DeadLetterConfig, SqsParameters...), which a form that does not show them must not drop.
    PutTargets replaces a target whole; a browser form edits only what it shows."""
    if stored is None:
        return edited
    kept = {key: value for key, value in target_entry(stored).items() if key not in edits}
    return {**kept, **edited}


def preview_target_input(
    target: Mapping[str, Any],
    event: Mapping[str, Any],
    *,
    rule_arn: str,
    rule_name: str,
    ingestion_time: datetime,
) -> dict[str, Any]:
    """``{"ok": True, "received": text}`` or ``{"ok": False, "error": {"code", "message"}}``."""
    try:
        validate_target_input(target)
        received = render_target_input(
            target, event, rule_arn=rule_arn, rule_name=rule_name, ingestion_time=ingestion_time
        )
    except TargetInputError as exc:
        return {"ok": False, "error": {"code": exc.code, "message": exc.message}}
    return {"ok": True, "received": received}
