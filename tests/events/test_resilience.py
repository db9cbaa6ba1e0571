"""Nothing lost, nothing doubled: NATS outages, concurrent relays, killed relays, bad handlers."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from gigsy.events.consumer import ConsumerRunner
from gigsy.events.models import DeadLetter, InboxEntry, OutboxEvent
from gigsy.events.relay import Relay
from tests.events.conftest import Recorder, publish_pings, run_until, stream_messages
from tests.events.tcp_proxy import TcpProxy
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def nats_port() -> int:
    return urlsplit(settings.NATS_URL).port or 4222


def test_events_published_while_nats_is_down_are_all_delivered_once(bus, register_handler):
    seen = Recorder()
    handler = register_handler("tests.record", "test.pinged", seen.record)
    proxy = TcpProxy(nats_port())
    proxy.start()
    url = f"nats://127.0.0.1:{proxy.port}"
    before = publish_pings(50)

    async def scenario() -> None:
        relay = Relay(nats_url=url, batch_size=20)
        consumer = ConsumerRunner(handler, nats_url=url)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(consumer.run(stop))]
        await _wait(lambda: seen.count >= 50)

        await asyncio.to_thread(proxy.stop)  # NATS goes away for relay and consumer
        await asyncio.to_thread(publish_pings, 100, 50)
        await asyncio.sleep(2.0)  # relay retries with backoff meanwhile
        assert seen.count == 50
        unsent = await asyncio.to_thread(_unsent)
        assert unsent == 100, "the outbox must keep what it could not send"

        await asyncio.to_thread(proxy.start)  # NATS is back
        await _wait(lambda: seen.count >= 150, timeout=30)
        await asyncio.sleep(0.5)  # any double delivery would show up now
        stop.set()
        await asyncio.gather(*tasks)

    try:
        asyncio.run(scenario())
    finally:
        proxy.close()

    assert seen.count == 150
    assert len({e.id for e in seen.events}) == 150
    assert set(before) <= {e.id for e in seen.events}
    assert _unsent() == 0
    assert len(asyncio.run(stream_messages(bus))) == 150


def _unsent() -> int:
    return OutboxEvent.objects.filter(sent_at__isnull=True).count()


async def _wait(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


def test_relay_pointed_at_a_closed_port_keeps_everything(bus):
    publish_pings(10)

    async def scenario() -> Relay:
        relay = Relay(nats_url="nats://127.0.0.1:1", batch_size=5)
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run(stop))
        await asyncio.sleep(1.5)
        stop.set()
        await task
        return relay

    relay = asyncio.run(scenario())
    assert relay.stats.sent == 0
    assert _unsent() == 10
    assert asyncio.run(Relay().drain_once()) == 10


def test_two_relays_at_once_send_each_event_once(bus):
    ids = publish_pings(2000)
    first = Relay(batch_size=100, name="a", keep_sent_ids=True)
    second = Relay(batch_size=100, name="b", keep_sent_ids=True)

    asyncio.run(
        run_until(
            [first, second],
            lambda: len(first.sent_event_ids) + len(second.sent_event_ids) >= 2000,
            timeout=60,
        )
    )

    assert set(first.sent_event_ids).isdisjoint(second.sent_event_ids)
    assert sorted(first.sent_event_ids + second.sent_event_ids) == sorted(ids)
    assert first.sent_event_ids and second.sent_event_ids, "both relays should have worked"
    assert len(asyncio.run(stream_messages(bus))) == 2000


@pytest.fixture
def relay_processes(bus, settings):
    """Start real `manage.py run_relay` processes on this test's database and stream."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
        "EVENTS_STREAM": settings.EVENTS_STREAM,
        "EVENTS_SUBJECT_PREFIX": settings.EVENTS_SUBJECT_PREFIX,
        "EVENTS_RELAY_BATCH": "50",
    }
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_relay"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_killed_relay_process_loses_and_doubles_nothing(bus, relay_processes):
    """SIGKILL a real `run_relay` process mid-stream, start another: every event lands once."""
    ids = publish_pings(3000)

    first = relay_processes()
    wait_until(lambda: _unsent() < 3000, 30, "relay process never sent anything")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert _unsent() > 0, "the relay finished before it could be killed; publish more"

    second = relay_processes()
    wait_until(lambda: _unsent() == 0, 60, "restarted relay did not finish")
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=15) == 0, "relay did not stop cleanly on SIGTERM"

    messages = asyncio.run(stream_messages(bus))
    assert sorted(m.headers["Nats-Msg-Id"] for m in messages) == sorted(ids)


def test_failing_handler_is_retried_then_dead_lettered_then_replayed_once(
    bus, register_handler, admin_client
):
    seen = Recorder()
    fixed = False

    def flaky(event) -> None:
        seen.attempt()
        if not fixed:
            raise RuntimeError("downstream is broken")
        seen.record(event)

    handler = register_handler("tests.flaky", "test.pinged", flaky)
    [event_id] = publish_pings(1)
    asyncio.run(Relay().drain_once())

    # Stopping lets the in-flight batch finish, so the last failure is parked before we look.
    asyncio.run(
        run_until(
            [ConsumerRunner(handler)], lambda: seen.attempts >= settings.EVENTS_MAX_DELIVERIES
        )
    )

    assert seen.attempts == settings.EVENTS_MAX_DELIVERIES
    dead = DeadLetter.objects.get()
    assert (str(dead.event_id), dead.consumer, dead.deliveries) == (event_id, "tests.flaky", 3)
    assert "downstream is broken" in dead.error
    assert not InboxEntry.objects.filter(consumer="tests.flaky").exists()

    fixed = True
    action = {"action": "replay", "_selected_action": [dead.pk]}
    response = admin_client.post("/admin/events/deadletter/", action, follow=True)
    assert response.status_code == 200
    admin_client.post("/admin/events/deadletter/", action, follow=True)  # a second click

    dead.refresh_from_db()
    assert dead.replayed_at is not None
    assert seen.count == 1
    assert InboxEntry.objects.filter(consumer="tests.flaky").count() == 1


def test_unparseable_message_is_terminated_not_retried(bus, register_handler):
    seen = Recorder()
    handler = register_handler("tests.record", "test.pinged", seen.record)

    async def garbage() -> None:
        import nats

        nc = await nats.connect(settings.NATS_URL)
        js = nc.jetstream()
        from gigsy.events.nats import ensure_stream

        await ensure_stream(js)
        await js.publish(f"{settings.EVENTS_SUBJECT_PREFIX}.test.pinged", b"{not json")
        await nc.close()

    asyncio.run(garbage())
    publish_pings(1)
    asyncio.run(Relay().drain_once())
    asyncio.run(run_until([ConsumerRunner(handler)], lambda: seen.count >= 1))
    assert seen.count == 1


@pytest.mark.parametrize("name", ["Bad Name", "nodot", "a.b.c"])
def test_handler_names_are_checked(name):
    from gigsy.events.registry import handler

    with pytest.raises(ValueError, match="must look like"):
        handler("user.registered", name=name)


def test_one_bad_event_does_not_hold_back_its_batch(bus, register_handler):
    seen = Recorder()
    calls: dict[int, int] = {}

    def picky(event) -> None:
        calls[event.data["n"]] = calls.get(event.data["n"], 0) + 1
        if event.data["n"] == 3:
            raise ValueError("cannot handle 3")
        seen.record(event)

    handler = register_handler("tests.picky", "test.pinged", picky)
    publish_pings(6)
    asyncio.run(Relay().drain_once())

    asyncio.run(run_until([ConsumerRunner(handler)], lambda: calls.get(3, 0) >= 3))

    assert {e.data["n"] for e in seen.events} == {0, 1, 2, 4, 5}
    # Once per delivery for the bad one. The good ones ran in the rolled-back batch and once
    # more on their own; the inbox shows each committed exactly once.
    assert calls[3] == settings.EVENTS_MAX_DELIVERIES
    assert InboxEntry.objects.filter(consumer="tests.picky").count() == 5
    assert DeadLetter.objects.get().payload["data"] == {"n": 3}


def test_an_unpublishable_row_does_not_stall_the_others(bus, settings):
    import uuid

    too_big = OutboxEvent.objects.create(
        event_id=uuid.uuid4(),
        event_type="test.pinged",
        subject=f"{settings.EVENTS_SUBJECT_PREFIX}.test.pinged",
        payload=b"x" * (2 * 1024 * 1024),
    )
    foreign = OutboxEvent.objects.create(
        event_id=uuid.uuid4(),
        event_type="test.pinged",
        subject="someone-else.test.pinged",
        payload=b"{}",
    )
    ids = publish_pings(50)
    relay = Relay(batch_size=20, keep_sent_ids=True)

    elapsed = asyncio.run(run_until([relay], lambda: len(relay.sent_event_ids) >= 50))

    assert elapsed < 5, "the bad row made the relay back off"
    assert sorted(relay.sent_event_ids) == sorted(ids)
    too_big.refresh_from_db()
    assert too_big.sent_at is None
    assert too_big.attempts >= 1
    assert too_big.last_error
    foreign.refresh_from_db()
    assert (foreign.sent_at, foreign.attempts) == (None, 0)
