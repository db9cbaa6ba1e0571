"""Public links printed on certificates and in their credentials."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from gigsy.files import file_link


def verify_url(code: str) -> str:
    """A certificate's public verification page, also its credential's `id`: never change it."""
    return f"{settings.PUBLIC_API_URL.rstrip('/')}/api/v1/certificates/verify/{code}"


def course_url(slug: str) -> str:
    return f"{settings.PUBLIC_API_URL.rstrip('/')}/api/v1/lms/courses/{slug}"


def pdf_filename(verify_code: str) -> str:
    return f"certificate-{verify_code}.pdf"


def pdf_link(certificate: Any) -> str | None:
    """A short-lived link to the certificate's PDF (no Bearer header needed), for its owner
    only; None while the PDF is not rendered yet, and never for a revoked certificate."""
    if certificate.revoked_at is not None or not certificate.pdf:
        return None
    return file_link(certificate.pdf, filename=pdf_filename(certificate.verify_code))
