from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The event bus: outbox, inbox and dead letters in the `events` schema."""

    name = "gigsy.events"
    label = "events"
    verbose_name = "Event bus"

    def ready(self) -> None:
        from gigsy.events.discovery import discover

        # Every context's `events.py` (the types it produces), then its `handlers.py`.
        discover()
