"""Registries, schemas and their versions, discoverers, code bindings and bus validation.

Shapes follow the ``schemas`` API (botocore 2019-12-02): a schema belongs to a registry, has
a type (OpenApi3 or JSONSchemaDraft4) and numbered versions; a discoverer watches one event
bus (SourceArn). A bus's validation is a workbench addition.
"""

from __future__ import annotations

from django.db import models

from workbench.accounts.models import Workspace
from workbench.events.models import EventBus


def _arn(workspace: Workspace, resource: str) -> str:
    return f"arn:aws:schemas:{workspace.region}:{workspace.account_id}:{resource}"


class Registry(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="schema_registries")
    name = models.CharField(max_length=64)
    description = models.CharField(max_length=256, blank=True)
    tags = models.JSONField(default=dict)
    builtin = models.BooleanField(default=False, help_text="AWS-scoped (aws.events): read-only")
    created = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_registry_name")]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        return _arn(self.workspace, f"registry/{self.name}")


class Schema(models.Model):
    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="schemas")
    name = models.CharField(max_length=385)
    description = models.CharField(max_length=256, blank=True)
    type = models.CharField(max_length=32)
    tags = models.JSONField(default=dict)
    created = models.DateTimeField()
    last_modified = models.DateTimeField()
    next_version = models.PositiveIntegerField(default=1, help_text="versions are never renumbered")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registry", "name"], name="unique_schema_name")]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        return _arn(self.registry.workspace, f"schema/{self.registry.name}/{self.name}")


class SchemaVersion(models.Model):
    schema = models.ForeignKey(Schema, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    type = models.CharField(max_length=32)
    content = models.TextField()
    description = models.CharField(max_length=256, blank=True)
    created = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["schema", "version"], name="unique_schema_version")]
        ordering = ["version"]


class Discoverer(models.Model):
    STARTED = "STARTED"
    STOPPED = "STOPPED"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="discoverers")
    bus = models.ForeignKey(EventBus, on_delete=models.CASCADE, related_name="discoverers")
    discoverer_id = models.CharField(max_length=256)
    source_arn = models.CharField(max_length=1600)
    description = models.CharField(max_length=256, blank=True)
    state = models.CharField(max_length=16, default=STARTED)
    cross_account = models.BooleanField(default=True)
    tags = models.JSONField(default=dict)
    created = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "discoverer_id"], name="unique_discoverer_id")
        ]
        indexes = [models.Index(fields=["bus", "state"])]
        ordering = ["discoverer_id"]

    @property
    def arn(self) -> str:
        return _arn(self.workspace, f"discoverer/{self.discoverer_id}")


class CodeBinding(models.Model):
    version = models.ForeignKey(SchemaVersion, on_delete=models.CASCADE, related_name="bindings")
    language = models.CharField(max_length=32)
    status = models.CharField(max_length=32)
    files = models.JSONField(default=dict, help_text="path inside the zip -> source text")
    created = models.DateTimeField()
    last_modified = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "language"], name="unique_code_binding")]


class BusValidation(models.Model):
    """A bus checks every event against one schema version (None: the latest)."""

    REJECT = "reject"
    FLAG = "flag"
    MODES = [(REJECT, "reject invalid entries"), (FLAG, "accept and flag invalid entries")]

    bus = models.OneToOneField(EventBus, on_delete=models.CASCADE, related_name="schema_validation")
    schema = models.ForeignKey(Schema, on_delete=models.CASCADE, related_name="validated_buses")
    version = models.PositiveIntegerField(null=True)
    mode = models.CharField(max_length=8, choices=MODES, default=REJECT)
