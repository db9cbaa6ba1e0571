"""Who may do what to a course."""

from __future__ import annotations

from typing import Any

from apps.lms.models import Course, CourseInstructor
from gigsy.api.errors import ForbiddenError

AUTHOR_ROLES = ("instructor",)


def can_edit(*, course: Course, user: Any) -> bool:
    return bool(user.is_staff) or CourseInstructor.objects.filter(course=course, user=user).exists()


def require_editor(*, course: Course, user: Any) -> None:
    if not can_edit(course=course, user=user):
        raise ForbiddenError("Only the course's instructors may change it.")


def require_author(*, user: Any) -> None:
    if not (user.is_staff or getattr(user, "role", None) in AUTHOR_ROLES):
        raise ForbiddenError("Only instructors can create courses.")
