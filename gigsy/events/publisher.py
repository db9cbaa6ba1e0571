"""`publish()` and `publish_many()`: write events to the outbox inside the caller's transaction.

Nothing reaches NATS unless the transaction commits; the relay sends committed rows. The
correlation id of the current request, event or task is stamped on the event, and inside an
event handler the handled event becomes the new event's cause.

Cost: one statement per call (`publish_many`: one for the whole list). The relay is woken by a
NOTIFY, which PostgreSQL delivers at commit and drops on rollback, so one per transaction is
enough: the first call of a transaction queues it in the same statement as its INSERT, later
calls skip it. Outside a transaction (autocommit) every call commits, and notifies, on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import structlog
from django.conf import settings
from django.db import connection, transaction

from gigsy.events.catalog import spec_for
from gigsy.events.envelope import Event

NOTIFY_CHANNEL = "gigsy_outbox"

# One row per array element, in order (the relay sends in `id` order). The columns Django
# fills in Python (created_at, attempts, last_error) are written here since the table has no
# database defaults for them.
_INSERT = """
    INSERT INTO events.outbox
        (event_id, event_type, subject, payload, correlation_id, created_at, attempts, last_error)
    SELECT e.event_id, e.event_type, e.subject, e.payload, e.correlation_id, now(), 0, ''
    FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::bytea[], %s::text[])
        AS e(event_id, event_type, subject, payload, correlation_id)
"""
# The same INSERT with the transaction's one NOTIFY: a one-row subquery evaluated once, so
# waking the relay costs no round trip of its own.
_INSERT_AND_NOTIFY = _INSERT + f" CROSS JOIN (SELECT pg_notify('{NOTIFY_CHANNEL}', '')) AS n"


def subject_for(event_type: str) -> str:
    return f"{settings.EVENTS_SUBJECT_PREFIX}.{event_type}"


def publish(
    event_type: str, data: dict[str, Any], *, producer: str, actor_id: str | None = None
) -> Event:
    event = build_event(event_type, data, producer=producer, actor_id=actor_id)
    _write([event])
    return event


def publish_many(
    events: Iterable[tuple[str, dict[str, Any]]], *, producer: str, actor_id: str | None = None
) -> list[Event]:
    """Publish `(event_type, data)` pairs with one INSERT (reindexing, seeding, bulk imports).

    Every event is validated before anything is written: one invalid event raises and none
    is published."""
    built = [
        build_event(event_type, data, producer=producer, actor_id=actor_id)
        for event_type, data in events
    ]
    if built:
        _write(built)
    return built


def build_event(
    event_type: str, data: dict[str, Any], *, producer: str, actor_id: str | None = None
) -> Event:
    """Check `data` against the catalog and wrap it in an envelope (nothing is written)."""
    spec = spec_for(event_type)
    spec.validate(data)
    if producer != spec.producer:
        raise ValueError(f"{event_type} is produced by {spec.producer}, not {producer}")
    context = structlog.contextvars.get_contextvars()
    return Event(
        type=event_type,
        version=spec.version,
        data=data,
        producer=producer,
        correlation_id=context.get("correlation_id"),
        causation_id=context.get("event_id"),
        actor_id=actor_id if actor_id is not None else context.get("user_id"),
    )


def _write(events: list[Event]) -> None:
    statement = _INSERT_AND_NOTIFY if _first_notify_of_transaction() else _INSERT
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            [
                [e.id for e in events],
                [e.type for e in events],
                [subject_for(e.type) for e in events],
                [e.to_json() for e in events],
                [e.correlation_id or "" for e in events],
            ],
        )


def _notified() -> None:
    """On-commit marker: a NOTIFY is queued in the current transaction (does nothing itself)."""


def _first_notify_of_transaction() -> bool:
    """True unless this transaction has already queued its NOTIFY.

    The marker is an on-commit callback because Django drops those exactly when PostgreSQL
    drops the NOTIFY: on rollback, and for a rolled-back savepoint the callbacks registered
    inside it. So a NOTIFY that was rolled back is queued again by the next publish."""
    if not connection.in_atomic_block:
        return True  # autocommit: this statement commits, and notifies, on its own
    if any(entry[1] is _notified for entry in connection.run_on_commit):  # (savepoints, func, ..)
        return False
    transaction.on_commit(_notified)
    return True
