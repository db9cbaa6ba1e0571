"""Disputes API: a party opens a dispute on a funded milestone, the parties list theirs, and
a dispute's page shows what is held, the milestone's history (the evidence), its status and
the resolution. Operators read every dispute here and resolve them in the admin
(admin/disputes.py).

Thin views: the access policy finds the contract or the dispute (someone else's is 404) and
services/disputes.py decides the rest.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import public as accounts
from apps.gigs import policies, selectors
from apps.gigs.api import dispute_serializers as s
from apps.gigs.api.contract_serializers import MilestoneEventOutput
from apps.gigs.models import Dispute, DisputeStatus
from apps.gigs.rules.work import Party, party_of
from apps.gigs.services import disputes
from gigsy.api.inputs import parse
from gigsy.api.pagination import PageNumberPagination
from gigsy.api.representation import represent
from gigsy.api.responses import LOCATION, created, error_responses
from gigsy.api.schema import PAGE_PARAMETERS, page_of

# --- rendering ------------------------------------------------------------------------------------


def _role(dispute: Dispute, user_id: int | None) -> Party | None:
    contract = dispute.milestone.contract
    return party_of(
        user_id=user_id, client_id=contract.client_id, freelancer_id=contract.freelancer_id
    )


def _summary(dispute: Dispute, me: int | None) -> dict[str, Any]:
    milestone = dispute.milestone
    contract = milestone.contract
    opener = _role(dispute, dispute.opened_by_id)
    mine = _role(dispute, me)
    return {
        "id": dispute.pk,
        "contract_id": contract.pk,
        "milestone_id": milestone.pk,
        "gig_title": contract.title,
        "milestone_title": milestone.title,
        "currency": contract.currency,
        "status": dispute.status,
        "held_amount": dispute.held_amount,
        "opened_by_role": opener.value if opener else None,
        "my_role": mine.value if mine else None,
        "opened_at": dispute.opened_at,
        "resolved_at": dispute.resolved_at,
    }


def _history(dispute: Dispute) -> list[dict[str, Any]]:
    contract = dispute.milestone.contract
    rows = []
    entries = selectors.milestone_history(milestone_id=dispute.milestone_id)[: s.MAX_EVIDENCE]
    for entry in entries:
        party = party_of(
            user_id=entry.actor_id,
            client_id=contract.client_id,
            freelancer_id=contract.freelancer_id,
        )
        role = party.value if party else ("platform" if entry.actor_id is None else "operator")
        rows.append(
            represent(
                MilestoneEventOutput,
                {
                    "id": entry.pk,
                    "actor_id": entry.actor_id,
                    "actor_role": role,
                    "from_status": entry.from_status,
                    "to_status": entry.to_status,
                    "action": entry.action,
                    "note": entry.note,
                    "at": entry.at,
                },
            )
        )
    return rows


def dispute_body(dispute: Dispute, user: accounts.Principal) -> dict[str, Any]:
    """A dispute as a party or an operator sees it."""
    milestone = dispute.milestone
    person = accounts.get_user(dispute.opened_by_id)
    resolution = None
    if dispute.status == DisputeStatus.RESOLVED and dispute.resolved_at is not None:
        resolution = {
            "freelancer_amount": dispute.freelancer_amount,
            "fee": selectors.fee_of_entry(reference=disputes.resolution_reference(dispute.pk)),
            "client_amount": dispute.client_amount,
            "reason": dispute.resolution,
            "resolved_at": dispute.resolved_at,
        }
    return {
        **_summary(dispute, accounts.user_id_of(user)),
        "reason": dispute.reason,
        "opened_by": {
            "id": dispute.opened_by_id,
            "display_name": person.display_name if person else "",
        },
        "milestone_status": milestone.status,
        "money_status": milestone.money_status,
        "history": _history(dispute),
        "resolution": resolution,
    }


# --- views ----------------------------------------------------------------------------------------
class DisputeCreateView(APIView):
    @extend_schema(
        request=s.DisputeInput,
        responses={201: s.DisputeDetailOutput, **error_responses(400, 401, 403, 404, 409)},
        parameters=[LOCATION],
        summary="Dispute a funded milestone (either party, with a reason): its escrow is held "
        "and its work frozen until an operator resolves it",
    )
    def post(self, request: Request, contract_id: int, milestone_id: int) -> Response:
        dispute = disputes.open_dispute(
            contract_id=contract_id,
            milestone_id=milestone_id,
            user=request.user,
            **parse(s.DisputeInput, request),
        )
        return created(
            request,
            dispute_body(dispute, request.user),
            reverse("gigs-dispute", kwargs={"dispute_id": dispute.pk}),
        )


class DisputeListView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(s.DisputeListOutput), **error_responses(401)},
        summary="The disputes on my contracts (as either party), open first, newest first",
    )
    def get(self, request: Request) -> Response:
        me = accounts.user_id_of(request.user)
        paginator = PageNumberPagination()
        page = (
            paginator.paginate_queryset(selectors.disputes_of_party(user_id=me), request, view=self)
            or []
        )
        return paginator.get_paginated_response(
            [represent(s.DisputeListOutput, _summary(dispute, me)) for dispute in page]
        )


class DisputeDetailView(APIView):
    @extend_schema(
        responses={200: s.DisputeDetailOutput, **error_responses(401, 404)},
        summary="A dispute: what is held, the milestone's history as evidence, its status and "
        "the resolution (the contract's parties and operators)",
    )
    def get(self, request: Request, dispute_id: int) -> Response:
        dispute = policies.visible_dispute(dispute_id=dispute_id, user=request.user)
        return Response(dispute_body(dispute, request.user))
