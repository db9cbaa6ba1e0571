"""Contracts API: my contracts, one contract with its milestones, a milestone and its history,
and the milestone steps (submit, request changes, approve, cancellation by agreement; funding
and releases are api/escrow.py).

Thin views: the access policy finds the contract (someone else's is 404) and the services
(services/milestones.py, services/contracts.py) decide who may take a step and whether its
state allows it. Every answer carries what the caller may do next (`actions`, from
rules/work.py), so a client offers only those buttons. A page of contracts costs a fixed
number of queries (rows with their sums, the count, the other parties' names in one accounts
call); a contract page four (contract, milestones, names, the caller's review).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import public as accounts
from apps.gigs import policies, selectors
from apps.gigs.api import contract_serializers as s
from apps.gigs.models import Contract, Milestone, MilestoneStatus
from apps.gigs.rules.work import (
    Party,
    allowed_actions,
    auto_approves_at,
    party_of,
    review_window_ends,
)
from apps.gigs.services import contracts, milestones
from gigsy.api.inputs import parse, parse_query
from gigsy.api.pagination import PageNumberPagination
from gigsy.api.representation import represent
from gigsy.api.responses import LOCATION, created, error_responses
from gigsy.api.schema import PAGE_PARAMETERS, page_of
from gigsy.idempotency.api import idempotent

# --- rendering ------------------------------------------------------------------------------------


def _person(people: dict[int, accounts.UserSummary], user_id: int) -> dict[str, Any]:
    person = people.get(user_id)
    return {"id": user_id, "display_name": person.display_name if person else ""}


def _caller(contract: Contract, user: accounts.Principal) -> Party | None:
    return party_of(
        user_id=accounts.user_id_of(user),
        client_id=contract.client_id,
        freelancer_id=contract.freelancer_id,
    )


def milestone_body(contract: Contract, milestone: Milestone, party: Party | None) -> dict[str, Any]:
    """A milestone as `party` (None: an operator) sees it, with the steps it may take now."""
    proposer = party_of(
        user_id=milestone.cancel_proposed_by_id,
        client_id=contract.client_id,
        freelancer_id=contract.freelancer_id,
    )
    is_open = milestone.status not in (MilestoneStatus.APPROVED, MilestoneStatus.CANCELLED)
    submitted = milestone.status == MilestoneStatus.SUBMITTED and milestone.submitted_at
    counted = milestone.status in (MilestoneStatus.SUBMITTED, MilestoneStatus.APPROVED)
    return represent(s.MilestoneFields, milestone) | {
        "approved_amount": (
            contracts.approved_amount(contract=contract, milestone=milestone) if counted else None
        ),
        "auto_approves_at": (
            auto_approves_at(submitted_at=submitted, days=settings.GIGS_AUTO_APPROVE_DAYS)
            if submitted and proposer is None
            else None
        ),
        "cancellation": (
            {"proposed_by": proposer.value, "reason": milestone.cancel_reason}
            if proposer is not None and is_open
            else None
        ),
        "actions": [
            action.value
            for action in allowed_actions(
                status=milestone.status,
                party=party,
                proposed_by=proposer,
                money_status=milestone.money_status,
            )
        ],
        "contract_status": contract.status,
    }


def contract_body(contract: Contract, user: accounts.Principal) -> dict[str, Any]:
    items = selectors.milestones_of(contract_id=contract.pk)
    people = accounts.get_users((contract.client_id, contract.freelancer_id))
    party = _caller(contract, user)
    approved = [m for m in items if m.status == MilestoneStatus.APPROVED]
    window_ends = (
        review_window_ends(ended_at=contract.ended_at, days=settings.GIGS_REVIEW_WINDOW_DAYS)
        if contract.ended_at is not None and approved
        else None
    )
    can_review = (
        party is not None
        and window_ends is not None
        and selectors.review_refusal(
            contract=contract,
            user_id=accounts.user_id_of(user),
            now=timezone.now(),
            approved_work=True,
        )
        is None
    )
    return {
        "id": contract.pk,
        "gig_id": contract.gig_id,
        "title": contract.title,
        "skills": list(contract.skills),
        "pricing": contract.pricing,
        "currency": contract.currency,
        "hourly_rate": contract.hourly_rate,
        "weekly_hours_cap": contract.weekly_hours_cap,
        "status": contract.status,
        "started_at": contract.started_at,
        "ended_at": contract.ended_at,
        "client": _person(people, contract.client_id),
        "freelancer": _person(people, contract.freelancer_id),
        "my_role": party.value if party else None,
        "total_amount": sum(m.amount for m in items if m.status != MilestoneStatus.CANCELLED),
        "approved_amount": sum(
            contracts.approved_amount(contract=contract, milestone=m) for m in approved
        ),
        "milestones": [milestone_body(contract, m, party) for m in items],
        "can_review": can_review,
        "review_window_ends_at": window_ends,
    }


# --- contracts ------------------------------------------------------------------------------------
class ContractListView(APIView):
    @extend_schema(
        parameters=[s.ContractQuery, *PAGE_PARAMETERS],
        responses={200: page_of(s.ContractListOutput), **error_responses(400, 401)},
        summary="My contracts, as client or freelancer, newest first",
    )
    def get(self, request: Request) -> Response:
        query = parse_query(s.ContractQuery, request)
        me = accounts.user_id_of(request.user)
        paginator = PageNumberPagination()
        page = (
            paginator.paginate_queryset(
                selectors.contracts_of(
                    user_id=me, role=query.get("role"), status=query.get("status")
                ),
                request,
                view=self,
            )
            or []
        )
        others = {c.freelancer_id if c.client_id == me else c.client_id for c in page}
        people = accounts.get_users(others)
        rows = []
        for contract in page:
            mine = Party.CLIENT if contract.client_id == me else Party.FREELANCER
            other = contract.freelancer_id if mine == Party.CLIENT else contract.client_id
            rows.append(
                represent(
                    s.ContractListOutput,
                    {
                        "id": contract.pk,
                        "gig_id": contract.gig_id,
                        "title": contract.title,
                        "pricing": contract.pricing,
                        "currency": contract.currency,
                        "status": contract.status,
                        "my_role": mine.value,
                        "other_party": _person(people, other),
                        "total_amount": getattr(contract, "total_amount", 0),
                        "milestone_count": getattr(contract, "milestone_count", 0),
                        "milestones_ended": getattr(contract, "milestones_ended", 0),
                        "started_at": contract.started_at,
                        "ended_at": contract.ended_at,
                    },
                )
            )
        return paginator.get_paginated_response(rows)


class ContractDetailView(APIView):
    @extend_schema(
        responses={200: s.ContractDetailOutput, **error_responses(401, 404)},
        summary="A contract with its milestones and what I may do on each (its parties; "
        "operators read it)",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = policies.visible_contract(contract_id=contract_id, user=request.user)
        return Response(contract_body(contract, request.user))


class MilestoneCreateView(APIView):
    @extend_schema(
        request=s.NewMilestoneInput,
        responses={201: s.MilestoneOutput, **error_responses(400, 401, 403, 404, 409)},
        parameters=[LOCATION],
        summary="Add a milestone to an active fixed-price contract (its client)",
    )
    def post(self, request: Request, contract_id: int) -> Response:
        milestone = contracts.add_milestone(
            contract_id=contract_id, user=request.user, **parse(s.NewMilestoneInput, request)
        )
        contract = milestone.contract
        return created(
            request,
            milestone_body(contract, milestone, _caller(contract, request.user)),
            reverse(
                "gigs-milestone",
                kwargs={"contract_id": contract.pk, "milestone_id": milestone.pk},
            ),
        )


# --- one milestone --------------------------------------------------------------------------------
class MilestoneView(APIView):
    @extend_schema(
        responses={200: s.MilestoneOutput, **error_responses(401, 404)},
        summary="One milestone and what I may do on it",
    )
    def get(self, request: Request, contract_id: int, milestone_id: int) -> Response:
        contract, milestone = policies.visible_milestone(
            contract_id=contract_id, milestone_id=milestone_id, user=request.user
        )
        return Response(milestone_body(contract, milestone, _caller(contract, request.user)))


class MilestoneHistoryView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(s.MilestoneEventOutput), **error_responses(401, 404)},
        summary="A milestone's history, oldest first: every step, who took it and their note",
    )
    def get(self, request: Request, contract_id: int, milestone_id: int) -> Response:
        contract, milestone = policies.visible_milestone(
            contract_id=contract_id, milestone_id=milestone_id, user=request.user
        )
        paginator = PageNumberPagination()
        page = (
            paginator.paginate_queryset(
                selectors.milestone_history(milestone_id=milestone.pk), request, view=self
            )
            or []
        )
        rows = []
        for entry in page:
            party = party_of(
                user_id=entry.actor_id,
                client_id=contract.client_id,
                freelancer_id=contract.freelancer_id,
            )
            role = party.value if party else ("platform" if entry.actor_id is None else "operator")
            rows.append(
                represent(
                    s.MilestoneEventOutput,
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
        return paginator.get_paginated_response(rows)


# --- steps ----------------------------------------------------------------------------------------
Step = Callable[..., Milestone]


def step_response(request: Request, milestone: Milestone) -> Response:
    contract = milestone.contract  # the locked copy the step used (and may have ended)
    return Response(milestone_body(contract, milestone, _caller(contract, request.user)))


def _step(
    request: Request,
    step: Step,
    contract_id: int,
    milestone_id: int,
    **body: Any,
) -> Response:
    milestone = step(contract_id=contract_id, milestone_id=milestone_id, user=request.user, **body)
    return step_response(request, milestone)


STEP_ERRORS = error_responses(401, 403, 404, 409)


class SubmitView(APIView):
    @extend_schema(
        request=s.MilestoneSubmitInput,
        responses={200: s.MilestoneOutput, **error_responses(400, 401, 403, 404, 409)},
        summary="Submit the work of an active milestone, or again after changes were "
        "requested (the freelancer, verified; hourly: the hours worked)",
    )
    def post(self, request: Request, contract_id: int, milestone_id: int) -> Response:
        body = parse(s.MilestoneSubmitInput, request)
        return _step(request, milestones.submit_milestone, contract_id, milestone_id, **body)


class RequestChangesView(APIView):
    @extend_schema(
        request=s.MilestoneChangesInput,
        responses={200: s.MilestoneOutput, **error_responses(400, 401, 403, 404, 409)},
        summary="Send submitted work back with a note saying what to change (the client)",
    )
    def post(self, request: Request, contract_id: int, milestone_id: int) -> Response:
        body = parse(s.MilestoneChangesInput, request)
        return _step(request, milestones.request_changes, contract_id, milestone_id, **body)


class ApproveView(APIView):
    @extend_schema(
        request=None,
        responses={200: s.MilestoneOutput, **STEP_ERRORS},
        summary="Approve submitted work (the client; Idempotency-Key required): its escrow is "
        "released to the freelancer less the platform's fee (hourly: the approved hours x rate, "
        "the rest refunded); the last open milestone ends the contract",
    )
    @idempotent
    def post(self, request: Request, contract_id: int, milestone_id: int) -> Response:
        return _step(request, milestones.approve_milestone, contract_id, milestone_id)


class CancelView(APIView):
    @extend_schema(
        request=s.MilestoneCancelInput,
        responses={200: s.MilestoneOutput, **error_responses(400, 401, 403, 404, 409)},
        summary="Propose to cancel an open milestone, with a reason (either party); the other "
        "party accepts or declines",
    )
    def post(self, request: Request, contract_id: int, milestone_id: int) -> Response:
        body = parse(s.MilestoneCancelInput, request)
        return _step(request, milestones.propose_cancel, contract_id, milestone_id, **body)


class CancelAcceptView(APIView):
    @extend_schema(
        request=None,
        responses={200: s.MilestoneOutput, **STEP_ERRORS},
        summary="Accept the other party's cancellation: the milestone is cancelled and what "
        "its escrow holds is refunded to the client (Idempotency-Key required: it moves money)",
    )
    @idempotent
    def post(self, request: Request, contract_id: int, milestone_id: int) -> Response:
        return _step(request, milestones.accept_cancel, contract_id, milestone_id)


class CancelDeclineView(APIView):
    @extend_schema(
        request=None,
        responses={200: s.MilestoneOutput, **STEP_ERRORS},
        summary="Decline the other party's cancellation: the work goes on",
    )
    def post(self, request: Request, contract_id: int, milestone_id: int) -> Response:
        return _step(request, milestones.decline_cancel, contract_id, milestone_id)


class CancelWithdrawView(APIView):
    @extend_schema(
        request=None,
        responses={200: s.MilestoneOutput, **STEP_ERRORS},
        summary="Withdraw my cancellation proposal",
    )
    def post(self, request: Request, contract_id: int, milestone_id: int) -> Response:
        return _step(request, milestones.withdraw_cancel, contract_id, milestone_id)
