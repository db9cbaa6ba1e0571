"""Sample achievement facts for the kernel's credential tests."""

from __future__ import annotations

from datetime import UTC, datetime

from gigsy.credentials.open_badges import AchievementFacts

VERIFY_URL = "https://gigsy.example/certificates/verify/K7Q2-9XZD"
ACHIEVEMENT_URL = "https://gigsy.example/courses/python-basics"


def sample_facts(**changes: object) -> AchievementFacts:
    facts: dict[str, object] = {
        "credential_id": VERIFY_URL,
        "subject_id": "42",
        "subject_name": "Ada Lovelace",
        "achievement_id": ACHIEVEMENT_URL,
        "achievement_type": "CertificateOfCompletion",
        "achievement_name": "Python Basics",
        "achievement_description": "Variables, loops and tests.",
        "criteria_narrative": "Complete the course.",
        "credential_name": "Python Basics: certificate of completion",
        "tags": ("python", "testing"),
        "issued_at": datetime(2025, 3, 5, 12, 30, 15, 987654, tzinfo=UTC),
    }
    facts.update(changes)
    return AchievementFacts(**facts)  # type: ignore[arg-type]
