"""The learning context's public surface: what another context may ask synchronously.

Frozen dataclasses and ids only, never model instances (docs/decisions/0010). Most of what
other contexts need travels in lms's events (`course.published`, `certificate.issued`, ...);
these reads are for the moments an event cannot serve: showing *current* course data, or
checking a credential a user presents (e.g. a gig applicant's certificate code).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from apps.accounts import public as accounts
from apps.lms import selectors
from apps.lms.certificates import selectors as certificate_selectors
from apps.lms.certificates.links import verify_url
from apps.lms.models import (
    Certificate,
    Course,
    CourseInvitation,
    CourseStatus,
    Question,
    QuizAttempt,
)
from apps.lms.services import erasure


@dataclass(frozen=True, slots=True)
class CourseSummary:
    id: int
    slug: str
    title: str
    summary: str
    level: str
    skills: tuple[str, ...]
    status: str
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class CertificateSummary:
    id: int
    user_id: int
    course_id: int
    course_title: str
    skills: tuple[str, ...]
    verify_code: str
    issued_at: datetime
    revoked: bool


_COURSE_FIELDS = ("id", "slug", "title", "summary", "level", "skills", "status", "published_at")


def get_courses(
    course_ids: Iterable[int], *, published_only: bool = True
) -> dict[int, CourseSummary]:
    """Summaries by id, in one query; unknown ids (and, by default, unpublished courses, which
    other contexts must not show) are absent."""
    ids = {int(course_id) for course_id in course_ids}
    if not ids:
        return {}
    query = Course.objects.filter(pk__in=ids)
    if published_only:
        query = query.filter(status=CourseStatus.PUBLISHED)
    return {
        row["id"]: CourseSummary(**{**row, "skills": tuple(row["skills"])})
        for row in query.values(*_COURSE_FIELDS)
    }


def _certificate(certificate: Certificate) -> CertificateSummary:
    return CertificateSummary(
        id=certificate.pk,
        user_id=certificate.user_id,
        course_id=certificate.course_id,
        course_title=certificate.course_title,
        skills=tuple(certificate.skills),
        verify_code=certificate.verify_code,
        issued_at=certificate.issued_at,
        revoked=certificate.revoked_at is not None,
    )


def certificate_by_code(code: str) -> CertificateSummary | None:
    """The certificate a verification code names (revoked ones too: `revoked` says so)."""
    certificate = certificate_selectors.certificate_by_code(code=code)
    return _certificate(certificate) if certificate is not None else None


def certificates_of(user_id: int) -> list[CertificateSummary]:
    """A user's certificates, newest first, revoked ones included."""
    return [_certificate(c) for c in certificate_selectors.certificates_of(user_id=user_id)]


# --- a person's data, for the account export (issue 11) -----------------------------------------


def forget_addresses(addresses: list[str]) -> None:
    """gigsy.privacy hook: a deleted account's addresses (docs/decisions/0022). lms forgets the
    pending co-teaching invitations sent to them, which name no account."""
    erasure.forget_invitations_to(addresses=addresses)


def export_user(user_id: int) -> dict[str, Any]:
    """Your learning: the copy of your name and email that courses show, your enrollments with
    their progress and your choice to share your email with instructors, the lessons you
    completed, your quiz attempts with the answers you gave, your certificates, the co-teaching
    invitations you received and sent, and the courses you teach.

    JSON-serialisable with readable keys (times in ISO 8601, scores as the API writes them);
    about ten queries whatever the number of rows. The answer keys of quizzes are not the
    learner's data and stay out."""
    me = accounts.get_user(user_id)
    copy = selectors.learner_copy(user_id=user_id)
    attempts = list(selectors.attempts_with_quiz(user_id=user_id))
    questions = selectors.questions_by_id(qid for a in attempts for qid in a.question_ids)
    return {
        "learner profile": None
        if copy is None
        else {
            "display name": copy.display_name,
            "email": copy.email,
            "copied at": _iso(copy.refreshed_at),
        },
        "enrollments": [
            {
                "course id": e.course_id,
                "course slug": e.course.slug,
                "course title": e.course.title,
                "status": e.status,
                "enrolled at": _iso(e.enrolled_at),
                "completed at": _iso(e.completed_at),
                "progress cycle": e.cycle,
                "progress percent": selectors.percent_of(e),
                "share email with instructors": e.share_email_with_instructors,
            }
            for e in selectors.enrollments_with_progress(user_id=user_id)
        ],
        "lesson progress": [
            {
                "course slug": c.lesson.module.course.slug,
                "course title": c.lesson.module.course.title,
                "module title": c.lesson.module.title,
                "lesson id": c.lesson_id,
                "lesson title": c.lesson.title,
                "completed at": _iso(c.completed_at),
            }
            for c in selectors.lesson_completions_of(user_id=user_id)
        ],
        "quiz attempts": [_attempt(a, questions) for a in attempts],
        "certificates": [
            {
                "course slug": c.course.slug,
                "course title": c.course_title,
                "name on certificate": c.learner_name,
                "verify code": c.verify_code,
                "verify url": verify_url(c.verify_code),
                "issued at": _iso(c.issued_at),
                "issued by": settings.CERTIFICATE_ISSUER_NAME
                if c.issued_by_platform
                else c.creator_name,
                "revoked at": _iso(c.revoked_at),
                "revoke reason": c.revoke_reason or None,
            }
            for c in certificate_selectors.certificates_of(user_id=user_id).select_related("course")
        ],
        "invitations received": [
            _invitation(i)
            for i in selectors.invitations_received(user_id=user_id, email=me.email if me else None)
        ],
        "invitations sent": [
            {**_invitation(i), "invitee email": i.email}
            for i in selectors.invitations_sent(user_id=user_id)
        ],
        "courses taught": [
            {
                "course id": link.course_id,
                "course slug": link.course.slug,
                "course title": link.course.title,
                "course status": link.course.status,
                "role": "owner" if link.is_owner else "co-instructor",
            }
            for link in selectors.teaching_links(user_id=user_id)
        ],
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _attempt(attempt: QuizAttempt, questions: dict[int, Question]) -> dict[str, Any]:
    """An attempt with each drawn question, in the order drawn, and the learner's answer as
    submitted."""
    answers = []
    for qid in attempt.question_ids:
        question = questions.get(qid)
        answers.append(
            {
                "question id": qid,
                "question": question.prompt if question else None,
                "choices": question.choices if question and question.choices else None,
                "your answer": attempt.answers.get(str(qid)),
                "points earned": attempt.results.get(str(qid)),
            }
        )
    return {
        "course slug": attempt.quiz.course.slug,
        "quiz id": attempt.quiz_id,
        "quiz title": attempt.quiz.title,
        "progress cycle": attempt.cycle,
        "attempt number": attempt.number,
        "started at": _iso(attempt.started_at),
        "deadline": _iso(attempt.deadline),
        "submitted at": _iso(attempt.submitted_at),
        "score percent": None if attempt.score_percent is None else str(attempt.score_percent),
        "passed": attempt.passed,
        "answers": answers,
    }


def _invitation(invitation: CourseInvitation) -> dict[str, Any]:
    return {
        "course slug": invitation.course.slug,
        "course title": invitation.course.title,
        "invited by": invitation.invited_by_name,
        "status": invitation.status,
        "invited at": _iso(invitation.created_at),
        "answered at": _iso(invitation.answered_at),
    }
