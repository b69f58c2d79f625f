"""Functions: the workbench's stand-in for Lambda."""

from __future__ import annotations

from django.db import models

from workbench.accounts.models import Workspace


class Function(models.Model):
    """A Lambda ARN of the workspace resolves to one of these.

    ``python``: trusted code the operator registered by dotted path in settings.
    ``mock``: made in the browser; ``outcomes`` is a list, one per attempt, each either
    ``{"output": <JSON>}`` or ``{"error": "Name", "cause": "text"}``; attempts past the end
    repeat the last outcome, so a one-item list is a fixed answer.
    """

    PYTHON = "python"
    MOCK = "mock"
    KINDS = [(PYTHON, "Python callable"), (MOCK, "Mock outcomes")]

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="functions")
    name = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=KINDS, default=MOCK)
    python_path = models.CharField(max_length=255, blank=True)
    outcomes = models.JSONField(default=list, blank=True)
    description = models.CharField(max_length=256, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_function_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Invocation(models.Model):
    """One call of a function: what it got, what it answered, and which attempt it was."""

    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="invocations")
    caller = models.CharField(max_length=512, help_text="execution ARN + state, or rule ARN")
    attempt = models.PositiveIntegerField()
    payload = models.JSONField(null=True)
    output = models.JSONField(null=True)
    error = models.CharField(max_length=256, blank=True)
    cause = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["function", "caller"])]
        ordering = ["-id"]
