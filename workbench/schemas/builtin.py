"""The built-in ``aws.events`` registry: the event types this workbench itself knows of.

Each schema is inferred from the event as the AWS docs print it, so it has exactly the
discovered layout: "Step Functions Execution Status Change" from "Creating a schema from
event JSON" (eventbridge/latest/userguide/eb-schemas-infer-from-json.html), and EventBridge's
"Scheduled Event" from its events detail reference (eventbridge/latest/userguide/event-reference.html).
"""

from __future__ import annotations

from typing import Any

AWS_REGISTRY = "aws.events"
DISCOVERED_REGISTRY = "discovered-schemas"

_EXECUTION = "arn:aws:states:us-east-1:012345678912:execution:state-machine-name:execution-name"
SAMPLE_EVENTS: list[dict[str, Any]] = [
    {
        "version": "0",
        "id": "315c1398-40ff-a850-213b-158f73e60175",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": "012345678912",
        "time": "2019-02-26T19:42:21Z",
        "region": "us-east-1",
        "resources": [_EXECUTION],
        "detail": {
            "executionArn": _EXECUTION,
            "stateMachineArn": "arn:aws:states:us-east-1:012345678912:stateMachine:state-machine",
            "name": "execution-name",
            "status": "FAILED",
            "startDate": 1551225146847,
            "stopDate": 1551225151881,
            "input": "{}",
            "inputDetails": {"included": True},
            "output": "{}",
            "outputDetails": {"included": True},
            "error": "States.Runtime",
            "cause": "An error occurred while executing the state.",
        },
    },
    {
        "version": "0",
        "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2016-12-30T18:44:49Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/SampleRule"],
        "detail": {},
    },
]
