"""Operators manage users and roles here. Saving goes through the service so the cached auth
copy of the user is dropped (a deactivated user is locked out at once)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest

from apps.accounts import services
from apps.accounts.models import User


class LowercaseEmailMixin:
    """Emails are stored lower-cased everywhere (logins compare them that way)."""

    cleaned_data: dict[str, Any]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class UserCreationForm(LowercaseEmailMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name", "role")


class UserEditForm(LowercaseEmailMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("-date_joined",)
    list_display = ("email", "display_name", "role", "is_staff", "is_active", "date_joined")
    list_filter = ("role", "is_staff", "is_superuser", "is_active")
    search_fields = ("email", "display_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "role", "timezone")}),
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
                "fields": ("email", "display_name", "role", "password1", "password2"),
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:
            services.user_changed_by_operator(
                user=obj, changed_fields=form.changed_data, operator_id=request.user.pk
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        user_id = obj.pk
        super().delete_model(request, obj)
        services.users_removed_by_operator(user_ids=[user_id])

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        user_ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        services.users_removed_by_operator(user_ids=user_ids)
