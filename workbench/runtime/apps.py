"""The runtime app: it owns the recovery lease (runtime.models); Celery tasks register through
CELERY_IMPORTS and the worker start hook in runtime.tasks."""

from importlib import import_module

from django.apps import AppConfig
from django.conf import settings


class RuntimeConfig(AppConfig):
    name = "workbench.runtime"
    label = "runtime"
    verbose_name = "Celery runtime"

    def ready(self) -> None:
        # Every process registers the tasks' functions (as a worker does, from CELERY_IMPORTS),
        # so any process may make quick work itself (runtime.nearby), not only a worker.
        for module in settings.CELERY_IMPORTS:
            import_module(module)
