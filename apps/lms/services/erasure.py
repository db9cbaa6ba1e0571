"""A person deleted their account (`user.deleted`): what lms holds about them goes, or names
their pseudonym where a record must stay (docs/decisions/0023, section "lms").

By the time the event arrives accounts has already pseudonymized the account, so lms finds the
person's rows by user id only, never by their old email or name. Certificates are the
certificates area's (`certificates.services.pseudonymize_certificates`); the handler runs both
in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from apps.lms.models import (
    Certificate,
    Course,
    CourseInstructor,
    CourseInvitation,
    CourseStatus,
    Enrollment,
    InvitationStatus,
    Learner,
    LessonCompletion,
    QuizAttempt,
)
from apps.lms.services.authoring import delete_draft


@dataclass(frozen=True)
class Erased:
    """What one erasure changed (all zero and empty when run again)."""

    enrollments: int
    lesson_completions: int
    quiz_attempts: int
    invitations_deleted: int
    invitations_renamed: int
    courses_left: int
    drafts_deleted: int
    # Courses that stay (published or archived: learners keep them) with no instructor now;
    # operators find them with the course admin's "instructors: none" filter.
    without_instructor: tuple[int, ...]


@transaction.atomic
def erase_user(*, user_id: int, pseudonym: str) -> Erased:
    """Delete the person's learning (enrollments, lesson progress, quiz attempts with their
    answers) and lms's copy of them (`lms.learner`); the invitations they answered, and those
    they sent that are still pending; their teaching links (ownership passes to the earliest
    remaining instructor, a draft only they taught is deleted, any other course stays).
    Invitations they sent that others answered stay with their name replaced by `pseudonym`.

    Idempotent: a second call finds nothing left to change."""
    name = pseudonym[:80]  # invited_by_name's length: compared as stored, so a rerun matches
    _, attempts = QuizAttempt.objects.filter(user_id=user_id).delete()
    _, completions = LessonCompletion.objects.filter(enrollment__user_id=user_id).delete()
    _, enrollments = Enrollment.objects.filter(user_id=user_id).delete()
    Learner.objects.filter(user_id=user_id).delete()

    _, invitations = CourseInvitation.objects.filter(
        Q(answered_by_id=user_id) | Q(invited_by_id=user_id, status=InvitationStatus.PENDING)
    ).delete()
    renamed = (
        CourseInvitation.objects.filter(invited_by_id=user_id)
        .exclude(invited_by_name=name)
        .update(invited_by_name=name)
    )

    left, drafts, orphaned = _leave_courses(user_id)
    return Erased(
        enrollments=enrollments.get(Enrollment._meta.label, 0),
        lesson_completions=completions.get(LessonCompletion._meta.label, 0),
        quiz_attempts=attempts.get(QuizAttempt._meta.label, 0),
        invitations_deleted=invitations.get(CourseInvitation._meta.label, 0),
        invitations_renamed=renamed,
        courses_left=left,
        drafts_deleted=drafts,
        without_instructor=tuple(orphaned),
    )


def _leave_courses(user_id: int) -> tuple[int, int, list[int]]:
    """Remove the person from every course they teach; returns (courses left, drafts deleted,
    ids of courses left without an instructor)."""
    course_ids = CourseInstructor.objects.filter(user_id=user_id).values("course_id")
    # The courses' rows first, as accepting an invitation takes them: an invitee joining now
    # waits, then sees the course as this leaves it. Then their instructor rows, as
    # remove_instructor takes them.
    courses = list(Course.objects.select_for_update().filter(pk__in=course_ids).order_by("pk"))
    links = list(
        CourseInstructor.objects.select_for_update()
        .filter(course__in=courses)
        .order_by("course_id", "pk")
    )
    left, drafts, orphaned = 0, 0, []
    for course in courses:
        teaching = [link for link in links if link.course_id == course.pk]
        mine = next(link for link in teaching if link.user_id == user_id)
        others = [link for link in teaching if link.user_id != user_id]
        if not others and _unused_draft(course):
            delete_draft(course=course)  # their unpublished work, seen by nobody else
            drafts += 1
            continue
        mine.delete()
        left += 1
        if not others:
            orphaned.append(course.pk)
        elif mine.is_owner:  # as when an operator removes an owner (ADR 0019)
            heir = others[0]
            heir.is_owner = True
            heir.save(update_fields=["is_owner"])
    return left, drafts, orphaned


def _unused_draft(course: Course) -> bool:
    """A draft nobody learned from (drafts take no enrollments; the admin could add one)."""
    return (
        course.status == CourseStatus.DRAFT
        and not Enrollment.objects.filter(course=course).exists()
        and not Certificate.objects.filter(course=course).exists()
    )


def forget_invitations_to(*, addresses: list[str]) -> int:
    """Delete pending co-teaching invitations addressed to `addresses` (lower-cased): the one
    trace lms keeps of a person by address rather than by id. Called by accounts, through
    `public.forget_addresses`, in the transaction that deletes the account, while the address is
    still known (docs/decisions/0022). Answered invitations already name the account by id and
    are handled by `erase_user`. Returns how many were deleted."""
    deleted, _ = CourseInvitation.objects.filter(
        email__in=addresses, status=InvitationStatus.PENDING
    ).delete()
    return deleted
