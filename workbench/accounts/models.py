"""Workspaces: each is one AWS account as its clients see it."""

from __future__ import annotations

from django.db import models


class Workspace(models.Model):
    """An isolated set of buses, rules, functions and state machines.

    ``access_key_id`` is what boto3 signs with; requests signed with it act in this workspace,
    and ARNs carry its ``account_id`` and ``region``.
    """

    name = models.CharField(max_length=64, unique=True)
    account_id = models.CharField(max_length=12, unique=True)
    region = models.CharField(max_length=32, default="us-east-1")
    access_key_id = models.CharField(max_length=128, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    default_bus_rules = models.PositiveIntegerField(
        default=0,
        help_text="enabled rules with a pattern on the default bus, kept by every rule change: services "
        "that put their own events there (Step Functions' status changes) skip all work while it is 0",
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.account_id})"


class VirtualClock(models.Model):
    """A workspace's virtual clock (beyond AWS: a class cannot wait real days for a Wait).

    No row means real time. With a row, the workspace's time is ``virtual_at`` at the real
    moment ``real_at``, moving ``rate`` times as fast as real time from then on (0: frozen).
    What the time *means* lives in ``workbench.runtime.clock``.
    """

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, primary_key=True, related_name="virtual_clock"
    )
    virtual_at = models.DateTimeField()
    real_at = models.DateTimeField()
    rate = models.FloatField(default=0.0, help_text="virtual seconds per real second; 0 is frozen")
