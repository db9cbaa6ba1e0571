"""Celery tasks of the accounts context (idempotent: safe to run twice)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from apps.accounts.services import DATA_EXPORT_TASK, build_data_export, sweep_data_exports


@shared_task(name=DATA_EXPORT_TASK, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def build_data_export_task(export_id: str) -> str | None:
    """Queued after a data export is requested (and again by the sweep if it was lost): builds
    the archive and mails its link once; a redelivery finds it done and does nothing."""
    return build_data_export(export_id=export_id)


@shared_task(name="accounts.sweep_data_exports")
def sweep_data_exports_task() -> dict[str, Any]:
    """Beat (CELERY_BEAT_SCHEDULE): delete expired archives; re-queue or give up on exports
    stuck pending."""
    return sweep_data_exports()
