"""Reads of the accounts context."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from apps.accounts.models import SessionFamily, User


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
