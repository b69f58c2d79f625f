"""State machines, their executions and what the engine decided for them."""

from __future__ import annotations

from django.db import models

from workbench.accounts.models import Workspace
from workbench.core.arns import activity_arn, execution_arn, map_run_child_arn, state_machine_arn


class StateMachine(models.Model):
    STANDARD = "STANDARD"
    EXPRESS = "EXPRESS"
    TYPES = [(STANDARD, "Standard"), (EXPRESS, "Express")]

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="state_machines")
    name = models.CharField(max_length=80)
    definition = models.TextField()
    role_arn = models.CharField(max_length=256)
    type = models.CharField(max_length=16, choices=TYPES, default=STANDARD)
    created = models.DateTimeField()
    updated = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)
    # The designer's Config mode (CreateStateMachine's loggingConfiguration.level/includeExecutionData
    # and tracingConfiguration.enabled), and the source it was saved from: the text with the user's
    # formatting and ${Name} placeholders, and the DefinitionSubstitutions that filled them.
    LOGGING_LEVELS = [(level, level) for level in ("OFF", "ALL", "ERROR", "FATAL")]
    logging_level = models.CharField(max_length=8, choices=LOGGING_LEVELS, default="OFF")
    include_execution_data = models.BooleanField(default=False)
    tracing_enabled = models.BooleanField(default=False)
    design_source = models.TextField(blank=True, default="")
    definition_substitutions = models.JSONField(default=dict, blank=True)
    # AWS's revisionId: empty for the initial revision (AWS reports none until the first update;
    # PublishStateMachineVersion names it INITIAL), a new UUID whenever an update changes it.
    revision_id = models.CharField(max_length=64, blank=True, default="")
    last_version = models.PositiveIntegerField(
        default=0, help_text="the highest version number ever published: numbers are never reused"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="unique_state_machine_name")
        ]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        return state_machine_arn(self.workspace.region, self.workspace.account_id, self.name)

    def __str__(self) -> str:
        return self.name


class StateMachineVersion(models.Model):
    """A published version: an immutable snapshot of one revision of a machine, numbered from 1
    (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-version.html);
    its ARN is the machine's with ``:<number>``."""

    machine = models.ForeignKey(StateMachine, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.TextField()
    role_arn = models.CharField(max_length=256)
    description = models.CharField(max_length=256, blank=True, default="")
    revision_id = models.CharField(max_length=64, blank=True, default="")
    created = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["machine", "number"], name="unique_machine_version")]
        ordering = ["-number"]

    @property
    def arn(self) -> str:
        return f"{self.machine.arn}:{self.number}"

    def __str__(self) -> str:
        return f"{self.machine.name}:{self.number}"


class StateMachineAlias(models.Model):
    """A name that routes executions to one or two versions by weight
    (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-alias.html);
    its ARN is the machine's with ``:<alias name>``."""

    machine = models.ForeignKey(StateMachine, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=256, blank=True, default="")
    routing = models.JSONField(
        help_text='[{"version": number, "weight": 0-100}], one or two, weights sum to 100'
    )
    created = models.DateTimeField()
    updated = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["machine", "name"], name="unique_machine_alias")]
        ordering = ["created", "id"]

    @property
    def arn(self) -> str:
        return f"{self.machine.arn}:{self.name}"

    def __str__(self) -> str:
        return f"{self.machine.name}:{self.name}"


class MapRun(models.Model):
    """A Distributed Map's run: its children are Executions with ``map_run`` set."""

    RUNNING = "RUNNING"
    STATUSES = [(s, s) for s in ("RUNNING", "SUCCEEDED", "FAILED", "ABORTED")]

    execution = models.ForeignKey("Execution", on_delete=models.CASCADE, related_name="map_runs")
    map_run_id = models.CharField(max_length=64, unique=True)
    arn = models.CharField(max_length=512)
    state_name = models.CharField(max_length=128)
    state_machine_arn = models.CharField(max_length=512, help_text="the children's: <machine>/<label>")
    definition = models.TextField(help_text="the ItemProcessor every child runs")
    execution_type = models.CharField(max_length=16, default="STANDARD")
    item_count = models.PositiveIntegerField()
    max_concurrency = models.PositiveIntegerField(default=0)
    tolerated_failure_count = models.PositiveIntegerField(default=0)
    tolerated_failure_percentage = models.FloatField(default=0.0)
    status = models.CharField(max_length=16, choices=STATUSES, default=RUNNING)
    error = models.CharField(max_length=256, null=True)
    cause = models.TextField(null=True)
    start_date = models.DateTimeField()
    stop_date = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        # ListMapRuns pages by key in this order (workbench.core.paging).
        indexes = [models.Index(fields=["execution", "-start_date", "-id"], name="map_run_list_order")]

    def __str__(self) -> str:
        return self.arn


class Execution(models.Model):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"
    STATUSES = [(s, s) for s in (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED)]

    state_machine = models.ForeignKey(StateMachine, on_delete=models.CASCADE, related_name="executions")
    name = models.CharField(max_length=80)
    definition = models.TextField(help_text="the definition as it was when the execution started")
    status = models.CharField(max_length=16, choices=STATUSES, default=RUNNING)
    input = models.TextField()
    output = models.TextField(null=True)
    error = models.CharField(max_length=256, null=True)
    cause = models.TextField(null=True)
    start_date = models.DateTimeField()
    stop_date = models.DateTimeField(null=True)
    engine_state = models.JSONField(null=True, help_text="the decider's state, opaque to the shell")
    event_count = models.PositiveIntegerField(default=0)
    map_run = models.ForeignKey(
        MapRun, on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    item_index = models.PositiveIntegerField(null=True, blank=True, help_text="a Map Run child's item")
    node_statuses = models.JSONField(
        default=dict, help_text="{state name: live status}, folded once per step from its history events"
    )
    progress = models.JSONField(null=True, help_text="engine.states.progress.Progress, saved between steps")
    end_reported = models.BooleanField(default=False, help_text="a Map Run child's parent has heard it ended")
    version_number = models.PositiveIntegerField(
        null=True, blank=True, help_text="the version it runs, when started by a version or alias ARN"
    )
    version_role_arn = models.CharField(
        max_length=256, blank=True, default="", help_text="its version's role; empty: the machine's"
    )
    alias_name = models.CharField(
        max_length=80, null=True, blank=True, help_text="the alias it was started by"
    )
    mock_case = models.JSONField(
        null=True, blank=True, help_text="the MockConfig test case it was started with (stepfunctions.mocks)"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["state_machine", "name"], name="unique_execution_name")
        ]
        ordering = ["-start_date", "-id"]
        # ListExecutions pages by key in this order (workbench.core.paging): a machine's own
        # executions and a Map Run's children. History pages by (execution, event_id), the
        # unique constraint's index.
        indexes = [
            models.Index(fields=["state_machine", "-start_date", "-id"], name="execution_list_order"),
            models.Index(fields=["map_run", "-start_date", "-id"], name="map_run_child_list_order"),
            # The console's one list across machines (/executions/).
            models.Index(fields=["-start_date", "-id"], name="execution_console_order"),
        ]

    @property
    def arn(self) -> str:
        if self.map_run_id is not None:
            # A child workflow execution: execution:<machine>/<label>:<name>.
            return map_run_child_arn(self.map_run.state_machine_arn, self.name)
        machine = self.state_machine
        return execution_arn(machine.workspace.region, machine.workspace.account_id, machine.name, self.name)

    @property
    def role_arn(self) -> str:
        """The execution role its tasks act as: its version's, else its machine's."""
        return self.version_role_arn or self.state_machine.role_arn

    @property
    def version_arn(self) -> str | None:
        """DescribeExecution's stateMachineVersionArn (also after the version was deleted)."""
        return None if self.version_number is None else f"{self.state_machine.arn}:{self.version_number}"

    @property
    def alias_arn(self) -> str | None:
        return None if self.alias_name is None else f"{self.state_machine.arn}:{self.alias_name}"

    @property
    def state_machine_arn(self) -> str:
        """The machine this execution ran: a child's is its Map Run's ``<machine>/<label>``."""
        return self.map_run.state_machine_arn if self.map_run_id is not None else self.state_machine.arn

    def __str__(self) -> str:
        return self.name


class HistoryEvent(models.Model):
    """One event of GetExecutionHistory, stored as the engine shaped it."""

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="history")
    event_id = models.PositiveIntegerField()
    previous_event_id = models.PositiveIntegerField()
    type = models.CharField(max_length=64)
    timestamp = models.DateTimeField()
    details_key = models.CharField(max_length=64, null=True)
    details = models.JSONField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["execution", "event_id"], name="unique_history_event")]
        ordering = ["execution", "event_id"]


class PendingTask(models.Model):
    """A task the engine is waiting on; its token is what SendTask* calls name."""

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="pending_tasks")
    task_id = models.CharField(max_length=128)
    state_name = models.CharField(max_length=128)
    resource = models.CharField(max_length=512)
    payload = models.JSONField(null=True)
    token = models.CharField(max_length=1024, null=True, unique=True)
    wait_for_token = models.BooleanField(default=False)
    attempt = models.PositiveIntegerField(default=1, help_text="$$.State.RetryCount + 1")
    created = models.DateTimeField()
    started = models.DateTimeField(
        null=True, help_text="an activity task: when a worker took it with GetActivityTask"
    )
    worker_name = models.CharField(max_length=80, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["execution", "task_id"], name="unique_pending_task")]
        indexes = [models.Index(fields=["resource", "started", "created"], name="pending_activity_tasks")]


class Activity(models.Model):
    """A Step Functions activity: a queue of tasks that workers take with GetActivityTask
    (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-activities.html)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="activities")
    name = models.CharField(max_length=80)
    tags = models.JSONField(default=list)
    created = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_activity_name")]
        ordering = ["name"]

    @property
    def arn(self) -> str:
        return activity_arn(self.workspace.region, self.workspace.account_id, self.name)

    def __str__(self) -> str:
        return self.name


class Timer(models.Model):
    """A durable timer: a Wait state, a retry back-off or a timeout the engine asked for."""

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="timers")
    timer_id = models.CharField(max_length=128)
    fire_at = models.DateTimeField(db_index=True)
    armed = models.BooleanField(
        default=False, help_text="an ETA message was sent; a timer further away is fired by the sweep"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["execution", "timer_id"], name="unique_timer")]


class TaskInvocation(models.Model):
    """One call of a task's resource, recorded before the call is made.

    Keyed by (execution, task, attempt): a redelivered invoke reads the recorded outcome and
    reports it instead of calling again, so a completed call happens once.
    """

    CLAIMED = "CLAIMED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    WAITING = "WAITING"
    STATUSES = [(s, s) for s in (CLAIMED, SUCCEEDED, FAILED, WAITING)]

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="task_invocations")
    task_id = models.CharField(max_length=128)
    attempt = models.PositiveIntegerField()
    state_name = models.CharField(
        max_length=128, blank=True, default="", help_text="counts a mocked state's invocations"
    )
    status = models.CharField(max_length=16, choices=STATUSES, default=CLAIMED)
    claimed_until = models.DateTimeField(help_text="a call still without outcome after this was lost")
    output = models.JSONField(null=True)
    error = models.CharField(max_length=256, null=True)
    cause = models.TextField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["execution", "task_id", "attempt"], name="unique_task_invocation")
        ]


class Draft(models.Model):
    """A design saved as work in progress: it may be invalid, and it is never applied to a machine.

    One draft per machine name and workspace (a new machine's draft is keyed by the name typed).
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="drafts")
    machine_name = models.CharField(max_length=80)
    source = models.TextField(help_text="the definition as typed, valid or not")
    config = models.JSONField(default=dict, help_text="the designer's Config mode fields")
    diagnostics = models.JSONField(default=list, help_text="the validator's findings when saved")
    saved = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "machine_name"], name="unique_draft_per_machine")
        ]
        ordering = ["-saved"]

    def __str__(self) -> str:
        return f"draft of {self.machine_name}"


class DesignRevision(models.Model):
    """What each save from the designer applied to a machine, to compare any two and roll back.

    (Published versions, PublishStateMachineVersion's, belong to the runtime; these are the
    designer's own saves, numbered by the machine's revision.)
    """

    machine = models.ForeignKey(StateMachine, on_delete=models.CASCADE, related_name="design_revisions")
    revision = models.PositiveIntegerField()
    source = models.TextField(help_text="the text as the designer saved it")
    config = models.JSONField(default=dict)
    saved = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["machine", "revision"], name="unique_design_revision")]
        ordering = ["-revision"]

    def __str__(self) -> str:
        return f"{self.machine.name} revision {self.revision}"


class MockConfigText(models.Model):
    """A workspace's own MockConfig (its Mocks page); it replaces the file's for that workspace
    (workbench.stepfunctions.mocks)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="mock_config")
    text = models.TextField()
    updated = models.DateTimeField()
