"""The beat task that deletes expired idempotency keys (CELERY_BEAT_SCHEDULE in base.py)."""

from __future__ import annotations

from celery import shared_task

from gigsy.idempotency.store import sweep

SWEEP_TASK = "idempotency.sweep"


@shared_task(name=SWEEP_TASK)  # type: ignore[untyped-decorator]  # celery is untyped
def sweep_expired_keys() -> int:
    """Delete records older than IDEMPOTENCY_KEY_HOURS; idempotent, safe to run concurrently
    (rows are taken with SKIP LOCKED). Returns how many were deleted."""
    return sweep()
