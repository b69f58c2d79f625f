"""Topics and their subscriptions, as Amazon SNS keeps them (queue and function endpoints)."""

from __future__ import annotations

from django.db import models

from workbench.accounts.models import Workspace


class Topic(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(max_length=256)
    attributes = models.JSONField(default=dict)
    tags = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_topic_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """``endpoint`` is a queue ARN (protocol sqs) or a function ARN (protocol lambda)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="subscriptions")
    subscription_id = models.CharField(max_length=36, unique=True)
    protocol = models.CharField(max_length=16)
    endpoint = models.CharField(max_length=512)
    attributes = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    @property
    def raw(self) -> bool:
        return str(self.attributes.get("RawMessageDelivery", "false")).lower() == "true"


class Delivery(models.Model):
    """One message handed to one subscription, kept for the browser (newest first)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=36)
    ok = models.BooleanField(default=True)
    detail = models.TextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
