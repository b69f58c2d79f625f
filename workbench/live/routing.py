"""WebSocket URLs: one per execution page (the live graph, ExecutionConsumer), one per bus page
and one for the dashboard (their tails, TailConsumer)."""

from django.urls import path

from workbench.live.consumers import ExecutionConsumer, TailConsumer

websocket_urlpatterns = [
    path("ws/executions/<int:execution_id>/", ExecutionConsumer.as_asgi()),
    path("ws/buses/<int:bus_id>/", TailConsumer.as_asgi()),
    path("ws/dashboard/", TailConsumer.as_asgi()),
]
