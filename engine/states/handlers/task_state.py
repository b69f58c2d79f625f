"""Task: schedule the work, then settle it when the outside world reports back.

History families ("Task" state and GetExecutionHistory in the API reference): a plain Lambda
function ARN gives LambdaFunction* events, an activity Activity* events, and every service
integration (``arn:aws:states:::service:action[.sync|.waitForTaskToken]``) Task* events.
For ``arn:aws:states:::lambda:invoke`` the shell reports the function's own result and the
decider wraps it in the Lambda API response (``Payload``, ``StatusCode``...).

In JSONata the payload is ``Arguments`` (default: the state input), TimeoutSeconds and
HeartbeatSeconds may be expressions, and the output is ``Output`` (default: the result), with
the result bound to ``$states.result``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.states import errors
from engine.states.errors import StatesError
from engine.states.handlers import query
from engine.states.handlers.codes import BLOCKED, payload_too_large
from engine.states.handlers.compiled import CompiledState
from engine.states.handlers.records import Waiting
from engine.states.history import (
    ACTIVITY,
    LAMBDA_FUNCTION,
    SERVICE,
    ResourceInfo,
    error_details,
    lambda_invoke_envelope,
    output_details,
    region_of,
)
from engine.states.model import JSON, CancelTask, InvokeTask
from engine.states.paths import compile_path, to_json

if TYPE_CHECKING:
    from engine.states.handlers.run import Run, Thread

_NO_DATA = {"truncated": False}


def enter_task(run: Run, thread: Thread, state: CompiledState) -> int:
    run.enter(thread, state)
    return schedule(run, thread, state)


def schedule(run: Run, thread: Thread, state: CompiledState) -> int:
    """InputPath, Parameters, then InvokeTask (also what a retry does after its back-off)."""
    info = state.resource
    assert info is not None
    if info.kind == ACTIVITY and not run.env.activity_exists(info.arn):
        # No ActivityScheduled: the execution fails at once (LocalStack's AWS-recorded
        # activities/test_activities.snapshot.json, test_activity_task_on_deleted).
        raise run.runtime_error(thread, state, f"The activity {info.arn} does not exist.")
    effective = run.effective_input(thread, state)
    token = run.env.new_token() if info.wait_for_token else None
    if state.jsonata:
        payload = (
            query.render(
                run,
                thread,
                state,
                state.arguments,
                "Arguments",
                query.bindings(run, thread, state, token=token),
            )
            if state.has_arguments
            else effective
        )
    elif state.parameters is not None:
        payload = run.render(thread, state, state.parameters, effective, token=token)
    else:
        payload = effective
    payload_text = to_json(payload)
    if payload_too_large(payload_text):
        raise StatesError(
            errors.DATA_LIMIT_EXCEEDED,
            f"The state/task '{state.name}' has an input with a size exceeding the maximum number of bytes "
            "service limit.",
        )
    timeout = _seconds(run, thread, state, "TimeoutSeconds", effective)
    heartbeat = _seconds(run, thread, state, "HeartbeatSeconds", effective)
    task_id = f"task-{run.next_seq()}"
    _emit_scheduled(run, thread, info, payload_text, timeout, heartbeat)
    run.state["tasks"][task_id] = thread["id"]
    waiting: Waiting = {"k": "task", "task": task_id, "timers": []}
    if timeout is not None:
        waiting["timeout"] = run.start_timer(thread, "timeout", timeout)
        waiting["timers"].append(waiting["timeout"])
    if heartbeat is not None:
        waiting["hb_seconds"] = heartbeat
        if info.kind != ACTIVITY:  # an activity's heartbeat window opens when a worker takes it
            waiting["heartbeat"] = run.start_timer(thread, "heartbeat", heartbeat)
            waiting["timers"].append(waiting["heartbeat"])
    thread["w"] = waiting
    if info.kind == ACTIVITY:
        # The worker answers with the token GetActivityTask handed it.
        token = run.env.new_token()
    run.commands.append(
        InvokeTask(
            task_id=task_id,
            resource=info.arn,
            payload=payload,
            state_name=state.name,
            task_token=token,
            wait_for_token=info.wait_for_token,
            timeout_seconds=timeout,
            heartbeat_seconds=heartbeat,
            retry_count=thread["rt"],
        )
    )
    return BLOCKED


def _seconds(run: Run, thread: Thread, state: CompiledState, field: str, effective: JSON) -> float | None:
    spec = state.raw
    if field in spec:
        if state.jsonata:
            return float(query.whole_number(run, thread, state, field, spec[field], 1))
        return float(spec[field])
    path_field = field + "Path"
    if path_field not in spec:
        return None
    value = run.resolve(thread, state, compile_path(spec[path_field]), effective, path_field)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise run.runtime_error(
            thread,
            state,
            f"The {path_field} '{spec[path_field]}' must resolve to a positive integer, not {value!r}",
        )
    return float(value)


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == int(value) else value


def _emit_scheduled(
    run: Run,
    thread: Thread,
    info: ResourceInfo,
    payload_text: str,
    timeout: float | None,
    heartbeat: float | None,
) -> None:
    if info.kind == LAMBDA_FUNCTION:
        details: dict[str, JSON] = {
            "resource": info.arn,
            "input": payload_text,
            "inputDetails": dict(_NO_DATA),
        }
        if timeout is not None:
            details["timeoutInSeconds"] = _number(timeout)
        run.emit(thread, "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", details)
        run.emit(thread, "LambdaFunctionStarted", None, None)
        return
    if info.kind == ACTIVITY:
        details = {"resource": info.arn, "input": payload_text, "inputDetails": dict(_NO_DATA)}
        if timeout is not None:
            details["timeoutInSeconds"] = _number(timeout)
        if heartbeat is not None:
            details["heartbeatInSeconds"] = _number(heartbeat)
        run.emit(thread, "ActivityScheduled", "activityScheduledEventDetails", details)
        return
    details = {
        "resourceType": info.resource_type,
        "resource": info.resource_name,
        "region": region_of(run.state["ctx"]["state_machine_arn"]),
        "parameters": payload_text,
    }
    if timeout is not None:
        details["timeoutInSeconds"] = _number(timeout)
    if heartbeat is not None:
        details["heartbeatInSeconds"] = _number(heartbeat)
    run.emit(thread, "TaskScheduled", "taskScheduledEventDetails", details)
    run.emit(
        thread,
        "TaskStarted",
        "taskStartedEventDetails",
        {"resourceType": info.resource_type, "resource": info.resource_name},
    )


def _stop_waiting(run: Run, thread: Thread) -> None:
    waiting = thread["w"]
    assert waiting is not None
    run.state["tasks"].pop(waiting["task"], None)
    for timer_id in waiting["timers"]:
        run.cancel_timer(timer_id)
    thread["w"] = None


def task_succeeded(
    run: Run, thread: Thread, state: CompiledState, result: JSON, *, service_response: bool = False
) -> int:
    """The result event, then ResultSelector, ResultPath and OutputPath.

    With ``service_response`` the result already is the integration's whole API response (a
    TestState mock, or a result TestState wrapped itself), so lambda:invoke does not wrap it again.
    """
    info = state.resource
    assert info is not None
    started = _started(thread)
    _stop_waiting(run, thread)
    if info.is_lambda_invoke and not service_response:
        result = lambda_invoke_envelope(result, thread["id"])
    text = to_json(result)
    if payload_too_large(text):
        cause = (
            f"The state/task '{_result_source(info)}' returned a result with a size exceeding "
            "the maximum number of bytes service limit."
        )
        _emit_failure(run, thread, info, errors.DATA_LIMIT_EXCEEDED, cause, started=True)
        return run.handle_error(thread, state, errors.DATA_LIMIT_EXCEEDED, cause, catchable=True)
    if info.kind == LAMBDA_FUNCTION:
        run.emit(
            thread, "LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails", output_details(text)
        )
    elif info.kind == ACTIVITY:
        if not started:
            run.emit(thread, "ActivityStarted", "activityStartedEventDetails", {})
        run.emit(thread, "ActivitySucceeded", "activitySucceededEventDetails", output_details(text))
    else:
        details = {"resourceType": info.resource_type, "resource": info.resource_name, **output_details(text)}
        run.emit(thread, "TaskSucceeded", "taskSucceededEventDetails", details)
    if state.jsonata:
        return query.conclude(run, thread, state, result, result=result)
    if state.result_selector is not None:
        result = run.render(thread, state, state.result_selector, result)
    assigned = query.jsonpath_assignments(run, thread, state, state.assign_renderer, result)
    return run.exit_state(thread, state, run.place_result(thread, state, result), None, assigned)


def _result_source(info: ResourceInfo) -> str:
    """Whom AWS's States.DataLimitExceeded cause names for an oversized task result: the
    integration's service for ``arn:aws:states:::...`` ('lambda' for lambda:invoke), else the
    Resource ARN (LocalStack's AWS-recorded error_handling/test_states_errors.snapshot.json)."""
    return info.resource_type if info.kind == SERVICE else info.arn


def _started(thread: Thread) -> bool:
    """Whether an activity worker already took the thread's task (ActivityStarted is written)."""
    waiting = thread["w"]
    return bool(waiting and waiting.get("started"))


def _emit_failure(
    run: Run, thread: Thread, info: ResourceInfo, error: str, cause: str, *, started: bool = False
) -> None:
    """The resource family's failure event (LambdaFunctionFailed, ActivityFailed or TaskFailed);
    an activity task answered without GetActivityTask (a test, a mock) is started here first."""
    if info.kind == LAMBDA_FUNCTION:
        run.emit(
            thread, "LambdaFunctionFailed", "lambdaFunctionFailedEventDetails", error_details(error, cause)
        )
    elif info.kind == ACTIVITY:
        if not started:
            run.emit(thread, "ActivityStarted", "activityStartedEventDetails", {})
        run.emit(thread, "ActivityFailed", "activityFailedEventDetails", error_details(error, cause))
    else:
        details = {
            "resourceType": info.resource_type,
            "resource": info.resource_name,
            **error_details(error, cause),
        }
        run.emit(thread, "TaskFailed", "taskFailedEventDetails", details)


def task_failed(run: Run, thread: Thread, state: CompiledState, error: str, cause: str) -> int:
    info = state.resource
    assert info is not None
    started = _started(thread)
    _stop_waiting(run, thread)
    _emit_failure(run, thread, info, error, cause, started=started)
    return run.handle_error(thread, state, error, cause)


def task_timed_out(run: Run, thread: Thread, state: CompiledState, error: str) -> int:
    """TimeoutSeconds or HeartbeatSeconds ran out: cancel the work, then Retry/Catch.

    AWS reports either clock as States.Timeout with no cause, in the *TimedOut event and in
    the execution's failure (LocalStack's AWS-recorded timeouts/test_heartbeats.snapshot.json);
    a missed heartbeat is States.HeartbeatTimeout only to a Retry or Catch that names it
    ("HeartbeatTimeout is available inside the Catch and Retry fields", concepts-error-handling).
    """
    info = state.resource
    assert info is not None
    waiting = thread["w"]
    assert waiting is not None and waiting["task"] is not None
    task_id = waiting["task"]
    _stop_waiting(run, thread)
    run.commands.append(CancelTask(task_id))
    reported = error_details(errors.TIMEOUT, "")
    if info.kind == LAMBDA_FUNCTION:
        run.emit(thread, "LambdaFunctionTimedOut", "lambdaFunctionTimedOutEventDetails", reported)
    elif info.kind == ACTIVITY:
        run.emit(thread, "ActivityTimedOut", "activityTimedOutEventDetails", reported)
    else:
        details = {"resourceType": info.resource_type, "resource": info.resource_name, **reported}
        run.emit(thread, "TaskTimedOut", "taskTimedOutEventDetails", details)
    if error == errors.HEARTBEAT_TIMEOUT and not _names_heartbeat_timeout(state):
        error = errors.TIMEOUT
    return run.handle_error(thread, state, error, "")


def _names_heartbeat_timeout(state: CompiledState) -> bool:
    """Whether any Retry or Catch of the state lists States.HeartbeatTimeout explicitly."""
    named = errors.HEARTBEAT_TIMEOUT
    return any(named in retrier.error_equals for retrier in state.retriers) or any(
        named in catcher.error_equals for catcher in state.catchers
    )


def task_heartbeat(run: Run, thread: Thread) -> None:
    """SendTaskHeartbeat: the HeartbeatSeconds window starts again."""
    waiting = thread["w"]
    assert waiting is not None
    old = waiting.get("heartbeat")
    if old is None:
        return
    run.cancel_timer(old)
    waiting["timers"].remove(old)
    waiting["heartbeat"] = run.start_timer(thread, "heartbeat", waiting["hb_seconds"])
    waiting["timers"].append(waiting["heartbeat"])


def activity_started(run: Run, thread: Thread, worker_name: str | None) -> bool:
    """GetActivityTask handed the task to a worker: ActivityStarted, with ``workerName`` when
    the worker gave one (an empty details object when not, as AWS records it), and the
    HeartbeatSeconds window opens: a task no worker took yet is bounded by TimeoutSeconds only
    (as LocalStack's AWS-validated activity tests model it). False when the thread is not
    waiting on an activity task that has not started yet."""
    waiting = thread["w"]
    if not waiting or waiting.get("k") != "task" or waiting.get("started"):
        return False
    waiting["started"] = True
    details: dict[str, JSON] = {"workerName": worker_name} if worker_name else {}
    run.emit(thread, "ActivityStarted", "activityStartedEventDetails", details)
    if "hb_seconds" in waiting:
        waiting["heartbeat"] = run.start_timer(thread, "heartbeat", waiting["hb_seconds"])
        waiting["timers"].append(waiting["heartbeat"])
    return True
