"""The schema registry through boto3's real ``schemas`` client against the served workbench.

The course's schema-registry chapter (tests/fixtures/course_chapter_18.txt, "EventBridge Schema
Registry") versions an order event: version 1 {orderId, amount}, version 2 adds currency and
tax, and a generated Python binding parses ``event['detail']``. Error codes and HTTP statuses
are botocore's ``schemas`` 2019-12-02 model's.
"""

from __future__ import annotations

import io
import json
import sys
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import wait_for

pytestmark = pytest.mark.live

SOURCE, DETAIL_TYPE = "com.myapp.orders", "Order Placed"
SCHEMA = "com.myapp.orders@OrderPlaced"


def _entry(bus: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {"EventBusName": bus, "Source": SOURCE, "DetailType": DETAIL_TYPE, "Detail": json.dumps(detail)}


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = exc.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _versions(schemas: Any) -> list[str]:
    try:
        listed = schemas.list_schema_versions(RegistryName="discovered-schemas", SchemaName=SCHEMA)
    except ClientError:
        return []
    return [v["SchemaVersion"] for v in listed["SchemaVersions"]]


def test_order_events_discovered_into_versions_with_a_binding_that_parses(
    aws: Callable[[str], Any], live_url: str, tmp_path: Path
) -> None:
    events, schemas = aws("events"), aws("schemas")
    bus_arn = events.create_event_bus(Name="orders")["EventBusArn"]
    created = schemas.create_discoverer(SourceArn=bus_arn, Description="orders bus")
    assert created["State"] == "STARTED" and created["SourceArn"] == bus_arn
    discoverer = created["DiscovererId"]

    v1 = {"orderId": "order-123", "amount": 299.99}
    assert events.put_events(Entries=[_entry("orders", v1)])["FailedEntryCount"] == 0
    wait_for(lambda: _versions(schemas) == ["1"])
    first = schemas.describe_schema(RegistryName="discovered-schemas", SchemaName=SCHEMA)
    content = json.loads(first["Content"])
    root = content["components"]["schemas"]["AWSEvent"]
    assert (root["x-amazon-events-source"], root["x-amazon-events-detail-type"]) == (SOURCE, DETAIL_TYPE)
    assert root["properties"]["detail"] == {"$ref": "#/components/schemas/OrderPlaced"}
    assert set(content["components"]["schemas"]["OrderPlaced"]["properties"]) == {"orderId", "amount"}

    # Version 2 of the course: currency and tax added.
    v2 = {**v1, "currency": "USD", "tax": 24.0}
    events.put_events(Entries=[_entry("orders", v2)])
    wait_for(lambda: _versions(schemas) == ["1", "2"])
    latest = json.loads(
        schemas.describe_schema(RegistryName="discovered-schemas", SchemaName=SCHEMA)["Content"]
    )
    detail = latest["components"]["schemas"]["OrderPlaced"]
    assert set(detail["properties"]) == {"orderId", "amount", "currency", "tax"}
    assert set(detail["required"]) == {"orderId", "amount"}  # older events lack them: optional

    # The browser's diff of the two versions gives each change a verdict.
    diff_url = f"{live_url}/schemas/discovered-schemas/{SCHEMA}/diff?from=1&to=2"
    with urllib.request.urlopen(diff_url, timeout=10) as page:
        html = page.read().decode()
    assert 'data-field="detail.currency" data-verdict="compatible"' in html
    assert 'data-field="detail.tax" data-verdict="compatible"' in html

    # Stopped: further events leave the schema alone.
    assert schemas.stop_discoverer(DiscovererId=discoverer)["State"] == "STOPPED"
    assert schemas.describe_discoverer(DiscovererId=discoverer)["State"] == "STOPPED"

    # Python binding: PutCodeBinding, then the zip from GetCodeBindingSource imports and parses.
    put = schemas.put_code_binding(RegistryName="discovered-schemas", SchemaName=SCHEMA, Language="Python36")
    assert put["SchemaVersion"] == "2"
    described = schemas.describe_code_binding(
        RegistryName="discovered-schemas", SchemaName=SCHEMA, Language="Python36"
    )
    assert described["Status"] == "CREATE_COMPLETE"
    body = schemas.get_code_binding_source(
        RegistryName="discovered-schemas", SchemaName=SCHEMA, Language="Python36"
    )
    zipfile.ZipFile(io.BytesIO(body["Body"].read())).extractall(tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        from schema.com_myapp_orders.orderplaced import OrderPlaced  # type: ignore[import-not-found]

        order = OrderPlaced.from_dict(v2)
        assert (order.order_id, order.amount, order.currency, order.tax) == ("order-123", 299.99, "USD", 24.0)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "schema" or m.startswith("schema.")]:
            del sys.modules[name]


def test_user_registry_schema_lifecycle_and_search(aws: Callable[[str], Any]) -> None:
    schemas = aws("schemas")
    schemas.create_registry(RegistryName="shop", Description="shop events", Tags={"team": "orders"})
    assert schemas.describe_registry(RegistryName="shop")["Tags"] == {"team": "orders"}
    names = [r["RegistryName"] for r in schemas.list_registries()["Registries"]]
    assert {"aws.events", "discovered-schemas", "shop"} <= set(names)
    assert [r["RegistryName"] for r in schemas.list_registries(Scope="AWS")["Registries"]] == ["aws.events"]

    discovered = schemas.get_discovered_schema(
        Type="OpenApi3",
        Events=[json.dumps({"source": SOURCE, "detail-type": DETAIL_TYPE, "detail": {"orderId": "o-1"}})],
    )["Content"]
    made = schemas.create_schema(
        RegistryName="shop",
        SchemaName="OrderPlaced",
        Type="OpenApi3",
        Content=discovered,
        Description="orders",
    )
    assert made["SchemaVersion"] == "1"
    same = schemas.update_schema(RegistryName="shop", SchemaName="OrderPlaced", Content=discovered)
    assert same["SchemaVersion"] == "1"  # unchanged content writes no version
    changed = json.loads(discovered)
    changed["components"]["schemas"]["OrderPlaced"]["properties"]["currency"] = {"type": "string"}
    assert (
        schemas.update_schema(RegistryName="shop", SchemaName="OrderPlaced", Content=json.dumps(changed))[
            "SchemaVersion"
        ]
        == "2"
    )

    found = schemas.search_schemas(RegistryName="shop", Keywords="currency")["Schemas"]
    assert [(s["SchemaName"], [v["SchemaVersion"] for v in s["SchemaVersions"]]) for s in found] == [
        ("OrderPlaced", ["2", "1"])
    ]
    exported = json.loads(
        schemas.export_schema(RegistryName="shop", SchemaName="OrderPlaced", Type="JSONSchemaDraft4")[
            "Content"
        ]
    )
    assert exported["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert exported["properties"]["detail"] == {"$ref": "#/definitions/OrderPlaced"}

    schemas.delete_schema_version(RegistryName="shop", SchemaName="OrderPlaced", SchemaVersion="1")
    versions = schemas.list_schema_versions(RegistryName="shop", SchemaName="OrderPlaced")["SchemaVersions"]
    assert [v["SchemaVersion"] for v in versions] == ["2"]
    schemas.delete_schema(RegistryName="shop", SchemaName="OrderPlaced")
    schemas.delete_registry(RegistryName="shop")
    with pytest.raises(ClientError) as gone:
        schemas.describe_registry(RegistryName="shop")
    assert _error(gone)[:2] == ("NotFoundException", 404)


def test_builtin_registry_holds_the_step_functions_status_change(aws: Callable[[str], Any]) -> None:
    schemas = aws("schemas")
    found = schemas.describe_schema(
        RegistryName="aws.events", SchemaName="aws.states@StepFunctionsExecutionStatusChange"
    )
    root = json.loads(found["Content"])["components"]["schemas"]
    assert root["AWSEvent"]["x-amazon-events-detail-type"] == "Step Functions Execution Status Change"
    assert {"executionArn", "stateMachineArn", "status", "startDate"} <= set(
        root["StepFunctionsExecutionStatusChange"]["properties"]
    )
    with pytest.raises(ClientError) as refused:
        schemas.delete_registry(RegistryName="aws.events")
    assert _error(refused)[:2] == ("ForbiddenException", 403)


def test_errors_in_aws_shapes(aws: Callable[[str], Any]) -> None:
    schemas = aws("schemas")
    with pytest.raises(ClientError) as missing:
        schemas.describe_registry(RegistryName="nope")
    assert _error(missing) == ("NotFoundException", 404, "Registry with name nope does not exist.")
    with pytest.raises(schemas.exceptions.NotFoundException):
        schemas.describe_schema(RegistryName="aws.events", SchemaName="no.such@Schema")
    with pytest.raises(ClientError) as no_version:
        schemas.describe_schema(
            RegistryName="aws.events",
            SchemaName="aws.states@StepFunctionsExecutionStatusChange",
            SchemaVersion="99",
        )
    assert _error(no_version)[:2] == ("NotFoundException", 404)
    with pytest.raises(ClientError) as no_discoverer:
        schemas.start_discoverer(DiscovererId="events-event-bus-nope")
    assert _error(no_discoverer)[:2] == ("NotFoundException", 404)

    schemas.create_registry(RegistryName="faults")
    with pytest.raises(ClientError) as twice:
        schemas.create_registry(RegistryName="faults")
    assert _error(twice)[:2] == ("ConflictException", 409)
    bad_type = json.dumps(
        {
            "openapi": "3.0.0",
            "info": {"title": "T", "version": "1"},
            "paths": {},
            "components": {"schemas": {"T": {"type": "strin"}}},
        }
    )
    with pytest.raises(ClientError) as not_openapi:
        schemas.create_schema(RegistryName="faults", SchemaName="T", Type="OpenApi3", Content=bad_type)
    code, status, message = _error(not_openapi)
    assert (code, status) == ("BadRequestException", 400)
    assert message.startswith("components.schemas.T.type is not valid JSON Schema Draft 4")
    with pytest.raises(ClientError) as not_json:
        schemas.create_schema(RegistryName="faults", SchemaName="T", Type="JSONSchemaDraft4", Content="{oops")
    assert _error(not_json)[0] == "BadRequestException" and "line 1 column 2" in _error(not_json)[2]
    with pytest.raises(ClientError) as language:
        schemas.put_code_binding(
            RegistryName="aws.events",
            SchemaName="aws.states@StepFunctionsExecutionStatusChange",
            Language="Cobol",
        )
    assert _error(language)[:2] == ("BadRequestException", 400)
    with pytest.raises(ClientError) as not_a_bus:
        schemas.create_discoverer(SourceArn="arn:aws:events:us-east-1:000000000000:event-bus/none")
    assert _error(not_a_bus)[:2] == ("BadRequestException", 400)
