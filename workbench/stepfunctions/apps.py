from django.apps import AppConfig


class StepFunctionsConfig(AppConfig):
    name = "workbench.stepfunctions"
    label = "stepfunctions"
    verbose_name = "State machines and executions"
