"""WebSocket URLs: one per execution page (the live graph), served by ExecutionConsumer."""

from django.urls import path

from workbench.live.consumers import ExecutionConsumer

websocket_urlpatterns = [path("ws/executions/<int:execution_id>/", ExecutionConsumer.as_asgi())]
