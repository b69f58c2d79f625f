"""Buckets, objects and roles made and removed in real Chromium against the served workbench:
a refused name shown beside its field and kept, an upload from a file input, a download, the
confirmations before deleting, and both pages at 1280x800 and at 390 px without horizontal
scroll. Screenshots land in docs/console-storage*.png and docs/console-role*.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import chromium_page
from tests.support.iam import STATES_TRUST_POLICY

pytestmark = [pytest.mark.live, pytest.mark.browser]

DOCS = Path(__file__).resolve().parents[2] / "docs"
NO_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(DOCS / f"console-{name}.png"), full_page=True)


def test_buckets_and_objects_in_the_browser(aws: Any, live_url: str, tmp_path: Path) -> None:
    upload = tmp_path / "orders.csv"
    upload.write_text("id,total\n1,20\n")
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
        page.goto(f"{live_url}/storage/")
        page.fill('#create-bucket input[name="name"]', "Bad_Bucket")
        page.click("#create-bucket button[type=submit]")
        assert "lowercase" in page.inner_text('.field-error[data-field="name"]')
        assert page.input_value('#create-bucket input[name="name"]') == "Bad_Bucket"  # kept
        page.fill('#create-bucket input[name="name"]', "datasets")
        page.click("#create-bucket button[type=submit]")
        page.wait_for_url("**/storage/?bucket=datasets&done=bucket-created*")
        assert "Bucket datasets created." in page.inner_text(".notice")

        page.set_input_files('#upload-object input[name="file"]', str(upload))
        page.fill('#upload-object input[name="key"]', "in/orders.csv")
        page.click("#upload-object button[type=submit]")
        page.wait_for_url("**done=object-uploaded*")
        page.click('#objects tr[data-prefix="in/"] a')
        page.wait_for_selector('#objects tr[data-key="in/orders.csv"]')
        with page.expect_download() as download:
            page.click('#objects tr[data-key="in/orders.csv"] a')
        assert Path(download.value.path()).read_text() == "id,total\n1,20\n"
        s3 = aws("s3")
        assert s3.get_object(Bucket="datasets", Key="in/orders.csv")["Body"].read() == b"id,total\n1,20\n"
        _shot(page, "storage")

        page.click("#delete-bucket button[type=submit]")  # not empty: S3 refuses
        assert "not empty" in page.inner_text('.field-error[data-field="bucket"]')
        page.goto(f"{live_url}/storage/?bucket=datasets&prefix=in/")
        page.click('#objects tr[data-key="in/orders.csv"] button')
        page.wait_for_url("**done=object-deleted*")
        assert page.locator('#objects tr[data-key="in/orders.csv"]').count() == 0
        page.click("#delete-bucket button[type=submit]")
        page.wait_for_url("**done=bucket-deleted*")
        assert dialogs == [
            "Delete bucket datasets? S3 deletes only an empty bucket.",
            "Delete in/orders.csv from datasets?",
            "Delete bucket datasets? S3 deletes only an empty bucket.",
        ]
        assert s3.list_buckets()["Buckets"] == []

        s3.create_bucket(Bucket="phone-bucket")
        s3.put_object(
            Bucket="phone-bucket", Key="a/very/long/folder/name/with-a-long-object-key.json", Body=b"{}"
        )
        page.set_viewport_size({"width": 390, "height": 844})
        for path in ("/storage/", "/storage/?bucket=phone-bucket&prefix=a/very/long/folder/name/"):
            page.goto(live_url + path)
            assert page.evaluate(NO_SCROLL), path
        _shot(page, "storage-phone")


def test_roles_in_the_browser(aws: Any, live_url: str) -> None:
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
        page.goto(f"{live_url}/roles/")
        assert page.get_attribute('nav a[href="/roles/"]', "aria-current") == "page"
        page.fill('#create-role input[name="name"]', "OrdersRole")
        page.fill('#create-role textarea[name="trust"]', '{"Version": "2012-10-17"')
        page.click("#create-role button[type=submit]")
        assert page.locator('.field-error[data-field="trust"]').is_visible()
        assert page.input_value('#create-role input[name="name"]') == "OrdersRole"  # kept
        page.fill('#create-role textarea[name="trust"]', json.dumps(STATES_TRUST_POLICY))
        page.click("#create-role button[type=submit]")
        page.wait_for_url("**/roles/OrdersRole/?done=role-created*")

        page.fill('#add-policy input[name="policy_name"]', "read")
        page.fill('#add-policy textarea[name="document"]', json.dumps(POLICY))
        page.click("#add-policy button[type=submit]")
        page.wait_for_selector('article.policy[data-policy="read"]')
        editor = 'article.policy[data-policy="read"] textarea'
        page.fill(editor, "[not json")
        page.click('article.policy[data-policy="read"] .edit-policy button')
        assert page.locator('.field-error[data-field="policy-read"]').is_visible()
        assert page.input_value(editor) == "[not json"  # kept
        iam = aws("iam")
        assert iam.get_role_policy(RoleName="OrdersRole", PolicyName="read")["PolicyDocument"] == POLICY
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate(NO_SCROLL)
        _shot(page, "role-phone")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/roles/OrdersRole/")
        _shot(page, "role")

        page.click("#delete-role button[type=submit]")
        assert "must delete policies first" in page.inner_text('.field-error[data-field="role"]')
        page.click('article.policy[data-policy="read"] .delete-policy button')
        page.wait_for_url("**done=policy-deleted*")
        page.click("#delete-role button[type=submit]")
        page.wait_for_url("**/roles/?done=role-deleted*")
        assert dialogs == [
            "Delete role OrdersRole?",
            "Delete the inline policy read?",
            "Delete role OrdersRole?",
        ]
        assert iam.list_roles()["Roles"] == []
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{live_url}/roles/")
        assert page.evaluate(NO_SCROLL)
