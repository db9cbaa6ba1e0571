"""Operator screens for payments: what was asked of the provider and what its webhooks said.

Read-only: a payment record moves only by a verified webhook (apps/gigs/payments/intake.py),
and a receipt is the evidence that an event was processed once. Operators look up a payment by
our reference or the provider's id (to find it in the provider's dashboard), and a receipt by
event id, type or payload.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.gigs.admin.contracts import ReadOnly
from apps.gigs.models import PaymentRecord, WebhookReceipt


@admin.register(PaymentRecord)
class PaymentRecordAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "reference",
        "provider",
        "provider_payment_id",
        "money",
        "status",
        "refunded",
        "milestone_id",
        "created_at",
        "updated_at",
    )
    list_filter = ("status", "provider", "currency")
    search_fields = ("=reference", "=provider_payment_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    fields = (
        "reference",
        "provider",
        "provider_payment_id",
        "money",
        "status",
        "refunded",
        "refunds",
        "milestone",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="amount")
    def money(self, record: PaymentRecord) -> str:
        # Minor units shown as stored, with the currency: no float ever touches them.
        return f"{record.amount:,} {record.currency} (minor units)"

    @admin.display(description="refunded")
    def refunded(self, record: PaymentRecord) -> str:
        return f"{record.refunded_amount:,} {record.currency}" if record.refunded_amount else "-"


@admin.register(WebhookReceipt)
class WebhookReceiptAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("event_id", "provider", "type", "received_at", "processed_at")
    list_filter = ("provider", "type")
    search_fields = ("=event_id",)
    date_hierarchy = "received_at"
    ordering = ("-received_at",)
    fields = ("provider", "event_id", "type", "received_at", "processed_at", "event")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="payload (as the provider sent it)")
    def event(self, receipt: WebhookReceipt) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(receipt.payload, indent=2, sort_keys=True))
