"""Built-in sample events for the pattern sandbox, so a fresh workbench has something to match.

Each sample is an envelope exactly as a bus would store it, taken from the material users
learn from: the course chapter's "Order Placed" event and two events from AWS's documentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SampleEvent:
    key: str
    label: str
    origin: str
    event: dict[str, Any]


# The course chapter's "Event Structure" (EventBridge section); the chapter elides the id as
# "uuid" and the items as [...], so both are filled in here.
ORDER_PLACED = SampleEvent(
    key="order-placed",
    label="Order Placed (course chapter)",
    origin="course chapter 18, EventBridge event structure",
    event={
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "Order Placed",
        "source": "com.myapp.orders",
        "account": "123456789012",
        "time": "2025-01-15T10:30:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "orderId": "order-123",
            "customerId": "customer-456",
            "amount": 299.99,
            "status": "pending",
            "items": [{"sku": "sku-1", "quantity": 1}],
        },
    },
)

# "Amazon EventBridge input transformation" (eventbridge/latest/userguide/eb-transform-target-input).
EC2_STATE_CHANGE = SampleEvent(
    key="ec2-state-change",
    label="EC2 Instance State-change Notification (AWS docs)",
    origin="AWS docs, Amazon EventBridge input transformation",
    event={
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "EC2 Instance State-change Notification",
        "source": "aws.ec2",
        "account": "123456789012",
        "time": "2015-11-11T21:29:54Z",
        "region": "us-east-1",
        "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
        "detail": {"instance-id": "i-0123456789", "state": "RUNNING"},
    },
)

# "Using AWS Lambda with scheduled events" (lambda/latest/dg/with-scheduled-events).
SCHEDULED_EVENT = SampleEvent(
    key="scheduled-event",
    label="Scheduled Event (AWS docs)",
    origin="AWS docs, Lambda with scheduled events",
    event={
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2015-10-08T16:53:06Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"],
        "detail": {},
    },
)

BUILT_IN_SAMPLES: tuple[SampleEvent, ...] = (ORDER_PLACED, EC2_STATE_CHANGE, SCHEDULED_EVENT)

# The course's first pattern example ("Exact Match"): what the sandbox shows before a rule is picked.
DEFAULT_PATTERN = '{\n  "source": ["com.myapp.orders"],\n  "detail-type": ["Order Placed"]\n}'
