"""Activities as resources: create, look up, delete, with AWS's names, ARNs and errors
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateActivity.html); the
answers' shapes and messages ("Invalid Name: '...'", "Activity Does Not Exist: '...'", success
for deleting twice) as LocalStack's AWS-recorded test_sfn_api_activities.snapshot.json shows them.

Handing an activity's tasks to workers (GetActivityTask) moves executions, so it lives in
workbench.runtime.activities; reads may query the models directly.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from workbench.accounts.models import Workspace
from workbench.core.arns import Arn
from workbench.stepfunctions.errors import ActivityDoesNotExist, InvalidArn, InvalidName, TooManyTags
from workbench.stepfunctions.models import Activity

# What CreateActivity's ``name`` must not contain (botocore's stepfunctions model, CreateActivityInput):
# white space, brackets, wildcards, the listed specials and control characters.
_FORBIDDEN = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f\ufffe\uffff]")
MAX_TAGS = 50
"""Step Functions' tag limit per resource (service quotas: "Maximum tags per resource: 50")."""


def check_activity_name(name: Any) -> str:
    if not isinstance(name, str) or not 1 <= len(name) <= 80 or _FORBIDDEN.search(name):
        raise InvalidName(f"Invalid Name: '{name}'")
    return name


def create_activity(workspace: Workspace, name: Any, tags: Any = None) -> Activity:
    """CreateActivity: idempotent on the name; a repeat with other tags returns the existing
    activity and leaves its tags as they were (API_CreateActivity)."""
    check_activity_name(name)
    tag_list = list(tags or [])
    if len(tag_list) > MAX_TAGS:
        raise TooManyTags(f"Too many tags: the limit is {MAX_TAGS} tags per resource")
    existing = Activity.objects.filter(workspace=workspace, name=name).select_related("workspace").first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Activity.objects.create(
                workspace=workspace, name=name, tags=tag_list, created=timezone.now()
            )
    except IntegrityError:  # created by a concurrent call: the same idempotent answer
        return Activity.objects.select_related("workspace").get(workspace=workspace, name=name)


def parse_activity_arn(workspace: Workspace, arn: Any) -> str:
    """The activity name an ARN names; InvalidArn for anything that is not an activity ARN."""
    parsed = Arn.parse(arn) if isinstance(arn, str) else None
    if parsed is None or parsed.service != "states" or not parsed.resource.startswith("activity:"):
        raise InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
    return parsed.resource.split(":", 1)[1]


def find_activity(workspace: Workspace, arn: Any) -> Activity | None:
    name = parse_activity_arn(workspace, arn)
    parsed = Arn.parse(arn)
    assert parsed is not None
    if parsed.account != workspace.account_id or parsed.region != workspace.region:
        return None
    return Activity.objects.filter(workspace=workspace, name=name).select_related("workspace").first()


def get_activity(workspace: Workspace, arn: Any) -> Activity:
    activity = find_activity(workspace, arn)
    if activity is None:
        raise ActivityDoesNotExist(f"Activity Does Not Exist: '{arn}'")
    return activity


def activity_exists(workspace: Workspace, arn: str) -> bool:
    """Whether a Task's Resource names an activity of the workspace (the decider asks)."""
    try:
        return find_activity(workspace, arn) is not None
    except InvalidArn:
        return False


def delete_activity(workspace: Workspace, arn: Any) -> None:
    """DeleteActivity: AWS answers success for an activity that is already gone. Tasks already
    scheduled on it stay until they time out or are answered, as on AWS."""
    activity = find_activity(workspace, arn)
    if activity is not None:
        activity.delete()
