"""Who issues a certificate: the platform signs Open Badges only for courses whose creator an
operator has verified; otherwise the certificate is the instructor's, and says so everywhere
(API, public verification, PDF), and there is no Gigsy-signed badge. Decided at issue time and
recorded on the certificate (docs/decisions/0011)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from pypdf import PdfReader

from apps.lms.certificates.services import issue_certificate, render_pdf
from apps.lms.models import Certificate, CourseInstructor
from gigsy.credentials.open_badges import build_open_badge, subject_id, verify_credential
from tests.factories import UserFactory
from tests.lms.certificate_facts import sample_facts
from tests.lms.conftest import BuiltCourse, client_for

pytestmark = pytest.mark.django_db


def verify(user: Any) -> None:
    get_user_model().objects.filter(pk=user.pk).update(
        instructor_verified_at=timezone.now(), instructor_verification_reason="Checked."
    )


def unverify(user: Any) -> None:
    get_user_model().objects.filter(pk=user.pk).update(instructor_verified_at=None)


def certificate_for(built: BuiltCourse, user: Any) -> Certificate:
    certificate, _ = issue_certificate(user_id=user.pk, course_id=built.course.pk)
    return certificate


def badge(user: Any, certificate: Certificate) -> Any:
    return client_for(user).get(f"/api/v1/certificates/{certificate.pk}/badge")


def test_an_unverified_instructors_course_gets_no_platform_signed_badge(
    built: BuiltCourse, learner: Any
) -> None:
    certificate = certificate_for(built, learner)

    response = badge(learner, certificate)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "issuer_not_verified"
    assert "Ines" in error["message"]


def test_the_certificate_says_it_is_issued_by_the_instructor(
    built: BuiltCourse, learner: Any, api: Any
) -> None:
    certificate = certificate_for(built, learner)

    mine = client_for(learner).get("/api/v1/certificates").json()["results"][0]
    public = api.get(f"/api/v1/certificates/verify/{certificate.verify_code}").json()

    expected = {"kind": "instructor", "name": "Ines"}
    assert mine["issuer"] == expected
    assert public["issuer"] == expected


def test_a_verified_instructors_course_gets_a_platform_signed_badge_naming_the_creator(
    built: BuiltCourse, instructor: Any, learner: Any, api: Any
) -> None:
    verify(instructor)
    certificate = certificate_for(built, learner)

    response = badge(learner, certificate)

    assert response.status_code == 200, response.content
    credential = verify_credential(
        response.json()["jwt"], api.get("/api/v1/certificates/jwks.json").json()
    )
    creator = credential["credentialSubject"]["achievement"]["creator"]
    assert creator["type"] == ["Profile"]
    assert creator["name"] == "Ines"
    assert creator["id"].startswith("urn:uuid:")
    assert creator["id"] != credential["issuer"]["id"]
    assert credential["issuer"]["name"] == "Gigsy"
    mine = client_for(learner).get("/api/v1/certificates").json()["results"][0]
    assert mine["issuer"] == {"kind": "platform", "name": "Gigsy"}


def test_verifying_later_does_not_re_sign_certificates_issued_before(
    built: BuiltCourse, instructor: Any, learner: Any, other_learner: Any
) -> None:
    before = certificate_for(built, learner)
    verify(instructor)
    after = certificate_for(built, other_learner)

    assert badge(learner, before).status_code == 409
    assert badge(other_learner, after).status_code == 200


def test_unverifying_later_keeps_what_the_platform_already_issued(
    built: BuiltCourse, instructor: Any, learner: Any, other_learner: Any
) -> None:
    verify(instructor)
    before = certificate_for(built, learner)
    unverify(instructor)
    after = certificate_for(built, other_learner)

    assert badge(learner, before).status_code == 200
    assert badge(other_learner, after).status_code == 409


def test_the_creator_counts_not_a_verified_co_instructor(
    built: BuiltCourse, instructor: Any, learner: Any
) -> None:
    colleague = UserFactory(email="vera@example.com", role="instructor", display_name="Vera")
    verify(colleague)
    CourseInstructor.objects.create(course=built.course, user_id=colleague.pk)

    certificate = certificate_for(built, learner)

    assert certificate.issued_by_platform is False
    assert certificate.creator_name == "Ines"
    assert badge(learner, certificate).status_code == 409


def test_the_creators_name_is_a_snapshot(built: BuiltCourse, instructor: Any, learner: Any) -> None:
    certificate_for(built, learner)
    get_user_model().objects.filter(pk=instructor.pk).update(display_name="Ines Renamed")

    mine = client_for(learner).get("/api/v1/certificates").json()["results"][0]

    assert mine["issuer"]["name"] == "Ines"


def pdf_text(certificate: Certificate) -> str:
    render_pdf(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_pdf_of_an_instructors_certificate_names_the_instructor_as_issuer(
    built: BuiltCourse, learner: Any
) -> None:
    text = pdf_text(certificate_for(built, learner))

    assert "Issued by Ines on Gigsy" in text
    assert "not verified by Gigsy" in text


def test_the_pdf_of_a_platform_certificate_names_the_platform_and_the_instructor(
    built: BuiltCourse, instructor: Any, learner: Any
) -> None:
    verify(instructor)
    text = pdf_text(certificate_for(built, learner))

    assert "GIGSY" in text
    assert "Course by Ines, verified instructor" in text
    assert "not verified" not in text


def test_the_credential_builder_names_a_given_creator_and_defaults_to_the_issuer() -> None:
    from dataclasses import replace

    from apps.lms.certificates.facts import achievement_of

    api = "https://api.gigsy.example"
    facts = achievement_of(sample_facts(), issuer_name="Gigsy")
    plain = build_open_badge(
        replace(facts, creator_id=None, creator_name=""), issuer_url=api, issuer_name="Gigsy"
    )
    named = build_open_badge(facts, issuer_url=api, issuer_name="Gigsy")

    assert (facts.creator_id, facts.creator_name) == ("5", "Ines")
    assert plain["credentialSubject"]["achievement"]["creator"] == plain["issuer"]
    creator = named["credentialSubject"]["achievement"]["creator"]
    assert creator == {"id": creator["id"], "type": ["Profile"], "name": "Ines"}
    assert creator["id"].startswith("urn:uuid:")
    # Stable per person and issuer, and not the person's subject id as a learner.
    assert (
        creator["id"]
        == build_open_badge(facts, issuer_url=api, issuer_name="G")["credentialSubject"][
            "achievement"
        ]["creator"]["id"]
    )
    assert creator["id"] != subject_id("5", issuer_url=api)
    assert named["issuer"] == plain["issuer"]


def test_operators_cannot_edit_who_issued_a_certificate(built: BuiltCourse, learner: Any) -> None:
    from django.test import Client

    certificate = certificate_for(built, learner)
    operator = UserFactory(email="op@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(operator)

    page = client.get(f"/admin/lms/certificate/{certificate.pk}/change/").content.decode()

    assert page.count("Ines") >= 1
    assert 'name="issued_by_platform"' not in page
    assert 'name="creator' not in page
