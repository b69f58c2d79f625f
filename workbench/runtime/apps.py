from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    name = "workbench.runtime"
    label = "runtime"
    verbose_name = "Celery runtime"
