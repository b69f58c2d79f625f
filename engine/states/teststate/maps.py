"""TestState on a Map with a mocked result: the item stages AWS shows, no iteration run.

"Testing Map and Parallel states" (test-state-isolation page): TestState tests the Map's input
and output processing -- ItemsPath, ItemSelector, ItemBatcher, tolerated failures, ResultPath --
"without executing the iterations inside"; the mock is the whole Map's result. The page's
"Understanding Map state inspection data" lists what DEBUG adds for a Map:

    afterItemsPath     the items after ItemsPath (JSONPath only)
    afterItemsPointer  the items after ReaderConfig.ItemsPointer (JSON data read by an ItemReader)
    afterItemSelector  one entry per item: its ItemSelector output
    afterItemBatcher   one entry per batch: {"Items": [...], "BatchInput": ...} as a child gets it
    maxConcurrency, toleratedFailureCount, toleratedFailurePercentage   as declared or evaluated

AWS's answers record ``maxConcurrency`` 0 for a Map that sets none, a Distributed one included,
and no ``afterItemSelector`` for a Map without ItemSelector (LocalStack's AWS snapshots,
test_state_configuration.snapshot.json and test_state_context_object.snapshot.json). An
ItemReader's data comes from ``stateConfiguration.mapItemReaderData`` ("the data read by
ItemReader ... as found in its original source"); without it the items come from the state
input, as the page's Distributed Map example provides them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from engine.states import item_reader
from engine.states.handlers import map_state
from engine.states.handlers.compiled import CompiledState
from engine.states.handlers.records import Thread, Waiting, live_threads
from engine.states.handlers.run import Run
from engine.states.model import JSON

__all__ = ["MapDataRefused", "MapView", "map_stages", "map_view", "release"]


class MapDataRefused(Exception):
    """``mapItemReaderData`` that cannot stand for what this ItemReader reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class MapView:
    """A Map's items and settings, evaluated as an execution would evaluate them."""

    effective: JSON
    items: list[JSON]
    max_concurrency: int
    tolerated_count: int | None
    tolerated_percent: float | None
    batch_size: int | None
    batch_input: JSON
    source: str
    """Where the items came from: "input" (ItemsPath/Items), "reader" or "pointer"."""

    @property
    def iterations(self) -> int:
        """Child runs: one per item, or per batch with an ItemBatcher."""
        if self.batch_size is None:
            return len(self.items)
        return math.ceil(len(self.items) / self.batch_size)


def release(run: Run, thread: Thread) -> Waiting | None:
    """Forget what the Map waits for (iterations, a Map Run, an S3 read); returns the waiting."""
    waiting: Waiting | None = thread.get("w")
    thread["w"] = None
    if not waiting:
        return waiting
    task_id = waiting.get("task")
    if task_id is not None:
        run.state["tasks"].pop(task_id, None)
    if waiting.get("k") == "maprun":
        run.abort_map_run(waiting["run"])
    else:
        for child_id in list(live_threads(waiting)) if "live" in waiting else ():
            run.drop_thread(child_id)
    return waiting


def map_view(
    run: Run, thread: Thread, state: CompiledState, waiting: Waiting | None, reader_data: str | None
) -> MapView:
    """The Map's view for TestState; raises StatesError as the state would, MapDataRefused."""
    effective = waiting["eff"] if waiting and "eff" in waiting else run.effective_input(thread, state)
    source = "input"
    if waiting and waiting.get("k") == "reader" and reader_data is not None:
        items, source = _reader_items(state, waiting, reader_data)
    elif waiting and "items" in waiting:
        items = waiting["items"]
    else:
        items = map_state.items_of(run, thread, state, effective)
    batch_size, batch_input = map_state.batching(run, thread, state, effective)
    return MapView(
        effective=effective,
        items=items,
        max_concurrency=map_state.count_field(run, thread, state, "MaxConcurrency", effective, 0) or 0,
        tolerated_count=map_state.count_field(run, thread, state, "ToleratedFailureCount", effective, None),
        tolerated_percent=map_state.percent_field(run, thread, state, effective),
        batch_size=batch_size,
        batch_input=batch_input,
        source=source,
    )


def _reader_items(state: CompiledState, waiting: Waiting, data: str) -> tuple[list[JSON], str]:
    reader = state.raw["ItemReader"]
    config = reader.get("ReaderConfig") or {}
    resource = str(reader.get("Resource", ""))
    if config.get("InputType") == "MANIFEST" or config.get("ManifestType") == "S3_INVENTORY":
        raise MapDataRefused(
            "stateConfiguration.mapItemReaderData cannot stand for an S3 inventory manifest and its "
            "data files; give the items in the state input instead."
        )
    fetched: JSON = data
    loaded: list[str] = []
    if config.get("Transformation") == "LOAD_AND_FLATTEN" or config.get("ManifestType") == "ATHENA_DATA":
        loaded = [data]
    elif resource.endswith(":listObjectsV2"):
        try:
            fetched = json.loads(data)
        except json.JSONDecodeError:
            fetched = None
        if not isinstance(fetched, list):
            raise MapDataRefused(
                "stateConfiguration.mapItemReaderData must be a JSON array of ListObjectsV2 Contents "
                "entries for an s3:listObjectsV2 ItemReader."
            )
    items = item_reader.read_items(reader, fetched, max_items=waiting.get("max_items"), loaded=loaded)
    pointed = config.get("InputType") == "JSON" and "ItemsPointer" in config
    return items, "pointer" if pointed else "reader"


def map_stages(run: Run, thread: Thread, state: CompiledState, view: MapView) -> dict[str, JSON]:
    """The Map-only members of inspectionData, as values (the caller renders them as JSON)."""
    stages: dict[str, JSON] = {}
    if view.source == "input" and not state.jsonata:
        stages["afterItemsPath"] = view.items
    if view.source == "pointer":
        stages["afterItemsPointer"] = view.items
    if state.selects_items:
        one_by_one: Waiting = {
            "k": "map",
            "items": view.items,
            "eff": view.effective,
            "batch": None,
            "batch_input": None,
        }
        stages["afterItemSelector"] = [
            map_state.iteration_input(run, thread, state, one_by_one, index)
            for index in range(len(view.items))
        ]
    if view.batch_size is not None:
        batched: Waiting = {
            "k": "map",
            "items": view.items,
            "eff": view.effective,
            "batch": view.batch_size,
            "batch_input": view.batch_input,
        }
        stages["afterItemBatcher"] = [
            map_state.iteration_input(run, thread, state, batched, index) for index in range(view.iterations)
        ]
    stages["maxConcurrency"] = view.max_concurrency
    if view.tolerated_count is not None:
        stages["toleratedFailureCount"] = view.tolerated_count
    if view.tolerated_percent is not None:
        stages["toleratedFailurePercentage"] = view.tolerated_percent
    return stages
