"""Periodic review work: publishing reviews whose blind window passed."""

from __future__ import annotations

import structlog
from celery import shared_task

from apps.gigs.services.reviews import publish_due_reviews as publish_due

log = structlog.get_logger(__name__)


@shared_task(name="gigs.publish_due_reviews")  # type: ignore[untyped-decorator]  # celery is untyped
def publish_due_reviews() -> int:
    """Beat sweep (CELERY_BEAT_SCHEDULE): publish hidden reviews whose review window passed
    (idempotent: each review is published once)."""
    count = publish_due()
    if count:
        log.info("gigs.reviews_published", count=count)
    return count
