"""Run something once per (scope, key); answer every retry with what the first run answered.

The life of a key (Stripe's semantics; docs/decisions/0030):

    claim     INSERT the record as in_progress, committed on its own (autocommit), so a
              concurrent duplicate finds it at once. An existing record is compared with the
              request: another method, path or body is `idempotency_key_reused`; a completed
              one is replayed; one in progress is `idempotency_key_in_use` unless its attempt
              started more than IDEMPOTENCY_STALE_SECONDS ago (the process died), when this
              request takes it over. A record older than IDEMPOTENCY_KEY_HOURS counts as absent.
    run       in ONE transaction: lock the record (NOWAIT: a live attempt holds the lock for as
              long as it runs, so it is never taken over, however slow), run, store the answer
              and mark the record completed. The work and the stored answer commit together:
              a crash in between leaves neither, and the record stays in_progress until a
              retry takes it over.
    fail      an exception, or an answer the caller does not keep (a 5xx), rolls the whole
              transaction back and deletes the record: the client may retry with the same key.

The claim needs autocommit to be seen by others; inside an outer transaction (a test) it is
a savepoint of that transaction instead, which is enough for a single connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from gigsy.errors import ConflictError, ErrorCode
from gigsy.idempotency.models import IdempotencyRecord, RecordState

R = TypeVar("R")

# PostgreSQL's lock_not_available: a NOWAIT lock held by another transaction.
_LOCK_NOT_AVAILABLE = "55P03"
# Sweep and expiry delete at most this many rows per statement (short locks, small WAL bursts).
_SWEEP_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Attempt:
    """One request under a key: who sent it and what it was."""

    scope: str
    key: str
    method: str
    path: str
    route: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Stored:
    """The answer kept for retries: status, JSON body, the headers a client acts on."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ran(Generic[R]):
    """What a run returns: `stored` is the answer to keep (None: keep nothing, roll back the
    run's writes and forget the key, e.g. a 5xx), `result` what the caller gets now."""

    stored: Stored | None
    result: R


@dataclass(frozen=True, slots=True)
class Replay:
    """The key was answered before: this is that answer; nothing ran."""

    stored: Stored
    completed_at: datetime | None


class KeyInUseError(ConflictError):
    """Another request with the same key is running now; `retry_after` is in seconds."""

    retry_after = 1

    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still in progress; retry it shortly.",
            code=ErrorCode.IDEMPOTENCY_KEY_IN_USE,
        )


def key_reused() -> ConflictError:
    return ConflictError(
        "This Idempotency-Key was used for a different request; use a new key for a new action.",
        code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
    )


def execute(attempt: Attempt, run: Callable[[], Ran[R]]) -> R | Replay:
    """Run `run` once for `attempt`'s key (see the module doc), or replay the stored answer.

    Raises `key_reused()` for a different request under the same key and `KeyInUseError` while
    another attempt runs; whatever `run` raises propagates after the key is forgotten."""
    now = timezone.now()
    claimed = _claim(attempt, now)
    if isinstance(claimed, Replay):
        return claimed
    record_id, created = claimed
    owned = False
    try:
        with transaction.atomic():
            taken = _take(record_id, created=created, now=now)
            if taken is not None:
                return taken
            owned = True
            ran = run()
            if ran.stored is None:
                transaction.set_rollback(True)
            else:
                _complete(record_id, ran.stored)
    except BaseException:
        if owned:
            _forget_attempt(record_id, now)
        raise
    if ran.stored is None:
        _forget_attempt(record_id, now)
    return ran.result


def _claim(attempt: Attempt, now: datetime) -> tuple[int, bool] | Replay:
    """(record id, created) to run, or the stored answer. Raises when the key belongs to
    another request or another attempt is running it."""
    expired_before = now - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    for _ in range(3):
        record_id = _insert(attempt, now)
        if record_id is not None:
            return record_id, True
        record = IdempotencyRecord.objects.filter(scope=attempt.scope, key=attempt.key).first()
        if record is None:
            continue  # its attempt failed and forgot it meanwhile: claim again
        if record.created_at < expired_before:
            _delete_expired(expired_before, pk=record.pk)
            continue
        if (record.method, record.path, record.fingerprint) != (
            attempt.method,
            attempt.path,
            attempt.fingerprint,
        ):
            raise key_reused()
        if record.state == RecordState.COMPLETED:
            return _replay_of(record)
        if record.started_at > now - _stale_after():
            raise KeyInUseError()
        return record.pk, False  # stale: the process that ran it died; take it over
    raise KeyInUseError()  # the record came and went under us repeatedly: let the client retry


def _insert(attempt: Attempt, now: datetime) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING: the new record's id, or None if the key exists."""
    table = IdempotencyRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, key, method, path, route, fingerprint, state, "  # noqa: S608 (our table name)
            "response_headers, created_at, started_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, '{}'::jsonb, %s, %s) "
            "ON CONFLICT (scope, key) DO NOTHING RETURNING id",
            [
                attempt.scope,
                attempt.key,
                attempt.method,
                attempt.path,
                attempt.route[:255],
                attempt.fingerprint,
                RecordState.IN_PROGRESS.value,
                now,
                now,
            ],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def _take(record_id: int, *, created: bool, now: datetime) -> Replay | None:
    """Lock the record for this transaction: None to run, a Replay if it completed meanwhile.
    Raises KeyInUseError if another attempt holds it or it is gone."""
    try:
        record = IdempotencyRecord.objects.select_for_update(nowait=True).filter(pk=record_id)
        locked = record.first()
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise KeyInUseError() from exc
        raise
    if locked is None:
        raise KeyInUseError()  # its attempt failed and forgot it: a retry claims it afresh
    if locked.state == RecordState.COMPLETED:
        return _replay_of(locked)
    if not created:
        # A takeover: the attempt we saw was stale; someone else may have taken it just now.
        if locked.started_at > now - _stale_after():
            raise KeyInUseError()
        IdempotencyRecord.objects.filter(pk=record_id).update(started_at=now)
    return None


def _replay_of(record: IdempotencyRecord) -> Replay:
    return Replay(
        stored=Stored(
            status=record.response_status or 200,
            body=record.response_body,
            headers=dict(record.response_headers or {}),
        ),
        completed_at=record.completed_at,
    )


def _complete(record_id: int, stored: Stored) -> None:
    IdempotencyRecord.objects.filter(pk=record_id).update(
        state=RecordState.COMPLETED,
        response_status=stored.status,
        response_body=stored.body,
        response_headers=stored.headers,
        completed_at=timezone.now(),
    )


def _forget_attempt(record_id: int, started_at: datetime) -> None:
    """Delete the record of a failed attempt, unless another attempt has taken it since."""
    IdempotencyRecord.objects.filter(
        pk=record_id, state=RecordState.IN_PROGRESS, started_at=started_at
    ).delete()


def _stale_after() -> timedelta:
    return timedelta(seconds=settings.IDEMPOTENCY_STALE_SECONDS)


def _delete_expired(expired_before: datetime, *, pk: int | None = None) -> int:
    """Delete up to a batch of records created before `expired_before` (only `pk`, if given),
    skipping any a running attempt holds locked. Returns how many went."""
    table = IdempotencyRecord._meta.db_table
    only = "AND id = %s" if pk is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} "  # noqa: S608 (our table name)
            f"WHERE created_at < %s {only} ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)",
            [expired_before, *([pk] if pk is not None else []), _SWEEP_BATCH],
        )
        return int(cursor.rowcount)


def sweep(*, now: datetime | None = None) -> int:
    """Delete every record older than IDEMPOTENCY_KEY_HOURS (the beat task); idempotent.
    Returns how many were deleted."""
    expired_before = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    total = 0
    while deleted := _delete_expired(expired_before):
        total += deleted
    return total


def forget_scope(*, scope: str) -> int:
    """Delete every record of `scope` (a deleted account's: stored answers may name it)."""
    if not scope:
        raise ValueError("a scope is required: an empty one would forget nothing useful")
    deleted, _ = IdempotencyRecord.objects.filter(scope=scope).delete()
    return deleted
