"""When an instructor drops a requirement, learners who have nothing left to do are completed
(and get their certificate) without having to act again."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from apps.lms.models import Enrollment
from apps.lms.services import learning, quiz_authoring
from gigsy.celery import app as celery_app
from gigsy.events.models import OutboxEvent
from tests.factories import UserFactory
from tests.lms.conftest import build_course, client_for
from tests.waiting import wait_until

LMS = "/api/v1/lms"


def _enrolled_with_lessons_done(built, user) -> Enrollment:
    learning.enroll(course=built.course, user=user)
    for lesson in built.lessons[:2]:  # the required ones; the quiz is still to pass
        learning.complete_lesson(lesson=lesson, user=user)
    return Enrollment.objects.get(course=built.course, user=user)


def _completions() -> int:
    return OutboxEvent.objects.filter(event_type="course.completed").count()


@pytest.mark.django_db
def test_dropping_the_last_requirement_completes_who_is_done(built, instructor, learner):
    done = _enrolled_with_lessons_done(built, learner)
    halfway = UserFactory(email="half@example.com")
    learning.enroll(course=built.course, user=halfway)
    learning.complete_lesson(lesson=built.lessons[0], user=halfway)
    gone = UserFactory(email="gone@example.com")
    _enrolled_with_lessons_done(built, gone)
    learning.unenroll(course=built.course, user=gone)
    assert done.status == "active"

    quiz_authoring.update_quiz(quiz=built.quiz, user=instructor, required=False)

    assert learning.reevaluate_completions(course_id=built.course.pk) == 1
    assert Enrollment.objects.get(pk=done.pk).status == "completed"
    assert Enrollment.objects.get(course=built.course, user=halfway).status == "active"
    assert Enrollment.objects.get(course=built.course, user=gone).status == "withdrawn"
    assert _completions() == 1
    # A second run (a redelivered task) completes nobody again.
    assert learning.reevaluate_completions(course_id=built.course.pk) == 0
    assert _completions() == 1


@pytest.mark.django_db
def test_nothing_changes_while_requirements_remain(built, learner):
    enrollment = _enrolled_with_lessons_done(built, learner)
    assert learning.reevaluate_completions(course_id=built.course.pk) == 0
    assert Enrollment.objects.get(pk=enrollment.pk).status == "active"
    assert _completions() == 0


@pytest.mark.django_db(transaction=True)
def test_instructor_edit_completes_the_learner_through_a_real_worker(instructor, learner):
    built = build_course(instructor, slug="optional-quiz")
    enrollment = _enrolled_with_lessons_done(built, learner)

    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        edited = client_for(instructor).patch(
            f"{LMS}/quizzes/{built.quiz.pk}", {"required": False}, format="json"
        )
        assert edited.status_code == 200
        wait_until(
            lambda: Enrollment.objects.get(pk=enrollment.pk).status == "completed",
            30,
            "the reevaluation task never completed it",
            interval=0.05,
        )

    assert _completions() == 1
    progress = client_for(learner).get(f"{LMS}/courses/optional-quiz/progress").json()
    assert progress["complete"] is True and progress["percent"] == 100
