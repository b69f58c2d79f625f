"""EventBridge event patterns, as AWS reads and matches them (aws/event-ruler's semantics).

``parse_pattern`` validates a pattern with AWS's messages; ``matches`` is the plain reference
evaluator; ``explain`` says why an event missed; ``Matcher`` compiles all rules of a bus into one
structure that matches an event against every rule at once.
"""

from engine.events.patterns.compiled import Matcher
from engine.events.patterns.errors import (
    MAX_PATTERN_LENGTH,
    EventPatternTooLongError,
    InvalidEventPatternError,
)
from engine.events.patterns.evaluate import matches
from engine.events.patterns.explain import Miss, explain
from engine.events.patterns.model import Pattern
from engine.events.patterns.parse import parse_pattern

__all__ = [
    "MAX_PATTERN_LENGTH",
    "EventPatternTooLongError",
    "InvalidEventPatternError",
    "Matcher",
    "Miss",
    "Pattern",
    "explain",
    "matches",
    "parse_pattern",
]
