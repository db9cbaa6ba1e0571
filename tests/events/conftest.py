"""Event-bus fixtures: a fresh JetStream stream per test, throw-away event types and handlers.

Everything runs against the real NATS and PostgreSQL of this machine. Data must really be
committed for the relay's own connection to see it, hence `transactional_db`.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import nats
import pytest
from django.conf import settings as django_settings
from django.db import transaction
from nats.js.errors import NotFoundError

from gigsy.events import catalog, registry
from gigsy.events.catalog import EventSpec
from gigsy.events.envelope import Event
from gigsy.events.publisher import publish

TEST_TYPES = [
    EventSpec(
        type="test.pinged",
        producer="tests",
        consumers=("tests",),
        description="Test-only.",
        properties={"n": {"type": "integer"}},
    ),
    EventSpec(
        type="test.followed_up",
        producer="tests",
        consumers=("tests",),
        description="Test-only.",
        properties={"of": {"type": "string"}},
    ),
]


@pytest.fixture(autouse=True)
def _test_event_types() -> Iterator[None]:
    for spec in TEST_TYPES:
        catalog.register(spec)
    yield
    for spec in TEST_TYPES:
        catalog.unregister(spec.type)


@pytest.fixture
def bus(settings: Any, transactional_db: Any) -> Iterator[str]:
    suffix = uuid.uuid4().hex[:10]
    settings.EVENTS_STREAM = f"TEST_{suffix}"
    settings.EVENTS_SUBJECT_PREFIX = f"t{suffix}"
    yield settings.EVENTS_STREAM
    asyncio.run(_delete_stream(settings.EVENTS_STREAM))


async def _delete_stream(name: str) -> None:
    nc = await nats.connect(django_settings.NATS_URL)
    try:
        await nc.jetstream().delete_stream(name)
    except NotFoundError:
        pass
    finally:
        await nc.close()


class Recorder:
    """What a test handler saw, shared safely with the consumer's worker thread."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.attempts = 0
        self._lock = threading.Lock()

    def record(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)

    def attempt(self) -> int:
        with self._lock:
            self.attempts += 1
            return self.attempts

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.events)


@pytest.fixture
def register_handler() -> Iterator[Callable[..., registry.Handler]]:
    names: list[str] = []

    def register(name: str, event_type: str, func: Callable[[Event], None]) -> registry.Handler:
        registry.handler(event_type, name=name)(func)
        names.append(name)
        return registry.get(name)

    yield register
    for name in names:
        registry.unregister(name)


def publish_pings(count: int, start: int = 0) -> list[str]:
    with transaction.atomic():
        return [
            publish("test.pinged", {"n": n}, producer="tests").id
            for n in range(start, start + count)
        ]


async def run_until(services: list[Any], done: Callable[[], bool], timeout: float = 20.0) -> float:
    """Run relays/consumers until `done()` holds (or fail after `timeout`); return seconds."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(s.run(stop)) for s in services]
    started = time.monotonic()
    try:
        while not done():
            for task in tasks:
                if task.done() and task.exception():
                    raise task.exception()  # type: ignore[misc]
            if time.monotonic() - started > timeout:
                raise AssertionError(f"condition not reached within {timeout}s")
            await asyncio.sleep(0.02)
        return time.monotonic() - started
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


async def stream_messages(stream: str) -> list[Any]:
    """Every message stored in the stream, in order (for exactly-once assertions)."""
    nc = await nats.connect(django_settings.NATS_URL)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        if info.state.messages == 0:
            return []
        return [
            await js.get_msg(stream, seq)
            for seq in range(info.state.first_seq, info.state.last_seq + 1)
        ]
    finally:
        await nc.close()
