"""A certificate's facts as the credential and PDF builders want them."""

from __future__ import annotations

from apps.lms.credentials import CertificateFacts
from apps.lms.models import Certificate


def facts_of(certificate: Certificate) -> CertificateFacts:
    return CertificateFacts(
        certificate_id=str(certificate.pk),
        verify_code=certificate.verify_code,
        learner_id=str(certificate.user_id),
        learner_name=certificate.learner_name,
        course_id=str(certificate.course_id),
        course_title=certificate.course_title,
        course_summary=certificate.course.summary,
        skills=tuple(certificate.skills),
        issued_at=certificate.issued_at,
        revoked=certificate.revoked_at is not None,
    )
