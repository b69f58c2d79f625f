"""What a rule's target receives: PutTargets input checks and the rendering of target input.

A target carries at most one of ``Input`` (a constant JSON text), ``InputPath`` (one part of
the event) and ``InputTransformer`` (paths into the event written into a template); with none
of them the target gets the whole event (PutTargets API reference).

Sources for the PutTargets wording: "Only one of Input, InputPath, or InputTransformer must be
provided for target <id>." and "InputTemplate for target <id> contains invalid placeholder
<name>." are recorded against AWS in LocalStack's snapshot tests
(``tests/aws/services/events/test_events_inputs.snapshot.json``); "JSON syntax error in input
for target <id>", "InputPath for target <id> is invalid." (also for InputPathsMap values, and
for quoted bracket notation) and "contains placeholder aws.events.event.json valid only for
JSON template" are PutTargets answers measured on AWS by a third-party rule set (cdk_preflight
Rego rules); the length and key limits come from boto3's ``events`` model (``TargetInput``,
``TargetInputPath``, ``TransformerInput``, ``TransformerPaths``, ``InputTransformerPathKey``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine.events.constraint_messages import (
    NOT_NULL,
    ConstraintViolation,
    max_length,
    min_length,
    quoted,
    validation_message,
)
from engine.events.event_time import format_event_time
from engine.events.input_template import (
    MISSING,
    InputTemplate,
    fill_input_template,
    parse_input_template,
)
from engine.events.json_text import InvalidJsonText, dumps_compact, loads_strict
from engine.events.target_paths import TargetPath, TargetPathError, parse_target_path, select

MAX_INPUT_CHARS = 8192
MAX_INPUT_PATH_CHARS = 256
MAX_INPUT_TEMPLATE_CHARS = 8192
MAX_INPUT_PATHS = 100
MAX_INPUT_PATHS_KEY_CHARS = 256
INPUT_PATHS_KEY_PATTERN = r"[A-Za-z0-9\_\-]+"
_INPUT_PATHS_KEY = re.compile(INPUT_PATHS_KEY_PATTERN)

RULE_ARN = "aws.events.rule-arn"
RULE_NAME = "aws.events.rule-name"
INGESTION_TIME = "aws.events.event.ingestion-time"
EVENT_WITHOUT_DETAIL = "aws.events.event"
EVENT_JSON = "aws.events.event.json"
PREDEFINED_PLACEHOLDERS = frozenset({RULE_ARN, RULE_NAME, INGESTION_TIME, EVENT_WITHOUT_DETAIL, EVENT_JSON})
JSON_ONLY_PLACEHOLDERS = frozenset({EVENT_WITHOUT_DETAIL, EVENT_JSON})
"""Placeholders whose content is not escaped, so AWS takes them only as values in a JSON object."""

_INPUT_KINDS = ("Input", "InputPath", "InputTransformer")


class TargetInputError(Exception):
    """PutTargets refuses the target's input settings; ``code`` is the AWS error code."""

    def __init__(self, message: str, *, code: str = "ValidationException") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- PutTargets time ----------------------------------------------------------------------


def validate_target_input(target: Mapping[str, Any], *, position: int = 1) -> None:
    """Refuse a target whose Input / InputPath / InputTransformer AWS would refuse at PutTargets.

    ``position`` is the 1-based place of the target in the PutTargets call, used in AWS's
    model-constraint messages ("targets.<position>.member.input").
    """
    _check_types(target)
    violations = _model_violations(target, f"targets.{position}.member")
    if violations:
        raise TargetInputError(validation_message(violations))
    target_id = target.get("Id", "")
    if sum(target.get(kind) is not None for kind in _INPUT_KINDS) > 1:
        raise TargetInputError(
            f"Only one of Input, InputPath, or InputTransformer must be provided for target {target_id}."
        )
    constant = target.get("Input")
    if constant is not None:
        try:
            loads_strict(constant)
        except InvalidJsonText as error:
            raise TargetInputError(f"JSON syntax error in input for target {target_id}.") from error
    input_path = target.get("InputPath")
    if input_path is not None:
        _check_path(input_path, target_id)
    transformer = target.get("InputTransformer")
    if transformer is not None:
        _check_transformer(transformer, target_id)


def _check_types(target: Mapping[str, Any]) -> None:
    for kind in ("Input", "InputPath"):
        value = target.get(kind)
        if value is not None and not isinstance(value, str):
            raise TargetInputError(
                f"Target {kind} must be a string, not {type(value).__name__}.", code="SerializationException"
            )
    transformer = target.get("InputTransformer")
    if transformer is None:
        return
    if not isinstance(transformer, Mapping):
        raise TargetInputError(
            "Target InputTransformer must be a JSON object.", code="SerializationException"
        )
    template = transformer.get("InputTemplate")
    if template is not None and not isinstance(template, str):
        raise TargetInputError(
            "InputTransformer.InputTemplate must be a string.", code="SerializationException"
        )
    paths = transformer.get("InputPathsMap")
    if paths is not None and not (
        isinstance(paths, Mapping) and all(isinstance(path, str) for path in paths.values())
    ):
        raise TargetInputError(
            "InputTransformer.InputPathsMap must map names to JSON path strings.",
            code="SerializationException",
        )


def _model_violations(target: Mapping[str, Any], member: str) -> list[ConstraintViolation]:
    violations: list[ConstraintViolation] = []
    constant = target.get("Input")
    if constant is not None and len(constant) > MAX_INPUT_CHARS:
        violations.append(
            ConstraintViolation(quoted(constant), f"{member}.input", max_length(MAX_INPUT_CHARS))
        )
    input_path = target.get("InputPath")
    if input_path is not None and len(input_path) > MAX_INPUT_PATH_CHARS:
        violations.append(
            ConstraintViolation(quoted(input_path), f"{member}.inputPath", max_length(MAX_INPUT_PATH_CHARS))
        )
    transformer = target.get("InputTransformer")
    if transformer is not None:
        violations.extend(_transformer_violations(transformer, f"{member}.inputTransformer"))
    return violations


def _transformer_violations(transformer: Mapping[str, Any], member: str) -> list[ConstraintViolation]:
    violations: list[ConstraintViolation] = []
    template = transformer.get("InputTemplate")
    where = f"{member}.inputTemplate"
    if template is None:
        violations.append(ConstraintViolation("null", where, NOT_NULL))
    elif not template:
        violations.append(ConstraintViolation(quoted(template), where, min_length(1)))
    elif len(template) > MAX_INPUT_TEMPLATE_CHARS:
        violations.append(ConstraintViolation(quoted(template), where, max_length(MAX_INPUT_TEMPLATE_CHARS)))
    paths: Mapping[str, str] = transformer.get("InputPathsMap") or {}
    where = f"{member}.inputPathsMap"
    shown = quoted("{" + ", ".join(f"{key}={value}" for key, value in paths.items()) + "}")
    if len(paths) > MAX_INPUT_PATHS:
        violations.append(ConstraintViolation(shown, where, max_length(MAX_INPUT_PATHS)))
    for key, path in paths.items():
        key_rules = []
        if not key:
            key_rules.append(min_length(1))
        if len(key) > MAX_INPUT_PATHS_KEY_CHARS:
            key_rules.append(max_length(MAX_INPUT_PATHS_KEY_CHARS))
        if key and not _INPUT_PATHS_KEY.fullmatch(key):
            key_rules.append(f"Member must satisfy regular expression pattern: {INPUT_PATHS_KEY_PATTERN}")
        if key_rules:
            rules = ", ".join(key_rules)
            violations.append(
                ConstraintViolation(quoted(key), where, f"Map keys must satisfy constraint: [{rules}]")
            )
        if len(path) > MAX_INPUT_PATH_CHARS:
            violations.append(
                ConstraintViolation(
                    quoted(path),
                    where,
                    f"Map value must satisfy constraint: [{max_length(MAX_INPUT_PATH_CHARS)}]",
                )
            )
    return violations


def _check_path(path: str, target_id: str) -> None:
    try:
        parse_target_path(path)
    except TargetPathError as error:
        raise TargetInputError(f"InputPath for target {target_id} is invalid.") from error


def _check_transformer(transformer: Mapping[str, Any], target_id: str) -> None:
    paths: Mapping[str, str] = transformer.get("InputPathsMap") or {}
    for path in paths.values():
        _check_path(path, target_id)
    template = parse_input_template(transformer["InputTemplate"])
    for spot in template.spots:
        if spot.name not in paths and spot.name not in PREDEFINED_PLACEHOLDERS:
            raise TargetInputError(
                f"InputTemplate for target {target_id} contains invalid placeholder {spot.name}."
            )
        if spot.name in JSON_ONLY_PLACEHOLDERS and (spot.in_string or not template.is_json_object):
            raise TargetInputError(
                f"InputTemplate for target {target_id} contains placeholder {spot.name} "
                "valid only for JSON template."
            )


# --- delivery time ------------------------------------------------------------------------


def render_target_input(
    target: Mapping[str, Any],
    event: Mapping[str, Any],
    *,
    rule_arn: str,
    rule_name: str,
    ingestion_time: datetime,
) -> str:
    """The exact text the target receives for ``event`` (an envelope from ``build_event``).

    Expects a target that passed ``validate_target_input``; a path it cannot read raises
    ``TargetInputError``.
    """
    constant = target.get("Input")
    if constant is not None:
        return str(constant)
    input_path = target.get("InputPath")
    if input_path is not None:
        found, value = select(_parsed_path(input_path, target), event)
        return dumps_compact(value) if found else '""'
    transformer = target.get("InputTransformer")
    if transformer is not None:
        template = parse_input_template(transformer["InputTemplate"])
        values = _template_values(
            template,
            transformer.get("InputPathsMap") or {},
            event,
            target=target,
            predefined={
                RULE_ARN: rule_arn,
                RULE_NAME: rule_name,
                INGESTION_TIME: format_event_time(ingestion_time),
                EVENT_WITHOUT_DETAIL: event_without_detail(event),
                EVENT_JSON: dict(event),
            },
        )
        return fill_input_template(template, values)
    return dumps_compact(dict(event))


def receives_whole_event(target: Mapping[str, Any]) -> bool:
    """Whether the target receives the event itself, as ``render_target_input`` spells it: no
    Input, InputPath or InputTransformer (PutTargets API reference, Target)."""
    get = target.get
    return get("Input") is None and get("InputPath") is None and get("InputTransformer") is None


def _parsed_path(path: str, target: Mapping[str, Any]) -> TargetPath:
    try:
        return parse_target_path(path)
    except TargetPathError as error:
        raise TargetInputError(f"InputPath for target {target.get('Id', '')} is invalid: {error}.") from error


def _template_values(
    template: InputTemplate,
    paths: Mapping[str, str],
    event: Mapping[str, Any],
    *,
    target: Mapping[str, Any],
    predefined: Mapping[str, Any],
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in template.names:
        if name in predefined:
            values[name] = predefined[name]
        elif name in paths:
            found, value = select(_parsed_path(paths[name], target), event)
            values[name] = value if found else MISSING
    return values


def event_without_detail(event: Mapping[str, Any]) -> dict[str, Any]:
    """What ``<aws.events.event>`` holds: the envelope without ``detail``, ``detail-type`` as ``detailType``.

    Key order and naming follow the body AWS delivered in LocalStack's validated snapshot
    ``test_input_transformer_predefined_variables``.
    """
    renamed = {"detailType" if key == "detail-type" else key: value for key, value in event.items()}
    order = ("id", "account", "detailType", "time", "source", "region", "resources", "version")
    return {key: renamed[key] for key in order if key in renamed}
