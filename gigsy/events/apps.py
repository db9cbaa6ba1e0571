from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class EventsConfig(AppConfig):
    """The event bus: outbox, inbox and dead letters in the `events` schema."""

    name = "gigsy.events"
    label = "events"
    verbose_name = "Event bus"

    def ready(self) -> None:
        # Every context declares its event handlers in `<app>/handlers.py`.
        autodiscover_modules("handlers")
