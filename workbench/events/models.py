"""Event buses, their rules and targets, the events they received, each delivery and its
attempts, archives and replays, connections and API destinations (Amazon EventBridge API
Reference: CreateArchive, StartReplay, CreateConnection, CreateApiDestination; User Guide:
"Event retry policy and using dead-letter queues", "API destinations")."""

from __future__ import annotations

from functools import cached_property

from django.db import models

from workbench.accounts.models import Workspace
from workbench.core.arns import event_bus_arn, rule_arn
from workbench.core.fields import OrderedJSONField


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
        help_text="the bus's DeadLetterConfig: for errors on the bus itself, never a target's",
    )
    policy = models.TextField(
        null=True, help_text="the bus's resource-based policy (PutPermission), as DescribeEventBus shows it"
    )
    tags = models.JSONField(default=list, help_text="[{Key, Value}], as ListTagsForResource lists them")
    log_config = models.JSONField(
        null=True, help_text="LogConfig: {IncludeDetail: FULL|NONE, Level: OFF|ERROR|INFO|TRACE}"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_bus_name")]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        return event_bus_arn(self.workspace.region, self.workspace.account_id, self.name)

    def __str__(self) -> str:
        return self.name


class BusWebhook(models.Model):
    """A partner-style inbound webhook of a bus (beyond AWS, after EventBridge's partner event
    sources): an HTTP POST to ``/webhooks/<uid>/`` carrying ``secret`` in the
    ``X-Stepbridge-Webhook-Secret`` header becomes an event on the bus, with this source and
    detail-type and the body as its detail."""

    bus = models.OneToOneField(EventBus, on_delete=models.CASCADE, related_name="webhook")
    uid = models.CharField(max_length=36, unique=True, help_text="the URL's last part")
    secret = models.CharField(max_length=128)
    source = models.CharField(max_length=256, default="stepbridge.webhook")
    detail_type = models.CharField(max_length=128, default="Webhook received")
    rotated = models.DateTimeField()


class Rule(models.Model):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    ARCHIVE_PREFIX = "Events-Archive-"
    """An archive's rule is named this and the archive's name (events.managed_rules)."""
    STATES = [(ENABLED, ENABLED), (DISABLED, DISABLED)]

    bus = models.ForeignKey(EventBus, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(max_length=64)
    event_pattern = models.TextField(null=True)
    schedule_expression = models.CharField(max_length=256, null=True)
    next_fire_at = models.DateTimeField(
        null=True,
        db_index=True,
        help_text="a scheduled rule's next run (its workspace's time); None until runtime.schedules arms it",
    )
    state = models.CharField(max_length=32, choices=STATES, default=ENABLED)
    description = models.CharField(max_length=512, null=True)
    role_arn = models.CharField(max_length=1600, null=True)
    created = models.DateTimeField()
    fire_armed = models.BooleanField(
        default=False, help_text="an ETA message for next_fire_at is on its way (else the sweep sends one)"
    )
    managed_by = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="ManagedBy: set on an archive's rule (events.managed_rules)",
    )
    tags = models.JSONField(default=list, help_text="[{Key, Value}], as ListTagsForResource lists them")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bus", "name"], name="unique_rule_name")]
        ordering = ["name"]

    @cached_property
    def arn(self) -> str:
        """Worked out once per instance: a rule's name and bus never change, and routing asks
        for the ARN of every rule an event matched."""
        ws = self.bus.workspace
        return rule_arn(ws.region, ws.account_id, self.bus.name, self.name)

    @property
    def managed_archive(self) -> str:
        """The archive this rule is managed for; "" for a rule of the user's own."""
        return self.name.removeprefix(self.ARCHIVE_PREFIX) if self.managed_by else ""

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
    http_parameters = models.JSONField(
        null=True, help_text="HttpParameters of an API destination target (PathParameterValues, ...)"
    )
    sqs_parameters = models.JSONField(
        null=True, help_text="SqsParameters of a FIFO queue target (MessageGroupId)"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "target_id"], name="unique_target_id")]
        ordering = ["target_id"]


class ReceivedEvent(models.Model):
    """An event a bus accepted, with the rules it matched: the bus's recent-events list."""

    # No index of the key alone: bus_event_order starts with it. Every index is written for
    # every accepted event (see Delivery's indexes).
    bus = models.ForeignKey(EventBus, on_delete=models.CASCADE, related_name="events", db_index=False)
    event_id = models.CharField(max_length=64)
    body = OrderedJSONField()
    matched_rules = models.JSONField(default=list)
    schema_problems = models.JSONField(
        default=list, help_text="[{field, rule, message}] its bus's schema flagged (beyond AWS)"
    )
    received = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-received", "-id"]
        indexes = [
            # A bus page's events, keyset-paged newest first (workbench.core.paging).
            models.Index(fields=["bus", "-received", "-id"], name="bus_event_order"),
            # Found by its id (equality only: no PostgreSQL pattern index beside it).
            models.Index(fields=["event_id"], name="received_event_id"),
        ]

    @property
    def detail_type(self) -> str:
        return str(self.body.get("detail-type", ""))

    @property
    def fired_by_schedule(self) -> str:
        """The Scheduler schedule ("group/name") whose firing this stored event records
        (runtime.routing.route_schedule keeps a firing on the default bus to trace its
        delivery; AWS puts none there), "" for an event put on the bus."""
        if self.body.get("source") != "aws.scheduler":
            return ""
        resources = self.body.get("resources") or [""]
        return str(resources[0]).partition(":schedule/")[2]

    @property
    def replay_name(self) -> str:
        """The replay that sent this event again ("replay-name", EventBridge User Guide,
        "Replaying archived events"), "" for an event put on the bus."""
        return str(self.body.get("replay-name") or "")


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

    # Indexes: unique_delivery_target starts with the event, and the two partial indexes hold
    # only the few pending and failed rows. Issue 10's pg_stat_statements of PutEvents to 300
    # rules (2026-12-05): every delivery's UPDATE, which moves it out of pending, was the
    # largest statement, inserting into all six indexes the table had (its event, status
    # twice, next_attempt_at); a lookup of ten pending ids by key went through the status
    # index's 18,000 entries of rows long delivered.
    event = models.ForeignKey(
        ReceivedEvent, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    rule_name = models.CharField(max_length=64)
    rule_arn = models.CharField(max_length=1600, default="")
    target_id = models.CharField(max_length=64)
    target_arn = models.CharField(max_length=1600)
    target_input = models.JSONField(
        default=dict, help_text="the target's Input/InputPath/InputTransformer when the event matched"
    )
    input = models.TextField(blank=True, default="", help_text="what the target received, once rendered")
    status = models.CharField(max_length=16, choices=STATUSES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    detail = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, help_text="when a failed delivery is tried again; null before any failure"
    )
    attempted = models.DateTimeField(
        null=True, help_text="when its latest attempt was made, by its workspace's clock"
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
        indexes = [
            # What recovery and the virtual clock look for; what the dashboard counts.
            models.Index(fields=["id"], condition=models.Q(status="pending"), name="delivery_pending"),
            models.Index(fields=["id"], condition=models.Q(status="failed"), name="delivery_failed"),
        ]


class DeliveryAttempt(models.Model):
    """One try at invoking a delivery's target that failed: the event's trace. The try that
    succeeds is not written here: it is its delivery's own row (DELIVERED, ``attempts``,
    ``attempted``), written by the same UPDATE that ends it; ``events.trace`` shows it as the
    last attempt. (Issue 13's profile of PutEvents to queue targets, 2026-12-06: a row for
    every successful try was one INSERT an event, with its index and foreign-key check, for
    nothing the delivery's row did not already say.) Rows written before that, with outcome
    SUCCEEDED, read the same."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    OUTCOMES = [(SUCCEEDED, SUCCEEDED), (FAILED, FAILED)]

    # No index of the key alone: unique_delivery_attempt starts with it.
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", db_index=False
    )
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=OUTCOMES)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="unique_delivery_attempt")]


class LogEvent(models.Model):
    """An event a rule's CloudWatch Logs target (``arn:aws:logs:...:log-group:<name>``) wrote to
    its log group: the workbench keeps the log group's events itself and shows them, newest
    first ("Amazon EventBridge targets": CloudWatch Logs log group)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="log_events")
    log_group = models.CharField(max_length=512)
    event_id = models.CharField(max_length=64)
    message = models.TextField()
    timestamp = models.DateTimeField(help_text="the event's own time")
    ingested = models.DateTimeField()

    class Meta:
        ordering = ["-ingested", "-id"]
        indexes = [models.Index(fields=["workspace", "log_group", "-ingested"], name="log_group_events")]


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
    state_reason = models.CharField(max_length=512, blank=True, default="")
    created = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_archive_name")]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        return f"arn:aws:events:{self.workspace.region}:{self.workspace.account_id}:archive/{self.name}"


class ArchivedEvent(models.Model):
    """An accepted event as an archive keeps it; ``time`` is the event's own time field."""

    # No index of the key alone: archived_event_window starts with it (written per event).
    archive = models.ForeignKey(Archive, on_delete=models.CASCADE, related_name="events", db_index=False)
    event_id = models.CharField(max_length=64)
    body = OrderedJSONField()
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
    CANCELLABLE = (STARTING, RUNNING)
    """The states CancelReplay takes a replay from (else IllegalStatusException)."""

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


class Connection(models.Model):
    """An EventBridge connection: how to authorize calls to an HTTP API (CreateConnection).

    ``auth_parameters`` holds the AuthParameters as given, secrets included: AWS keeps them in
    a Secrets Manager secret (``SecretArn``) and never returns them; here they stay in this row
    and the API shapes leave them out. An OAuth connection caches its access token here.
    """

    BASIC = "BASIC"
    API_KEY = "API_KEY"
    OAUTH = "OAUTH_CLIENT_CREDENTIALS"
    AUTHORIZATION_TYPES = [(BASIC, BASIC), (API_KEY, API_KEY), (OAUTH, OAUTH)]
    AUTHORIZED = "AUTHORIZED"
    AUTHORIZING = "AUTHORIZING"
    DEAUTHORIZED = "DEAUTHORIZED"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="connections")
    name = models.CharField(max_length=64)
    uid = models.CharField(max_length=36, help_text="the ARN's last part, new for each connection")
    description = models.CharField(max_length=512, blank=True)
    authorization_type = models.CharField(max_length=32, choices=AUTHORIZATION_TYPES)
    auth_parameters = models.JSONField(default=dict)
    state = models.CharField(max_length=32, default=AUTHORIZED)
    state_reason = models.CharField(max_length=512, blank=True)
    created = models.DateTimeField()
    updated = models.DateTimeField()
    last_authorized = models.DateTimeField(null=True)
    access_token = models.TextField(blank=True, help_text="OAuth: the cached access token")
    token_expires = models.DateTimeField(null=True, help_text="OAuth: when the cached token runs out")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_connection_name")]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        ws = self.workspace
        return f"arn:aws:events:{ws.region}:{ws.account_id}:connection/{self.name}/{self.uid}"

    @property
    def secret_arn(self) -> str:
        """The ARN of the secret AWS would keep the credentials in (events!connection/...)."""
        ws = self.workspace
        return (
            f"arn:aws:secretsmanager:{ws.region}:{ws.account_id}:secret:"
            f"events!connection/{self.name}/{self.uid}-{self.uid[:6]}"
        )

    def __str__(self) -> str:
        return self.name


class ApiDestination(models.Model):
    """An HTTP endpoint that rules can target, called with a connection's authorization
    (CreateApiDestination). ``next_slot`` is the rate limiter's state, shared by every worker:
    the earliest moment the next call may start under InvocationRateLimitPerSecond."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_destinations")
    name = models.CharField(max_length=64)
    uid = models.CharField(max_length=36)
    description = models.CharField(max_length=512, blank=True)
    connection = models.ForeignKey(
        Connection, on_delete=models.SET_NULL, null=True, related_name="api_destinations"
    )
    connection_arn = models.CharField(max_length=1600)
    invocation_endpoint = models.CharField(max_length=2048)
    http_method = models.CharField(max_length=8)
    rate_limit = models.PositiveIntegerField(null=True, help_text="InvocationRateLimitPerSecond")
    state = models.CharField(max_length=16, default=ACTIVE)
    created = models.DateTimeField()
    updated = models.DateTimeField()
    next_slot = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="unique_api_destination_name")
        ]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        ws = self.workspace
        return f"arn:aws:events:{ws.region}:{ws.account_id}:api-destination/{self.name}/{self.uid}"

    def __str__(self) -> str:
        return self.name


class ScheduleGroup(models.Model):
    """An EventBridge Scheduler schedule group ("default" always exists; CreateScheduleGroup,
    EventBridge Scheduler API Reference)."""

    DEFAULT = "default"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="schedule_groups")
    name = models.CharField(max_length=64)
    tags = models.JSONField(default=list)
    created = models.DateTimeField()
    updated = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_schedule_group")]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        ws = self.workspace
        return f"arn:aws:scheduler:{ws.region}:{ws.account_id}:schedule-group/{self.name}"


class Schedule(models.Model):
    """An EventBridge Scheduler schedule (CreateSchedule): when (at/rate/cron in a time zone,
    between StartDate and EndDate), what (one target, its input, retry policy and dead-letter
    queue) and its durable timer (``next_fire_at``, as a scheduled rule's)."""

    ENABLED = "ENABLED"
    DISABLED = "DISABLED"

    group = models.ForeignKey(ScheduleGroup, on_delete=models.CASCADE, related_name="schedules")
    name = models.CharField(max_length=64)
    description = models.CharField(max_length=512, default="")
    schedule_expression = models.CharField(max_length=256)
    timezone = models.CharField(max_length=50, default="UTC")
    start_date = models.DateTimeField(null=True)
    end_date = models.DateTimeField(null=True)
    flexible_time_window = models.JSONField(default=dict)
    state = models.CharField(max_length=16, default=ENABLED)
    target = models.JSONField(default=dict, help_text="the Target as CreateSchedule/UpdateSchedule sent it")
    action_after_completion = models.CharField(max_length=16, default="NONE")
    kms_key_arn = models.CharField(max_length=2048, null=True)
    created = models.DateTimeField()
    updated = models.DateTimeField()
    next_fire_at = models.DateTimeField(
        null=True, db_index=True, help_text="when it fires next (NULL: not armed, or nothing left to fire)"
    )
    fire_armed = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="unique_schedule_name")]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        ws = self.group.workspace
        return f"arn:aws:scheduler:{ws.region}:{ws.account_id}:schedule/{self.group.name}/{self.name}"
