"""A certificate's PDF as a link a browser opens without a Bearer header; never for a revoked
certificate, whose PDF is refused everywhere (security issue 10: it used to download clean)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from rest_framework.test import APIClient

from apps.lms.certificates.services import issue_certificate, render_pdf, revoke_certificate
from tests.lms.conftest import client_for

pytestmark = pytest.mark.django_db
CERTIFICATES = "/api/v1/certificates"


@pytest.fixture
def certificate(built, learner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_API_URL = "https://api.gigsy.test"
    certificate, _ = issue_certificate(user_id=learner.pk, course_id=built.course.pk)
    return certificate


def my_certificate(learner) -> dict:
    body = client_for(learner).get(CERTIFICATES).json()
    (only,) = body["results"]
    return only


def test_pdf_url_is_null_until_the_pdf_is_rendered_then_opens_without_login(
    certificate, learner
) -> None:
    assert my_certificate(learner)["pdf_url"] is None

    render_pdf(certificate_id=certificate.pk)
    link = my_certificate(learner)["pdf_url"]

    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == "https://api.gigsy.test"
    response = APIClient().get(parts.path)  # no Authorization header
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="certificate-{certificate.verify_code}.pdf"'
    )
    assert response["Cache-Control"].startswith("private")


def test_a_revoked_certificate_has_no_pdf_link_and_its_pdf_is_refused(
    certificate, learner, instructor
) -> None:
    render_pdf(certificate_id=certificate.pk)
    me = client_for(learner)
    assert me.get(f"{CERTIFICATES}/{certificate.pk}/pdf").status_code == 200

    revoke_certificate(certificate=certificate, by=instructor, reason="Issued in error")

    assert my_certificate(learner)["pdf_url"] is None
    refused = me.get(f"{CERTIFICATES}/{certificate.pk}/pdf")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "revoked"


def test_someone_elses_certificate_pdf_is_404(certificate, other_learner) -> None:
    render_pdf(certificate_id=certificate.pk)
    response = client_for(other_learner).get(f"{CERTIFICATES}/{certificate.pk}/pdf")
    assert response.status_code == 404
    body = client_for(other_learner).get(CERTIFICATES).json()
    assert body["results"] == []
