"""A server that does nothing, so that bench/served.py can measure the client's own ceiling.

The served benchmark runs boto3 on the same two cores as the server it measures. Signing,
serialising and parsing cost the client about 1.5-2.5 ms of CPU per call (measured), so there
is a rate no server can beat on this machine: the rate of the same client threads against a
server that costs nearly nothing. This is that server. It answers every AWS JSON call (Step
Functions, EventBridge) at once with one canned body that carries the fields the benchmark's
calls read: StartExecution's executionArn, DescribeExecution's SUCCEEDED status, PutEvents'
ten entries, CreateActivity's activityArn and GetActivityTask's taskToken and input. botocore's
JSON parser keeps only the members of each operation's output shape
(https://github.com/boto/botocore, ``parsers.py``), so one body serves every operation.

Run: ``python bench/null_server.py PORT`` (plain asyncio, HTTP/1.1 keep-alive, no framework).
"""

from __future__ import annotations

import asyncio
import json
import sys

ARN = "arn:aws:states:us-east-1:123456789012"
BODY = json.dumps(
    {
        "stateMachineArn": f"{ARN}:stateMachine:null",
        "creationDate": 0,
        "executionArn": f"{ARN}:execution:null:x",
        "startDate": 0,
        "stopDate": 0,
        "status": "SUCCEEDED",
        "output": "{}",
        "FailedEntryCount": 0,
        "Entries": [{"EventId": f"e-{n}"} for n in range(10)],
        "EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/null",
        "RuleArn": "arn:aws:events:us-east-1:123456789012:rule/null",
        "FailedEntries": [],
        "events": [],
        "QueueUrl": "http://127.0.0.1/123456789012/null",
        "activityArn": f"{ARN}:activity:null",
        "taskToken": "null-token",
        "input": "{}",
    }
).encode()
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
    + b"x-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\n"
    + f"Content-Length: {len(BODY)}\r\n\r\n".encode()
    + BODY
)


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            writer.write(ANSWER)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(port: int) -> None:
    server = await asyncio.start_server(serve_connection, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
