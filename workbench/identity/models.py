"""IAM roles of a workspace and their inline policies: what a state machine's execution role
may do."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from workbench.accounts.models import Workspace


class Role(models.Model):
    """An IAM role. IAM does not tell names apart by case, so neither does the constraint."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=64)
    path = models.CharField(max_length=512, default="/")
    role_id = models.CharField(max_length=32, unique=True)
    assume_role_policy_document = models.TextField()
    description = models.CharField(max_length=1000, blank=True)
    max_session_duration = models.PositiveIntegerField(default=3600)
    tags = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("workspace", Lower("name"), name="unique_role_name")]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.workspace.account_id}:role{self.path}{self.name}"

    def __str__(self) -> str:
        return self.name


class RolePolicy(models.Model):
    """An inline policy: a named identity-based policy document embedded in one role."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="inline_policies")
    name = models.CharField(max_length=128)
    document = models.TextField(help_text="the policy JSON exactly as it was put")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint("role", Lower("name"), name="unique_role_policy_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.role.name}/{self.name}"
