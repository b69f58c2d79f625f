"""The course's human-approval workflow ("Human-in-the-Loop Pattern") with its real transport:
RequestApproval sends the task token to an SQS queue
(``arn:aws:states:::sqs:sendMessage.waitForTaskToken``), an approver program receives the
message through boto3 and answers with SendTaskSuccess or SendTaskFailure
(https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.support import seed

pytestmark = pytest.mark.live
ROLE = f"arn:aws:iam::{seed.ACCOUNT}:role/course"


def _finished(sfn: Any, arn: str) -> dict[str, Any] | None:
    described = sfn.describe_execution(executionArn=arn)
    return described if described["status"] != "RUNNING" else None


def _machine(aws: Any, name: str, queue_url: str | None = None) -> str:
    from workbench.accounts.services import default_workspace
    from workbench.functions.services import save_mock

    save_mock(default_workspace(), "process-order", [{"output": {"processed": True}}])
    definition = seed.approval_definition()
    definition["States"]["ValidateOrder"]["Resource"] = seed.function_arn("echo")
    if queue_url is not None:
        definition["States"]["RequestApproval"]["Parameters"]["QueueUrl"] = queue_url
    created = aws("stepfunctions").create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=ROLE
    )
    return str(created["stateMachineArn"])


def test_an_approver_answers_from_the_queue(aws: Any) -> None:
    sqs, sfn = aws("sqs"), aws("stepfunctions")
    queue_url = sqs.create_queue(QueueName="approvals")["QueueUrl"]
    # The chapter's QueueUrl names AWS's host; the workbench resolves it by account and name.
    machine = _machine(aws, "course-approval")
    big = {"orderId": "o-1", "amount": 25000}
    approved = sfn.start_execution(stateMachineArn=machine, name="approve-me", input=json.dumps(big))
    rejected = sfn.start_execution(stateMachineArn=machine, name="reject-me", input=json.dumps(big))

    bodies: dict[str, Any] = {}
    for _ in range(3):  # long polls of up to 20 s each
        if len(bodies) == 2:
            break
        answer = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=20, MaxNumberOfMessages=10)
        for message in answer.get("Messages", []):
            bodies[message["MessageId"]] = json.loads(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    assert len(bodies) == 2, bodies
    tokens = [body["taskToken"] for body in bodies.values()]
    assert all(body["orderId"] == "o-1" and body["amount"] == 25000 for body in bodies.values())

    from workbench.stepfunctions.models import PendingTask

    by_execution = dict(PendingTask.objects.filter(token__in=tokens).values_list("execution__name", "token"))
    sfn.send_task_success(taskToken=by_execution["approve-me"], output='{"approved": true}')
    sfn.send_task_failure(taskToken=by_execution["reject-me"], error="Rejected", cause="over budget")

    done = wait_for(lambda: _finished(sfn, approved["executionArn"]))
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"processed": True}
    failed = wait_for(lambda: _finished(sfn, rejected["executionArn"]))
    assert (failed["status"], failed["error"], failed["cause"]) == ("FAILED", "Rejected", "over budget")


def test_a_queue_that_does_not_exist_fails_the_state_with_awss_error(aws: Any, live_url: str) -> None:
    sfn = aws("stepfunctions")
    machine = _machine(aws, "no-queue", f"{live_url}/{seed.ACCOUNT}/missing")
    run = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"orderId": "o-2", "amount": 20000}))
    done = wait_for(lambda: _finished(sfn, run["executionArn"]))
    # The SDK's QueueDoesNotExistException, named as Step Functions names service errors
    # (<SERVICE>.<Exception>, as TestState reports SQS.QueueDoesNotExistException).
    assert done["status"] == "FAILED" and done["error"] == "SQS.QueueDoesNotExistException"
    assert "The specified queue does not exist." in done["cause"]
    history = sfn.get_execution_history(executionArn=run["executionArn"])["events"]
    [task_failed] = [event for event in history if event["type"] == "TaskFailed"]
    assert task_failed["taskFailedEventDetails"]["error"] == "SQS.QueueDoesNotExistException"


def test_request_response_send_returns_the_sdk_result(aws: Any) -> None:
    sqs, sfn = aws("sqs"), aws("stepfunctions")
    url = sqs.create_queue(QueueName="notices")["QueueUrl"]
    definition = {
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": url, "MessageBody.$": "$.notice"},
                "End": True,
            }
        },
    }
    machine = sfn.create_state_machine(name="notify", definition=json.dumps(definition), roleArn=ROLE)
    run = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input='{"notice": {"n": 1}}')
    done = wait_for(lambda: _finished(sfn, run["executionArn"]))
    output = json.loads(done["output"])
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    # An object MessageBody travels as its JSON; the result is SendMessage's answer with the
    # SDK metadata AWS's optimized integration adds (recorded histories).
    assert json.loads(message["Body"]) == {"n": 1}
    assert output["MessageId"] == message["MessageId"] and output["MD5OfMessageBody"] == message["MD5OfBody"]
    assert output["SdkHttpMetadata"]["HttpStatusCode"] == 200 and "RequestId" in output["SdkResponseMetadata"]
