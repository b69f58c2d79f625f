from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "workbench.flows"
    label = "flows"
    verbose_name = "State machines and executions"
