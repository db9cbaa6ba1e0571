"""Celery tasks and the correlation id: stamped on every task at publish, bound when it runs.

Schedule tasks with `enqueue_after_commit()` so a worker never sees a task whose data was
rolled back.
"""

from __future__ import annotations

from typing import Any

import structlog
from celery import Task
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.db import transaction

from gigsy.observability.context import current_correlation_id, new_correlation_id

# Not "correlation_id": Celery already uses that name for the task id.
CORRELATION_HEADER = "gigsy_correlation_id"


def enqueue_after_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    # Capture the id now: after commit we may be outside the request's context.
    correlation_id = current_correlation_id() or new_correlation_id()
    transaction.on_commit(
        lambda: task.apply_async(
            args=args, kwargs=kwargs, headers={CORRELATION_HEADER: correlation_id}
        )
    )


@before_task_publish.connect
def _stamp_correlation(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None and not headers.get(CORRELATION_HEADER):
        headers[CORRELATION_HEADER] = current_correlation_id() or new_correlation_id()


@task_prerun.connect
def _bind_correlation(task: Task | None = None, task_id: str | None = None, **_: Any) -> None:
    structlog.contextvars.clear_contextvars()
    correlation_id = getattr(task.request, CORRELATION_HEADER, None) if task else None
    structlog.contextvars.bind_contextvars(
        correlation_id=correlation_id or new_correlation_id(),
        task_id=task_id,
        task=task.name if task else None,
    )


@task_postrun.connect
def _unbind_correlation(**_: Any) -> None:
    structlog.contextvars.clear_contextvars()
