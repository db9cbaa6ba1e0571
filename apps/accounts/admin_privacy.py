"""Operators see data export requests (read-only) and deleted accounts (the user list's
"deleted" filter). Imported by apps/accounts/admin.py; docs/decisions/0022."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts.models import DataExport, User


class DeletedAccountFilter(admin.SimpleListFilter):
    """Deleted accounts stay as pseudonymized rows ("Deleted user", deleted-<id>@users.invalid)."""

    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Deleted by their owner"), ("no", "Not deleted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() in ("yes", "no"):
            return queryset.filter(deleted_at__isnull=self.value() == "no")
        return queryset


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    """Who asked for a copy of their data and what became of it; nothing here is editable
    (the archive itself is the user's: no link to it)."""

    list_display = ("id", "user", "status", "requested_at", "completed_at", "expires_at")
    list_filter = ("status",)
    search_fields = ("=user__id", "user__email")
    ordering = ("-requested_at",)
    fields = ("id", "user", "status", "requested_at", "completed_at", "expires_at")
    readonly_fields = fields
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
