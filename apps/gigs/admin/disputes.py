"""Operator screens: disputes, resolved with a split and a written reason.

The list is the queue: open disputes first, oldest first (the longest waiting is handled
first). A dispute's page shows the evidence (the milestone's history, who took each step and
their note) and the money (what is held, the milestone's amount, the split once resolved); it
is read-only. An open dispute's page links to "Resolve": the freelancer's part, the client's
part (adding up to what is held) and a written reason the parties read. The form carries a key
made when it is rendered (gigsy/idempotency OnceForm), so a double submit resolves once; a
resolved dispute has no form any more. The resolution itself is services/disputes.py's (one
journal entry, the audit record, the refund, the events).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from apps.accounts import public as accounts
from apps.gigs import selectors
from apps.gigs.admin.contracts import ReadOnly, _money, _name, _NamesChangeList, _people
from apps.gigs.models import Dispute, DisputeStatus
from apps.gigs.rules.work import party_of
from apps.gigs.services import disputes
from gigsy.errors import ApplicationError
from gigsy.idempotency import user_scope
from gigsy.idempotency.forms import OnceForm, run_once

OPERATION = "gigs.resolve_dispute"


class ResolveForm(OnceForm):
    freelancer_amount = forms.IntegerField(
        min_value=0,
        label="To the freelancer",
        help_text="Minor units, before the platform's fee (taken from this part).",
    )
    client_amount = forms.IntegerField(
        min_value=0, label="Refunded to the client", help_text="Minor units."
    )
    reason = forms.CharField(
        max_length=disputes.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Both parties read it with the split: say what the evidence showed.",
    )

    def __init__(self, *args: Any, held: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held = held

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = (data.get("freelancer_amount"), data.get("client_amount"))
        if None not in parts and sum(p for p in parts if p is not None) != self.held:
            raise forms.ValidationError(
                f"The two parts must add up to {self.held:,}, what the dispute holds."
            )
        return data


class DisputeChangeList(_NamesChangeList):
    pass


@admin.register(Dispute)
class DisputeAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    person_fields = ("opened_by_id",)
    list_display = (
        "id",
        "gig_title",
        "milestone_title",
        "status",
        "held",
        "opened_by_name",
        "opened_at",
        "resolved_at",
    )
    list_display_links = ("id", "gig_title")
    list_select_related = ("milestone__contract",)
    list_filter = ("status",)
    search_fields = ("milestone__contract__title", "milestone__title", "reason")
    # The queue: open ("open" sorts before "resolved") first, the longest waiting first.
    ordering = ("status", "opened_at", "id")
    fields = (
        "contract_link",
        "milestone_title",
        "status",
        "held",
        "milestone_amount",
        "money_status",
        "opened_by_name",
        "opened_at",
        "reason",
        "resolve_link",
        "split",
        "resolution",
        "resolved_by_name",
        "resolved_at",
        "evidence",
    )
    readonly_fields = fields

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return DisputeChangeList

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dispute]:
        return super().get_queryset(request).select_related("milestone__contract")

    def get_urls(self) -> list[URLPattern]:
        resolve = path(
            "<int:dispute_id>/resolve/",
            self.admin_site.admin_view(self.resolve_view),
            name="gigs_dispute_resolve",
        )
        return [resolve, *super().get_urls()]

    # --- columns ----------------------------------------------------------------------------------
    @admin.display(description="gig", ordering="milestone__contract__title")
    def gig_title(self, dispute: Dispute) -> str:
        return dispute.milestone.contract.title

    @admin.display(description="milestone", ordering="milestone__title")
    def milestone_title(self, dispute: Dispute) -> str:
        return dispute.milestone.title

    @admin.display(description="contract")
    def contract_link(self, dispute: Dispute) -> str:
        contract = dispute.milestone.contract
        url = reverse("admin:gigs_contract_change", args=[contract.pk])
        return format_html('<a href="{}">{} (#{})</a>', url, contract.title, contract.pk)

    @admin.display(description="held", ordering="held_amount")
    def held(self, dispute: Dispute) -> str:
        return _money(dispute.held_amount, dispute.milestone.contract.currency)

    @admin.display(description="milestone amount")
    def milestone_amount(self, dispute: Dispute) -> str:
        return _money(dispute.milestone.amount, dispute.milestone.contract.currency)

    @admin.display(description="milestone's money")
    def money_status(self, dispute: Dispute) -> str:
        return dispute.milestone.get_money_status_display()

    @admin.display(description="opened by")
    def opened_by_name(self, dispute: Dispute) -> str:
        contract = dispute.milestone.contract
        party = party_of(
            user_id=dispute.opened_by_id,
            client_id=contract.client_id,
            freelancer_id=contract.freelancer_id,
        )
        return f"{party}: {_name(_people(dispute), dispute.opened_by_id)}"

    @admin.display(description="resolved by")
    def resolved_by_name(self, dispute: Dispute) -> str:
        return "-" if dispute.resolved_by_id is None else _name(None, dispute.resolved_by_id)

    @admin.display(description="resolve")
    def resolve_link(self, dispute: Dispute) -> str:
        if dispute.status != DisputeStatus.OPEN:
            return "Resolved: read-only."
        url = reverse("admin:gigs_dispute_resolve", args=[dispute.pk])
        return format_html('<a class="button" href="{}">Resolve this dispute</a>', url)

    @admin.display(description="split")
    def split(self, dispute: Dispute) -> str:
        if dispute.status != DisputeStatus.RESOLVED:
            return "-"
        currency = dispute.milestone.contract.currency
        return (
            f"{_money(dispute.freelancer_amount, currency)} to the freelancer (before the fee), "
            f"{_money(dispute.client_amount, currency)} refunded to the client"
        )

    @admin.display(description="evidence: the milestone's history")
    def evidence(self, dispute: Dispute) -> str:
        return _history_table(dispute)

    # --- resolving --------------------------------------------------------------------------------
    def resolve_view(self, request: HttpRequest, dispute_id: int) -> HttpResponse:
        dispute = self.get_queryset(request).filter(pk=dispute_id).first()
        if dispute is None:
            raise Http404("No such dispute.")
        if not (self.has_view_permission(request, dispute) and accounts.is_operator(request.user)):
            raise PermissionDenied
        change = reverse("admin:gigs_dispute_change", args=[dispute.pk])
        if dispute.status != DisputeStatus.OPEN:
            self.message_user(request, "This dispute is resolved: read-only.", messages.INFO)
            return HttpResponseRedirect(change)
        form = ResolveForm(
            request.POST if request.method == "POST" else None, held=dispute.held_amount
        )
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                once = run_once(
                    key=data["idempotency_key"],
                    scope=user_scope(str(request.user.pk)),
                    fn=lambda: disputes.resolve_dispute(
                        dispute_id=dispute.pk,
                        operator=request.user,
                        freelancer_amount=data["freelancer_amount"],
                        client_amount=data["client_amount"],
                        reason=data["reason"],
                    ),
                    operation=OPERATION,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                if once.ran:
                    self.log_change(request, dispute, f"Resolved: {data['reason']}")
                    self.message_user(request, f"Dispute #{dispute.pk} resolved.", messages.SUCCESS)
                else:
                    self.message_user(request, once.message, messages.INFO)
                return HttpResponseRedirect(change)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Resolve dispute #{dispute.pk}",
            "action": "resolve",
            "opts": self.model._meta,
            "form": form,
            "dispute": dispute,
            "objects": [],
            "held": self.held(dispute),
            "milestone_amount": self.milestone_amount(dispute),
            "opened_by": self.opened_by_name(dispute),
            "evidence": _history_table(dispute),
            "submit_label": "Resolve",
            "action_checkbox_name": "_selected_action",
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/gigs/dispute/resolve.html", context)


def _history_table(dispute: Dispute) -> str:
    contract = dispute.milestone.contract
    entries = list(selectors.milestone_history(milestone_id=dispute.milestone_id))
    people = accounts.get_users({e.actor_id for e in entries if e.actor_id is not None})

    def by(actor_id: int | None) -> str:
        party = party_of(
            user_id=actor_id, client_id=contract.client_id, freelancer_id=contract.freelancer_id
        )
        name = _name(people, actor_id)
        return f"{party}: {name}" if party else name

    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                f"{e.at:%Y-%m-%d %H:%M}",
                e.action,
                f"{e.from_status or '-'} -> {e.to_status}",
                by(e.actor_id),
                e.note,
            )
            for e in entries
        ),
    )
    return format_html(
        '<table class="dispute-evidence"><thead><tr><th>at</th><th>step</th><th>status</th>'
        "<th>by</th><th>note</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )
