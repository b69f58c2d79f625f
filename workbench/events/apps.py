from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "workbench.events"
    label = "events"
    verbose_name = "Event buses and rules"
