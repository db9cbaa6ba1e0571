"""Instructor gradebook: who is enrolled in a course and how far each learner got.

For the course's instructors and operators only (403 for anyone else who can see the course;
drafts and unknown slugs are 404 as everywhere). The rows come from the area's selectors: a page
costs the same number of queries whatever its size and the number of quizzes.

`?format=csv` or `Accept: text/csv` exports every row matching the filters (no pagination) as
a CSV attachment with the same columns, one "best score" column per quiz.

A learner's email shows (and is searched) only if the learner shares it with the course's
instructors (`.../enrollment/sharing`, off by default); operators see every email (ADR 0019).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from typing import Any, cast

from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.accounts import public as accounts
from apps.lms import policies
from apps.lms.gradebook import selectors as gradebook
from apps.lms.gradebook import services
from apps.lms.gradebook.api import serializers as gs
from apps.lms.models import EnrollmentStatus
from gigsy.api.inputs import parse
from gigsy.api.pagination import paginated
from gigsy.api.renderers import TextOrJSONRenderer
from gigsy.api.representation import represent
from gigsy.api.responses import error_responses, response_header
from gigsy.api.schema import PAGE_PARAMETERS, page_of

# Every figure of a row; the best scores follow, one column per quiz.
CSV_COLUMNS = [f.name for f in fields(gradebook.GradebookRow) if f.name != "best_scores"]
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CsvRenderer(TextOrJSONRenderer):
    """`text/csv` (or `?format=csv`): the body is the CSV text the view built."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


def _status(request: Request) -> str | None:
    value = request.query_params.get("status") or None
    if value is not None and value not in EnrollmentStatus.values:
        allowed = ", ".join(EnrollmentStatus.values)
        raise ValidationError({"status": [f"Unknown value {value!r}: one of {allowed}."]})
    return value


class GradebookView(APIView):
    # The stubs type these settings as dotted paths; DRF has imported the classes by now.
    renderer_classes = [
        *cast(list[type[BaseRenderer]], api_settings.DEFAULT_RENDERER_CLASSES),
        CsvRenderer,
    ]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=EnrollmentStatus.values),
            OpenApiParameter(
                "search", str, description="in the learner's name, or email if shared"
            ),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
            OpenApiParameter(
                "format", str, enum=["json", "csv"], description="csv: every row, no pages"
            ),
            response_header(
                "Content-Disposition",
                statuses=[200],
                required=False,
                description='CSV only: `attachment; filename="<slug>-gradebook.csv"`',
            ),
        ],
        responses={
            (200, "application/json"): page_of(gs.GradebookRowOutput),
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="Every matching row as a CSV attachment, a best-score column per quiz.",
            ),
            **error_responses(400, 401, 403, 404),
        },
        summary="The course's gradebook: every enrollment with its progress (its instructors)",
    )
    def get(self, request: Request, slug: str) -> Response:
        course = policies.taught_course(slug=slug, user=request.user)
        search = (request.query_params.get("search") or "").strip()[:200] or None
        rows = gradebook.gradebook(
            course=course,
            status=_status(request),
            search=search,
            with_emails=accounts.is_operator(request.user),
        )
        if request.accepted_renderer.format == CsvRenderer.format:
            response = Response(_csv(rows, quizzes=list(course.quizzes.all())))
            response["Content-Disposition"] = f'attachment; filename="{course.slug}-gradebook.csv"'
        else:
            response = paginated(request, self, rows, gs.GradebookRowOutput)
        patch_vary_headers(response, ["Accept"])
        return response


class GradebookQuizzesView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(gs.QuizSummaryOutput), **error_responses(401, 403, 404)},
        summary="Per quiz: attempts, learners who passed, average and best score (instructors)",
    )
    def get(self, request: Request, slug: str) -> Response:
        course = policies.taught_course(slug=slug, user=request.user)
        return paginated(request, self, gradebook.quiz_summary(course=course), gs.QuizSummaryOutput)


class EmailSharingView(APIView):
    """The learner's own choice, per course: do its instructors see my email?"""

    @extend_schema(
        responses={200: gs.EmailSharingOutput, **error_responses(401, 404)},
        summary="Whether the course's instructors see my email (off unless I turn it on)",
    )
    def get(self, request: Request, slug: str) -> Response:
        course = policies.visible_course(slug=slug, user=request.user)
        enrollment = services.sharing_of(course=course, user=request.user)
        return Response(represent(gs.EmailSharingOutput, enrollment))

    @extend_schema(
        request=gs.EmailSharingInput,
        responses={200: gs.EmailSharingOutput, **error_responses(400, 401, 404)},
        summary="Show or hide my email in the course's gradebook (404 if not enrolled)",
    )
    def patch(self, request: Request, slug: str) -> Response:
        course = policies.visible_course(slug=slug, user=request.user)
        enrollment = services.set_email_sharing(
            course=course,
            user=request.user,
            share=parse(gs.EmailSharingInput, request)["share_email_with_instructors"],
        )
        return Response(represent(gs.EmailSharingOutput, enrollment))


def _csv(rows: Iterable[gradebook.GradebookRow], *, quizzes: list[Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [*CSV_COLUMNS, *(_cell(f"best score: {quiz.title} (#{quiz.pk})") for quiz in quizzes)]
    )
    for row in rows:
        writer.writerow(
            [
                *(_cell(getattr(row, column)) for column in CSV_COLUMNS),
                *(_cell(row.best_scores.get(quiz.pk)) for quiz in quizzes),
            ]
        )
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
