"""Running handlers exactly once per (consumer, event): the inbox and the dead-letter table.

Synchronous Django code: the consumer runner calls it from its worker thread, the admin's
replay action from a request.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from enum import Enum
from typing import Any

import structlog
from django.db import connection, transaction
from django.utils import timezone

from gigsy.events.envelope import Event
from gigsy.events.models import DeadLetter
from gigsy.events.registry import Handler

log = structlog.get_logger("gigsy.consumer")

_CLAIM_INBOX = """
    INSERT INTO events.inbox (consumer, event_id, handled_at)
    SELECT %s, unnest(%s::uuid[]), now()
    ON CONFLICT (consumer, event_id) DO NOTHING
    RETURNING event_id::text
"""


class Outcome(Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    DEAD_LETTERED = "dead_lettered"


@contextlib.contextmanager
def event_context(handler: Handler, event: Event) -> Iterator[None]:
    """Bind the event's correlation to every log line, follow-up event and task it causes."""
    tokens = structlog.contextvars.bind_contextvars(
        correlation_id=event.correlation_id or event.id,
        event_id=event.id,
        event_type=event.type,
        consumer=handler.name,
    )
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


def _claim(handler: Handler, event_ids: Sequence[str]) -> set[str]:
    """Insert inbox rows in the current transaction; return the ids not handled before."""
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_INBOX, [handler.name, list(event_ids)])
        return {row[0] for row in cursor.fetchall()}


class BatchFailedError(Exception):
    """A handler raised inside the batch transaction (everything in it was rolled back)."""

    def __init__(self, event: Event, error: Exception) -> None:
        super().__init__(repr(error))
        self.event = event
        self.error = error


def handle_batch(handler: Handler, events: Sequence[Event]) -> dict[str, Outcome]:
    """Fast path: the whole batch in one transaction; raises BatchFailedError naming the
    event whose handler raised, after rolling everything back."""
    with transaction.atomic():
        fresh = _claim(handler, [e.id for e in events])
        pending = set(fresh)  # a batch can hold two copies of one event: run it once
        for event in events:
            if event.id in pending:
                pending.discard(event.id)
                with event_context(handler, event):
                    try:
                        handler.func(event)
                    except Exception as exc:
                        raise BatchFailedError(event, exc) from exc
    return {e.id: Outcome.HANDLED if e.id in fresh else Outcome.DUPLICATE for e in events}


def handle_one(handler: Handler, event: Event, *, deliveries: int, max_deliveries: int) -> Outcome:
    with event_context(handler, event):
        try:
            with transaction.atomic():
                if not _claim(handler, [event.id]):
                    log.info("event.duplicate_skipped")
                    return Outcome.DUPLICATE
                handler.func(event)
            log.info("event.handled", deliveries=deliveries)
            return Outcome.HANDLED
        except Exception as exc:
            return failed(handler, event, exc, deliveries=deliveries, max_deliveries=max_deliveries)


def failed(
    handler: Handler, event: Event, exc: Exception, *, deliveries: int, max_deliveries: int
) -> Outcome:
    """Retry later, or park the event once it has used its last delivery."""
    with event_context(handler, event):
        if deliveries < max_deliveries:
            log.warning("event.handler_failed", deliveries=deliveries, error=repr(exc))
            return Outcome.FAILED
        error = "".join(traceback.format_exception(exc))[-4000:]
        park(handler, event, error=error, deliveries=deliveries)
        log.error("event.dead_lettered", deliveries=deliveries, error=repr(exc))
        return Outcome.DEAD_LETTERED


def park(handler: Handler, event: Event, *, error: str, deliveries: int) -> None:
    DeadLetter.objects.update_or_create(
        consumer=handler.name,
        event_id=event.id,
        defaults={
            "event_type": event.type,
            "payload": event_as_dict(event),
            "error": error,
            "deliveries": deliveries,
            "replayed_at": None,
        },
    )


def event_as_dict(event: Event) -> dict[str, Any]:
    return asdict(event)


def replay(dead: DeadLetter, handler: Handler) -> Outcome:
    """Run a parked event's handler again, once: the inbox still guards against doubles."""
    event = Event(**dead.payload)
    with event_context(handler, event):
        try:
            with transaction.atomic():
                outcome = Outcome.HANDLED if _claim(handler, [event.id]) else Outcome.DUPLICATE
                if outcome is Outcome.HANDLED:
                    handler.func(event)
                dead.replayed_at = timezone.now()
                dead.replay_error = ""
                dead.save(update_fields=["replayed_at", "replay_error"])
        except Exception as exc:
            dead.replay_error = "".join(traceback.format_exception(exc))[-4000:]
            dead.save(update_fields=["replay_error"])
            log.error("event.replay_failed", error=repr(exc))
            return Outcome.FAILED
    log.info("event.replayed", outcome=outcome.value)
    return outcome
