"""Identity: one user model, logged in by email, with a set of roles. Staff are operators.
Also the data exports a user asks for (docs/decisions/0022)."""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, Permission
from django.contrib.auth.models import PermissionsMixin as DjangoPermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone as django_timezone


class Role(models.TextChoices):
    LEARNER = "learner", "Learner"
    CLIENT = "client", "Client"
    MENTOR = "mentor", "Mentor"
    INSTRUCTOR = "instructor", "Instructor"


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not an IANA time zone, e.g. 'Europe/Berlin'.")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("roles", [Role.LEARNER.value])
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # Logins match emails case-insensitively: they are stored lower-cased.
        return self.get(email=(username or "").strip().lower())

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("display_name", "Operator")
        return self.create_user(email, password, **extra)


class PermissionsMixin(DjangoPermissionsMixin):
    """Django's mixin with its M2M tables moved into our schema (the default names would be
    derived from our quoted db_table and be invalid)."""

    groups = models.ManyToManyField(
        Group,
        blank=True,
        related_name="user_set",
        related_query_name="user",
        db_table='"accounts"."user_groups"',
        help_text="The groups this user belongs to (operators' permissions).",
    )
    user_permissions = models.ManyToManyField(
        Permission,
        blank=True,
        related_name="user_set",
        related_query_name="user",
        db_table='"accounts"."user_permissions"',
        help_text="Specific permissions for this user.",
    )

    class Meta:
        abstract = True


class User(AbstractBaseUser, PermissionsMixin):
    # Stored lower-cased (UserManager, services), so uniqueness is case-insensitive.
    email = models.EmailField(max_length=254, unique=True)
    display_name = models.CharField(max_length=80)
    # The roles held (docs/decisions/0020): a set, stored sorted and without repeats by the
    # services; never empty for a person (operators are staff, not a role).
    roles = ArrayField(
        models.CharField(max_length=16, choices=Role.choices), default=list, blank=True
    )
    # Instructor and mentor asked for by the user and not yet approved by an operator: not held.
    requested_roles = ArrayField(
        models.CharField(max_length=16, choices=Role.choices), default=list, blank=True
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Operators: may log into the admin and run the platform."
    )
    date_joined = models.DateTimeField(default=django_timezone.now)
    # Tokens issued up to this instant (microseconds) stop working: a password change or "log out
    # everywhere" (services.revoke_sessions). Compared with a token's `iat`, which has microseconds
    # too (services.SessionRefreshToken).
    sessions_revoked_at = models.DateTimeField(null=True, blank=True)
    # Instructor verification (docs/decisions/0011): set by an operator's admin action, with a
    # written reason; only a verified instructor's courses get platform-signed credentials.
    instructor_verified_at = models.DateTimeField(null=True, blank=True)
    instructor_verified_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The reason of the last verification or withdrawal (the admin log keeps every one).
    instructor_verification_reason = models.CharField(max_length=300, blank=True, default="")
    # Email verification (docs/decisions/0021): when the owner proved `email` is theirs by
    # opening an emailed link; None until then. `pending_email` is an address the user asked to
    # change to: it replaces `email` only when its own link is opened.
    email_verified_at = models.DateTimeField(null=True, blank=True)
    pending_email = models.EmailField(max_length=254, blank=True, default="")
    # When the owner deleted the account (docs/decisions/0022). The row stays, pseudonymized
    # and inactive, because other contexts' rows (and, later, the ledger) point at it.
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["display_name"]

    class Meta:
        db_table = '"accounts"."user"'

    def __str__(self) -> str:
        return self.email

    @property
    def is_operator(self) -> bool:
        return self.is_staff

    @property
    def is_verified_instructor(self) -> bool:
        return (
            self.instructor_verified_at is not None
            and self.is_active
            and Role.INSTRUCTOR in self.roles
        )

    def token_revoked(self, *, issued_at: float) -> bool:
        """Whether a token issued at `issued_at` (its `iat`: seconds with microseconds; whole
        seconds in tokens minted before issue 10, which then count as issued at the start of
        their second) was ended by a password change or "log out everywhere". Asked by the
        kernel's JWT authentication on every request and by every refresh."""
        revoked_at = self.sessions_revoked_at
        return revoked_at is not None and issued_at <= revoked_at.timestamp()


class SessionFamily(models.Model):
    """One sign-in and every refresh token rotated from it: the tokens carry its id in their
    `fam` claim. Revoking the family ends that session whichever of its tokens is presented
    next, including one minted while the revocation ran (docs/decisions/0004, addendum 2)."""

    class Ended(models.TextChoices):
        LOGOUT = "logout", "Logged out"
        EVERYWHERE = "everywhere", "Logged out everywhere"
        PASSWORD = "password", "Password changed"
        REUSE = "reuse", "A used refresh token was presented again"
        ENDED = "ended", "Ended from the list of sessions"
        OPERATOR = "operator", "Ended by an operator"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="session_families")
    created_at = models.DateTimeField(default=django_timezone.now)
    # When a refresh token of the family was last exchanged (the login, then every refresh).
    last_used_at = models.DateTimeField(default=django_timezone.now)
    # What the user sees in their list of sessions: a short label parsed from the login's
    # User-Agent ("Firefox on Linux") and the network the login came from (IPv4 /24, IPv6 /48),
    # never the full address (docs/decisions/0004, addendum 3).
    device_label = models.CharField(max_length=64, blank=True, default="")
    network = models.CharField(max_length=64, blank=True, default="")
    revoked_at = models.DateTimeField(null=True, blank=True)
    ended_because = models.CharField(max_length=16, choices=Ended.choices, blank=True)

    class Meta:
        db_table = '"accounts"."session_family"'
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="accounts_session_family_live",
            )
        ]

    def __str__(self) -> str:
        return f"session {self.pk} of user {self.user_id}"


class DataExportStatus(models.TextChoices):
    PENDING = "pending", "Being prepared"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired (archive deleted)"


class DataExport(models.Model):
    """A user's request for a copy of their data: a zip archive built by a Celery task from
    every context's `public.export_user` (gigsy.privacy), downloadable until `expires_at`, then
    deleted by the beat sweep (docs/decisions/0022)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(
        max_length=8, choices=DataExportStatus.choices, default=DataExportStatus.PENDING
    )
    requested_at = models.DateTimeField(default=django_timezone.now)
    # When the archive was written (ready) or the attempt given up (failed).
    completed_at = models.DateTimeField(null=True, blank=True)
    # The archive, and every link to it, works until then.
    expires_at = models.DateTimeField(null=True, blank=True)
    # In the default storage, named by the export's id only (no personal data in the path).
    archive = models.FileField(upload_to="exports/", blank=True)

    class Meta:
        db_table = '"accounts"."data_export"'
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # One unfinished export per user at a time (a second request is a 409).
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="accounts_data_export_one_pending",
            )
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "-requested_at"], name="accounts_data_export_user")
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of user {self.user_id} ({self.status})"
