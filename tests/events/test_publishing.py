"""What publishing costs: one statement per publish() (publish_many(): one in all), one NOTIFY
per transaction, delivered at commit and dropped on rollback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from gigsy.events.catalog import InvalidEventDataError
from gigsy.events.consumer import ConsumerRunner
from gigsy.events.models import OutboxEvent
from gigsy.events.publisher import NOTIFY_CHANNEL, publish, publish_many
from gigsy.events.relay import Relay, database_conninfo
from tests.events.conftest import Recorder, run_until, stream_messages


class Boom(Exception):
    pass


class Listener:
    """A LISTEN connection of its own, like the relay's: counts the wake-ups it gets."""

    def __init__(self) -> None:
        self.conn = psycopg.connect(**database_conninfo(), autocommit=True)
        self.conn.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def received(self, wait: float = 0.5) -> int:
        """Notifications that arrived so far, waiting up to `wait` s after the last one."""
        return sum(1 for _ in self.conn.notifies(timeout=wait))


@pytest.fixture
def listener(transactional_db) -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.conn.close()


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def statements(queries: CaptureQueriesContext) -> list[str]:
    """The round trips of the work itself (Django also logs BEGIN, COMMIT and savepoints)."""
    return [
        q["sql"] for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)
    ]


def notifying(queries: CaptureQueriesContext) -> int:
    return sum("pg_notify" in sql for sql in statements(queries))


def test_one_transaction_costs_one_statement_per_event_and_wakes_the_relay_once(
    bus, listener, register_handler
):
    seen = Recorder()
    handler = register_handler("tests.record", "test.pinged", seen.record)

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        ids = [publish("test.pinged", {"n": n}, producer="tests").id for n in range(5)]
        assert listener.received(wait=0.2) == 0, "a NOTIFY is delivered at commit, not before"

    assert len(statements(queries)) == 5  # the INSERTs; the NOTIFY rides on the first one
    assert notifying(queries) == 1
    assert listener.received() == 1
    asyncio.run(run_until([Relay(), ConsumerRunner(handler)], lambda: seen.count >= 5))
    assert sorted(e.id for e in seen.events) == sorted(ids)
    assert [m.headers["Nats-Msg-Id"] for m in asyncio.run(stream_messages(bus))] == ids


def test_each_publish_outside_a_transaction_commits_and_notifies_on_its_own(bus, listener):
    with CaptureQueriesContext(connection) as queries:
        publish("test.pinged", {"n": 1}, producer="tests")
        assert listener.received() == 1
        publish("test.pinged", {"n": 2}, producer="tests")
        assert listener.received() == 1

    assert (len(statements(queries)), notifying(queries)) == (2, 2)
    assert OutboxEvent.objects.count() == 2


def test_a_notify_rolled_back_with_its_savepoint_is_queued_again(bus, listener):
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        with pytest.raises(Boom), transaction.atomic():
            publish("test.pinged", {"n": 1}, producer="tests")
            raise Boom
        kept = publish("test.pinged", {"n": 2}, producer="tests")
        publish("test.followed_up", {"of": kept.id}, producer="tests")

    assert notifying(queries) == 2  # the first NOTIFY went with the savepoint
    assert listener.received() == 1
    assert sorted(OutboxEvent.objects.values_list("event_type", flat=True)) == [
        "test.followed_up",
        "test.pinged",
    ]


def test_publish_many_writes_every_event_in_one_statement_in_order(bus, listener):
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        events = publish_many(
            [("test.pinged", {"n": n}) for n in range(50)] + [("test.followed_up", {"of": "x"})],
            producer="tests",
            actor_id="7",
        )

    assert (len(statements(queries)), notifying(queries)) == (1, 1)
    assert listener.received() == 1
    rows = list(OutboxEvent.objects.order_by("id"))
    assert [str(r.event_id) for r in rows] == [e.id for e in events]
    assert rows[-1].subject.endswith(".test.followed_up")
    assert {e.actor_id for e in events} == {"7"}

    relay = Relay()
    assert asyncio.run(relay.drain_once()) == 51
    asyncio.run(relay.close())


def test_publish_many_validates_every_event_before_writing_any(bus, listener):
    batch = [("test.pinged", {"n": 1}), ("test.pinged", {"n": "two"}), ("test.pinged", {"n": 3})]

    with CaptureQueriesContext(connection) as queries, pytest.raises(InvalidEventDataError):
        publish_many(batch, producer="tests")
    with pytest.raises(ValueError, match="produced by tests"):
        publish_many([("test.pinged", {"n": 1})], producer="lms")

    assert statements(queries) == []
    assert not OutboxEvent.objects.exists()
    assert listener.received() == 0
    assert publish_many([], producer="tests") == []


def test_rollback_publishes_nothing_and_wakes_nobody(bus, listener):
    with pytest.raises(Boom), transaction.atomic():
        publish("test.pinged", {"n": 1}, producer="tests")
        publish_many([("test.pinged", {"n": n}) for n in range(2, 5)], producer="tests")
        raise Boom

    assert listener.received() == 0
    assert not OutboxEvent.objects.exists()
    relay = Relay()
    assert asyncio.run(relay.drain_once()) == 0
    asyncio.run(relay.close())
    assert asyncio.run(stream_messages(bus)) == []

    # The next transaction on the same connection notifies again.
    with transaction.atomic():
        publish("test.pinged", {"n": 5}, producer="tests")
    assert listener.received() == 1
