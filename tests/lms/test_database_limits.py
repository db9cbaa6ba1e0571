"""Input PostgreSQL can't store is a 400 with the error envelope, never a 500 (found by
fuzzing the OpenAPI schema with schemathesis)."""

from __future__ import annotations

import pytest

from apps.lms.models import Module, Question
from tests.lms.conftest import client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"


def _malformed(response) -> None:
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "malformed_request"


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "short", "prompt": "x", "answer": ["a\u0000b"]},
        {"kind": "short", "prompt": "x\u0000", "answer": ["a"]},
        {"kind": "short", "prompt": "x", "answer": [{"deep": [{"\u0000key": 1}]}]},
    ],
)
def test_nul_in_a_json_body_is_refused_and_nothing_is_stored(built, instructor, body):
    before = Question.objects.count()
    response = client_for(instructor).post(
        f"{LMS}/banks/{built.quiz.bank_id}/questions", body, format="json"
    )
    _malformed(response)
    assert Question.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [
        f"{LMS}/courses?q=a%00b",
        f"{LMS}/courses?skill=a%00",
        "/api/v1/certificates/verify/AB%00CD",
    ],
)
def test_nul_in_the_url_is_refused(api, built, url):
    _malformed(api.get(url))


def test_a_json_body_without_nul_still_passes(built, instructor):
    created = client_for(instructor).post(
        f"{LMS}/banks/{built.quiz.bank_id}/questions",
        {"kind": "short", "prompt": "Backslash-u: \\u0000 is text here", "answer": ["ok"]},
        format="json",
    )
    assert created.status_code == 201, created.content


@pytest.mark.parametrize(
    ("field", "value"), [("position", 48441469666437856), ("position", 100_001)]
)
def test_numbers_past_the_columns_range_are_a_validation_error(built, instructor, field, value):
    module = built.lessons[0].module
    response = client_for(instructor).patch(
        f"{LMS}/modules/{module.pk}", {field: value}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Module.objects.get(pk=module.pk).position == module.position


def test_quiz_numbers_are_bounded(built, instructor):
    me = client_for(instructor)
    for body in (
        {"time_limit_seconds": 2**40},
        {"max_attempts": 2**40},
        {"bank_id": 2**70},
        {"module_id": 2**70},
    ):
        response = me.patch(f"{LMS}/quizzes/{built.quiz.pk}", body, format="json")
        assert response.status_code == 400, (body, response.content)
