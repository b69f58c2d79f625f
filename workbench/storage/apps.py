from django.apps import AppConfig


class StorageConfig(AppConfig):
    name = "workbench.storage"
    label = "storage"
    verbose_name = "Object storage (S3 stand-in)"
