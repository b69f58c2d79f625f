"""The checks of one state: its type, its fields, and the rules of its type.

Sub-machines (Parallel branches, Map processors) are only shape-checked here; the walk into
them is ``engine.states.validation.machine``'s job.
"""

from __future__ import annotations

import re

from engine.states.choice import is_timestamp
from engine.states.model import JSON
from engine.states.path_syntax import is_input_reference_path, is_path, is_reference_path
from engine.states.validation import fields as F
from engine.states.validation.choice_rules import check_choices
from engine.states.validation.distributed_checks import check_distributed_fields
from engine.states.validation.expressions import is_path_or_intrinsic, jsonata_body, looks_dynamic
from engine.states.validation.payloads import (
    check_assign,
    check_jsonata_strings,
    check_object_payload,
)
from engine.states.validation.report import INVALID_RESOURCE, NO_PATH, PASS_RESULT_IS_STATIC, Report, child
from engine.states.validation.retry_catch import check_catch, check_retry
from engine.states.validation.values import check_enum, check_integer, check_number, check_string, is_integer


def effective_language(state: dict[str, JSON], top_language: str) -> str:
    """A state's own QueryLanguage when valid, else the machine's."""
    own = state.get("QueryLanguage")
    return own if own in F.QUERY_LANGUAGES else top_language


def check_state(state: JSON, location: str, report: Report, top_language: str) -> str | None:
    """Check one state; return its Type when valid (so the caller may walk its sub-machines)."""
    if not isinstance(state, dict):
        report.schema("A state must be an OBJECT", location)
        return None
    state_type = state.get("Type")
    if "Type" not in state:
        report.schema("These fields are required: [Type]", location)
        return None
    if state_type not in F.STATE_TYPES:
        report.schema(
            f"The value for the field 'Type' must be one of: {', '.join(F.STATE_TYPES)}",
            child(location, "Type"),
        )
        return None
    language = _check_query_language(state, location, report, top_language)
    _check_field_names(state, state_type, location, report, language)
    for required in F.REQUIRED_FIELDS.get(state_type, ()):
        if required not in state:
            report.schema(f"These fields are required: [{required}]", location)
    if "Comment" in state and not isinstance(state["Comment"], str):
        report.schema("The value for the field 'Comment' must be a STRING", child(location, "Comment"))
    if state_type in F.TRANSITIONING_TYPES:
        _check_transition(state, location, report)
    if language == "JSONPath":
        _check_io_paths(state, location, report)
    if "Assign" in state and "Assign" in F.STATE_FIELDS[state_type]:
        check_assign(state["Assign"], child(location, "Assign"), report, language)
    if "Output" in state and language == "JSONata":
        check_jsonata_strings(state["Output"], child(location, "Output"), report)
    _TYPE_CHECKS[state_type](state, location, report, language)
    return str(state_type)


def _check_query_language(state: dict[str, JSON], location: str, report: Report, top_language: str) -> str:
    if "QueryLanguage" in state:
        own = state["QueryLanguage"]
        if own not in F.QUERY_LANGUAGES:
            message = (
                f"The value for the field 'QueryLanguage' must be one of: {', '.join(F.QUERY_LANGUAGES)}"
            )
            report.schema(message, child(location, "QueryLanguage"))
        elif own == "JSONPath" and top_language == "JSONata":
            report.schema(
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", location
            )
    return effective_language(state, top_language)


def _check_field_names(
    state: dict[str, JSON], state_type: str, location: str, report: Report, language: str
) -> None:
    allowed = F.STATE_FIELDS[state_type]
    for key in state:
        if key in F.COMMON_FIELDS:
            continue
        if key not in allowed:
            if key in F.KNOWN_STATE_FIELDS:
                report.schema(f"Field '{key}' is not supported", location)
            else:
                report.schema(f'The field "{key}" is not supported by Step Functions', location)
        elif language == "JSONata" and key in F.JSONPATH_ONLY_FIELDS:
            report.schema(_only_in("JSONata", key, "JSONPath"), location)
        elif language == "JSONPath" and key in F.JSONATA_ONLY_FIELDS:
            report.schema(_only_in("JSONPath", key, "JSONata"), location)


def _only_in(language: str, field: str, other: str) -> str:
    return (
        f"The QueryLanguage is set to '{language}', but field '{field}' is only supported "
        f"for the '{other}' QueryLanguage"
    )


def _check_transition(state: dict[str, JSON], location: str, report: Report) -> None:
    has_next = "Next" in state
    end = state.get("End")
    if "End" in state and not isinstance(end, bool):
        report.schema("The value for the field 'End' must be a BOOLEAN", child(location, "End"))
    if has_next and end is True:
        report.schema("Only one of these fields may be set: [Next, End]", location)
    elif not has_next and end is not True:
        report.schema("One of these fields is required: [Next, End]", location)
    if has_next:
        check_string(state, "Next", location, report)


def _check_io_paths(state: dict[str, JSON], location: str, report: Report) -> None:
    for field in ("InputPath", "OutputPath"):
        if field in state and state[field] is not None and not is_path(state[field]):
            report.schema(
                f"The value for the field '{field}' must be a valid JSONPath", child(location, field)
            )
    if (
        "ResultPath" in state
        and state["ResultPath"] is not None
        and not is_input_reference_path(state["ResultPath"])
    ):
        message = "The value for the field 'ResultPath' must be a valid ReferencePath"
        report.schema(message, child(location, "ResultPath"))


def _check_reference_path_field(state: dict[str, JSON], field: str, location: str, report: Report) -> None:
    if field in state and not is_reference_path(state[field]):
        report.schema(
            f"The value for the field '{field}' must be a valid ReferencePath", child(location, field)
        )


def _check_payloads(
    state: dict[str, JSON], names: tuple[str, ...], location: str, report: Report, language: str
) -> None:
    """Check the payload fields that belong to the state's language (the others are refused)."""
    wrong = F.JSONPATH_ONLY_FIELDS if language == "JSONata" else F.JSONATA_ONLY_FIELDS
    for name in names:
        if name not in wrong:
            check_object_payload(state, name, location, report, language)


def _check_exclusive(state: dict[str, JSON], names: tuple[str, ...], location: str, report: Report) -> int:
    present = [name for name in names if name in state]
    if len(present) > 1:
        report.schema(f"Only one of these fields may be set: [{', '.join(present)}]", location)
    return len(present)


# --- per type -----------------------------------------------------------------------------


def _check_pass(state: dict[str, JSON], location: str, report: Report, language: str) -> None:
    _check_payloads(state, ("Parameters",), location, report, language)
    if language == "JSONPath" and "Result" in state and _has_dollar_keys(state["Result"]):
        message = "The Result of a Pass state is static: fields ending in '.$' are not evaluated"
        report.warning(PASS_RESULT_IS_STATIC, message, child(location, "Result"))


def _has_dollar_keys(value: JSON) -> bool:
    if isinstance(value, dict):
        return any(key.endswith(".$") or _has_dollar_keys(inner) for key, inner in value.items())
    if isinstance(value, list):
        return any(_has_dollar_keys(inner) for inner in value)
    return False


_STATES_RESOURCE = re.compile(r"[a-z0-9-]+(:[a-zA-Z0-9-]+)*:[a-zA-Z0-9]+(\.sync(:2)?|\.waitForTaskToken)?")
_ARN = re.compile(r"arn:aws[a-z-]*:(states|lambda):([a-z0-9-]*):(\d{12})?:(.+)")


def is_task_resource(resource: object) -> bool:
    """A Lambda function, an activity, or a ``arn:aws:states:::service:action`` integration."""
    if not isinstance(resource, str):
        return False
    match = _ARN.fullmatch(resource)
    if match is None:
        return False
    service, region, account, rest = match.groups()
    if service == "lambda":
        return (
            bool(region and account)
            and re.fullmatch(r"function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?", rest) is not None
        )
    if region and account:
        return re.fullmatch(r"activity:[A-Za-z0-9_.-]+", rest) is not None
    return not region and not account and _STATES_RESOURCE.fullmatch(rest) is not None


def _check_task(state: dict[str, JSON], location: str, report: Report, language: str) -> None:
    if "Resource" in state and not is_task_resource(state["Resource"]):
        message = (
            f"The resource provided {state['Resource']} is not recognized. The value is not a valid "
            "resource ARN, or the resource is not available in this region."
        )
        report.error(INVALID_RESOURCE, message, child(location, "Resource"))
    for seconds in ("TimeoutSeconds", "HeartbeatSeconds"):
        _check_exclusive(state, (seconds, f"{seconds}Path"), location, report)
        check_integer(state, seconds, location, report, minimum=1, maximum=F.MAX_SECONDS, language=language)
        _check_reference_path_field(state, f"{seconds}Path", location, report)
    timeout, heartbeat = state.get("TimeoutSeconds"), state.get("HeartbeatSeconds")
    if (
        isinstance(timeout, int)
        and isinstance(heartbeat, int)
        and is_integer(timeout)
        and heartbeat >= timeout
    ):
        message = "The value for the field 'HeartbeatSeconds' must be smaller than the field 'TimeoutSeconds'"
        report.schema(message, child(location, "HeartbeatSeconds"))
    _check_payloads(
        state, ("Parameters", "ResultSelector", "Credentials", "Arguments"), location, report, language
    )
    check_retry(state, location, report)
    check_catch(state, location, report, language)


def _check_choice(state: dict[str, JSON], location: str, report: Report, language: str) -> None:
    check_choices(state, location, report, language)
    check_string(state, "Default", location, report)


_WAIT_FIELDS = ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")


def _check_wait(state: dict[str, JSON], location: str, report: Report, language: str) -> None:
    if _check_exclusive(state, _WAIT_FIELDS, location, report) == 0:
        report.schema(f"One of these fields is required: [{', '.join(_WAIT_FIELDS)}]", location)
    check_integer(state, "Seconds", location, report, minimum=0, maximum=F.MAX_SECONDS, language=language)
    if "Timestamp" in state:
        timestamp = state["Timestamp"]
        if language == "JSONata" and jsonata_body(timestamp) is not None:
            check_jsonata_strings(timestamp, child(location, "Timestamp"), report)
        elif not is_timestamp(timestamp):
            message = "The value for the field 'Timestamp' must be a timestamp such as 2016-03-14T01:59:00Z"
            report.schema(message, child(location, "Timestamp"))
    for path_field in ("SecondsPath", "TimestampPath"):
        _check_reference_path_field(state, path_field, location, report)


def _check_succeed(state: dict[str, JSON], location: str, report: Report, language: str) -> None:
    """Succeed has no fields of its own beyond the common ones."""


def _check_fail(state: dict[str, JSON], location: str, report: Report, language: str) -> None:
    for field in ("Error", "Cause"):
        _check_exclusive(state, (field, f"{field}Path"), location, report)
        if field in state:
            value = state[field]
            if language == "JSONata" and jsonata_body(value) is not None:
                check_jsonata_strings(value, child(location, field), report)
            elif not isinstance(value, str):
                report.schema(f"The value for the field '{field}' must be a STRING", child(location, field))
            elif language == "JSONPath" and looks_dynamic(value):
                message = f"The value for the field '{field}' looks like a path, but " + (
                    "the field name does not end with 'Path'"
                )
                report.warning(NO_PATH, message, child(location, field))
        path_field = f"{field}Path"
        if path_field in state and not is_path_or_intrinsic(state[path_field]):
            message = (
                f"The value for the field '{path_field}' must be a valid JSONPath "
                "or a valid intrinsic function call"
            )
            report.schema(message, child(location, path_field))


def _check_parallel(state: dict[str, JSON], location: str, report: Report, language: str) -> None:
    if "Branches" in state:
        branches = state["Branches"]
        if not isinstance(branches, list) or not branches or not all(isinstance(b, dict) for b in branches):
            message = "The value for the field 'Branches' must be a non-empty ARRAY of OBJECTs"
            report.schema(message, child(location, "Branches"))
    _check_payloads(state, ("Parameters", "ResultSelector", "Arguments"), location, report, language)
    check_retry(state, location, report)
    check_catch(state, location, report, language)


_MAP_LIMITS = (
    ("MaxConcurrency", 0, None),
    ("ToleratedFailureCount", 0, None),
    ("ToleratedFailurePercentage", 0, 100),
)


def _check_map(state: dict[str, JSON], location: str, report: Report, language: str) -> None:
    processors = _check_exclusive(state, ("ItemProcessor", "Iterator"), location, report)
    if processors == 0:
        report.schema("These fields are required: [ItemProcessor]", location)
    for processor in ("ItemProcessor", "Iterator"):
        if processor in state and not isinstance(state[processor], dict):
            report.schema(
                f"The value for the field '{processor}' must be an OBJECT", child(location, processor)
            )
    for field, minimum, maximum in _MAP_LIMITS:
        _check_exclusive(state, (field, f"{field}Path"), location, report)
        if field == "ToleratedFailurePercentage":
            check_number(state, field, location, report, minimum=minimum, maximum=maximum, language=language)
        else:
            check_integer(
                state, field, location, report, minimum=minimum, maximum=F.MAX_SECONDS, language=language
            )
        _check_reference_path_field(state, f"{field}Path", location, report)
    _check_reference_path_field(state, "ItemsPath", location, report)
    if "Items" in state and language == "JSONata":
        items = state["Items"]
        if not isinstance(items, list) and jsonata_body(items) is None:
            message = "The value for the field 'Items' must be an ARRAY or a JSONata expression"
            report.schema(message, child(location, "Items"))
        check_jsonata_strings(items, child(location, "Items"), report)
    _check_payloads(state, ("ItemSelector", "Parameters", "ResultSelector"), location, report, language)
    check_distributed_fields(state, location, report, language)
    check_retry(state, location, report)
    check_catch(state, location, report, language)


def check_processor_config(processor: dict[str, JSON], location: str, report: Report) -> None:
    """``ItemProcessor.ProcessorConfig``: Mode INLINE or DISTRIBUTED (EXPRESS/STANDARD children)."""
    if "ProcessorConfig" not in processor:
        return
    config = processor["ProcessorConfig"]
    config_location = child(location, "ProcessorConfig")
    if not isinstance(config, dict):
        report.schema("The value for the field 'ProcessorConfig' must be an OBJECT", config_location)
        return
    for key in config:
        if key not in ("Mode", "ExecutionType"):
            report.schema(f'The field "{key}" is not supported by Step Functions', config_location)
    check_enum(config, "Mode", ("INLINE", "DISTRIBUTED"), config_location, report)
    check_enum(config, "ExecutionType", ("STANDARD", "EXPRESS"), config_location, report)
    if config.get("Mode") == "DISTRIBUTED" and "ExecutionType" not in config:
        report.schema("These fields are required: [ExecutionType]", config_location)


_TYPE_CHECKS = {
    "Pass": _check_pass,
    "Task": _check_task,
    "Choice": _check_choice,
    "Wait": _check_wait,
    "Succeed": _check_succeed,
    "Fail": _check_fail,
    "Parallel": _check_parallel,
    "Map": _check_map,
}
