from django.apps import AppConfig


class BusesConfig(AppConfig):
    name = "workbench.buses"
    label = "buses"
    verbose_name = "Event buses and rules"
