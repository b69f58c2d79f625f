"""Shared fixtures: the served workbench, AWS clients pointed at it, and the browser."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from tests.support.stack import served, session_db_name
from workbench.runtime import nearby


@pytest.fixture(scope="session", autouse=True)
def _flush_retried_on_deadlock() -> Iterator[None]:
    """A transactional test's teardown empties every table with one TRUNCATE, which takes its
    tables' locks one by one; the session server's recovery sweep (every 2 s, distributed mode)
    reads several of them in one SELECT, so PostgreSQL may find a deadlock between the two and
    cancel the TRUNCATE. It is tried again (the flush is one transaction: nothing half-done)."""
    from django.core.management.base import CommandError
    from django.core.management.commands import flush

    handle = flush.Command.handle

    def retried(self: Any, **options: Any) -> Any:
        for attempt in range(5):
            try:
                return handle(self, **options)
            except CommandError as exc:
                if "deadlock" not in str(exc.__cause__ or "") or attempt == 4:
                    raise
                time.sleep(0.2)
        return None

    flush.Command.handle = retried
    try:
        yield
    finally:
        flush.Command.handle = handle


@pytest.fixture(scope="session", autouse=True)
def _no_pool_in_the_test_process() -> Iterator[None]:
    """The test process keeps no pool for quick work (runtime.nearby): what an in-process test
    enqueues goes to the broker, as the test expects, and no thread of this process runs work
    behind a test's back or its teardown's. The servers the tests start run with the product's
    settings, pool included; tests/workbench/runtime/test_nearby.py makes pools of its own."""
    with mock.patch.object(nearby, "_process_pool", return_value=None):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's test database, with the sessions this process left on it ended before it
    is dropped. A thread of a test that used the database in process (through the ORM, in
    distributed mode from psycopg's pool) may end still holding its pooled connection, which
    the pool's close at teardown does not reach, and PostgreSQL then refuses the DROP ("being
    accessed by other users"), leaving the database behind. The served stacks are stopped by
    then, so every other session on it is this process's own."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session")
def live_url(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of `manage.py serve` running against the test database."""
    name = session_db_name(django_db_blocker)
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
