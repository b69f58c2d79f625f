"""EventBridge's tagging: TagResource, UntagResource and ListTagsForResource ("In EventBridge,
rules and event buses can be tagged", Amazon EventBridge API Reference), and the Tags that
CreateEventBus and PutRule take.

A resource is named by its ARN: ``event-bus/<name>``, or ``rule/<name>`` for a rule on the
default bus and ``rule/<bus>/<name>`` for one on another (``core.arns.rule_arn``). PutRule's
Tags apply when it creates the rule, not when it replaces one (PutRule: "When you initially
create a rule, you can optionally assign one or more tags"; TagResource and UntagResource
change them later). An archive's managed rule takes no tags: AWS owns it (events.managed_rules).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from workbench.accounts.models import Workspace
from workbench.core import tags as core_tags
from workbench.core.errors import ResourceNotFound, ValidationError
from workbench.events import managed_rules
from workbench.events.models import EventBus, Rule
from workbench.events.services import DEFAULT_BUS, get_bus, get_rule

MAX_TAGS = 50
"""Tags one resource may have (TagResource: "You can associate as many as 50 tags")."""


def resource(workspace: Workspace, arn: Any) -> EventBus | Rule:
    """The rule or event bus an ARN of this workspace names."""
    prefix = f"arn:aws:events:{workspace.region}:{workspace.account_id}:"
    if not isinstance(arn, str) or not arn.startswith(prefix):
        raise ResourceNotFound(f"Resource {arn} does not exist.")
    kind, _, path = arn[len(prefix) :].partition("/")
    if kind == "event-bus" and path:
        return get_bus(workspace, path)
    if kind == "rule" and path:
        bus_name, _, name = path.rpartition("/")
        return get_rule(workspace, name, bus_name or DEFAULT_BUS)
    raise ResourceNotFound(f"Resource {arn} does not exist.")


def tag(workspace: Workspace, arn: Any, tags: Any) -> None:
    """TagResource."""
    found = resource(workspace, arn)
    if isinstance(found, Rule):
        managed_rules.refuse_change(found)
    changed = core_tags.merged(found.tags, core_tags.checked(tags))
    if len(changed) > MAX_TAGS:
        raise ValidationError(f"Parameter Tags is not valid. Reason: a resource has at most {MAX_TAGS} tags.")
    _save(found, changed)


def untag(workspace: Workspace, arn: Any, keys: Any) -> None:
    """UntagResource."""
    found = resource(workspace, arn)
    if isinstance(found, Rule):
        managed_rules.refuse_change(found)
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise ValidationError("Parameter TagKeys is not valid.")
    _save(found, core_tags.without(found.tags, keys))


def listed(workspace: Workspace, arn: Any) -> core_tags.Tags:
    """ListTagsForResource."""
    return list(resource(workspace, arn).tags)


def _save(found: EventBus | Rule, tags: core_tags.Tags) -> None:
    found.tags = tags
    if isinstance(found, EventBus):
        found.updated = timezone.now()
        found.save(update_fields=["tags", "updated"])
    else:
        found.save(update_fields=["tags"])
