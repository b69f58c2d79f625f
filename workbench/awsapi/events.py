"""Amazon EventBridge over JSON 1.1 (``AWSEvents.<Operation>``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workbench.accounts.models import Workspace
from workbench.awsapi.protocol import Service, register, required
from workbench.core.errors import ValidationError
from workbench.core.jsonio import epoch
from workbench.core.paging import page
from workbench.events import archives, bus_policies, replays, tags
from workbench.events import services as events
from workbench.events.models import Archive, EventBus, Replay, Rule
from workbench.events.target_editor import target_entry
from workbench.runtime import routing, schedules

api = register(Service("AWSEvents", "application/x-amz-json-1.1"))


def _bus_settings(bus: EventBus) -> dict[str, Any]:
    """The bus's optional members, as CreateEventBus, UpdateEventBus and DescribeEventBus answer them."""
    settings: dict[str, Any] = {}
    if bus.description:
        settings["Description"] = bus.description
    if bus.dead_letter_arn:
        settings["DeadLetterConfig"] = {"Arn": bus.dead_letter_arn}
    if bus.log_config:
        settings["LogConfig"] = bus.log_config
    return settings


def _bus_shape(bus: EventBus) -> dict[str, Any]:
    shaped = {
        "Name": bus.name,
        "Arn": bus.arn,
        "CreationTime": epoch(bus.created),
        "LastModifiedTime": epoch(bus.updated),
        **_bus_settings(bus),
    }
    if bus.policy:
        shaped["Policy"] = bus.policy
    return shaped


def _rule_shape(rule: Rule) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "Name": rule.name,
        "Arn": rule.arn,
        "State": rule.state,
        "EventBusName": rule.bus.name,
    }
    for key, value in (
        ("EventPattern", rule.event_pattern),
        ("ScheduleExpression", rule.schedule_expression),
        ("Description", rule.description),
        ("RoleArn", rule.role_arn),
        ("ManagedBy", rule.managed_by or None),
    ):
        if value is not None:
            shaped[key] = value
    return shaped


def _paged(key: str, items: Any, params: dict[str, Any]) -> dict[str, Any]:
    chosen, token = page(items, params.get("NextToken"), params.get("Limit"))
    result: dict[str, Any] = {key: chosen}
    if token:
        result["NextToken"] = token
    return result


@api.operation("CreateEventBus")
def create_event_bus(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    bus = events.create_bus(
        ws,
        required(params, "Name"),
        params.get("Description") or "",
        (params.get("DeadLetterConfig") or {}).get("Arn"),
        params.get("LogConfig"),
        params.get("Tags"),
    )
    return {"EventBusArn": bus.arn, **_bus_settings(bus)}


@api.operation("UpdateEventBus")
def update_event_bus(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    bus = events.update_bus(
        ws,
        params.get("Name"),
        params.get("Description"),
        params.get("DeadLetterConfig"),
        params.get("LogConfig"),
    )
    return {"Arn": bus.arn, "Name": bus.name, **_bus_settings(bus)}


@api.operation("DescribeEventBus")
def describe_event_bus(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    return _bus_shape(events.get_bus(ws, params.get("Name")))


@api.operation("ListEventBuses")
def list_event_buses(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    result = _paged("EventBuses", events.list_buses(ws, params.get("NamePrefix")), params)
    result["EventBuses"] = [_bus_shape(bus) for bus in result["EventBuses"]]
    return result


@api.operation("PutPermission")
def put_permission(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    bus_policies.put_permission(events.get_bus(ws, params.get("EventBusName")), params)
    return {}


@api.operation("RemovePermission")
def remove_permission(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    bus = events.get_bus(ws, params.get("EventBusName"))
    bus_policies.remove_permission(bus, params.get("StatementId"), params.get("RemoveAllPermissions") is True)
    return {}


@api.operation("DeleteEventBus")
def delete_event_bus(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    events.delete_bus(ws, required(params, "Name"))
    return {}


@api.operation("PutRule")
def put_rule(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    rule = events.put_rule(
        ws,
        name=required(params, "Name"),
        bus_name=params.get("EventBusName"),
        event_pattern=params.get("EventPattern"),
        schedule_expression=params.get("ScheduleExpression"),
        state=params.get("State"),
        description=params.get("Description"),
        role_arn=params.get("RoleArn"),
        tags=params.get("Tags"),
    )
    schedules.arm(rule)  # a scheduled rule's first timer now, not at the next sweep
    return {"RuleArn": rule.arn}


@api.operation("TagResource")
def tag_resource(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    tags.tag(ws, required(params, "ResourceARN"), required(params, "Tags"))
    return {}


@api.operation("UntagResource")
def untag_resource(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    tags.untag(ws, required(params, "ResourceARN"), required(params, "TagKeys"))
    return {}


@api.operation("ListTagsForResource")
def list_tags_for_resource(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    return {"Tags": tags.listed(ws, required(params, "ResourceARN"))}


@api.operation("ListRuleNamesByTarget")
def list_rule_names_by_target(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """The names of the bus's rules with a target of this ARN, by name, paged as ListRules."""
    bus = events.get_bus(ws, params.get("EventBusName"))
    target_arn = required(params, "TargetArn")
    if not isinstance(target_arn, str):
        raise ValidationError("Parameter TargetArn is not valid.")
    names = bus.rules.filter(targets__arn=target_arn).values_list("name", flat=True)
    return _paged("RuleNames", sorted(set(names)), params)


@api.operation("DescribeRule")
def describe_rule(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    rule = events.get_rule(ws, required(params, "Name"), params.get("EventBusName"))
    shaped = _rule_shape(rule)
    shaped["CreatedBy"] = ws.account_id
    return shaped


@api.operation("ListRules")
def list_rules(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    bus = events.get_bus(ws, params.get("EventBusName"))
    rules = bus.rules.select_related("bus__workspace").order_by("name")
    if params.get("NamePrefix"):
        rules = rules.filter(name__startswith=params["NamePrefix"])
    result = _paged("Rules", rules, params)
    result["Rules"] = [_rule_shape(rule) for rule in result["Rules"]]
    return result


@api.operation("DeleteRule")
def delete_rule(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    events.delete_rule(ws, required(params, "Name"), params.get("EventBusName"), bool(params.get("Force")))
    return {}


@api.operation("EnableRule")
def enable_rule(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    rule = events.set_rule_state(ws, required(params, "Name"), params.get("EventBusName"), Rule.ENABLED)
    schedules.arm(rule)
    return {}


@api.operation("DisableRule")
def disable_rule(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    events.set_rule_state(ws, required(params, "Name"), params.get("EventBusName"), Rule.DISABLED)
    return {}


@api.operation("PutTargets")
def put_targets(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    failed = events.put_targets(
        ws, required(params, "Rule"), params.get("EventBusName"), required(params, "Targets")
    )
    return {"FailedEntryCount": len(failed), "FailedEntries": failed}


@api.operation("ListTargetsByRule")
def list_targets_by_rule(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    rule = events.get_rule(ws, required(params, "Rule"), params.get("EventBusName"))
    result = _paged("Targets", rule.targets.order_by("target_id"), params)
    result["Targets"] = [target_entry(target) for target in result["Targets"]]
    return result


@api.operation("RemoveTargets")
def remove_targets(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    failed = events.remove_targets(
        ws,
        required(params, "Rule"),
        params.get("EventBusName"),
        required(params, "Ids"),
        bool(params.get("Force")),
    )
    return {"FailedEntryCount": len(failed), "FailedEntries": failed}


@api.operation("PutEvents")
def put_events(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    results = routing.put_events(ws, required(params, "Entries"))
    return {"FailedEntryCount": sum(1 for r in results if "ErrorCode" in r), "Entries": results}


@api.operation("TestEventPattern")
def test_event_pattern(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    return {"Result": events.test_event_pattern(required(params, "EventPattern"), required(params, "Event"))}


def _archive_shape(archive: Archive, *, full: bool = False) -> dict[str, Any]:
    """An Archive of ListArchives, or with ``full`` the answer of DescribeArchive."""
    count, size = archives.counts(archive)
    shaped: dict[str, Any] = {
        "ArchiveName": archive.name,
        "EventSourceArn": archive.bus.arn,
        "State": archive.state,
        **({"StateReason": archive.state_reason} if archive.state_reason else {}),
        "RetentionDays": archive.retention_days,
        "SizeBytes": size,
        "EventCount": count,
        "CreationTime": epoch(archive.created),
    }
    if full:
        shaped["ArchiveArn"] = archive.arn
        if archive.description:
            shaped["Description"] = archive.description
        if archive.event_pattern is not None:
            shaped["EventPattern"] = archive.event_pattern
    return shaped


def _replay_shape(replay: Replay, *, full: bool = False) -> dict[str, Any]:
    """A Replay of ListReplays, or with ``full`` the answer of DescribeReplay."""
    shaped: dict[str, Any] = {
        "ReplayName": replay.name,
        "EventSourceArn": replay.archive_arn,
        "State": replay.state,
        "EventStartTime": epoch(replay.event_start_time),
        "EventEndTime": epoch(replay.event_end_time),
        "ReplayStartTime": epoch(replay.replay_start_time),
    }
    for key, value in (
        ("StateReason", replay.state_reason),
        ("EventLastReplayedTime", epoch(replay.last_replayed_time)),
        ("ReplayEndTime", epoch(replay.replay_end_time)),
    ):
        if value:
            shaped[key] = value
    if full:
        shaped["ReplayArn"] = replay.arn
        destination: dict[str, Any] = {"Arn": replay.destination_arn}
        if replay.filter_arns:
            destination["FilterArns"] = list(replay.filter_arns)
        shaped["Destination"] = destination
        if replay.description:
            shaped["Description"] = replay.description
    return shaped


def _moment(params: dict[str, Any], key: str) -> datetime:
    """A timestamp member (epoch seconds once validated) as a datetime; one out of range is
    AWS's ValidationException, not a fault."""
    value = required(params, key)
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValidationError(f"Parameter {key} is not valid. Reason: {value} is out of range.") from exc


@api.operation("CreateArchive")
def create_archive(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    archive = archives.create_archive(
        ws,
        name=required(params, "ArchiveName"),
        source_arn=required(params, "EventSourceArn"),
        description=params.get("Description"),
        event_pattern=params.get("EventPattern"),
        retention_days=params.get("RetentionDays"),
    )
    return {"ArchiveArn": archive.arn, "State": archive.state, "CreationTime": epoch(archive.created)}


@api.operation("DescribeArchive")
def describe_archive(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    return _archive_shape(archives.get_archive(ws, required(params, "ArchiveName")), full=True)


@api.operation("ListArchives")
def list_archives(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    found = archives.list_archives(
        ws, params.get("NamePrefix"), params.get("EventSourceArn"), params.get("State")
    )
    result = _paged("Archives", found, params)
    result["Archives"] = [_archive_shape(archive) for archive in result["Archives"]]
    return result


@api.operation("UpdateArchive")
def update_archive(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    archive = archives.update_archive(
        ws,
        required(params, "ArchiveName"),
        description=params.get("Description"),
        event_pattern=params.get("EventPattern"),
        retention_days=params.get("RetentionDays"),
    )
    return {"ArchiveArn": archive.arn, "State": archive.state, "CreationTime": epoch(archive.created)}


@api.operation("DeleteArchive")
def delete_archive(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    archives.delete_archive(ws, required(params, "ArchiveName"))
    return {}


@api.operation("StartReplay")
def start_replay(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    replay = routing.start_replay(
        ws,
        name=required(params, "ReplayName"),
        source_arn=required(params, "EventSourceArn"),
        start=_moment(params, "EventStartTime"),
        end=_moment(params, "EventEndTime"),
        destination=required(params, "Destination"),
        description=params.get("Description"),
    )
    return {
        "ReplayArn": replay.arn,
        "State": replay.state,
        "ReplayStartTime": epoch(replay.replay_start_time),
    }


@api.operation("DescribeReplay")
def describe_replay(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    return _replay_shape(replays.get_replay(ws, required(params, "ReplayName")), full=True)


@api.operation("CancelReplay")
def cancel_replay(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    replay = routing.cancel_replay(ws, required(params, "ReplayName"))
    return {"ReplayArn": replay.arn, "State": replay.state}


@api.operation("ListReplays")
def list_replays(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    found = replays.list_replays(
        ws, params.get("NamePrefix"), params.get("State"), params.get("EventSourceArn")
    )
    result = _paged("Replays", found, params)
    result["Replays"] = [_replay_shape(replay) for replay in result["Replays"]]
    return result
