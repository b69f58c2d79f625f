"""Which fields belong where: per state type, per query language, per container.

A field AWS knows but that a state type does not take is refused with "Field 'X' is not
supported"; a field no state takes at all, with 'The field "X" is not supported by Step
Functions'. JSONPath-only fields are refused in JSONata states and the other way round.
"""

from __future__ import annotations

STATE_TYPES = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
QUERY_LANGUAGES = ("JSONPath", "JSONata")

COMMON_FIELDS = frozenset({"Type", "Comment", "QueryLanguage"})

STATE_FIELDS: dict[str, frozenset[str]] = {
    "Pass": frozenset(
        {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Assign", "Output"}
    ),
    "Task": frozenset(
        {
            "Next",
            "End",
            "Resource",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "ResultSelector",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Arguments",
            "Output",
            "Assign",
        }
    ),
    "Choice": frozenset({"Choices", "Default", "InputPath", "OutputPath", "Assign", "Output"}),
    "Wait": frozenset(
        {
            "Next",
            "End",
            "Seconds",
            "SecondsPath",
            "Timestamp",
            "TimestampPath",
            "InputPath",
            "OutputPath",
            "Assign",
            "Output",
        }
    ),
    "Succeed": frozenset({"InputPath", "OutputPath", "Output"}),
    "Fail": frozenset({"Error", "ErrorPath", "Cause", "CausePath"}),
    "Parallel": frozenset(
        {
            "Next",
            "End",
            "Branches",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "ResultSelector",
            "Retry",
            "Catch",
            "Arguments",
            "Output",
            "Assign",
        }
    ),
    "Map": frozenset(
        {
            "Next",
            "End",
            "ItemProcessor",
            "Iterator",
            "ItemsPath",
            "ItemSelector",
            "Parameters",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "Label",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "ResultSelector",
            "Retry",
            "Catch",
            "Items",
            "Output",
            "Assign",
        }
    ),
}

KNOWN_STATE_FIELDS = COMMON_FIELDS.union(*STATE_FIELDS.values())

TRANSITIONING_TYPES = frozenset({"Pass", "Task", "Wait", "Parallel", "Map"})
"""State types that need exactly one of ``Next`` and ``"End": true``."""

REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "Task": ("Resource",),
    "Choice": ("Choices",),
    "Parallel": ("Branches",),
}

JSONPATH_ONLY_FIELDS = frozenset(
    {
        "InputPath",
        "OutputPath",
        "ResultPath",
        "Parameters",
        "ResultSelector",
        "Result",
        "ItemsPath",
        "TimeoutSecondsPath",
        "HeartbeatSecondsPath",
        "SecondsPath",
        "TimestampPath",
        "ErrorPath",
        "CausePath",
        "MaxConcurrencyPath",
        "ToleratedFailurePercentagePath",
        "ToleratedFailureCountPath",
    }
)
JSONATA_ONLY_FIELDS = frozenset({"Arguments", "Output", "Items"})

TOP_LEVEL_FIELDS = frozenset({"Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"})
BRANCH_FIELDS = frozenset({"Comment", "StartAt", "States"})
ITEM_PROCESSOR_FIELDS = frozenset({"Comment", "StartAt", "States", "ProcessorConfig"})

RETRIER_FIELDS = frozenset(
    {
        "ErrorEquals",
        "IntervalSeconds",
        "MaxAttempts",
        "BackoffRate",
        "MaxDelaySeconds",
        "JitterStrategy",
        "Comment",
    }
)
CATCHER_FIELDS = frozenset({"ErrorEquals", "Next", "ResultPath", "Comment", "Assign", "Output"})

MAX_STATE_NAME_LENGTH = 80
MAX_SECONDS = 99_999_999
MAX_RETRY_DELAY_SECONDS = 31_622_400
