"""Operator screens: gigs.

Operators look, filter and search (title, description, or the client's name or email, asked of
accounts), and moderate: the one change they make is closing a gig with a reason its client
sees, through the gig area's `close_gig` (the same function the reports queue calls). Every
field is read-only here, money above all: a gig is the client's, and its terms change only
through the client's own edits (services/gigs.py), which keep events and the browse cache
right. Names come from accounts in one query per page (never through the user FK).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from apps.accounts import public as accounts
from apps.gigs.models import Gig
from apps.gigs.services import gigs as services
from gigsy.errors import ApplicationError


class CloseReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="The gig's client sees it as the reason their gig was closed: write it for them.",
    )


class GigChangeList(ChangeList):
    """Loads the clients' names for the page in one accounts query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        people = accounts.get_users(gig.client_id for gig in self.result_list)
        for gig in self.result_list:
            gig.client_summary = people.get(gig.client_id)


def _money(amount: int | None, currency: str) -> str:
    # Minor units shown as they are stored, with the currency: no float ever touches them.
    return "-" if amount is None else f"{amount:,} {currency} (minor units)"


@admin.register(Gig)
class GigAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "title",
        "client_name",
        "status",
        "pricing",
        "budget",
        "currency",
        "published_at",
        "created_at",
    )
    list_display_links = ("id", "title")
    list_filter = ("status", "pricing", "currency", "remote")
    search_fields = ("title", "description")
    search_help_text = "Title or description, or the client's name or email."
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = (
        "title",
        "client_name",
        "status",
        "status_reason",
        "description",
        "skills",
        "pricing",
        "budget",
        "rate",
        "weekly_hours_cap",
        "currency",
        "deadline",
        "remote",
        "location",
        "required_course_id",
        "required_course_title",
        "created_at",
        "updated_at",
        "published_at",
    )
    readonly_fields = fields
    actions = ["close_gigs"]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return GigChangeList

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Gig], search_term: str
    ) -> tuple[QuerySet[Gig], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            # Whose account matches, asked of accounts (ids only: no join into its table).
            client_ids = accounts.search_user_ids(term)
            if client_ids:
                found = found | queryset.filter(client_id__in=client_ids)
        return found, may_have_duplicates

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # clients post gigs

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # applications, contracts and reports point at it

    # --- columns ----------------------------------------------------------------------------------
    @admin.display(description="client")
    def client_name(self, gig: Gig) -> str:
        summary = getattr(gig, "client_summary", None)
        if summary is None and not hasattr(gig, "client_summary"):
            summary = accounts.get_user(gig.client_id)  # the change page: one gig
        if summary is None:
            return f"#{gig.client_id}"
        return f"{summary.display_name} <{summary.email}> (#{summary.id})"

    @admin.display(description="budget", ordering="budget_amount")
    def budget(self, gig: Gig) -> str:
        return _money(gig.budget_amount, gig.currency)

    @admin.display(description="hourly rate")
    def rate(self, gig: Gig) -> str:
        return _money(gig.hourly_rate, gig.currency)

    # --- actions ----------------------------------------------------------------------------------
    @admin.action(description="Close the selected gigs (with a reason)", permissions=["change"])
    def close_gigs(self, request: HttpRequest, queryset: QuerySet[Gig]) -> TemplateResponse | None:
        form = CloseReasonForm(request.POST if "apply" in request.POST else None)
        if not (form.is_bound and form.is_valid()):
            selected = list(queryset.order_by("pk"))
            context = {
                **self.admin_site.each_context(request),
                "title": "Close gigs",
                "action": "close_gigs",
                "opts": self.model._meta,
                "form": form,
                "gigs": selected,
                "objects": selected,
                "submit_label": "Close the gigs",
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "media": self.media,
            }
            return TemplateResponse(request, "admin/gigs/gig/close_gigs.html", context)
        reason = form.cleaned_data["reason"]
        closed: list[str] = []
        refused: list[str] = []
        for gig_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                gig = services.close_gig(gig_id=gig_id, operator=request.user, reason=reason)
            except ApplicationError as exc:  # a draft, or already ended
                refused.append(f"#{gig_id}: {exc.message}")
                continue
            self.log_change(request, gig, f"Closed: {reason}")
            closed.append(f"#{gig_id}")
        if closed:
            self.message_user(request, f"Closed gig(s) {', '.join(closed)}.", messages.SUCCESS)
        if refused:
            self.message_user(request, "Left unchanged: " + "; ".join(refused), messages.WARNING)
        return None
