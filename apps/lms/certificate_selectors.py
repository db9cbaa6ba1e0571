"""Read-only queries for the certificates' public surfaces (the revocation list)."""

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
