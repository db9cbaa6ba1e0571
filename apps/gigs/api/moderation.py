"""Moderation API: report a gig, see one's reports; a client's blocks of applicants.

Thin views: parse input, call the service (services/moderation.py) or a selector, shape output.
Operators decide reports in the admin (admin/moderation.py), not here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.public import get_users, user_id_of
from apps.gigs import policies, selectors
from apps.gigs.api import moderation_serializers as s
from apps.gigs.models import ApplicantBlock
from apps.gigs.services import moderation
from gigsy.api.inputs import parse
from gigsy.api.pagination import PageNumberPagination, paginated
from gigsy.api.representation import represent
from gigsy.api.responses import LOCATION, created, error_responses
from gigsy.api.schema import PAGE_PARAMETERS, page_of
from gigsy.errors import NotFoundError


# --- reports --------------------------------------------------------------------------------------
class GigReportsView(APIView):
    @extend_schema(
        request=s.ReportInput,
        responses={201: s.ReportOutput, **error_responses(400, 401, 403, 404, 409)},
        parameters=[LOCATION],
        summary="Report a gig (scam, spam, offensive) to the operators",
    )
    def post(self, request: Request, gig_id: int) -> Response:
        report = moderation.report_gig(
            gig_id=gig_id, user=request.user, **parse(s.ReportInput, request)
        )
        return created(
            request,
            represent(s.ReportOutput, report),
            reverse("gigs-report", kwargs={"report_id": report.pk}),
        )


class MyReportsView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(s.ReportOutput), **error_responses(401)},
        summary="The reports I filed, newest first, with what operators decided",
    )
    def get(self, request: Request) -> Response:
        reports = selectors.reports_by(reporter_id=user_id_of(request.user))
        return paginated(request, self, reports, s.ReportOutput)


class ReportView(APIView):
    @extend_schema(
        responses={200: s.ReportOutput, **error_responses(401, 404)},
        summary="One of my reports (operators: any report)",
    )
    def get(self, request: Request, report_id: int) -> Response:
        report = policies.visible_report(report_id=report_id, user=request.user)
        return Response(represent(s.ReportOutput, report))


# --- blocks ---------------------------------------------------------------------------------------
def _block_rows(blocks: list[ApplicantBlock]) -> list[dict[str, Any]]:
    """Blocks with the blocked people's names (one accounts query for the lot)."""
    people = get_users(b.blocked_id for b in blocks)
    return [
        represent(
            s.BlockOutput,
            {
                "user_id": b.blocked_id,
                "display_name": people[b.blocked_id].display_name if b.blocked_id in people else "",
                "created_at": b.created_at,
            },
        )
        for b in blocks
    ]


class BlockListView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(s.BlockOutput), **error_responses(401)},
        summary="The people I blocked from applying to my gigs, most recent first",
    )
    def get(self, request: Request) -> Response:
        blocks: QuerySet[ApplicantBlock] = selectors.blocks_by(client_id=user_id_of(request.user))
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(blocks, request, view=self)
        return paginator.get_paginated_response(_block_rows(list(page or [])))

    @extend_schema(
        request=s.BlockInput,
        responses={
            201: s.BlockOutput,
            200: s.BlockOutput,
            **error_responses(400, 401, 404),
        },
        parameters=[LOCATION],
        summary="Block a person who applied to one of my gigs from applying again (again: no-op)",
    )
    def post(self, request: Request) -> Response:
        block, is_new = moderation.block_applicant(
            client=request.user, **parse(s.BlockInput, request)
        )
        [body] = _block_rows([block])
        if is_new:
            return created(
                request, body, reverse("gigs-block", kwargs={"user_id": block.blocked_id})
            )
        return Response(body)


class BlockView(APIView):
    @extend_schema(
        responses={200: s.BlockOutput, **error_responses(401, 404)},
        summary="Whether I blocked this person",
    )
    def get(self, request: Request, user_id: int) -> Response:
        block = selectors.block_of(client_id=user_id_of(request.user), blocked_id=user_id)
        if block is None:
            raise NotFoundError("You have not blocked this person.")
        [body] = _block_rows([block])
        return Response(body)

    @extend_schema(
        request=None,
        responses={204: None, **error_responses(401, 404)},
        summary="Unblock a person: they may apply to my gigs again",
    )
    def delete(self, request: Request, user_id: int) -> Response:
        moderation.unblock_applicant(client=request.user, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
