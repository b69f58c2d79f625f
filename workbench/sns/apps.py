from django.apps import AppConfig


class SnsConfig(AppConfig):
    name = "workbench.sns"
    label = "sns"
    verbose_name = "Topics (SNS stand-in)"
