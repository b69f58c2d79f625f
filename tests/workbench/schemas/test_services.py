"""Registry services: AWS's errors (botocore ``schemas`` model codes) and version rules."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.workbench.schemas.conftest import V1, V2
from workbench.accounts.models import Workspace
from workbench.schemas import services
from workbench.schemas.errors import BadRequest, Conflict, Forbidden, NotFound


def content(*events: dict[str, object]) -> str:
    return services.discovered_schema([json.dumps(e) for e in events], "OpenApi3")


def test_builtin_registries_exist_once(workspace: Workspace) -> None:
    names = [r.name for r in services.list_registries(workspace, None, None)]
    services.ensure_builtin(workspace)
    assert names == [r.name for r in services.list_registries(workspace, None, None)]
    assert names == ["aws.events", "discovered-schemas"]
    builtin = [s.name for s in services.list_schemas(workspace, "aws.events", None)]
    assert builtin == ["aws.events@ScheduledEvent", "aws.states@StepFunctionsExecutionStatusChange"]
    with pytest.raises(Forbidden):
        services.create_schema(workspace, "aws.events", "Mine", "OpenApi3", content(V1), None, None)


def test_bad_names_and_content(workspace: Workspace) -> None:
    with pytest.raises(BadRequest, match="RegistryName 'a/b' is not valid"):
        services.create_registry(workspace, "a/b", None, None)
    services.create_registry(workspace, "shop", None, None)
    with pytest.raises(Conflict, match="Registry with name shop already exists"):
        services.create_registry(workspace, "shop", None, None)
    with pytest.raises(BadRequest, match="'openapi' must be a version string"):
        services.create_schema(workspace, "shop", "S", "OpenApi3", '{"openapi": 3}', None, None)
    with pytest.raises(BadRequest, match="Content must be a string"):
        services.create_schema(workspace, "shop", "S", "OpenApi3", {"openapi": "3.0.0"}, None, None)
    with pytest.raises(NotFound, match="Registry with name nowhere does not exist"):
        services.create_schema(workspace, "nowhere", "S", "OpenApi3", content(V1), None, None)


def test_versions_update_delete(workspace: Workspace) -> None:
    services.create_registry(workspace, "shop", None, None)
    schema, first = services.create_schema(workspace, "shop", "S", "OpenApi3", content(V1), "v1", {"t": "1"})
    assert first.version == 1 and first.description == "v1"
    _, same = services.update_schema(workspace, "shop", "S", None, content(V1), None)
    assert same.pk == first.pk
    _, second = services.update_schema(workspace, "shop", "S", None, content(V2), "now with tax")
    assert second.version == 2 and second.description == "now with tax"
    with pytest.raises(NotFound, match="Version 7 of schema S does not exist"):
        services.get_version(schema, "7")
    with pytest.raises(BadRequest, match="use a version number"):
        services.get_version(schema, "latest")
    services.delete_schema_version(workspace, "shop", "S", "2")
    _, third = services.update_schema(workspace, "shop", "S", None, content(V2), None)
    assert third.version == 3  # numbers are never reused
    services.delete_schema_version(workspace, "shop", "S", "1")
    with pytest.raises(BadRequest, match="only version"):
        services.delete_schema_version(workspace, "shop", "S", "3")


def test_search_by_field_name(workspace: Workspace) -> None:
    services.create_registry(workspace, "shop", None, None)
    services.create_schema(workspace, "shop", "Orders", "OpenApi3", content(V2), None, None)
    services.create_schema(
        workspace, "shop", "Other", "OpenApi3", content({**V1, "detail": {"x": 1}}), None, None
    )
    assert [s.name for s in services.search_schemas(workspace, "shop", "CURRENCY")] == ["Orders"]
    assert [s.name for s in services.search_schemas(workspace, "shop", "orders tax")] == ["Orders"]
    with pytest.raises(BadRequest, match="Keywords must not be empty"):
        services.search_schemas(workspace, "shop", "  ")


def test_discovered_schema_refuses_mixed_or_bad_events() -> None:
    with pytest.raises(BadRequest, match=r"Events\[1\] is not valid JSON"):
        services.discovered_schema([json.dumps(V1), "{"], "OpenApi3")
    with pytest.raises(BadRequest, match="share one source and detail-type"):
        services.discovered_schema([json.dumps(V1), json.dumps({**V1, "source": "x"})], "OpenApi3")
    draft4 = json.loads(services.discovered_schema([json.dumps(V1)], "JSONSchemaDraft4"))
    assert draft4["$schema"] == "http://json-schema.org/draft-04/schema#"


def test_code_binding_zip(workspace: Workspace) -> None:
    schema = services.get_schema(workspace, "aws.events", "aws.states@StepFunctionsExecutionStatusChange")
    version = services.get_version(schema, None)
    with pytest.raises(NotFound, match="No Python36 code binding"):
        services.get_code_binding(schema, version, "Python36")
    binding = services.put_code_binding(schema, version, "Python36")
    assert binding.status == "CREATE_COMPLETE"
    assert services.put_code_binding(schema, version, "Python36").pk == binding.pk
    archive = zipfile.ZipFile(io.BytesIO(services.binding_zip(binding)))
    models = archive.read("schema/aws_states/stepfunctionsexecutionstatuschange/models.py").decode()
    assert "class StepFunctionsExecutionStatusChange(object):" in models
    assert services.binding_zip(binding) == services.binding_zip(binding)  # deterministic bytes
