"""What the runtime itself keeps: the lease that lets one worker at a time run recovery, and
the Express children a parent's ``.sync`` task waits for (runtime.children)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from workbench.stepfunctions.models import Execution, StateMachine


class Lease(models.Model):
    """A named lease: whoever holds it until ``expires`` runs the job; taken with one UPDATE."""

    name = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=128)
    expires = models.DateTimeField()


class ExpressChild(models.Model):
    """An Express child a Standard parent's ``states:startExecution.sync`` (or ``.sync:2``) task
    waits for. The child itself runs in memory and keeps nothing (as Express does on AWS); this
    row is what is owed to the parent until its end is reported (then the row is deleted).

    ``lease_until`` is the run's lease (real time): None until a worker takes it; a lease that ran
    out with the row still here means the worker died, and the recovery sweep runs it again."""

    parent = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="express_children")
    task_id = models.CharField(max_length=128)
    state_machine = models.ForeignKey(StateMachine, on_delete=models.CASCADE, related_name="+")
    version_number = models.PositiveIntegerField(null=True)
    name = models.CharField(max_length=80)
    execution_arn = models.CharField(max_length=512)
    input = models.TextField()
    pattern = models.CharField(max_length=8, help_text="sync (Input/Output as text) or sync:2 (as JSON)")
    created = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True)
