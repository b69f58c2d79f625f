from django.apps import AppConfig


class SqsConfig(AppConfig):
    name = "workbench.sqs"
    label = "sqs"
    verbose_name = "Queues (SQS stand-in)"
