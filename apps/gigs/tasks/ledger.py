"""Periodic ledger work: released funds clear from pending to available."""

from __future__ import annotations

import structlog
from celery import shared_task
from django.utils import timezone

from apps.gigs.ledger.clearing import clear_due

log = structlog.get_logger(__name__)


@shared_task(name="gigs.clear_pending_funds")  # type: ignore[untyped-decorator]  # celery is untyped
def clear_pending_funds() -> int:
    """Beat sweep (CELERY_BEAT_SCHEDULE): move each release older than GIGS_CLEARING_DAYS from
    the freelancer's pending to their available funds (idempotent: one clear per release)."""
    count = clear_due(timezone.now())
    if count:
        log.info("gigs.pending_funds_cleared", count=count)
    return count
