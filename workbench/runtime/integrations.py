"""What a Task state's Resource does in the workbench.

Lambda ARNs and the lambda:invoke integration call a workspace function; a
`.waitForTaskToken` resource hands the token to a human or program (the approval inbox,
SendTaskSuccess) and the task ends only when it is answered; the S3 resources of a Distributed
Map's ItemReader and ResultWriter read and write the workspace's object store; sqs:sendMessage
and sns:publish send into the workspace's queues and topics
(https://docs.aws.amazon.com/step-functions/latest/dg/connect-sqs.html,
https://docs.aws.amazon.com/step-functions/latest/dg/connect-sns.html), and with
``.waitForTaskToken`` the message carries the token wherever the state's Parameters put it;
http:invoke makes a real HTTP call through an EventBridge connection (``runtime.http_tasks``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.states.model import InvokeTask
from workbench.accounts.models import Workspace
from workbench.core.errors import AwsError
from workbench.core.ids import random_id
from workbench.core.jsonio import dumps
from workbench.functions import services as functions
from workbench.identity import services as identity
from workbench.runtime import activity_arrivals, children, http_tasks, routing, s3_items
from workbench.sns import services as sns
from workbench.sns.errors import SnsError
from workbench.sqs import services as sqs
from workbench.sqs.errors import QueueDoesNotExist, SqsError
from workbench.stepfunctions import mocks

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
EVENTS_PUT_EVENTS = "arn:aws:states:::events:putEvents"
SQS_SEND_MESSAGE = "arn:aws:states:::sqs:sendMessage"
SNS_PUBLISH = "arn:aws:states:::sns:publish"
WAIT_FOR_TOKEN = ".waitForTaskToken"


@dataclass(frozen=True)
class TaskResult:
    """``done`` is False when the task now waits for its token."""

    done: bool
    output: Any = None
    error: str | None = None
    cause: str = ""
    submitted: Any = None
    """A waiting task's service answer, for its TaskSubmitted event (None: no such event)."""


def perform(
    workspace: Workspace,
    *,
    resource: str,
    payload: Any,
    caller: str,
    attempt: int,
    wait_for_token: bool,
    role_arn: str = "",
    session_name: str | None = None,
    state_machine_name: str = "",
    state_name: str = "",
    parent: children.Parent | None = None,
) -> TaskResult:
    """Perform one task resource as the execution role ``role_arn`` (see ``permission_failure``);
    ``parent`` is the stored execution's task, which a child execution is linked to.

    A resource the workbench does not perform fails with States.TaskFailed and a cause that
    says how to mock it (``stepfunctions.mocks.how_to_mock``); a mocked state never comes here
    (``workbench.runtime.mocks``)."""
    base = resource.removesuffix(WAIT_FOR_TOKEN)
    denied = refusal(workspace, resource, payload, role_arn, session_name)
    if denied is not None:
        return denied
    try:
        if base == LAMBDA_INVOKE:
            if not isinstance(payload, dict) or "FunctionName" not in payload:
                return TaskResult(
                    True,
                    error="States.Runtime",
                    cause="The lambda:invoke integration needs Parameters.FunctionName",
                )
            result = _call(workspace, payload["FunctionName"], payload.get("Payload"), caller, attempt)
        elif base.startswith("arn:aws:lambda:"):
            result = _call(workspace, base, payload, caller, attempt)
        elif base == EVENTS_PUT_EVENTS:
            result = _put_events(workspace, payload)
        elif base in s3_items.RESOURCES:
            result = s3_items.perform(workspace, base, payload)
        elif base == SQS_SEND_MESSAGE:
            result = _send_message(workspace, payload)
        elif base == SNS_PUBLISH:
            result = _publish(workspace, payload)
        elif base == http_tasks.HTTP_INVOKE:
            result = http_tasks.invoke(workspace, payload)
        elif activity_arrivals.is_activity(base):
            return TaskResult(False)  # a worker's GetActivityTask takes it
        elif children.is_start_execution(resource):
            result = children.start(workspace, resource, payload, parent)
            if result.error is None and children.waits_for_child(resource):
                return TaskResult(False, submitted=result.output)
        elif wait_for_token:
            # Any other service with .waitForTaskToken: the message is the payload, and it
            # lands in the approval inbox for someone to answer.
            return TaskResult(False)
        else:
            return TaskResult(
                True,
                error="States.TaskFailed",
                cause=mocks.how_to_mock(resource, state_machine_name, state_name),
            )
    except AwsError as exc:
        return TaskResult(True, error=exc.code, cause=exc.message)
    if result.error is not None:
        return TaskResult(True, error=result.error, cause=result.cause)
    if wait_for_token:
        return TaskResult(False, submitted=result.output)
    return TaskResult(True, output=result.output)


def answers_at_once(resource: str, wait_for_token: bool) -> bool:
    """Whether ``perform`` answers this resource's call before it returns, from inside the
    workbench: a function, a queue, a topic or a bus, not waiting for a token (an execution's
    first such call may be made in its StartExecution transaction, ``executions``)."""
    base = resource.removesuffix(WAIT_FOR_TOKEN)
    quick = (LAMBDA_INVOKE, SQS_SEND_MESSAGE, SNS_PUBLISH, EVENTS_PUT_EVENTS)
    return not wait_for_token and (base.startswith("arn:aws:lambda:") or base in quick)


def leaves_the_workbench(resource: str) -> bool:
    """Whether the resource's call goes out over the network (http:invoke): such a call is made
    outside any database transaction (``executions.invoke_task``)."""
    return resource == http_tasks.HTTP_INVOKE


def resource_fault(workspace: Workspace, resource: str) -> str | None:
    """Why ``perform`` could not carry out a Task with this Resource, or None when it can: the
    same dispatch, read without calling anything (the designer flags a Task it would fail)."""
    base = resource.removesuffix(WAIT_FOR_TOKEN)
    if base.startswith("arn:aws:lambda:"):
        if functions.exists(workspace, base):
            return None
        return (
            f"No workbench function answers {base}: create it on the Functions page or name a registered one."
        )
    if (
        base in (LAMBDA_INVOKE, EVENTS_PUT_EVENTS, SQS_SEND_MESSAGE, SNS_PUBLISH, http_tasks.HTTP_INVOKE)
        or base in s3_items.RESOURCES
        or children.is_start_execution(resource)
        or activity_arrivals.is_activity(base)
    ):
        return None
    if resource.endswith(WAIT_FOR_TOKEN):
        return None  # any other service: the token waits in the approval inbox
    return (
        f"The resource '{resource}' is not supported by this workbench: the Task fails unless a "
        "MockConfig test case mocks it (the Mocks page, SFN_MOCK_CONFIG)."
    )


def perform_command(
    workspace: Workspace,
    command: InvokeTask,
    *,
    caller: str,
    role_arn: str = "",
    session_name: str | None = None,
    state_machine_name: str = "",
) -> TaskResult:
    """Perform the engine's InvokeTask now; ``caller`` (an execution ARN, a TestState run)
    names who called in the function's log, with the state's name."""
    return perform(
        workspace,
        resource=command.resource,
        payload=command.payload,
        caller=f"{caller}#{command.state_name}",
        attempt=command.retry_count + 1,
        wait_for_token=command.wait_for_token,
        role_arn=role_arn,
        session_name=session_name,
        state_machine_name=state_machine_name,
        state_name=command.state_name,
    )


def refusal(
    workspace: Workspace, resource: str, payload: Any, role_arn: str, session_name: str | None
) -> TaskResult | None:
    """The task's failure when the execution role ``role_arn`` may not perform ``resource``
    (``permission_failure``); None when it may, or when no role is given. A read only: a
    caller may check before its transaction and then ``perform`` with no role."""
    if not role_arn:
        return None
    base = resource.removesuffix(WAIT_FOR_TOKEN)
    return permission_failure(workspace, role_arn, base, payload, session_name)


def permission_failure(
    workspace: Workspace, role_arn: str, resource: str, payload: Any, session_name: str | None
) -> TaskResult | None:
    """The task's failure when the execution role's policies deny what it needs, else None.

    Only a role defined in the workbench (IAM API) is enforced. The error follows AWS:
    the optimized lambda:invoke integration reports Lambda's own AccessDeniedException as
    ``Lambda.AWSLambdaException`` (as seen in real execution histories); S3 reads and writes of
    a Distributed Map fail as ``S3.AccessDenied`` (then States.ItemReaderFailed or
    ResultWriterFailed); every other resource fails with ``States.Permissions``, AWS's
    predefined error for "insufficient privileges to run the specified code".
    """
    cause = identity.task_permission_denial(workspace, role_arn, resource, payload, session_name=session_name)
    if cause is None:
        return None
    if resource == LAMBDA_INVOKE:
        detail = "(Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Proxy: null)"
        return TaskResult(True, error="Lambda.AWSLambdaException", cause=f"{cause} {detail}")
    if resource in s3_items.RESOURCES:
        return TaskResult(True, error="S3.AccessDenied", cause=cause)
    return TaskResult(True, error="States.Permissions", cause=cause)


def _call(
    workspace: Workspace, name_or_arn: Any, payload: Any, caller: str, attempt: int
) -> functions.Outcome:
    function = functions.resolve(workspace, str(name_or_arn))
    return functions.invoke(function, payload, caller=caller, attempt=attempt)


def _put_events(workspace: Workspace, payload: Any) -> functions.Outcome:
    """The events:putEvents integration: PutEvents on the workspace's buses.

    As on AWS, the task fails with EventBridge.FailedEntry when any entry was refused.
    """
    entries = payload.get("Entries") if isinstance(payload, dict) else None
    if isinstance(entries, list):
        # The integration takes Detail as a JSON object as well as JSON text.
        entries = [
            dict(entry, Detail=dumps(entry["Detail"]))
            if isinstance(entry, dict) and isinstance(entry.get("Detail"), dict | list)
            else entry
            for entry in entries
        ]
    results = routing.put_events(workspace, entries)
    failed = sum(1 for entry in results if "ErrorCode" in entry)
    if failed:
        return functions.Outcome(error="EventBridge.FailedEntry", cause=dumps({"Entries": results}))
    return functions.Outcome(output={"Entries": results, "FailedEntryCount": 0})


def _sdk_metadata(request_id: str, content_type: str) -> dict[str, Any]:
    """The SDK response metadata AWS's optimized integrations add to a service's answer
    (recorded sqs:sendMessage histories: LocalStack's test_task_service_sqs snapshot, 2024)."""
    headers = {"Content-Type": content_type, "x-amzn-RequestId": request_id}
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {key: [value] for key, value in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


def _service_failure(
    prefix: str, service: str, exc: AwsError, code: str, status: int = 400
) -> functions.Outcome:
    """A service's refusal as Step Functions names it: ``<SERVICE>.<Exception>`` and the Java
    SDK's cause text, e.g. ``SQS.AmazonSQSException`` with "... (Service: AmazonSQS; Status
    Code: 400; Error Code: MissingParameter; Request ID: ...; Proxy: null)" in the recorded
    AWS history of a sendMessage without a body (LocalStack's test_task_service_sqs snapshot)."""
    request_id = random_id()
    return functions.Outcome(
        error=f"{prefix}.{code}",
        cause=f"{exc.message} (Service: {service}; Status Code: {status}; Error Code: "
        f"{getattr(exc, 'query_code', exc.code)}; Request ID: {request_id}; Proxy: null)",
    )


def _as_text(value: Any) -> Any:
    """A message given as JSON (an object in Parameters) travels as its JSON text, as on AWS."""
    return dumps(value) if value is not None and not isinstance(value, str) else value


def _send_message(workspace: Workspace, payload: Any) -> functions.Outcome:
    """sqs:sendMessage: a MessageBody that is not text is sent as its JSON (as AWS does); an
    unknown queue fails the task with ``SQS.QueueDoesNotExistException`` (the name Step
    Functions gives the SDK's QueueDoesNotExistException, as TestState reports it), any other
    refusal with ``SQS.AmazonSQSException``."""
    parameters = payload if isinstance(payload, dict) else {}
    body = _as_text(parameters.get("MessageBody"))
    try:
        queue = sqs.queue_for_url(workspace, parameters.get("QueueUrl"))
        sent = sqs.send_message(
            queue,
            body,
            delay_seconds=parameters.get("DelaySeconds"),
            message_attributes=parameters.get("MessageAttributes"),
            group_id=parameters.get("MessageGroupId"),
            deduplication_id=parameters.get("MessageDeduplicationId"),
        )
    except QueueDoesNotExist as exc:
        return _service_failure("SQS", "AmazonSQS", exc, "QueueDoesNotExistException")
    except SqsError as exc:
        return _service_failure("SQS", "AmazonSQS", exc, "AmazonSQSException")
    output: dict[str, Any] = {"MD5OfMessageBody": sent.md5_of_body, "MessageId": sent.message_id}
    if sent.md5_of_message_attributes:
        output["MD5OfMessageAttributes"] = sent.md5_of_message_attributes
    if sent.sequence_number:
        output["SequenceNumber"] = sent.sequence_number
    return functions.Outcome(output={**output, **_sdk_metadata(random_id(), "application/x-amz-json-1.0")})


def _publish(workspace: Workspace, payload: Any) -> functions.Outcome:
    """sns:publish: a Message that is not text is published as its JSON; an unknown topic fails
    the task with ``SNS.NotFoundException`` (the SDK's exception for SNS's NotFound)."""
    parameters = payload if isinstance(payload, dict) else {}
    message = _as_text(parameters.get("Message"))
    try:
        topic = sns.topic_for_arn(workspace, parameters.get("TopicArn") or parameters.get("TargetArn"))
        published = sns.publish(
            topic,
            message,
            subject=parameters.get("Subject"),
            message_attributes=parameters.get("MessageAttributes"),
            message_structure=parameters.get("MessageStructure"),
        )
    except SnsError as exc:
        name = {"NotFound": "NotFoundException", "InvalidParameter": "InvalidParameterException"}
        return _service_failure("SNS", "AmazonSNS", exc, name.get(exc.code, "AmazonSNSException"), exc.status)
    except SqsError as exc:
        return _service_failure("SNS", "AmazonSNS", exc, "InvalidParameterException")
    return functions.Outcome(
        output={"MessageId": published.message_id, **_sdk_metadata(random_id(), "text/xml")}
    )
