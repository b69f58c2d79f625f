"""URL map: the AWS API at the root (POST with X-Amz-Target), the browser UI everywhere else."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from workbench.awsapi import (  # noqa: F401 - registers the services
    connections,
    events,
    map_runs,
    protocol,
    sfn_versions,
    stepfunctions,
)
from workbench.awsapi import iam as iam_api
from workbench.awsapi import scheduler as scheduler_api
from workbench.awsapi import sns as sns_api
from workbench.awsapi import sqs as sqs_api
from workbench.console import archives as archive_views
from workbench.console import clock as clock_views
from workbench.console import dashboard
from workbench.console import event_list as event_list_views
from workbench.console import events as console_events
from workbench.console import executions as execution_views
from workbench.console import inbox as inbox_views
from workbench.console import mocks as mock_views
from workbench.console import roles as role_views
from workbench.console import schedules as schedule_views
from workbench.console import stepfunctions as stepfunctions_views
from workbench.console import storage as storage_console
from workbench.console import webhooks as webhook_views
from workbench.events.views import connections as connection_views
from workbench.events.views import log_groups as log_group_views
from workbench.events.views import sandbox as sandbox_views
from workbench.events.views import targets as target_views
from workbench.functions import views as function_views
from workbench.sns import views as topic_views
from workbench.sqs import views as queue_views
from workbench.stepfunctions import activity_views
from workbench.storage import views as storage_views


@csrf_exempt
def root(request: HttpRequest) -> HttpResponse:
    if iam_api.is_api_call(request):  # the Query protocol: no X-Amz-Target, signed for "iam"
        return iam_api.handle(request)
    if sns_api.is_api_call(request):  # Query protocol too, signed for "sns"
        return sns_api.handle(request)
    if sqs_api.is_api_call(request):  # JSON 1.0 with AmazonSQS targets and query-compatible errors
        return sqs_api.handle(request)
    if protocol.is_api_call(request):
        return protocol.handle(request)
    return dashboard.home(request)


urlpatterns = [
    path("", root, name="root"),
    path("_stepbridge/clock", clock_views.clock_endpoint, name="clock"),
    path("_stepbridge/clock/<str:workspace_name>", clock_views.clock_endpoint, name="clock-workspace"),
    # EventBridge Scheduler's REST-JSON API (answers only requests signed for "scheduler").
    path("schedules", scheduler_api.handle, {"collection": "schedules"}),
    path("schedules/<str:name>", scheduler_api.handle, {"collection": "schedules"}),
    path("schedule-groups", scheduler_api.handle, {"collection": "schedule-groups"}),
    path("schedule-groups/<str:name>", scheduler_api.handle, {"collection": "schedule-groups"}),
    path("tags/<path:name>", scheduler_api.handle, {"collection": "tags"}),
    path("machines/", stepfunctions_views.machine_list, name="machine-list"),
    path("", include("workbench.console.designer_urls")),
    path("", include("workbench.console.version_urls")),
    path("machines/validate", stepfunctions_views.validate_definition, name="validate-definition"),
    path("machines/<str:name>/", stepfunctions_views.machine_detail, name="machine-detail"),
    path("machines/<str:name>/delete", execution_views.delete_machine, name="machine-delete"),
    path("machines/<str:name>/test-state", stepfunctions_views.run_test_state, name="machine-test-state"),
    path("executions/<int:execution_id>/", stepfunctions_views.execution_detail, name="execution-detail"),
    path("executions/", execution_views.execution_list, name="execution-list"),
    path("mocks/", mock_views.mock_config, name="mocks"),
    path("executions/<int:execution_id>/stop", execution_views.stop_execution, name="execution-stop"),
    path(
        "executions/<int:execution_id>/redrive", execution_views.redrive_execution, name="execution-redrive"
    ),
    path("events/", event_list_views.event_list, name="event-list"),
    path("buses/", console_events.bus_list, name="bus-list"),
    path("patterns/sandbox/", sandbox_views.sandbox_page, name="bus-sandbox"),
    path("patterns/sandbox/evaluate", sandbox_views.evaluate, name="bus-sandbox-evaluate"),
    path("patterns/sandbox/preview", target_views.preview, name="bus-sandbox-preview"),
    path("buses/<str:bus_name>/", console_events.bus_detail, name="bus-detail"),
    path("buses/<str:bus_name>/delete", console_events.bus_delete, name="bus-delete"),
    path("buses/<str:bus_name>/send", console_events.send_events, name="bus-send"),
    path("buses/<str:bus_name>/webhook", webhook_views.manage, name="bus-webhook"),
    path("buses/<str:bus_name>/logging", console_events.bus_logging, name="bus-logging"),
    path("webhooks/<str:uid>/", webhook_views.receive, name="webhook-receive"),
    path("buses/<str:bus_name>/rules/", console_events.rule_create, name="rule-create"),
    path("buses/<str:bus_name>/events/<int:event_id>/", console_events.event_detail, name="event-detail"),
    path("buses/<str:bus_name>/rules/<str:rule_name>/", console_events.rule_detail, name="rule-detail"),
    path("buses/<str:bus_name>/rules/<str:rule_name>/state", console_events.rule_state, name="rule-state"),
    path("buses/<str:bus_name>/rules/<str:rule_name>/delete", console_events.rule_delete, name="rule-delete"),
    path(
        "buses/<str:bus_name>/rules/<str:rule_name>/targets/save",
        console_events.target_save,
        name="target-save",
    ),
    path(
        "buses/<str:bus_name>/rules/<str:rule_name>/targets/remove",
        console_events.target_remove,
        name="target-remove",
    ),
    path(
        "buses/<str:bus_name>/rules/<str:rule_name>/targets/", target_views.rule_targets, name="rule-targets"
    ),
    path("scheduler/", schedule_views.schedule_list, name="schedule-list"),
    path(
        "scheduler/<str:group_name>/<str:schedule_name>/",
        schedule_views.schedule_detail,
        name="schedule-detail",
    ),
    path("schedules/", schedule_views.old_address),  # the nav's word: permanently /scheduler/
    path("archives/", archive_views.archive_list, name="archive-list"),
    path("connections/", connection_views.connection_list, name="connection-list"),
    path("api-destinations/", connection_views.api_destination_list, name="api-destination-list"),
    path("log-groups/", log_group_views.log_group_list, name="log-group-list"),
    path("functions/", function_views.function_list, name="function-list"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("activities/", activity_views.activity_list, name="activity-list"),
    path("queues/", queue_views.queue_list, name="queue-list"),
    path("queues/<str:name>/", queue_views.queue_detail, name="queue-detail"),
    path("topics/", topic_views.topic_list, name="topic-list"),
    path("topics/<str:name>/", topic_views.topic_detail, name="topic-detail"),
    path("storage/", storage_console.storage_page, name="storage"),
    path("storage/delete-bucket", storage_console.bucket_delete, name="storage-bucket-delete"),
    path("storage/upload", storage_console.object_upload, name="storage-upload"),
    path("storage/delete-object", storage_console.object_delete, name="storage-object-delete"),
    path("roles/", role_views.role_list, name="role-list"),
    path("roles/<str:role_name>/", role_views.role_detail, name="role-detail"),
    path("roles/<str:role_name>/trust", role_views.trust_save, name="role-trust"),
    path("roles/<str:role_name>/policies", role_views.policy_save, name="role-policy-save"),
    path("roles/<str:role_name>/policies/delete", role_views.policy_delete, name="role-policy-delete"),
    path("roles/<str:role_name>/delete", role_views.role_delete, name="role-delete"),
    path("storage/download", storage_views.download, name="storage-download"),
    path("schemas/", include("workbench.schemas.urls")),
    path("v1/", include("workbench.awsapi.schemas")),  # the schema registry API (REST-JSON)
]
