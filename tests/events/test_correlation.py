"""One correlation id from the HTTP request through the event, the consumer's logs, a
follow-up event and a Celery task run by a real worker."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
import structlog
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.db import transaction

from gigsy.celery import app as celery_app
from gigsy.events.consumer import ConsumerRunner
from gigsy.events.models import OutboxEvent
from gigsy.events.publisher import publish
from gigsy.events.relay import Relay
from gigsy.tasks import enqueue_after_commit
from tests.events.conftest import Recorder, run_until

REQUEST_ID = "req-7f3a-corr"


@celery_app.task(name="tests.record_correlation")
def record_correlation(key: str) -> None:
    cache.set(key, structlog.contextvars.get_contextvars().get("correlation_id"), 60)


@pytest.fixture
def celery_worker():
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
    ):
        yield


def wait_for_cache(key: str, timeout: float = 15.0) -> str | None:
    deadline = time.monotonic() + timeout
    while (value := cache.get(key)) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def test_request_id_follows_event_logs_follow_up_and_task(
    bus, register_handler, client, caplog, celery_worker
):
    caplog.set_level(logging.INFO)
    seen = Recorder()

    def greet(event) -> None:
        structlog.get_logger("tests.greet").info("greeting", user_id=event.data["user_id"])
        publish("test.followed_up", {"of": event.id}, producer="tests")
        enqueue_after_commit(record_correlation, "task-correlation")
        seen.record(event)

    handler = register_handler("tests.greet", "user.registered", greet)

    response = client.post(
        "/api/v1/auth/register",
        {
            "email": "corr@example.com",
            "password": "a fine passphrase 77",
            "display_name": "Corr",
            "role": "learner",
        },
        content_type="application/json",
        HTTP_X_REQUEST_ID=REQUEST_ID,
    )
    assert response.status_code == 201

    registered = OutboxEvent.objects.get(event_type="user.registered")
    assert registered.correlation_id == REQUEST_ID

    asyncio.run(run_until([Relay(), ConsumerRunner(handler)], lambda: seen.count >= 1))

    [event] = seen.events
    assert event.correlation_id == REQUEST_ID
    assert event.actor_id == str(response.json()["id"])
    follow_up = OutboxEvent.objects.get(event_type="test.followed_up")
    assert follow_up.correlation_id == REQUEST_ID
    assert f'"causation_id":"{event.id}"' in bytes(follow_up.payload).decode()

    consumer_lines = [
        r.msg
        for r in caplog.records
        if isinstance(r.msg, dict)
        and r.msg.get("consumer") == "tests.greet"
        and "event_id" in r.msg
    ]
    assert any(line["event"] == "greeting" for line in consumer_lines)
    assert consumer_lines and all(line["correlation_id"] == REQUEST_ID for line in consumer_lines)

    assert wait_for_cache("task-correlation") == REQUEST_ID


def test_task_enqueued_in_a_rolled_back_transaction_never_runs(transactional_db, celery_worker):
    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        enqueue_after_commit(record_correlation, "rolled-back")
        raise Rollback
    with transaction.atomic():
        enqueue_after_commit(record_correlation, "committed")

    assert wait_for_cache("committed") is not None  # the worker is alive and draining
    assert cache.get("rolled-back") is None


def test_task_without_a_request_gets_its_own_correlation_id(transactional_db, celery_worker):
    with transaction.atomic():
        enqueue_after_commit(record_correlation, "fresh")
    value = wait_for_cache("fresh")
    assert value
    assert len(value) == 32
