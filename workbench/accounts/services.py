"""Finding the workspace a request acts in."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from workbench.accounts.models import Workspace
from workbench.core.prepared import Prepared

DEFAULT_WORKSPACE = "default"
DEFAULT_ACCESS_KEY = "test"

# Every AWS call looks its key up: compiled once per thread (see core/prepared.py).
_BY_ACCESS_KEY: Prepared[Workspace] = Prepared(
    lambda key: Workspace.objects.filter(access_key_id=key).select_related("virtual_clock").order_by()[:1],
    str,
)


def default_workspace() -> Workspace:
    """The workspace of `test`/`test` credentials and of the browser in embedded mode.

    Made on first use so a fresh or flushed database always has one.
    """
    try:
        return Workspace.objects.select_related("virtual_clock").get(name=DEFAULT_WORKSPACE)
    except Workspace.DoesNotExist:
        try:
            with transaction.atomic():
                return Workspace.objects.create(
                    name=DEFAULT_WORKSPACE,
                    account_id=settings.STEPBRIDGE_DEFAULT_ACCOUNT,
                    region=settings.STEPBRIDGE_REGION,
                    access_key_id=DEFAULT_ACCESS_KEY,
                )
        except IntegrityError:
            return Workspace.objects.get(name=DEFAULT_WORKSPACE)


def workspace_for_access_key(access_key_id: str | None) -> Workspace:
    """The workspace whose key signed the request; unknown keys act in the default one."""
    if access_key_id:
        found = _BY_ACCESS_KEY.first(access_key_id)
        if found is not None:
            return found
    return default_workspace()
