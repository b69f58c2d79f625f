"""The schema registry app (EventBridge schemas: registries, schemas, discoverers, code bindings)."""

from django.apps import AppConfig


class SchemasConfig(AppConfig):
    name = "workbench.schemas"
    label = "schemas"
    verbose_name = "Schema registry"

    def ready(self) -> None:
        """Register the discovery task and watch accepted events (see workbench.schemas.discovery)."""
        from workbench.schemas import discovery, tasks  # noqa: F401 - AppConfig.ready is where wiring happens

        discovery.connect()
