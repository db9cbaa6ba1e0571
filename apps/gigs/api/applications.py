"""Applications and hiring API: apply, the gig's applications for its client, my applications,
one application, and its steps (withdraw, shortlist, reject, accept).

Thin views: the services (services/applications.py, services/hiring.py) check who may take a
step and whether its state allows it; the access policy decides who sees what. A page of
applications costs a fixed number of queries whatever its length: the rows with their gig,
rating and contract (selectors._for_display), the count, and the applicants' names from
accounts in one call.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import public as accounts
from apps.gigs import policies, selectors
from apps.gigs.api import application_serializers as s
from apps.gigs.models import Application
from apps.gigs.rules.transitions import allowed_actions
from apps.gigs.services import applications, hiring
from gigsy.api.inputs import parse, parse_query
from gigsy.api.pagination import PageNumberPagination
from gigsy.api.representation import represent
from gigsy.api.responses import LOCATION, created, error_responses
from gigsy.api.schema import PAGE_PARAMETERS, page_of
from gigsy.errors import NotFoundError

CLIENT_ACTIONS = frozenset({"shortlist", "reject", "accept"})
APPLICANT_ACTIONS = frozenset({"withdraw"})


def contract_path(contract_id: int) -> str:
    """Where a contract lives (the contract area's routes: api/contract_urls.py)."""
    return f"/api/v1/gigs/contracts/{contract_id}"


def _rating(total: int | None, count: int | None) -> dict[str, Any]:
    if not count:
        return {"average": None, "count": 0}
    average = (Decimal(total or 0) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {"average": average, "count": count}


def _actions(application: Application, user: accounts.Principal) -> list[str]:
    uid = accounts.user_id_of(user)
    mine = (APPLICANT_ACTIONS if application.applicant_id == uid else frozenset()) | (
        CLIENT_ACTIONS if application.gig.client_id == uid else frozenset()
    )
    return [a for a in allowed_actions(applications.APPLICATIONS, application.status) if a in mine]


def rows(applications_: Iterable[Application], user: accounts.Principal) -> list[dict[str, Any]]:
    """Applications as the API shows them, with the applicants' names (one accounts query for
    the lot). The rows come from the selectors' display queryset (rating and contract
    annotated) or are annotated with defaults here."""
    items = list(applications_)
    people = accounts.get_users(a.applicant_id for a in items)
    out = []
    for a in items:
        person = people.get(a.applicant_id)
        gig = a.gig
        out.append(
            represent(
                s.ApplicationOutput,
                {
                    "id": a.pk,
                    "gig": {
                        "id": gig.pk,
                        "title": gig.title,
                        "status": gig.status,
                        "pricing": gig.pricing,
                        "currency": gig.currency,
                    },
                    "applicant": {
                        "id": a.applicant_id,
                        "display_name": person.display_name if person else "",
                        "rating": _rating(
                            getattr(a, "applicant_rating_sum", None),
                            getattr(a, "applicant_rating_count", None),
                        ),
                    },
                    "cover_letter": a.cover_letter,
                    "bid_amount": a.bid_amount,
                    "status": a.status,
                    "status_reason": a.status_reason,
                    "created_at": a.created_at,
                    "updated_at": a.updated_at,
                    "decided_at": a.decided_at,
                    "contract_id": getattr(a, "contract_id", None),
                    "actions": _actions(a, user),
                },
            )
        )
    return out


def _page(request: Request, view: APIView, query: QuerySet[Application]) -> Response:
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(query, request, view=view)
    return paginator.get_paginated_response(rows(page or [], request.user))


def _displayed(application_id: int, user: accounts.Principal) -> dict[str, Any]:
    """One application as the API shows it, re-read after a step (rating, contract)."""
    application = selectors.application_for_display(application_id=application_id)
    if application is None:
        raise NotFoundError(policies.NO_SUCH_APPLICATION)
    [row] = rows([application], user)
    return row


# --- a gig's applications -------------------------------------------------------------------------
class GigApplicationsView(APIView):
    @extend_schema(
        parameters=[s.ApplicationQuery, *PAGE_PARAMETERS],
        responses={200: page_of(s.ApplicationOutput), **error_responses(400, 401, 403, 404)},
        summary="A gig's applications, newest first, with each applicant's name and rating "
        "(the gig's client; operators)",
    )
    def get(self, request: Request, gig_id: int) -> Response:
        gig = policies.visible_gig(gig_id=gig_id, user=request.user)
        if not accounts.is_operator(request.user):
            policies.require_gig_client(gig=gig, user=request.user)
        query = parse_query(s.ApplicationQuery, request)
        return _page(
            request, self, selectors.applications_of_gig(gig_id=gig.pk, status=query.get("status"))
        )

    @extend_schema(
        request=s.ApplyInput,
        responses={201: s.ApplicationOutput, **error_responses(400, 401, 403, 404, 409)},
        parameters=[LOCATION],
        summary="Apply to an open gig with a cover letter and a bid (verified learners)",
    )
    def post(self, request: Request, gig_id: int) -> Response:
        application = applications.apply(
            gig_id=gig_id, user=request.user, **parse(s.ApplyInput, request)
        )
        return created(
            request,
            _displayed(application.pk, request.user),
            reverse("gigs-application", kwargs={"application_id": application.pk}),
        )


# --- my applications, one application -------------------------------------------------------------
class MyApplicationsView(APIView):
    @extend_schema(
        parameters=[s.ApplicationQuery, *PAGE_PARAMETERS],
        responses={200: page_of(s.ApplicationOutput), **error_responses(400, 401)},
        summary="The applications I made, newest first",
    )
    def get(self, request: Request) -> Response:
        query = parse_query(s.ApplicationQuery, request)
        return _page(
            request,
            self,
            selectors.applications_of_applicant(
                applicant_id=accounts.user_id_of(request.user), status=query.get("status")
            ),
        )


class ApplicationView(APIView):
    @extend_schema(
        responses={200: s.ApplicationOutput, **error_responses(401, 404)},
        summary="One application (its applicant, the gig's client, operators)",
    )
    def get(self, request: Request, application_id: int) -> Response:
        application = selectors.application_for_display(application_id=application_id)
        if application is None or not policies.can_see_application(
            application=application, user=request.user
        ):
            raise NotFoundError(policies.NO_SUCH_APPLICATION)
        [row] = rows([application], request.user)
        return Response(row)


# --- steps ----------------------------------------------------------------------------------------
class WithdrawView(APIView):
    @extend_schema(
        request=None,
        responses={200: s.ApplicationOutput, **error_responses(401, 403, 404, 409)},
        summary="Withdraw my application (submitted or shortlisted)",
    )
    def post(self, request: Request, application_id: int) -> Response:
        applications.withdraw(application_id=application_id, user=request.user)
        return Response(_displayed(application_id, request.user))


class ShortlistView(APIView):
    @extend_schema(
        request=None,
        responses={200: s.ApplicationOutput, **error_responses(401, 403, 404, 409)},
        summary="Shortlist a submitted application (the gig's client)",
    )
    def post(self, request: Request, application_id: int) -> Response:
        applications.shortlist(application_id=application_id, user=request.user)
        return Response(_displayed(application_id, request.user))


class RejectView(APIView):
    @extend_schema(
        request=s.RejectInput,
        responses={200: s.ApplicationOutput, **error_responses(400, 401, 403, 404, 409)},
        summary="Reject an application, with an optional reason the applicant sees (the gig's "
        "client)",
    )
    def post(self, request: Request, application_id: int) -> Response:
        applications.reject(
            application_id=application_id, user=request.user, **parse(s.RejectInput, request)
        )
        return Response(_displayed(application_id, request.user))


class AcceptView(APIView):
    @extend_schema(
        request=s.AcceptInput,
        responses={201: s.AcceptOutput, **error_responses(400, 401, 403, 404, 409)},
        parameters=[LOCATION],
        summary="Accept an application: the gig is filled, the other applications are "
        "rejected and a contract starts with its milestones (the gig's client)",
    )
    def post(self, request: Request, application_id: int) -> Response:
        contract = hiring.accept(
            application_id=application_id, user=request.user, **parse(s.AcceptInput, request)
        )
        # The application row is already rendered by ApplicationOutput (AcceptOutput's field).
        body = {"contract_id": contract.pk, "application": _displayed(application_id, request.user)}
        return created(request, body, contract_path(contract.pk))
