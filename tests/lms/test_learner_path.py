"""The whole learner path through the API, from enrollment to a verifiable certificate."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from apps.lms.handlers import issue_certificate_on_completion
from apps.lms.models import Certificate, Enrollment
from apps.lms.tasks import render_certificate_pdf
from gigsy.credentials.jose import CredentialVerificationError
from gigsy.credentials.open_badges import verify_credential
from gigsy.events import Event
from gigsy.events.models import OutboxEvent
from tests.lms.conftest import answers, client_for, verify_instructor

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"


def completed_event(user, course) -> Event:
    row = OutboxEvent.objects.get(event_type="course.completed")
    return Event.from_json(bytes(row.payload))


def test_full_learner_path(built, instructor, learner, api, django_capture_on_commit_callbacks):
    verify_instructor(instructor)  # so the platform signs the badge (docs/decisions/0011)
    me = client_for(learner)
    slug = built.course.slug

    first = me.post(f"{LMS}/courses/{slug}/enrollment")
    again = me.post(f"{LMS}/courses/{slug}/enrollment")
    assert (first.status_code, again.status_code) == (201, 200)
    assert OutboxEvent.objects.filter(event_type="enrollment.created").count() == 1

    progress = me.get(f"{LMS}/courses/{slug}/progress").json()
    assert progress["percent"] == 0
    assert progress["resume_lesson_id"] == built.lessons[0].pk

    for lesson in built.lessons[:2]:
        assert me.post(f"{LMS}/lessons/{lesson.pk}/complete").status_code == 200
    me.post(f"{LMS}/lessons/{built.lessons[0].pk}/complete")  # twice: no second event
    progress = me.get(f"{LMS}/courses/{slug}/progress").json()
    assert progress["percent"] == 66  # 2 of 3 required items (2 lessons + 1 quiz)
    assert progress["resume_lesson_id"] == built.lessons[2].pk  # the optional one is next
    assert OutboxEvent.objects.filter(event_type="lesson.completed").count() == 2

    attempt = me.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts").json()
    submitted = me.post(
        f"{LMS}/attempts/{attempt['id']}/submit", {"answers": answers(built)}, format="json"
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["passed"] is True
    assert submitted.json()["score_percent"] == "100.00"
    assert OutboxEvent.objects.filter(event_type="quiz.passed").count() == 1

    enrollment = Enrollment.objects.get(user=learner)
    assert enrollment.status == "completed"
    assert me.get(f"{LMS}/courses/{slug}/progress").json()["complete"] is True

    # course.completed is delivered twice: one certificate.
    event = completed_event(learner, built.course)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issue_certificate_on_completion(event)
        issue_certificate_on_completion(event)
    assert Certificate.objects.filter(user=learner).count() == 1
    assert len(callbacks) == 1  # one PDF render scheduled
    assert OutboxEvent.objects.filter(event_type="certificate.issued").count() == 1

    certificate = Certificate.objects.get(user=learner)
    render_certificate_pdf.run(certificate.pk)
    pdf = me.get(f"/api/v1/certificates/{certificate.pk}/pdf")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")

    badge = me.get(f"/api/v1/certificates/{certificate.pk}/badge").json()
    jwks = api.get("/api/v1/certificates/jwks.json").json()
    credential = verify_credential(badge["jwt"], jwks)
    assert "OpenBadgeCredential" in credential["type"]
    assert credential["credentialSubject"]["achievement"]["name"] == "Python Basics"
    assert credential["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert credential["validFrom"].endswith("Z")
    header, payload, signature = badge["jwt"].split(".")
    with pytest.raises(CredentialVerificationError):
        verify_credential(f"{header}.{payload[:-4]}AAAA.{signature}", jwks)

    verify = api.get(f"/api/v1/certificates/verify/{certificate.verify_code.lower()}")
    assert verify.status_code == 200
    assert verify.json()["status"] == "valid"
    assert verify.json()["learner_name"] == "Lea Learner"
    assert verify.json()["course_title"] == "Python Basics"

    operator = get_user_model().objects.create_superuser("op@example.com", "operator pw 123")
    from django.test import Client

    admin = Client()
    admin.force_login(operator)
    admin.post(
        "/admin/lms/certificate/",
        {
            "action": "revoke",
            "_selected_action": [certificate.pk],
            "apply": "1",
            "reason": "Issued in error.",
        },
    )
    assert (
        api.get(f"/api/v1/certificates/verify/{certificate.verify_code}").json()["status"]
        == "revoked"
    )
    assert OutboxEvent.objects.filter(event_type="certificate.revoked").count() == 1
    assert me.get(f"/api/v1/certificates/{certificate.pk}/badge").status_code == 409


def test_unknown_verification_code_is_404(api, db):
    response = api.get("/api/v1/certificates/verify/NOPE1234")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_enrolling_in_a_draft_is_404(instructor, learner):
    from tests.lms.conftest import build_course

    draft = build_course(instructor, slug="draft-course", publish=False)
    response = client_for(learner).post(f"{LMS}/courses/{draft.course.slug}/enrollment")
    assert response.status_code == 404


def test_prerequisites_must_be_completed_first(built, instructor, learner):
    from apps.lms.services import authoring

    advanced = authoring.create_course(
        author=instructor, title="Advanced", slug="advanced", prerequisites=["python-basics"]
    )
    module = authoring.add_module(course=advanced, user=instructor, title="M")
    authoring.add_lesson(module=module, user=instructor, title="L")
    authoring.publish_course(course=advanced, user=instructor)

    response = client_for(learner).post(f"{LMS}/courses/advanced/enrollment")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "prerequisites_missing"


def test_reset_progress_starts_a_new_cycle(built, learner):
    me = client_for(learner)
    slug = built.course.slug
    me.post(f"{LMS}/courses/{slug}/enrollment")
    me.post(f"{LMS}/lessons/{built.lessons[0].pk}/complete")

    reset = me.post(f"{LMS}/courses/{slug}/progress/reset")

    assert reset.status_code == 200
    assert reset.json()["cycle"] == 2
    assert me.get(f"{LMS}/courses/{slug}/progress").json()["completed_lesson_ids"] == []


def test_course_detail_lists_course_level_quizzes(built, api):
    detail = api.get(f"{LMS}/courses/{built.course.slug}").json()
    assert [q["id"] for q in detail["quizzes"]] == [built.quiz.pk]
