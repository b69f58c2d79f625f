"""The schema pages in Chromium: reached and used by keyboard alone at 1280x800, and usable at
390px (nothing in the page wider than the screen)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.browser import chromium_page, tab_to

pytestmark = [pytest.mark.live, pytest.mark.browser]


def _document(**detail: Any) -> str:
    return json.dumps(
        {
            "openapi": "3.0.0",
            "info": {"title": "OrderPlaced", "version": "1.0.0"},
            "paths": {},
            "components": {
                "schemas": {"OrderPlaced": {"type": "object", "required": ["orderId"], "properties": detail}}
            },
        }
    )


def test_search_read_diff_download_by_keyboard_and_at_390px(aws: Callable[[str], Any], live_url: str) -> None:
    schemas = aws("schemas")
    schemas.create_registry(RegistryName="shop")
    first = _document(orderId={"type": "string"}, amount={"type": "number"})
    schemas.create_schema(RegistryName="shop", SchemaName="OrderPlaced", Type="OpenApi3", Content=first)
    second = _document(orderId={"type": "string"}, amount={"type": "string"}, currency={"type": "string"})
    schemas.update_schema(RegistryName="shop", SchemaName="OrderPlaced", Content=second)

    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/schemas/")
        tab_to(page, "#schema-search")
        page.keyboard.type("currency")
        page.keyboard.press("Enter")
        page.wait_for_selector("#search-results li[data-schema='OrderPlaced']")
        tab_to(page, "#search-results a")
        page.keyboard.press("Enter")
        page.wait_for_selector("#versions tr[data-version='2'][aria-current='true']")
        assert "currency" in page.inner_text("#schema-content")

        tab_to(page, ".diff-form button")
        page.keyboard.press("Enter")
        page.wait_for_selector("#changes")
        rows = page.eval_on_selector_all(
            "#changes tbody tr", "rows => rows.map(r => [r.dataset.field, r.dataset.verdict])"
        )
        assert rows == [["amount", "breaking"], ["currency", "compatible"]]  # root class: OrderPlaced
        assert page.get_attribute(".schema-verdict", "data-verdict") == "breaking"

        page.goto(f"{live_url}/schemas/shop/OrderPlaced/")
        tab_to(page, "a[href*='bindings/Python36.zip']")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        path = download.value.path()
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        assert "schema/order_placed/models.py" in names
        assert download.value.suggested_filename == "OrderPlaced-v2-Python36.zip"

        page.set_viewport_size({"width": 390, "height": 844})
        for url in ("/schemas/", "/schemas/shop/OrderPlaced/", "/schemas/shop/OrderPlaced/diff?from=1&to=2"):
            page.goto(live_url + url)
            overflow = page.evaluate(
                "() => { const m = document.querySelector('main'); return m.scrollWidth - m.clientWidth; }"
            )
            assert overflow <= 0, f"{url} is {overflow}px wider than a 390px screen"
