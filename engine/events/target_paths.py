"""The JSON paths EventBridge takes in a target's InputPath and InputPathsMap.

EventBridge supports a subset of JSONPath ("Amazon EventBridge input transformation": dot
notation, dashes, underscores, alphanumerics, array indices, wildcards, forward slashes), and
the PutTargets reference says "you must use JSON dot notation, not bracket notation". A path
outside that subset is refused at PutTargets time, so the subset gets its own small parser
rather than a general JSONPath library that would accept more than AWS does.

A definite path (no wildcard) selects one value or nothing; a path with a wildcard selects the
list of every match, as Jayway JsonPath (the Java library behind AWS's JSONPath) does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

_NAME_STOP = frozenset(".[]'\"")

StepKind = Literal["key", "index", "wildcard"]


class TargetPathError(ValueError):
    """A path EventBridge would not accept; the message names the offending part."""


@dataclass(frozen=True)
class PathStep:
    """One step down the event: into an object key, an array index, or every child."""

    kind: StepKind
    key: str = ""
    index: int = 0


@dataclass(frozen=True)
class TargetPath:
    """A parsed path; ``text`` is kept for messages."""

    text: str
    steps: tuple[PathStep, ...]

    @property
    def is_definite(self) -> bool:
        """True when the path can select at most one value (it has no wildcard)."""
        return all(step.kind != "wildcard" for step in self.steps)


def parse_target_path(text: str) -> TargetPath:
    """Parse ``text`` or raise ``TargetPathError`` explaining what EventBridge would reject."""
    if not text.startswith("$"):
        raise TargetPathError(f"path '{text}' must start at the event root '$' (for example $.detail.id)")
    steps: list[PathStep] = []
    position = 1
    while position < len(text):
        char = text[position]
        if char == ".":
            step, position = _dotted_step(text, position + 1)
        elif char == "[":
            step, position = _bracket_step(text, position + 1)
        else:
            raise TargetPathError(f"path '{text}' has '{char}' at position {position}; expected '.' or '['")
        steps.append(step)
    return TargetPath(text=text, steps=tuple(steps))


def _dotted_step(text: str, start: int) -> tuple[PathStep, int]:
    end = start
    while end < len(text) and text[end] not in _NAME_STOP and not text[end].isspace():
        end += 1
    name = text[start:end]
    if not name:
        found = "the end of the path" if end == len(text) else f"'{text[end]}'"
        raise TargetPathError(
            f"path '{text}' needs a key name after '.' at position {start - 1}, found {found}"
        )
    if end < len(text) and text[end].isspace():
        raise TargetPathError(f"path '{text}' has whitespace in a key name at position {end}")
    if "*" in name and name != "*":
        raise TargetPathError(f"path '{text}' mixes '*' into the key name '{name}'; a wildcard stands alone")
    if name == "*":
        return PathStep("wildcard"), end
    return PathStep("key", key=name), end


def _bracket_step(text: str, start: int) -> tuple[PathStep, int]:
    close = text.find("]", start)
    if close == -1:
        raise TargetPathError(f"path '{text}' opens '[' at position {start - 1} without a closing ']'")
    content = text[start:close].strip()
    if content[:1] in {"'", '"'}:
        raise TargetPathError(
            f"path '{text}' uses quoted bracket notation [{content}]; EventBridge takes dot notation ($.a.b)"
        )
    if content == "*":
        return PathStep("wildcard"), close + 1
    if content.isdigit():
        return PathStep("index", index=int(content)), close + 1
    raise TargetPathError(f"path '{text}' has [{content}]; a bracket holds an array index such as [0] or '*'")


def select(path: TargetPath, document: Any) -> tuple[bool, Any]:
    """Evaluate ``path`` on ``document``: ``(True, value)``, or ``(False, None)`` when nothing matches.

    A path with a wildcard always matches, giving the (possibly empty) list of its matches.
    """
    frontier: list[Any] = [document]
    for step in path.steps:
        frontier = [child for node in frontier for child in _children(step, node)]
    if path.is_definite:
        return (True, frontier[0]) if frontier else (False, None)
    return True, frontier


def _children(step: PathStep, node: Any) -> list[Any]:
    if step.kind == "key":
        return [node[step.key]] if isinstance(node, dict) and step.key in node else []
    if step.kind == "index":
        return [node[step.index]] if isinstance(node, list) and step.index < len(node) else []
    if isinstance(node, dict):
        return list(node.values())
    if isinstance(node, list):
        return list(node)
    return []
