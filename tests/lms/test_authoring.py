"""Instructors author courses; nobody else edits them."""

from __future__ import annotations

import pytest

from apps.lms.models import Course
from gigsy.events.models import OutboxEvent
from tests.lms.conftest import client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"


def test_instructor_builds_and_publishes_a_course(instructor):
    me = client_for(instructor)
    created = me.post(
        f"{LMS}/courses",
        {"title": "Rust 101", "skills": ["rust"], "level": "beginner"},
        format="json",
    )
    assert created.status_code == 201, created.content
    slug = created.json()["slug"]
    assert slug == "rust-101"
    assert created.json()["status"] == "draft"

    empty = me.post(f"{LMS}/courses/{slug}/publish")
    assert empty.status_code == 409
    assert empty.json()["error"]["code"] == "empty_course"

    module = me.post(f"{LMS}/courses/{slug}/modules", {"title": "Ownership"}, format="json")
    lesson = me.post(
        f"{LMS}/modules/{module.json()['id']}/lessons",
        {"title": "Borrowing", "body": "&x"},
        format="json",
    )
    assert lesson.status_code == 201
    published = me.post(f"{LMS}/courses/{slug}/publish")

    assert published.status_code == 200
    assert published.json()["modules"][0]["lessons"][0]["title"] == "Borrowing"
    assert published.json()["quizzes"] == []
    event = OutboxEvent.objects.get(event_type="course.published")
    assert b'"slug":"rust-101"' in bytes(event.payload)


def test_learner_cannot_create_or_edit_courses(built, learner):
    me = client_for(learner)
    assert me.post(f"{LMS}/courses", {"title": "Mine"}, format="json").status_code == 403
    edit = me.patch(f"{LMS}/courses/{built.course.slug}", {"title": "Hacked"}, format="json")
    assert edit.status_code == 403
    assert Course.objects.get(pk=built.course.pk).title == "Python Basics"


def test_another_instructor_cannot_edit(built, db):
    from tests.factories import UserFactory

    rival = client_for(UserFactory(email="rival@example.com", role="instructor"))
    response = rival.patch(
        f"{LMS}/courses/{built.course.slug}", {"title": "Mine now"}, format="json"
    )
    assert response.status_code == 403


def test_drafts_are_invisible_to_others(instructor, learner, api):
    from tests.lms.conftest import build_course

    build_course(instructor, slug="secret", publish=False)
    assert api.get(f"{LMS}/courses/secret").status_code == 404
    assert client_for(learner).get(f"{LMS}/courses/secret").status_code == 404
    assert client_for(instructor).get(f"{LMS}/courses/secret").status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "X", "level": "expert"}, "level"),
        ({"title": "X", "skills": "python"}, "skills"),
        ({"title": "X", "prerequisites": ["no-such-course"]}, "prerequisites"),
        ({"title": "X", "status": "published"}, "status"),
        ({}, "title"),
    ],
)
def test_bad_course_input_is_400(instructor, payload, field):
    response = client_for(instructor).post(f"{LMS}/courses", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_duplicate_slug_is_409(built, instructor):
    response = client_for(instructor).post(
        f"{LMS}/courses", {"title": "Again", "slug": "python-basics"}, format="json"
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    "question",
    [
        {"kind": "single", "prompt": "?", "choices": [{"id": "a", "text": "A"}], "answer": "a"},
        {
            "kind": "single",
            "prompt": "?",
            "choices": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
            "answer": "c",
        },
        {"kind": "true_false", "prompt": "?", "answer": "true"},
        {"kind": "short", "prompt": "?", "answer": []},
        {"kind": "essay", "prompt": "?", "answer": "x"},
    ],
)
def test_malformed_questions_are_400(built, instructor, question):
    bank_id = built.quiz.bank_id
    response = client_for(instructor).post(
        f"{LMS}/banks/{bank_id}/questions", question, format="json"
    )
    assert response.status_code == 400


def test_lesson_content_needs_enrollment(built, learner, other_learner):
    lesson = built.lessons[0]
    assert client_for(other_learner).get(f"{LMS}/lessons/{lesson.pk}").status_code == 403
    me = client_for(learner)
    me.post(f"{LMS}/courses/{built.course.slug}/enrollment")
    assert me.get(f"{LMS}/lessons/{lesson.pk}").json()["body"] == "print()"


def test_progress_of_a_course_i_am_not_in_is_404(built, learner, other_learner):
    client_for(learner).post(f"{LMS}/courses/{built.course.slug}/enrollment")
    response = client_for(other_learner).get(f"{LMS}/courses/{built.course.slug}/progress")
    assert response.status_code == 404


def test_catalog_filters_and_paginates(built, instructor, api):
    from tests.lms.conftest import build_course

    build_course(instructor, slug="more-python")
    listing = api.get(f"{LMS}/courses?skill=python&page_size=1").json()
    assert listing["count"] == 2
    assert len(listing["results"]) == 1
    assert api.get(f"{LMS}/courses?skill=cobol").json()["count"] == 0
    assert api.get(f"{LMS}/courses?q=python").json()["count"] == 2
    assert api.get(f"{LMS}/courses?level=expert").status_code == 400


def test_catalog_page_has_a_constant_query_count(instructor, api, django_assert_max_num_queries):
    from tests.lms.conftest import build_course

    for n in range(5):
        build_course(instructor, slug=f"c{n}")
    with django_assert_max_num_queries(2):  # count + page
        assert len(api.get(f"{LMS}/courses").json()["results"]) == 5


def test_instructor_uploads_lesson_media_to_storage(built, instructor, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    lesson = built.lessons[0]
    me = client_for(instructor)
    upload = SimpleUploadedFile("intro.pdf", b"%PDF-1.4 tiny", content_type="application/pdf")

    response = me.put(f"{LMS}/lessons/{lesson.pk}/media", {"file": upload}, format="multipart")

    assert response.status_code == 200, response.content
    files = f"{settings.PUBLIC_API_URL.rstrip('/')}/api/v1/files/"
    assert response.json()["media_url"].startswith(files)  # a signed link (tests/files)
    stored = list(tmp_path.rglob("intro*.pdf"))
    assert len(stored) == 1
    assert stored[0].read_bytes() == b"%PDF-1.4 tiny"


def test_lesson_media_rejects_html_and_non_instructors(
    built, instructor, learner, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    url = f"{LMS}/lessons/{built.lessons[0].pk}/media"
    page = SimpleUploadedFile("x.html", b"<script>", content_type="text/html")
    assert client_for(instructor).put(url, {"file": page}, format="multipart").status_code == 400
    pdf = SimpleUploadedFile("x.pdf", b"%PDF", content_type="application/pdf")
    assert client_for(learner).put(url, {"file": pdf}, format="multipart").status_code == 403
    as_json = client_for(instructor).put(url, {"file": "x"}, format="json")
    assert as_json.status_code == 415
    assert list(tmp_path.rglob("*")) == []


def test_demo_courses_seed_is_idempotent(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo_courses", stdout=StringIO())
    call_command("seed_demo_courses", stdout=StringIO())
    assert Course.objects.filter(status="published").count() == 2
