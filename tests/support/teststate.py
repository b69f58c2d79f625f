"""What the TestState tests share, in process and served: a machine whose Task calls a mock
function and whose Choice routes on its answer, its input, and a lone Task state for mocks."""

from __future__ import annotations

import json

DYNAMODB_QUERY = "arn:aws:states:::aws-sdk:dynamodb:query"
MOCK_SCHEMA_ERROR = "Mock result schema validation error: "
"""How TestState's refusal of a mock that breaks the API model begins (LocalStack's AWS-validated
snapshot test_field_validation_mode.snapshot.json)."""

# A machine whose Task calls a workspace function and whose Choice routes on its result.
QUOTE_MACHINE = {
    "StartAt": "Price",
    "States": {
        "Price": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "quote", "Payload.$": "$.order"},
            "ResultSelector": {"price.$": "$.Payload.price"},
            "ResultPath": "$.quote",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Rejected"}],
            "Next": "Route",
        },
        "Route": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.quote.price", "NumericGreaterThan": 100, "Next": "Review"}],
            "Default": "Accepted",
        },
        "Review": {"Type": "Pass", "Next": "Accepted"},
        "Accepted": {"Type": "Succeed"},
        "Rejected": {"Type": "Fail", "Error": "Rejected"},
    },
}
ORDER = {"order": {"sku": "A-1", "qty": 2}}


def task_state(resource: str) -> str:
    """A TestState definition: one Task state calling ``resource``."""
    return json.dumps({"Type": "Task", "Resource": resource, "End": True})
