"""EventBridge's own error codes (the Errors section of each operation in the Amazon
EventBridge API Reference); the codes EventBridge shares with other JSON services
(ValidationException, ResourceNotFoundException...) are in ``workbench.core.errors``."""

from __future__ import annotations

from workbench.core.errors import AwsError


class InvalidEventPattern(AwsError):
    """PutRule and TestEventPattern: the pattern is not valid JSON or not a valid pattern."""

    code = "InvalidEventPatternException"


class IllegalStatus(AwsError):
    """CancelReplay: the replay has already ended (COMPLETED, CANCELLED or FAILED)."""

    code = "IllegalStatusException"


class ManagedRule(AwsError):
    """A change to a rule an AWS service manages (an archive's): PutRule, EnableRule,
    DisableRule, PutTargets, and DeleteRule or RemoveTargets without Force."""

    code = "ManagedRuleException"
