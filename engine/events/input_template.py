"""InputTemplate text: where its placeholders sit, and how a value is written into each spot.

AWS's rules ("Amazon EventBridge input transformation", its "Common issues" list, and the
InputTransformer API reference):

* A template may be JSON (an object, an array, or one JSON string such as
  ``"instance <instance> is in <state>"``) or plain text (``<instance> is in state <status>``).
* In a JSON template, a placeholder standing as a JSON value gets the value as JSON: strings
  are quoted for you, objects and arrays are written as JSON.
* A placeholder inside a JSON string gets the value's text without quotes; for an object or
  array "EventBridge removes any internal quotes to ensure a valid string".
* In a plain-text template every value goes in as text, by the same rule.
* A path that matched nothing fills its placeholder with the empty string: ``""`` as a JSON
  value, nothing inside a string (observed on AWS; LocalStack's validated snapshot
  ``test_put_events_with_input_transformer_input_template_json``).

Design choice: inside a JSON string, text is JSON-escaped so the target always receives valid
JSON (the guide also says EventBridge "doesn't escape values"; the examples never show a value
that needs escaping).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.events.json_text import InvalidJsonText, dumps_compact, loads_strict, minify

PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
"""A placeholder name is an InputPathsMap key ([A-Za-z0-9_-]) or a predefined aws.events.* name."""


@dataclass(frozen=True)
class PlaceholderSpot:
    """One ``<name>`` in the template and whether it sits inside a JSON string literal."""

    name: str
    start: int
    end: int
    in_string: bool


@dataclass(frozen=True)
class InputTemplate:
    """A template split into its placeholder spots, with its JSON-ness decided once."""

    text: str
    spots: tuple[PlaceholderSpot, ...]
    is_json: bool
    is_json_object: bool

    @property
    def names(self) -> frozenset[str]:
        """Every placeholder name the template uses."""
        return frozenset(spot.name for spot in self.spots)


def parse_input_template(text: str) -> InputTemplate:
    """Find the placeholders of ``text`` and whether it is a JSON template."""
    spots = tuple(_find_spots(text))
    probe = _substitute(text, spots, lambda spot: "" if spot.in_string else "0")
    try:
        shape = loads_strict(probe)
    except InvalidJsonText:
        return InputTemplate(text=text, spots=spots, is_json=False, is_json_object=False)
    return InputTemplate(text=text, spots=spots, is_json=True, is_json_object=isinstance(shape, dict))


def _find_spots(text: str) -> list[PlaceholderSpot]:
    """Walk the text once, tracking JSON string state, and note every placeholder on the way."""
    spots: list[PlaceholderSpot] = []
    in_string = False
    position = 0
    while position < len(text):
        char = text[position]
        if char == "<":
            match = PLACEHOLDER.match(text, position)
            if match is not None:
                spots.append(PlaceholderSpot(match.group(1), match.start(), match.end(), in_string))
                position = match.end()
                continue
        if in_string and char == "\\":
            position += 2
            continue
        if char == '"':
            in_string = not in_string
        position += 1
    return spots


def _substitute(
    text: str, spots: tuple[PlaceholderSpot, ...], replacement: Callable[[PlaceholderSpot], str]
) -> str:
    pieces: list[str] = []
    cursor = 0
    for spot in spots:
        pieces.append(text[cursor : spot.start])
        pieces.append(replacement(spot))
        cursor = spot.end
    pieces.append(text[cursor:])
    return "".join(pieces)


class _Missing:
    """The type of ``MISSING``."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()
"""Marks a placeholder whose path matched nothing in the event."""


def fill_input_template(template: InputTemplate, values: Mapping[str, Any]) -> str:
    """Write ``values`` into the template; a name absent from ``values`` is left as written.

    A JSON template comes out minified, as targets receive it.
    """

    def written(spot: PlaceholderSpot) -> str:
        if spot.name not in values:
            return template.text[spot.start : spot.end]
        value = values[spot.name]
        if not template.is_json:
            return as_plain_text(value)
        return inside_json_string(value) if spot.in_string else as_json_value(value)

    filled = _substitute(template.text, template.spots, written)
    return minify(filled) if template.is_json else filled


def as_json_value(value: Any) -> str:
    """A value standing as a JSON value: JSON as it is; nothing matched -> ``""``."""
    return '""' if value is MISSING else dumps_compact(value)


def inside_json_string(value: Any) -> str:
    """A value written inside a JSON string literal: its text, quotes of objects removed, escaped."""
    text = as_plain_text(value)
    return dumps_compact(text)[1:-1]


def as_plain_text(value: Any) -> str:
    """A value as text: strings bare, objects and arrays as JSON without quotes, nothing -> empty."""
    if value is MISSING:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return dumps_compact(value).replace('"', "")
    return dumps_compact(value)
