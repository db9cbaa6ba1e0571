"""The accounts context's public surface: the only module another context may import.

Every function returns plain frozen dataclasses or ids, never a model instance, so no other
context can read a user's columns through the ORM (docs/decisions/0001, 0010). The principal
functions take the authenticated request user (`request.user`, built by the JWT layer from a
cache with no query) and answer from it without touching the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import Q

from apps.accounts import selectors
from apps.accounts.models import Role, User

ROLES: tuple[str, ...] = tuple(Role.values)
INSTRUCTOR = Role.INSTRUCTOR.value
LEARNER = Role.LEARNER.value
CLIENT = Role.CLIENT.value
MENTOR = Role.MENTOR.value


class Principal(Protocol):
    """What other contexts may rely on from `request.user`: its id and whether it is signed in.
    Anything else (role, staff status, name) is asked of this module.

    Read-only members, so Django's `User` (a signed-in caller, the test factories' users) and
    `AnonymousUser` (`pk` None) both satisfy it."""

    @property
    def pk(self) -> int | None: ...

    @property
    def is_authenticated(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class UserSummary:
    """What another context may show about a user."""

    id: int
    display_name: str
    email: str
    timezone: str
    roles: frozenset[str]
    is_active: bool
    is_operator: bool
    # Whether the owner proved the address is theirs (docs/decisions/0021).
    email_verified: bool = False


_SUMMARY_FIELDS = (
    "id",
    "display_name",
    "email",
    "timezone",
    "roles",
    "is_active",
    "is_staff",
    "email_verified_at",
)


def _summary(row: dict[str, Any]) -> UserSummary:
    return UserSummary(
        id=row["id"],
        display_name=row["display_name"],
        email=row["email"],
        timezone=row["timezone"],
        roles=frozenset(row["roles"]),
        is_active=row["is_active"],
        is_operator=row["is_staff"],
        email_verified=row["email_verified_at"] is not None,
    )


def summary_of(user: User) -> UserSummary:
    """The summary of a user object this context already holds (no query)."""
    return _summary({field: getattr(user, field) for field in _SUMMARY_FIELDS})


def get_user(user_id: int) -> UserSummary | None:
    row = User.objects.filter(pk=user_id).values(*_SUMMARY_FIELDS).first()
    return _summary(row) if row else None


def get_users(user_ids: Iterable[int]) -> dict[int, UserSummary]:
    """Summaries by id, in one query; unknown ids are simply absent."""
    ids = {int(user_id) for user_id in user_ids}
    if not ids:
        return {}
    rows = User.objects.filter(pk__in=ids).values(*_SUMMARY_FIELDS)
    return {row["id"]: _summary(row) for row in rows}


def find_active_user_by_email(email: str) -> UserSummary | None:
    """The active account with this address (emails are stored lower-cased)."""
    row = (
        User.objects.filter(email=email.strip().lower(), is_active=True)
        .values(*_SUMMARY_FIELDS)
        .first()
    )
    return _summary(row) if row else None


def search_user_ids(text: str, *, among: Iterable[int] | None = None) -> list[int]:
    """Ids of users whose display name or email contains `text` (case-insensitive),
    optionally only among the given ids."""
    query = User.objects.filter(Q(display_name__icontains=text) | Q(email__icontains=text))
    if among is not None:
        query = query.filter(pk__in=list(among))
    return list(query.values_list("pk", flat=True))


def is_verified_instructor(user_id: int) -> bool:
    """Whether an operator has verified this account as an instructor (an admin action with a
    reason) and it is still an active instructor: the platform signs credentials only for
    courses such a person created (docs/decisions/0011). One query; False for unknown ids."""
    return User.objects.filter(
        pk=user_id,
        is_active=True,
        roles__contains=[Role.INSTRUCTOR],
        instructor_verified_at__isnull=False,
    ).exists()


def user_id_of(principal: Principal) -> int:
    """The signed-in caller's id, for use cases that act for a user (their views let only
    signed-in callers in). An anonymous caller here is a bug, and fails as loudly as the ORM
    does when handed an `AnonymousUser`."""
    if principal.pk is None:
        raise TypeError("An anonymous caller has no user id: this use case needs a signed-in user.")
    return principal.pk


def is_operator(principal: Principal) -> bool:
    """Staff users run the platform; anonymous users are not operators."""
    # Staff status is accounts' to read, so it is not part of `Principal`.
    return bool(
        getattr(principal, "is_authenticated", False) and getattr(principal, "is_staff", False)
    )


def has_role(principal: Principal, role: str) -> bool:
    """Whether the signed-in user holds `role` (answered from the request user, no query)."""
    if not getattr(principal, "is_authenticated", False):
        return False
    return role in roles_of(principal)


def roles_of(principal: Principal) -> frozenset[str]:
    """The roles the signed-in user holds (a set: docs/decisions/0020); none when anonymous.
    Roles asked for and not yet approved are not held."""
    if not getattr(principal, "is_authenticated", False):
        return frozenset()
    return frozenset(getattr(principal, "roles", None) or ())


def is_email_verified(principal: Principal) -> bool:
    """Whether the signed-in user has verified their email address (answered from the request
    user, no query). Unverified accounts may browse and learn but not post a gig, apply, fund
    or be paid; anonymous callers are not verified."""
    if not getattr(principal, "is_authenticated", False):
        return False
    return getattr(principal, "email_verified_at", None) is not None


def display_name_of(principal: Principal) -> str:
    return str(getattr(principal, "display_name", "") or "")


def export_user(user_id: int) -> dict[str, Any]:
    """Your account (email, display name, roles, time zone, verification, dates), your
    sign-ins (device, network, dates) and the data exports you asked for.

    For the data export (gigsy.privacy); never a password hash or token material."""
    return selectors.user_export(user_id=user_id)
