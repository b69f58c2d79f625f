"""The errors PutRule and TestEventPattern return for a bad event pattern, worded as AWS words them."""

from __future__ import annotations

MESSAGE_PREFIX = "Event pattern is not valid. Reason: "

# The EventPattern member of PutRule / TestEventPattern is at most 4096 characters (service model).
MAX_PATTERN_LENGTH = 4096


class InvalidEventPatternError(ValueError):
    """AWS's InvalidEventPatternException.

    ``reason`` is event-ruler's own text; ``location`` is the Jackson parser position AWS appends
    ("\\n at [Source: ...; line: 1, column: N]") when ruler raised the error while reading the JSON,
    or "" for errors raised after parsing (CIDR, wildcard complexity), exactly as AWS does.
    ``message`` (and ``str(err)``) is the full text AWS returns.
    """

    code = "InvalidEventPatternException"

    def __init__(self, reason: str, location: str = "") -> None:
        self.reason = reason
        self.location = location
        self.message = MESSAGE_PREFIX + reason + location
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class EventPatternTooLongError(InvalidEventPatternError):
    """The 4096-character limit: AWS rejects it before parsing, as a ValidationException."""

    code = "ValidationException"

    def __init__(self) -> None:
        super().__init__("")
        self.reason = f"Member must have length less than or equal to {MAX_PATTERN_LENGTH}"
        self.message = (
            "1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_PATTERN_LENGTH}"
        )
        self.args = (self.message,)


class RulerError(Exception):
    """Internal: an error raised while reading the pattern, before it gets AWS's prefix."""

    def __init__(self, reason: str, location: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.location = location
