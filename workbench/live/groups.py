"""Channel group names: one place, so publishers and consumers always agree."""


def execution_group(execution_id: int) -> str:
    return f"execution.{execution_id}"


def bus_group(bus_id: int) -> str:
    """Pages tailing one bus's events (the bus page)."""
    return f"bus.{bus_id}"


def workspace_group(workspace_id: int) -> str:
    """Pages summarising a whole workspace (the dashboard)."""
    return f"workspace.{workspace_id}"
