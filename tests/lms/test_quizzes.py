"""Quiz rules: hidden answers, server grading, attempt limits, time limits, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.lms.models import QuizAttempt
from tests.lms.conftest import answers, build_course, client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"


@pytest.fixture
def me(built, learner):
    client = client_for(learner)
    client.post(f"{LMS}/courses/{built.course.slug}/enrollment")
    return client


def start(me, built) -> dict:
    response = me.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts")
    assert response.status_code == 201, response.content
    return response.json()


def test_answers_are_hidden_until_submitted(me, built):
    attempt = start(me, built)
    assert len(attempt["questions"]) == 4
    for question in attempt["questions"]:
        assert "answer" not in question
        assert "explanation" not in question
    reread = me.get(f"{LMS}/attempts/{attempt['id']}").json()
    assert all("answer" not in q for q in reread["questions"])

    me.post(f"{LMS}/attempts/{attempt['id']}/submit", {"answers": answers(built)}, format="json")
    review = me.get(f"{LMS}/attempts/{attempt['id']}").json()
    short = next(q for q in review["questions"] if q["kind"] == "short")
    assert short["answer"] == ["def"]
    assert short["explanation"] == "def starts a function."
    assert short["points_earned"] == 1


def test_starting_twice_resumes_the_open_attempt(me, built):
    first = start(me, built)
    again = me.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts")
    assert again.status_code == 200  # resumed, not created
    assert again.json()["id"] == first["id"]
    assert QuizAttempt.objects.count() == 1


def test_wrong_answers_fail_and_grading_is_on_the_server(me, built):
    attempt = start(me, built)
    response = me.post(
        f"{LMS}/attempts/{attempt['id']}/submit",
        {"answers": answers(built, single="a", multiple=["a"], short="define")},
        format="json",
    )
    body = response.json()
    assert body["passed"] is False
    assert body["score_percent"] == "25.00"  # only true/false is right


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"single": 2}, "choice ids"),
        ({"single": "z"}, "choice ids"),
        ({"multiple": "a"}, "list"),
        ({"multiple": ["a", "a"]}, "distinct"),
        ({"true_false": "yes"}, "true or false"),
        ({"short": ["def"]}, "text"),
    ],
)
def test_answers_of_the_wrong_type_are_400_and_nothing_is_recorded(me, built, bad, reason):
    attempt = start(me, built)
    response = me.post(
        f"{LMS}/attempts/{attempt['id']}/submit", {"answers": answers(built, **bad)}, format="json"
    )

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    key = f"answers.{built.question_ids[next(iter(bad))]}"
    assert list(fields) == [key]
    assert reason in fields[key][0]
    assert QuizAttempt.objects.get(pk=attempt["id"]).submitted_at is None


@pytest.mark.parametrize(
    ("kind", "answer"),
    [
        ("multiple", [["a"]]),
        ("multiple", [{"x": 1}]),
        ("multiple", [1, 2]),
        ("single", None),
        ("single", 1.5),
        ("single", {"id": "b"}),
        ("true_false", None),
        ("true_false", 1),
        ("short", None),
        ("short", False),
    ],
)
def test_answers_outside_the_documented_union_are_400_keyed_by_question(me, built, kind, answer):
    """The schema types an answer as `string | string[] | boolean`; anything else (nested
    lists, objects, numbers, null) is a 400 naming the answer's path, never a 500."""
    attempt = start(me, built)
    key = str(built.question_ids[kind])
    response = me.post(
        f"{LMS}/attempts/{attempt['id']}/submit", {"answers": {key: answer}}, format="json"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [f"answers.{key}"]
    assert QuizAttempt.objects.get(pk=attempt["id"]).submitted_at is None


@pytest.mark.parametrize("body", [{"answers": [["a"]]}, {"answers": None}, {"answers": "b"}, {}])
def test_answers_that_are_not_a_map_are_400(me, built, body):
    attempt = start(me, built)
    response = me.post(f"{LMS}/attempts/{attempt['id']}/submit", body, format="json")
    assert response.status_code == 400, response.content
    assert "answers" in response.json()["error"]["fields"]


def test_unknown_question_id_is_400(me, built):
    attempt = start(me, built)
    response = me.post(
        f"{LMS}/attempts/{attempt['id']}/submit", {"answers": {"999999": "a"}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "answers.999999": ["This question is not part of the attempt."]
    }


@pytest.mark.parametrize(
    "body", [{"answers": "nope"}, {"answers": []}, {}, {"answers": {}, "extra": 1}]
)
def test_malformed_submissions_are_400(me, built, body):
    attempt = start(me, built)
    response = me.post(f"{LMS}/attempts/{attempt['id']}/submit", body, format="json")
    assert response.status_code == 400


def test_submitting_twice_is_409_and_recorded_once(me, built):
    attempt = start(me, built)
    url = f"{LMS}/attempts/{attempt['id']}/submit"
    assert me.post(url, {"answers": answers(built)}, format="json").status_code == 200
    again = me.post(url, {"answers": answers(built, single="a")}, format="json")

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_submitted"
    assert QuizAttempt.objects.get(pk=attempt["id"]).score_percent == 100


def test_attempt_limit(instructor, learner):
    built = build_course(instructor, slug="limited", max_attempts=2)
    me = client_for(learner)
    me.post(f"{LMS}/courses/limited/enrollment")
    for _ in range(2):
        attempt = start(me, built)
        me.post(
            f"{LMS}/attempts/{attempt['id']}/submit",
            {"answers": answers(built, single="a", short="x")},
            format="json",
        )

    third = me.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts")

    assert third.status_code == 409
    assert third.json()["error"]["code"] == "no_attempts_left"


def test_late_submission_is_rejected(instructor, learner):
    built = build_course(instructor, slug="timed", time_limit_seconds=60)
    me = client_for(learner)
    me.post(f"{LMS}/courses/timed/enrollment")
    attempt = start(me, built)
    assert attempt["deadline"] is not None
    QuizAttempt.objects.filter(pk=attempt["id"]).update(
        deadline=timezone.now() - timedelta(seconds=5)
    )

    late = me.post(
        f"{LMS}/attempts/{attempt['id']}/submit", {"answers": answers(built)}, format="json"
    )

    assert late.status_code == 409
    assert late.json()["error"]["code"] == "time_limit_exceeded"
    assert QuizAttempt.objects.get(pk=attempt["id"]).passed is None
    # The expired attempt is settled as failed when the learner starts the next one.
    second = start(me, built)
    assert second["number"] == 2
    assert QuizAttempt.objects.get(pk=attempt["id"]).passed is False


def test_another_learners_attempt_is_404(me, built, other_learner):
    attempt = start(me, built)
    stranger = client_for(other_learner)
    assert stranger.get(f"{LMS}/attempts/{attempt['id']}").status_code == 404
    submit = stranger.post(
        f"{LMS}/attempts/{attempt['id']}/submit", {"answers": answers(built)}, format="json"
    )
    assert submit.status_code == 404


def test_quiz_requires_enrollment(built, other_learner):
    response = client_for(other_learner).post(f"{LMS}/quizzes/{built.quiz.pk}/attempts")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_enrolled"


def test_quiz_draws_n_random_questions_from_its_bank(built, instructor, me):
    from apps.lms.services import quiz_authoring

    sampled = quiz_authoring.create_quiz(
        course=built.course,
        user=instructor,
        bank_id=built.quiz.bank_id,
        title="Draw two",
        question_count=2,
    )
    attempt = me.post(f"{LMS}/quizzes/{sampled.pk}/attempts").json()
    ids = [q["id"] for q in attempt["questions"]]
    assert len(ids) == len(set(ids)) == 2
    assert set(ids) <= set(built.question_ids.values())
    # An answer to a question that was not drawn is refused.
    missing = next(i for i in built.question_ids.values() if i not in ids)
    response = me.post(
        f"{LMS}/attempts/{attempt['id']}/submit", {"answers": {str(missing): True}}, format="json"
    )
    assert response.status_code == 400


def test_unenrolled_learner_cannot_continue(me, built):
    assert me.delete(f"{LMS}/courses/{built.course.slug}/enrollment").status_code == 200
    response = me.post(f"{LMS}/lessons/{built.lessons[0].pk}/complete")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_enrolled"
    again = me.post(f"{LMS}/courses/{built.course.slug}/enrollment")
    assert again.status_code == 200
    assert again.json()["status"] == "active"
