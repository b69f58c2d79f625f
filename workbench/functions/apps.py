from django.apps import AppConfig


class FunctionsConfig(AppConfig):
    name = "workbench.functions"
    label = "functions"
    verbose_name = "Functions (Lambda stand-ins)"
