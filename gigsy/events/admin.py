"""Operators inspect the outbox and dead letters, and replay dead letters once fixed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from gigsy.events import inbox, registry
from gigsy.events.models import DeadLetter, OutboxEvent

if TYPE_CHECKING:  # ModelAdmin is generic only in the stubs (no django_stubs_ext at runtime)
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin


class ReadOnlyAdmin(_ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "event_type", "event_id", "created_at", "sent_at", "attempts")
    list_filter = ("event_type", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("event_id", "correlation_id")
    ordering = ("-id",)


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyAdmin):
    list_display = ("event_type", "consumer", "event_id", "deliveries", "created_at", "replayed_at")
    list_filter = ("consumer", "event_type", ("replayed_at", admin.EmptyFieldListFilter))
    search_fields = ("event_id",)
    readonly_fields = (
        "consumer",
        "event_id",
        "event_type",
        "payload",
        "error",
        "deliveries",
        "created_at",
        "replayed_at",
        "replay_error",
    )
    actions = ["replay"]

    @admin.action(description="Replay the selected events (each handled at most once)")
    def replay(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        done = failed = 0
        for dead in queryset.filter(replayed_at__isnull=True):
            try:
                handler = registry.get(dead.consumer)
            except LookupError:
                self.message_user(
                    request, f"No handler named {dead.consumer} any more.", messages.ERROR
                )
                failed += 1
                continue
            if inbox.replay(dead, handler) is inbox.Outcome.FAILED:
                failed += 1
            else:
                done += 1
        level = messages.WARNING if failed else messages.SUCCESS
        self.message_user(
            request, f"Replayed {done}; {failed} failed again (see replay error).", level
        )
