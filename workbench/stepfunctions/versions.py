"""State machine versions and aliases as AWS defines them, with AWS's refusals.

A version is an immutable, numbered snapshot of a machine's current revision
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-version.html):
PublishStateMachineVersion is idempotent for a revision already published, refuses a
``revisionId`` that is no longer current (ConflictException), allows 1000 versions per machine
and never reuses a deleted version's number. An alias routes executions to one or two versions
by weight, the weights summing to 100
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-alias.html); a
version an alias routes to cannot be deleted. ARNs: ``...:stateMachine:<name>:<number>`` for a
version, ``...:stateMachine:<name>:<alias>`` for an alias (an alias name always has a letter, ``_``,
``-`` or ``.``, so the two never collide). Messages follow AWS's recorded answers (LocalStack's
AWS snapshots test_sfn_api_versioning.snapshot.json and test_sfn_api_aliasing.snapshot.json).

Starting an execution through a version or an alias is resolved here (``start_target``);
runtime.executions starts it.
"""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from workbench.accounts.models import Workspace
from workbench.core.arns import Arn
from workbench.core.errors import ValidationError, invalid, max_length, min_length, pattern
from workbench.core.prepared import Prepared
from workbench.stepfunctions.errors import (
    ConflictException,
    InvalidArn,
    ResourceNotFound,
    ServiceQuotaExceeded,
    StateMachineDoesNotExist,
)
from workbench.stepfunctions.models import StateMachine, StateMachineAlias, StateMachineVersion

MAX_VERSIONS = 1000
"""Versions per state machine (PublishStateMachineVersion: "You can publish up to 1000 versions")."""
MAX_ALIASES = 100
"""Aliases per state machine (CreateStateMachineAlias: "You can create up to 100 aliases")."""
INITIAL_REVISION = "INITIAL"
"""The revisionId that names a machine's first revision, which has no revision ID of its own."""
NOT_FOUND = "Request references a resource that does not exist."

ALIAS_NAME_PATTERN = r"^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$"
"""botocore's CharacterRestrictedName: at least one character that is not a digit."""

_random = random.SystemRandom()


@dataclass(frozen=True)
class StartTarget:
    """What a StartExecution ARN names: the machine, and the version and alias it went through."""

    machine: StateMachine
    version: StateMachineVersion | None = None
    alias: StateMachineAlias | None = None

    @property
    def definition(self) -> str:
        return self.version.definition if self.version is not None else self.machine.definition


def split_arn(arn: Any) -> tuple[str, str | None]:
    """A state machine ARN's machine name and its qualifier (a version number or an alias name)."""
    parsed = Arn.parse(arn) if isinstance(arn, str) else None
    if parsed is None or parsed.service != "states" or not parsed.resource.startswith("stateMachine:"):
        raise InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
    parts = parsed.resource.split(":")
    if len(parts) > 3 or not parts[1]:
        raise InvalidArn(f"Invalid Arn: '{arn}'")
    return parts[1], (parts[2] if len(parts) == 3 else None)


# The machine lookup of every StartExecution and every state machine target (see
# core/prepared.py); it goes by a unique index, so no ORDER BY is needed.
MACHINE_BY_NAME: Prepared[StateMachine] = Prepared(
    lambda workspace_id, name: StateMachine.objects.filter(workspace_id=workspace_id, name=name).order_by()[
        :1
    ],
    int,
    str,
)


def _machine(workspace: Workspace, name: str, arn: str) -> StateMachine:
    parsed = Arn.parse(arn)
    machine = MACHINE_BY_NAME.first(workspace.id, name)
    if machine is None or parsed is None or parsed.account != workspace.account_id:
        raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
    machine.workspace = workspace  # the caller's, with what it already loaded (its clock)
    return machine


def is_version(qualifier: str | None) -> bool:
    return qualifier is not None and qualifier.isdigit()


def start_target(workspace: Workspace, arn: Any) -> StartTarget:
    """StartExecution's ``stateMachineArn``: the machine, one of its versions, or an alias, which
    picks one of its versions by weight."""
    name, qualifier = split_arn(arn)
    machine = _machine(workspace, name, arn)
    if qualifier is None:
        return StartTarget(machine)
    if is_version(qualifier):
        version = machine.versions.filter(number=int(qualifier)).first()
        if version is None:
            raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
        version.machine = machine
        return StartTarget(machine, version)
    alias = machine.aliases.filter(name=qualifier).first()
    if alias is None:
        raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
    alias.machine = machine
    number = choose_version(alias.routing, _random.random())
    version = machine.versions.get(number=number)
    version.machine = machine
    return StartTarget(machine, version, alias)


def choose_version(routing: list[dict[str, int]], draw: float) -> int:
    """The version an alias sends one execution to: ``draw`` in [0, 1) falls in one weight's share."""
    point = draw * 100
    for route in routing:
        if point < route["weight"]:
            return route["version"]
        point -= route["weight"]
    return next(route["version"] for route in reversed(routing) if route["weight"] > 0)


# -- versions ---------------------------------------------------------------------------------


def new_revision(machine: StateMachine) -> None:
    """An update changed the definition or role: the machine is at a new revision."""
    machine.revision_id = str(uuid.uuid4())


def publish_version(
    machine: StateMachine, *, description: str | None = None, revision_id: str | None = None
) -> StateMachineVersion:
    """PublishStateMachineVersion (also CreateStateMachine/UpdateStateMachine with ``publish``)."""
    with transaction.atomic():
        locked = StateMachine.objects.select_for_update().get(id=machine.id)
        current = locked.revision_id or INITIAL_REVISION
        if revision_id is not None and revision_id != current:
            raise ConflictException(
                f"Failed to publish the State Machine version for revision {revision_id}. "
                f"The current State Machine revision is {current}."
            )
        latest = locked.versions.order_by("-number").first()
        if (
            latest is not None
            and latest.revision_id == locked.revision_id
            and latest.definition == locked.definition
            and latest.role_arn == locked.role_arn
        ):
            latest.machine = machine
            return latest  # this revision is already published: the same version again
        if locked.versions.count() >= MAX_VERSIONS:
            raise ServiceQuotaExceeded(
                f"Failed to publish a version: the state machine has the maximum of {MAX_VERSIONS} versions"
            )
        locked.last_version += 1
        locked.save(update_fields=["last_version"])
        version = StateMachineVersion.objects.create(
            machine=locked,
            number=locked.last_version,
            definition=locked.definition,
            role_arn=locked.role_arn,
            description=description or "",
            revision_id=locked.revision_id,
            created=timezone.now(),
        )
    machine.last_version = version.number
    version.machine = machine
    return version


def versions_of(machine: StateMachine) -> QuerySet[StateMachineVersion]:
    """ListStateMachineVersions: newest first."""
    return machine.versions.order_by("-number", "-id")


def get_version(workspace: Workspace, arn: Any) -> StateMachineVersion:
    """DescribeStateMachine on a version ARN."""
    name, qualifier = split_arn(arn)
    if not is_version(qualifier):
        raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
    machine = _machine(workspace, name, arn)
    version = machine.versions.filter(number=int(qualifier or 0)).first()
    if version is None:
        raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
    version.machine = machine
    return version


def delete_version(workspace: Workspace, arn: Any) -> None:
    """DeleteStateMachineVersion: gone already is success; a version an alias routes to stays."""
    name, qualifier = split_arn(arn)
    if not is_version(qualifier):
        raise ValidationError(f"Invalid State Machine Version Arn: '{arn}'")
    machine = StateMachine.objects.filter(workspace=workspace, name=name).first()
    if machine is None:
        return
    number = int(qualifier or 0)
    with transaction.atomic():
        StateMachine.objects.select_for_update().filter(id=machine.id).first()
        routed = [alias.name for alias in machine.aliases.all() if _routes_to(alias, number)]
        if routed:
            raise ConflictException(
                "Version to be deleted must not be referenced by an alias. Current list of aliases "
                f"referencing this version: [{', '.join(routed)}]"
            )
        machine.versions.filter(number=number).delete()


def _routes_to(alias: StateMachineAlias, number: int) -> bool:
    return any(route["version"] == number for route in alias.routing)


# -- aliases ----------------------------------------------------------------------------------


def check_alias_name(name: str) -> None:
    """CreateStateMachineAlias's name constraints, for callers the API's model check does not
    cover (the browser), with the same messages."""
    if len(name) < 1:
        raise invalid("name", min_length(1), name)
    if len(name) > 80:
        raise invalid("name", max_length(80), name)
    if not re.match(ALIAS_NAME_PATTERN, name):
        raise invalid("name", pattern(ALIAS_NAME_PATTERN), name)


def _routing(workspace: Workspace, routing: Any) -> tuple[StateMachine, list[dict[str, int]]]:
    """A routingConfiguration checked as AWS checks it (its list length, each weight's range and
    the members' types are checked from botocore's model before this runs)."""
    arns = [route.get("stateMachineVersionArn") for route in routing]
    parsed: list[tuple[str, str | None]] = []
    for arn in arns:
        try:
            parsed.append(split_arn(arn))
        except InvalidArn:
            parsed.append(("", None))
    if not all(is_version(qualifier) for _, qualifier in parsed):
        raise ValidationError(
            "Routing configuration must contain state machine version ARNs. "
            f"Received: [{', '.join(map(str, arns))}]"
        )
    if len(set(arns)) != len(arns):
        raise ValidationError(
            "Routing configuration must contain distinct state machine version ARNs. "
            f"Received: [{', '.join(map(str, arns))}]"
        )
    weights = [route.get("weight") for route in routing]
    if sum(w for w in weights if isinstance(w, int)) != 100:
        raise ValidationError(
            f"Sum of routing configuration weights must equal 100. Received: [{', '.join(map(str, weights))}]"
        )
    names = {name for name, _ in parsed}
    if len(names) != 1:
        # Our wording: AWS's answer to versions of two machines is not recorded.
        raise ValidationError(
            "Routing configuration must contain versions of one state machine. "
            f"Received: [{', '.join(map(str, arns))}]"
        )
    try:
        machine = _machine(workspace, names.pop(), str(arns[0]))
    except StateMachineDoesNotExist:
        raise ResourceNotFound(NOT_FOUND) from None
    numbers = [int(qualifier or 0) for _, qualifier in parsed]
    if machine.versions.filter(number__in=numbers).count() != len(numbers):
        raise ResourceNotFound(NOT_FOUND)
    return machine, [
        {"version": number, "weight": weight} for number, weight in zip(numbers, weights, strict=True)
    ]


def create_alias(
    workspace: Workspace, *, name: str, description: str | None, routing: Any
) -> StateMachineAlias:
    """CreateStateMachineAlias: idempotent for the same description and routing, else a conflict."""
    machine, routes = _routing(workspace, routing)
    now = timezone.now()
    with transaction.atomic():
        StateMachine.objects.select_for_update().filter(id=machine.id).first()
        existing = machine.aliases.filter(name=name).first()
        if existing is not None:
            if existing.routing == routes and existing.description == (description or ""):
                existing.machine = machine
                return existing
            raise ConflictException(
                "Failed to create alias because an alias with the same name and a different routing "
                "configuration already exists."
            )
        if machine.aliases.count() >= MAX_ALIASES:
            raise ServiceQuotaExceeded(
                f"Failed to create alias: the state machine has the maximum of {MAX_ALIASES} aliases"
            )
        alias = StateMachineAlias.objects.create(
            machine=machine,
            name=name,
            description=description or "",
            routing=routes,
            created=now,
            updated=now,
        )
    alias.machine = machine
    return alias


def get_alias(workspace: Workspace, arn: Any) -> StateMachineAlias:
    name, qualifier = split_arn(arn)
    if qualifier is None or is_version(qualifier):
        raise InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
    alias = (
        StateMachineAlias.objects.filter(machine__workspace=workspace, machine__name=name, name=qualifier)
        .select_related("machine__workspace")
        .first()
    )
    if alias is None:
        raise ResourceNotFound(NOT_FOUND)
    return alias


def update_alias(
    workspace: Workspace, arn: Any, *, description: str | None, routing: Any
) -> StateMachineAlias:
    """UpdateStateMachineAlias: a new description, routing or both."""
    if description is None and routing is None:
        # Our wording: AWS's is not recorded.
        raise ValidationError("Either the description or the routing configuration must be specified")
    alias = get_alias(workspace, arn)
    with transaction.atomic():
        if routing is not None:
            machine, routes = _routing(workspace, routing)
            if machine.id != alias.machine_id:
                raise ValidationError(
                    "Routing configuration must contain versions of the alias's state machine. "
                    f"Received: [{', '.join(str(r.get('stateMachineVersionArn')) for r in routing)}]"
                )
            alias.routing = routes
        if description is not None:
            alias.description = description
        alias.updated = timezone.now()
        alias.save(update_fields=["routing", "description", "updated"])
    return alias


def delete_alias(workspace: Workspace, arn: Any) -> None:
    """DeleteStateMachineAlias: an alias that is already gone is success, as AWS answers."""
    try:
        alias = get_alias(workspace, arn)
    except ResourceNotFound:
        return
    alias.delete()


def aliases_of(workspace: Workspace, arn: Any) -> QuerySet[StateMachineAlias]:
    """ListStateMachineAliases: a machine's aliases, or with a version ARN those routing to it."""
    name, qualifier = split_arn(arn)
    if qualifier is not None and not is_version(qualifier):
        raise InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
    machine = _machine(workspace, name, arn)
    aliases = machine.aliases.select_related("machine__workspace").order_by("created", "id")
    if qualifier is None:
        return aliases
    number = int(qualifier)
    if not machine.versions.filter(number=number).exists():
        raise ResourceNotFound(NOT_FOUND)
    return aliases.filter(id__in=[alias.id for alias in aliases if _routes_to(alias, number)])
