"""Writes of the accounts context: one function per use case, keyword-only arguments."""

from __future__ import annotations

import io
import ipaddress
import json
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import structlog
from celery import current_app
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone as django_timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token
from rest_framework_simplejwt.utils import datetime_from_epoch

from apps.accounts.errors import AccountsError
from apps.accounts.models import (
    DataExport,
    DataExportStatus,
    Role,
    SessionFamily,
    User,
    validate_timezone,
)
from apps.accounts.selectors import email_taken, export_download_link
from gigsy import privacy
from gigsy.api.authentication import forget_cached_user
from gigsy.errors import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from gigsy.events import publish
from gigsy.events.redaction import pseudonymize_events
from gigsy.idempotency import forget_scope as forget_idempotency_keys
from gigsy.idempotency import user_scope
from gigsy.mail import forget_messages, send_mail_after_commit
from gigsy.tasks import enqueue_after_commit
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
DISPLAY_FIELDS = ("display_name", "timezone", "roles", "is_active", "email")


@transaction.atomic
def register_user(
    *, email: str, password: str, display_name: str, role: str, timezone: str = "UTC"
) -> User:
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": [f"Must be one of {', '.join(Role.values)}."]})
    _check_timezone(timezone)
    user = User(email=email, display_name=display_name.strip(), roles=[role], timezone=timezone)
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
            "role": role,
            "display_name": user.display_name,
            "timezone": user.timezone,
        },
        producer="accounts",
        actor_id=str(user.pk),
    )
    _send_verification_link(user, kind=_EMAIL)
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
            "roles": sorted(user.roles),
            "is_active": user.is_active,
        },
        producer="accounts",
        actor_id=str(actor_id) if actor_id is not None else None,
    )


# Roles anyone may take at once; the others need an operator's approval (docs/decisions/0020).
SELF_SERVICE_ROLES = frozenset({Role.LEARNER.value, Role.CLIENT.value})


def _roles_changed(*, user: User, actor_id: int | None) -> None:
    _publish_updated(user=user, actor_id=actor_id)
    transaction.on_commit(lambda: forget_cached_user(user.pk))


@transaction.atomic
def add_role(*, user: User, role: str) -> User:
    """The user takes a role: learner and client at once; instructor and mentor become a
    request an operator approves (`approve_requested_roles`), not held until then. Asking
    again for a held or requested role changes nothing."""
    _known_role(role)
    locked = _lock_user(user.pk)
    assert locked is not None
    if role in locked.roles or role in locked.requested_roles:
        return locked
    if role in SELF_SERVICE_ROLES:
        locked.roles = sorted({*locked.roles, role})
        locked.save(update_fields=["roles"])
        _roles_changed(user=locked, actor_id=locked.pk)
    else:
        locked.requested_roles = sorted({*locked.requested_roles, role})
        locked.save(update_fields=["requested_roles"])
    return locked


@transaction.atomic
def remove_role(*, user: User, role: str) -> User:
    """The user gives up a role (or withdraws a request for one); never their last role."""
    locked = _lock_user(user.pk)
    assert locked is not None
    if role in locked.requested_roles:
        locked.requested_roles = [r for r in locked.requested_roles if r != role]
        locked.save(update_fields=["requested_roles"])
        return locked
    if role not in locked.roles:
        raise NotFoundError("You do not hold this role.", code=AccountsError.ROLE_NOT_HELD)
    if len(locked.roles) == 1:
        raise ConflictError(
            "An account keeps at least one role: add another before removing this one.",
            code=AccountsError.LAST_ROLE,
        )
    locked.roles = [r for r in locked.roles if r != role]
    locked.save(update_fields=["roles"])
    _roles_changed(user=locked, actor_id=locked.pk)
    return locked


@transaction.atomic
def decide_requested_roles(*, user_id: int, approve: bool, operator_id: int | None) -> list[str]:
    """An operator approves (the roles become held) or refuses (the request is dropped) what the
    user asked for. Returns the roles decided on (none when nothing was requested)."""
    locked = _lock_user(user_id)
    if locked is None or not locked.requested_roles:
        return []
    decided = list(locked.requested_roles)
    if approve:
        locked.roles = sorted({*locked.roles, *decided})
    locked.requested_roles = []
    locked.save(update_fields=["roles", "requested_roles"])
    if approve:
        _roles_changed(user=locked, actor_id=operator_id)
    return decided


def _known_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": [f"Must be one of {', '.join(Role.values)}."]})


@transaction.atomic
def grant_role_by_operator(*, user_id: int, role: str, operator_id: int | None) -> bool:
    """An operator gives the account a role by hand: held at once, whatever the role (an
    instructor or mentor granted here counts as approved, so a request for it is dropped).
    Instructor verification (0011) stays a separate decision. False when already held."""
    _known_role(role)
    locked = _lock_user(user_id)
    if locked is None:
        raise NotFoundError("No such user.")
    if role in locked.roles:
        return False
    locked.roles = sorted({*locked.roles, role})
    locked.requested_roles = [r for r in locked.requested_roles if r != role]
    locked.save(update_fields=["roles", "requested_roles"])
    _roles_changed(user=locked, actor_id=operator_id)
    return True


@transaction.atomic
def remove_role_by_operator(*, user_id: int, role: str, operator_id: int | None) -> bool:
    """An operator takes a held role away; never the account's last one (ConflictError
    `last_role`, as when the user tries). A role only asked for is refused with
    `decide_requested_roles`, not here. False when the role is not held."""
    _known_role(role)
    locked = _lock_user(user_id)
    if locked is None:
        raise NotFoundError("No such user.")
    if role not in locked.roles:
        return False
    if len(locked.roles) == 1:
        raise ConflictError(
            "An account keeps at least one role: grant another before removing this one.",
            code=AccountsError.LAST_ROLE,
        )
    locked.roles = [r for r in locked.roles if r != role]
    locked.save(update_fields=["roles"])
    _roles_changed(user=locked, actor_id=operator_id)
    return True


def users_removed_by_operator(*, user_ids: list[int]) -> None:
    """Deleted users' tokens must stop working now, not when the cache entry expires."""

    def forget() -> None:
        for pk in user_ids:
            forget_cached_user(pk)

    transaction.on_commit(forget)


# --- sessions ------------------------------------------------------------------------------
#
# A session is a family of refresh tokens (SessionFamily): login starts one, each refresh
# rotates within it (the `fam` claim), logout ends it. A password change or "log out
# everywhere" ends them all and sets `sessions_revoked_at`, which every access token is
# checked against on every request (from the cached user) and every refresh token on refresh.
# Refreshes and revocations of one user take the user's row lock first, so a refresh either
# finishes before a revocation (its new tokens are older than the revocation and its family is
# revoked with the rest) or starts after it (and is refused): nothing survives the race
# (tests/accounts/test_session_race.py, docs/decisions/0004).

FAMILY_CLAIM = "fam"
ROLES_CLAIM = "roles"


class _SubSecondIssueTime:
    """`iat` with microseconds (RFC 7519's NumericDate may be fractional): a token minted in
    the same second as a revocation, but before it, is revoked too."""

    payload: dict[str, Any]
    current_time: datetime

    def set_iat(self, claim: str = "iat", at_time: datetime | None = None) -> None:
        self.payload[claim] = (at_time or self.current_time).timestamp()


class SessionAccessToken(_SubSecondIssueTime, AccessToken):
    pass


class SessionRefreshToken(_SubSecondIssueTime, RefreshToken):  # type: ignore[misc]  # simplejwt's own MRO
    access_token_class = SessionAccessToken

    @property
    def access_token(self) -> AccessToken:
        # Issued when the pair was, under the user's lock, not when a view serializes it after
        # the commit (a revocation may have happened in between).
        access = super().access_token
        access.set_iat(at_time=self.current_time)
        return access


class _PresentedRefreshToken(SessionRefreshToken):
    """A refresh token as presented: signature, expiry and type checked; the blacklist is
    looked at by `refresh_session` itself (a used token revokes its family)."""

    def verify(self, *args: Any, **kwargs: Any) -> None:
        Token.verify(self)


def _lock_user(user_id: Any) -> User | None:
    # FOR NO KEY UPDATE: serializes refreshes and revocations of this user without blocking
    # inserts that merely reference the row (tokens, families, other contexts' rows).
    return User.objects.select_for_update(no_key=True).filter(pk=user_id).first()


def _mint(*, user: User, family: SessionFamily) -> SessionRefreshToken:
    token = SessionRefreshToken()
    token[jwt_settings.USER_ID_CLAIM] = str(user.pk)
    token[FAMILY_CLAIM] = str(family.pk)
    # The roles held when minted (informative for clients: permission checks ask the account,
    # so a change counts from the next request; the next token carries it).
    token[ROLES_CLAIM] = sorted(user.roles)
    OutstandingToken.objects.create(
        user=user,
        jti=token[jwt_settings.JTI_CLAIM],
        token=str(token),
        created_at=token.current_time,
        expires_at=datetime_from_epoch(token["exp"]),
    )
    return token


# A short, safe label from a User-Agent: the first browser and the first system named in it,
# in this order of precedence (Edge and Opera also say "Chrome", Chrome also says "Safari").
_BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("okhttp/", "Android app"),
    ("Dart/", "Mobile app"),
    ("python-requests/", "Python script"),
)
_SYSTEMS = (
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)
_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def device_label(user_agent: str) -> str:
    """ "Firefox on Linux", "Chrome on Android", "Safari", "Unknown device": a label made of
    known words only, so nothing a client sends is shown back verbatim."""
    agent = _PRINTABLE.sub("", user_agent or "")[:512]
    browser = next((name for marker, name in _BROWSERS if marker in agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"


def network_of(ip: str | None) -> str:
    """The network an address belongs to (IPv4 /24, IPv6 /48), enough to recognise "at home"
    or "at work" without keeping the address; "" when there is none or it is not an IP."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@transaction.atomic
def start_session(
    *, user: User, user_agent: str = "", ip: str | None = None
) -> SessionRefreshToken:
    """A new session (login, or the caller's own after a password change): a new family and
    its first refresh token (`.access_token` gives the access token that goes with it). The
    family keeps a device label and the network of `ip`, not the address."""
    family = SessionFamily.objects.create(
        user=user, device_label=device_label(user_agent), network=network_of(ip)
    )
    return _mint(user=user, family=family)


@transaction.atomic
def end_session(*, user: User, session_id: Any) -> None:
    """The user ends one of their live sessions (from the list of sessions): its refresh
    tokens stop refreshing. Its access tokens live out their minutes (docs/decisions/0004,
    addendum 3). Another user's session, an ended one or an unknown id: NotFoundError."""
    try:
        family_id = uuid.UUID(str(session_id))
    except ValueError:
        family_id = None
    ended = family_id is not None and SessionFamily.objects.filter(
        pk=family_id, user=user, revoked_at__isnull=True
    ).update(revoked_at=django_timezone.now(), ended_because=SessionFamily.Ended.ENDED)
    if not ended:
        raise NotFoundError("No such session.")


@transaction.atomic
def end_sessions_by_operator(*, user: User, session_ids: Iterable[Any] | None = None) -> int:
    """An operator ends some of a user's sessions (`session_ids`), or all of them (None: as
    "log out everywhere", access tokens included). Returns how many sessions ended."""
    if session_ids is None:
        live = SessionFamily.objects.filter(user=user, revoked_at__isnull=True).count()
        revoke_sessions(user=user, because=SessionFamily.Ended.OPERATOR)
        return live
    return SessionFamily.objects.filter(
        pk__in=list(session_ids), user=user, revoked_at__isnull=True
    ).update(revoked_at=django_timezone.now(), ended_because=SessionFamily.Ended.OPERATOR)


def refresh_session(*, refresh: str) -> SessionRefreshToken:
    """Rotate a refresh token within its family. Refused (simplejwt's TokenError, a 401) when
    the token is invalid or expired, its user is gone or inactive, it was issued up to the
    user's last revocation, or its family was ended. A token that was already used (rotated
    or logged out) ends its whole family, so whichever of the thief and the owner refreshes
    next finds the session over (OAuth 2.0 Security BCP, refresh token rotation)."""
    presented = _PresentedRefreshToken(refresh)  # type: ignore[arg-type]
    reused = False
    with transaction.atomic():
        user = _lock_user(presented.get(jwt_settings.USER_ID_CLAIM))
        if user is None or not user.is_active:
            raise TokenError("No active account found for the given token.")
        if user.token_revoked(issued_at=presented.get("iat", 0)):
            raise TokenError("Token was revoked (password change or log out everywhere)")
        jti = presented[jwt_settings.JTI_CLAIM]
        used = BlacklistedToken.objects.filter(token__jti=jti).exists()
        family = _family_of(presented, user=user, used=used)
        if family.revoked_at is not None:
            raise TokenError("Token's session has ended")
        if used:
            _end_families([family.pk], because=SessionFamily.Ended.REUSE)
            reused = True
        else:
            presented.blacklist()
            rotated = _mint(user=user, family=family)
            SessionFamily.objects.filter(pk=family.pk).update(last_used_at=rotated.current_time)
    if reused:  # raised after the commit: the family stays ended
        raise TokenError("Token was already used: its session has ended")
    return rotated


def _family_of(token: RefreshToken, *, user: User, used: bool) -> SessionFamily:
    """The token's family. A token minted before families existed (no `fam` claim, at most
    JWT_REFRESH_DAYS after the upgrade) gets one on its first refresh; used again, it is
    refused like any used token, but there is no family to end."""
    family_id = token.get(FAMILY_CLAIM)
    if family_id is None:
        if used:
            raise TokenError("Token was already used")
        return SessionFamily.objects.create(user=user)
    try:
        family = SessionFamily.objects.filter(pk=uuid.UUID(str(family_id)), user=user).first()
    except ValueError:
        family = None
    if family is None:
        raise TokenError("Token's session is unknown")
    return family


def _end_families(family_ids: list[Any], *, because: str) -> None:
    SessionFamily.objects.filter(pk__in=family_ids, revoked_at__isnull=True).update(
        revoked_at=django_timezone.now(), ended_because=because
    )


@transaction.atomic
def password_set_by_operator(*, user: User) -> None:
    """An operator set the password in the admin: every session ends, as with a change."""
    revoke_sessions(user=user, because=SessionFamily.Ended.PASSWORD)


@transaction.atomic
def revoke_sessions(*, user: User, because: str = SessionFamily.Ended.EVERYWHERE) -> None:
    """Every token issued so far stops working: access tokens by their issue time (checked on
    each request against the cached user), refresh tokens by their issue time, their family
    and the blacklist. The user's row is locked before the revocation time is taken, so a
    refresh running now either finished before (and its family is ended here) or waits and
    is refused."""
    _lock_user(user.pk)
    now = django_timezone.now()
    User.objects.filter(pk=user.pk).update(sessions_revoked_at=now)
    user.sessions_revoked_at = now
    SessionFamily.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now, ended_because=because
    )
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=pk) for pk in outstanding.values_list("pk", flat=True)],
        ignore_conflicts=True,
    )
    transaction.on_commit(lambda: forget_cached_user(user.pk))


@transaction.atomic
def change_password(*, user: User, current_password: str, new_password: str) -> None:
    """Check the current password, apply the new one and end every session (the caller gets
    a new one from `start_session`)."""
    if not user.check_password(current_password):
        raise ValidationError({"current_password": ["This is not your current password."]})
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoke_sessions(user=user, because=SessionFamily.Ended.PASSWORD)


@transaction.atomic
def log_out(*, refresh: str, everywhere: bool = False) -> None:
    """End this refresh token's session (blacklist it, end its family); with `everywhere`,
    end every session of its user. Raises simplejwt's TokenError for an invalid, expired or
    already used token."""
    # simplejwt annotates `token` as a Token; what it takes (and decodes) is the encoded str.
    token = SessionRefreshToken(refresh)  # type: ignore[arg-type]
    user = _lock_user(token.get(jwt_settings.USER_ID_CLAIM))
    token.blacklist()
    if user is None:
        return
    if everywhere:
        revoke_sessions(user=user)
        return
    family_id = token.get(FAMILY_CLAIM)
    if family_id:  # signed by us: a well-formed UUID
        _end_families([uuid.UUID(str(family_id))], because=SessionFamily.Ended.LOGOUT)


# --- password reset ------------------------------------------------------------------------
# The token is "<user id, base64>.<Django's reset token>". Django's token is an HMAC (keyed by
# SECRET_KEY) over the user's id, password hash, last login, email and the issue time: it
# expires after PASSWORD_RESET_TIMEOUT and stops matching once the password changes, so it
# works once and dies with any password change (ours, the user's or an operator's).
password_reset_tokens = PasswordResetTokenGenerator()
_UNKNOWN = User(pk=0, email="unknown@invalid", password="!")  # noqa: S106 (an unusable hash)


def make_password_reset_token(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{uid}.{password_reset_tokens.make_token(user)}"


@transaction.atomic
def request_password_reset(*, email: str) -> None:
    """Email a reset link to the active account with this address, if there is one. The
    caller learns nothing either way: the same answer, and the token is computed for an
    unknown address too so both paths do the same hashing (the mail itself is sent by a
    Celery task after commit)."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not user.has_usable_password():
        make_password_reset_token(_UNKNOWN)
        return
    token = make_password_reset_token(user)
    send_mail_after_commit(
        to=user.email,
        template="accounts/password_reset",
        context={
            "display_name": user.display_name,
            "link": f"{settings.PUBLIC_APP_URL}/reset-password?token={token}",
            "valid_minutes": max(1, settings.PASSWORD_RESET_TIMEOUT // 60),
        },
        # One message per token: a redelivered task sends nothing.
        key=f"accounts.password_reset:{token}",
    )


def _invalid_reset_token() -> ApplicationError:
    return ApplicationError(
        "This password reset link is invalid or has expired; request a new one.",
        code=AccountsError.INVALID_RESET_TOKEN,
    )


@transaction.atomic
def reset_password(*, token: str, new_password: str) -> None:
    """Set a new password with a reset token and end every session. The user's row is locked
    before the token is checked, so two concurrent uses of one token cannot both succeed."""
    uid, _, reset_token = token.partition(".")
    try:
        user_id = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, UnicodeDecodeError):
        raise _invalid_reset_token() from None
    if not 0 < user_id < 2**63:  # a bigint; a forged id must not reach the database as one
        raise _invalid_reset_token()
    user = _lock_user(user_id)
    if (
        user is None
        or not user.is_active
        or not password_reset_tokens.check_token(user, reset_token)
    ):
        raise _invalid_reset_token()
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoke_sessions(user=user, because=SessionFamily.Ended.PASSWORD)


# --- email verification --------------------------------------------------------------------
# A link's token is Django's TimestampSigner over {"u": user id, "k": kind, "h": state}: the
# signature makes it unforgeable, its timestamp expires it (EMAIL_VERIFICATION_TIMEOUT_SECONDS),
# and `state` (an HMAC over what the link verifies: the address and the account's verification
# state) makes it single-use: once it is used, the state changes and no earlier link matches.
# Kind "email" verifies the account's address; "pending" confirms a change to `pending_email`.
_VERIFICATION_SALT = "apps.accounts.email_verification"
_EMAIL, _PENDING = "email", "pending"


def _verification_state(user: User, kind: str) -> str:
    if kind == _EMAIL:
        value = f"{user.pk}|{kind}|{user.email}|{user.email_verified_at}"
    else:
        value = f"{user.pk}|{kind}|{user.email}|{user.pending_email}"
    return salted_hmac(_VERIFICATION_SALT, value, algorithm="sha256").hexdigest()[:32]


def make_email_verification_token(user: User, kind: str = _EMAIL) -> str:
    payload = {"u": user.pk, "k": kind, "h": _verification_state(user, kind)}
    return signing.TimestampSigner(salt=_VERIFICATION_SALT).sign_object(payload)


def _send_verification_link(
    user: User, *, kind: str, template: str = "accounts/email_verification"
) -> None:
    token = make_email_verification_token(user, kind)
    send_mail_after_commit(
        to=user.pending_email if kind == _PENDING else user.email,
        template=template,
        context={
            "display_name": user.display_name,
            "link": f"{settings.PUBLIC_APP_URL}/verify-email?token={token}",
            "valid_days": max(1, settings.EMAIL_VERIFICATION_TIMEOUT_SECONDS // 86400),
            "change": kind == _PENDING,
        },
        # One message per token: a redelivered task sends nothing. Tokens signed within the
        # same second are equal, so a double click sends one mail.
        key=f"{template.replace('/', '.')}:{token}",
    )


def send_email_verification(*, user: User) -> None:
    """Email the account a link that verifies its address (after sign-up, or on request)."""
    if user.email_verified_at is not None:
        raise ConflictError(
            "Your email address is verified already.", code=AccountsError.EMAIL_ALREADY_VERIFIED
        )
    _send_verification_link(user, kind=_EMAIL)


def _invalid_verification_token() -> ApplicationError:
    return ApplicationError(
        "This verification link is invalid or has expired; ask for a new one.",
        code=AccountsError.INVALID_VERIFICATION_TOKEN,
    )


@transaction.atomic
def verify_email(*, token: str) -> None:
    """Mark the address a link was sent to as verified: the account's own, or the pending new
    one, which then replaces it. The row is locked before the state is compared, so a link
    works once even when opened twice at the same time."""
    try:
        payload = signing.TimestampSigner(salt=_VERIFICATION_SALT).unsign_object(
            token, max_age=settings.EMAIL_VERIFICATION_TIMEOUT_SECONDS
        )
        user_id, kind, state = payload["u"], payload["k"], payload["h"]
    except (signing.BadSignature, TypeError, KeyError, ValueError):
        raise _invalid_verification_token() from None
    if not isinstance(user_id, int) or kind not in (_EMAIL, _PENDING):
        raise _invalid_verification_token()
    user = _lock_user(user_id)
    if (
        user is None
        or not user.is_active
        or (kind == _PENDING and not user.pending_email)
        or (kind == _EMAIL and user.email_verified_at is not None)
        or not constant_time_compare(state, _verification_state(user, kind))
    ):
        raise _invalid_verification_token()
    if kind == _EMAIL:
        user.email_verified_at = django_timezone.now()
        user.save(update_fields=["email_verified_at"])
    else:
        new_email = user.pending_email
        if User.objects.filter(email=new_email).exclude(pk=user.pk).exists():
            raise ConflictError(
                EMAIL_TAKEN, code=AccountsError.EMAIL_TAKEN, fields={"email": [EMAIL_TAKEN]}
            )
        user.email, user.pending_email = new_email, ""
        user.email_verified_at = django_timezone.now()
        try:
            with transaction.atomic():
                user.save(update_fields=["email", "pending_email", "email_verified_at"])
        except IntegrityError as exc:
            raise ConflictError(
                EMAIL_TAKEN, code=AccountsError.EMAIL_TAKEN, fields={"email": [EMAIL_TAKEN]}
            ) from exc
        _publish_updated(user=user, actor_id=user.pk)
    transaction.on_commit(lambda: forget_cached_user(user.pk))


@transaction.atomic
def set_email_verified_by_operator(*, user_id: int, verified: bool) -> bool:
    """An operator marks the account's address verified by hand (as if its link had been
    opened) or not verified: the gates that need a verified address close from the next
    request, and the owner is mailed a new link to prove the address again. An active owner
    is told by mail either way; the operator's reason is not in the mail (it stays in the
    admin's history). A pending email change is left as it is. False when nothing changed."""
    user = _lock_user(user_id)
    if user is None:
        raise NotFoundError("No such user.")
    if (user.email_verified_at is not None) == verified:
        return False
    user.email_verified_at = django_timezone.now() if verified else None
    user.save(update_fields=["email_verified_at"])
    if user.is_active and user.email_verified_at is not None:
        send_mail_after_commit(
            to=user.email,
            template="accounts/email_verified_by_operator",
            context={"display_name": user.display_name},
            key=f"accounts.email_verified_by_operator:{user.pk}:{user.email_verified_at}",
        )
    elif user.is_active:
        _send_verification_link(user, kind=_EMAIL, template="accounts/email_unverified_by_operator")
    transaction.on_commit(lambda: forget_cached_user(user.pk))
    return True


@transaction.atomic
def request_email_change(*, user: User, new_email: str, password: str) -> None:
    """Ask to change the account's address: a link to the new address confirms it (only then
    does it replace the old one), and the old address is told. The password is re-entered."""
    if not user.check_password(password):
        raise ValidationError({"password": ["This is not your current password."]})
    new_email = new_email.strip().lower()
    if new_email == user.email:
        raise ValidationError({"new_email": ["This is your current address already."]})
    if email_taken(email=new_email):
        raise ConflictError(
            EMAIL_TAKEN, code=AccountsError.EMAIL_TAKEN, fields={"new_email": [EMAIL_TAKEN]}
        )
    locked = _lock_user(user.pk)
    if locked is None:
        raise NotFoundError("No such user.")
    locked.pending_email = new_email
    locked.save(update_fields=["pending_email"])
    _send_verification_link(locked, kind=_PENDING)
    send_mail_after_commit(
        to=locked.email,
        template="accounts/email_change_notice",
        context={"display_name": locked.display_name, "new_email": new_email},
        # No address in the key: mail records keep none (docs/decisions/0022).
        key=f"accounts.email_change_notice:{locked.pk}:{uuid.uuid4()}",
    )
    transaction.on_commit(lambda: forget_cached_user(locked.pk))


# --- leaving: data export and account deletion (docs/decisions/0022) ------------------------
#
# Export: a request creates a pending DataExport (one unfinished at a time) and queues
# `accounts.build_data_export` after commit; the task asks every context's
# `public.export_user` (gigsy.privacy) and writes one zip, `<context>.json` each plus a
# README.txt, then mails a link that works until the archive expires. Redelivered, the task
# finds the export no longer pending and does nothing; the mail has a key of its own.
#
# Deletion: the account row stays (other contexts' rows point at it) but is pseudonymized in
# the request, its sessions, exports and mail records are erased, the bus's kept copies of its
# events are pseudonymized, and `user.deleted` tells every other context to erase the rest.

DATA_EXPORT_TASK = "accounts.build_data_export"
# How long an export may stay pending before the sweep gives up on it (its task kept failing
# or was lost more than once); lost tasks are re-queued after DATA_EXPORT_REQUEUE_AFTER.
DATA_EXPORT_GIVE_UP_AFTER = timedelta(hours=6)
DATA_EXPORT_REQUEUE_AFTER = timedelta(minutes=10)
DELETED_NAME = "Deleted user"

log = structlog.get_logger(__name__)


def deleted_email(user_id: int) -> str:
    """A deleted account's address: unique, undeliverable (RFC 6761's .invalid), and frees
    the real one for a new sign-up."""
    return f"deleted-{user_id}@users.invalid"


@transaction.atomic
def request_data_export(*, user: User) -> DataExport:
    """Start collecting the user's data; the archive is built by a Celery task after commit.
    One unfinished export at a time: ConflictError `export_in_progress`."""
    in_progress = ConflictError(
        "An export of your data is already being prepared; you will get an email when it is ready.",
        code=AccountsError.EXPORT_IN_PROGRESS,
    )
    if DataExport.objects.filter(user_id=user.pk, status=DataExportStatus.PENDING).exists():
        raise in_progress
    try:
        with transaction.atomic():  # a double click loses the race on the partial unique index
            export = DataExport.objects.create(user_id=user.pk)
    except IntegrityError as exc:
        raise in_progress from exc
    enqueue_after_commit(current_app.signature(DATA_EXPORT_TASK), str(export.pk))
    return export


def _archive(files: dict[str, bytes], *, readme: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme)
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _readme(*, user_id: int, made_at: datetime, described: list[tuple[str, str, str]]) -> str:
    width = max((len(name) for name, _, _ in described), default=0)
    lines = [
        "Your data from Gigsy",
        "====================",
        "",
        f"Account {user_id}, collected on {made_at:%Y-%m-%d at %H:%M} UTC.",
        "",
        "Each part of Gigsy wrote what it keeps about you into one file of this archive.",
        "The files are JSON (UTF-8): any text editor shows them, and a program can read them.",
        "Times are ISO 8601 in UTC; an empty value (null) means nothing was recorded.",
        "",
    ]
    for name, title, description in described:
        lines.append(f"{name.ljust(width)}  {title}: {description}")
    lines += [
        "",
        "Not included: your password (Gigsy keeps only a one-way hash of it) and the secret",
        "parts of sign-in tokens.",
        "",
    ]
    return "\n".join(lines)


def build_data_export(*, export_id: Any) -> str | None:
    """Build a pending export's archive, mark it ready and mail its link. Safe to run again:
    an export that is no longer pending (ready, failed, expired, or deleted with its account)
    is left alone, and None is returned. An exporter that raises marks the export failed
    (logged, not retried: the same data would fail again). Returns the export's new status."""
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update()
            .select_related("user")
            .filter(pk=export_id, status=DataExportStatus.PENDING)
            .first()
        )
        if export is None:
            return None
        user = export.user
        made_at = django_timezone.now()
        files: dict[str, bytes] = {}
        described: list[tuple[str, str, str]] = []
        for exporter in privacy.exporters():
            try:
                # A savepoint: a query that fails inside an exporter leaves this transaction
                # usable for recording the failure.
                with transaction.atomic():
                    data = exporter.export(user.pk)
                content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            except Exception:
                log.exception(
                    "accounts.data_export_failed",
                    export_id=str(export.pk),
                    context=exporter.context,
                )
                export.status = DataExportStatus.FAILED
                export.completed_at = django_timezone.now()
                export.save(update_fields=["status", "completed_at"])
                return export.status
            files[f"{exporter.context}.json"] = content.encode()
            described.append((f"{exporter.context}.json", exporter.name, exporter.description))
        archive = _archive(
            files, readme=_readme(user_id=user.pk, made_at=made_at, described=described)
        )
        name = f"{export.pk}.zip"
        storage = export.archive.storage
        stored_as = export.archive.field.generate_filename(export, name)
        if storage.exists(stored_as):  # a run that wrote it and then died: no second archive
            storage.delete(stored_as)
        export.archive.save(name, ContentFile(archive), save=False)
        export.status = DataExportStatus.READY
        export.completed_at = django_timezone.now()
        export.expires_at = export.completed_at + timedelta(hours=settings.DATA_EXPORT_LINK_HOURS)
        export.save(update_fields=["status", "completed_at", "expires_at", "archive"])
        send_mail_after_commit(
            to=user.email,
            template="accounts/data_export_ready",
            context={
                "display_name": user.display_name,
                "link": export_download_link(export, now=export.completed_at),
                "valid_hours": settings.DATA_EXPORT_LINK_HOURS,
                "files": [name for name, _, _ in described],
            },
            # One message per export, however often the task runs.
            key=f"accounts.data_export:{export.pk}",
        )
        log.info("accounts.data_export_ready", export_id=str(export.pk), files=len(files))
        return export.status


def sweep_data_exports() -> dict[str, int]:
    """Beat: delete the archives of expired exports (status `expired`), re-queue pending
    exports whose task seems lost, and give up on those pending too long. Idempotent; rows
    another sweep holds are skipped."""
    now = django_timezone.now()
    expired = 0
    with transaction.atomic():
        due = DataExport.objects.select_for_update(skip_locked=True).filter(
            status=DataExportStatus.READY, expires_at__lte=now
        )
        for export in due:
            storage, name = export.archive.storage, export.archive.name
            export.status = DataExportStatus.EXPIRED
            export.archive.name = ""
            export.save(update_fields=["status", "archive"])
            if name:  # after commit: a rollback must not lose a file its row still names
                transaction.on_commit(partial(storage.delete, name))
            expired += 1
        failed = (
            DataExport.objects.filter(
                status=DataExportStatus.PENDING, requested_at__lte=now - DATA_EXPORT_GIVE_UP_AFTER
            )
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        gave_up = DataExport.objects.filter(pk__in=list(failed)).update(
            status=DataExportStatus.FAILED, completed_at=now
        )
        lost = list(
            DataExport.objects.filter(
                status=DataExportStatus.PENDING, requested_at__lte=now - DATA_EXPORT_REQUEUE_AFTER
            ).values_list("pk", flat=True)
        )
        for export_id in lost:
            enqueue_after_commit(current_app.signature(DATA_EXPORT_TASK), str(export_id))
    if gave_up:
        log.warning("accounts.data_exports_given_up", count=gave_up)
    return {"expired": expired, "failed": gave_up, "requeued": len(lost)}


@transaction.atomic
def delete_account(*, user: User, password: str) -> bool:
    """The owner deletes their account, re-entering the password. Operators are refused (one
    leaves through another operator in the admin); so is an account some context still needs
    (gigsy.privacy.deletion_blockers: ConflictError `deletion_blocked` listing why).

    In this transaction: the user row is pseudonymized and deactivated (never deleted: other
    contexts' rows point at it), every session ends and is erased with its tokens, exports and
    their archives are deleted, mail records about the account are forgotten, the events the
    bus still keeps about it are pseudonymized, and `user.deleted` is published once. False
    when the account was deleted meanwhile (nothing is done or published again)."""
    if user.is_staff:
        raise ForbiddenError(
            "Operator accounts are removed by another operator in the admin.",
            code=AccountsError.OPERATOR_CANNOT_DELETE_SELF,
        )
    locked = _lock_user(user.pk)
    if locked is None or locked.deleted_at is not None:
        return False
    if not locked.check_password(password):
        raise ValidationError({"password": ["This is not your current password."]})
    blockers = privacy.deletion_blockers(locked.pk)
    if blockers:
        raise ConflictError(
            "Your account cannot be deleted yet: " + " ".join(b.message for b in blockers),
            code=AccountsError.DELETION_BLOCKED,
            details={"blockers": [asdict(b) for b in blockers]},
        )
    _erase_account(locked)
    return True


def _erase_account(user: User) -> None:
    # Other contexts' records addressed to these (an invitation to co-teach) are erased now:
    # `user.deleted` carries no address, and by the time it arrives the account has none.
    privacy.forget_addresses([user.email, user.pending_email])
    old_values = {
        user.display_name: DELETED_NAME,
        user.email: deleted_email(user.pk),
        user.pending_email: deleted_email(user.pk),
        user.timezone: "UTC",
    }
    # Sessions end as with "log out everywhere" (tokens refused from now on), then go: their
    # device labels and networks are the user's.
    revoke_sessions(user=user, because=SessionFamily.Ended.EVERYWHERE)
    SessionFamily.objects.filter(user=user).delete()
    OutstandingToken.objects.filter(user=user).delete()
    # Exports: locked first, so an archive a worker is writing now is known before it goes.
    exports = list(DataExport.objects.select_for_update().filter(user=user))
    archives = [
        (export.archive.storage, export.archive.name)
        for export in exports
        if export.archive and export.archive.name
    ]
    DataExport.objects.filter(pk__in=[export.pk for export in exports]).delete()
    for storage, name in archives:  # after commit: a rollback must keep the files
        transaction.on_commit(partial(storage.delete, name))

    user.email = deleted_email(user.pk)
    user.display_name = DELETED_NAME
    user.pending_email = ""
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.roles = []
    user.requested_roles = []
    user.timezone = "UTC"
    user.email_verified_at = None
    user.last_login = None
    user.instructor_verified_at = None
    user.instructor_verified_by = None
    user.instructor_verification_reason = ""
    user.deleted_at = django_timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()

    # Kernel records: SentMail keys that name an address (email change notices), the answers
    # kept for the user's idempotency keys (they may name the user), the admin history's label
    # of the user (its __str__, the email), the bus's kept copies of events.
    forget_messages(key_prefix=f"accounts.email_change_notice:{user.pk}:")
    forget_idempotency_keys(scope=user_scope(user.pk))
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr=user.email)
    # accounts' own events about the user carry their display data (user.registered,
    # user.updated): whatever it was then, it becomes the pseudonym's.
    pseudonymize_events(
        person_id=user.pk,
        replacements=old_values,
        fields={"display_name": DELETED_NAME, "timezone": "UTC"},
    )
    publish(
        "user.deleted",
        {"user_id": str(user.pk), "pseudonym": DELETED_NAME},
        producer="accounts",
        actor_id=str(user.pk),
    )
    transaction.on_commit(lambda: forget_cached_user(user.pk))
