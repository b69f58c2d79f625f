"""A page on another site, open in the user's browser, can do the workbench no harm.

Any page the user visits can reach 127.0.0.1 through the browser: it can submit forms there
and open WebSockets (browsers enforce neither CORS nor the same-origin policy on those; they
send an Origin header). Here a second local HTTP server on another port plays that page, and
Chromium runs it against the served workbench:

- a text/plain form posting an S3 DeleteObjects with a presigned query leaves the object there;
- a WebSocket to an execution is refused (while the workbench's own page gets its backlog);
- an object uploaded as text/html and opened from the storage page's download link is
  downloaded, not rendered: its script never runs on the workbench's origin.
"""

from __future__ import annotations

import html
import http.server
import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.exceptions import ClientError

from tests.support.browser import chromium_page
from tests.support.stack import free_port
from tests.workbench.awsapi.calls import PRESIGNED_S3_QUERY

pytestmark = [pytest.mark.live, pytest.mark.browser]

DEFINITION = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
# A text/plain form sends "name=value"; these make that body S3's DeleteObjects XML.
FIELD_NAME = "<Delete><Object><Key>report.txt</Key></Object><Note a"
FIELD_VALUE = '"b"/></Delete>'
SOCKET_PROBE = """(url) => new Promise((resolve) => {
  const seen = [];
  const socket = new WebSocket(url);
  socket.onopen = () => seen.push("open");
  socket.onmessage = (event) => { seen.push("message:" + JSON.parse(event.data).type); socket.close(); };
  socket.onerror = () => seen.push("error");
  socket.onclose = () => resolve(seen);
  setTimeout(() => resolve(seen.concat("timeout")), 8000);
})"""


@pytest.fixture
def other_site() -> Iterator[dict[str, str]]:
    """Another origin: pages registered in the dict by path, served from 127.0.0.1:<other port>."""
    pages: dict[str, str] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "not here").encode()
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pages["origin"] = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield pages
    finally:
        server.shutdown()
        server.server_close()


def _form_page(action: str) -> str:
    return f"""<!doctype html><title>elsewhere</title>
<form id="f" method="post" enctype="text/plain" action="{html.escape(action)}">
<input type="hidden" name="{html.escape(FIELD_NAME)}" value="{html.escape(FIELD_VALUE)}">
</form><script>document.getElementById("f").submit();</script>"""


def test_a_cross_origin_form_cannot_delete_an_object(
    aws: Any, live_url: str, other_site: dict[str, str]
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="data")
    s3.put_object(Bucket="data", Key="report.txt", Body=b"keep me")
    other_site["/presigned"] = _form_page(f"{live_url}/data?delete&{urlencode(PRESIGNED_S3_QUERY)}")
    other_site["/credential-only"] = _form_page(
        f"{live_url}/data?delete&{urlencode({'X-Amz-Credential': PRESIGNED_S3_QUERY['X-Amz-Credential']})}"
    )
    with chromium_page() as page:
        for path in ("/presigned", "/credential-only"):
            with page.expect_navigation(url=lambda url: url.startswith(live_url)):
                page.goto(other_site["origin"] + path)
            page.wait_for_load_state()
            assert s3.get_object(Bucket="data", Key="report.txt")["Body"].read() == b"keep me", path
    # The same body, signed in the Authorization header as an SDK signs it, does delete: the
    # form was refused for where it came from, not for what it said.
    s3.delete_objects(Bucket="data", Delete={"Objects": [{"Key": "report.txt"}]})
    with pytest.raises(ClientError):
        s3.head_object(Bucket="data", Key="report.txt")


def test_a_cross_origin_websocket_is_refused(aws: Any, live_url: str, other_site: dict[str, str]) -> None:
    from workbench.stepfunctions.models import Execution

    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(
        name="seen", definition=json.dumps(DEFINITION), roleArn="arn:aws:iam::123456789012:role/r"
    )
    sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="private", input='{"secret": 1}')
    execution_id = Execution.objects.get(name="private").id
    socket_url = live_url.replace("http://", "ws://") + f"/ws/executions/{execution_id}/"
    other_site["/spy"] = "<!doctype html><title>elsewhere</title><p>nothing to see</p>"
    with chromium_page() as page:
        page.goto(other_site["origin"] + "/spy")
        assert "message:backlog" not in page.evaluate(SOCKET_PROBE, socket_url)
        page.goto(f"{live_url}/machines/")  # the workbench's own origin: the socket is open to it
        assert "message:backlog" in page.evaluate(SOCKET_PROBE, socket_url)


def test_an_html_download_does_not_run_on_the_workbench_origin(aws: Any, live_url: str) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="site")
    script = b"<!doctype html><script>localStorage.setItem('ran', 'yes'); document.title = 'ran';</script>"
    s3.put_object(Bucket="site", Key="page.html", Body=script, ContentType="text/html")
    with chromium_page() as page:
        page.goto(f"{live_url}/storage/?bucket=site")
        link = page.get_by_role("link", name="page.html")
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == "page.html"
        page.goto(f"{live_url}/storage/?bucket=site")
        assert page.evaluate("localStorage.getItem('ran')") is None
        assert page.title() != "ran"


def test_a_cross_origin_page_cannot_drive_the_virtual_clock(
    live_url: str, other_site: dict[str, str]
) -> None:
    """A form (text/plain carrying JSON), a no-cors fetch and a JSON fetch (which needs a CORS
    preflight nothing answers) from another origin leave the clock on real time."""
    clock_url = f"{live_url}/_stepbridge/clock"
    other_site["/clock-form"] = f"""<!doctype html><title>elsewhere</title>
<form id="f" method="post" enctype="text/plain" action="{html.escape(clock_url)}">
<input type="hidden" name='{{"action": "freeze", "x": "' value='"}}'>
</form><script>document.getElementById("f").submit();</script>"""
    other_site["/clock-fetch"] = "<!doctype html><title>elsewhere</title><p>nothing to see</p>"
    probe = """async (url) => {
      const body = JSON.stringify({action: "freeze"});
      await fetch(url, {method: "POST", mode: "no-cors", body: body}).catch(() => null);
      await fetch(url, {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: body})
        .catch(() => null);
      await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: body})
        .catch(() => null);
      return "done";
    }"""

    def mode() -> str:
        with urllib.request.urlopen(clock_url, timeout=10) as response:
            return str(json.loads(response.read())["mode"])

    with chromium_page() as page:
        with page.expect_navigation(url=lambda url: url.startswith(live_url)):
            page.goto(other_site["origin"] + "/clock-form")
        page.wait_for_load_state()
        assert mode() == "REAL"
        page.goto(other_site["origin"] + "/clock-fetch")
        assert page.evaluate(probe, clock_url) == "done"
        assert mode() == "REAL"
