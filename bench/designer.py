"""How fast the visual designer lays out and draws a large definition, and reflects an edit on it.

Run: ``.venv/bin/python bench/designer.py`` (needs graphviz's ``dot`` and Debian's Chromium).
Starts the workbench (``manage.py serve``, embedded mode, a scratch database) on 127.0.0.1, opens
/machines/new/design in Chromium through Playwright, and times, in the page:

- load: a 200-state definition given to the designer until its canvas is drawn (the layout
  round trip to graphviz on the server included), the issue's target being under 1 s;
- edit: one design edit (a Pass inserted on an edge) until the canvas shows it, target 100 ms:
  the canvas shows the edit at once on the previous layout (the new state on the insert point
  it was dropped on), then redraws with graphviz's layout when the server answers; both timed.

Prints a Markdown table: median, fastest and slowest of several rounds (one round on a shared
machine can be far off, and the best alone flatters).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.browser import CHROMIUM, FLAGS  # noqa: E402

ROUNDS = 7


def big_definition(count: int = 200) -> dict[str, Any]:
    """200 states: Task/Pass chains with a Choice every tenth state and a Parallel every 25th."""
    states: dict[str, Any] = {}
    for i in range(count):
        name, after = f"Step {i}", f"Step {i + 1}"
        if i == count - 1:
            states[name] = {"Type": "Succeed"}
        elif i % 10 == 9:
            states[name] = {
                "Type": "Choice",
                "Choices": [{"Variable": "$.fail", "IsPresent": True, "Next": "Give up"}],
                "Default": after,
            }
        elif i % 25 == 24:
            branch = {"StartAt": f"Inner {i}", "States": {f"Inner {i}": {"Type": "Pass", "End": True}}}
            states[name] = {"Type": "Parallel", "Branches": [branch], "Next": after}
        else:
            kind = "Task" if i % 2 else "Pass"
            state: dict[str, Any] = {"Type": kind, "Next": after}
            if kind == "Task":
                state["Resource"] = "arn:aws:lambda:us-east-1:123456789012:function:echo"
            states[name] = state
    states["Give up"] = {"Type": "Fail", "Error": "Stopped"}
    return {"StartAt": "Step 0", "States": states}


# Resolves with [ms until the canvas first shows the change, ms until graphviz's layout is drawn].
TIMED = """
async ([action, text]) => {
  const d = window.stepbridgeDesigner;
  const body = document.body;
  const after = (key) => {
    const seq = Number(body.dataset[key] || 0);
    return new Promise((resolve) => {
      const watch = new MutationObserver(() => {
        if (Number(body.dataset[key] || 0) > seq) { watch.disconnect(); resolve(performance.now()); }
      });
      watch.observe(body, { attributes: true });
    });
  };
  const settled = after("layoutSeq");
  const reflected = action === "edit" ? after("reflectSeq") : settled;
  const started = performance.now();
  if (action === "load") d.setSource(text, "import");
  else {
    const edge = [...d.canvas.edges.values()].find((e) => e.kind === "next");
    const quick = { StartAt: "Quick", States: { Quick: { Type: "Pass", Next: "$next" } } };
    d.state.hint = d.canvas.insertPoint(edge);
    d.apply((def) => d.model.insertOnEdge(def, edge, quick));
  }
  await reflected;
  await new Promise(requestAnimationFrame);
  const shownPainted = performance.now();
  const done = await settled;
  return [shownPainted - started, done - started];
}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(var_dir: str) -> tuple[subprocess.Popen[bytes], str]:
    env = dict(os.environ, STEPBRIDGE_VAR_DIR=var_dir, STEPBRIDGE_LOG_LEVEL="WARNING")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/machines/", timeout=2)
            return server, base
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the workbench did not start")


def _row(name: str, figures: list[float], target: float) -> str:
    median = statistics.median(figures)
    verdict = "yes" if median < target else "NO"
    return f"| {name} | {median:.0f} | {min(figures):.0f} | {max(figures):.0f} | {target:.0f} | {verdict} |"


def main() -> None:
    from playwright.sync_api import sync_playwright

    text = json.dumps(big_definition(), indent=2)
    with tempfile.TemporaryDirectory() as var_dir:
        server, base = _serve(var_dir)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(base + "/machines/new/design")
                page.wait_for_selector("#canvas .state-node")
                loads, edits, settles = [], [], []
                for _ in range(ROUNDS):
                    loads.append(page.evaluate(TIMED, ["load", text])[1])
                    shown, settled = page.evaluate(TIMED, ["edit", ""])
                    edits.append(shown)
                    settles.append(settled)
                drawn = page.locator("#canvas .state-node").count()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=15)
    print(f"Designer, {drawn} states drawn, Chromium {ROUNDS} rounds (ms):\n")
    print("| action | median | fastest | slowest | target | met |")
    print("|---|---|---|---|---|---|")
    print(_row("load a 200-state definition, lay out and draw", loads, 1000))
    print(_row("one edit on it (a state inserted), shown on the canvas", edits, 100))
    print(_row("the same edit, graphviz's new layout drawn", settles, 1000))


if __name__ == "__main__":
    main()
