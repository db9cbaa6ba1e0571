"""Sample certificate facts shared by the certificate PDF and badge tests."""

from __future__ import annotations

from datetime import UTC, datetime

from apps.lms.certificates.facts import CertificateFacts

VERIFY_URL = "https://gigsy.example/certificates/verify/K7Q2-9XZD"


def sample_facts(**changes: object) -> CertificateFacts:
    facts: dict[str, object] = {
        "certificate_id": "9f0c3a52-4d1e-4b8a-9b61-0c2f7d3e8a11",
        "verify_code": "K7Q2-9XZD",
        "learner_id": "42",
        "learner_name": "Ada Lovelace",
        "course_id": "7",
        "course_slug": "python-basics",
        "course_title": "Python Basics",
        "course_summary": "Variables, loops and tests.",
        "skills": ("python", "testing"),
        "issued_at": datetime(2025, 3, 5, 12, 30, 15, 987654, tzinfo=UTC),
        "issued_by_platform": True,
        "creator_id": "5",
        "creator_name": "Ines",
    }
    facts.update(changes)
    return CertificateFacts(**facts)  # type: ignore[arg-type]
