"""The runtime app: it owns the recovery lease (runtime.models); Celery tasks register through
CELERY_IMPORTS and the worker start hook in runtime.tasks."""

from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    name = "workbench.runtime"
    label = "runtime"
    verbose_name = "Celery runtime"
