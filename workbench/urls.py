"""URL map: the AWS API at the root (POST with X-Amz-Target), the browser UI everywhere else."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from workbench.awsapi import events, protocol, stepfunctions  # noqa: F401 - registers the services
from workbench.buses import views as bus_views
from workbench.flows import views as flow_views
from workbench.functions import views as function_views


@csrf_exempt
def root(request: HttpRequest) -> HttpResponse:
    if protocol.is_api_call(request):
        return protocol.handle(request)
    return redirect("machine-list")


urlpatterns = [
    path("", root, name="root"),
    path("machines/", flow_views.machine_list, name="machine-list"),
    path("machines/validate", flow_views.validate_definition, name="validate-definition"),
    path("machines/<str:name>/", flow_views.machine_detail, name="machine-detail"),
    path("executions/<int:execution_id>/", flow_views.execution_detail, name="execution-detail"),
    path("buses/", bus_views.bus_list, name="bus-list"),
    path("functions/", function_views.function_list, name="function-list"),
]
