"""An idle consumer is not a failure: empty pulls log nothing above DEBUG; outages still warn."""

from __future__ import annotations

import asyncio
import logging

from gigsy.events.consumer import ConsumerRunner
from gigsy.events.relay import Relay
from tests.events.conftest import Recorder, publish_pings, run_until
from tests.events.tcp_proxy import free_port

IDLE_SECONDS = 3.0
# Pulls of 1 ms instead of 1 s: thousands of empty pulls in a few seconds. nats-py ends a
# few of them with asyncio's TimeoutError instead of its own (about 1 in 60 at 1 s on a busy
# machine, every few seconds in production; over 1 in 20 at 1 ms), which the consumer used
# to take for an outage.
FAST_PULL_SECONDS = 0.001


async def _run_for(consumer: ConsumerRunner, seconds: float) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    await asyncio.sleep(seconds)
    stop.set()
    await task


def _loud(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_idle_consumer_logs_no_warning_and_still_consumes(bus, register_handler, caplog):
    caplog.set_level(logging.DEBUG)
    seen = Recorder()
    handler = register_handler("tests.record", "test.pinged", seen.record)
    consumer = ConsumerRunner(handler, fetch_timeout=FAST_PULL_SECONDS)

    asyncio.run(_run_for(consumer, IDLE_SECONDS))  # nothing published: every pull is empty

    assert any("consumer.started" in r.getMessage() for r in caplog.records)
    assert _loud(caplog) == []

    # After its idle spell the same durable consumer still takes what arrives.
    publish_pings(2)
    asyncio.run(run_until([Relay(), ConsumerRunner(handler)], lambda: seen.count >= 2))
    assert seen.count == 2


def test_a_real_outage_still_warns(bus, register_handler, caplog):
    caplog.set_level(logging.INFO)
    handler = register_handler("tests.record", "test.pinged", Recorder().record)
    closed_port = free_port()  # nobody listens: NATS is down for this consumer

    asyncio.run(_run_for(ConsumerRunner(handler, nats_url=f"nats://127.0.0.1:{closed_port}"), 4))

    assert any("consumer.retrying" in message for message in _loud(caplog))
