"""IAM documents the shell tests share."""

from __future__ import annotations

ACCOUNT = "123456789012"

STATES_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
"""The trust policy of a Step Functions execution role (the IAM docs' example for a service role)."""
