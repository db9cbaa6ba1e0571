"""Durable JetStream pull consumers that run the registered handlers.

One durable consumer per handler; a process runs the handlers of one group (`runners_for`).
An empty pull (nothing pending) is idleness, not an error: it logs nothing. A fetched batch is
handled in one transaction when every handler succeeds (the fast path) and one event per
transaction otherwise. Messages are acked only after their transaction commits; a failure is
nak'ed with a growing delay, and after EVENTS_MAX_DELIVERIES deliveries the event is parked in
the dead-letter table (and acked).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog
from django.conf import settings
from django.db import close_old_connections, connections
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from gigsy.events import inbox, registry
from gigsy.events import nats as bus
from gigsy.events.envelope import Event
from gigsy.events.publisher import subject_for
from gigsy.events.registry import DEFAULT_GROUP, Handler

log = structlog.get_logger("gigsy.consumer")


def retry_delay(deliveries: int) -> float:
    """1 s, 2 s, 4 s ... capped at 60 s (base configurable for tests)."""
    base: float = settings.EVENTS_RETRY_BASE_SECONDS
    delay: float = base * 2 ** max(0, deliveries - 1)  # int ** int is Any to mypy
    return min(60.0, delay)


class ConsumerRunner:
    def __init__(
        self,
        handler: Handler,
        *,
        nats_url: str | None = None,
        batch_size: int = 100,
        max_deliveries: int | None = None,
        fetch_timeout: float = 1.0,
        after_commit: Callable[[list[Msg]], None] | None = None,
    ) -> None:
        self.handler = handler
        self.nats_url = nats_url or settings.NATS_URL
        self.batch_size = batch_size
        # How long one pull waits for messages; the stop flag is checked between pulls.
        self.fetch_timeout = fetch_timeout
        self.max_deliveries = max_deliveries or settings.EVENTS_MAX_DELIVERIES
        self.ack_wait = settings.EVENTS_ACK_WAIT_SECONDS
        self.stream = settings.EVENTS_STREAM
        self.subject = subject_for(handler.event_type)
        # Fault injection for tests: called after the commit, before the acks.
        self.after_commit = after_commit
        # One thread per consumer keeps its Django database connection warm.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=handler.durable)
        self._nc: Client | None = None

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        self._nc = await bus.connect(self.nats_url, name=f"gigsy-{self.handler.durable}")
        js = self._nc.jetstream()
        await bus.ensure_stream(js)
        config = ConsumerConfig(
            durable_name=self.handler.durable,
            filter_subject=self.subject,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            max_ack_pending=max(1000, self.batch_size * 10),
        )
        return await js.pull_subscribe(
            self.subject, durable=self.handler.durable, stream=self.stream, config=config
        )

    async def run(self, stop: asyncio.Event) -> None:
        log.info("consumer.started", consumer=self.handler.name, subject=self.subject)
        backoff = 0.5
        try:
            while not stop.is_set():
                try:
                    subscription = await self._subscribe()
                    backoff = 0.5
                    while not stop.is_set():
                        try:
                            messages = await subscription.fetch(
                                self.batch_size, timeout=self.fetch_timeout
                            )
                        except TimeoutError:
                            # Nothing pending: not a failure. nats-py raises its own
                            # TimeoutError or, near the deadline, asyncio's (the builtin one).
                            self._check_connected()
                            continue
                        await self.process(messages)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # NATS away or the DB restarting: reconnect
                    log.warning(
                        "consumer.retrying",
                        consumer=self.handler.name,
                        error=repr(exc)[:300],
                        retry_in_s=backoff,
                    )
                    await self._close_nats()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=backoff)
                    backoff = min(30.0, backoff * 2)
        finally:
            await self._close_nats()
            await asyncio.get_running_loop().run_in_executor(self._thread, connections.close_all)
            self._thread.shutdown(wait=True)
            log.info("consumer.stopped", consumer=self.handler.name)

    def _check_connected(self) -> None:
        """An empty pull while NATS is away is an outage, not idleness: reconnect loudly."""
        if self._nc is None or not self._nc.is_connected:
            raise ConnectionError("NATS connection lost while waiting for messages")

    async def _close_nats(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            with contextlib.suppress(Exception):
                await self._nc.close()
        self._nc = None

    async def process(self, messages: list[Msg]) -> None:
        parsed: list[tuple[Msg, Event]] = []
        for message in messages:
            try:
                parsed.append((message, Event.from_json(message.data)))
            except (ValueError, TypeError) as exc:
                # Poison: no retry can fix bytes that are not an event. Keep it visible.
                log.error(
                    "event.unparseable",
                    consumer=self.handler.name,
                    error=repr(exc),
                    subject=message.subject,
                )
                await message.term()
        if not parsed:
            return
        loop = asyncio.get_running_loop()
        events = [event for _, event in parsed]
        outcomes = await loop.run_in_executor(
            self._thread, self._handle_sync, events, [m.metadata.num_delivered for m, _ in parsed]
        )
        if self.after_commit is not None:
            self.after_commit([m for m, _ in parsed])
        await asyncio.gather(*(self._settle(m, outcomes[e.id]) for m, e in parsed))

    def _handle_sync(self, events: list[Event], deliveries: list[int]) -> dict[str, inbox.Outcome]:
        close_old_connections()
        try:
            return inbox.handle_batch(self.handler, events)
        except inbox.BatchFailedError as failure:
            bad, error = failure.event, failure.error
        # One handler raised and the batch rolled back: settle that event without running it
        # again in this delivery, and handle the others one transaction each.
        outcomes = {}
        for event, count in zip(events, deliveries, strict=True):
            if event.id in outcomes:
                continue
            if event.id == bad.id:
                outcomes[event.id] = inbox.failed(
                    self.handler,
                    event,
                    error,
                    deliveries=count,
                    max_deliveries=self.max_deliveries,
                )
            else:
                outcomes[event.id] = inbox.handle_one(
                    self.handler, event, deliveries=count, max_deliveries=self.max_deliveries
                )
        return outcomes

    async def _settle(self, message: Msg, outcome: inbox.Outcome) -> None:
        if outcome is inbox.Outcome.FAILED:
            await message.nak(delay=retry_delay(message.metadata.num_delivered))
        else:
            await message.ack()


def runners_for(
    *, group: str = DEFAULT_GROUP, only: Sequence[str] = (), **options: Any
) -> list[ConsumerRunner]:
    """The consumers one process runs: the handlers named in `only` (any group), otherwise
    every handler of `group`. Handlers of other groups are left to their own processes."""
    handlers = [registry.get(name) for name in only] if only else registry.handlers_of_group(group)
    return [ConsumerRunner(h, **options) for h in handlers]


async def run_consumers(runners: Sequence[ConsumerRunner], stop: asyncio.Event) -> None:
    """Run `runners` until `stop` is set (an empty group just waits for it)."""
    if not runners:
        await stop.wait()
        return
    await asyncio.gather(*(runner.run(stop) for runner in runners))
