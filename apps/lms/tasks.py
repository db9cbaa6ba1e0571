"""Celery tasks of the lms context (idempotent: safe to run twice)."""

from __future__ import annotations

from datetime import timedelta

import structlog
from celery import shared_task
from django.conf import settings

from apps.lms.certificates.services import RENDER_PDF_TASK, enqueue_missing_pdfs, render_pdf
from apps.lms.services.learning import REEVALUATE_TASK
from apps.lms.services.learning import reevaluate_completions as reevaluate
from apps.lms.services.quizzes import settle_expired_attempts as settle_expired

log = structlog.get_logger(__name__)


@shared_task(name=RENDER_PDF_TASK, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def render_certificate_pdf(certificate_id: int) -> str:
    """Render after issue (enqueued after commit), or again from the sweep: idempotent."""
    return render_pdf(certificate_id=certificate_id)


@shared_task(name="lms.render_missing_certificate_pdfs")
def render_missing_certificate_pdfs() -> int:
    """Beat sweep: re-queue renders whose task was lost (see enqueue_missing_pdfs)."""
    count = enqueue_missing_pdfs(older_than=timedelta(seconds=settings.LMS_PDF_SWEEP_GRACE_SECONDS))
    if count:
        log.warning("lms.certificate_pdfs_requeued", count=count)
    return count


@shared_task(name=REEVALUATE_TASK)
def reevaluate_completions(course_id: int) -> int:
    """After an instructor dropped a requirement: complete who has nothing left to do."""
    count = reevaluate(course_id=course_id)
    if count:
        log.info("lms.completions_reevaluated", course_id=course_id, completed=count)
    return count


@shared_task(name="lms.settle_expired_attempts")
def settle_expired_attempts() -> int:
    """Beat sweep (CELERY_BEAT_SCHEDULE): settle quiz attempts whose time limit passed."""
    count = settle_expired()
    if count:
        log.info("lms.expired_attempts_settled", count=count)
    return count
