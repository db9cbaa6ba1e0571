"""`publish()`: write an event to the outbox inside the caller's transaction.

Nothing reaches NATS unless the transaction commits; the relay sends committed rows. The
correlation id of the current request, event or task is stamped on the event, and inside an
event handler the handled event becomes the new event's cause.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.conf import settings
from django.db import connection

from gigsy.events.catalog import spec_for
from gigsy.events.envelope import Event
from gigsy.events.models import OutboxEvent

NOTIFY_CHANNEL = "gigsy_outbox"


def subject_for(event_type: str) -> str:
    return f"{settings.EVENTS_SUBJECT_PREFIX}.{event_type}"


def publish(
    event_type: str, data: dict[str, Any], *, producer: str, actor_id: str | None = None
) -> Event:
    spec = spec_for(event_type)
    spec.validate(data)
    if producer != spec.producer:
        raise ValueError(f"{event_type} is produced by {spec.producer}, not {producer}")
    context = structlog.contextvars.get_contextvars()
    event = Event(
        type=event_type,
        version=spec.version,
        data=data,
        producer=producer,
        correlation_id=context.get("correlation_id"),
        causation_id=context.get("event_id"),
        actor_id=actor_id if actor_id is not None else context.get("user_id"),
    )
    OutboxEvent.objects.create(
        event_id=event.id,
        event_type=event_type,
        subject=subject_for(event_type),
        payload=event.to_json(),
        correlation_id=event.correlation_id or "",
    )
    # Delivered at commit, dropped on rollback: it wakes the relay only for committed rows.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, '')", [NOTIFY_CHANNEL])
    return event
