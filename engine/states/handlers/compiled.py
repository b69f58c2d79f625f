"""A definition compiled once into plain objects, so running a state does no parsing.

Every nested machine (a Parallel branch, a Map's ItemProcessor) gets a string ``key``; a
thread in the persisted state names its machine by that key, which keeps the state blob
JSON and independent of object identity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.states.history import STATE_EVENT_TYPES, ResourceInfo, describe_resource
from engine.states.model import JSON
from engine.states.paths import Path, Renderer, compile_path, compile_template

JSONPATH = "JSONPath"
JSONATA = "JSONata"


class Retrier:
    __slots__ = (
        "backoff_rate",
        "error_equals",
        "interval_seconds",
        "jitter_full",
        "max_attempts",
        "max_delay",
    )

    def __init__(self, spec: dict[str, Any]) -> None:
        self.error_equals: tuple[str, ...] = tuple(spec.get("ErrorEquals", ()))
        self.interval_seconds = float(spec.get("IntervalSeconds", 1))
        self.max_attempts = int(spec.get("MaxAttempts", 3))
        self.backoff_rate = float(spec.get("BackoffRate", 2.0))
        max_delay = spec.get("MaxDelaySeconds")
        self.max_delay: float | None = float(max_delay) if max_delay is not None else None
        self.jitter_full = spec.get("JitterStrategy", "NONE") == "FULL"


class Catcher:
    __slots__ = (
        "assign",
        "assign_renderer",
        "discard_result",
        "error_equals",
        "has_output",
        "next",
        "output",
        "result_path",
    )

    def __init__(self, spec: dict[str, Any], language: str) -> None:
        self.error_equals: tuple[str, ...] = tuple(spec.get("ErrorEquals", ()))
        self.next: str = spec["Next"]
        self.discard_result = "ResultPath" in spec and spec["ResultPath"] is None
        raw_path = spec.get("ResultPath")
        self.result_path: Path | None = compile_path(raw_path) if isinstance(raw_path, str) else None
        self.has_output = "Output" in spec
        self.output: JSON = spec.get("Output")
        self.assign: dict[str, JSON] | None = _assign_spec(spec)
        self.assign_renderer: Renderer | None = _assign_renderer(self.assign, language)


class ChoiceRule:
    """One entry of ``Choices``: the rule itself plus what happens when it matches."""

    __slots__ = ("assign", "assign_renderer", "condition", "has_output", "next", "output", "spec")

    def __init__(self, spec: dict[str, Any], language: str) -> None:
        self.spec = spec
        self.next: str = spec["Next"]
        self.condition: JSON = spec.get("Condition")
        self.has_output = "Output" in spec
        self.output: JSON = spec.get("Output")
        self.assign: dict[str, JSON] | None = _assign_spec(spec)
        self.assign_renderer: Renderer | None = _assign_renderer(self.assign, language)


def _assign_spec(spec: dict[str, Any]) -> dict[str, JSON] | None:
    assign = spec.get("Assign")
    return assign if isinstance(assign, dict) else None


def _assign_renderer(assign: dict[str, JSON] | None, language: str) -> Renderer | None:
    """JSONPath Assign is a payload template (``"name.$": "$.path"``); JSONata's is evaluated as is."""
    return compile_template(assign) if assign is not None and language == JSONPATH else None


class OptionalPath:
    """InputPath/OutputPath: absent means ``$`` (None path), explicit null means ``{}``."""

    __slots__ = ("is_null", "path")

    def __init__(self, spec: dict[str, Any], field: str) -> None:
        self.is_null = field in spec and spec[field] is None
        raw = spec.get(field)
        self.path: Path | None = None
        if isinstance(raw, str) and raw != "$":
            self.path = compile_path(raw)


class CompiledState:
    """One state with its fields pre-parsed; ``raw`` keeps the original dict."""

    def __init__(
        self, name: str, spec: dict[str, Any], machine_key: str, program: Program, language: str
    ) -> None:
        self.name = name
        self.raw = spec
        self.type: str = spec["Type"]
        self.next: str | None = spec.get("Next")
        self.end: bool = bool(spec.get("End")) or self.type in ("Succeed", "Fail")
        self.step: Callable[..., int] | None = None
        """The handler that runs this state, chosen on first use by ``Run.run_thread``."""
        self.entered_type, self.exited_type = STATE_EVENT_TYPES[self.type]
        self.language: str = spec.get("QueryLanguage", language)
        self.jsonata = self.language == JSONATA
        self.input_path = OptionalPath(spec, "InputPath")
        self.output_path = OptionalPath(spec, "OutputPath")
        self.parameters: Renderer | None = _template(spec, "Parameters", self.language)
        self.result_selector: Renderer | None = _template(spec, "ResultSelector", self.language)
        self.discard_result = "ResultPath" in spec and spec["ResultPath"] is None
        raw_result_path = spec.get("ResultPath")
        self.result_path: Path | None = (
            compile_path(raw_result_path)
            if isinstance(raw_result_path, str) and raw_result_path != "$"
            else None
        )
        self.assign: dict[str, JSON] | None = _assign_spec(spec)
        self.assign_renderer: Renderer | None = _assign_renderer(self.assign, self.language)
        # JSONata: Output replaces the JSONPath output pipeline; Arguments replaces Parameters.
        self.has_output = "Output" in spec
        self.output: JSON = spec.get("Output")
        self.has_arguments = "Arguments" in spec
        self.arguments: JSON = spec.get("Arguments")
        self.retriers = [Retrier(r) for r in spec.get("Retry", ())]
        self.catchers = [Catcher(c, self.language) for c in spec.get("Catch", ())]
        self.choice_rules = [ChoiceRule(rule, self.language) for rule in spec.get("Choices", ())]
        default = spec.get("Default")
        self.default: str | None = str(default) if default is not None else None
        if (
            self.assign is not None
            or any(catcher.assign is not None for catcher in self.catchers)
            or any(rule.assign is not None for rule in self.choice_rules)
        ):
            program.uses_variables = True
        # Pass
        self.has_result = "Result" in spec
        self.result: JSON = spec.get("Result")
        self.plain = (
            not any(
                field in spec
                for field in (
                    "InputPath",
                    "OutputPath",
                    "Parameters",
                    "ResultSelector",
                    "ResultPath",
                    "Result",
                    "Assign",
                )
            )
            and self.language == JSONPATH
        )
        """No data-flow field at all: the output is the input (the fast path of a Pass)."""
        # Task
        self.resource: ResourceInfo | None = (
            describe_resource(spec["Resource"]) if self.type == "Task" else None
        )
        # Parallel / Map children
        self.branches: list[CompiledMachine] = []
        self.processor: CompiledMachine | None = None
        if self.type == "Parallel":
            for index, branch in enumerate(spec.get("Branches", ())):
                key = f"{machine_key}/{name}#{index}"
                self.branches.append(CompiledMachine(branch, key, program, self.language))
        elif self.type == "Map":
            processor = spec.get("ItemProcessor") or spec.get("Iterator")
            if processor is None:
                raise ValueError(f"Map state '{name}' has neither ItemProcessor nor Iterator")
            self.processor = CompiledMachine(processor, f"{machine_key}/{name}#map", program, self.language)
            config = processor.get("ProcessorConfig")
            self.distributed = isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED"
            """Its iterations are child executions (runtime.distributed_map), not threads."""
            self.has_items = "Items" in spec
            self.items: JSON = spec.get("Items")
            selector = spec.get("ItemSelector", spec.get("Parameters"))
            self.item_selector_spec: JSON = selector
            """The raw ItemSelector (a JSONata template in JSONata states)."""
            self.selects_items = selector is not None
            """False when each iteration's input is its item as it is."""
            self.item_selector: Renderer | None = (
                compile_template(selector)
                if isinstance(selector, dict) and self.language == JSONPATH
                else None
            )
            self.parameters = None
            items_path = spec.get("ItemsPath")
            self.items_path: Path | None = (
                compile_path(items_path) if isinstance(items_path, str) and items_path != "$" else None
            )


def _template(spec: dict[str, Any], field: str, language: str) -> Renderer | None:
    if field not in spec or language == JSONATA:
        return None
    return compile_template(spec[field])


class CompiledMachine:
    """A StartAt + States block (the top level, a branch, or a Map's processor)."""

    def __init__(self, spec: dict[str, Any], key: str, program: Program, language: str) -> None:
        self.key = key
        self.start_at: str = spec["StartAt"]
        self.language: str = spec.get("QueryLanguage", language)
        program.machines[key] = self
        self.states: dict[str, CompiledState] = {}
        for name, state_spec in spec["States"].items():
            self.states[name] = CompiledState(name, state_spec, key, program, self.language)


class Program:
    """The whole compiled definition: the root machine plus every nested one by key."""

    def __init__(self, definition: dict[str, Any]) -> None:
        self.definition = definition
        self.key = ""
        """The definition's hash, set by ``engine.states.interpreter.compile_definition``."""
        self.machines: dict[str, CompiledMachine] = {}
        self.uses_variables = False
        """Any Assign anywhere: without one, no state needs to look variables up."""
        self.language: str = definition.get("QueryLanguage", JSONPATH)
        self.timeout_seconds: float | None = definition.get("TimeoutSeconds")
        self.root = CompiledMachine(definition, "", self, self.language)
