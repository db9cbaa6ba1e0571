"""Celery tasks of the lms context (idempotent: safe to run twice)."""

from __future__ import annotations

import structlog
from celery import shared_task
from django.conf import settings

from apps.lms.certificate_pdf import render_certificate_pdf as render_pdf
from apps.lms.facts import facts_of
from apps.lms.links import verify_url
from apps.lms.models import Certificate
from apps.lms.services.certificates import RENDER_PDF_TASK, store_pdf
from apps.lms.services.quizzes import settle_expired_attempts as settle_expired

log = structlog.get_logger(__name__)


@shared_task(name=RENDER_PDF_TASK, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def render_certificate_pdf(certificate_id: int) -> str:
    certificate = Certificate.objects.select_related("course").get(pk=certificate_id)
    content = render_pdf(
        facts_of(certificate),
        verify_url=verify_url(certificate.verify_code),
        issuer_name=settings.CERTIFICATE_ISSUER_NAME,
        font_path=settings.CERTIFICATE_PDF_FONT or None,
        bold_font_path=settings.CERTIFICATE_PDF_FONT_BOLD or None,
    )
    store_pdf(certificate=certificate, content=content)
    return certificate.pdf.name


@shared_task(name="lms.settle_expired_attempts")
def settle_expired_attempts() -> int:
    """Beat sweep (CELERY_BEAT_SCHEDULE): settle quiz attempts whose time limit passed."""
    count = settle_expired()
    if count:
        log.info("lms.expired_attempts_settled", count=count)
    return count
