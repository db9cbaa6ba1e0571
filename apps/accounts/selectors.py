"""Reads of the accounts context."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone as django_timezone

from apps.accounts.models import DataExport, DataExportStatus, SessionFamily, User
from gigsy.files import file_link


def user_by_email(*, email: str) -> User | None:
    return User.objects.filter(email=email.strip().lower()).first()


def email_taken(*, email: str) -> bool:
    return User.objects.filter(email=email.strip().lower()).exists()


def live_sessions(*, user_id: Any, current_id: Any = None) -> QuerySet[SessionFamily]:
    """The user's sessions that have not ended, newest first, each with `current`: whether it
    is the session `current_id` (the family of the token making the request)."""
    try:
        current = uuid.UUID(str(current_id)) if current_id else None
    except ValueError:
        current = None
    return (
        SessionFamily.objects.filter(user_id=user_id, revoked_at__isnull=True)
        .annotate(current=ExpressionWrapper(Q(pk=current), output_field=BooleanField()))
        .order_by("-created_at", "-pk")
    )


# --- leaving: data exports and deletion (docs/decisions/0022) ------------------------------


def data_exports(*, user_id: Any) -> QuerySet[DataExport]:
    """The user's data exports, newest first."""
    return DataExport.objects.filter(user_id=user_id).order_by("-requested_at", "-pk")


def export_status(export: DataExport, *, now: datetime | None = None) -> str:
    """The status a user sees: a ready export past its expiry is expired, even before the
    sweep deletes its archive."""
    now = now or django_timezone.now()
    if export.status == DataExportStatus.READY and (
        export.expires_at is None or export.expires_at <= now
    ):
        return DataExportStatus.EXPIRED.value
    return str(export.status)


def export_download_link(export: DataExport, *, now: datetime | None = None) -> str | None:
    """A signed link to a ready export's archive that works until the archive expires (never
    longer); None when there is nothing to download."""
    now = now or django_timezone.now()
    if export_status(export, now=now) != DataExportStatus.READY or export.expires_at is None:
        return None
    seconds = math.ceil((export.expires_at - now).total_seconds())
    if seconds <= 0:
        return None
    return file_link(export.archive, filename=export_filename(export), seconds=seconds)


def export_filename(export: DataExport) -> str:
    """The name the archive downloads under."""
    return f"gigsy-data-{export.requested_at:%Y-%m-%d}.zip"


def user_export(*, user_id: int) -> dict[str, Any]:
    """What accounts holds about the user, for their data export: the account, the sessions
    (live and ended), the exports asked for. Never the password hash or token material."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return {}
    sessions = SessionFamily.objects.filter(user_id=user_id).order_by("-created_at")
    return {
        "account": {
            "id": user.pk,
            "email": user.email,
            "email verified": user.email_verified_at is not None,
            "email verified at": user.email_verified_at,
            "email waiting for confirmation": user.pending_email or None,
            "display name": user.display_name,
            "roles": sorted(user.roles),
            "roles asked for": sorted(user.requested_roles),
            "time zone": user.timezone,
            "operator": user.is_staff,
            "joined at": user.date_joined,
            "last signed in at": user.last_login,
            "verified instructor since": user.instructor_verified_at,
        },
        "sessions": [
            {
                "device": session.device_label,
                "network": session.network or None,
                "signed in at": session.created_at,
                "last used at": session.last_used_at,
                "ended at": session.revoked_at,
                "ended because": session.get_ended_because_display() or None,
            }
            for session in sessions
        ],
        "data exports": [
            {
                "id": str(export.pk),
                "status": export_status(export),
                "requested at": export.requested_at,
                "completed at": export.completed_at,
                "expires at": export.expires_at,
            }
            for export in data_exports(user_id=user_id)
        ],
    }
