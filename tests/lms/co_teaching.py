"""Making someone a co-instructor the only way there is: invited by email, and they accept."""

from __future__ import annotations

from typing import Any

from apps.lms.models import Course, CourseInvitation
from apps.lms.services import authoring


def co_teach(course: Course, *, by: Any, colleague: Any) -> None:
    """`by` invites `colleague` (a User) to co-teach `course`; the colleague accepts."""
    authoring.invite_instructor(course=course, user=by, email=colleague.email)
    invitation = CourseInvitation.objects.get(
        course=course, email=colleague.email.lower(), status="pending"
    )
    authoring.accept_invitation(invitation_id=invitation.pk, user=colleague)
