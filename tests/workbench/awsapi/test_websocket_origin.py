"""The live WebSocket (workbench.asgi) accepts only its own origin and executions the browser may see.

Browsers send Origin on every WebSocket handshake and apply no same-origin policy to the
socket itself (RFC 6455 section 10.2), so the server must check it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.asgi import application
from workbench.stepfunctions.models import Execution, StateMachine

pytestmark = pytest.mark.django_db(transaction=True)

MOMENT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
DEFINITION = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})


def _execution(workspace: Workspace) -> Execution:
    machine = StateMachine.objects.create(
        workspace=workspace, name="m", definition=DEFINITION, role_arn="r", created=MOMENT, updated=MOMENT
    )
    return Execution.objects.create(
        state_machine=machine, name="e", definition=DEFINITION, input="{}", start_date=MOMENT
    )


def _connects(execution_id: int, headers: list[tuple[bytes, bytes]]) -> bool:
    async def attempt() -> bool:
        communicator = WebsocketCommunicator(application, f"/ws/executions/{execution_id}/", headers=headers)
        connected, _ = await communicator.connect(timeout=5)
        if connected:
            message: dict[str, Any] = await communicator.receive_json_from(timeout=5)
            assert message["type"] == "backlog"
            await communicator.disconnect()
        return bool(connected)

    return bool(async_to_sync(attempt)())


HOST = (b"host", b"127.0.0.1:8000")


def test_the_workbench_page_connects() -> None:
    execution = _execution(default_workspace())
    assert _connects(execution.id, [HOST, (b"origin", b"http://127.0.0.1:8000")])
    assert _connects(execution.id, [HOST])  # a tool without Origin is no web page


@pytest.mark.parametrize(
    "origin",
    [b"http://127.0.0.1:9000", b"http://evil.example", b"null", b"http://localhost:8000"],
)
def test_another_origin_is_refused(origin: bytes) -> None:
    execution = _execution(default_workspace())
    assert not _connects(execution.id, [HOST, (b"origin", origin)])


def test_a_rebound_host_name_is_refused() -> None:
    execution = _execution(default_workspace())
    rebound = [(b"host", b"attacker.example:8000"), (b"origin", b"http://attacker.example:8000")]
    assert not _connects(execution.id, rebound)


def test_unknown_and_other_workspaces_executions_are_refused() -> None:
    other = Workspace.objects.create(name="other", account_id="210987654321", access_key_id="other")
    execution = _execution(other)
    same_origin = [HOST, (b"origin", b"http://127.0.0.1:8000")]
    assert not _connects(execution.id, same_origin)
    assert not _connects(999_999, same_origin)
