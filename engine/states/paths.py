"""JSONPath for the States Language: reference paths, full paths, and payload templates.

Reference paths (``$``, ``$.a.b``, ``$['a'][0]``, ``$$.Execution.Id``, ``$var.x``) are walked
directly, which is what almost every state uses; anything else (wildcards, filters, slices,
``..``) goes through jsonpath-ng and yields the list of matches, as AWS does.
Payload templates (Parameters, ResultSelector, ItemSelector) are compiled once into closures
so that running a state does no parsing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from engine import compact_json
from engine.states.errors import RUNTIME, StatesError
from engine.states.model import JSON

Step = str | int


class PathNotFound(Exception):
    """The path names nothing in the document."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class PathSyntaxError(ValueError):
    """The text is not a JSONPath the States Language accepts."""


class ResultPathError(ValueError):
    """ResultPath cannot place the result into the input (States.ResultPathMatchFailure)."""


_NAME_END = re.compile(r"[.\[]")
_BRACKET_STEP = re.compile(r"""\[\s*(?:(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]""")
_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class Path:
    """A compiled path. ``root`` is ``$`` (state input), ``$$`` (context) or a variable name."""

    __slots__ = ("_matcher", "definite", "root", "steps", "text")

    def __init__(self, text: str, root: str, steps: tuple[Step, ...] | None, matcher: Any = None) -> None:
        self.text = text
        self.root = root
        self.steps = steps
        self.definite = steps is not None
        self._matcher = matcher

    def get(self, doc: JSON) -> JSON:
        """The value the path names in ``doc`` (raises PathNotFound), or the list of matches."""
        steps = self.steps
        if steps is None:
            return [match.value for match in self._matcher.find(doc)]
        value = doc
        for step in steps:
            if type(step) is str:
                if type(value) is not dict or step not in value:
                    raise PathNotFound(self.text)
                value = value[step]
            else:
                if type(value) is not list or not -len(value) <= step < len(value):  # type: ignore[operator]
                    raise PathNotFound(self.text)
                value = value[step]  # type: ignore[index]
        return value

    def bracketed(self) -> str:
        """AWS's normalised spelling, e.g. ``$['a'][0]``, used in error causes."""
        if self.steps is None:
            return self.text
        parts = ["$"]
        for step in self.steps:
            parts.append(f"['{step}']" if isinstance(step, str) else f"[{step}]")
        return "".join(parts)


def _parse_steps(text: str, start: int) -> tuple[Step, ...] | None:
    """The steps of a reference path from ``start``, or None when it is not a reference path."""
    steps: list[Step] = []
    position = start
    length = len(text)
    while position < length:
        char = text[position]
        if char == ".":
            if text.startswith("..", position):
                return None
            match = _NAME_END.search(text, position + 1)
            end = match.start() if match else length
            name = text[position + 1 : end]
            if not name or name == "*" or any(c in name for c in "*?@()]'\" "):
                return None
            steps.append(name)
            position = end
        elif char == "[":
            bracket = _BRACKET_STEP.match(text, position)
            if bracket is None:
                return None
            index, single, double = bracket.groups()
            if index is not None:
                steps.append(int(index))
            else:
                steps.append(single if single is not None else double)
            position = bracket.end()
        else:
            return None
    return tuple(steps)


@lru_cache(maxsize=4096)
def compile_path(text: str) -> Path:
    """Compile ``text`` once; raises PathSyntaxError with the offending text."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise PathSyntaxError(f"Invalid JSONPath '{text}': a path starts with '$'")
    if text.startswith("$$"):
        root, start = "$$", 2
    else:
        variable = _VARIABLE.match(text)
        root, start = (variable.group(1), variable.end()) if variable else ("$", 1)
    steps = _parse_steps(text, start)
    if steps is not None:
        return Path(text, root, steps)
    from jsonpath_ng.exceptions import JsonPathParserError
    from jsonpath_ng.ext import parse  # type: ignore[attr-defined]

    try:
        matcher = parse("$" + text[start:])
    except (JsonPathParserError, Exception) as problem:
        raise PathSyntaxError(f"Invalid JSONPath '{text}': {problem}") from None
    return Path(text, root, None, matcher)


def is_path(text: Any) -> bool:
    """Whether ``text`` looks like a path (starts with ``$``)."""
    return isinstance(text, str) and text.startswith("$")


def set_at(doc: JSON, path: Path, value: JSON) -> JSON:
    """A copy of ``doc`` with ``value`` placed at ``path`` (ResultPath semantics).

    Only the containers along the path are copied, so the original stays untouched and the
    rest is shared. Missing objects on the way are created; anything else in the way fails,
    worded as AWS's Step Functions Local words States.ResultPathMatchFailure
    (``Unable to apply ReferencePath $.x to input "text"``, quoted in aws/aws-cdk issue 29473).
    """
    steps = path.steps
    if steps is None or path.root != "$":
        raise ResultPathError(f"ResultPath '{path.text}' must be a reference path on the state input")
    if not steps:
        return value
    try:
        return _set(doc, steps, 0, value)
    except _NoPlace:
        raise ResultPathError(f"Unable to apply ReferencePath {path.text} to input {to_json(doc)}") from None


class _NoPlace(Exception):
    """Something other than an object (or an existing array slot) is in the path's way."""


def _set(node: JSON, steps: tuple[Step, ...], depth: int, value: JSON) -> JSON:
    step = steps[depth]
    last = depth == len(steps) - 1
    if isinstance(step, str):
        if node is None and depth > 0:
            node = {}
        if not isinstance(node, dict):
            raise _NoPlace
        copy = dict(node)
        copy[step] = value if last else _set(node.get(step), steps, depth + 1, value)
        return copy
    if not isinstance(node, list) or not -len(node) <= step < len(node):
        raise _NoPlace
    items = list(node)
    items[step] = value if last else _set(node[step], steps, depth + 1, value)
    return items


# --- payload templates -------------------------------------------------------------------


class Scope:
    """What paths inside one evaluation see: ``$`` the document, ``$$`` the context object."""

    __slots__ = ("_context", "_context_factory", "document", "env", "variables")

    def __init__(
        self,
        document: JSON,
        context_factory: Callable[[], dict[str, JSON]],
        env: Any = None,
        variables: dict[str, JSON] | None = None,
    ) -> None:
        self.document = document
        self._context_factory = context_factory
        self._context: dict[str, JSON] | None = None
        self.env = env
        self.variables = variables

    @property
    def context(self) -> dict[str, JSON]:
        if self._context is None:
            self._context = self._context_factory()
        return self._context

    def resolve(self, path: Path) -> JSON:
        """The value of ``path`` in this scope (raises PathNotFound)."""
        root = path.root
        if root == "$":
            return path.get(self.document)
        if root == "$$":
            return path.get(self.context)
        variables = self.variables or {}
        if root not in variables:
            raise PathNotFound(path.text)
        return path.get(variables[root])

    def resolve_text(self, text: str) -> JSON:
        return self.resolve(compile_path(text))


class TemplateError(Exception):
    """A ``.$`` field of a payload template could not be evaluated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


Renderer = Callable[[Scope], JSON]


def compile_template(template: JSON) -> Renderer:
    """Compile a payload template (Parameters, ResultSelector, ItemSelector, Assign)."""
    if isinstance(template, dict):
        return _compile_object(template)
    if isinstance(template, list):
        items = [compile_template(item) for item in template]
        return lambda scope: [render(scope) for render in items]
    return lambda scope: template


def _compile_object(template: dict[str, JSON]) -> Renderer:
    fields: list[tuple[str, Renderer]] = []
    for key, value in template.items():
        if key.endswith(".$") and isinstance(value, str):
            fields.append((key[:-2], _compile_expression(key, value)))
        else:
            fields.append((key, compile_template(value)))

    def render(scope: Scope) -> JSON:
        rendered: dict[str, JSON] = {}  # a loop, not a comprehension: no extra frame per template
        for name, field in fields:
            rendered[name] = field(scope)
        return rendered

    return render


def _compile_expression(field: str, expression: str) -> Renderer:
    if expression.startswith("$"):
        path = compile_path(expression)

        def from_path(scope: Scope) -> JSON:
            try:
                return scope.resolve(path)
            except PathNotFound:
                source = scope.context if path.root == "$$" else scope.document
                raise TemplateError(
                    f"The JSONPath '{expression}' specified for the field '{field}' "
                    f"could not be found in the input '{to_json(source)}'"
                ) from None

        return from_path
    if _looks_intrinsic(expression):
        return _compile_intrinsic(field, expression)
    raise PathSyntaxError(
        f"The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function call"
    )


def _looks_intrinsic(expression: str) -> bool:
    from engine.states.intrinsics import is_intrinsic

    return bool(is_intrinsic(expression))


def _compile_intrinsic(field: str, expression: str) -> Renderer:
    from engine.states.intrinsics import IntrinsicFailure, IntrinsicSyntaxError, evaluate, parse

    try:
        call = parse(expression)
    except IntrinsicSyntaxError as problem:
        raise PathSyntaxError(
            f"The value for the field '{field}' is not a valid intrinsic function: {problem}"
        ) from None

    def invoke(scope: Scope) -> JSON:
        def resolve_path(text: str) -> JSON:
            try:
                return scope.resolve_text(text)
            except PathNotFound:
                raise TemplateError(_missing_argument(expression, text, scope.document)) from None

        try:
            return evaluate(call, resolve_path, scope.env)
        except IntrinsicFailure as failure:
            raise TemplateError(_evaluation_failed(expression, failure.cause)) from None
        except (TemplateError, StatesError):
            raise
        except Exception as problem:
            error = getattr(problem, "error", None)
            cause = str(getattr(problem, "cause", "") or problem)
            if error == RUNTIME or not isinstance(error, str):
                raise TemplateError(cause) from None
            raise StatesError(error, cause) from None

    return invoke


def _evaluation_failed(expression: str, message: str) -> str:
    """AWS's States.Runtime cause for an intrinsic function that rejected its arguments.

    The whole field value is named, as written, even when a nested call failed; ``message``
    names the function that failed (real AWS causes recorded in gabrielmoreira/tiny-asl-machine,
    tests/conformance/cases/.snapshots/aws/, e.g. States.ArrayGetItem-010-index-equals-length
    and Feature.IntrinsicComposition-003-nested-parameters-failure-surfaces-runtime-error).
    """
    return f"There was an error while evaluating the intrinsic function: {expression}. {message}"


def _missing_argument(expression: str, argument: str, document: JSON) -> str:
    """AWS's States.Runtime cause for an intrinsic argument path that matches nothing.

    The whole expression is echoed as written and the state input is printed, even for a
    ``$$.`` argument, which is named with one ``$`` dropped (real AWS causes recorded in
    floci-io/floci AslExecutorIntrinsicMissingArgumentTest.java; the same sentence is quoted
    from AWS in the README of a public CDK construct for optional intrinsic arguments).
    """
    named = argument[1:] if argument.startswith("$$") else argument
    return (
        f"The function '{expression}' had the following error: The JsonPath argument for the field "
        f"'{named}' could not be found in the input '{to_json(document)}'"
    )


# --- JSON text -----------------------------------------------------------------------------


def to_json(value: JSON) -> str:
    """Compact JSON text, as AWS prints inputs and outputs in history events: byte for byte
    ``json.dumps(value, separators=(",", ":"), ensure_ascii=False)`` (``engine.compact_json``;
    the decider writes one per state input and output)."""
    return compact_json.dumps(value)


def value_text(value: JSON) -> str:
    """A value as AWS's causes quote what a path field found (``$.x == abc``, ``value "{}"``):
    a string as it is, anything else as compact JSON."""
    return value if isinstance(value, str) else to_json(value)
