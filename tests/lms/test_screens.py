"""Screens in one call: the quiz page, my attempts at a quiz, resuming an attempt, My learning
with percents, the course page's extras and the skills filter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.lms.models import Question, QuizAttempt
from apps.lms.services import authoring, quiz_authoring
from tests.factories import UserFactory
from tests.lms.co_teaching import co_teach
from tests.lms.conftest import BuiltCourse, answers, build_course, client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"


@pytest.fixture
def me(built: BuiltCourse, learner: Any) -> APIClient:
    client = client_for(learner)
    client.get("/api/v1/auth/me")  # the authenticated user is cached from here on
    assert client.post(f"{LMS}/courses/{built.course.slug}/enrollment").status_code == 201
    return client


def status_of(client: APIClient, built: BuiltCourse) -> dict[str, Any]:
    response = client.get(f"{LMS}/quizzes/{built.quiz.pk}/status")
    assert response.status_code == 200, response.content
    return response.json()


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


# --- the quiz page -------------------------------------------------------------------------------
def test_the_quiz_page_before_any_attempt_starts_nothing(me: APIClient, built: BuiltCourse):
    page = status_of(me, built)

    assert page == {
        "quiz_id": built.quiz.pk,
        "title": "Check",
        "course": "python-basics",
        "module_id": None,
        "pass_mark_percent": 75,
        "time_limit_seconds": None,
        "max_attempts": 3,
        "required": True,
        "question_count": 4,
        "enrolled": True,
        "attempts_used": 0,
        "attempts_left": 3,
        "best_score_percent": None,
        "passed": False,
        "open_attempt": None,
        "can_start": True,
        "reveal_answers": "after_passing_or_last_attempt",
        "answers_revealed": False,
    }
    assert QuizAttempt.objects.count() == 0


def test_the_quiz_page_follows_the_attempts(me: APIClient, built: BuiltCourse):
    first = start(me, built)
    page = status_of(me, built)
    assert page["open_attempt"] == {
        "id": first["id"],
        "number": 1,
        "started_at": first["started_at"],
        "expires_at": None,
    }
    assert (page["attempts_used"], page["attempts_left"], page["can_start"]) == (1, 2, True)

    submit(me, first, answers(built, single="a", multiple=["a"]))  # 50 %: failed
    page = status_of(me, built)
    assert page["open_attempt"] is None
    assert (page["best_score_percent"], page["passed"]) == ("50.00", False)

    submit(me, start(me, built), answers(built))  # 100 %: passed
    submit(me, start(me, built), answers(built, single="a"))  # 75 %: the last one
    page = status_of(me, built)
    assert (page["attempts_used"], page["attempts_left"]) == (3, 0)
    assert (page["best_score_percent"], page["passed"], page["can_start"]) == (
        "100.00",
        True,
        False,
    )
    assert me.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts").json()["error"]["code"] == (
        "no_attempts_left"
    )


def test_the_open_attempt_shows_when_its_time_runs_out(instructor: Any, learner: Any):
    built = build_course(instructor, slug="timed", time_limit_seconds=60, max_attempts=1)
    me = client_for(learner)
    me.post(f"{LMS}/courses/{built.course.slug}/enrollment")
    attempt = start(me, built)

    page = status_of(me, built)
    assert page["time_limit_seconds"] == 60
    assert page["open_attempt"]["expires_at"] == attempt["deadline"] is not None

    # Past the deadline and the grace, not yet settled by the sweep: no longer open, used, 0.
    QuizAttempt.objects.filter(pk=attempt["id"]).update(
        deadline=timezone.now() - timedelta(seconds=5)
    )
    page = status_of(me, built)
    assert page["open_attempt"] is None
    assert (page["attempts_used"], page["attempts_left"], page["can_start"]) == (1, 0, False)
    assert page["best_score_percent"] == "0.00"
    assert me.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts").status_code == 409


def test_unlimited_attempts_and_the_questions_an_attempt_draws(instructor: Any, learner: Any):
    built = build_course(instructor, slug="unlimited", max_attempts=None)
    quiz_authoring.update_quiz(quiz=built.quiz, user=instructor, question_count=2)
    me = client_for(learner)
    me.post(f"{LMS}/courses/{built.course.slug}/enrollment")
    page = status_of(me, built)
    assert (page["max_attempts"], page["attempts_left"], page["question_count"]) == (None, None, 2)

    for kind in ("single", "multiple", "true_false"):
        quiz_authoring.retire_question(
            question=Question.objects.get(pk=built.question_ids[kind]), user=instructor
        )
    page = status_of(me, built)
    assert page["question_count"] == 1  # only one live question left to draw


def test_a_new_cycle_starts_the_quiz_page_over_but_keeps_the_attempts_used(
    me: APIClient, built: BuiltCourse
):
    submit(me, start(me, built), answers(built))
    assert status_of(me, built)["passed"] is True
    assert me.post(f"{LMS}/courses/{built.course.slug}/progress/reset").status_code == 200

    page = status_of(me, built)
    assert (page["best_score_percent"], page["passed"]) == (None, False)  # per cycle
    assert (page["attempts_used"], page["attempts_left"]) == (1, 2)  # ADR 0018: every cycle
    assert page["answers_revealed"] is True  # passed once: the answers can't help any more


def test_the_quiz_page_of_someone_not_enrolled(built: BuiltCourse, learner: Any, me: APIClient):
    outsider = client_for(UserFactory(email="nobody@example.com", role="learner"))
    page = status_of(outsider, built)
    assert (page["enrolled"], page["can_start"], page["attempts_used"]) == (False, False, 0)

    start(me, built)
    assert me.delete(f"{LMS}/courses/{built.course.slug}/enrollment").status_code == 200
    page = status_of(me, built)
    assert (page["enrolled"], page["can_start"], page["attempts_used"]) == (False, False, 1)


def test_the_quiz_page_costs_a_fixed_number_of_queries(
    me: APIClient, built: BuiltCourse, django_assert_max_num_queries: Any
):
    for _ in range(2):
        submit(me, start(me, built), answers(built))
    start(me, built)
    with django_assert_max_num_queries(3):  # quiz + course + live questions, enrollment, attempts
        status_of(me, built)


# --- my attempts at a quiz -----------------------------------------------------------------------
def test_my_attempts_at_a_quiz_newest_first_and_only_mine(
    me: APIClient, built: BuiltCourse, other_learner: Any
):
    first = start(me, built)
    submit(me, first, answers(built))
    second = start(me, built)
    otto = client_for(other_learner)
    otto.post(f"{LMS}/courses/{built.course.slug}/enrollment")
    start(otto, built)

    listing = me.get(f"{LMS}/quizzes/{built.quiz.pk}/attempts").json()

    assert listing["count"] == 2
    assert [a["id"] for a in listing["results"]] == [second["id"], first["id"]]
    newest = listing["results"][0]
    assert set(newest) == {
        "id",
        "quiz_id",
        "cycle",
        "number",
        "started_at",
        "deadline",
        "submitted_at",
        "score_percent",
        "passed",
    }
    assert listing["results"][1]["score_percent"] == "100.00"
    page = me.get(f"{LMS}/quizzes/{built.quiz.pk}/attempts?page_size=1").json()
    assert (page["count"], len(page["results"]), page["next"] is not None) == (2, 1, True)
    assert otto.get(f"{LMS}/quizzes/{built.quiz.pk}/attempts").json()["count"] == 1


def test_my_attempts_keep_the_old_cycles(me: APIClient, built: BuiltCourse):
    submit(me, start(me, built), answers(built))
    me.post(f"{LMS}/courses/{built.course.slug}/progress/reset")
    start(me, built)
    cycles = [
        a["cycle"] for a in me.get(f"{LMS}/quizzes/{built.quiz.pk}/attempts").json()["results"]
    ]
    assert cycles == [2, 1]


def test_my_attempts_at_a_missing_quiz_are_404(me: APIClient):
    response = me.get(f"{LMS}/quizzes/999999/attempts")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_my_attempts_cost_a_fixed_number_of_queries(
    me: APIClient, built: BuiltCourse, django_assert_max_num_queries: Any
):
    for _ in range(3):
        submit(me, start(me, built), answers(built))
    with django_assert_max_num_queries(3):  # quiz, count, page
        me.get(f"{LMS}/quizzes/{built.quiz.pk}/attempts")


# --- resuming ------------------------------------------------------------------------------------
def test_starting_creates_with_201_and_resuming_answers_200(me: APIClient, built: BuiltCourse):
    created = start(me, built, expected=201)
    resumed = start(me, built, expected=200)
    assert resumed["id"] == created["id"]
    assert [q["id"] for q in resumed["questions"]] == [q["id"] for q in created["questions"]]

    submit(me, resumed, answers(built, single="a", multiple=["a"]))
    assert start(me, built, expected=201)["number"] == 2


# --- My learning ---------------------------------------------------------------------------------
def test_my_enrollments_carry_the_percent_and_the_course_in_brief(
    me: APIClient, built: BuiltCourse
):
    me.post(f"{LMS}/lessons/{built.lessons[0].pk}/complete")
    progress = me.get(f"{LMS}/courses/{built.course.slug}/progress").json()

    (item,) = me.get(f"{LMS}/enrollments").json()["results"]

    assert item["percent"] == progress["percent"] == 33  # 1 of 2 required lessons + 1 quiz
    assert item["course"] == "python-basics"
    assert item["course_title"] == "Python Basics"
    assert item["course_summary"] == "Learn Python"
    assert item["course_level"] == "beginner"

    submit(me, start(me, built), answers(built))
    me.post(f"{LMS}/lessons/{built.lessons[1].pk}/complete")
    (item,) = me.get(f"{LMS}/enrollments").json()["results"]
    assert (item["percent"], item["status"]) == (100, "completed")


def test_the_percent_counts_the_current_cycle_only(me: APIClient, built: BuiltCourse):
    for lesson in built.lessons:
        me.post(f"{LMS}/lessons/{lesson.pk}/complete")
    submit(me, start(me, built), answers(built))
    assert me.get(f"{LMS}/enrollments").json()["results"][0]["percent"] == 100
    me.post(f"{LMS}/courses/{built.course.slug}/progress/reset")
    assert me.get(f"{LMS}/enrollments").json()["results"][0]["percent"] == 0


def test_my_enrollments_cost_the_same_for_one_course_or_five(
    instructor: Any, learner: Any, django_assert_max_num_queries: Any
):
    me = client_for(learner)
    me.get("/api/v1/auth/me")
    for n in range(5):
        built = build_course(instructor, slug=f"course-{n}")
        me.post(f"{LMS}/courses/{built.course.slug}/enrollment")
        me.post(f"{LMS}/lessons/{built.lessons[0].pk}/complete")
        if n == 0:
            with django_assert_max_num_queries(2) as one:  # count, page
                assert len(me.get(f"{LMS}/enrollments").json()["results"]) == 1
    with django_assert_max_num_queries(2) as five:
        listing = me.get(f"{LMS}/enrollments").json()
    assert len(five.captured_queries) == len(one.captured_queries)
    assert [e["percent"] for e in listing["results"]] == [33] * 5


# --- the course page -----------------------------------------------------------------------------
def test_the_course_page_for_an_anonymous_visitor(built: BuiltCourse, instructor: Any, api: Any):
    page = api.get(f"{LMS}/courses/{built.course.slug}").json()

    assert page["my_enrollment"] is None
    assert page["instructors"] == [{"id": instructor.pk, "display_name": "Ines"}]
    assert (page["module_count"], page["lesson_count"], page["quiz_count"]) == (1, 3, 1)
    assert page["modules"][0]["lessons"][0]["title"] == "Hello"  # the syllabus is still there


def test_the_course_page_shows_my_enrollment(me: APIClient, built: BuiltCourse, learner: Any):
    page = me.get(f"{LMS}/courses/{built.course.slug}").json()
    assert page["my_enrollment"]["status"] == "active"
    assert page["my_enrollment"]["percent"] == 0
    assert page["my_enrollment"]["enrolled_at"]

    me.post(f"{LMS}/lessons/{built.lessons[0].pk}/complete")
    assert me.get(f"{LMS}/courses/{built.course.slug}").json()["my_enrollment"]["percent"] == 33

    me.delete(f"{LMS}/courses/{built.course.slug}/enrollment")
    assert me.get(f"{LMS}/courses/{built.course.slug}").json()["my_enrollment"]["status"] == (
        "withdrawn"
    )
    stranger = client_for(UserFactory(email="stranger@example.com"))
    assert stranger.get(f"{LMS}/courses/{built.course.slug}").json()["my_enrollment"] is None


def test_the_course_page_names_every_instructor_without_their_email(
    built: BuiltCourse, instructor: Any, api: Any
):
    cora = UserFactory(email="co@example.com", role="instructor", display_name="Cora")
    co_teach(built.course, by=instructor, colleague=cora)
    page = api.get(f"{LMS}/courses/{built.course.slug}").json()
    assert [i["display_name"] for i in page["instructors"]] == ["Ines", "Cora"]
    assert all(set(i) == {"id", "display_name"} for i in page["instructors"])


def test_the_course_page_budget_does_not_grow_with_the_course(
    me: APIClient, built: BuiltCourse, instructor: Any, django_assert_max_num_queries: Any
):
    with django_assert_max_num_queries(8) as small:
        assert me.get(f"{LMS}/courses/{built.course.slug}").status_code == 200
    module = authoring.add_module(course=built.course, user=instructor, title="More")
    for n in range(4):
        authoring.add_lesson(module=module, user=instructor, title=f"Extra {n}", body="...")
    for n in range(2):
        colleague = UserFactory(email=f"co{n}@example.com", role="instructor")
        co_teach(built.course, by=instructor, colleague=colleague)
    with django_assert_max_num_queries(8) as big:
        page = me.get(f"{LMS}/courses/{built.course.slug}").json()
    assert (page["module_count"], page["lesson_count"], len(page["instructors"])) == (2, 7, 3)
    assert len(big.captured_queries) == len(small.captured_queries)


# --- the skills filter ---------------------------------------------------------------------------
def test_the_skills_of_the_published_catalog_with_their_course_counts(
    built: BuiltCourse, instructor: Any, api: Any
):
    other = build_course(instructor, slug="testing-deep-dive")
    authoring.update_course(course=other.course, user=instructor, skills=["testing", "pytest"])
    draft = build_course(instructor, slug="secret", publish=False)
    authoring.update_course(course=draft.course, user=instructor, skills=["cobol"])

    listing = api.get(f"{LMS}/skills").json()

    assert listing["results"] == [
        {"slug": "testing", "course_count": 2},
        {"slug": "pytest", "course_count": 1},
        {"slug": "python", "course_count": 1},
    ]
    assert (listing["count"], listing["next"], listing["previous"]) == (3, None, None)
    page = api.get(f"{LMS}/skills?page_size=2&page=2").json()
    assert [s["slug"] for s in page["results"]] == ["python"]


def test_the_skills_are_cached_with_the_catalog(
    built: BuiltCourse, instructor: Any, api: Any, django_assert_num_queries: Any
):
    assert api.get(f"{LMS}/skills").json()["count"] == 2
    with django_assert_num_queries(0):
        api.get(f"{LMS}/skills")
    other = build_course(instructor, slug="rusty")
    authoring.update_course(course=other.course, user=instructor, skills=["rust"])
    assert "rust" in {s["slug"] for s in api.get(f"{LMS}/skills").json()["results"]}
