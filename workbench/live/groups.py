"""Channel group names: one place, so publishers and consumers always agree."""


def execution_group(execution_id: int) -> str:
    return f"execution.{execution_id}"


def bus_group(bus_id: int) -> str:
    """Pages tailing one bus's events (the bus page)."""
    return f"bus.{bus_id}"


def workspace_group(workspace_id: int) -> str:
    """Pages summarising a whole workspace (the dashboard)."""
    return f"workspace.{workspace_id}"


def queues_group(workspace_id: int) -> str:
    """Pages showing a workspace's queues: the queue list and every queue's page. One group for
    all of them, not one per queue, so a delivery batch sending to 300 queues makes one nudge,
    not 300 that the delivery process would relay even with no page open (live.publish)."""
    return f"queues.{workspace_id}"


def schedules_group(workspace_id: int) -> str:
    """The Schedules page of a workspace (each schedule's next firing)."""
    return f"schedules.{workspace_id}"
