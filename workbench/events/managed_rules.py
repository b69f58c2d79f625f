"""The rule EventBridge makes for each archive, ``Events-Archive-<archive>``, and the refusals
that keep it the archive's (Amazon EventBridge API Reference, ManagedRuleException: "This rule
was created by an Amazon Web Services service on behalf of your account... You cannot modify
these managed rules by using DisableRule, EnableRule, PutTargets, PutRule, TagResource, or
UntagResource"; DeleteRule and RemoveTargets take ``Force``).

What a recorded AWS run shows (ListRules, DescribeRule and ListTargetsByRule after
CreateArchive, us-east-1): the rule sits on the archive's bus, ``ManagedBy``
``prod.vhs.events.aws.internal``, its pattern the archive's with ``"replay-name": [{"exists":
false}]`` set at the top (compact, keys sorted), ENABLED, no Description; one target whose Id is
the rule's name, ARN ``arn:aws:events:<region>:::`` and an input transformer naming the archive.
UpdateArchive rewrites the pattern; DeleteArchive removes the rule; forcing its target off
disables the archive ("Managed rule for the archive was forcefully deleted."), and the next
UpdateArchive puts both back.

Here the rule is what the APIs and pages show: ``events.archives`` still decides what is
archived, and routing (``events.matchers``) leaves managed rules out.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from workbench.events import changes
from workbench.events.errors import ManagedRule
from workbench.events.models import Archive, Rule, Target

MANAGED_BY = "prod.vhs.events.aws.internal"
PREFIX = Rule.ARCHIVE_PREFIX
FORCED_OFF = "Managed rule for the archive was forcefully deleted."


def rule_name(archive: Archive) -> str:
    return PREFIX + archive.name


def rule_pattern(archive_pattern: str | None) -> str:
    """The managed rule's pattern: the archive's with replayed events left out."""
    pattern: dict[str, Any] = json.loads(archive_pattern) if archive_pattern else {}
    pattern["replay-name"] = [{"exists": False}]
    return json.dumps(pattern, separators=(",", ":"), sort_keys=True)


def put_rule_of(archive: Archive) -> Rule:
    """Create or rewrite the archive's rule and its one target (in the caller's transaction;
    the caller refreshes the bus's routing)."""
    name = rule_name(archive)
    rule, _ = Rule.objects.update_or_create(
        bus=archive.bus,
        name=name,
        defaults={
            "event_pattern": rule_pattern(archive.event_pattern),
            "schedule_expression": None,
            "state": Rule.ENABLED,
            "description": None,
            "role_arn": None,
            "managed_by": MANAGED_BY,
            "created": timezone.now(),
        },
    )
    template = (
        f'{{"archive-arn": "{archive.arn}:{archive.id}",'
        '"event": <aws.events.event.json>,"ingestion-time": <aws.events.event.ingestion-time>}'
    )
    Target.objects.update_or_create(
        rule=rule,
        target_id=name,
        defaults={
            "arn": f"arn:aws:events:{archive.workspace.region}:::",
            "input_transformer": {"InputPathsMap": {}, "InputTemplate": template},
        },
    )
    return rule


def refuse_change(rule: Rule, *, force: bool | None = None) -> None:
    """ManagedRuleException for a change to a managed rule: always for PutRule, EnableRule,
    DisableRule and PutTargets (``force`` None); for DeleteRule and RemoveTargets unless
    ``force``. AWS's messages, as recorded."""
    if not rule.managed_by or force:
        return
    if force is None:
        raise ManagedRule(f"{rule.name} is a managed rule.")
    raise ManagedRule(f"{rule.name} is a managed rule. Set 'force' parameter to true to override.")


def forced_off(rule: Rule) -> None:
    """A managed rule's target was forced off (or the rule deleted): its archive stops."""
    if rule.managed_archive:
        Archive.objects.filter(bus=rule.bus, name=rule.managed_archive).update(
            state=Archive.DISABLED, state_reason=FORCED_OFF
        )
        changes.changed(rule.bus.workspace_id, changes.ARCHIVES)
