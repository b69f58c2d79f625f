"""The pattern sandbox page in real Chromium against the served workbench: the verdict and
the miss rows change as the user types, without a reload, and Save stores the target."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.events.patterns import InvalidEventPatternError, explain, parse_pattern
from engine.events.transform import render_target_input
from tests.conftest import wait_for
from tests.support.browser import chromium_page
from tests.support.events import ECHO_ARN as LAMBDA_ARN

BUS = "orders-bus"
RULE = "high-value-orders"


@pytest.mark.live
@pytest.mark.browser
def test_sandbox_verdict_and_preview_update_as_the_user_types(aws: Any, live_url: str) -> None:
    from workbench.events.models import ReceivedEvent, Rule

    events = aws("events")
    events.create_event_bus(Name=BUS)
    events.put_rule(
        Name=RULE,
        EventBusName=BUS,
        EventPattern=json.dumps({"source": ["com.myapp.orders"], "detail-type": ["Order Placed"]}),
    )
    detail = {"orderId": "order-123", "amount": 299.99}
    events.put_events(
        Entries=[
            {
                "Source": "com.myapp.orders",
                "DetailType": "Order Placed",
                "Detail": json.dumps(detail),
                "EventBusName": BUS,
            }
        ]
    )
    # ORM before the browser: Playwright's event loop makes Django refuse ORM calls.
    stored = wait_for(lambda: ReceivedEvent.objects.filter(bus__name=BUS).first())
    assert stored.matched_rules == [RULE]
    rule = Rule.objects.select_related("bus__workspace").get(bus__name=BUS, name=RULE)
    rule_arn, rule_name = rule.arn, rule.name

    amount_pattern = '{"detail": {"amount": [{"numeric": [">", 1000]}], "currency": ["EUR"]}}'
    expected_misses = explain(parse_pattern(amount_pattern), stored.body)
    typed_broken = '{"source": ['
    with pytest.raises(InvalidEventPatternError) as broken:
        parse_pattern(typed_broken)
    paths = {"order": "$.detail.orderId", "amount": "$.detail.amount"}
    template = '{"order": <order>, "amount": <amount>, "rule": <aws.events.rule-name>}'
    target = {
        "Id": "audit",
        "Arn": LAMBDA_ARN,
        "InputTransformer": {"InputPathsMap": paths, "InputTemplate": template},
    }
    expected_preview = render_target_input(
        target, stored.body, rule_arn=rule_arn, rule_name=rule_name, ingestion_time=stored.received
    )

    with chromium_page() as page:
        page.goto(f"{live_url}/patterns/sandbox/?bus={BUS}&rule={RULE}")
        assert page.input_value("#sample-select") == f"event:{stored.id}"
        assert page.get_attribute("#verdict", "data-verdict") == "match"
        assert page.inner_text(f'#recent-events tr[data-event-id="{stored.event_id}"] .matched-rules') == RULE
        page.evaluate("window.__sameDocument = true")

        # A pattern that misses: the verdict and one row per failed field, from the engine.
        page.fill("#pattern-text", amount_pattern)
        page.wait_for_selector('#verdict[data-verdict="no-match"]')
        page.wait_for_function(
            f"document.querySelectorAll('#misses tbody tr').length === {len(expected_misses)}"
        )
        rows = page.eval_on_selector_all(
            "#misses tbody tr",
            "rows => rows.map(r => [r.dataset.path, r.cells[1].textContent, r.cells[2].textContent])",
        )
        assert rows == [
            [miss.path, miss.expected, json.dumps(miss.actual) if miss.present else "absent"]
            for miss in expected_misses
        ]

        # Typed key by key: an unfinished pattern shows AWS's message, the finished one matches.
        page.fill("#pattern-text", "")
        page.click("#pattern-text")
        page.keyboard.type(typed_broken)
        page.wait_for_selector('#verdict[data-verdict="invalid"]')
        page.wait_for_function(
            "expected => document.getElementById('pattern-error').textContent.endsWith(expected)",
            arg=str(broken.value),
        )
        assert page.locator("#misses tbody tr").count() == 0
        page.keyboard.type('"com.myapp.orders"]}')
        page.wait_for_selector('#verdict[data-verdict="match"]')
        assert page.is_hidden("#pattern-error")

        # The transformer preview is exactly what delivery would send; Save stores it.
        page.check('input[name="kind"][value="InputTransformer"]')
        page.fill('input[name="id"]', "audit")
        page.fill('textarea[name="input_paths_map"]', json.dumps(paths))
        page.fill('textarea[name="input_template"]', template)
        page.wait_for_function(
            "expected => document.getElementById('target-preview').textContent === expected",
            arg=expected_preview,
        )
        page.click("#save-target")
        page.wait_for_selector('button.target-chip[data-target-id="audit"]')
        assert page.evaluate("window.__sameDocument") is True

    listed = events.list_targets_by_rule(Rule=RULE, EventBusName=BUS)["Targets"]
    assert listed == [target]

    # The rule page's "Edit input" opens the editor on that target, its transformer loaded.
    with chromium_page() as page:
        page.goto(f"{live_url}/buses/{BUS}/rules/{RULE}/")
        page.click('tr[data-target="audit"] a.edit-input')
        page.wait_for_function(
            "template => document.querySelector('textarea[name=input_template]').value === template",
            arg=template,
        )
        assert page.is_checked('input[name="kind"][value="InputTransformer"]')
        assert page.input_value('input[name="id"]') == "audit"
