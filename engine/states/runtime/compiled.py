"""A definition compiled once into plain objects, so running a state does no parsing.

Every nested machine (a Parallel branch, a Map's ItemProcessor) gets a string ``key``; a
thread in the persisted state names its machine by that key, which keeps the state blob
JSON and independent of object identity.
"""

from __future__ import annotations

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
    __slots__ = ("assign", "discard_result", "error_equals", "next", "output", "result_path")

    def __init__(self, spec: dict[str, Any]) -> None:
        self.error_equals: tuple[str, ...] = tuple(spec.get("ErrorEquals", ()))
        self.next: str = spec["Next"]
        self.discard_result = "ResultPath" in spec and spec["ResultPath"] is None
        raw_path = spec.get("ResultPath")
        self.result_path: Path | None = compile_path(raw_path) if isinstance(raw_path, str) else None
        self.output: JSON = spec.get("Output")
        self.assign: JSON = spec.get("Assign")


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
        self.entered_type, self.exited_type = STATE_EVENT_TYPES[self.type]
        self.language: str = spec.get("QueryLanguage", language)
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
        self.assign: JSON = spec.get("Assign")
        self.assign_renderer: Renderer | None = (
            compile_template(self.assign)
            if isinstance(self.assign, dict) and self.language == JSONPATH
            else None
        )
        self.retriers = [Retrier(r) for r in spec.get("Retry", ())]
        self.catchers = [Catcher(c) for c in spec.get("Catch", ())]
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
        self.unsupported: str | None = None
        """Why this interpreter cannot run the state yet (it fails with States.Runtime)."""
        if self.language == JSONATA:
            self.unsupported = (
                "JSONata states (QueryLanguage JSONata) are not supported by this interpreter yet."
            )
        elif "Assign" in spec or any("Assign" in catcher for catcher in spec.get("Catch", ())):
            self.unsupported = "Workflow variables (Assign) are not supported by this interpreter yet."
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
            selector = spec.get("ItemSelector", spec.get("Parameters"))
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
        self.language: str = definition.get("QueryLanguage", JSONPATH)
        self.timeout_seconds: float | None = definition.get("TimeoutSeconds")
        self.root = CompiledMachine(definition, "", self, self.language)
