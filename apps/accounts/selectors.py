"""Reads of the accounts context."""

from __future__ import annotations

from apps.accounts.models import User


def user_by_email(*, email: str) -> User | None:
    return User.objects.filter(email=email.strip().lower()).first()


def email_taken(*, email: str) -> bool:
    return User.objects.filter(email=email.strip().lower()).exists()
