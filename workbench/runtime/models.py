"""What the runtime itself keeps: the lease that lets one worker at a time run recovery."""

from __future__ import annotations

from django.db import models


class Lease(models.Model):
    """A named lease: whoever holds it until ``expires`` runs the job; taken with one UPDATE."""

    name = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=128)
    expires = models.DateTimeField()
