"""Read-only queries about certificates: the revocation list, PDFs still to render."""

from __future__ import annotations

from datetime import datetime

from apps.lms.models import Certificate


def revoked_certificates() -> list[tuple[str, datetime]]:
    """`(verify_code, revoked_at)` of every revoked certificate, oldest revocation first."""
    return list(
        Certificate.objects.filter(revoked_at__isnull=False)
        .order_by("revoked_at", "pk")
        .values_list("verify_code", "revoked_at")
    )


def missing_pdf(*, issued_before: datetime, limit: int) -> list[int]:
    """Ids of certificates issued before `issued_before` that still have no PDF, oldest first."""
    return list(
        Certificate.objects.filter(pdf="", issued_at__lt=issued_before)
        .order_by("issued_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
