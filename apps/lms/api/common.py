"""Pieces every lms view uses: input parsing, lookups that hide what a user may not see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.lms import selectors
from apps.lms.models import Course, Lesson
from gigsy.api.errors import ForbiddenError, NotFoundError
from gigsy.api.pagination import PageNumberPagination
from gigsy.api.representation import represent

ERROR = OpenApiResponse(description="Error envelope: {error: {code, message, fields?}}")


def parse(serializer_class: type, request: Request) -> dict[str, Any]:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def course_or_404(slug: str, user: Any) -> Course:
    """The course alone (one query), if the user may see it."""
    course = Course.objects.filter(slug=slug).first()
    if course is None or not selectors.can_see(course=course, user=user):
        raise NotFoundError("No such course.")
    return course


def taught_course(slug: str, user: Any) -> Course:
    """The course, for its instructors and operators only (403 for others who can see it)."""
    course = course_or_404(slug, user)
    if not selectors.is_instructor(course=course, user=user):
        raise ForbiddenError("Only the course's instructors may do this.")
    return course


def syllabus_or_404(slug: str, user: Any) -> Course:
    """The course with modules, lessons and quizzes prefetched: for CourseDetailOutput."""
    course = selectors.visible_course(slug=slug, user=user)
    if course is None:
        raise NotFoundError("No such course.")
    return course


def paginated(request: Request, view: APIView, queryset: QuerySet, output: type) -> Response:
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response([represent(output, item) for item in page or []])


def lesson_or_404(lesson_id: int, user: Any) -> Lesson:
    lesson = Lesson.objects.select_related("module__course").filter(pk=lesson_id).first()
    if lesson is None or not selectors.can_see(course=lesson.module.course, user=user):
        raise NotFoundError("No such lesson.")
    return lesson
