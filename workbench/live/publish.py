"""Pushing committed steps to browsers watching an execution.

Called only from ``transaction.on_commit`` (see runtime.stepper), so a browser never sees
work that was rolled back. Works from any thread or process: with the in-process channel
layer (embedded mode) the message hops onto the server's event loop; with Redis it is a
plain group_send (https://channels.readthedocs.io/en/stable/topics/channel_layers.html).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from engine.states.model import Decision
from workbench.live import messages
from workbench.live.groups import execution_group

log = logging.getLogger(__name__)
_server_loop: asyncio.AbstractEventLoop | None = None


def remember_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The consumers' event loop: where in-memory layer messages must be sent from."""
    global _server_loop
    _server_loop = loop


def execution_stepped(execution_id: int, decision: Decision, nodes: Mapping[str, str]) -> None:
    if not decision.history:
        return
    send(execution_group(execution_id), messages.execution_update(decision.status, decision.history, nodes))


def send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if isinstance(layer, InMemoryChannelLayer):
            if _server_loop is None or _server_loop.is_closed():
                return  # nobody is connected in this process
            asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _server_loop)
        else:
            async_to_sync(layer.group_send)(group, message)
    except Exception:
        log.exception("live push to %s failed", group)
