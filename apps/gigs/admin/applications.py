"""Operator screens: applications (read-only).

Operators look at applications (support, a report about a gig, a dispute's background) but take
none of their steps: withdrawing, shortlisting, rejecting and accepting are the applicant's and
the client's (services/applications.py, services/hiring.py), and the admin never edits or
deletes one by hand. Filters by status and the gig's pricing; search by the gig's title, or
the applicant's name or email asked of accounts (ids only: no join into its table). The
applicants' names for a page come from accounts in one query.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from apps.accounts import public as accounts
from apps.gigs.models import Application, Pricing


class ApplicationChangeList(ChangeList):
    """Loads the applicants' names for the page in one accounts query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        people = accounts.get_users(a.applicant_id for a in self.result_list)
        for application in self.result_list:
            # A display attribute for `ApplicationAdmin.applicant`, not a model field.
            setattr(application, "applicant_summary", people.get(application.applicant_id))  # noqa: B010


def _person(summary: accounts.UserSummary | None, user_id: int) -> str:
    if summary is None:
        return f"#{user_id} (no longer exists)"
    return f"{summary.display_name} <{summary.email}> (#{summary.id})"


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "gig_link",
        "applicant",
        "bid",
        "status",
        "created_at",
        "decided_at",
    )
    list_display_links = ("id",)
    list_select_related = ("gig",)
    list_filter = ("status", "gig__pricing", "created_at")
    search_fields = ("gig__title",)
    search_help_text = "The gig's title, or the applicant's name or email."
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    readonly_fields = (
        "gig_link",
        "applicant",
        "cover_letter",
        "bid",
        "status",
        "status_reason",
        "created_at",
        "updated_at",
        "decided_at",
    )
    fields = readonly_fields

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ApplicationChangeList

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Application], search_term: str
    ) -> tuple[QuerySet[Application], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            user_ids = accounts.search_user_ids(term)
            if user_ids:
                found = found | queryset.filter(applicant_id__in=user_ids)
        return found, may_have_duplicates

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people apply through the API

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The detail page opens read-only; its steps belong to the applicant and the client.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the history of a gig's hiring stays

    @admin.display(description="gig", ordering="gig__title")
    def gig_link(self, application: Application) -> str:
        try:
            url = reverse("admin:gigs_gig_change", args=[application.gig_id])
        except NoReverseMatch:  # the gig screen is not registered
            return application.gig.title
        return format_html('<a href="{}">{}</a>', url, application.gig.title)

    @admin.display(description="applicant")
    def applicant(self, application: Application) -> str:
        summary = getattr(application, "applicant_summary", None)
        if summary is None:  # the detail page: one row, one query
            summary = accounts.get_user(application.applicant_id)
        return _person(summary, application.applicant_id)

    @admin.display(description="bid", ordering="bid_amount")
    def bid(self, application: Application) -> str:
        per = "/h" if application.gig.pricing == Pricing.HOURLY else ""
        return f"{application.bid_amount} {application.gig.currency}{per} (minor units)"
