"""Outbox -> relay -> JetStream -> consumer, against the real NATS and PostgreSQL."""

from __future__ import annotations

import asyncio

import nats
import pytest
from django.conf import settings
from django.db import transaction

from gigsy.events.consumer import ConsumerRunner
from gigsy.events.models import InboxEntry, OutboxEvent
from gigsy.events.publisher import publish
from gigsy.events.relay import Relay
from tests.events.conftest import Recorder, publish_pings, run_until, stream_messages


class Boom(Exception):
    pass


def test_rollback_sends_nothing(bus):
    with pytest.raises(Boom), transaction.atomic():
        publish("test.pinged", {"n": 1}, producer="tests")
        raise Boom

    relay = Relay()
    assert asyncio.run(relay.drain_once()) == 0
    assert not OutboxEvent.objects.exists()
    assert asyncio.run(stream_messages(bus)) == []


def test_commit_is_delivered_to_the_handler_exactly_once(bus, register_handler):
    seen = Recorder()
    handler = register_handler("tests.record", "test.pinged", seen.record)
    ids = publish_pings(3)

    asyncio.run(run_until([Relay(), ConsumerRunner(handler)], lambda: seen.count >= 3))

    assert sorted(e.id for e in seen.events) == sorted(ids)
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 0
    assert InboxEntry.objects.filter(consumer="tests.record").count() == 3
    messages = asyncio.run(stream_messages(bus))
    assert [m.headers["Nats-Msg-Id"] for m in messages] == ids


def test_relay_wakes_on_notify_not_on_polling(bus, settings):
    settings.EVENTS_RELAY_POLL_SECONDS = 30  # only NOTIFY can make it fast

    async def scenario() -> float:
        relay = Relay()
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run(stop))
        await asyncio.sleep(0.5)  # relay idle, listening
        await asyncio.to_thread(publish_pings, 1)
        started = asyncio.get_running_loop().time()
        while relay.stats.sent < 1:
            await asyncio.sleep(0.005)
            assert asyncio.get_running_loop().time() - started < 5, "relay never woke"
        elapsed = asyncio.get_running_loop().time() - started
        stop.set()
        await task
        return elapsed

    assert asyncio.run(scenario()) < 1.0


def test_same_event_published_twice_to_nats_is_handled_once(bus, register_handler):
    """A resend beyond JetStream's duplicate window (new Nats-Msg-Id) is caught by the inbox."""
    seen = Recorder()
    handler = register_handler("tests.record", "test.pinged", seen.record)
    [event_id] = publish_pings(1)
    asyncio.run(Relay().drain_once())
    payload = OutboxEvent.objects.get().payload

    async def resend() -> None:
        nc = await nats.connect(settings.NATS_URL)
        await nc.jetstream().publish(
            f"{settings.EVENTS_SUBJECT_PREFIX}.test.pinged",
            bytes(payload),
            headers={"Nats-Msg-Id": f"{event_id}-again"},
        )
        await nc.close()

    asyncio.run(resend())
    assert len(asyncio.run(stream_messages(bus))) == 2

    acked = Recorder()
    runner = ConsumerRunner(handler, after_commit=lambda msgs: [acked.record(m) for m in msgs])
    asyncio.run(run_until([runner], lambda: acked.count >= 2))  # both copies were processed
    assert seen.count == 1
    assert InboxEntry.objects.filter(consumer="tests.record").count() == 1


class SimulatedCrash(BaseException):
    """Escapes the runner like a killed process: nothing after the commit runs."""


def test_consumer_restarted_before_ack_does_not_handle_twice(bus, register_handler):
    seen = Recorder()
    handler = register_handler("tests.record", "test.pinged", seen.record)
    publish_pings(5)
    asyncio.run(Relay().drain_once())

    def crash(messages: list) -> None:
        raise SimulatedCrash

    async def first_life() -> None:
        stop = asyncio.Event()
        with pytest.raises(SimulatedCrash):
            await ConsumerRunner(handler, after_commit=crash).run(stop)

    asyncio.run(first_life())
    assert seen.count == 5  # handled and committed, never acked

    # Restart: JetStream redelivers after ack_wait; the inbox turns each into a no-op ack.
    redelivered = Recorder()
    restarted = ConsumerRunner(
        handler, after_commit=lambda msgs: [redelivered.record(m) for m in msgs]
    )
    asyncio.run(run_until([restarted], lambda: redelivered.count >= 5, timeout=15))

    assert seen.count == 5
    assert InboxEntry.objects.filter(consumer="tests.record").count() == 5
    assert all(m.metadata.num_delivered >= 2 for m in redelivered.events)

    # Everything is acked now: a third life receives nothing.
    leftovers = Recorder()
    third = ConsumerRunner(handler, after_commit=lambda msgs: [leftovers.record(m) for m in msgs])
    with pytest.raises(AssertionError, match="not reached"):
        asyncio.run(run_until([third], lambda: leftovers.count > 0, timeout=2.5))
