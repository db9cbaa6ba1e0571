"""Query budgets of the learner's hot paths: adding a lesson, a quiz or a question must not
add queries (no N+1)."""

from __future__ import annotations

import pytest

from apps.lms.services import authoring
from tests.lms.conftest import answers, client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"


@pytest.fixture
def lea(built, learner):
    client = client_for(learner)
    client.get("/api/v1/auth/me")  # the authenticated user is cached from here on
    assert client.post(f"{LMS}/courses/{built.course.slug}/enrollment").status_code == 201
    return client


def _grow(built, instructor):
    """More content of every kind the hot paths read."""
    module = authoring.add_module(course=built.course, user=instructor, title="More")
    for n in range(5):
        authoring.add_lesson(module=module, user=instructor, title=f"Extra {n}", body="...")


def test_course_detail_budget(built, instructor, lea, django_assert_max_num_queries):
    _grow(built, instructor)
    # course (+ instructor ids), modules, lessons, module quizzes, prerequisites, quizzes,
    # instructors' names (accounts), my enrollment with its percent
    with django_assert_max_num_queries(8):
        assert lea.get(f"{LMS}/courses/{built.course.slug}").status_code == 200


def test_progress_and_lesson_completion_budget(
    built, instructor, lea, django_assert_max_num_queries
):
    _grow(built, instructor)
    with django_assert_max_num_queries(4):  # course, enrollment, progress (2)
        assert lea.get(f"{LMS}/courses/{built.course.slug}/progress").status_code == 200
    # lesson+course, enrollment lock, get_or_create (3 + savepoints), outbox + notify, progress (2)
    with django_assert_max_num_queries(13):
        response = lea.post(f"{LMS}/lessons/{built.lessons[0].pk}/complete")
    assert response.status_code == 200


def test_quiz_submit_budget(built, lea, django_assert_max_num_queries):
    attempt = lea.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts").json()
    # lock+read attempt, questions, update, outbox insert + notify, lock enrollment,
    # progress (2), savepoints of the nested atomic blocks
    with django_assert_max_num_queries(12) as captured:
        graded = lea.post(
            f"{LMS}/attempts/{attempt['id']}/submit", {"answers": answers(built)}, format="json"
        )
    assert graded.status_code == 200
    assert not [q for q in captured.captured_queries if '"lms"."question"' in q["sql"]][1:], (
        "the review must reuse the questions the grading loaded"
    )
