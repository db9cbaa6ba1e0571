"""Operator screens: the ledger (read-only), money audit records, payouts and payout holds.

The ledger is append-only (a database trigger refuses UPDATE and DELETE): journal entries show
their lines inline and nothing here adds, changes or deletes one; a mistake is corrected by a
reversing entry posted by a service. Accounts show their balance (the sum of their lines).
Money audit records are read-only too. Payouts are read-only; the one action is to hold the
payouts of the selected payouts' users, and on payout profiles to hold or lift a hold, each
with a written reason (a MoneyAudit record) and a form key (OnceForm), so a double submit acts
once.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.template.response import TemplateResponse

from apps.accounts import public as accounts
from apps.gigs.admin.contracts import ReadOnly
from apps.gigs.models import (
    JournalEntry,
    JournalLine,
    LedgerAccount,
    MoneyAudit,
    Payout,
    PayoutProfile,
)
from apps.gigs.services import money
from gigsy.errors import ApplicationError
from gigsy.idempotency import user_scope
from gigsy.idempotency.forms import OnceForm, run_once


def _person(user_id: int | None) -> str:
    # Names come from accounts' public surface, never through the user foreign key.
    if user_id is None:
        return "the platform"
    summary = accounts.get_user(user_id)
    return f"#{user_id}" if summary is None else f"{summary.display_name} (#{user_id})"


def _money(amount: int | None, currency: str) -> str:
    # Minor units as stored, with the currency: no float ever touches them.
    return "-" if amount is None else f"{amount:,} {currency} (minor units)"


class LineInline(ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = JournalLine
    extra = 0
    fields = ("account", "amount", "currency")
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[JournalLine]:
        return super().get_queryset(request).select_related("account").order_by("id")


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "kind",
        "memo",
        "contract_id",
        "milestone_id",
        "reference",
        "reverses",
        "created_at",
    )
    list_filter = ("kind",)
    search_fields = ("=reference", "=contract__id", "=milestone__id", "memo")
    search_help_text = "A reference, a contract or milestone id, or words of the memo."
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = (
        "kind",
        "memo",
        "contract",
        "milestone",
        "reverses",
        "reference",
        "created_by_name",
        "created_at",
    )
    readonly_fields = fields
    list_select_related = ("reverses",)
    inlines = [LineInline]
    show_full_result_count = False

    @admin.display(description="created by")
    def created_by_name(self, entry: JournalEntry) -> str:
        return _person(entry.created_by_id)


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "kind", "owner_id", "currency", "balance", "created_at")
    list_filter = ("kind", "currency")
    search_fields = ("=owner_id",)
    search_help_text = "The owner's id (a user's, or a milestone's for escrow and dispute hold)."
    ordering = ("kind", "owner_id", "currency")
    fields = ("kind", "owner_id", "currency", "balance", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[LedgerAccount]:
        # Balances are derived, never stored: one aggregate over the page's accounts.
        rows: QuerySet[LedgerAccount] = super().get_queryset(request)
        return rows.annotate(total=Sum("lines__amount"))

    @admin.display(description="balance", ordering="total")
    def balance(self, account: LedgerAccount) -> str:
        return _money(int(getattr(account, "total", None) or 0), account.currency)


@admin.register(MoneyAudit)
class MoneyAuditAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("at", "action", "operator_id", "reason", "contract_id", "milestone_id")
    list_filter = ("action",)
    search_fields = ("reason", "=contract_id", "=milestone_id")
    date_hierarchy = "at"
    ordering = ("-at", "-id")
    fields = (
        "at",
        "operator_name",
        "action",
        "reason",
        "contract_id",
        "milestone_id",
        "entry",
        "details",
    )
    readonly_fields = fields

    @admin.display(description="operator")
    def operator_name(self, audit: MoneyAudit) -> str:
        return _person(audit.operator_id)


class HoldForm(OnceForm):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Kept in the money audit, for operators; the user is told only that their "
        "payouts are on hold.",
    )


class _HoldActions(admin.ModelAdmin):  # type: ignore[type-arg]
    """The hold and lift actions, shared by the payout and payout profile screens."""

    def _user_ids(self, queryset: QuerySet[Any]) -> list[int]:
        return sorted(set(queryset.values_list("user_id", flat=True)))

    def _act(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        *,
        held: bool,
        action: str,
    ) -> TemplateResponse | None:
        form = HoldForm(request.POST if "apply" in request.POST else None)
        user_ids = self._user_ids(queryset)
        if not (form.is_bound and form.is_valid()):
            people = accounts.get_users(user_ids)
            context = {
                **self.admin_site.each_context(request),
                "title": "Hold payouts" if held else "Lift payout holds",
                "action": action,
                "opts": self.model._meta,
                "form": form,
                "objects": list(queryset.order_by("pk")),
                "people": [
                    (uid, people[uid].display_name if uid in people else f"#{uid}")
                    for uid in user_ids
                ],
                "held": held,
                "submit_label": "Hold payouts" if held else "Lift the holds",
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "media": self.media,
            }
            return TemplateResponse(request, "admin/gigs/payout/hold.html", context)
        reason = form.cleaned_data["reason"]
        operator = request.user

        def apply() -> list[int]:
            change = money.hold_payouts if held else money.lift_payout_hold
            for uid in user_ids:
                change(operator=operator, user_id=uid, reason=reason)
            return user_ids

        try:
            once = run_once(
                key=form.cleaned_data["idempotency_key"],
                scope=user_scope(accounts.user_id_of(operator)),
                fn=apply,
                operation="gigs.payout_hold" if held else "gigs.payout_hold_lift",
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        if once.ran:
            done = ", ".join(f"#{uid}" for uid in user_ids)
            verb = "Held the payouts of" if held else "Lifted the payout holds of"
            self.message_user(request, f"{verb} user(s) {done}.", messages.SUCCESS)
        else:
            self.message_user(request, once.message, messages.INFO)
        return None


@admin.register(Payout)
class PayoutAdmin(ReadOnly, _HoldActions):
    list_display = (
        "id",
        "user_id",
        "money",
        "status",
        "provider",
        "provider_payout_id",
        "created_at",
        "paid_at",
        "failed_at",
    )
    list_filter = ("status", "provider", "currency")
    search_fields = ("=reference", "=provider_payout_id", "=user_id")
    search_help_text = "A payout's reference, the provider's id, or the user's id."
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = (
        "user_name",
        "reference",
        "money",
        "status",
        "provider",
        "destination",
        "provider_payout_id",
        "entry",
        "failure_reason",
        "created_at",
        "paid_at",
        "failed_at",
    )
    readonly_fields = fields
    actions = ["hold_payouts"]
    show_full_result_count = False

    @admin.display(description="amount")
    def money(self, payout: Payout) -> str:
        return _money(payout.amount, payout.currency)

    @admin.display(description="user")
    def user_name(self, payout: Payout) -> str:
        return _person(payout.user_id)

    @admin.action(description="Hold the payouts of the selected payouts' users")
    def hold_payouts(
        self, request: HttpRequest, queryset: QuerySet[Payout]
    ) -> TemplateResponse | None:
        return self._act(request, queryset, held=True, action="hold_payouts")


class PayoutProfileForm(forms.ModelForm):  # type: ignore[type-arg]
    """The connected account, with the reason the money audit keeps: who may redirect a
    person's payouts is recorded like a hold."""

    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="Why this account (e.g. the ticket where the user gave it); kept in the money "
        "audit.",
    )

    class Meta:
        model = PayoutProfile
        fields = ("user", "stripe_account_id")

    def clean_stripe_account_id(self) -> str:
        value = str(self.cleaned_data.get("stripe_account_id") or "").strip()
        if value and not money.STRIPE_ACCOUNT.fullmatch(value):
            raise forms.ValidationError("A Stripe connected account id: acct_ and letters/digits.")
        return value


@admin.register(PayoutProfile)
class PayoutProfileAdmin(_HoldActions):
    list_display = ("user_id", "held", "hold_reason", "held_at", "stripe_account_id")
    list_filter = ("held",)
    search_fields = ("=user_id", "=stripe_account_id")
    search_help_text = "The user's id or their Stripe connected account (acct_...)."
    ordering = ("-held", "user_id")
    # The connected account is the one thing operators type in (until Connect onboarding
    # exists), through the service that audits it; a hold changes only through the actions.
    form = PayoutProfileForm
    fields = ("user", "stripe_account_id", "reason", "held", "hold_reason", "held_at")
    readonly_fields = ("held", "hold_reason", "held_at")
    raw_id_fields = ("user",)
    actions = ["hold_selected", "lift_holds"]

    def save_model(
        self,
        request: HttpRequest,
        obj: PayoutProfile,
        form: Any,
        change: bool,
    ) -> None:
        # Through the service, which audits it, instead of obj.save().
        money.set_payout_destination(
            operator=request.user,
            user_id=obj.user_id,
            stripe_account_id=form.cleaned_data["stripe_account_id"],
            reason=form.cleaned_data["reason"],
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return (*self.readonly_fields, "user") if obj is not None else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Hold the selected users' payouts", permissions=["change"])
    def hold_selected(
        self, request: HttpRequest, queryset: QuerySet[PayoutProfile]
    ) -> TemplateResponse | None:
        return self._act(request, queryset, held=True, action="hold_selected")

    @admin.action(description="Lift the selected users' payout holds", permissions=["change"])
    def lift_holds(
        self, request: HttpRequest, queryset: QuerySet[PayoutProfile]
    ) -> TemplateResponse | None:
        return self._act(request, queryset, held=False, action="lift_holds")
