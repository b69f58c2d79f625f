"""One call of the decider: the working set every state handler shares.

``Run`` wraps the persisted state dict (mutated in place), collects the commands and the new
history events, and drives every runnable thread until each waits for the outside world.
Threads are plain dicts inside ``state["threads"]``, typed as ``records.Thread`` (each short
key is named in full there), and a blocked thread's ``w`` is a ``records.Waiting``.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.states import errors
from engine.states.errors import StatesError, error_matches, runtime_cause
from engine.states.handlers import query, registry
from engine.states.handlers.codes import BLOCKED, DONE, NEXT, PAYLOAD_LIMIT_BYTES, payload_too_large
from engine.states.handlers.compiled import Catcher, CompiledMachine, CompiledState, Program
from engine.states.handlers.frozen import frozen_instance
from engine.states.handlers.observer import StageObserver
from engine.states.handlers.records import Thread, TimerRecord, Waiting, live_threads
from engine.states.handlers.variables import commit as commit_variables
from engine.states.handlers.variables import visible_variables
from engine.states.history import (
    ENTERED_KEY,
    EXITED_KEY,
    MAX_HISTORY_EVENTS,
    entered_details,
    error_details,
    exited_details,
    output_details,
)
from engine.states.model import (
    JSON,
    CancelTask,
    CancelTimer,
    Command,
    EndMapRun,
    Environment,
    ExecutionStatus,
    FinishExecution,
    HistoryEvent,
    StartTimer,
)
from engine.states.paths import (
    Path,
    PathNotFound,
    Renderer,
    ResultPathError,
    Scope,
    TemplateError,
    set_at,
    to_json,
)

__all__ = ["HistoryLimitReached", "Run", "Step", "Thread", "iso_timestamp"]

Step = Callable[["Run", Thread, CompiledState], int]

_TERMINAL_EVENTS = frozenset(
    {"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"}
)


_QUICK_SIZE_CHECK = PAYLOAD_LIMIT_BYTES // 4
"""Below this many characters a text cannot exceed the limit, whatever its UTF-8 length."""


_new_object = object.__new__
_NOTHING: Any = object()
"""Not a JSON value: matches no value by identity."""


class HistoryLimitReached(Exception):
    """The next event would be number 25,000 and is not the execution's last."""


_last_iso: tuple[datetime, str] | None = None


_RETRYING_TYPES = frozenset({"Task", "Parallel", "Map"})
"""The state types whose context object carries State.RetryCount."""


def iso_timestamp(moment: datetime) -> str:
    """``2024-01-02T03:04:05.678Z``: how the context object spells times."""
    global _last_iso
    if _last_iso is not None and _last_iso[0] == moment:
        return _last_iso[1]
    utc = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment
    if utc.year >= 1000:  # isoformat truncates to milliseconds as strftime did, a third the cost
        text = utc.isoformat(timespec="milliseconds") + "Z"
    else:
        text = utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    _last_iso = (moment, text)
    return text


def _result_too_large(state: CompiledState) -> StatesError:
    return StatesError(
        errors.DATA_LIMIT_EXCEEDED,
        f"The state/task '{state.name}' returned a result with a size exceeding "
        f"the maximum number of bytes service limit.",
    )


class Run:
    """The decider's working set for one happening."""

    def __init__(
        self,
        program: Program,
        state: dict[str, Any],
        env: Environment,
        observer: StageObserver | None = None,
    ) -> None:
        self.program = program
        self.observer = observer
        """Watches each data-flow stage (TestState); None for an execution, which pays nothing."""
        self.state = state
        self.env = env
        self.now = env.now
        self.threads: dict[str, Thread] = state["threads"]
        self.commands: list[Command] = []
        self.events: list[HistoryEvent] = []
        self.ready: deque[str] = deque()
        self.finished = state["status"] != "RUNNING"
        self.now_iso = iso_timestamp(env.now)
        """``$$.State.EnteredTime`` of every state entered in this call."""
        self.unwound: list[tuple[Thread, str, Waiting | None, int | None]] | None = None
        """While an uncaught failure climbs from a branch or an iteration to its parents: each
        failed child, its parent's id, what the parent waited for and its failure count then.
        With ``dropped`` (the siblings it stopped) it rebuilds, for RedriveExecution, the
        threads as they were when the failure began (``failure_point``), if it ends the run."""
        self.dropped: list[Thread] = []
        self._known_text: tuple[JSON, str] = (_NOTHING, "")
        """The value whose JSON text was built last, with that text. A state's output is the
        input of the state entered right after it: remembering one pair serialises each once."""

    # --- small helpers ------------------------------------------------------------------

    def next_seq(self) -> int:
        seq: int = self.state["seq"] + 1
        self.state["seq"] = seq
        return seq

    def state_of(self, thread: Thread) -> CompiledState:
        return self.program.machines[thread["m"]].states[thread["s"]]

    def runtime_error(self, thread: Thread, state: CompiledState, message: str) -> StatesError:
        return StatesError(errors.RUNTIME, runtime_cause(state.name, thread["ent"], message))

    # --- history ------------------------------------------------------------------------

    def emit(
        self,
        thread: Thread | None,
        event_type: str,
        details_key: str | None,
        details: dict[str, JSON] | None,
        prev: int | None = None,
    ) -> int:
        """Append one history event; returns its id.

        The event is the HistoryEvent its constructor would build, filled in directly: a frozen
        dataclass's ``__init__`` routes every field through ``object.__setattr__``, which costs
        three times as much, and the decider makes two events per state it runs.
        """
        state = self.state
        event_id: int = state["next_event_id"]
        if event_id >= MAX_HISTORY_EVENTS and event_type not in _TERMINAL_EVENTS:
            raise HistoryLimitReached
        if thread is not None:
            if prev is None:
                prev = thread["last"]
            thread["last"] = event_id
        elif prev is None:
            prev = event_id - 1
        event: HistoryEvent = _new_object(HistoryEvent)
        fields = event.__dict__
        fields["id"] = event_id
        fields["previous_event_id"] = prev
        fields["type"] = event_type
        fields["timestamp"] = self.now
        fields["details_key"] = details_key
        fields["details"] = details
        self.events.append(event)
        state["next_event_id"] = event_id + 1
        return event_id

    def enter(self, thread: Thread, state: CompiledState) -> None:
        """The state's ``*StateEntered`` event; remembers when, for ``$$.State.EnteredTime``."""
        value = thread["in"]
        known = self._known_text
        text = known[1] if known[0] is value else self.text_of(value)
        details = entered_details(state.name, text)
        thread["ent"] = self.emit(thread, state.entered_type, ENTERED_KEY, details)
        thread["et"] = self.now_iso

    def text_of(self, value: JSON) -> str:
        """The JSON text of a state input or output, built once per value (see ``_known_text``)."""
        known = self._known_text
        if known[0] is value:
            return known[1]
        text = to_json(value)
        self._known_text = (value, text)
        return text

    def remember_text(self, value: JSON, text: str) -> None:
        """``text`` is the JSON text of ``value``, already built (the execution input)."""
        self._known_text = (value, text)

    # --- threads ------------------------------------------------------------------------

    def new_thread(
        self, machine: CompiledMachine, value: JSON, parent: Thread | None, slot: int, last: int
    ) -> Thread:
        seq: int = self.state["seq"] + 1
        self.state["seq"] = seq
        thread_id = f"t{seq}"
        thread: Thread = {
            "id": thread_id,
            "m": machine.key,
            "s": machine.start_at,
            "in": value,
            "ent": 0,
            "et": "",
            "last": last,
            "rc": {},
            "rt": 0,
            "p": parent["id"] if parent is not None else None,
            "slot": slot,
            "w": None,
        }
        self.threads[thread_id] = thread
        return thread

    def drive(self) -> None:
        """Run every runnable thread until each waits or ends."""
        ready = self.ready
        threads = self.threads
        while ready and not self.finished:
            thread = threads.get(ready.popleft())
            if thread is not None and thread["w"] is None:
                self.run_thread(thread)

    def run_thread(self, thread: Thread) -> None:
        states = self.program.machines[thread["m"]].states
        while not self.finished:
            state = states[thread["s"]]
            try:
                code = (state.step or _bind_step(state))(self, thread, state)
            except StatesError as failure:
                code = self.state_failed(thread, state, failure)
            if code != NEXT:
                return

    def settle(self, thread: Thread, step: Step) -> None:
        """Run ``step`` for a thread woken by the outside world or by its children."""
        state = self.state_of(thread)
        try:
            code = step(self, thread, state)
        except StatesError as failure:
            code = self.state_failed(thread, state, failure)
        if code == NEXT and not self.finished:
            self.ready.append(thread["id"])

    def drop_thread(self, thread_id: str) -> None:
        """Forget a thread and everything it waits for (its tasks, timers and children)."""
        thread = self.threads.pop(thread_id, None)
        if thread is None:
            return
        if self.unwound is not None:
            self.dropped.append(thread)
        waiting = thread["w"]
        if not waiting:
            return
        task_id = waiting.get("task")
        if task_id is not None and self.state["tasks"].pop(task_id, None) is not None:
            self.commands.append(CancelTask(task_id))
        for timer_id in waiting.get("timers", ()):
            self.cancel_timer(timer_id)
        if waiting["k"] == "maprun":
            self.abort_map_run(waiting["run"])
            return
        for child_id in list(live_threads(waiting)) if "live" in waiting else ():
            self.drop_thread(child_id)

    def abort_map_run(self, map_run_id: str) -> None:
        """A Map Run whose parent no longer waits for it: its children are stopped."""
        if self.state.get("runs", {}).pop(map_run_id, None) is not None:
            self.commands.append(EndMapRun(map_run_id=map_run_id, status="ABORTED"))

    # --- timers -------------------------------------------------------------------------

    def start_timer_at(self, thread: Thread | None, kind: str, fire_at: datetime) -> str:
        timer_id = f"timer-{self.next_seq()}"
        record: TimerRecord = {"k": kind, "t": thread["id"] if thread is not None else None}
        self.state["timers"][timer_id] = record
        self.commands.append(StartTimer(timer_id, fire_at))
        return timer_id

    def start_timer(self, thread: Thread | None, kind: str, seconds: float) -> str:
        return self.start_timer_at(thread, kind, self.now + timedelta(seconds=seconds))

    def cancel_timer(self, timer_id: str) -> None:
        if self.state["timers"].pop(timer_id, None) is not None:
            self.commands.append(CancelTimer(timer_id))

    # --- the context object and data flow ------------------------------------------------

    def context(
        self,
        thread: Thread,
        state: CompiledState,
        token: str | None = None,
        item: tuple[int, JSON] | None = None,
    ) -> dict[str, JSON]:
        """``$$`` as the state sees it (an observer may supply its own)."""
        observer = self.observer
        if observer is not None:
            return observer.context_object(self, thread, state, token, item)
        return self.built_context(thread, state, token, item)

    def built_context(
        self,
        thread: Thread,
        state: CompiledState,
        token: str | None = None,
        item: tuple[int, JSON] | None = None,
    ) -> dict[str, JSON]:
        """``$$`` as the docs' "Context object" page describes it, fields and order as AWS records
        them: ``State.RetryCount`` only in the states that retry (Task, Parallel, Map), not in a Pass
        read through InputPath or OutputPath (recorded on AWS: localstack/localstack,
        tests/aws/services/stepfunctions/v2/context_object/test_context_object.snapshot.json,
        test_input_path[$$] / test_output_path[$$]; a Task's in v2/scenarios/
        test_base_scenarios.snapshot.json, InvokeLambdaWithRetry)."""
        ctx = self.state["ctx"]
        current: dict[str, JSON] = {"Name": state.name, "EnteredTime": thread["et"]}
        if state.type in _RETRYING_TYPES:
            current["RetryCount"] = thread["rt"]
        execution: dict[str, JSON] = {
            "Id": ctx["execution_arn"],
            "Input": ctx["input"],
            "StartTime": ctx["start_time"],
            "Name": ctx["execution_name"],
            "RoleArn": ctx["role_arn"],
            "RedriveCount": ctx["redrive_count"],
        }
        if "redrive_time" in ctx:
            # $$.Execution.RedriveTime: only once the execution has been redriven (Context
            # object page of the Step Functions developer guide).
            execution["RedriveTime"] = ctx["redrive_time"]
        context: dict[str, JSON] = {
            "Execution": execution,
            "StateMachine": {"Id": ctx["state_machine_arn"], "Name": ctx["state_machine_name"]},
            "State": current,
        }
        if token is not None:
            context["Task"] = {"Token": token}
        if item is not None:
            context["Map"] = {"Item": {"Index": item[0], "Value": item[1]}}
        return context

    def scope(
        self,
        thread: Thread,
        state: CompiledState,
        document: JSON,
        token: str | None = None,
        item: tuple[int, JSON] | None = None,
    ) -> Scope:
        variables = visible_variables(self, thread) if self.program.uses_variables else None
        return Scope(document, lambda: self.context(thread, state, token, item), self.env, variables)

    def variables(self, thread: Thread) -> dict[str, JSON] | None:
        """The workflow variables ``thread`` can read (None when the definition assigns none)."""
        if not self.program.uses_variables:
            return None
        return visible_variables(self, thread)

    def resolve(self, thread: Thread, state: CompiledState, path: Path, document: JSON, field: str) -> JSON:
        """A path field (InputPath, ItemsPath, SecondsPath...) or States.Runtime naming it."""
        try:
            if path.root == "$":
                return path.get(document)
            return self.scope(thread, state, document).resolve(path)
        except PathNotFound:
            raise self.runtime_error(
                thread, state, f"Invalid path '{path.text}' : No results for path: {path.bracketed()}"
            ) from None

    def effective_input(self, thread: Thread, state: CompiledState) -> JSON:
        """The state input after InputPath."""
        selector = state.input_path
        if selector.path is None:
            value = {} if selector.is_null else thread["in"]
        else:
            value = self.resolve(thread, state, selector.path, thread["in"], "InputPath")
        if self.observer is not None:
            self.observer.after_input_path(state, value)
        return value

    def render(
        self,
        thread: Thread,
        state: CompiledState,
        renderer: Renderer,
        document: JSON,
        token: str | None = None,
        item: tuple[int, JSON] | None = None,
    ) -> JSON:
        """Evaluate a payload template; a missing path is States.Runtime, as AWS reports it."""
        try:
            value = renderer(self.scope(thread, state, document, token, item))
        except TemplateError as problem:
            raise self.runtime_error(thread, state, problem.message) from None
        observer = self.observer
        if observer is not None:
            if renderer is state.parameters:
                observer.after_parameters(state, value)
            elif renderer is state.result_selector:
                observer.after_result_selector(state, document, value)
        return value

    def output_path(self, thread: Thread, state: CompiledState, output: JSON) -> JSON:
        selector = state.output_path
        if selector.path is None:
            return {} if selector.is_null else output
        return self.resolve(thread, state, selector.path, output, "OutputPath")

    def place_result(self, thread: Thread, state: CompiledState, result: JSON) -> JSON:
        """ResultSelector is the caller's; this applies ResultPath then OutputPath."""
        observer = self.observer
        if observer is not None:
            observer.result_placed(state, result)
        if state.discard_result:
            output = thread["in"]
        elif state.result_path is None:
            output = result
        else:
            try:
                output = set_at(thread["in"], state.result_path, result)
            except ResultPathError as problem:
                raise StatesError(errors.RESULT_PATH_MATCH_FAILURE, str(problem)) from None
        if observer is not None:
            observer.after_result_path(state, output)
        return self.output_path(thread, state, output)

    # --- leaving a state -------------------------------------------------------------------

    def exit_state(
        self,
        thread: Thread,
        state: CompiledState,
        output: JSON,
        next_name: str | None = None,
        assigned: dict[str, JSON] | None = None,
    ) -> int:
        """Commit the evaluated Assign, the ``*StateExited`` event, then the next state or the
        end of the thread."""
        observer = self.observer
        if observer is not None:
            observer.leaving(thread, state)
        known = self._known_text
        text = known[1] if known[0] is output else self.text_of(output)
        if len(text) > _QUICK_SIZE_CHECK and payload_too_large(text):
            raise _result_too_large(state)
        assigned_texts = commit_variables(self, thread, state, assigned) if assigned else None
        if state.exited_type is not None:
            self.emit(thread, state.exited_type, EXITED_KEY, exited_details(state.name, text, assigned_texts))
        if observer is not None:
            observer.exited(state, output, next_name or state.next, assigned)
        if thread["rt"]:
            thread["rc"] = {}
            thread["rt"] = 0
        target = next_name or state.next
        if target is None:
            return self.finish_thread(thread, output, text)
        thread["s"] = target
        thread["in"] = output
        return NEXT

    def pass_through(self, thread: Thread, state: CompiledState) -> int:
        """Enter and leave a state whose output is its input (a Pass without data-flow fields).

        The same events, checks and moves as ``enter`` then ``exit_state``, in one step: long
        chains of such states are the decider's hottest path. A run with an observer takes the
        two steps instead, so the observer sees every stage.
        """
        if self.observer is not None:
            stepwise: int = registry.ENTER[state.type](self, thread, state)
            return stepwise
        value = thread["in"]
        known = self._known_text
        text = known[1] if known[0] is value else self.text_of(value)
        name = state.name
        # history.entered_details / exited_details, written out: two calls fewer per state.
        details = {"name": name, "input": text, "inputDetails": {"truncated": False}}
        thread["ent"] = self.emit(thread, "PassStateEntered", ENTERED_KEY, details)
        thread["et"] = self.now_iso
        if len(text) > _QUICK_SIZE_CHECK and payload_too_large(text):
            raise _result_too_large(state)
        details = {"name": name, "output": text, "outputDetails": {"truncated": False}}
        self.emit(thread, "PassStateExited", EXITED_KEY, details)
        if thread["rt"]:
            thread["rc"] = {}
            thread["rt"] = 0
        target = state.next
        if target is None:
            return self.finish_thread(thread, value, text)
        thread["s"] = target
        return NEXT

    def finish_thread(self, thread: Thread, output: JSON, text: str) -> int:
        parent_id = thread["p"]
        if parent_id is None:
            self.finish(
                "SUCCEEDED",
                "ExecutionSucceeded",
                "executionSucceededEventDetails",
                output_details(text),
                prev=thread["last"],
                output=output,
            )
            return DONE
        del self.threads[thread["id"]]
        parent = self.threads[parent_id]
        parent_state = self.state_of(parent)
        registry.CHILD_SUCCEEDED[parent_state.type](self, parent, parent_state, thread, output)
        return DONE

    def fail_thread(self, thread: Thread, error: str, cause: str) -> int:
        parent_id = thread["p"]
        if parent_id is None:
            self.finish(
                "FAILED",
                "ExecutionFailed",
                "executionFailedEventDetails",
                error_details(error, cause),
                prev=thread["last"],
                error=error,
                cause=cause,
            )
            return DONE
        self.threads.pop(thread["id"], None)
        parent = self.threads[parent_id]
        waiting = parent["w"]
        if self.unwound is None:
            self.unwound = []
            self.dropped = []
        self.unwound.append((thread, parent_id, waiting, waiting.get("failed") if waiting else None))
        parent_state = self.state_of(parent)
        registry.CHILD_FAILED[parent_state.type](self, parent, parent_state, thread, error, cause)
        if not self.finished:
            self.unwound = None  # caught, retried or tolerated on the way up
            self.dropped = []
        return DONE

    def failure_point(self) -> dict[str, Thread]:
        """The threads as they were when the failure that ends the run began: those still here,
        the siblings it stopped and the failed children put back in their parents' waits.
        A copy, in start order: RedriveExecution puts them back to work."""
        point: dict[str, Thread] = dict(self.threads)
        for thread in self.dropped:
            point.setdefault(thread["id"], thread)
        unwound = self.unwound or []
        for thread, _, _, _ in unwound:
            point[thread["id"]] = thread
        for thread, parent_id, waiting, failed in unwound:
            parent = point.get(parent_id)
            if parent is None or waiting is None:
                continue
            parent["w"] = waiting
            live = waiting.get("live")
            if live is not None and thread["id"] not in live:
                live.append(thread["id"])  # type: ignore[arg-type]
            if failed is not None:
                waiting["failed"] = failed
        ordered = sorted(point.values(), key=lambda thread: int(thread["id"][1:]))
        return copy.deepcopy({thread["id"]: thread for thread in ordered})

    def state_failed(self, thread: Thread, state: CompiledState, failure: StatesError) -> int:
        """A state's own failure. A JSONata evaluation failure is first reported as AWS reports it:
        an EvaluationFailed event (and, for a Map, MapStateFailed) before Retry/Catch or the end
        (recorded on AWS: localstack/localstack, tests/aws/services/stepfunctions/v2/scenarios/
        test_base_scenarios.snapshot.json, test_map_state_items_*; v2/assign/
        test_assign_reference_variables.snapshot.json, undefined variables in Output/Arguments)."""
        if failure.error == errors.QUERY_EVALUATION_ERROR and not self.finished:
            details: dict[str, JSON] = {"error": failure.error, "cause": failure.cause}
            if failure.location is not None:
                details["location"] = failure.location
            details["state"] = state.name
            self.emit(thread, "EvaluationFailed", "evaluationFailedEventDetails", details)
            if state.type == "Map" and failure.location in (None, "Items"):  # its items: recorded
                self.emit(thread, "MapStateFailed", None, None)
        return self.handle_error(thread, state, failure.error, failure.cause)

    def handle_error(
        self, thread: Thread, state: CompiledState, error: str, cause: str, *, catchable: bool = False
    ) -> int:
        """Retry, else Catch, else fail the thread (Handling errors, Retry and Catch pages).
        ``catchable``: see ``errors.error_matches``."""
        if self.finished:
            return DONE
        observer = self.observer
        if observer is not None:
            observer.error_raised(state, error, cause)
        if error not in errors.TERMINAL_ERRORS or catchable:
            counts = thread["rc"]
            for index, retrier in enumerate(state.retriers):
                if not error_matches(retrier.error_equals, error, catchable=catchable):
                    continue
                attempts = counts.get(str(index), 0)
                if attempts < retrier.max_attempts:
                    delay = retrier.interval_seconds * retrier.backoff_rate**attempts
                    if retrier.max_delay is not None:
                        delay = min(delay, retrier.max_delay)
                    if retrier.jitter_full:
                        delay *= self.env.random()
                    counts[str(index)] = attempts + 1
                    thread["rt"] += 1
                    thread.pop("mr", None)
                    timer_id = self.start_timer(thread, "retry", delay)
                    thread["w"] = {"k": "retry", "timers": [timer_id]}
                    if observer is not None:
                        observer.retrying(state, index, delay)
                    return BLOCKED
                break
            for catcher_index, catcher in enumerate(state.catchers):
                if not error_matches(catcher.error_equals, error, catchable=catchable):
                    continue
                error_output = {"Error": error, "Cause": cause}
                thread.pop("mr", None)
                try:
                    output, assigned = self._caught(thread, state, catcher, error_output)
                    thread["rc"] = {}
                    thread["rt"] = 0
                    code = self.exit_state(thread, state, output, catcher.next, assigned)
                    if observer is not None:
                        observer.caught(state, catcher_index)
                    return code
                except ResultPathError as problem:
                    return self.fail_thread(thread, errors.RESULT_PATH_MATCH_FAILURE, str(problem))
                except StatesError as failure:
                    return self.fail_thread(thread, failure.error, failure.cause)
        return self.fail_thread(thread, error, cause)

    def _caught(
        self, thread: Thread, state: CompiledState, catcher: Catcher, error_output: dict[str, JSON]
    ) -> tuple[JSON, dict[str, JSON] | None]:
        """A matching Catcher's output and assignments ("Handling errors", both query languages)."""
        if state.jsonata:
            values = query.bindings(self, thread, state, error_output=error_output)
            assigned = query.jsonata_assignments(self, thread, state, catcher.assign, values)
            if not catcher.has_output:
                return error_output, assigned
            return query.render(self, thread, state, catcher.output, "Output", values), assigned
        assigned = query.jsonpath_assignments(self, thread, state, catcher.assign_renderer, error_output)
        if catcher.discard_result:
            return thread["in"], assigned
        if catcher.result_path is None:
            return error_output, assigned
        return set_at(thread["in"], catcher.result_path, error_output), assigned

    # --- the end of the execution -----------------------------------------------------------

    def finish(
        self,
        status: ExecutionStatus,
        event_type: str,
        details_key: str,
        details: dict[str, JSON],
        prev: int | None = None,
        output: JSON = None,
        error: str | None = None,
        cause: str | None = None,
    ) -> None:
        """The terminal event, cancel whatever is pending, and FinishExecution (exactly once)."""
        if self.finished:
            return
        self.emit(None, event_type, details_key, details, prev=prev)
        state = self.state
        if status != "SUCCEEDED":
            # Where RedriveExecution continues from: the failure's threads, else all that ran.
            state["redrive"] = {"threads": self.failure_point()}
        for map_run_id in list(state.get("runs", ())):
            self.abort_map_run(map_run_id)
        for task_id in state["tasks"]:
            self.commands.append(CancelTask(task_id))
        for timer_id in state["timers"]:
            self.commands.append(CancelTimer(timer_id))
        state["tasks"] = {}
        state["timers"] = {}
        state["threads"] = {}
        self.threads = state["threads"]
        state["status"] = status
        fields = {"status": status, "output": output, "error": error, "cause": cause}
        self.commands.append(frozen_instance(FinishExecution, fields))
        self.finished = True


def _bind_step(state: CompiledState) -> Step:
    """Choose, once per compiled state, the handler ``run_thread`` calls to run it."""
    step: Step = Run.pass_through if state.type == "Pass" and state.plain else registry.ENTER[state.type]
    state.step = step
    return step
