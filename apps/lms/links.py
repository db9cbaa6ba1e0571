"""Public links the lms context prints on certificates and credentials."""

from __future__ import annotations

from django.conf import settings


def verify_url(code: str) -> str:
    return f"{settings.PUBLIC_API_URL.rstrip('/')}/api/v1/certificates/verify/{code}"


def course_url(slug: str) -> str:
    return f"{settings.PUBLIC_API_URL.rstrip('/')}/api/v1/lms/courses/{slug}"


def jwks_url() -> str:
    return f"{settings.PUBLIC_API_URL.rstrip('/')}/api/v1/certificates/jwks.json"


def revocations_url() -> str:
    return f"{settings.PUBLIC_API_URL.rstrip('/')}/api/v1/certificates/revocations"
