"""Takes the README's screenshot of a live execution page from a running workbench.

Usage: .venv/bin/python scripts/screenshot.py http://127.0.0.1:8000 docs/execution-page.png
It makes the course's Lab 2 mocks through the browser's mock editor, starts the order
workflow with a payment that fails twice, and shoots the page while the retries run.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.browser import chromium_page
from tests.support.seed import lab2_definition

MOCKS = {
    "validate-order": [{"output": {"orderId": "order-123", "amount": 1500}}],
    "process-payment": [
        {"error": "States.TaskFailed", "cause": "gateway busy"},
        {"error": "States.TaskFailed", "cause": "gateway busy"},
        {"output": {"transactionId": "txn-789"}},
    ],
    "update-inventory": [{"output": {"reserved": True}}],
    "send-email": [{"output": {"sent": True}}],
}


def main(base: str, target: str) -> None:
    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(inject_host_prefix=False),
    )
    with chromium_page() as page:
        page.set_viewport_size({"width": 1400, "height": 900})
        for name, outcomes in MOCKS.items():
            page.goto(f"{base}/functions/")
            page.fill("#mock-form input[name=name]", name)
            page.fill("#mock-form textarea[name=outcomes]", json.dumps(outcomes))
            page.click("#mock-form button")
        arn = sfn.create_state_machine(
            name="order-processing",
            definition=json.dumps(lab2_definition()),
            roleArn="arn:aws:iam::123456789012:role/course",
        )["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"orderId": "order-123"}))
        page.goto(f"{base}/machines/order-processing/")
        page.click(f"text={execution['executionArn'].rsplit(':', 1)[1]}")
        page.wait_for_selector(
            'g.state-node[data-state="ProcessPayment"][data-status="retrying"]', timeout=15000
        )
        time.sleep(0.5)
        page.screenshot(path=target, full_page=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
