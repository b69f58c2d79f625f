"""What the visual designer saves and imports: a design (definition source + Config) applied to a
machine through the services, drafts that are never applied, and machines found in templates.

Follows CreateStateMachine/UpdateStateMachine (loggingConfiguration, tracingConfiguration:
https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html) and
CloudFormation's AWS::StepFunctions::StateMachine (Definition, DefinitionString,
DefinitionS3Location, DefinitionSubstitutions:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-stepfunctions-statemachine.html)
and SAM's AWS::Serverless::StateMachine (Definition, DefinitionUri, DefinitionSubstitutions).
The machine's definition is the source with every ``${Name}`` filled; the source itself (with
the user's formatting and placeholders) is kept beside it so the designer reopens what was typed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from engine.states.definition import validate
from workbench.accounts.models import Workspace
from workbench.core.errors import AwsError, ValidationError, enum_value_set, invalid
from workbench.stepfunctions import services
from workbench.stepfunctions.errors import InvalidName
from workbench.stepfunctions.models import DesignRevision, Draft, StateMachine
from workbench.storage import services as storage

LOGGING_LEVELS = ("OFF", "ALL", "ERROR", "FATAL")
DEFAULT_ROLE = "arn:aws:iam::{account}:role/stepbridge-workbench"
MACHINE_TYPES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.:-]+)\}")


@dataclass
class Config:
    """The designer's Config mode: what CreateStateMachine takes besides the definition."""

    name: str
    type: str = StateMachine.STANDARD
    role_arn: str = ""
    logging_level: str = "OFF"
    include_execution_data: bool = False
    tracing_enabled: bool = False
    substitutions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_body(cls, body: Any) -> Config:
        """The Config member of a designer request, checked the way the API checks its members."""
        if not isinstance(body, dict):
            raise ValidationError("config must be a JSON object")
        level = body.get("loggingLevel") or "OFF"
        if level not in LOGGING_LEVELS:
            raise invalid("loggingConfiguration.level", enum_value_set(sorted(LOGGING_LEVELS)), level)
        substitutions = body.get("substitutions") or {}
        if not isinstance(substitutions, dict):
            raise ValidationError("substitutions must be an object of names to values")
        return cls(
            name=str(body.get("name") or ""),
            type=str(body.get("type") or StateMachine.STANDARD),
            role_arn=str(body.get("roleArn") or ""),
            logging_level=level,
            include_execution_data=bool(body.get("includeExecutionData")),
            tracing_enabled=bool(body.get("tracingEnabled")),
            substitutions={str(k): _substitution_text(v) for k, v in substitutions.items()},
        )

    def to_body(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "roleArn": self.role_arn,
            "loggingLevel": self.logging_level,
            "includeExecutionData": self.include_execution_data,
            "tracingEnabled": self.tracing_enabled,
            "substitutions": self.substitutions,
        }


def _substitution_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def machine_config(machine: StateMachine) -> Config:
    return Config(
        name=machine.name,
        type=machine.type,
        role_arn=machine.role_arn,
        logging_level=machine.logging_level,
        include_execution_data=machine.include_execution_data,
        tracing_enabled=machine.tracing_enabled,
        substitutions=dict(machine.definition_substitutions or {}),
    )


def machine_source(machine: StateMachine) -> str:
    """What the designer opens: the saved source if it still fills to the definition, else the definition.

    A machine changed through the API since the designer saved it opens as the API left it.
    """
    source = machine.design_source
    if source and fill_substitutions(source, machine.definition_substitutions or {}) == machine.definition:
        return source
    return machine.definition


def fill_substitutions(source: str, substitutions: dict[str, str]) -> str:
    """``${Name}`` replaced by its value, as CloudFormation fills DefinitionSubstitutions.

    A placeholder without a value is left as typed: the validator then points at it.
    """
    return _PLACEHOLDER.sub(lambda m: substitutions.get(m.group(1), m.group(0)), source)


def save_design(
    workspace: Workspace, *, source: str, config: Config, machine: StateMachine | None
) -> StateMachine:
    """Create or update the machine from the design; an invalid definition raises InvalidDefinition.

    The services own the checks and the write of the definition, role and type; this adds the
    Config fields the API's logging and tracing configurations carry, and drops the draft.
    """
    definition = fill_substitutions(source, config.substitutions)
    role_arn = config.role_arn or DEFAULT_ROLE.format(account=workspace.account_id)
    with transaction.atomic():
        if machine is None:
            machine = services.create_state_machine(
                workspace, name=config.name, definition=definition, role_arn=role_arn, type=config.type
            )
        else:
            if config.type != machine.type:
                raise ValidationError("The type of an existing state machine cannot be changed")
            machine = services.update_state_machine(machine, definition=definition, role_arn=role_arn)
        machine.logging_level = config.logging_level
        machine.include_execution_data = config.include_execution_data
        machine.tracing_enabled = config.tracing_enabled
        machine.design_source = source
        machine.definition_substitutions = config.substitutions
        machine.save(
            update_fields=[
                "logging_level",
                "include_execution_data",
                "tracing_enabled",
                "design_source",
                "definition_substitutions",
            ]
        )
        Draft.objects.filter(workspace=workspace, machine_name=machine.name).delete()
        DesignRevision.objects.update_or_create(
            machine=machine,
            revision=machine.revision,
            defaults={"source": source, "config": config.to_body(), "saved": timezone.now()},
        )
    return machine


def revisions(machine: StateMachine) -> list[DesignRevision]:
    """The designer's saves of a machine, newest first (reads: straight from the model)."""
    return list(machine.design_revisions.all())


def save_draft(workspace: Workspace, *, source: str, config: Config) -> Draft:
    """Keep work in progress, valid or not; nothing is applied to any machine."""
    _check_draft_name(config.name)
    diagnostics = [d.to_aws() for d in validate(fill_substitutions(source, config.substitutions))]
    draft, _ = Draft.objects.update_or_create(
        workspace=workspace,
        machine_name=config.name,
        defaults={
            "source": source,
            "config": config.to_body(),
            "diagnostics": diagnostics,
            "saved": timezone.now(),
        },
    )
    return draft


def _check_draft_name(name: str) -> None:
    if not services.NAME_RE.match(name or ""):
        raise InvalidName(f"Invalid Name: '{name}'")


def draft_for(workspace: Workspace, name: str) -> Draft | None:
    return Draft.objects.filter(workspace=workspace, machine_name=name).first()


@dataclass
class ImportedMachine:
    """One state machine found in a template, ready for the designer to open."""

    logical_id: str
    name: str
    source: str
    substitutions: dict[str, str]
    type: str
    role_arn: str

    def to_body(self) -> dict[str, Any]:
        return {
            "logicalId": self.logical_id,
            "name": self.name,
            "source": self.source,
            "substitutions": self.substitutions,
            "type": self.type,
            "roleArn": self.role_arn,
        }


def import_template(workspace: Workspace, template: Any) -> list[ImportedMachine]:
    """The state machines of a CloudFormation/SAM template (or CDK synth output, which is one).

    Definition (an object), DefinitionString (a string, or Fn::Sub/Fn::Join of strings) and
    DefinitionS3Location / DefinitionUri (read from the workbench's own S3) are understood;
    DefinitionSubstitutions come back as the Config's substitutions, filled only at save.
    """
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise ValidationError("The template has no Resources section")
    found: list[ImportedMachine] = []
    for logical_id, resource in template["Resources"].items():
        if not isinstance(resource, dict) or resource.get("Type") not in MACHINE_TYPES:
            continue
        props = resource.get("Properties") or {}
        substitutions = props.get("DefinitionSubstitutions") or {} if isinstance(props, dict) else {}
        if not isinstance(props, dict) or not isinstance(substitutions, dict):
            raise ValidationError(f"{logical_id}: Properties and DefinitionSubstitutions must be objects")
        found.append(
            ImportedMachine(
                logical_id=str(logical_id),
                name=str(props.get("StateMachineName") or props.get("Name") or logical_id),
                source=_definition_source(workspace, str(logical_id), props),
                substitutions={str(k): _template_value(v) for k, v in substitutions.items()},
                type=str(props.get("StateMachineType") or props.get("Type") or StateMachine.STANDARD),
                role_arn=_template_value(props.get("RoleArn") or props.get("Role") or ""),
            )
        )
    if not found:
        raise ValidationError(
            "The template has no AWS::StepFunctions::StateMachine or AWS::Serverless::StateMachine resource"
        )
    return found


def _definition_source(workspace: Workspace, logical_id: str, props: dict[str, Any]) -> str:
    if isinstance(props.get("Definition"), dict):
        return json.dumps(props["Definition"], indent=2)
    if "DefinitionString" in props:
        return _joined_string(logical_id, props["DefinitionString"])
    location = props.get("DefinitionS3Location") or props.get("DefinitionUri")
    if isinstance(location, str) and location.startswith("s3://"):
        bucket, _, key = location[5:].partition("/")
        location = {"Bucket": bucket, "Key": key}
    if isinstance(location, dict):
        bucket, key = location.get("Bucket"), location.get("Key")
        if not isinstance(bucket, str) or not isinstance(key, str):
            raise ValidationError(f"{logical_id}: DefinitionS3Location needs Bucket and Key strings")
        try:
            return storage.read_object(workspace, bucket, key).decode("utf-8")
        except AwsError as exc:
            raise ValidationError(f"{logical_id}: s3://{bucket}/{key}: {exc.message}") from exc
    raise ValidationError(
        f"{logical_id}: no Definition, DefinitionString or DefinitionS3Location to import"
        + (" (a local DefinitionUri path is not in the workbench's S3)" if "DefinitionUri" in props else "")
    )


def _joined_string(logical_id: str, value: Any) -> str:
    """DefinitionString as CDK writes it: a string, Fn::Sub of a string, or Fn::Join of parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return _joined_string(logical_id, sub[0] if isinstance(sub, list) and sub else sub)
    if isinstance(value, dict) and isinstance(value.get("Fn::Join"), list) and len(value["Fn::Join"]) == 2:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_template_value(part) for part in parts)
    raise ValidationError(f"{logical_id}: DefinitionString must be a string, Fn::Sub or Fn::Join")


def _template_value(value: Any) -> str:
    """A template value as text; an intrinsic the workbench cannot resolve becomes a ${...} placeholder."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref":
            return "${" + str(arg) + "}"
        if fn == "Fn::GetAtt":
            parts = arg if isinstance(arg, list) else str(arg).split(".")
            return "${" + ".".join(str(p) for p in parts) + "}"
    return json.dumps(value)
