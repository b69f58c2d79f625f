"""Channel group names: one place, so publishers and consumers always agree."""


def execution_group(execution_id: int) -> str:
    return f"execution.{execution_id}"
