"""Every 201 carries `Location`: the absolute URL of what was created, documented in the schema
(docs/decisions/0005). Each URL is followed to the object it names."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.lms.conftest import client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"


def _location(response, status: int = 201) -> str:
    assert response.status_code == status, response.content
    location = response["Location"]
    assert location.startswith("http://testserver/api/v1/"), location
    return location


def _target(location: str):
    """The view and URL arguments the location resolves to."""
    match = resolve(urlsplit(location).path)
    return match.func.view_class.__name__, match.kwargs


def test_every_201_in_the_schema_documents_a_required_location():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    creates = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            created = operation.get("responses", {}).get("201")
            if created is None:
                continue
            creates.append(f"{method.upper()} {path}")
            header = created.get("headers", {}).get("Location")
            assert header, f"{method.upper()} {path}: 201 without a documented Location"
            assert header["required"] is True
            assert header["schema"] == {"type": "string", "format": "uri"}
    # register, course, module, lesson, bank, ... (inviting a co-instructor is a 202: ADR 0019)
    assert len(creates) >= 9, creates


def test_register_points_at_the_new_account(api):
    response = api.post(
        "/api/v1/auth/register",
        {
            "email": "new@example.com",
            "password": "a-long-pass-phrase",
            "display_name": "New",
            "role": "learner",
        },
        format="json",
    )
    assert _location(response) == "http://testserver/api/v1/auth/me"


def test_authoring_creates_point_at_what_they_created(instructor):
    me = client_for(instructor)
    course = me.post(f"{LMS}/courses", {"title": "Rust 101"}, format="json")
    location = _location(course)
    assert location == "http://testserver/api/v1/lms/courses/rust-101"
    assert me.get(location).json()["slug"] == "rust-101"

    module = me.post(f"{LMS}/courses/rust-101/modules", {"title": "Ownership"}, format="json")
    assert _target(_location(module)) == ("ModuleView", {"module_id": module.json()["id"]})

    lesson = me.post(
        f"{LMS}/modules/{module.json()['id']}/lessons", {"title": "Borrowing"}, format="json"
    )
    assert me.get(_location(lesson)).json()["id"] == lesson.json()["id"]

    bank = me.post(f"{LMS}/courses/rust-101/banks", {"title": "Basics"}, format="json")
    assert me.get(_location(bank)).json()["id"] == bank.json()["id"]

    question = me.post(
        f"{LMS}/banks/{bank.json()['id']}/questions",
        {"kind": "true_false", "prompt": "Safe?", "answer": True},
        format="json",
    )
    assert _target(_location(question)) == ("QuestionView", {"question_id": question.json()["id"]})

    quiz = me.post(
        f"{LMS}/courses/rust-101/quizzes",
        {"title": "Check", "bank_id": bank.json()["id"]},
        format="json",
    )
    assert _target(_location(quiz)) == ("QuizView", {"quiz_id": quiz.json()["id"]})

    # Inviting a co-instructor creates nothing the inviter may see (202, no Location: ADR 0019).
    invited = me.post(
        f"{LMS}/courses/rust-101/instructors", {"email": "cole@example.com"}, format="json"
    )
    assert invited.status_code == 202 and "Location" not in invited


def test_enrolling_and_starting_an_attempt_point_at_them_only_when_new(built, learner):
    lea = client_for(learner)
    enrolled = lea.post(f"{LMS}/courses/{built.course.slug}/enrollment")
    assert _target(_location(enrolled)) == ("EnrollView", {"slug": built.course.slug})
    again = lea.post(f"{LMS}/courses/{built.course.slug}/enrollment")
    assert again.status_code == 200
    assert "Location" not in again

    started = lea.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts")
    assert lea.get(_location(started)).json()["id"] == started.json()["id"]
    resumed = lea.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts")
    assert resumed.status_code == 200
    assert "Location" not in resumed


def test_the_location_follows_the_host_the_client_used(instructor):
    me = client_for(instructor)
    me.defaults["HTTP_HOST"] = "localhost"
    response = me.post(f"{LMS}/courses", {"title": "Go"}, format="json", secure=True)
    assert response["Location"] == "https://localhost/api/v1/lms/courses/go"


def test_a_refused_create_carries_no_location(api: APIClient):
    response = api.post(f"{LMS}/courses", {"title": "X"}, format="json")
    assert response.status_code == 401
    assert "Location" not in response
