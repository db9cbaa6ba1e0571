"""Operator screens: the queue of reports on gigs.

Open reports come first, oldest first (the longest waiting is handled first); each row shows
how many open reports its gig has, so a gig many people report stands out. Reports are never
edited or deleted by hand: two actions decide them, each asking for a written reason first
(gigsy/templates/admin/action_with_reason.html):
- "Dismiss": the gig stays; the reason is kept with the report for operators.
- "Close the gig": the gig area's `close_gig` closes each selected report's gig with the reason,
  which its client sees as the gig's `status_reason`; every open report of those gigs (the
  selected ones and the others) becomes actioned.
Names come from accounts' public surface, one query per page (never through the user FK).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.db.models import Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from apps.accounts import public as accounts
from apps.gigs.models import Report, ReportStatus
from apps.gigs.services import moderation
from gigsy.errors import ApplicationError


class ModerationReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Kept with each report. When closing, the gig's client sees it as the reason "
        "their gig was closed: write it for them.",
    )


class ReportChangeList(ChangeList):
    """Loads the reporters' names for the page in one accounts query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        people = accounts.get_users(report.reporter_id for report in self.result_list)
        for report in self.result_list:
            report.reporter_summary = people.get(report.reporter_id)


def _open_reports_of_gig() -> Coalesce:
    same_gig = (
        Report.objects.filter(gig_id=OuterRef("gig_id"), status=ReportStatus.OPEN)
        .order_by()
        .values("gig_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(same_gig, output_field=IntegerField()), Value(0))


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "gig_link",
        "gig_status",
        "reason",
        "status",
        "open_on_gig",
        "reporter_name",
        "created_at",
        "handled_at",
    )
    list_display_links = ("id",)
    list_select_related = ("gig",)
    list_filter = ("status", "reason")
    search_fields = ("gig__title", "details")
    search_help_text = "The gig's title or the report's details."
    readonly_fields = (
        "gig_link",
        "gig_status",
        "reporter_name",
        "reason",
        "details",
        "status",
        "open_on_gig",
        "created_at",
        "handled_by_name",
        "handled_at",
        "resolution_note",
    )
    fields = readonly_fields
    actions = ["dismiss_reports", "close_gigs"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        # Not super()'s: it orders by `queue` before the annotation exists.
        return (
            Report.objects.order_by()
            .annotate(
                queue=Case(
                    When(status=ReportStatus.OPEN, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                ),
                open_on_gig_count=_open_reports_of_gig(),
            )
            .order_by(*self.get_ordering(request))
        )

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...]:
        # The queue: open first, then oldest first. `queue` is an annotation of get_queryset,
        # so it cannot be the `ordering` attribute (the admin checks that names fields).
        return ("queue", "created_at", "id")

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ReportChangeList

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports are filed by users

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the queue's history stays

    # --- columns ----------------------------------------------------------------------------------
    @admin.display(description="gig", ordering="gig__title")
    def gig_link(self, report: Report) -> str:
        try:
            url = reverse("admin:gigs_gig_change", args=[report.gig_id])
        except NoReverseMatch:  # the gig admin is not registered (a trimmed admin site)
            return f"{report.gig.title} (#{report.gig_id})"
        return format_html('<a href="{}">{} (#{})</a>', url, report.gig.title, report.gig_id)

    @admin.display(description="gig status", ordering="gig__status")
    def gig_status(self, report: Report) -> str:
        return report.gig.get_status_display()

    @admin.display(description="open reports on the gig", ordering="open_on_gig_count")
    def open_on_gig(self, report: Report) -> int:
        return int(getattr(report, "open_on_gig_count", 0))

    @admin.display(description="reporter")
    def reporter_name(self, report: Report) -> str:
        summary = getattr(report, "reporter_summary", None)
        if summary is None and not hasattr(report, "reporter_summary"):
            summary = accounts.get_user(report.reporter_id)  # the change page: one report
        if summary is None:
            return f"#{report.reporter_id}"
        return f"{summary.display_name} <{summary.email}> (#{summary.id})"

    @admin.display(description="handled by")
    def handled_by_name(self, report: Report) -> str:
        if report.handled_by_id is None:
            return "-"
        summary = accounts.get_user(report.handled_by_id)
        return summary.display_name if summary else f"#{report.handled_by_id}"

    # --- actions ----------------------------------------------------------------------------------
    def _reason_page(
        self,
        request: HttpRequest,
        queryset: QuerySet[Report],
        *,
        form: forms.Form,
        action: str,
        title: str,
        submit_label: str,
    ) -> TemplateResponse:
        selected = list(queryset.select_related("gig").order_by("pk"))
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "action": action,
            "opts": self.model._meta,
            "form": form,
            "reports": selected,
            "objects": selected,
            "submit_label": submit_label,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, f"admin/gigs/report/{action}.html", context)

    @admin.action(
        description="Dismiss the selected reports (the gig stays)", permissions=["change"]
    )
    def dismiss_reports(
        self, request: HttpRequest, queryset: QuerySet[Report]
    ) -> TemplateResponse | None:
        form = ModerationReasonForm(request.POST if "apply" in request.POST else None)
        if not (form.is_bound and form.is_valid()):
            return self._reason_page(
                request,
                queryset,
                form=form,
                action="dismiss_reports",
                title="Dismiss reports",
                submit_label="Dismiss",
            )
        reason = form.cleaned_data["reason"]
        done: list[str] = []
        skipped: list[str] = []
        for report in queryset.order_by("pk"):
            try:
                moderation.dismiss_report(report_id=report.pk, operator=request.user, note=reason)
            except ApplicationError:  # handled meanwhile (or by a double submit)
                skipped.append(f"#{report.pk}")
                continue
            self.log_change(request, report, f"Dismissed: {reason}")
            done.append(f"#{report.pk}")
        if done:
            self.message_user(request, f"Dismissed {', '.join(done)}.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"Already handled, left unchanged: {', '.join(skipped)}.", messages.INFO
            )
        return None

    @admin.action(description="Close the gigs of the selected reports", permissions=["change"])
    def close_gigs(
        self, request: HttpRequest, queryset: QuerySet[Report]
    ) -> TemplateResponse | None:
        form = ModerationReasonForm(request.POST if "apply" in request.POST else None)
        if not (form.is_bound and form.is_valid()):
            return self._reason_page(
                request,
                queryset,
                form=form,
                action="close_gigs",
                title="Close reported gigs",
                submit_label="Close the gigs",
            )
        reason = form.cleaned_data["reason"]
        closed: list[str] = []
        refused: list[str] = []
        actioned = 0
        for gig_id in sorted(set(queryset.values_list("gig_id", flat=True))):
            try:
                result = moderation.close_reported_gig(
                    gig_id=gig_id, operator=request.user, reason=reason
                )
            except ApplicationError as exc:  # e.g. completed: dismiss its reports instead
                refused.append(f"gig #{gig_id}: {exc.message}")
                continue
            actioned += result.reports_actioned
            if result.closed_now:
                self.log_change(request, result.gig, f"Closed for reports: {reason}")
                closed.append(f"#{gig_id}")
        if closed:
            self.message_user(
                request,
                f"Closed gig(s) {', '.join(closed)}; {actioned} open report(s) actioned.",
                messages.SUCCESS,
            )
        elif actioned:
            self.message_user(
                request,
                f"The gig(s) were already closed; {actioned} open report(s) actioned.",
                messages.INFO,
            )
        if refused:
            self.message_user(request, "Not closed: " + "; ".join(refused), messages.ERROR)
        return None
