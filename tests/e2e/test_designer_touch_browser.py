"""The designer on a tablet in Debian's Chromium: a state dragged from the palette with a finger
(real touch input, through the DevTools protocol) lands on the insert point it is dropped on,
and a Task whose Resource the workbench cannot perform is flagged on its node, beside its
Resource field and in the Code view's diagnostics, without failing validation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import CHROMIUM, FLAGS

pytestmark = [pytest.mark.live, pytest.mark.browser]

DOCS = Path(__file__).resolve().parents[2] / "docs"
UNKNOWN = "arn:aws:lambda:us-east-1:123456789012:function:nobody-wrote-this"


@pytest.fixture
def tablet(live_url: str, transactional_db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
            tab = context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda error: errors.append(str(error)))
            tab.goto(live_url + "/machines/new/design")
            tab.wait_for_selector("body[data-ready=true]")
            tab.wait_for_selector("#canvas .state-node")
            yield tab
            assert errors == [], f"the page raised: {errors}"
        finally:
            browser.close()


def _centre(page: Any, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box, selector
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _finger_drag(page: Any, start: tuple[float, float], end: tuple[float, float], steps: int = 12) -> None:
    """A real touch: touchStart, moves, touchEnd, as a finger on a touch screen sends them."""
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, x: float, y: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", *start)
    for step in range(1, steps + 1):
        touch(
            "touchMove",
            start[0] + (end[0] - start[0]) * step / steps,
            start[1] + (end[1] - start[1]) * step / steps,
        )
    touch("touchEnd", *end)


def _definition(page: Any) -> dict[str, Any]:
    return page.evaluate("window.stepbridgeDesigner.state.definition")  # type: ignore[no-any-return]


def test_a_state_dragged_from_the_palette_with_a_finger(tablet: Any) -> None:
    page = tablet
    assert list(_definition(page)["States"]) == ["Start"]
    wait_item = '#palette .palette-item:text-is("Wait")'
    insert = '#canvas .edge-insert[aria-label="Insert between Start and the end"]'
    _finger_drag(page, _centre(page, wait_item), _centre(page, insert))
    page.wait_for_selector('#canvas .state-node[data-state="Wait"]')
    states = _definition(page)["States"]
    assert states["Start"]["Next"] == "Wait" and states["Wait"]["Type"] == "Wait"
    assert page.locator(".palette-ghost").count() == 0


def test_an_unknown_task_resource_is_flagged_in_place(tablet: Any) -> None:
    page = tablet
    page.locator('#palette .palette-item:text-is("Lambda function (ARN)")').click()
    page.locator('#canvas .edge-insert[aria-label="Insert between Start and the end"]').click()
    node = '#canvas .state-node[data-state="Call function"]'
    page.wait_for_selector(node)
    page.locator(node).click()
    resource = page.locator("#inspector [name=Resource]")
    resource.fill(UNKNOWN)
    resource.press("Tab")
    page.wait_for_selector(f"{node}.has-warning")
    warning = page.locator("#inspector .field-error.is-warning")
    warning.wait_for()
    assert (
        "WORKBENCH_UNKNOWN_RESOURCE" in warning.inner_text() and "nobody-wrote-this" in warning.inner_text()
    )
    assert page.locator("#design-panel ul.diagnostics").get_attribute("data-result") == "OK"
    page.screenshot(path=str(DOCS / "designer-unknown-resource.png"))
    page.locator("[data-mode=code]").first.click()
    page.wait_for_selector("#code-panel ul.diagnostics li.diagnostic-WARNING")
    assert "WORKBENCH_UNKNOWN_RESOURCE" in page.locator("#code-panel ul.diagnostics").inner_text()
