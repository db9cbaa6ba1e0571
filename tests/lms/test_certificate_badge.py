"""How lms words a certificate as an Open Badges achievement credential (the kernel lays it
out): the course is the achievement, completing it the criterion."""

from __future__ import annotations

from typing import Any

import pytest

from apps.lms.certificates.facts import achievement_of
from gigsy.credentials.open_badges import build_open_badge
from tests.lms.certificate_facts import sample_facts

API = "https://api.gigsy.example"


@pytest.fixture(autouse=True)
def public_url(settings: Any) -> None:
    settings.PUBLIC_API_URL = API


def test_a_certificate_is_a_certificate_of_completion_of_its_course() -> None:
    facts = achievement_of(sample_facts(), issuer_name="Gigsy")

    assert facts.credential_id == f"{API}/api/v1/certificates/verify/K7Q2-9XZD"
    assert facts.subject_id == "42"
    assert facts.subject_name == "Ada Lovelace"
    assert facts.achievement_id == f"{API}/api/v1/lms/courses/python-basics"
    assert facts.achievement_type == "CertificateOfCompletion"
    assert facts.achievement_name == "Python Basics"
    assert facts.achievement_description == "Variables, loops and tests."
    assert "Python Basics" in facts.criteria_narrative
    assert "Gigsy" in facts.criteria_narrative
    assert facts.credential_name == "Python Basics: certificate of completion"
    assert facts.tags == ("python", "testing")
    assert facts.issued_at == sample_facts().issued_at
    assert not facts.revoked
    assert achievement_of(sample_facts(revoked=True), issuer_name="Gigsy").revoked


def test_the_achievement_is_the_same_course_for_every_learner() -> None:
    mine = achievement_of(sample_facts(), issuer_name="Gigsy")
    theirs = achievement_of(
        sample_facts(learner_id="43", verify_code="OTHERCODE234"), issuer_name="Gigsy"
    )

    assert mine.achievement_id == theirs.achievement_id
    assert mine.credential_id != theirs.credential_id


def test_empty_summary_gets_a_description_and_no_skills_no_tag() -> None:
    facts = achievement_of(sample_facts(course_summary="  ", skills=()), issuer_name="Gigsy")
    achievement = build_open_badge(facts, issuer_url=API, issuer_name="Gigsy")["credentialSubject"][
        "achievement"
    ]

    assert "Python Basics" in achievement["description"]
    assert "tag" not in achievement
