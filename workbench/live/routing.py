"""WebSocket URLs: one per execution page (the live graph, ExecutionConsumer), one per bus page,
and one each for the dashboard, the queue pages and the Schedules page (their tails,
TailConsumer)."""

from django.urls import path

from workbench.live.consumers import ExecutionConsumer, TailConsumer
from workbench.live.groups import queues_group, schedules_group

websocket_urlpatterns = [
    path("ws/executions/<int:execution_id>/", ExecutionConsumer.as_asgi()),
    path("ws/buses/<int:bus_id>/", TailConsumer.as_asgi()),
    path("ws/dashboard/", TailConsumer.as_asgi()),
    path("ws/queues/", TailConsumer.as_asgi(group_of=queues_group)),
    path("ws/schedules/", TailConsumer.as_asgi(group_of=schedules_group)),
]
