"""engine.iam.resource_policies: an event bus's policy decides another account's PutEvents
("Permissions for event buses in Amazon EventBridge" and its example policies)."""

from __future__ import annotations

import json

from engine.iam.evaluation import Decision
from engine.iam.resource_policies import decide

BUS = "arn:aws:events:us-east-1:123456789012:event-bus/central"


def _policy(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(principal: object, **extra: object) -> dict[str, object]:
    return {
        "Sid": "s",
        "Effect": "Allow",
        "Principal": principal,
        "Action": "events:PutEvents",
        "Resource": BUS,
        **extra,
    }


def test_no_policy_and_an_unnamed_account_are_denied() -> None:
    assert (
        decide(None, account="111122223333", action="events:PutEvents", resource=BUS)
        is Decision.IMPLICIT_DENY
    )
    named = _policy(_allow({"AWS": "arn:aws:iam::444455556666:root"}))
    assert (
        decide(named, account="111122223333", action="events:PutEvents", resource=BUS)
        is Decision.IMPLICIT_DENY
    )


def test_an_account_named_by_id_root_arn_or_star_is_allowed_only_the_action_named() -> None:
    for principal in ("*", {"AWS": "111122223333"}, {"AWS": ["arn:aws:iam::111122223333:root"]}):
        text = _policy(_allow(principal))
        assert decide(text, account="111122223333", action="events:PutEvents", resource=BUS) is Decision.ALLOW
        assert (
            decide(text, account="111122223333", action="events:PutRule", resource=BUS)
            is Decision.IMPLICIT_DENY
        )


def test_the_documented_source_condition_and_an_explicit_deny() -> None:
    condition = {"ForAllValues:StringEquals": {"events:source": "com.exampleCorp.webStore"}}
    text = _policy(_allow({"AWS": "arn:aws:iam::111122223333:root"}, Condition=condition))
    shop = {"events:source": "com.exampleCorp.webStore"}
    assert (
        decide(text, account="111122223333", action="events:PutEvents", resource=BUS, context=shop)
        is Decision.ALLOW
    )
    other = {"events:source": "elsewhere"}
    assert decide(text, account="111122223333", action="events:PutEvents", resource=BUS, context=other) is (
        Decision.IMPLICIT_DENY
    )
    denied = _policy(_allow("*"), {**_allow("*"), "Sid": "d", "Effect": "Deny"})
    assert (
        decide(denied, account="111122223333", action="events:PutEvents", resource=BUS)
        is Decision.EXPLICIT_DENY
    )
