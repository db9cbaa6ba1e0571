"""A real Celery worker for mail tests.

Most tests send mail eagerly (`task_always_eager` in the test's own thread). `mail_worker`
runs messages the way production does instead: the service's transaction commits, the task goes
through the real Redis broker (the test Redis database, `TEST_REDIS_URL`), a worker thread
runs it against the test database and Django's in-memory outbox receives the message. Tests
that use it are transactional (`django_db(transaction=True)`): the worker's own database
connection sees only committed rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import connections

from gigsy.celery import app as celery_app


@dataclass(frozen=True)
class Run:
    task_id: str
    task: str
    result: Any
    thread: str


@dataclass
class MailWorker:
    """What the worker ran, in order (filled from Celery's `task_postrun`)."""

    runs: list[Run] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, run: Run) -> None:
        with self._lock:
            self.runs.append(run)

    def runs_of(self, task_id: str, count: int = 1, timeout: float = 10.0) -> list[Run]:
        """The first `count` runs of `task_id`, waiting for them."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [run for run in self.runs if run.task_id == task_id]
            if len(found) >= count:
                return found[:count]
            assert time.monotonic() < deadline, f"the worker ran {task_id} {len(found)} time(s)"
            time.sleep(0.02)

    def outbox(self, count: int, timeout: float = 10.0) -> list[mail.EmailMessage]:
        """The outbox once it holds `count` messages (fails if it holds more)."""
        deadline = time.monotonic() + timeout
        while len(mail.outbox) < count:
            assert time.monotonic() < deadline, f"{len(mail.outbox)} of {count} messages came"
            time.sleep(0.02)
        time.sleep(0.1)  # a message too many would arrive now
        assert len(mail.outbox) == count, [m.subject for m in mail.outbox]
        return list(mail.outbox)


@pytest.fixture(scope="module")
def mail_worker() -> Iterator[MailWorker]:
    # The test settings point the broker at the test Redis database; never at a real one.
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL == settings.REDIS_URL
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    # Tests that ran on-commit callbacks without a worker left their tasks in the queue.
    celery_app.control.purge()
    worker = MailWorker()

    def record(task_id: str = "", task: Any = None, retval: Any = None, **_: Any) -> None:
        worker.record(Run(task_id, task.name, retval, threading.current_thread().name))
        # This runs in the worker's thread: close its connection so transactional tests can
        # truncate tables and the test database can be dropped at the end.
        connections.close_all()

    task_postrun.connect(record, weak=False)
    try:
        with start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=10,
        ):
            yield worker
    finally:
        task_postrun.disconnect(record)
        celery_app.conf.task_always_eager = eager


@pytest.fixture
def app_url(settings: Any) -> str:
    settings.PUBLIC_APP_URL = "http://app.test"
    return "http://app.test"
