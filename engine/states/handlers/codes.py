"""What a state handler tells the driver about its thread after one step."""

NEXT = 0
"""The thread moved to its next state: keep running it."""
BLOCKED = 1
"""The thread waits for the outside world (a task, a timer) or for its children."""
DONE = 2
"""The thread ended (succeeded or failed) and has been handed to its parent or the execution."""

PAYLOAD_LIMIT_BYTES = 262_144
"""256 KB of UTF-8: AWS's quota for inputs, outputs and task results."""


def payload_too_large(text: str) -> bool:
    """Whether a JSON text exceeds the quota; a short text is decided without encoding it
    (a character is at most 4 bytes of UTF-8)."""
    return len(text) > PAYLOAD_LIMIT_BYTES // 4 and len(text.encode()) > PAYLOAD_LIMIT_BYTES
