"""The schema pages through Django's test client: browse, search, read, diff, download, and
the bus-validation form keeping what was typed beside its error."""

from __future__ import annotations

import io
import json
import zipfile

from django.test import Client

from tests.workbench.schemas.conftest import V1, V2
from workbench.accounts.models import Workspace
from workbench.events.models import EventBus
from workbench.schemas import services
from workbench.schemas.models import BusValidation

URL = "/schemas/shop/OrderPlaced/"


def make(workspace: Workspace) -> None:
    """Version 1 from V1; version 2 inferred from V1 and V2, so currency and tax are optional."""
    services.create_registry(workspace, "shop", "Shop events", None)
    first = services.discovered_schema([json.dumps(V1)], "OpenApi3")
    services.create_schema(workspace, "shop", "OrderPlaced", "OpenApi3", first, None, None)
    second = services.discovered_schema([json.dumps(V1), json.dumps(V2)], "OpenApi3")
    services.update_schema(workspace, "shop", "OrderPlaced", None, second, "adds currency and tax")


def test_browse_and_search(client: Client, workspace: Workspace) -> None:
    make(workspace)
    listing = client.get("/schemas/").content.decode()
    assert 'href="/schemas/"' in listing  # the nav link
    assert 'data-registry="aws.events"' in listing and 'data-registry="shop"' in listing
    found = client.get("/schemas/", {"q": "currency"}).content.decode()
    assert 'data-schema="OrderPlaced"' in found and "StepFunctions" not in found
    registry = client.get("/schemas/shop/").content.decode()
    assert 'data-schema="OrderPlaced"' in registry


def test_read_versions_and_diff(client: Client, workspace: Workspace) -> None:
    make(workspace)
    page = client.get(URL).content.decode()
    assert 'data-version="2"' in page and 'data-version="1"' in page and "adds currency and tax" in page
    assert "&quot;currency&quot;" in page  # the latest version is shown
    old = client.get(URL, {"version": "1"}).content.decode()
    assert "&quot;currency&quot;" not in old
    diff = client.get(URL + "diff", {"from": "1", "to": "2"}).content.decode()
    assert 'data-field="detail.currency" data-verdict="compatible"' in diff
    assert 'data-verdict="compatible"' in diff and "backward compatible" in diff
    back = client.get(URL + "diff", {"from": "2", "to": "1"}).content.decode()
    assert 'data-field="detail.currency" data-verdict="breaking"' in back and "breaking change" in back
    missing = client.get(URL, {"version": "9"})
    assert missing.status_code == 404 and "NotFoundException" in missing.content.decode()
    assert client.get("/schemas/shop/Nope/").status_code == 404


def test_download_binding_zip(client: Client, workspace: Workspace) -> None:
    make(workspace)
    response = client.get(URL + "bindings/TypeScript3.zip", {"version": "1"})
    assert response["Content-Type"] == "application/zip"
    assert 'filename="OrderPlaced-v1-TypeScript3.zip"' in response["Content-Disposition"]
    [name] = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert name.endswith(".ts")
    assert client.get(URL + "bindings/Cobol.zip").status_code == 400


def test_validation_form_keeps_input_beside_the_error(
    client: Client, workspace: Workspace, bus: EventBus
) -> None:
    make(workspace)
    refused = client.post(URL + "validation", {"bus": "orders", "version": "9", "mode": "flag"})
    page = refused.content.decode()
    assert refused.status_code == 404
    assert 'id="validation-error"' in page and "Version 9 of schema OrderPlaced does not exist" in page
    assert 'value="9"' in page and '<option value="flag" selected>' in page
    saved = client.post(URL + "validation", {"bus": "orders", "version": "1", "mode": "reject"})
    assert saved.status_code == 302
    binding = BusValidation.objects.get(bus=bus)
    assert (binding.version, binding.mode) == (1, "reject")
    client.post(URL + "validation", {"bus": "orders", "mode": "off"})
    assert not BusValidation.objects.filter(bus=bus).exists()
