"""Writes of the accounts context: one function per use case, keyword-only arguments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone as django_timezone
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.errors import AccountsError
from apps.accounts.models import Role, User, validate_timezone
from apps.accounts.selectors import email_taken
from gigsy.api.authentication import forget_cached_user
from gigsy.errors import ConflictError
from gigsy.events import publish
from gigsy.updates import model_update, reject_unknown_fields


def _check_timezone(value: str) -> None:
    try:
        validate_timezone(value)
    except ValidationError as exc:
        raise ValidationError({"timezone": exc.messages}) from exc


EMAIL_TAKEN = "An account with this email already exists."
# Fields a user may change about themselves; role and staff status are operators' business.
SELF_EDITABLE_FIELDS = ("display_name", "timezone")
# A change to any of these publishes `user.updated`: what other contexts show or decide on.
# The email is not carried (no addresses on the bus); read models that show it (lms's learner
# copy) re-read the user through accounts.public when the event arrives.
DISPLAY_FIELDS = ("display_name", "timezone", "role", "is_active", "email")


@transaction.atomic
def register_user(
    *, email: str, password: str, display_name: str, role: str, timezone: str = "UTC"
) -> User:
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": [f"Must be one of {', '.join(Role.values)}."]})
    _check_timezone(timezone)
    user = User(email=email, display_name=display_name.strip(), role=role, timezone=timezone)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    if email_taken(email=email):
        raise ConflictError(
            EMAIL_TAKEN, code=AccountsError.EMAIL_TAKEN, fields={"email": [EMAIL_TAKEN]}
        )
    user.set_password(password)
    try:
        # Savepoint: a concurrent registration of the same email loses the race cleanly.
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ConflictError(
            EMAIL_TAKEN, code=AccountsError.EMAIL_TAKEN, fields={"email": [EMAIL_TAKEN]}
        ) from exc
    publish(
        "user.registered",
        {
            "user_id": str(user.pk),
            "role": user.role,
            "display_name": user.display_name,
            "timezone": user.timezone,
        },
        producer="accounts",
        actor_id=str(user.pk),
    )
    return user


@transaction.atomic
def update_profile(*, user: User, **changes: Any) -> User:
    reject_unknown_fields(changes, SELF_EDITABLE_FIELDS)
    if "timezone" in changes:
        _check_timezone(changes["timezone"])
    if "display_name" in changes:
        changes["display_name"] = changes["display_name"].strip()
        if not changes["display_name"]:
            raise ValidationError({"display_name": ["This field may not be blank."]})
    if model_update(instance=user, data=changes, fields=SELF_EDITABLE_FIELDS):
        _publish_updated(user=user, actor_id=user.pk)
    transaction.on_commit(lambda: forget_cached_user(user.pk))
    return user


@transaction.atomic
def user_changed_by_operator(
    *, user: User, changed_fields: Iterable[str] = (), operator_id: int | None = None
) -> None:
    """The admin saved a user (role, active flag, password): drop the cached auth copy, and
    tell other contexts when what they show about the user changed."""
    if set(changed_fields) & set(DISPLAY_FIELDS):
        _publish_updated(user=user, actor_id=operator_id)
    transaction.on_commit(lambda: forget_cached_user(user.pk))


def _publish_updated(*, user: User, actor_id: int | None) -> None:
    publish(
        "user.updated",
        {
            "user_id": str(user.pk),
            "display_name": user.display_name,
            "timezone": user.timezone,
            "roles": [user.role],
            "is_active": user.is_active,
        },
        producer="accounts",
        actor_id=str(actor_id) if actor_id is not None else None,
    )


def users_removed_by_operator(*, user_ids: list[int]) -> None:
    """Deleted users' tokens must stop working now, not when the cache entry expires."""

    def forget() -> None:
        for pk in user_ids:
            forget_cached_user(pk)

    transaction.on_commit(forget)


@transaction.atomic
def revoke_sessions(*, user: User) -> None:
    """Every token issued so far stops working: access tokens by their issue time (checked on
    each request against the cached user), refresh tokens by the blacklist."""
    now = django_timezone.now().replace(microsecond=0)  # token `iat` has whole seconds
    User.objects.filter(pk=user.pk).update(sessions_revoked_at=now)
    user.sessions_revoked_at = now
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=pk) for pk in outstanding.values_list("pk", flat=True)],
        ignore_conflicts=True,
    )
    transaction.on_commit(lambda: forget_cached_user(user.pk))


@transaction.atomic
def change_password(*, user: User, current_password: str, new_password: str) -> None:
    """Check the current password, apply the new one and end every other session."""
    if not user.check_password(current_password):
        raise ValidationError({"current_password": ["This is not your current password."]})
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoke_sessions(user=user)


@transaction.atomic
def log_out(*, refresh: str, everywhere: bool = False) -> None:
    """Blacklist this refresh token; with `everywhere`, end every session of its user.
    Raises simplejwt's TokenError for an invalid, expired or already used token."""
    # simplejwt annotates `token` as a Token; what it takes (and decodes) is the encoded str.
    token = RefreshToken(refresh)  # type: ignore[arg-type]
    token.blacklist()
    if everywhere:
        user = User.objects.filter(pk=token[jwt_settings.USER_ID_CLAIM]).first()
        if user is not None:
            revoke_sessions(user=user)
