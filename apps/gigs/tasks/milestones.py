"""Periodic milestone work: auto-approval of submitted milestones."""

from __future__ import annotations

import structlog
from celery import shared_task

from apps.gigs.services.milestones import auto_approve_due

log = structlog.get_logger(__name__)


@shared_task(name="gigs.auto_approve_milestones")  # type: ignore[untyped-decorator]  # celery is untyped
def auto_approve_milestones() -> int:
    """Beat sweep (CELERY_BEAT_SCHEDULE): approve submitted milestones the client left
    unanswered for GIGS_AUTO_APPROVE_DAYS (idempotent: a second run approves nothing new)."""
    count = auto_approve_due()
    if count:
        log.info("gigs.milestones_auto_approved", count=count)
    return count
