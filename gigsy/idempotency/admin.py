"""Operators can look up a key (a customer says "I clicked twice") and release a stuck one."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gigsy.idempotency.models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("key", "scope", "method", "route", "state", "response_status", "created_at")
    list_filter = ("state", "method")
    search_fields = ("=key", "=scope")
    search_help_text = "An exact key, or a scope (user:<id>)."
    ordering = ("-created_at", "-id")
    readonly_fields = (
        "scope",
        "key",
        "method",
        "path",
        "route",
        "fingerprint",
        "state",
        "response_status",
        "response_body",
        "response_headers",
        "created_at",
        "started_at",
        "completed_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # what was answered is not edited; deleting a key lets it run again
