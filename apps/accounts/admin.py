"""Operators manage users and roles here. Saving goes through the service so the cached auth
copy of the user is dropped (a deactivated user is locked out at once). Operators also verify
instructors (two actions, each asking for a written reason first): only a verified
instructor's courses get credentials signed by the platform (docs/decisions/0011). Email
addresses are verified or unverified by hand, and roles granted or removed by hand, with a
reason too (docs/decisions/0024); sessions are listed and ended on the user's page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    UserChangeForm,
)
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from apps.accounts import services
from apps.accounts.admin_privacy import DeletedAccountFilter  # also registers DataExportAdmin
from apps.accounts.models import Role, SessionFamily, User
from gigsy.errors import ConflictError


class LowercaseEmailMixin:
    """Emails are stored lower-cased everywhere (logins compare them that way)."""

    cleaned_data: dict[str, Any]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class RolesMixin:
    """Roles as boxes to tick (a set, stored sorted); an account keeps at least one."""

    cleaned_data: dict[str, Any]

    def clean_roles(self) -> list[str]:
        roles = sorted(set(self.cleaned_data.get("roles") or ()))
        if not roles:
            raise forms.ValidationError("An account holds at least one role.")
        return roles


def _roles_field(**kwargs: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=Role.choices, widget=forms.CheckboxSelectMultiple, **kwargs
    )


class UserCreationForm(LowercaseEmailMixin, RolesMixin, AdminUserCreationForm):
    roles = _roles_field(initial=[Role.LEARNER.value])

    class Meta:
        model = User
        fields = ("email", "display_name", "roles")


class UserEditForm(LowercaseEmailMixin, RolesMixin, UserChangeForm):
    roles = _roles_field()
    requested_roles = _roles_field(
        required=False,
        help_text="Asked for by the user, not held: approve or refuse them with the actions.",
    )

    class Meta:
        model = User
        fields = "__all__"


class VerificationReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="What was checked (or why it is withdrawn): kept with the account and in its "
        "history.",
    )


class RoleChangeForm(VerificationReasonForm):
    role = forms.ChoiceField(choices=Role.choices)

    field_order = ("role", "reason")


class EmailVerifiedFilter(admin.SimpleListFilter):
    title = "email verified"
    parameter_name = "email_verified"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Verified"), ("no", "Not verified")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() in ("yes", "no"):
            return queryset.filter(email_verified_at__isnull=self.value() == "no")
        return queryset


class VerifiedInstructorFilter(admin.SimpleListFilter):
    title = "verified instructor"
    parameter_name = "verified_instructor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Verified"), ("no", "Instructors not verified")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() == "yes":
            return queryset.filter(instructor_verified_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(
                roles__contains=[Role.INSTRUCTOR], instructor_verified_at__isnull=True
            )
        return queryset


class RoleFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in Role.choices] + [
            ("requested", "Waiting for approval")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() == "requested":
            return queryset.exclude(requested_roles=[])
        if self.value() in Role.values:
            return queryset.filter(roles__contains=[self.value()])
        return queryset


class SessionEndingPasswordForm(AdminPasswordChangeForm):
    """An operator setting a user's password ends every session of that account, as the user's
    own password change does: a stolen refresh token must not outlive it."""

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        if commit:
            services.password_set_by_operator(user=user)
        return user


class EndSessionForm(forms.ModelForm):
    """A session row of the user page: read-only but for the box that ends it."""

    end = forms.BooleanField(required=False, label="End this session")

    class Meta:
        model = SessionFamily
        fields: tuple[str, ...] = ()


class SessionInline(admin.TabularInline):
    """The user's live sessions, newest first. Ticking "End this session" and saving the user
    ends it (services.end_sessions_by_operator); the action "End every session" ends them all."""

    model = SessionFamily
    form = EndSessionForm
    fields = ("device_label", "network", "created_at", "last_used_at", "end")
    readonly_fields = ("device_label", "network", "created_at", "last_used_at")
    extra = 0
    can_delete = False
    verbose_name = "live session"
    verbose_name_plural = "live sessions"

    def get_queryset(self, request: HttpRequest) -> QuerySet[SessionFamily]:
        return super().get_queryset(request).filter(revoked_at__isnull=True).order_by("-created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = (SessionInline,)
    form = UserEditForm
    add_form = UserCreationForm
    change_password_form = SessionEndingPasswordForm
    ordering = ("-date_joined",)
    list_display = (
        "email",
        "display_name",
        "roles_held",
        "email_verified",
        "verified_instructor",
        "is_staff",
        "is_active",
        "date_joined",
    )
    list_filter = (
        RoleFilter,
        EmailVerifiedFilter,
        VerifiedInstructorFilter,
        "is_staff",
        "is_superuser",
        "is_active",
        DeletedAccountFilter,
    )
    search_fields = ("email", "display_name")
    # Verification is changed only by the actions below (with a reason) or by the owner's
    # emailed link, never typed in.
    readonly_fields = (
        "last_login",
        "date_joined",
        "email_verified_at",
        "pending_email",
        "instructor_verified_at",
        "instructor_verified_by",
        "instructor_verification_reason",
    )
    actions = [
        "verify_emails",
        "unverify_emails",
        "grant_role",
        "remove_role",
        "approve_requested_roles",
        "refuse_requested_roles",
        "verify_instructors",
        "unverify_instructors",
        "end_all_sessions",
    ]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Email address", {"fields": ("email_verified_at", "pending_email")}),
        ("Profile", {"fields": ("display_name", "roles", "requested_roles", "timezone")}),
        (
            "Instructor verification",
            {
                "fields": (
                    "instructor_verified_at",
                    "instructor_verified_by",
                    "instructor_verification_reason",
                )
            },
        ),
        (
            "Operator access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "roles", "password1", "password2"),
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:
            services.user_changed_by_operator(
                user=obj, changed_fields=form.changed_data, operator_id=request.user.pk
            )

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        # A save that does not carry the sessions' rows (a script, or a page rendered before
        # the session list existed) saves the user alone instead of failing on the formset's
        # missing management form.
        prefix = SessionFamily.user.field.remote_field.get_accessor_name()
        if request.method == "POST" and f"{prefix}-TOTAL_FORMS" not in request.POST:
            return ()
        return super().get_inlines(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not SessionFamily:
            super().save_formset(request, form, formset, change)
            return
        # Sessions are never edited here, only ended (through the service).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        ending = [f.instance.pk for f in formset.forms if f.cleaned_data.get("end")]
        if ending:
            ended = services.end_sessions_by_operator(user=form.instance, session_ids=ending)
            self.log_change(request, form.instance, f"Ended {ended} session(s).")
            self.message_user(request, f"Ended {ended} session(s).", messages.SUCCESS)

    @admin.action(description="End every session of the selected users", permissions=["change"])
    def end_all_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        total = 0
        for user in queryset.order_by("pk"):
            ended = services.end_sessions_by_operator(user=user)
            self.log_change(request, user, f"Ended every session ({ended}).")
            total += ended
        self.message_user(
            request,
            f"Ended {total} session(s) of {queryset.count()} user(s); their access tokens "
            "stop working too.",
            messages.SUCCESS,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        user_id = obj.pk
        super().delete_model(request, obj)
        services.users_removed_by_operator(user_ids=[user_id])

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        user_ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        services.users_removed_by_operator(user_ids=user_ids)

    def _reason_page(
        self,
        request: HttpRequest,
        queryset: QuerySet[User],
        *,
        form: forms.Form,
        template: str,
        action: str,
        title: str,
        submit_label: str,
        **extra: Any,
    ) -> TemplateResponse:
        """The intermediate page of an action that asks for a reason (action_with_reason.html)."""
        selected = list(queryset.order_by("pk"))
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "action": action,
            "opts": self.model._meta,
            "form": form,
            "users": selected,
            "objects": selected,
            "submit_label": submit_label,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
            **extra,
        }
        return TemplateResponse(request, f"admin/accounts/user/{template}", context)

    @admin.display(boolean=True, description="email verified")
    def email_verified(self, user: User) -> bool:
        return user.email_verified_at is not None

    @admin.action(description="Mark the selected email addresses verified", permissions=["change"])
    def verify_emails(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse | None:
        return self._set_email_verified(request, queryset, verified=True)

    @admin.action(
        description="Mark the selected email addresses not verified", permissions=["change"]
    )
    def unverify_emails(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse | None:
        return self._set_email_verified(request, queryset, verified=False)

    def _set_email_verified(
        self, request: HttpRequest, queryset: QuerySet[User], *, verified: bool
    ) -> TemplateResponse | None:
        """First a page asking why; its submit (carrying `apply`) changes the addresses, each
        through the service (which mails the owner), and records the reason in the history."""
        form = VerificationReasonForm(request.POST if "apply" in request.POST else None)
        if not (form.is_bound and form.is_valid()):
            return self._reason_page(
                request,
                queryset,
                form=form,
                template="address_verification.html",
                action="verify_emails" if verified else "unverify_emails",
                title="Verify email addresses" if verified else "Unverify email addresses",
                submit_label="Mark verified" if verified else "Mark not verified",
                verify=verified,
            )
        reason = form.cleaned_data["reason"]
        done: list[str] = []
        unchanged: list[str] = []
        for user in queryset.order_by("pk"):
            if services.set_email_verified_by_operator(user_id=user.pk, verified=verified):
                verb = "verified" if verified else "marked not verified"
                self.log_change(request, user, f"Email address {verb}: {reason}")
                done.append(user.email)
            else:
                unchanged.append(user.email)
        if done:
            what = "verified" if verified else "not verified (a new link was mailed)"
            self.message_user(request, f"Marked {what}: {', '.join(done)}.", messages.SUCCESS)
        if unchanged:
            state = "verified" if verified else "not verified"
            self.message_user(
                request, f"Already {state}, left unchanged: {', '.join(unchanged)}.", messages.INFO
            )
        return None

    @admin.action(description="Grant a role to the selected users", permissions=["change"])
    def grant_role(self, request: HttpRequest, queryset: QuerySet[User]) -> TemplateResponse | None:
        return self._change_role(request, queryset, grant=True)

    @admin.action(description="Remove a role from the selected users", permissions=["change"])
    def remove_role(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse | None:
        return self._change_role(request, queryset, grant=False)

    def _change_role(
        self, request: HttpRequest, queryset: QuerySet[User], *, grant: bool
    ) -> TemplateResponse | None:
        """A page asking which role and why; then each user through the service (which
        publishes `user.updated` and forgets the cached user, as the API's role changes do)."""
        form = RoleChangeForm(request.POST if "apply" in request.POST else None)
        if not (form.is_bound and form.is_valid()):
            return self._reason_page(
                request,
                queryset,
                form=form,
                template="role_change.html",
                action="grant_role" if grant else "remove_role",
                title="Grant a role" if grant else "Remove a role",
                submit_label="Grant" if grant else "Remove",
                grant=grant,
            )
        role, reason = form.cleaned_data["role"], form.cleaned_data["reason"]
        change = services.grant_role_by_operator if grant else services.remove_role_by_operator
        done: list[str] = []
        unchanged: list[str] = []
        last_role: list[str] = []
        for user in queryset.order_by("pk"):
            try:
                changed = change(user_id=user.pk, role=role, operator_id=request.user.pk)
            except ConflictError:
                last_role.append(user.email)
                continue
            if changed:
                verb = "Granted" if grant else "Removed"
                self.log_change(request, user, f"{verb} role {role}: {reason}")
                done.append(user.email)
            else:
                unchanged.append(user.email)
        if done:
            verb = "Granted" if grant else "Removed"
            self.message_user(request, f"{verb} {role}: {', '.join(done)}.", messages.SUCCESS)
        if unchanged:
            state = "Already hold" if grant else "Do not hold"
            self.message_user(request, f"{state} {role}: {', '.join(unchanged)}.", messages.INFO)
        if last_role:
            self.message_user(
                request,
                f"Not removed, {role} is their only role (an account keeps at least one; grant "
                f"another first): {', '.join(last_role)}.",
                messages.ERROR,
            )
        return None

    @admin.display(description="roles")
    def roles_held(self, user: User) -> str:
        held = ", ".join(user.roles)
        return (
            f"{held} (asked: {', '.join(user.requested_roles)})" if user.requested_roles else held
        )

    @admin.action(
        description="Approve the roles the selected users asked for", permissions=["change"]
    )
    def approve_requested_roles(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse | None:
        return self._decide_roles(request, queryset, approve=True)

    @admin.action(
        description="Refuse the roles the selected users asked for", permissions=["change"]
    )
    def refuse_requested_roles(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse | None:
        return self._decide_roles(request, queryset, approve=False)

    def _decide_roles(
        self, request: HttpRequest, queryset: QuerySet[User], *, approve: bool
    ) -> TemplateResponse | None:
        """A page asking why (kept in the user's history), then the decision."""
        form = VerificationReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            done: list[str] = []
            for user in queryset.order_by("pk"):
                decided = services.decide_requested_roles(
                    user_id=user.pk, approve=approve, operator_id=request.user.pk
                )
                if decided:
                    verb = "Approved" if approve else "Refused"
                    self.log_change(request, user, f"{verb} role(s) {', '.join(decided)}: {reason}")
                    done.append(f"{user.email} ({', '.join(decided)})")
            if done:
                verb = "Approved" if approve else "Refused"
                self.message_user(request, f"{verb}: {'; '.join(done)}.", messages.SUCCESS)
            else:
                self.message_user(request, "None of them asked for a role.", messages.INFO)
            return None
        selected = list(queryset.order_by("pk"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Approve requested roles" if approve else "Refuse requested roles",
            "approve": approve,
            "action": "approve_requested_roles" if approve else "refuse_requested_roles",
            "opts": self.model._meta,
            "form": form,
            "users": selected,
            "objects": selected,
            "submit_label": "Approve" if approve else "Refuse",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/accounts/user/role_requests.html", context)

    @admin.display(boolean=True, description="verified instructor")
    def verified_instructor(self, user: User) -> bool:
        return user.is_verified_instructor

    @admin.action(description="Verify the selected instructors", permissions=["change"])
    def verify_instructors(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse | None:
        """First a page asking what was checked; its submit (carrying `apply`) verifies."""
        return self._with_reason(request, queryset, verify=True)

    @admin.action(description="Withdraw instructor verification", permissions=["change"])
    def unverify_instructors(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse | None:
        return self._with_reason(request, queryset, verify=False)

    def _with_reason(
        self, request: HttpRequest, queryset: QuerySet[User], *, verify: bool
    ) -> TemplateResponse | None:
        form = VerificationReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            users = list(queryset.order_by("pk"))
            if verify:
                self._verify(request, users, reason=reason)
            else:
                self._unverify(request, users, reason=reason)
            return None  # back to the changelist, with the messages
        selected = list(queryset.order_by("pk"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Verify instructors" if verify else "Withdraw instructor verification",
            "verify": verify,
            "action": "verify_instructors" if verify else "unverify_instructors",
            "opts": self.model._meta,
            "form": form,
            "users": selected,
            "objects": selected,
            "submit_label": "Verify" if verify else "Withdraw verification",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/accounts/user/verification.html", context)

    def _verify(self, request: HttpRequest, users: list[User], *, reason: str) -> None:
        done: list[str] = []
        already: list[str] = []
        refused: list[str] = []
        for user in users:
            with transaction.atomic():
                # Conditional update: two operators verifying at once record the first one.
                changed = User.objects.filter(
                    pk=user.pk,
                    roles__contains=[Role.INSTRUCTOR],
                    is_active=True,
                    instructor_verified_at__isnull=True,
                ).update(
                    instructor_verified_at=timezone.now(),
                    instructor_verified_by_id=request.user.pk,
                    instructor_verification_reason=reason,
                )
                if changed:
                    self.log_change(request, user, f"Verified as instructor: {reason}")
                    done.append(user.email)
                elif user.instructor_verified_at is not None:
                    already.append(user.email)
                else:
                    refused.append(user.email)
        if done:
            self.message_user(
                request, f"Verified {len(done)} instructor(s): {', '.join(done)}.", messages.SUCCESS
            )
        if already:
            self.message_user(
                request, f"Already verified, left unchanged: {', '.join(already)}.", messages.INFO
            )
        if refused:
            self.message_user(
                request,
                f"Not active instructors, not verified: {', '.join(refused)}.",
                messages.WARNING,
            )

    def _unverify(self, request: HttpRequest, users: list[User], *, reason: str) -> None:
        done: list[str] = []
        for user in users:
            with transaction.atomic():
                changed = User.objects.filter(
                    pk=user.pk, instructor_verified_at__isnull=False
                ).update(
                    instructor_verified_at=None,
                    instructor_verified_by_id=None,
                    instructor_verification_reason=reason,
                )
                if changed:
                    self.log_change(request, user, f"Verification withdrawn: {reason}")
                    done.append(user.email)
        if done:
            self.message_user(
                request,
                f"Withdrew verification of {len(done)} instructor(s): {', '.join(done)}. "
                "Certificates the platform already issued for their courses stay valid until "
                "revoked.",
                messages.SUCCESS,
            )
        else:
            self.message_user(request, "None of them was verified.", messages.INFO)
