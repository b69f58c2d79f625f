"""The roles pages in-process: a role created, its trust policy and inline policies edited and
deleted, the role deleted once its policies are gone; refusals beside their field with what was
typed kept (HTTP 400), crafted POSTs answered 400 not 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.support.iam import STATES_TRUST_POLICY
from tests.support.pages import field_error
from workbench.accounts.services import default_workspace
from workbench.identity import services as identity
from workbench.identity.models import Role, RolePolicy

pytestmark = pytest.mark.django_db

TRUST = json.dumps(STATES_TRUST_POLICY)
ALLOW = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}],
    }
)


def test_role_lifecycle_in_the_console(client: Client) -> None:
    assert "Roles" in client.get("/roles/").content.decode()
    response = client.post("/roles/", {"name": "Orders", "path": "/app/", "description": "d", "trust": TRUST})
    assert (
        response.status_code == 302 and response["Location"] == "/roles/Orders/?done=role-created&name=Orders"
    )
    page = client.get(response["Location"]).content.decode()
    assert "Role Orders created." in page and "arn:aws:iam::123456789012:role/app/Orders" in page

    response = client.post("/roles/Orders/policies", {"policy_name": "invoke", "document": ALLOW})
    assert response.status_code == 302
    assert json.loads(RolePolicy.objects.get(name="invoke").document) == json.loads(ALLOW)
    narrower = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    )
    edited = client.post(
        "/roles/Orders/policies", {"edit": "1", "policy_name": "invoke", "document": narrower}
    )
    assert edited.status_code == 302
    assert json.loads(RolePolicy.objects.get(name="invoke").document)["Statement"][0]["Effect"] == "Deny"

    trust = json.dumps({**STATES_TRUST_POLICY, "Version": "2008-10-17"})
    assert client.post("/roles/Orders/trust", {"trust": trust}).status_code == 302
    assert json.loads(Role.objects.get().assume_role_policy_document)["Version"] == "2008-10-17"

    refused = client.post("/roles/Orders/delete")
    assert refused.status_code == 400
    assert "must delete policies first" in field_error(refused.content.decode(), "role")
    assert client.post("/roles/Orders/policies/delete", {"policy_name": "invoke"}).status_code == 302
    response = client.post("/roles/Orders/delete")
    assert response.status_code == 302 and "done=role-deleted" in response["Location"]
    assert not Role.objects.exists()


def test_a_malformed_trust_policy_is_shown_beside_it_and_kept(client: Client) -> None:
    response = client.post("/roles/", {"name": "Orders", "path": "/", "trust": '{"Version": '})
    page = response.content.decode()
    assert response.status_code == 400
    assert field_error(page, "trust")
    assert "{&quot;Version&quot;:</textarea>" in page and 'value="Orders"' in page
    assert not Role.objects.exists()


def test_a_bad_name_and_a_bad_path_are_named(client: Client) -> None:
    bad_name = client.post("/roles/", {"name": "no spaces", "path": "/", "trust": TRUST})
    assert bad_name.status_code == 400 and "roleName" in field_error(bad_name.content.decode(), "name")
    bad_path = client.post("/roles/", {"name": "Ok", "path": "nope", "trust": TRUST})
    assert bad_path.status_code == 400 and "path" in field_error(bad_path.content.decode(), "path")


def test_a_refused_edit_stays_in_its_policy(client: Client) -> None:
    workspace = default_workspace()
    identity.create_role(workspace, name="R", assume_role_policy_document=TRUST)
    identity.put_role_policy(workspace, "R", "invoke", ALLOW)
    response = client.post("/roles/R/policies", {"edit": "1", "policy_name": "invoke", "document": "[1"})
    page = response.content.decode()
    assert response.status_code == 400
    assert field_error(page, "policy-invoke") and "[1</textarea>" in page
    assert json.loads(RolePolicy.objects.get().document) == json.loads(ALLOW)  # unchanged
    trust = client.post("/roles/R/trust", {"trust": "{}"})
    assert trust.status_code == 400 and field_error(trust.content.decode(), "trust")


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/roles/", {}, "name"),
        ("/roles/R/trust", {}, "trust"),
        ("/roles/R/policies", {}, "policy_name"),
        ("/roles/R/policies", {"policy_name": "p"}, "document"),
        ("/roles/R/policies/delete", {}, "policies"),
        ("/roles/R/policies/delete", {"policy_name": "none"}, "policies"),
    ],
)
def test_crafted_posts_answer_400_with_the_field(
    client: Client, path: str, data: dict[str, str], field: str
) -> None:
    identity.create_role(default_workspace(), name="R", assume_role_policy_document=TRUST)
    response = client.post(path, data)
    assert response.status_code == 400
    assert field_error(response.content.decode(), field)


def test_a_missing_role_is_404(client: Client) -> None:
    assert client.get("/roles/nobody/").status_code == 404
    assert client.post("/roles/nobody/delete").status_code == 404
