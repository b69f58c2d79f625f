"""IAM identity-based policy documents: validation messages and the allow/deny decision.

Policies quoted from the IAM User Guide keep their page in a comment; the messages of
MalformedPolicyDocument are the ones recorded against AWS in LocalStack's IAM snapshot tests
(tests/aws/services/iam/test_iam_roles.snapshot.json) and moto's validated policy tests.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.iam.documents import MalformedPolicy, check_trust_policy, parse_policy, policy_size
from engine.iam.evaluation import Decision, Request, assumed_role_arn, denial_message, evaluate

ACCOUNT = "123456789012"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-function"


def policy(*statements: dict[str, Any], version: str | None = "2012-10-17") -> str:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return json.dumps(document)


def decide(document: str | dict[str, Any], action: str, resource: str, **context: str) -> Decision:
    text = document if isinstance(document, str) else json.dumps(document)
    return evaluate([parse_policy(text)], Request(action, resource, context))


# --- Explicit and implicit denies --------------------------------------------------------------

# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html
GET_LIST_NO_REPORTS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
        {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"},
    ],
}


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("iam:GetRole", Decision.ALLOW),
        ("iam:ListRoles", Decision.ALLOW),
        ("iam:CreatePolicy", Decision.IMPLICIT_DENY),  # "implicitly denied" on the page
        ("iam:GetOrganizationsAccessReport", Decision.EXPLICIT_DENY),  # "explicitly denies"
        ("iam:GenerateCredentialReport", Decision.EXPLICIT_DENY),
    ],
)
def test_documented_explicit_and_implicit_denies(action: str, expected: Decision) -> None:
    assert decide(GET_LIST_NO_REPORTS, action, "*") is expected


def test_an_explicit_deny_in_another_policy_still_wins() -> None:
    allow_all = parse_policy(policy({"Effect": "Allow", "Action": "*", "Resource": "*"}))
    deny_invoke = parse_policy(policy({"Effect": "Deny", "Action": "lambda:InvokeFunction", "Resource": "*"}))
    request = Request("lambda:InvokeFunction", FUNCTION)
    assert evaluate([allow_all], request) is Decision.ALLOW
    assert evaluate([allow_all, deny_invoke], request) is Decision.EXPLICIT_DENY
    assert evaluate([deny_invoke, allow_all], request) is Decision.EXPLICIT_DENY


def test_no_policy_at_all_is_a_default_deny() -> None:
    assert evaluate([], Request("lambda:InvokeFunction", FUNCTION)) is Decision.IMPLICIT_DENY


def test_a_single_statement_object_is_a_statement_list_of_one() -> None:
    # The Statement element is "a single statement or an array of individual statements"
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html).
    single = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": FUNCTION},
    }
    assert decide(single, "lambda:InvokeFunction", FUNCTION) is Decision.ALLOW


# --- Actions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "action", "matches"),
    [
        ("lambda:InvokeFunction", "lambda:invokefunction", True),  # action names ignore case
        ("LAMBDA:invokeFUNCTION", "lambda:InvokeFunction", True),
        ("s3:Get*", "s3:GetObject", True),
        ("s3:Get*", "s3:PutObject", False),
        ("s3:*Object", "s3:GetObject", True),
        ("sqs:?endMessage", "sqs:SendMessage", True),  # ? is exactly one character
        ("sqs:?endMessage", "sqs:SSendMessage", False),
        ("*", "events:PutEvents", True),
        ("lambda:*", "events:PutEvents", False),
    ],
)
def test_action_wildcards(pattern: str, action: str, matches: bool) -> None:
    document = policy({"Effect": "Allow", "Action": pattern, "Resource": "*"})
    assert (decide(document, action, "*") is Decision.ALLOW) is matches


def test_not_action_allows_everything_but_the_listed_actions() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html:
    # "Allow" with "NotAction": "iam:*" grants every action of every service except IAM's.
    document = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert decide(document, "lambda:InvokeFunction", FUNCTION) is Decision.ALLOW
    assert decide(document, "iam:CreateRole", "*") is Decision.IMPLICIT_DENY


# --- Resources -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "arn", "matches"),
    [
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
        (f"arn:aws:iam::{ACCOUNT}:user/accounting/*", f"arn:aws:iam::{ACCOUNT}:user/accounting/bob", True),
        (f"arn:aws:iam::{ACCOUNT}:user/accounting/*", f"arn:aws:iam::{ACCOUNT}:user/sales/bob", False),
        ("arn:aws:s3:::amzn-s3-demo-bucket/*", "arn:aws:s3:::amzn-s3-demo-bucket/a/b/c.json", True),
        ("arn:aws:s3:::amzn-s3-demo-bucket/*", "arn:aws:s3:::amzn-s3-demo-bucket", False),
        # "In the Resource element, the IAM user name is case sensitive."
        (f"arn:aws:iam::{ACCOUNT}:user/Bob", f"arn:aws:iam::{ACCOUNT}:user/bob", False),
        # An unqualified function ARN is not its versions; a segment-final * spans colons.
        (FUNCTION, FUNCTION, True),
        (FUNCTION, f"{FUNCTION}:1", False),
        (f"{FUNCTION}:*", f"{FUNCTION}:prod", True),
        (f"{FUNCTION}*", f"{FUNCTION}:1", True),
        (f"arn:aws:lambda:*:{ACCOUNT}:function:*", FUNCTION, True),
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-*", FUNCTION, True),
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-?unction", FUNCTION, True),
        # A * inside a segment stays inside it.
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my*n", f"{FUNCTION}:7n", False),
        (f"arn:aws:lambda:us-west-2:{ACCOUNT}:function:*", FUNCTION, False),
        ("*", FUNCTION, True),
    ],
)
def test_resource_arn_wildcards(pattern: str, arn: str, matches: bool) -> None:
    document = policy({"Effect": "Allow", "Action": "*", "Resource": pattern})
    assert (decide(document, "lambda:InvokeFunction", arn) is Decision.ALLOW) is matches


def test_not_resource_with_deny_protects_only_the_listed_resources() -> None:
    # Shaped after https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
    # (the HRBucket/Payroll example): allow s3 everywhere, deny it outside the payroll folder.
    document = policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
        },
    )
    assert decide(document, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/june.csv") is Decision.ALLOW
    assert decide(document, "s3:GetObject", "arn:aws:s3:::HRBucket/Other/x.csv") is Decision.EXPLICIT_DENY


# --- Conditions --------------------------------------------------------------------------------

# https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html
# (ItemReader over s3:listObjectsV2: ListBucket scoped with the s3:prefix condition key)
LIST_PROCESS_DATA = policy(
    {
        "Effect": "Allow",
        "Action": ["s3:ListBucket"],
        "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket"],
        "Condition": {"StringLike": {"s3:prefix": ["processData/*"]}},
    }
)


def test_documented_distributed_map_list_bucket_condition() -> None:
    bucket = "arn:aws:s3:::amzn-s3-demo-bucket"
    assert decide(LIST_PROCESS_DATA, "s3:ListBucket", bucket, **{"s3:prefix": "processData/2024/"}) is (
        Decision.ALLOW
    )
    assert decide(LIST_PROCESS_DATA, "s3:ListBucket", bucket, **{"s3:prefix": "other/"}) is (
        Decision.IMPLICIT_DENY
    )
    # No Prefix in the request: the key is absent and the condition is false.
    assert decide(LIST_PROCESS_DATA, "s3:ListBucket", bucket) is Decision.IMPLICIT_DENY


def test_condition_keys_ignore_case_and_values_are_ored() -> None:
    document = policy(
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"AWS:RequestedRegion": ["eu-west-1", "us-east-1"]}},
        }
    )
    assert decide(document, "sns:Publish", "*", **{"aws:requestedregion": "us-east-1"}) is Decision.ALLOW
    assert decide(document, "sns:Publish", "*", **{"aws:requestedregion": "us-west-2"}) is (
        Decision.IMPLICIT_DENY
    )


@pytest.mark.parametrize(
    ("condition", "context", "holds"),
    [
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
        # "If the key that you specify in a policy condition is not present in the request context,
        # the values do not match and the condition is false. If the policy condition requires that
        # the key is not matched, such as StringNotLike or ArnNotLike, and the right key is not
        # present, the condition is true."
        ({"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}, {}, False),
        ({"StringNotLike": {"s3:prefix": "secret/*"}}, {}, True),
        ({"StringEqualsIfExists": {"s3:prefix": "a/"}}, {}, True),
        ({"StringEqualsIfExists": {"s3:prefix": "a/"}}, {"s3:prefix": "b/"}, False),
        ({"Null": {"s3:prefix": "true"}}, {}, True),
        ({"Null": {"s3:prefix": "false"}}, {}, False),
        # A negated operator with several values is a NOR of them
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html).
        ({"StringNotEquals": {"s3:prefix": ["a/", "b/"]}}, {"s3:prefix": "b/"}, False),
        ({"StringNotEquals": {"s3:prefix": ["a/", "b/"]}}, {"s3:prefix": "c/"}, True),
        ({"StringEqualsIgnoreCase": {"s3:prefix": "A/"}}, {"s3:prefix": "a/"}, True),
        ({"StringEquals": {"s3:prefix": "A/"}}, {"s3:prefix": "a/"}, False),
        ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/R/*"}},
         {"aws:PrincipalArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/R/s1"}, True),
        ({"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/R/*"}},
         {"aws:PrincipalArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Other/s1"}, True),
        ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"}, True),
        # Operators AND together.
        ({"StringLike": {"s3:prefix": "a/*"}, "Null": {"aws:PrincipalArn": "false"}},
         {"s3:prefix": "a/x"}, False),
    ],
)  # fmt: skip
def test_condition_operators(condition: dict[str, Any], context: dict[str, str], holds: bool) -> None:
    document = policy({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition})
    assert (decide(document, "s3:ListBucket", "*", **context) is Decision.ALLOW) is holds


def test_conditions_the_workbench_cannot_evaluate_fail_closed() -> None:
    unevaluated = {"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}}
    allow = policy({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": unevaluated})
    assert decide(allow, "lambda:InvokeFunction", FUNCTION) is Decision.IMPLICIT_DENY
    deny = policy(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": unevaluated},
    )
    assert decide(deny, "lambda:InvokeFunction", FUNCTION) is Decision.EXPLICIT_DENY


# --- MalformedPolicyDocument ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "Syntax errors in policy."),
        ("[]", "Syntax errors in policy."),
        (json.dumps({"Version": "2012-10-17"}), "Syntax errors in policy."),
        (json.dumps({"Version": "2012-10-17", "Statement": []}), "Syntax errors in policy."),
        (policy({"Effect": "Permit", "Action": "s3:*", "Resource": "*"}), "Syntax errors in policy."),
        (policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Colour": "red"}),
         "Syntax errors in policy."),
        (policy({"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"}),
         "Syntax errors in policy."),
        (policy({"Effect": "Allow", "Action": 7, "Resource": "*"}), "Syntax errors in policy."),
        (policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": "x"}),
         "Syntax errors in policy."),
        (policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, version=None),
         "Policy document must be version 2012-10-17 or greater."),
        (policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, version="2008-10-17"),
         "Policy document must be version 2012-10-17 or greater."),
        (policy({"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Sid": "A", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
         "Statement IDs (SID) in a single policy must be unique."),
        (policy({"Effect": "Allow", "Resource": "*"}), "Policy statement must contain actions."),
        (policy({"Effect": "Allow", "Action": [], "Resource": "*"}),
         "Policy statement must contain actions."),
        (policy({"Effect": "Allow", "Action": "s3:*", "Resource": "my-bucket"}),
         'Resource my-bucket must be in ARN format or "*".'),
        (policy({"Effect": "Allow", "Action": "InvokeFunction", "Resource": "*"}),
         "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        (policy({"Effect": "Allow", "Action": "lambda:Invoke:Function", "Resource": "*"}),
         "Actions/Condition can contain only one colon."),
        (policy({"Effect": "Allow", "Action": "lam bda:InvokeFunction", "Resource": "*"}),
         "Vendor lam bda is not valid"),
        (policy({"Effect": "Allow", "Action": "s3:*"}), "Policy statement must contain resources."),
        (policy({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}),
         "Policy document should not specify a principal."),
    ],
)  # fmt: skip
def test_malformed_documents_get_iams_message(text: str, message: str) -> None:
    with pytest.raises(MalformedPolicy) as raised:
        parse_policy(text)
    assert raised.value.message == message


def test_the_first_fault_in_iams_order_is_the_one_named() -> None:
    # No actions and a non-ARN resource: IAM names the missing actions first.
    text = policy({"Effect": "Allow", "Resource": "bucket"})
    with pytest.raises(MalformedPolicy, match="must contain actions"):
        parse_policy(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # LocalStack's AWS-recorded test_update_assume_role_policy_errors snapshot.
        ("{oops", "This policy contains invalid Json"),
        (
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "states.amazonaws.com"},
                            "Action": "s3:*",
                        }
                    ],
                }
            ),
            "AssumeRole policy may only specify STS AssumeRole actions.",
        ),
        (
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "states.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Resource": "*",
                        }
                    ],
                }
            ),
            "Has prohibited field Resource",
        ),
    ],
)
def test_trust_policy_faults(text: str, message: str) -> None:
    with pytest.raises(MalformedPolicy) as raised:
        check_trust_policy(text)
    assert raised.value.message == message


def test_a_step_functions_trust_policy_is_accepted() -> None:
    # https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html
    check_trust_policy(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "states.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
    )


def test_policy_size_does_not_count_whitespace() -> None:
    assert policy_size('{ "a" :\n\t"b c" }') == len('{"a":"bc"}')


# --- The denial message ----------------------------------------------------------------------


def test_assumed_role_arn_drops_the_role_path() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/service-role/StepFunctions-Demo"
    assert assumed_role_arn(role, "s1") == f"arn:aws:sts::{ACCOUNT}:assumed-role/StepFunctions-Demo/s1"


def test_denial_messages_use_iams_wording() -> None:
    # Wording as AWS returns it, e.g. awslabs/aws-deployment-framework issue #460 (implicit) and
    # the "with an explicit deny in an identity-based policy" form for a Deny statement.
    principal = f"arn:aws:sts::{ACCOUNT}:assumed-role/R/s1"
    request = Request("lambda:InvokeFunction", FUNCTION)
    assert denial_message(principal, request, Decision.IMPLICIT_DENY) == (
        f"User: {principal} is not authorized to perform: lambda:InvokeFunction on resource: {FUNCTION} "
        "because no identity-based policy allows the lambda:InvokeFunction action"
    )
    assert denial_message(principal, request, Decision.EXPLICIT_DENY) == (
        f"User: {principal} is not authorized to perform: lambda:InvokeFunction on resource: {FUNCTION} "
        "with an explicit deny in an identity-based policy"
    )
