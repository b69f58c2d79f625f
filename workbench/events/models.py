"""Event buses, their rules and targets, the events they received, each delivery and its
attempts, and archives and replays (Amazon EventBridge API Reference: CreateArchive,
StartReplay; User Guide: "Event retry policy and using dead-letter queues")."""

from __future__ import annotations

from django.db import models

from workbench.accounts.models import Workspace
from workbench.core.arns import event_bus_arn, rule_arn


class EventBus(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="buses")
    name = models.CharField(max_length=256)
    description = models.CharField(max_length=512, blank=True)
    created = models.DateTimeField()
    updated = models.DateTimeField()
    rules_version = models.PositiveBigIntegerField(
        default=0, help_text="bumped whenever a rule changes, so every process refreshes its matcher"
    )
    dead_letter_arn = models.CharField(
        max_length=1600,
        null=True,
        help_text="the bus's DeadLetterConfig: where a target without one dead-letters",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_bus_name")]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        return event_bus_arn(self.workspace.region, self.workspace.account_id, self.name)

    def __str__(self) -> str:
        return self.name


class Rule(models.Model):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    STATES = [(ENABLED, ENABLED), (DISABLED, DISABLED)]

    bus = models.ForeignKey(EventBus, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(max_length=64)
    event_pattern = models.TextField(null=True)
    schedule_expression = models.CharField(max_length=256, null=True)
    state = models.CharField(max_length=32, choices=STATES, default=ENABLED)
    description = models.CharField(max_length=512, null=True)
    role_arn = models.CharField(max_length=1600, null=True)
    created = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bus", "name"], name="unique_rule_name")]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        ws = self.bus.workspace
        return rule_arn(ws.region, ws.account_id, self.bus.name, self.name)

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    """Where a matched event goes, and in what shape (Input/InputPath/InputTransformer)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="targets")
    target_id = models.CharField(max_length=64)
    arn = models.CharField(max_length=1600)
    role_arn = models.CharField(max_length=1600, null=True)
    input = models.TextField(null=True)
    input_path = models.CharField(max_length=256, null=True)
    input_transformer = models.JSONField(null=True)
    retry_policy = models.JSONField(null=True)
    dead_letter_arn = models.CharField(max_length=1600, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "target_id"], name="unique_target_id")]
        ordering = ["target_id"]


class ReceivedEvent(models.Model):
    """An event a bus accepted, with the rules it matched: the bus's recent-events list."""

    bus = models.ForeignKey(EventBus, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=64, db_index=True)
    body = models.JSONField()
    matched_rules = models.JSONField(default=list)
    schema_problems = models.JSONField(
        default=list, help_text="[{field, rule, message}] its bus's schema flagged (beyond AWS)"
    )
    received = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-received", "-id"]
        # A bus page's events, keyset-paged newest first (workbench.core.paging).
        indexes = [models.Index(fields=["bus", "-received", "-id"], name="bus_event_order")]

    @property
    def detail_type(self) -> str:
        return str(self.body.get("detail-type", ""))


class Delivery(models.Model):
    """One matched target of one accepted event: written pending with the event, in the same
    transaction, and then delivered once (keyed by event, rule and target id).

    The target's input settings are copied here when the event is accepted: EventBridge
    delivers what the rule's target was when the event matched, whatever PutTargets does later.
    """

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    STATUSES = [(PENDING, PENDING), (DELIVERED, DELIVERED), (FAILED, FAILED)]
    DEFAULT_MAX_RETRY_ATTEMPTS = 185
    DEFAULT_MAX_EVENT_AGE = 86400

    event = models.ForeignKey(ReceivedEvent, on_delete=models.CASCADE, related_name="deliveries")
    rule_name = models.CharField(max_length=64)
    rule_arn = models.CharField(max_length=1600, default="")
    target_id = models.CharField(max_length=64)
    target_arn = models.CharField(max_length=1600)
    target_input = models.JSONField(
        default=dict, help_text="the target's Input/InputPath/InputTransformer when the event matched"
    )
    input = models.TextField(blank=True, default="", help_text="what the target received, once rendered")
    status = models.CharField(max_length=16, choices=STATUSES, default=PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    detail = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, db_index=True, help_text="when a failed delivery is tried again; null before any failure"
    )
    max_retry_attempts = models.PositiveIntegerField(default=DEFAULT_MAX_RETRY_ATTEMPTS)
    max_event_age = models.PositiveIntegerField(default=DEFAULT_MAX_EVENT_AGE, help_text="seconds")
    dead_letter_arn = models.CharField(max_length=1600, null=True)
    dead_letter = models.JSONField(
        null=True, help_text="the dead-letter message attributes, once retries or age ran out"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "rule_name", "target_id"], name="unique_delivery_target")
        ]


class DeliveryAttempt(models.Model):
    """One try at invoking a delivery's target, and how it ended: the event's trace."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    OUTCOMES = [(SUCCEEDED, SUCCEEDED), (FAILED, FAILED)]

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=OUTCOMES)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="unique_delivery_attempt")]


class Archive(models.Model):
    """CreateArchive: keeps the events a bus accepts (those its pattern matches) for replay."""

    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    STATES = [(ENABLED, ENABLED), (DISABLED, DISABLED)]

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="archives")
    name = models.CharField(max_length=48)
    bus = models.ForeignKey(EventBus, on_delete=models.CASCADE, related_name="archives")
    description = models.CharField(max_length=512, blank=True)
    event_pattern = models.TextField(null=True)
    retention_days = models.PositiveIntegerField(default=0, help_text="0 keeps events forever")
    state = models.CharField(max_length=16, choices=STATES, default=ENABLED)
    created = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_archive_name")]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        return f"arn:aws:events:{self.workspace.region}:{self.workspace.account_id}:archive/{self.name}"


class ArchivedEvent(models.Model):
    """An accepted event as an archive keeps it; ``time`` is the event's own time field."""

    archive = models.ForeignKey(Archive, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=64)
    body = models.JSONField()
    time = models.DateTimeField()
    size = models.PositiveIntegerField()
    archived = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["archive", "time", "id"], name="archived_event_window")]


class Replay(models.Model):
    """StartReplay: the archived events of a time window sent again to the archive's bus."""

    STARTING = "STARTING"
    RUNNING = "RUNNING"
    CANCELLING = "CANCELLING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    STATES = [(s, s) for s in (STARTING, RUNNING, CANCELLING, COMPLETED, CANCELLED, FAILED)]
    ACTIVE = (STARTING, RUNNING, CANCELLING)

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="replays")
    name = models.CharField(max_length=64)
    description = models.CharField(max_length=512, blank=True)
    archive = models.ForeignKey(Archive, on_delete=models.SET_NULL, null=True, related_name="replays")
    archive_arn = models.CharField(max_length=1600)
    destination_arn = models.CharField(max_length=1600)
    filter_arns = models.JSONField(default=list)
    event_start_time = models.DateTimeField()
    event_end_time = models.DateTimeField()
    state = models.CharField(max_length=16, choices=STATES, default=STARTING, db_index=True)
    state_reason = models.CharField(max_length=512, blank=True)
    replay_start_time = models.DateTimeField()
    replay_end_time = models.DateTimeField(null=True)
    last_replayed_time = models.DateTimeField(null=True, help_text="the time of the last event replayed")
    pace = models.FloatField(
        default=0, help_text="0: as fast as possible (AWS); 1: the original pace; N: N times faster"
    )
    cursor = models.BigIntegerField(
        default=0, help_text="the last ArchivedEvent id replayed: where to resume"
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_replay_name")]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        return f"arn:aws:events:{self.workspace.region}:{self.workspace.account_id}:replay/{self.name}"
