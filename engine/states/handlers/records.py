"""The decider's persisted records, typed: a thread, what it waits for, a timer.

They are plain JSON dicts at run time (``engine_state`` is stored as JSON by the shell and read
back by the next step), so these TypedDicts cost nothing; they let ``mypy --strict`` check every
key. The stored keys stay short (one thread record per running branch or iteration, written
with every step), and each key is named in full beside it. A thread follows one path of the
execution through its states ("States" and "Parallel"/"Map" pages of the ASL spec: a Parallel
branch and a Map iteration are threads of their own, with their parent's id in ``p``).
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Literal, NotRequired, Required, TypedDict

from engine.states.item_reader import Action
from engine.states.model import JSON

__all__ = [
    "S3RequestRecord",
    "Thread",
    "TimerRecord",
    "WaitKind",
    "Waiting",
    "live_children",
    "live_threads",
]

WaitKind = Literal["task", "wait", "retry", "parallel", "map", "maprun", "reader", "writer"]
"""What a blocked thread waits for: a task's answer, a Wait or retry timer, its Parallel
branches, its Map iterations (inline), its Map Run's child executions, an ItemReader's S3 read,
a ResultWriter's S3 writes."""


class S3RequestRecord(TypedDict):
    """An ``item_reader.S3Request`` kept for a later step: the action and its arguments."""

    action: Action
    arguments: dict[str, str]


class Waiting(TypedDict, total=False):
    """What a thread waits for (``Thread["w"]``); ``k`` says which of the groups below is set."""

    k: Required[WaitKind]
    # task, reader, writer: the outstanding task id (None between a reader's or writer's calls)
    task: str | None
    # task, wait, retry: the timers to cancel when the thread stops waiting
    timers: list[str]
    timeout: str  # task: the TimeoutSeconds timer
    heartbeat: str  # task: the current HeartbeatSeconds timer
    hb_seconds: float  # task: HeartbeatSeconds, to restart the heartbeat timer
    started: bool  # task on an activity: a worker took it (ActivityStarted was written)
    # parallel, map, maprun: one result slot per branch or iteration, how many are left to end,
    # and what still runs: child thread ids (parallel, map) or child execution indices (maprun);
    # read it through live_threads / live_children
    results: list[JSON]
    left: int
    live: list[str] | list[int]
    # map, maprun: the items, the effective input, the iteration count, the next iteration to
    # start, failures so far, MaxConcurrency (0: no limit), ToleratedFailureCount/Percentage,
    # ItemBatcher's MaxItemsPerBatch and BatchInput
    items: list[JSON]
    eff: JSON
    n: int
    next: int
    failed: int
    max: int
    tc: int | None
    tp: float | None
    batch: int | None
    batch_input: JSON
    # maprun: the Map Run's id, ARN and child state machine ARN, each ended child's record
    run: str
    arn: str
    sm: str
    records: dict[str, dict[str, JSON]]
    # reader: MaxItems, the first S3 answer, the request made, the follow-up requests still to
    # make and their answers (an S3 inventory manifest's data files)
    max_items: int | None
    first: JSON
    req: S3RequestRecord
    todo: list[S3RequestRecord]
    loaded: list[JSON]
    # writer: the PutObject requests still to make, and the Map's result once all are written
    puts: list[dict[str, str]]
    result: JSON


Thread = TypedDict(
    "Thread",
    {
        "id": str,  # "t<seq>", the key in state["threads"]
        "m": str,  # machine: the key of the CompiledMachine the thread runs
        "s": str,  # state: the name of the current state
        "in": JSON,  # input: the raw input of the current state
        "ent": int,  # entered: the id of the current state's *StateEntered event
        "et": str,  # entered time: $$.State.EnteredTime, ISO 8601
        "last": int,  # the id of the thread's last event (previousEventId of its next)
        "rc": dict[str, int],  # retry counts: retrier index (as text) -> attempts made
        "rt": int,  # retries of the current state: $$.State.RetryCount
        "p": str | None,  # parent: the id of the Parallel/Map thread it belongs to
        "slot": int,  # its branch index or iteration index in the parent
        "w": Waiting | None,  # what it waits for; None while runnable
        "vars": NotRequired[dict[str, JSON]],  # workflow variables it assigned: name -> value
        "vsz": NotRequired[dict[str, int]],  # their sizes: name -> bytes of JSON text
    },
)
"""One path of the execution; ``engine.states.handlers.run`` drives it."""


class TimerRecord(TypedDict):
    """A started timer (``state["timers"][timer_id]``): what it is for and its thread."""

    k: str  # kind: "wait", "retry", "timeout", "heartbeat", ...
    t: str | None  # thread id, None for an execution-wide timer


if TYPE_CHECKING:

    def live_threads(waiting: Waiting) -> list[str]:
        """``live`` of a Parallel or inline Map: the ids of its child threads still running."""

    def live_children(waiting: Waiting) -> list[int]:
        """``live`` of a Map Run: the indices of its child executions still running."""

else:
    # One C-level item lookup each: the Map and Parallel paths read ``live`` once per child.
    live_threads = live_children = itemgetter("live")
