"""Tags as AWS's tagging operations keep them: a list of ``{"Key", "Value"}`` in the order
first given, a key at most once ("TagResource": a new key is appended, a key already there
has its value replaced; "UntagResource": the keys named are removed). EventBridge (rules and
event buses) and EventBridge Scheduler (schedule groups) share these rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workbench.core.errors import ValidationError

Tags = list[dict[str, str]]


def checked(tags: Any) -> Tags:
    """A Tags list as the service models shape it (Key 1-128 characters, Value 0-256), each key
    once (the last value given wins); None is no tags."""
    if tags is None:
        return []
    if not isinstance(tags, list):
        raise ValidationError("Parameter Tags is not valid.")
    found: Tags = []
    for tag in tags:
        key = tag.get("Key") if isinstance(tag, dict) else None
        value = tag.get("Value") if isinstance(tag, dict) else None
        if not isinstance(key, str) or not 1 <= len(key) <= 128:
            raise ValidationError(
                "Parameter Tags is not valid. Reason: a tag's Key must be 1 to 128 characters."
            )
        if not isinstance(value, str) or len(value) > 256:
            raise ValidationError(
                "Parameter Tags is not valid. Reason: a tag's Value must be 0 to 256 characters."
            )
        found.append({"Key": key, "Value": value})
    return merged([], found)


def merged(tags: Tags, added: Tags) -> Tags:
    """TagResource: each tag added, or its value replaced where its key is there already."""
    by_key = {tag["Key"]: tag["Value"] for tag in tags}
    by_key.update({tag["Key"]: tag["Value"] for tag in added})
    return [{"Key": key, "Value": value} for key, value in by_key.items()]


def without(tags: Tags, keys: Iterable[str]) -> Tags:
    """UntagResource: the tags with these keys removed."""
    removed = set(keys)
    return [tag for tag in tags if tag["Key"] not in removed]
