from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "workbench.inbox"
    label = "inbox"
    verbose_name = "Approval inbox"
