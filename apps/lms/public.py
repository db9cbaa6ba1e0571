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

from apps.lms.certificates import selectors as certificate_selectors
from apps.lms.models import Certificate, Course, CourseStatus


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
