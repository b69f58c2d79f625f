"""The definition editor in Chromium shows AWS's validation diagnostics as you type."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.browser import chromium_page
from tests.support.definitions import BAD, GOOD


@pytest.mark.live
@pytest.mark.browser
def test_diagnostics_update_as_you_type(live_url: str, transactional_db: Any) -> None:
    with chromium_page() as page:
        page.goto(f"{live_url}/machines/")
        area = page.locator("textarea[name=definition]")
        area.fill(json.dumps(BAD))
        page.wait_for_selector("ul.diagnostics[data-result=FAIL] li.diagnostic-ERROR")
        assert "Nowhere" in page.locator("ul.diagnostics").inner_text()
        area.fill(json.dumps(GOOD))
        page.wait_for_selector("ul.diagnostics[data-result=OK] li.diagnostic-OK")
        area.fill("{not json")
        page.wait_for_selector("ul.diagnostics[data-result=FAIL] li.diagnostic-ERROR")
