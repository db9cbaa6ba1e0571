"""The event bus: `publish()` in a service's transaction, `@handler` in a context's handlers.py.

    from gigsy.events import Event, handler, publish, publish_many

Imported lazily: this package is also the `events` Django app, loaded before models are ready.
"""

from typing import Any

__all__ = ["Event", "handler", "publish", "publish_many"]


def __getattr__(name: str) -> Any:
    if name == "publish":
        from gigsy.events.publisher import publish

        return publish
    if name == "publish_many":
        from gigsy.events.publisher import publish_many

        return publish_many
    if name == "handler":
        from gigsy.events.registry import handler

        return handler
    if name == "Event":
        from gigsy.events.envelope import Event

        return Event
    raise AttributeError(name)
