"""Quiz integrity (issue 10): the attempt cap holds across progress resets, an open attempt
counts when progress is reset, reviews reveal answers only when the quiz allows it, and short
answers match on case and spacing only unless a question asks for more (ADR 0018)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from apps.lms.models import Enrollment, EnrollmentStatus, Question, Quiz, QuizAttempt
from apps.lms.rules.grading import points_for
from apps.lms.services import learning, quiz_authoring, quizzes
from gigsy.events.models import OutboxEvent
from tests.lms.conftest import BuiltCourse, answers, build_course, client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"
WRONG = {"single": "a", "multiple": ["a"], "short": "nope"}  # 25 %: failed


def enrolled(learner: Any, built: BuiltCourse) -> APIClient:
    client = client_for(learner)
    assert client.post(f"{LMS}/courses/{built.course.slug}/enrollment").status_code == 201
    return client


def start(client: APIClient, built: BuiltCourse, expected: int = 201) -> dict[str, Any]:
    response = client.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts")
    assert response.status_code == expected, response.content
    return response.json()


def submit(client: APIClient, attempt: dict[str, Any], chosen: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        f"{LMS}/attempts/{attempt['id']}/submit", {"answers": chosen}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def reset(client: APIClient, built: BuiltCourse) -> None:
    response = client.post(f"{LMS}/courses/{built.course.slug}/progress/reset")
    assert response.status_code == 200, response.content


def status_of(client: APIClient, built: BuiltCourse) -> dict[str, Any]:
    response = client.get(f"{LMS}/quizzes/{built.quiz.pk}/status")
    assert response.status_code == 200, response.content
    return response.json()


def revealed(body: dict[str, Any]) -> list[bool]:
    """Per question of an attempt body: whether its answer and explanation are shown."""
    shown = [("answer" in q, "explanation" in q) for q in body["questions"]]
    assert all(a == e for a, e in shown), shown  # both or neither
    return [a for a, _ in shown]


# --- the attempt cap across resets ---------------------------------------------------------------
def test_a_progress_reset_does_not_restore_used_attempts(instructor: Any, learner: Any):
    """The sweep's exploit: fail twice of 2, reset, start again as attempt 1, pass with the
    revealed answers, complete the course. The cap holds per learner and quiz instead."""
    built = build_course(instructor, slug="capped", max_attempts=2)
    me = enrolled(learner, built)
    for lesson in built.lessons[:2]:
        me.post(f"{LMS}/lessons/{lesson.pk}/complete")
    for _ in range(2):
        assert submit(me, start(me, built), answers(built, **WRONG))["passed"] is False

    reset(me, built)
    again = me.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts")

    assert again.status_code == 409, again.content
    assert again.json()["error"]["code"] == "no_attempts_left"
    assert QuizAttempt.objects.filter(quiz=built.quiz).count() == 2
    enrollment = Enrollment.objects.get(course=built.course, user=learner)
    assert enrollment.status == EnrollmentStatus.ACTIVE  # never completed: no certificate
    page = status_of(me, built)
    assert (page["attempts_used"], page["attempts_left"], page["can_start"]) == (2, 0, False)


def test_a_reset_keeps_the_attempts_left_and_numbers_go_on(instructor: Any, learner: Any):
    built = build_course(instructor, slug="capped", max_attempts=3)
    me = enrolled(learner, built)
    submit(me, start(me, built), answers(built, **WRONG))
    reset(me, built)

    second = start(me, built)

    assert second["number"] == 2  # not "attempt 1" again
    page = status_of(me, built)
    assert (page["attempts_used"], page["attempts_left"]) == (2, 1)
    assert page["best_score_percent"] is None  # scores and passing stay per cycle


def test_an_open_timed_attempt_counts_when_progress_is_reset(instructor: Any, learner: Any):
    built = build_course(instructor, slug="timed", max_attempts=1, time_limit_seconds=600)
    me = enrolled(learner, built)
    opened = start(me, built)  # the learner has seen the questions

    reset(me, built)

    attempt = QuizAttempt.objects.get(pk=opened["id"])  # not deleted
    assert attempt.submitted_at is not None
    assert (attempt.passed, attempt.score_percent) == (False, 0)
    assert start(me, built, expected=409)["error"]["code"] == "no_attempts_left"
    assert status_of(me, built)["attempts_used"] == 1


def test_an_open_untimed_attempt_counts_when_progress_is_reset(instructor: Any, learner: Any):
    built = build_course(instructor, slug="untimed", max_attempts=2)
    me = enrolled(learner, built)
    opened = start(me, built)

    reset(me, built)

    assert QuizAttempt.objects.get(pk=opened["id"]).passed is False
    assert start(me, built)["number"] == 2


# --- revealing answers in reviews -----------------------------------------------------------------
def test_a_failed_attempt_with_attempts_left_reveals_no_answer(instructor: Any, learner: Any):
    built = build_course(instructor, slug="reveal", max_attempts=2)
    me = enrolled(learner, built)
    first = start(me, built)

    review = submit(me, first, answers(built, **WRONG))

    assert review["passed"] is False
    assert revealed(review) == [False] * 4
    assert all("your_answer" in q and "points_earned" in q for q in review["questions"])
    assert revealed(me.get(f"{LMS}/attempts/{first['id']}").json()) == [False] * 4

    # The last attempt open: the first one's review still hides the answers.
    last = start(me, built)
    assert revealed(me.get(f"{LMS}/attempts/{first['id']}").json()) == [False] * 4

    # No attempt left: every review shows them.
    assert revealed(submit(me, last, answers(built, **WRONG))) == [True] * 4
    assert revealed(me.get(f"{LMS}/attempts/{first['id']}").json()) == [True] * 4


def test_passing_reveals_the_answers(instructor: Any, learner: Any):
    built = build_course(instructor, slug="reveal", max_attempts=3)
    me = enrolled(learner, built)
    failed = start(me, built)
    submit(me, failed, answers(built, **WRONG))

    review = submit(me, start(me, built), answers(built))

    assert review["passed"] is True
    assert revealed(review) == [True] * 4
    assert revealed(me.get(f"{LMS}/attempts/{failed['id']}").json()) == [True] * 4


def test_unlimited_attempts_reveal_answers_only_after_passing(instructor: Any, learner: Any):
    built = build_course(instructor, slug="reveal", max_attempts=None)
    me = enrolled(learner, built)
    assert revealed(submit(me, start(me, built), answers(built, **WRONG))) == [False] * 4
    assert revealed(submit(me, start(me, built), answers(built))) == [True] * 4


@pytest.mark.parametrize(
    ("policy", "after_failing", "after_passing"),
    [("always", True, True), ("never", False, False)],
)
def test_the_instructor_chooses_when_answers_are_revealed(
    instructor: Any, learner: Any, policy: str, after_failing: bool, after_passing: bool
):
    built = build_course(instructor, slug="reveal", max_attempts=2)
    teacher = client_for(instructor)
    response = teacher.patch(
        f"{LMS}/quizzes/{built.quiz.pk}", {"reveal_answers": policy}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["reveal_answers"] == policy
    me = enrolled(learner, built)

    assert revealed(submit(me, start(me, built), answers(built, **WRONG))) == [after_failing] * 4
    assert revealed(submit(me, start(me, built), answers(built))) == [after_passing] * 4
    assert status_of(me, built)["reveal_answers"] == policy


def test_the_safe_default_and_unknown_policies(instructor: Any, built: BuiltCourse):
    teacher = client_for(instructor)
    detail = teacher.get(f"{LMS}/courses/{built.course.slug}").json()
    assert detail["quizzes"][0]["reveal_answers"] == "after_passing_or_last_attempt"

    response = teacher.patch(
        f"{LMS}/quizzes/{built.quiz.pk}", {"reveal_answers": "sometimes"}, format="json"
    )
    assert response.status_code == 400
    assert "reveal_answers" in response.json()["error"]["fields"]


# --- short answers ------------------------------------------------------------------------------
def short(answer: list[str], **options: Any) -> Question:
    return Question(kind="short", prompt="?", answer=answer, points=1, **options)


@pytest.mark.parametrize(
    ("key", "wrong"),
    [
        ("C++", "C#"),
        ("C++", "c"),
        ("C++", "c--"),
        ("!=", ""),
        ("!=", "=="),
        ("!=", "<>"),
        ("café", "cafe"),
    ],
)
def test_short_answers_do_not_ignore_punctuation_by_default(key: str, wrong: str):
    assert points_for(short([key]), wrong) == 0


@pytest.mark.parametrize(
    ("key", "right"),
    [("C++", "c++"), ("C++", "  C++ "), ("!=", "!="), ("New  York", "new york"), ("café", "CAFÉ")],
)
def test_short_answers_ignore_case_and_spacing_by_default(key: str, right: str):
    assert points_for(short([key]), right) == 1


def test_exact_matching_compares_the_text_as_typed():
    assert points_for(short(["Paris"], matching="exact"), "Paris") == 1
    assert points_for(short(["Paris"], matching="exact"), "paris") == 0


def test_ignoring_punctuation_is_an_explicit_option():
    question = short(["Hello, world!"], matching="ignore_punctuation")
    assert points_for(question, "hello world") == 1
    assert points_for(question, "Héllo world") == 1
    assert points_for(question, "hello") == 0


def test_the_matching_option_through_the_api(instructor: Any, built: BuiltCourse):
    teacher = client_for(instructor)
    bank_id = built.quiz.bank_id
    created = teacher.post(
        f"{LMS}/banks/{bank_id}/questions",
        {"kind": "short", "prompt": "Operator?", "answer": ["!="]},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["matching"] == "ignore_case"
    question_id = created.json()["id"]

    changed = teacher.patch(
        f"{LMS}/questions/{question_id}", {"matching": "ignore_punctuation"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["matching"] == "ignore_punctuation"
    assert Question.objects.get(pk=question_id).matching == "ignore_punctuation"

    bad = teacher.patch(f"{LMS}/questions/{question_id}", {"matching": "fuzzy"}, format="json")
    assert bad.status_code == 400
    assert "matching" in bad.json()["error"]["fields"]


def test_a_short_answer_graded_through_an_attempt(instructor: Any, learner: Any):
    built = build_course(instructor, slug="cpp", max_attempts=None)
    question = Question.objects.get(pk=built.question_ids["short"])
    quiz_authoring.update_question(question=question, user=instructor, answer=["C++"])
    me = enrolled(learner, built)

    review = submit(me, start(me, built), answers(built, short="C#"))

    short_review = next(q for q in review["questions"] if q["kind"] == "short")
    assert short_review["points_earned"] == 0
    assert review["score_percent"] == "75.00"


def test_an_expired_open_attempt_reset_counts_once(instructor: Any, learner: Any):
    built = build_course(instructor, slug="expired", max_attempts=2, time_limit_seconds=60)
    me = enrolled(learner, built)
    opened = start(me, built)
    QuizAttempt.objects.filter(pk=opened["id"]).update(
        deadline=timezone.now() - timedelta(seconds=30)
    )

    reset(me, built)

    assert QuizAttempt.objects.filter(quiz=built.quiz).count() == 1
    assert start(me, built)["number"] == 2


# --- a reset racing a submit ----------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_reset_racing_a_passing_submit_neither_deadlocks_nor_counts_twice(
    instructor: Any, learner: Any
):
    """The reset holds the enrollment and would lock the open attempt; the submit holds the
    attempt and, passing, locks the enrollment next. Waiting for the attempt would deadlock:
    the reset skips it, and the submit grades it once."""
    built = build_course(instructor, slug="race", max_attempts=2)
    learning.enroll(course=built.course, user=learner)
    quiz = Quiz.objects.select_related("course", "bank").get(pk=built.quiz.pk)
    attempt, _ = quizzes.start_attempt(quiz=quiz, user=learner)
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def reset_holding_the_enrollment() -> None:
        try:
            with transaction.atomic():
                Enrollment.objects.select_for_update().get(course=built.course, user=learner)
                holding.set()
                release.wait(timeout=10)
                learning.reset_progress(course=built.course, user=learner)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def submit_passing() -> None:
        try:
            quizzes.submit_attempt(attempt_id=attempt.pk, user=learner, answers=answers(built))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    resetter, submitter = (
        threading.Thread(target=reset_holding_the_enrollment),
        threading.Thread(target=submit_passing),
    )
    resetter.start()
    try:
        assert holding.wait(timeout=10)
        submitter.start()
        submitter.join(timeout=1)  # graded, now waiting for the enrollment
        assert submitter.is_alive()
    finally:
        release.set()
        resetter.join(timeout=15)
        submitter.join(timeout=15)

    assert errors == []
    attempt.refresh_from_db()
    assert attempt.passed is True  # graded once, by the submit
    assert OutboxEvent.objects.filter(event_type="quiz.failed").count() == 0
    assert OutboxEvent.objects.filter(event_type="quiz.passed").count() == 1
    enrollment = Enrollment.objects.get(course=built.course, user=learner)
    assert (enrollment.cycle, enrollment.status) == (2, EnrollmentStatus.ACTIVE)
    assert QuizAttempt.objects.filter(quiz=built.quiz, user=learner).count() == 1
