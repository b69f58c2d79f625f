from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "workbench.identity"
    label = "identity"
    verbose_name = "Identity (IAM roles and their inline policies)"
