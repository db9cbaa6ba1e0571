"""A certificate's facts: as the PDF prints them, and as the kernel's credential builder takes
them (an achievement credential for a subject, worded here, not in the kernel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from apps.lms.certificates.links import course_url, verify_url
from apps.lms.models import Certificate
from gigsy.credentials.open_badges import AchievementFacts


@dataclass(frozen=True)
class CertificateFacts:
    """What a certificate says, copied out of the lms models."""

    certificate_id: str
    verify_code: str
    learner_id: str
    learner_name: str
    course_id: str
    course_slug: str
    course_title: str
    course_summary: str
    skills: tuple[str, ...]
    issued_at: datetime  # timezone-aware; stored and published in UTC
    revoked: bool = False
    # Decided at issue time (docs/decisions/0011): the platform issued it (and signs its badge)
    # only if the course's creator was a verified instructor then; otherwise the creator did.
    issued_by_platform: bool = False
    creator_id: str | None = None
    creator_name: str = ""  # a snapshot taken at issue time


def facts_of(certificate: Certificate) -> CertificateFacts:
    """Reads the certificate's course (select it with the certificate to save a query)."""
    return CertificateFacts(
        certificate_id=str(certificate.pk),
        verify_code=certificate.verify_code,
        learner_id=str(certificate.user_id),
        learner_name=certificate.learner_name,
        course_id=str(certificate.course_id),
        course_slug=certificate.course.slug,
        course_title=certificate.course_title,
        course_summary=certificate.course.summary,
        skills=tuple(certificate.skills),
        issued_at=certificate.issued_at,
        revoked=certificate.revoked_at is not None,
        issued_by_platform=certificate.issued_by_platform,
        creator_id=None if certificate.creator_id is None else str(certificate.creator_id),
        creator_name=certificate.creator_name,
    )


def achievement_of(facts: CertificateFacts, *, issuer_name: str) -> AchievementFacts:
    """The certificate as an Open Badges achievement credential: the course is the achievement
    (its public URL, the same for every learner), completing it is the criterion."""
    return AchievementFacts(
        credential_id=verify_url(facts.verify_code),
        subject_id=facts.learner_id,
        subject_name=facts.learner_name,
        achievement_id=course_url(facts.course_slug),
        achievement_type="CertificateOfCompletion",
        achievement_name=facts.course_title,
        achievement_description=facts.course_summary.strip()
        or f"Certificate of completion of the course “{facts.course_title}”.",
        criteria_narrative=(
            f"Complete every required lesson and assessment of the course "
            f"“{facts.course_title}” on {issuer_name}."
        ),
        credential_name=f"{facts.course_title}: certificate of completion",
        tags=facts.skills,
        issued_at=facts.issued_at,
        revoked=facts.revoked,
        creator_id=facts.creator_id,
        creator_name=facts.creator_name,
    )
