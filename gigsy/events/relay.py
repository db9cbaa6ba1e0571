"""The relay: committed outbox rows -> JetStream, each sent once and marked only after the ack.

- Claims rows with `FOR UPDATE SKIP LOCKED`, so several relays never send the same row.
- Publishes a batch pipelined (all in flight, then awaits the acks), with `Nats-Msg-Id` = the
  event id so JetStream drops a resend whose first ack was lost.
- Sleeps on PostgreSQL `LISTEN` (publish() NOTIFYs at commit), with a slow poll as a fallback.
- While NATS is down it keeps the rows, logs, and retries with capped exponential backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog
from django.conf import settings
from django.db import connections
from nats.aio.client import Client
from nats.js import JetStreamContext

from gigsy.events import nats as bus
from gigsy.events.publisher import NOTIFY_CHANNEL

log = structlog.get_logger("gigsy.relay")

_CLAIM = """
    SELECT id, event_id::text, subject, payload, correlation_id
    FROM events.outbox
    WHERE sent_at IS NULL AND subject LIKE %s
    ORDER BY id
    LIMIT %s
    FOR UPDATE SKIP LOCKED
"""
_MARK_SENT = "UPDATE events.outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = ANY(%s)"
_MARK_FAILED = """
    UPDATE events.outbox SET attempts = attempts + 1, last_error = %s WHERE id = ANY(%s)
"""
_PRUNE = """
    DELETE FROM events.outbox WHERE id IN (
        SELECT id FROM events.outbox
        WHERE sent_at < now() - make_interval(hours => %s) LIMIT 10000
    )
"""


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def database_conninfo(alias: str = "default") -> dict[str, Any]:
    """psycopg connection arguments for Django's database (the test database under pytest)."""
    params = connections[alias].get_connection_params()
    return {k: v for k, v in params.items() if k not in ("cursor_factory", "context")}


@dataclass
class RelayStats:
    sent: int = 0
    failed: int = 0


class Relay:
    def __init__(
        self,
        *,
        nats_url: str | None = None,
        batch_size: int | None = None,
        name: str = "relay",
        keep_sent_ids: bool = False,
    ) -> None:
        self.nats_url = nats_url or settings.NATS_URL
        self.batch_size = batch_size or settings.EVENTS_RELAY_BATCH
        self.name = name
        self.stats = RelayStats()
        # Only tests ask to keep them: a long-running relay must not grow with every event.
        self.sent_event_ids: list[str] | None = [] if keep_sent_ids else None
        self.last_claimed = 0
        # Only this deployment's subjects: another prefix's rows are another relay's business.
        self._subject_pattern = _like_prefix(f"{settings.EVENTS_SUBJECT_PREFIX}.")
        self._db: psycopg.AsyncConnection | None = None
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._conninfo = database_conninfo()  # read here: Django settings are sync-only
        self._wake = asyncio.Event()

    # --- connections ---------------------------------------------------------------------
    async def _database(self) -> psycopg.AsyncConnection:
        if self._db is None or self._db.closed:
            self._db = await psycopg.AsyncConnection.connect(**self._conninfo)
        return self._db

    async def _jetstream(self) -> JetStreamContext:
        if self._nc is None or self._nc.is_closed:
            self._nc = await bus.connect(self.nats_url, name=f"gigsy-{self.name}")
            self._js = self._nc.jetstream(timeout=5)
            await bus.ensure_stream(self._js)
        assert self._js is not None
        return self._js

    async def close(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            with contextlib.suppress(Exception):
                await self._nc.drain()
        if self._db is not None and not self._db.closed:
            await self._db.close()

    # --- one pass ------------------------------------------------------------------------
    async def drain_once(self) -> int:
        """Send up to one batch of unsent rows; return how many were sent (acked)."""
        js = await self._jetstream()
        db = await self._database()
        async with db.transaction():
            rows = await (
                await db.execute(_CLAIM, [self._subject_pattern, self.batch_size])
            ).fetchall()
            self.last_claimed = len(rows)
            if not rows:
                return 0
            results = await asyncio.gather(
                *(
                    self._send(js, subject, payload, event_id, correlation_id)
                    for _, event_id, subject, payload, correlation_id in rows
                ),
                return_exceptions=True,
            )
            acked = [row[0] for row, result in zip(rows, results, strict=True) if result is None]
            failed = [row[0] for row, result in zip(rows, results, strict=True) if result]
            if acked:
                await db.execute(_MARK_SENT, [acked])
            if acked and self.sent_event_ids is not None:
                self.sent_event_ids.extend(
                    row[1] for row, result in zip(rows, results, strict=True) if result is None
                )
            if failed:
                error = next(repr(r) for r in results if r is not None)
                await db.execute(_MARK_FAILED, [error[:1000], failed])
        self.stats.sent += len(acked)
        self.stats.failed += len(failed)
        if failed and not acked:
            # Nothing went through: NATS or the stream is unreachable. Back off.
            raise ConnectionError(f"{len(failed)} of {len(rows)} publishes failed: {error}")
        if failed:
            # NATS took the others, so these rows are the problem (too large, no stream): they
            # keep attempts and last_error for operators and must not stall everything else.
            log.error("relay.rows_failed", relay=self.name, rows=len(failed), error=error[:300])
        return len(acked)

    @staticmethod
    async def _send(
        js: JetStreamContext, subject: str, payload: bytes, event_id: str, correlation_id: str
    ) -> None:
        headers = {"Nats-Msg-Id": event_id}
        if correlation_id:
            headers["Correlation-Id"] = correlation_id
        await js.publish(subject, bytes(payload), headers=headers)

    async def prune(self) -> int:
        db = await self._database()
        async with db.transaction():
            cursor = await db.execute(_PRUNE, [settings.EVENTS_OUTBOX_RETENTION_HOURS])
            return cursor.rowcount

    # --- the loop ------------------------------------------------------------------------
    async def _listen(self, stop: asyncio.Event) -> None:
        """Set the wake flag on every NOTIFY; reconnect quietly if PostgreSQL restarts."""
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(
                    **self._conninfo, autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self._wake.set()  # rows may have been committed while we were away
                    async for _ in conn.notifies():
                        self._wake.set()
                        if stop.is_set():
                            return
            except psycopg.Error as exc:
                log.warning("relay.listen_failed", error=str(exc))
                await asyncio.sleep(1)

    async def run(self, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self._listen(stop))
        backoff = 0.0
        last_prune = 0.0
        loop = asyncio.get_running_loop()
        log.info("relay.started", relay=self.name, nats=self.nats_url, batch=self.batch_size)
        try:
            while not stop.is_set():
                try:
                    self._wake.clear()
                    await self.drain_once()
                    if backoff:
                        log.info("relay.recovered", relay=self.name)
                    backoff = 0.0
                    if loop.time() - last_prune > 600:
                        pruned = await self.prune()
                        last_prune = loop.time()
                        if pruned:
                            log.info("relay.pruned", rows=pruned)
                    if self.last_claimed == self.batch_size:
                        continue  # more are waiting
                    await self._sleep(stop, settings.EVENTS_RELAY_POLL_SECONDS)
                except Exception as exc:  # NATS or PostgreSQL trouble: keep rows, back off
                    backoff = min(settings.EVENTS_RELAY_MAX_BACKOFF_SECONDS, max(0.2, backoff * 2))
                    delay = backoff * (0.5 + random.random() / 2)  # noqa: S311 (jitter)
                    log.warning(
                        "relay.retrying",
                        relay=self.name,
                        error=repr(exc)[:300],
                        retry_in_s=round(delay, 2),
                    )
                    await self._reset_after_error()
                    await self._sleep(stop, delay)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            await self.close()
            log.info("relay.stopped", relay=self.name, sent=self.stats.sent)

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _reset_after_error(self) -> None:
        if self._db is not None and (self._db.closed or self._db.broken):
            self._db = None
        if self._nc is not None and not self._nc.is_connected:
            with contextlib.suppress(Exception):
                await self._nc.close()
            self._nc = None
