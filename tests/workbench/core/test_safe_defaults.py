"""Safe defaults: DEBUG off unless asked for, served host names only, error pages that tell nothing.

Django's debug page lists settings (DATABASE_URL, broker URLs) and tracebacks; it must never
be what a visitor sees unless the operator turned it on (STEPBRIDGE_DEBUG=1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

SETTINGS_PROBE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps([settings.DEBUG, settings.ALLOWED_HOSTS]))"
)


def _settings(**env: str) -> tuple[bool, list[str]]:
    clean = {k: v for k, v in os.environ.items() if k not in ("STEPBRIDGE_DEBUG", "STEPBRIDGE_ALLOWED_HOSTS")}
    clean["DJANGO_SETTINGS_MODULE"] = "workbench.settings"
    output = subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    debug, hosts = json.loads(output.strip().splitlines()[-1])
    return debug, hosts


def test_debug_is_off_unless_asked_for_and_hosts_are_the_served_names() -> None:
    assert _settings() == (False, ["127.0.0.1", "localhost", ".localhost", "[::1]"])
    debug, hosts = _settings(STEPBRIDGE_DEBUG="1", STEPBRIDGE_ALLOWED_HOSTS="wb.example, other.example")
    assert debug is True
    assert hosts[-2:] == ["wb.example", "other.example"] and "*" not in hosts


@pytest.mark.django_db
def test_an_unknown_host_name_is_refused(client: Client) -> None:
    assert client.get("/machines/", HTTP_HOST="attacker.example").status_code == 400
    assert client.get("/machines/", HTTP_HOST="127.0.0.1:8000").status_code == 200


@pytest.mark.django_db
def test_the_404_page_is_friendly(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Nothing here" in text and "/no-such-page/" in text
    assert "URLconf" not in text  # Django's debug 404 lists the URL patterns
    assert "Resolver404" not in text  # no internal class name either


@pytest.mark.django_db
def test_the_500_page_shows_no_traceback_or_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.storage import services

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("connection to postgres://user:secret@db/stepbridge failed")

    monkeypatch.setattr(services, "list_buckets", broken)
    response = Client(raise_request_exception=False).get("/storage/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong" in text
    for leak in ("secret", "Traceback", "RuntimeError", "DATABASE", "SECRET_KEY"):
        assert leak not in text
