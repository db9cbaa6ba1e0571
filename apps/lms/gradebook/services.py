"""Writes of the gradebook area: what a learner lets the course's instructors see (ADR 0019)."""

from __future__ import annotations

from django.db import transaction

from apps.accounts import public as accounts
from apps.lms.models import Course, Enrollment
from gigsy.errors import NotFoundError


def sharing_of(*, course: Course, user: accounts.Principal) -> Enrollment:
    """The caller's enrollment in the course (404 when there is none)."""
    enrollment = Enrollment.objects.filter(course=course, user_id=accounts.user_id_of(user)).first()
    if enrollment is None:
        raise NotFoundError("You are not enrolled in this course.")
    return enrollment


@transaction.atomic
def set_email_sharing(*, course: Course, user: accounts.Principal, share: bool) -> Enrollment:
    """Show (or stop showing) the learner's email to the course's instructors in the gradebook;
    off until the learner turns it on."""
    enrollment = sharing_of(course=course, user=user)
    if enrollment.share_email_with_instructors != share:
        enrollment.share_email_with_instructors = share
        enrollment.save(update_fields=["share_email_with_instructors"])
    return enrollment
