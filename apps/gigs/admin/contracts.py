"""Operator screens: contracts with their milestones, each milestone's history, and reviews.

Everything is read-only: a contract moves only by its parties' steps (services/milestones.py,
which keep the history, the events and the contract's end right), and money will move only
through the escrow issue's ledger. Operators look, filter and search (the title, or a party's
name or email asked of accounts); a milestone's page shows its history, the evidence a dispute
is judged on. Reviews are listed with whether they are published yet (hidden ones stay hidden
from the parties, not from operators). Names come from accounts in one query per page (never
through the user FK).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from apps.accounts import public as accounts
from apps.gigs.models import Contract, Milestone, MilestoneEvent, Review
from apps.gigs.rules.work import party_of


def _name(people: dict[int, accounts.UserSummary] | None, user_id: int | None) -> str:
    if user_id is None:
        return "the platform"
    summary = (people or {}).get(user_id) if people is not None else accounts.get_user(user_id)
    if summary is None:
        return f"#{user_id}"
    return f"{summary.display_name} <{summary.email}> (#{summary.id})"


class _NamesChangeList(ChangeList):
    """Loads the names of the people on the page in one accounts query (`person_fields`)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        fields: tuple[str, ...] = getattr(self.model_admin, "person_fields", ())
        ids = {getattr(row, f) for row in self.result_list for f in fields} - {None}
        people = accounts.get_users(ids)
        for row in self.result_list:
            row.people = people


def _people(row: Model) -> dict[int, accounts.UserSummary] | None:
    """The page's names (changelist), or None on a change page (one row: asked there)."""
    people: dict[int, accounts.UserSummary] | None = getattr(row, "people", None)
    return people


def _money(amount: int | None, currency: str) -> str:
    # Minor units shown as stored, with the currency: no float ever touches them.
    return "-" if amount is None else f"{amount:,} {currency} (minor units)"


class ReadOnly:
    """Operators read; the parties' steps change things."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MilestoneInline(ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = Milestone
    extra = 0
    fields = (
        "position",
        "history_link",
        "status",
        "money",
        "due_date",
        "hours_worked",
        "submitted_at",
        "approved_at",
        "cancellation",
    )
    readonly_fields = fields
    ordering = ("position",)

    @admin.display(description="milestone")
    def history_link(self, milestone: Milestone) -> str:
        url = reverse("admin:gigs_milestone_change", args=[milestone.pk])
        return format_html('<a href="{}">{} (history)</a>', url, milestone.title)

    @admin.display(description="amount")
    def money(self, milestone: Milestone) -> str:
        return _money(milestone.amount, milestone.contract.currency)

    @admin.display(description="cancellation proposed")
    def cancellation(self, milestone: Milestone) -> str:
        contract = milestone.contract
        party = party_of(
            user_id=milestone.cancel_proposed_by_id,
            client_id=contract.client_id,
            freelancer_id=contract.freelancer_id,
        )
        return f"by the {party}: {milestone.cancel_reason}" if party else "-"


class ContractChangeList(_NamesChangeList):
    pass


@admin.register(Contract)
class ContractAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    person_fields = ("client_id", "freelancer_id")
    list_display = (
        "id",
        "title",
        "status",
        "pricing",
        "currency",
        "client_name",
        "freelancer_name",
        "started_at",
        "ended_at",
    )
    list_display_links = ("id", "title")
    list_filter = ("status", "pricing", "currency")
    search_fields = ("title",)
    search_help_text = "The title, or a party's name or email."
    date_hierarchy = "started_at"
    ordering = ("-started_at", "-id")
    fields = (
        "title",
        "gig_link",
        "status",
        "client_name",
        "freelancer_name",
        "pricing",
        "currency",
        "rate",
        "weekly_hours_cap",
        "skills",
        "started_at",
        "ended_at",
    )
    readonly_fields = fields
    inlines = [MilestoneInline]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ContractChangeList

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Contract], search_term: str
    ) -> tuple[QuerySet[Contract], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            # Whose account matches, asked of accounts (ids only: no join into its table).
            ids = accounts.search_user_ids(term)
            if ids:
                found = (
                    found
                    | queryset.filter(client_id__in=ids)
                    | queryset.filter(freelancer_id__in=ids)
                )
        return found, may_have_duplicates

    @admin.display(description="client")
    def client_name(self, contract: Contract) -> str:
        return _name(_people(contract), contract.client_id)

    @admin.display(description="freelancer")
    def freelancer_name(self, contract: Contract) -> str:
        return _name(_people(contract), contract.freelancer_id)

    @admin.display(description="gig")
    def gig_link(self, contract: Contract) -> str:
        url = reverse("admin:gigs_gig_change", args=[contract.gig_id])
        return format_html('<a href="{}">#{}</a>', url, contract.gig_id)

    @admin.display(description="hourly rate")
    def rate(self, contract: Contract) -> str:
        return _money(contract.hourly_rate, contract.currency)


class HistoryInline(ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    """The milestone's history, oldest first: who took each step, and their note."""

    model = MilestoneEvent
    extra = 0
    fields = ("at", "action", "from_status", "to_status", "by", "note")
    readonly_fields = fields
    ordering = ("at", "id")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The parties' names, asked once per page (an inline lives for one request).
        self._names: dict[int, dict[int, accounts.UserSummary]] = {}

    @admin.display(description="by")
    def by(self, entry: MilestoneEvent) -> str:
        contract = entry.milestone.contract
        if contract.pk not in self._names:
            self._names[contract.pk] = accounts.get_users(
                (contract.client_id, contract.freelancer_id)
            )
        party = party_of(
            user_id=entry.actor_id,
            client_id=contract.client_id,
            freelancer_id=contract.freelancer_id,
        )
        name = _name(self._names[contract.pk], entry.actor_id)
        return f"{party}: {name}" if party else name


@admin.register(Milestone)
class MilestoneAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "title", "contract_link", "position", "status", "money", "due_date")
    list_select_related = ("contract",)
    list_filter = ("status",)
    search_fields = ("title", "contract__title")
    ordering = ("-contract_id", "position")
    fields = (
        "contract_link",
        "position",
        "title",
        "status",
        "money",
        "due_date",
        "hours_worked",
        "submission_note",
        "changes_note",
        "submitted_at",
        "approved_at",
        "cancel_reason",
        "updated_at",
    )
    readonly_fields = fields
    inlines = [HistoryInline]

    @admin.display(description="contract", ordering="contract_id")
    def contract_link(self, milestone: Milestone) -> str:
        url = reverse("admin:gigs_contract_change", args=[milestone.contract_id])
        return format_html('<a href="{}">{}</a>', url, milestone.contract)

    @admin.display(description="amount")
    def money(self, milestone: Milestone) -> str:
        return _money(milestone.amount, milestone.contract.currency)


class ReviewChangeList(_NamesChangeList):
    pass


class PublishedFilter(admin.SimpleListFilter):
    title = "published"
    parameter_name = "published"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Published"), ("no", "Hidden (waiting for the other party)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Review]) -> QuerySet[Review]:
        if self.value() == "yes":
            return queryset.filter(published_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(published_at__isnull=True)
        return queryset


@admin.register(Review)
class ReviewAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    person_fields = ("reviewer_id", "reviewee_id")
    list_display = (
        "id",
        "contract_link",
        "direction",
        "rating",
        "reviewer_name",
        "reviewee_name",
        "created_at",
        "published_at",
    )
    list_select_related = ("contract",)
    list_filter = ("direction", "rating", PublishedFilter)
    search_fields = ("text", "contract__title")
    ordering = ("-created_at", "-id")
    fields = (
        "contract_link",
        "direction",
        "rating",
        "reviewer_name",
        "reviewee_name",
        "text",
        "created_at",
        "published_at",
    )
    readonly_fields = fields

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ReviewChangeList

    @admin.display(description="contract", ordering="contract_id")
    def contract_link(self, review: Review) -> str:
        url = reverse("admin:gigs_contract_change", args=[review.contract_id])
        return format_html('<a href="{}">{}</a>', url, review.contract)

    @admin.display(description="reviewer")
    def reviewer_name(self, review: Review) -> str:
        return _name(_people(review), review.reviewer_id)

    @admin.display(description="reviewee")
    def reviewee_name(self, review: Review) -> str:
        return _name(_people(review), review.reviewee_id)
