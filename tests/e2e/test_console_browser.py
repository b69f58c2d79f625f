"""The console in real Chromium against the served workbench: buses, rules and targets made
and removed in the browser with confirmation, an event followed to its failed delivery, an
execution stopped, the inspector and the live Result, the state panel, and every page at
phone width (390 px) without horizontal scroll. Screenshots land in docs/console-*.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.support.browser import chromium_page
from tests.support.events import ECHO_ARN

pytestmark = [pytest.mark.live, pytest.mark.browser]

DOCS = Path(__file__).resolve().parents[2] / "docs"
MISSING_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:not-there"
# Waits 6 s, so the page is open while it runs (even on a loaded machine); then a Task calls
# the built-in echo function and a Pass gives a known Result.
SLOW = {
    "StartAt": "Hold",
    "States": {
        "Hold": {"Type": "Wait", "Seconds": 6, "Next": "Echo"},
        "Echo": {
            "Type": "Task",
            "Resource": ECHO_ARN,
            "Parameters": {"order.$": "$.order", "via": "echo"},
            "ResultSelector": {"seen.$": "$.via"},
            "ResultPath": "$.echoed",
            "Next": "Done",
        },
        "Done": {"Type": "Pass", "Result": {"answer": 42}, "ResultPath": "$.result", "End": True},
    },
}
WAIT_LONG = {"StartAt": "Park", "States": {"Park": {"Type": "Wait", "Seconds": 3600, "End": True}}}
ROLE = "arn:aws:iam::123456789012:role/unit"
NO_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(DOCS / f"console-{name}.png"), full_page=False)


def _machine(sfn: Any, name: str, definition: dict[str, Any]) -> str:
    created = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)
    return str(created["stateMachineArn"])


def test_bus_rule_target_made_used_and_removed_in_the_browser(aws: Any, live_url: str) -> None:
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
        page.goto(f"{live_url}/buses/")
        assert page.get_attribute('nav a[href="/buses/"]', "aria-current") == "page"
        page.click("#create-bus-card summary")
        page.fill('#create-bus input[name="name"]', "bad name!")
        page.click("#create-bus button[type=submit]")
        assert page.locator("#error-name[role=alert]").is_visible()
        assert page.get_attribute('#create-bus input[name="name"]', "aria-describedby") == "error-name"
        assert page.input_value('#create-bus input[name="name"]') == "bad name!"  # kept
        page.fill('#create-bus input[name="name"]', "shop-bus")
        page.click("#create-bus button[type=submit]")
        page.wait_for_url("**/buses/shop-bus/?done=bus-created*")
        assert "Event bus shop-bus created." in page.inner_text(".notice")

        page.fill('#create-rule input[name="name"]', "paid")
        page.fill('#create-rule textarea[name="event_pattern"]', '{"source": ["shop"]}')
        page.click("#create-rule button[type=submit]")
        page.wait_for_url("**/buses/shop-bus/rules/paid/*")
        page.fill('#add-target input[name="target_id"]', "to-nowhere")
        page.fill('#add-target input[name="arn"]', MISSING_MACHINE)
        page.click("#add-target button[type=submit]")
        page.wait_for_selector('#targets tr[data-target="to-nowhere"]')

        page.goto(f"{live_url}/buses/shop-bus/")
        page.fill('#send-events input[name="source"]', "shop")
        page.fill('#send-events input[name="detail_type"]', "Paid")
        page.fill('#send-events textarea[name="detail"]', '{"orderId": "o-9"}')
        page.click("#send-events button[type=submit]")
        page.click("#sent-event a")
        # The delivery fails (the machine does not exist) and the journey says why.
        for _ in range(60):
            if page.get_attribute('#deliveries tr[data-target="to-nowhere"]', "data-status") == "failed":
                break
            page.wait_for_timeout(250)
            page.reload()
        failed = page.locator('#deliveries tr[data-target="to-nowhere"]')
        assert failed.get_attribute("data-status") == "failed"
        assert "not-there" in failed.locator(".delivery-detail").inner_text()
        assert 'orderId: "o-9"' in page.inner_text("#event-facts")
        _shot(page, "event-journey")

        page.goto(f"{live_url}/buses/shop-bus/rules/paid/")
        page.click('#targets tr[data-target="to-nowhere"] button')
        page.wait_for_selector(".notice:text('Target to-nowhere removed.')")
        assert page.locator("#targets tr[data-target]").count() == 0
        page.click("#delete-rule")
        page.wait_for_selector(".notice:text('Rule paid deleted.')")
        # The sandbox's pattern, as typed, saved as a rule.
        page.goto(f"{live_url}/patterns/sandbox/?bus=shop-bus")
        page.fill("#pattern-text", '{"detail-type": ["Refunded"]}')
        page.fill('#save-as-rule input[name="name"]', "from-sandbox")
        page.click("#save-as-rule button[type=submit]")
        page.wait_for_url("**/buses/shop-bus/rules/from-sandbox/*")
        assert json.loads(page.input_value('#edit-rule textarea[name="event_pattern"]')) == {
            "detail-type": ["Refunded"]
        }
        page.goto(f"{live_url}/buses/shop-bus/")
        page.click("#delete-bus")
        page.wait_for_selector(".notice:text('Event bus shop-bus deleted.')")
        assert page.locator('[data-bus="shop-bus"]').count() == 0
        assert dialogs == [
            "Remove the target to-nowhere?",
            "Delete the rule paid and its targets?",
            "Delete the bus shop-bus with its rules, targets, events and archives (their events too)?",
        ]
    assert aws("events").list_event_buses(NamePrefix="shop")["EventBuses"] == []


def test_live_result_inspector_and_stop_in_the_browser(aws: Any, live_url: str) -> None:
    sfn = aws("stepfunctions")
    slow_machine = _machine(sfn, "slow", SLOW)
    parked = sfn.start_execution(stateMachineArn=_machine(sfn, "parked", WAIT_LONG), name="park-1")
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/executions/?machine=slow")  # the browser is up before the run starts
        sfn.start_execution(stateMachineArn=slow_machine, name="slow-1", input='{"order": 7}')
        page.goto(f"{live_url}/executions/?machine=slow")
        page.click('#executions a:text("slow-1")')
        assert page.inner_text("#execution-status") == "RUNNING"
        assert page.inner_text("#execution-result") == ""
        # The Result appears when the execution ends, without a reload.
        page.wait_for_selector('#execution-status:text("SUCCEEDED")', timeout=30_000)
        page.wait_for_function("document.getElementById('execution-result').textContent.length > 0")
        assert json.loads(page.inner_text("#execution-result")) == {
            "order": 7,
            "echoed": {"seen": "echo"},
            "result": {"answer": 42},
        }
        assert page.get_attribute("#execution-stop-date", "datetime")
        assert page.locator("#stop-form").is_hidden()
        # The timeline draws each visit, Hold (6 s) far longer than Done.
        bars = page.locator("rect.timeline-bar")
        assert bars.count() == 3
        widths = {
            bar.get_attribute("data-state"): float(bar.get_attribute("width") or 0) for bar in bars.all()
        }
        assert widths["Hold"] > 10 * widths["Done"]
        assert {bar.get_attribute("data-outcome") for bar in bars.all()} == {"succeeded"}
        # Keyboard: Tab reaches a node; Enter opens the inspector beside the graph, in view.
        page.focus('g.state-node[data-state="Done"]')
        page.keyboard.press("Enter")
        inspector = page.locator("#inspector")
        inspector.wait_for(state="visible")
        assert page.inner_text("#inspector-name") == "Done"
        assert json.loads(inspector.locator(".stage-input pre").inner_text()) == {
            "order": 7,
            "echoed": {"seen": "echo"},
        }
        assert json.loads(inspector.locator(".stage-output pre").inner_text())["result"] == {"answer": 42}
        # A Task's data flow: what Parameters sent, what the function returned, the Output.
        page.click('g.state-node[data-state="Echo"]')
        page.wait_for_selector('#inspector-name:text("Echo")')
        assert json.loads(inspector.locator(".stage-parameters pre").inner_text()) == {
            "order": 7,
            "via": "echo",
        }
        assert json.loads(inspector.locator(".stage-result pre").inner_text()) == {"order": 7, "via": "echo"}
        assert json.loads(inspector.locator(".stage-output pre").inner_text())["echoed"] == {"seen": "echo"}
        assert inspector.locator("table.attempts tbody tr").count() == 1
        box = inspector.bounding_box()
        assert box is not None and box["y"] < 800 and box["y"] + 40 > 0
        # A history row expands to its JSON and filters by type.
        page.click('#history tr[data-type="ExecutionSucceeded"]')
        assert '"ExecutionSucceeded"' in page.inner_text("#history tr.history-json")
        page.select_option("#history-type", "WaitStateEntered")
        visible = page.locator("#history tr[data-event-id]:visible")
        assert visible.count() == 1 and visible.get_attribute("data-type") == "WaitStateEntered"
        _shot(page, "execution-inspector")

        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{live_url}/executions/?name=park-1")
        page.click('#executions a:text("park-1")')
        page.click("#stop-form summary")
        page.fill('#stop-form input[name="cause"]', "no longer needed")
        page.click("#stop-form button[type=submit]")
        page.wait_for_selector('#execution-status:text("ABORTED")')
        assert "Execution park-1 stopped." in page.inner_text(".notice")
    described = sfn.describe_execution(executionArn=parked["executionArn"])
    assert described["status"] == "ABORTED" and described["cause"] == "no longer needed"


def test_state_panel_hides_mock_fields_and_opens_in_view(aws: Any, live_url: str) -> None:
    sfn = aws("stepfunctions")
    _machine(sfn, "panel", SLOW)
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/machines/panel/")
        page.click('g.state-node[data-state="Done"]')
        panel = page.locator("#state-panel")
        panel.wait_for(state="visible")
        box = panel.bounding_box()
        assert box is not None and 0 <= box["y"] < 800, box
        # The mocked-result and mocked-error fields show only for their choice.
        assert page.locator("label.mock-result").first.is_hidden()
        assert page.locator("label.mock-error").first.is_hidden()
        page.select_option('select[name="mock-kind"]', "error")
        assert page.locator("label.mock-error").first.is_visible()
        assert page.locator("label.mock-result").first.is_hidden()
        _shot(page, "machine")


def test_every_page_fits_a_phone_without_horizontal_scroll(aws: Any, live_url: str) -> None:
    sfn = aws("stepfunctions")
    arn = _machine(sfn, "phone-machine-with-a-rather-long-name", SLOW)
    # A version and an alias, so the machine page's versions, aliases and alias form show too.
    version = sfn.publish_state_machine_version(
        stateMachineArn=arn, description="the first published version"
    )
    sfn.create_state_machine_alias(
        name="phone-alias",
        routingConfiguration=[{"stateMachineVersionArn": version["stateMachineVersionArn"], "weight": 100}],
    )
    run = sfn.start_execution(stateMachineArn=arn, name="phone-run")
    events = aws("events")
    events.create_event_bus(Name="phone-bus")
    events.put_rule(Name="phone-rule", EventBusName="phone-bus", EventPattern='{"source": ["p"]}')
    events.put_targets(Rule="phone-rule", EventBusName="phone-bus", Targets=[{"Id": "t", "Arn": arn}])
    entry = {"Source": "p", "DetailType": "x", "Detail": "{}", "EventBusName": "phone-bus"}
    events.put_events(Entries=[entry])
    activity = sfn.create_activity(name="phone-activity-with-a-rather-long-name")["activityArn"]
    waits = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity, "End": True}}}
    sfn.start_execution(stateMachineArn=_machine(sfn, "phone-activity-machine", waits))
    from workbench.events.models import ReceivedEvent
    from workbench.stepfunctions.models import Execution

    received = wait_for(lambda: ReceivedEvent.objects.filter(bus__name="phone-bus").first())
    execution_id = Execution.objects.get(name=run["executionArn"].rsplit(":", 1)[1]).id
    # The rule's execution is named after its event and delivery: 53 characters without a space.
    by_rule = wait_for(
        lambda: (
            Execution.objects.filter(state_machine__name=arn.rsplit(":", 1)[1])
            .exclude(name="phone-run")
            .first()
        )
    )
    assert len(by_rule.name) > 50
    pages = [
        f"/executions/{by_rule.id}/",
        "/",
        "/executions/",
        "/machines/",
        "/machines/phone-machine-with-a-rather-long-name/",
        f"/executions/{execution_id}/",
        "/buses/",
        "/buses/phone-bus/",
        "/buses/phone-bus/rules/phone-rule/",
        f"/buses/phone-bus/events/{received.id}/",
        "/patterns/sandbox/?bus=phone-bus",
        "/functions/",
        "/storage/",
        "/inbox/",
        "/queues/",
        "/activities/",
        "/topics/",
        "/schemas/",
        "/machines/nope/",
    ]
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 844})
        wide = []
        for path in pages:
            page.goto(live_url + path)
            assert page.locator('meta[name="viewport"]').count() == 1
            if not page.evaluate(NO_SCROLL):
                wide.append((path, page.evaluate("document.documentElement.scrollWidth")))
            if path == f"/executions/{execution_id}/":
                _shot(page, "execution-phone")
            if path == "/buses/phone-bus/":
                _shot(page, "bus-phone")
            if path == "/":
                _shot(page, "dashboard-phone")
        assert wide == []
        icon = page.get_attribute('link[rel="icon"]', "href")
        assert icon and page.request.get(live_url + icon).ok
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/buses/phone-bus/")
        _shot(page, "bus")
        # The recent events tail new ones without a reload.
        rows = ".recent-events tr[data-event-id]"
        before = page.locator(rows).count()
        events.put_events(Entries=[{**entry, "DetailType": "tailed"}])
        page.wait_for_function(f"document.querySelectorAll('{rows}').length === {before + 1}", timeout=20_000)
        assert "tailed" in page.inner_text(".recent-events tbody tr:first-child")
        page.goto(f"{live_url}/")
        assert page.locator('figure.chart[data-bus="phone-bus"] rect').count() == 30
        _shot(page, "dashboard")


def test_history_rows_name_their_map_iteration(aws: Any, live_url: str) -> None:
    sfn = aws("stepfunctions")
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    arn = _machine(sfn, "mapper", definition)
    sfn.start_execution(stateMachineArn=arn, name="map-1", input=json.dumps({"items": ["a", "b", "c"]}))
    with chromium_page() as page:
        page.goto(f"{live_url}/executions/?name=map-1")
        page.click('#executions a:text("map-1")')
        page.wait_for_selector('#execution-status:text("SUCCEEDED")')
        # The status may be rendered with the page; the rows are named once the WebSocket's
        # backlog of events has arrived (later through Redis's channel layer than in memory).
        page.wait_for_selector('#history tr[data-iteration="2"]')
        # Each iteration's MapIterationStarted, the Item state's entry and exit, and its end
        # name the iteration (mapIterationStartedEventDetails: name and index).
        for index in ("0", "1", "2"):
            types = page.eval_on_selector_all(
                f'#history tr[data-iteration="{index}"]', "rows => rows.map(r => r.dataset.type)"
            )
            assert types[0] == "MapIterationStarted" and "PassStateEntered" in types, types
        page.fill("#history-state", "#1")
        visible = page.locator("#history tr[data-event-id]:visible")
        assert visible.count() >= 3
        assert set(visible.evaluate_all("rows => rows.map(r => r.dataset.iteration)")) == {"1"}


def test_parent_and_child_executions_link_both_ways(aws: Any, live_url: str) -> None:
    """A parent running states:startExecution.sync:2: its history row links to the child (also
    when the row arrives live), the child says who started it, and the parent lists it."""
    sfn = aws("stepfunctions")
    child = _machine(
        sfn, "kid", {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 2, "End": True}}}
    )
    parent = _machine(
        sfn,
        "elder",
        {
            "StartAt": "Run",
            "States": {
                "Run": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::states:startExecution.sync:2",
                    "Parameters": {"StateMachineArn": child, "Name": "junior"},
                    "End": True,
                }
            },
        },
    )
    arn = sfn.start_execution(stateMachineArn=parent, name="senior")["executionArn"]
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/executions/?name=senior")
        page.click('#executions a:text("senior")')
        page.wait_for_selector("#history a.child-link:text('junior')")
        page.wait_for_selector('#execution-status:text("SUCCEEDED")')
        page.reload()
        page.click('#child-executions a:has-text("junior")')
        page.wait_for_selector("#started-by-execution a:text('senior')")
        assert wait_for(lambda: sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED")
        page.click("#started-by-execution a")
        page.wait_for_selector("h1:text('Execution senior')")
        page.click("#history a.child-link")
        page.wait_for_selector("h1:text('Execution junior')")


def test_a_refused_form_brings_the_person_to_the_error_at_phone_width(aws: Any, live_url: str) -> None:
    """At 390 px the rule page's target form is far below the top: a refused save comes back
    scrolled to the field it names, focused, with what was typed kept (first_error.js)."""
    events = aws("events")
    events.put_rule(Name="phone", EventPattern=json.dumps({"source": ["shop"]}))
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{live_url}/buses/default/rules/phone/")
        page.fill('#add-target input[name="target_id"]', "q")
        page.fill('#add-target input[name="arn"]', "arn:aws:sqs:us-east-1:123456789012:work")
        page.fill('#add-target input[name="retry_attempts"]', "500")
        page.click("#add-target button[type=submit]")
        page.wait_for_selector("#error-retry_attempts[role=alert]")
        focused = page.evaluate("document.activeElement.name")
        assert focused == "retry_attempts"
        box = page.locator('#add-target input[name="retry_attempts"]').bounding_box()
        assert box is not None and 0 <= box["y"] <= 844 - box["height"]
        assert page.input_value('#add-target input[name="retry_attempts"]') == "500"
        # A bad constant input with them: each error beside its field, the first (the input's) focused.
        page.fill('#add-target textarea[name="input"]', "{'bad': json}")
        page.fill('#add-target input[name="event_age"]', "10")
        page.click("#add-target button[type=submit]")
        page.wait_for_selector("#error-input[role=alert]")
        assert "JSON syntax error in input for target q." in page.inner_text("#error-input")
        assert (
            page.locator("#error-retry_attempts").is_visible()
            and page.locator("#error-event_age").is_visible()
        )
        assert page.locator("#error-arn").count() == 0
        assert page.evaluate("document.activeElement.name") == "input"
        assert page.input_value('#add-target textarea[name="input"]') == "{'bad': json}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
