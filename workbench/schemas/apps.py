"""The schema registry app (EventBridge schemas: registries, schemas, discoverers, code bindings)."""

from django.apps import AppConfig


class SchemasConfig(AppConfig):
    name = "workbench.schemas"
    label = "schemas"
    verbose_name = "Schema registry"
