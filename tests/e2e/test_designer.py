"""The visual designer in Debian's Chromium: a new user builds, saves and runs the course's order
workflow with the palette and the forms alone; broken code survives mode switches; a SAM template
imports; a state is added by keyboard alone; the page fits a 390px phone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.support import seed
from tests.support.browser import CHROMIUM, FLAGS

pytestmark = [pytest.mark.live, pytest.mark.browser]

ORDER = {"orderId": "o-1", "amount": 42}


@pytest.fixture
def page(live_url: str, transactional_db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an idle event loop on this thread; the test's own ORM reads and
    # writes between page actions are still synchronous, so Django's guard may stand down.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 800})
            errors: list[str] = []
            tab.on("pageerror", lambda error: errors.append(str(error)))
            yield tab
            assert errors == [], f"the page raised: {errors}"
        finally:
            browser.close()


def _open(page: Any, live_url: str, path: str = "/machines/new/design") -> None:
    page.goto(live_url + path)
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#canvas .state-node")


def _definition(page: Any) -> dict[str, Any]:
    return page.evaluate("window.stepbridgeDesigner.state.definition")  # type: ignore[no-any-return]


def _node(page: Any, name: str) -> Any:
    return page.locator(f'#canvas .state-node[data-state="{name}"]')


def _place(page: Any, item: str, edge: str) -> None:
    """Choose a states-browser item, then the edge's insert point, with the mouse."""
    page.get_by_role("button", name=re.compile(rf"^Add {re.escape(item)} \(")).click()
    page.get_by_role("button", name=edge, exact=True).click()


def _rename(page: Any, old: str, new: str) -> None:
    _node(page, old).click()
    field = page.locator("#inspector [name=state-name]")
    field.fill(new)
    field.press("Enter")
    _node(page, new).wait_for()


def _field(page: Any, name: str, value: str, within: str = "#inspector") -> None:
    page.locator(f"{within} [name={name}]").fill(value)


def test_build_the_order_workflow_from_palette_and_forms_then_save_and_run(page: Any, live_url: str) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.functions.services import save_mock
    from workbench.stepfunctions.models import Execution, StateMachine

    workspace = default_workspace()
    save_mock(workspace, "validate-order", [{"output": {"valid": True}}])
    # The first payment attempt fails: the Retry built in the form is what lets the order through.
    save_mock(
        workspace,
        "process-payment",
        [{"error": "GatewayBusy", "cause": "try again"}, {"output": {"paid": 42}}],
    )
    save_mock(workspace, "ship-order", [{"output": {"tracking": "t-1"}}])
    _open(page, live_url)

    _place(page, "Lambda function (ARN)", "Insert between Start and the end")
    _rename(page, "Call function", "ValidateOrder")
    _field(page, "Resource", seed.function_arn("validate-order"))

    _place(page, "Catch to a failure handler", "Insert between ValidateOrder and the end")
    _rename(page, "Guarded call", "ProcessPayment")
    _field(page, "Resource", seed.function_arn("process-payment"))
    page.get_by_role("button", name="Add retrier").click()
    retry = "#inspector [data-field=Retry]"
    _field(page, "ErrorEquals", "States.TaskFailed", retry)
    _field(page, "IntervalSeconds", "1", retry)
    _field(page, "MaxAttempts", "2", retry)
    _rename(page, "Handle failure", "PaymentFailed")
    _field(page, "Error", "PaymentDeclined")

    _place(page, "Lambda function (ARN)", "Insert between ProcessPayment and the end")
    _rename(page, "Call function", "ShipOrder")
    _field(page, "Resource", seed.function_arn("ship-order"))
    _place(page, "Succeed", "Insert between ShipOrder and the end")
    _rename(page, "Succeed", "OrderComplete")

    _node(page, "Start").focus()
    page.keyboard.press("Delete")
    _node(page, "Start").wait_for(state="detached")

    built = _definition(page)
    assert built["StartAt"] == "ValidateOrder"
    states = built["States"]
    assert states["ValidateOrder"]["Next"] == "ProcessPayment"
    assert states["ProcessPayment"]["Retry"] == [
        {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2}
    ]
    assert states["ProcessPayment"]["Catch"][0]["Next"] == "PaymentFailed"
    assert states["ProcessPayment"]["Next"] == "ShipOrder"
    assert states["ShipOrder"]["Next"] == "OrderComplete"
    assert states["OrderComplete"] == {"Type": "Succeed"}
    assert states["PaymentFailed"] == {
        "Type": "Fail",
        "Error": "PaymentDeclined",
        "Cause": "The call failed; see $.error",
    }
    page.wait_for_selector("#design-panel ul.diagnostics[data-result=OK]")

    page.get_by_role("tab", name="Config").click()
    page.locator("#config-form [name=name]").fill("order-workflow")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#save-result.ok")
    machine = StateMachine.objects.get(name="order-workflow")
    assert json.loads(machine.definition) == built

    page.get_by_role("tab", name="Design").click()
    page.locator("#run-panel [name=input]").fill(json.dumps(ORDER))
    page.get_by_role("button", name="Start execution").click()
    live = page.frame_locator("iframe.run-frame")
    live.locator("#execution-status.status-SUCCEEDED").wait_for(timeout=60_000)
    execution = Execution.objects.get(state_machine=machine)
    assert execution.status == Execution.SUCCEEDED
    assert json.loads(execution.input) == ORDER
    assert (
        live.locator('g.state-node[data-state="OrderComplete"]').get_attribute("data-status") == "succeeded"
    )
    # The input is remembered for the next run of this machine.
    assert json.dumps(ORDER) in page.locator("#run-panel [name=recent]").inner_text()


def test_broken_json_survives_mode_switches_and_is_never_published(page: Any, live_url: str) -> None:
    from workbench.stepfunctions.models import Draft, StateMachine

    _open(page, live_url)
    page.get_by_role("tab", name="Code").click()
    editor = page.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("oops")  # trailing garbage: not JSON any more
    broken = page.evaluate("window.stepbridgeDesigner.state.source")
    assert broken.rstrip().endswith("oops")
    page.wait_for_selector("#code-panel ul.diagnostics[data-result=FAIL]")
    page.wait_for_selector(".cm-lintRange-error")

    page.get_by_role("tab", name="Design").click()
    banner = page.locator("#design-banner")
    assert "not valid JSON" in banner.inner_text()
    assert _node(page, "Start").count() == 1, "Design keeps the last valid graph"
    page.get_by_role("button", name=re.compile(r"^Add Pass \(")).click()
    assert page.locator("#designer-status").inner_text() == "Fix the code before adding states."
    assert page.locator("#canvas.placing").count() == 0, "no state can be placed on a stale graph"

    page.get_by_role("tab", name="Config").click()
    page.locator("#config-form [name=name]").fill("half-done")
    page.get_by_role("tab", name="Code").click()
    assert page.evaluate("window.stepbridgeDesigner.state.source") == broken, "nothing lost"

    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#save-result.field-error")
    assert not StateMachine.objects.filter(name="half-done").exists()
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_selector("#save-result.ok")
    draft = Draft.objects.get(machine_name="half-done")
    assert draft.source == broken and draft.diagnostics
    assert not StateMachine.objects.filter(name="half-done").exists(), "a draft is never published"


def test_a_next_to_nowhere_is_pointed_at_in_place(page: Any, live_url: str) -> None:
    _open(page, live_url)
    page.get_by_role("tab", name="Code").click()
    page.evaluate(
        """(text) => { const v = window.stepbridgeDesigner.code.view;
                      v.dispatch({changes: {from: 0, to: v.state.doc.length, insert: text}}); }""",
        json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}, indent=2),
    )
    page.wait_for_selector("#code-panel ul.diagnostics[data-result=FAIL]")
    assert "Nowhere" in page.locator("#code-panel ul.diagnostics").inner_text()
    page.get_by_role("tab", name="Design").click()
    _node(page, "A").wait_for()
    wait_for(lambda: "has-error" in (_node(page, "A").get_attribute("class") or ""), timeout=10)
    _node(page, "A").click()
    assert "Nowhere" in page.locator("#inspector [data-field=Next]").inner_text()


SAM = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  OrderFlow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: sam-orders
      Type: EXPRESS
      Role: !GetAtt FlowRole.Arn
      DefinitionSubstitutions:
        ValidateArn: !GetAtt ValidateFunction.Arn
      Definition:
        StartAt: Validate
        States:
          Validate:
            Type: Task
            Resource: ${ValidateArn}
            Next: Done
          Done:
            Type: Succeed
"""


def test_import_a_sam_template_keeps_substitutions_until_save(page: Any, live_url: str) -> None:
    from workbench.stepfunctions.models import StateMachine

    _open(page, live_url)
    page.locator("#transfer summary").click()
    page.locator("#import-text").fill(SAM)
    page.get_by_role("button", name="Import", exact=True).click()
    _node(page, "Validate").wait_for()
    assert "OrderFlow" in page.locator("#import-result").inner_text()
    assert _definition(page)["States"]["Validate"]["Resource"] == "${ValidateArn}"
    page.get_by_role("tab", name="Config").click()
    assert page.locator("#config-form [name=name]").input_value() == "sam-orders"
    assert page.locator("#config-form [name=type]").input_value() == "EXPRESS"
    # The template's !GetAtt cannot be resolved here: the user fills the placeholder's value.
    value = page.locator("#config-form [name=sub-value]")
    assert value.input_value() == "${ValidateFunction.Arn}"
    value.fill(seed.function_arn("echo"))
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#save-result.ok")
    machine = StateMachine.objects.get(name="sam-orders")
    assert json.loads(machine.definition)["States"]["Validate"]["Resource"] == seed.function_arn("echo")
    assert "${ValidateArn}" in machine.design_source, "the placeholder is kept for the next edit"
    assert machine.type == "EXPRESS"


def test_add_a_state_by_keyboard_alone(page: Any, live_url: str) -> None:
    _open(page, live_url)
    page.locator("#palette input[type=search]").focus()
    page.keyboard.type("wait")
    page.keyboard.press("Tab")  # the first item left by the filter
    assert page.evaluate("document.activeElement.textContent") == "Wait"
    page.keyboard.press("Enter")  # choose it: the first insert point takes focus
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "Insert between the start and Start"
    page.keyboard.press("Enter")
    _node(page, "Wait").wait_for()
    assert _definition(page)["StartAt"] == "Wait"
    assert page.evaluate("document.activeElement.dataset.state") == "Wait"
    page.keyboard.press("Enter")  # open it in the Inspector
    assert page.evaluate("document.activeElement.name") == "state-name"
    page.keyboard.press("Control+a")
    page.keyboard.type("Pause")
    page.keyboard.press("Enter")
    _node(page, "Pause").wait_for()
    assert _definition(page)["States"]["Pause"]["Next"] == "Start"
    page.get_by_role("button", name="Undo").click()
    _node(page, "Wait").wait_for()
    assert "Pause" not in _definition(page)["States"]


def test_a_phone_width_page_has_no_horizontal_scroll(page: Any, live_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, live_url)
    for mode in ("Design", "Code", "Config"):
        page.get_by_role("tab", name=mode).click()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{mode}: the page is {width}px wide at 390px"


def test_cut_and_paste_moves_a_state_into_a_parallel_branch(page: Any, live_url: str) -> None:
    _open(page, live_url)
    _place(page, "Parallel", "Insert between Start and the end")
    _node(page, "Branch 1 step").wait_for()
    _node(page, "Start").focus()
    page.keyboard.press("Control+x")
    _node(page, "Start").wait_for(state="detached")
    assert _definition(page)["StartAt"] == "Parallel", "whatever led to the cut state now leads on"
    target = page.get_by_role(
        "button", name="Insert between the start and Branch 1 step in Parallel branch 1"
    )
    target.focus()
    page.keyboard.press("Enter")
    _node(page, "Start").wait_for()
    # Under load the drawn node can come before the definition settles: wait for the move itself.
    wait_for(lambda: "Start" not in _definition(page)["States"], timeout=10)
    moved = _definition(page)
    assert moved["States"]["Parallel"]["Branches"][0] == {
        "StartAt": "Start",
        "States": {
            "Branch 1 step": {"Type": "Pass", "End": True},
            "Start": {"Type": "Pass", "Next": "Branch 1 step"},
        },
    }


def test_a_layout_arriving_while_choosing_an_insert_point_keeps_the_keyboard_there(
    page: Any, live_url: str
) -> None:
    _open(page, live_url)
    _place(page, "Parallel", "Insert between Start and the end")
    _node(page, "Branch 1 step").wait_for()
    page.wait_for_function("!document.getElementById('canvas').dataset.provisional")
    _node(page, "Start").focus()
    page.keyboard.press("Control+c")
    chosen = "Insert between the start and Branch 1 step in Parallel branch 1"
    page.get_by_role("button", name=chosen).focus()
    # What layoutNow does when graphviz's answer comes back: redraw, then placing mode again.
    page.evaluate(
        """() => { const c = window.stepbridgeDesigner.canvas;
                   c.draw(c.layout); c.setPlacing(true); }"""
    )
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == chosen
    page.keyboard.press("Enter")
    wait_for(lambda: _definition(page)["States"]["Parallel"]["Branches"][0]["StartAt"] != "Branch 1 step")
    top = _definition(page)["States"]
    assert top["Start"] == {"Type": "Pass", "Next": "Parallel"}, "a copy leaves the original in place"


def test_drag_from_one_state_onto_another_connects_them(page: Any, live_url: str) -> None:
    _open(page, live_url)
    _place(page, "Pass", "Insert between Start and the end")
    _place(page, "Succeed", "Insert between Pass and the end")
    _node(page, "Succeed").wait_for()
    page.wait_for_function("!document.getElementById('canvas').dataset.provisional")
    start = _node(page, "Start").bounding_box()
    end = _node(page, "Succeed").bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=8)
    page.mouse.up()
    wait_for(lambda: _definition(page)["States"]["Start"].get("Next") == "Succeed", timeout=10)
    # Pass is now unreachable: the validator says so, in place.
    page.wait_for_selector('#canvas .state-node.has-error[data-state="Pass"]')


def test_a_form_edit_keeps_the_users_formatting_elsewhere(page: Any, live_url: str) -> None:
    _open(page, live_url)
    typed = (
        '{ "Comment": "kept as typed",\n  "StartAt": "A",\n  "States": {\n'
        '    "A": {"Type": "Pass", "Next": "B"},\n    "B": {"Type": "Pass",   "End": true}\n  }\n}\n'
    )
    page.get_by_role("tab", name="Code").click()
    page.evaluate(
        """(text) => { const v = window.stepbridgeDesigner.code.view;
                      v.dispatch({changes: {from: 0, to: v.state.doc.length, insert: text}}); }""",
        typed,
    )
    page.get_by_role("tab", name="Design").click()
    _node(page, "B").click()
    _field(page, "Comment", "edited in the form")
    source = page.evaluate("window.stepbridgeDesigner.state.source")
    assert source.startswith('{ "Comment": "kept as typed",\n  "StartAt": "A",\n')
    assert '    "A": {"Type": "Pass", "Next": "B"},\n' in source, "the untouched state keeps its line"
    assert json.loads(source)["States"]["B"] == {"Type": "Pass", "End": True, "Comment": "edited in the form"}
    page.get_by_role("tab", name="Code").click()
    assert page.evaluate("window.stepbridgeDesigner.code.text") == source


def test_diff_two_saved_revisions_and_roll_back(page: Any, live_url: str) -> None:
    from workbench.stepfunctions.models import StateMachine

    _open(page, live_url)
    page.get_by_role("tab", name="Config").click()
    page.locator("#config-form [name=name]").fill("versioned")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#save-result.ok")
    page.get_by_role("tab", name="Design").click()
    _place(page, "Wait", "Insert between Start and the end")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#save-result:has-text('revision 2')")

    page.locator("#versions summary").click()
    page.wait_for_selector("#versions [name=left] option", state="attached")
    page.locator("#versions [name=left]").select_option("r:1")
    page.locator("#versions [name=right]").select_option("r:2")
    page.get_by_role("button", name="Compare").click()
    added = page.locator("#versions tr.diff-add").all_inner_texts()
    assert [row.strip() for row in added] == [
        '"Next": "Wait"',
        "},",
        '"Wait": {',
        '"Type": "Wait",',
        '"Seconds": 5,',
        "",
    ], added
    # Every line of revision 1 is still in revision 2 (Start's "End": true pairs with Wait's).
    assert page.locator("#versions tr.diff-del").count() == 0

    page.get_by_role("button", name="Open the first one to roll back").click()
    _node(page, "Wait").wait_for(state="detached")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#save-result:has-text('revision 3')")
    machine = StateMachine.objects.get(name="versioned")
    assert json.loads(machine.definition) == {
        "StartAt": "Start",
        "States": {"Start": {"Type": "Pass", "End": True}},
    }


def test_test_state_from_the_inspector_runs_the_unsaved_design(page: Any, live_url: str) -> None:
    _open(page, live_url)
    _node(page, "Start").click()
    _field(page, "Parameters", json.dumps({"greeting.$": "States.Format('hi {}', $.who)"}))
    page.get_by_role("tab", name="Test").click()
    page.locator("#inspector [name=input]").fill(json.dumps({"who": "Ada"}))
    page.locator("#inspector [name=mock-kind]").select_option("none")
    page.get_by_role("button", name="Test Start").click()
    result = page.locator("#inspector .test-result")
    wait_for(lambda: result.inner_text().startswith("{"), timeout=20)
    answer = json.loads(result.inner_text())
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"greeting": "hi Ada"}


def test_code_completes_state_names_after_next(page: Any, live_url: str) -> None:
    _open(page, live_url)
    page.get_by_role("tab", name="Code").click()
    text = json.dumps(
        {"StartAt": "Start", "States": {"Start": {"Type": "Pass", "Next": ""}, "Other": {"Type": "Succeed"}}},
        indent=2,
    )
    cursor = text.index('"Next": "') + len('"Next": "')
    page.evaluate(
        """([text, at]) => { const v = window.stepbridgeDesigner.code.view;
             v.dispatch({changes: {from: 0, to: v.state.doc.length, insert: text}, selection: {anchor: at}});
             v.focus(); }""",
        [text, cursor],
    )
    page.keyboard.press("Control+Space")
    options = page.locator(".cm-tooltip-autocomplete li")
    options.first.wait_for()
    assert sorted(options.all_inner_texts()) == ["Other", "Start"]
    page.keyboard.type("O")  # narrows the list to "Other"
    wait_for(lambda: options.all_inner_texts() == ["Other"], timeout=10)
    page.keyboard.press("Enter")
    wait_for(lambda: _definition(page)["States"]["Start"].get("Next") == "Other", timeout=10)


def test_export_as_a_cloudformation_template_that_imports_back(page: Any, live_url: str) -> None:
    import yaml  # PyYAML: installed with the test extra (awscli depends on it)

    _open(page, live_url)
    page.get_by_role("tab", name="Config").click()
    page.locator("#config-form [name=name]").fill("exported")
    page.locator("#config-form [name=loggingLevel]").select_option("ERROR")
    page.locator("#transfer summary").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="CloudFormation template").click()
    text = Path(download.value.path()).read_text()
    template = yaml.safe_load(text)
    resource = template["Resources"]["exported"]
    assert resource["Type"] == "AWS::StepFunctions::StateMachine"
    assert resource["Properties"]["StateMachineName"] == "exported"
    assert resource["Properties"]["Definition"] == _definition(page)
    assert resource["Properties"]["LoggingConfiguration"] == {"Level": "ERROR", "IncludeExecutionData": False}
    # What was exported imports back as the same definition.
    page.locator("#import-text").fill(text)
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_selector("#import-result:has-text('Imported exported')")
    assert _definition(page) == resource["Properties"]["Definition"]


def test_choice_rules_are_built_with_and_or_not_in_the_form(page: Any, live_url: str) -> None:
    _open(page, live_url)
    _place(page, "Choice", "Insert between Start and the end")
    rule = page.get_by_role("group", name="Rule 1")
    rule.get_by_label("Kind of rule 1").select_option("And")
    first = rule.locator(".condition .condition").nth(0)
    first.get_by_label("Variable", exact=False).first.fill("$.amount")
    first.locator("[name=operator]").select_option("NumericGreaterThan")
    first.locator("[name=value]").fill("1000")
    second = rule.locator(".condition .condition").nth(1)
    second.locator("[name=kind]").select_option("Not")
    inner = rule.locator(".condition .condition .condition").first
    inner.locator("[name=Variable]").fill("$.vip")
    inner.locator("[name=operator]").select_option("BooleanEquals")
    inner.locator("[name=value]").fill("true")
    wait_for(lambda: "Not" in json.dumps(_definition(page)["States"]["Choice"]["Choices"][0]), timeout=10)
    choice = _definition(page)["States"]["Choice"]
    assert choice["Choices"][0] == {
        "And": [
            {"Variable": "$.amount", "NumericGreaterThan": 1000},
            {"Not": {"Variable": "$.vip", "BooleanEquals": True}},
        ],
        "Next": choice["Default"],
    }
    page.wait_for_selector("#design-panel ul.diagnostics[data-result=OK]")


def test_publish_versions_diff_them_then_route_an_alias(page: Any, live_url: str) -> None:
    """Publish from the designer (saving first), never from an invalid design; compare two
    published versions side by side; then route an alias between them on the machine page."""
    from workbench.stepfunctions.models import StateMachineAlias, StateMachineVersion

    _open(page, live_url)
    page.get_by_role("tab", name="Config").click()
    page.locator("#config-form [name=name]").fill("published")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#save-result.ok")
    page.locator("#versions summary").click()
    page.locator("#version-description").fill("first")
    page.get_by_role("button", name="Publish version").click()
    page.wait_for_selector("#save-result:has-text('Published version 1 of published')")
    page.get_by_role("tab", name="Design").click()
    _place(page, "Wait", "Insert between Start and the end")
    page.locator("#version-description").fill("with a wait")
    page.get_by_role("button", name="Publish version").click()  # unsaved: saved, then published
    page.wait_for_selector("#save-result:has-text('Published version 2 of published')")
    assert list(StateMachineVersion.objects.order_by("number").values_list("description", flat=True)) == [
        "first",
        "with a wait",
    ]

    # An invalid design is refused at the save, and nothing is published.
    page.evaluate(
        """window.stepbridgeDesigner.setSource(JSON.stringify({StartAt: "Nowhere", States: {
             Start: {Type: "Pass", End: true}}}, null, 2), "test")"""
    )
    page.get_by_role("button", name="Publish version").click()
    page.wait_for_selector("#save-result.field-error:has-text('Nothing was published')")
    assert StateMachineVersion.objects.count() == 2

    page.wait_for_selector("#versions [name=left] option[value='v:2']", state="attached")
    page.locator("#versions [name=left]").select_option("v:1")
    page.locator("#versions [name=right]").select_option("v:2")
    page.get_by_role("button", name="Compare").click()
    added = [
        row.strip()
        for row in page.locator("#versions tr.diff-add, #versions tr.diff-change").all_inner_texts()
    ]
    assert any('"Type": "Wait",' in row for row in added), added
    assert "Version 1: first" in page.locator("#versions .diff-table thead").inner_text()

    page.goto(live_url + "/machines/published/")
    page.locator("#alias-form [name=name]").fill("canary")
    page.locator("#alias-form [name=version1]").select_option("1")
    page.locator("#alias-form [name=weight1]").fill("90")
    page.locator("#alias-form [name=version2]").select_option("2")
    page.locator("#alias-form [name=weight2]").fill("10")
    page.get_by_role("button", name="Save alias").click()
    page.wait_for_selector("p.notice:has-text('Alias published:canary saved.')")
    assert StateMachineAlias.objects.get().routing == [
        {"version": 1, "weight": 90},
        {"version": 2, "weight": 10},
    ]
    # Edit moves all traffic to version 2, from the keyboard-reachable Edit button.
    page.get_by_role("button", name="Edit").click()
    page.locator("#alias-form [name=weight1]").fill("0")
    page.locator("#alias-form [name=weight2]").fill("100")
    page.get_by_role("button", name="Save alias").click()
    page.wait_for_selector("#alias-table:has-text('version 2: 100%')")
