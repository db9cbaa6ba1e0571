"""Public links printed on certificates and in their credentials."""

from __future__ import annotations

from django.conf import settings


def verify_url(code: str) -> str:
    """A certificate's public verification page, also its credential's `id`: never change it."""
    return f"{settings.PUBLIC_API_URL.rstrip('/')}/api/v1/certificates/verify/{code}"


def course_url(slug: str) -> str:
    return f"{settings.PUBLIC_API_URL.rstrip('/')}/api/v1/lms/courses/{slug}"
