"""Shared fixtures: the served workbench, AWS clients pointed at it, and the browser."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.stack import served


@pytest.fixture(scope="session")
def live_url(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of `manage.py serve` running against the test database."""
    from django.db import connection

    with django_db_blocker.unblock():
        name = str(connection.settings_dict["NAME"])
    with served(name, tmp_path_factory.mktemp("stack")) as base:
        yield base


@pytest.fixture
def aws(live_url: str, transactional_db: Any) -> Callable[[str], Any]:
    """boto3 clients for the served workbench, configured as the README tells users to."""
    import boto3
    from botocore.config import Config

    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=live_url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
        )

    return client


def wait_for(predicate: Callable[[], Any], timeout: float = 30, interval: float = 0.1) -> Any:
    """Poll until predicate() is truthy; return its value or fail with the last one."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
