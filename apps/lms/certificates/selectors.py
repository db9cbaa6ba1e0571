"""Read-only queries about certificates."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.db.models import QuerySet

from apps.lms.certificates.links import verify_url
from apps.lms.models import Certificate
from gigsy.credentials.revocation_list import RevokedCredential


def certificates_of(*, user_id: int) -> QuerySet[Certificate]:
    """The user's certificates, newest first (the id breaks ties, so pages are stable)."""
    return Certificate.objects.filter(user_id=user_id).order_by("-issued_at", "-pk")


def certificate_by_code(*, code: str) -> Certificate | None:
    return Certificate.objects.filter(verify_code=code).first()


def revoked_credentials() -> list[RevokedCredential]:
    """Every revoked certificate as a revocation list entry (its credential id is its verify
    URL), oldest revocation first. Registered with gigsy.credentials.registry."""
    rows = (
        Certificate.objects.filter(revoked_at__isnull=False)
        .order_by("revoked_at", "pk")
        .values_list("verify_code", "revoked_at")
    )
    return [
        # Not null: filtered above (the column's type says `datetime | None`).
        RevokedCredential(credential_id=verify_url(code), revoked_at=cast(datetime, revoked_at))
        for code, revoked_at in rows
    ]


def missing_pdf(*, issued_before: datetime, limit: int) -> list[int]:
    """Ids of certificates issued before `issued_before` that still have no PDF, oldest first."""
    return list(
        Certificate.objects.filter(pdf="", issued_at__lt=issued_before)
        .order_by("issued_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
