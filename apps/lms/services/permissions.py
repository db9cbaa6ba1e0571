"""Who may do what to a course. Roles and operator status come from accounts' public surface,
answered from the authenticated principal without a query."""

from __future__ import annotations

from typing import Any

from apps.accounts import public as accounts
from apps.lms.models import Course, CourseInstructor
from gigsy.api.errors import ForbiddenError

AUTHOR_ROLES = (accounts.INSTRUCTOR,)


def may_author(user: Any) -> bool:
    """Operators and instructors create courses (and may be made co-instructors)."""
    return accounts.is_operator(user) or any(accounts.has_role(user, r) for r in AUTHOR_ROLES)


def can_edit(*, course: Course, user: Any) -> bool:
    return (
        accounts.is_operator(user)
        or CourseInstructor.objects.filter(course=course, user=user).exists()
    )


def require_editor(*, course: Course, user: Any) -> None:
    if not can_edit(course=course, user=user):
        raise ForbiddenError("Only the course's instructors may change it.")


def require_author(*, user: Any) -> None:
    if not may_author(user):
        raise ForbiddenError("Only instructors can create courses.")
