"""The walk over a whole definition: top level, then every Parallel branch and Map processor.

Schema findings come first, in document order; graph findings (targets, terminal states,
reachability) follow, scope by scope, as AWS lists them. State names must be unique across
the whole machine, branches included (States Language spec: "State names MUST be unique
within the scope of the whole state machine").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.states.model import JSON
from engine.states.validation import fields as F
from engine.states.validation.distributed_checks import check_unique_labels
from engine.states.validation.graph import check_scope
from engine.states.validation.parsing import ParsedDefinition
from engine.states.validation.report import (
    DUPLICATE_STATE_NAME,
    INVALID_STATE_NAME,
    TOO_DEEPLY_NESTED,
    Report,
    child,
    item,
)
from engine.states.validation.state_checks import check_processor_config, check_state
from engine.states.validation.values import check_enum, check_integer

MAX_STATE_NESTING = 40
"""Our bound on Parallel/Map levels inside one another (AWS publishes none)."""


@dataclass
class _Walk:
    report: Report
    graph: Report
    top_language: str
    duplicate_keys: dict[int, list[str]]
    names: dict[str, str] = field(default_factory=dict)


def check_document(parsed: ParsedDefinition, report: Report) -> None:
    """Validate a parsed definition object, adding every finding to ``report``."""
    document = parsed.document
    assert isinstance(document, dict)
    _check_container_fields(document, F.TOP_LEVEL_FIELDS, "", report)
    check_enum(document, "QueryLanguage", F.QUERY_LANGUAGES, "", report)
    for text_field in ("Comment", "Version"):
        if text_field in document and not isinstance(document[text_field], str):
            report.schema(f"The value for the field '{text_field}' must be a STRING", child("", text_field))
    check_integer(document, "TimeoutSeconds", "", report, minimum=1, maximum=F.MAX_SECONDS)
    top_language = "JSONata" if document.get("QueryLanguage") == "JSONata" else "JSONPath"
    walk = _Walk(
        report=report, graph=Report(), top_language=top_language, duplicate_keys=parsed.duplicate_keys
    )
    _check_machine(document, "", walk, depth=0)
    check_unique_labels(document, report)
    report.diagnostics.extend(walk.graph.diagnostics)


def _check_container_fields(
    container: dict[str, JSON], allowed: frozenset[str], location: str, report: Report
) -> None:
    for key in container:
        if key in allowed:
            continue
        if key in F.TOP_LEVEL_FIELDS | F.ITEM_PROCESSOR_FIELDS:
            report.schema(f"Field '{key}' is not supported", location or "/")
        else:
            report.schema(f'The field "{key}" is not supported by Step Functions', location or "/")


def _check_machine(machine: dict[str, JSON], location: str, walk: _Walk, depth: int) -> None:
    report = walk.report
    if "StartAt" not in machine:
        report.schema("These fields are required: [StartAt]", location or "/")
    elif not isinstance(machine["StartAt"], str) or not machine["StartAt"]:
        report.schema(
            "The value for the field 'StartAt' must be a non-empty STRING", child(location, "StartAt")
        )
    if "States" not in machine:
        report.schema("These fields are required: [States]", location or "/")
        return
    states = machine["States"]
    states_location = child(location, "States")
    if not isinstance(states, dict) or not states:
        report.schema(
            "The value for the field 'States' must be an OBJECT with at least one state", states_location
        )
        return
    for repeated in walk.duplicate_keys.get(id(states), []):
        report.error(
            DUPLICATE_STATE_NAME, f"Duplicate State name: {repeated}", child(states_location, repeated)
        )
    for name, state in states.items():
        _check_named_state(name, state, child(states_location, name), walk, depth)
    check_scope(machine, location, walk.graph)


def _check_named_state(name: str, state: JSON, location: str, walk: _Walk, depth: int) -> None:
    report = walk.report
    if not name or len(name) > F.MAX_STATE_NAME_LENGTH:
        message = f"State names must be from 1 to {F.MAX_STATE_NAME_LENGTH} characters long"
        report.error(INVALID_STATE_NAME, message, location)
    if name in walk.names:
        report.error(DUPLICATE_STATE_NAME, f"Duplicate State name: {name}", location)
    else:
        walk.names[name] = location
    state_type = check_state(state, location, report, walk.top_language)
    if not isinstance(state, dict):
        return
    for sub_location, sub_machine, allowed in _sub_machines(state_type, state, location):
        if depth + 1 > MAX_STATE_NESTING:
            message = f"Parallel and Map states are nested more than {MAX_STATE_NESTING} levels deep"
            report.error(TOO_DEEPLY_NESTED, message, sub_location)
            return
        _check_container_fields(sub_machine, allowed, sub_location, report)
        if allowed is F.ITEM_PROCESSOR_FIELDS:
            check_processor_config(sub_machine, sub_location, report)
        _check_machine(sub_machine, sub_location, walk, depth + 1)


def _sub_machines(
    state_type: str | None, state: dict[str, JSON], location: str
) -> list[tuple[str, dict[str, JSON], frozenset[str]]]:
    found: list[tuple[str, dict[str, JSON], frozenset[str]]] = []
    if state_type == "Parallel" and isinstance(state.get("Branches"), list):
        for index, branch in enumerate(state["Branches"]):
            if isinstance(branch, dict):
                found.append((item(child(location, "Branches"), index), branch, F.BRANCH_FIELDS))
    if state_type == "Map":
        # The legacy Iterator takes a ProcessorConfig too: AWS runs it INLINE or DISTRIBUTED (recorded
        # on AWS: localstack/localstack, tests/aws/services/stepfunctions/v2/scenarios/
        # test_base_scenarios.snapshot.json, test_map_state_legacy_config_inline|distributed[_*]).
        for processor in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(processor), dict):
                found.append((child(location, processor), state[processor], F.ITEM_PROCESSOR_FIELDS))
    return found
