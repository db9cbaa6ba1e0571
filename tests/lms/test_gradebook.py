"""The instructor's gradebook: rows and figures, filters, who may see it, the CSV export, the
per-quiz summary, and a page that costs the same queries however many learners and quizzes."""

from __future__ import annotations

import csv
import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.paginator import Paginator
from rest_framework.test import APIClient

from apps.accounts import services
from apps.lms import selectors
from apps.lms.gradebook import selectors as gradebook
from apps.lms.models import Enrollment, Learner, Quiz
from apps.lms.services import learning, quiz_authoring, quizzes
from gigsy.events import Event, registry
from gigsy.events.models import OutboxEvent
from tests.factories import UserFactory
from tests.lms.co_teaching import co_teach
from tests.lms.conftest import answers, build_course, client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"


def _url(built, suffix: str = "") -> str:
    return f"{LMS}/courses/{built.course.slug}/gradebook{suffix}"


def _submit(quiz: Quiz, user, chosen: dict) -> Decimal:
    quiz = Quiz.objects.select_related("course", "bank").get(pk=quiz.pk)
    attempt, _ = quizzes.start_attempt(quiz=quiz, user=user)
    graded = quizzes.submit_attempt(attempt_id=attempt.pk, user=user, answers=chosen)
    return graded.attempt.score_percent


def _finish(built, user) -> None:
    """Every lesson (the optional one too), then the quiz: 50 % (failed), then 75 % (passed)."""
    learning.enroll(course=built.course, user=user)
    for lesson in built.lessons:
        learning.complete_lesson(lesson=lesson, user=user)
    assert _submit(built.quiz, user, answers(built, single="a", multiple=["a"])) == Decimal("50")
    assert _submit(built.quiz, user, answers(built, single="a")) == Decimal("75")


@pytest.fixture
def class_of_three(built, learner, other_learner):
    """Lea finished, Otto did one lesson, Wanda left."""
    _finish(built, learner)
    learning.enroll(course=built.course, user=other_learner)
    learning.complete_lesson(lesson=built.lessons[0], user=other_learner)
    wanda = UserFactory(email="wanda@example.com", display_name="Wanda Gone")
    learning.enroll(course=built.course, user=wanda)
    learning.unenroll(course=built.course, user=wanda)
    # All three show their email to the instructors (the rows below are told apart by it); a
    # learner who does not: tests/lms/test_privacy_between_users.py.
    Enrollment.objects.filter(course=built.course).update(share_email_with_instructors=True)
    return {"lea": learner, "otto": other_learner, "wanda": wanda}


@pytest.fixture
def teacher(instructor):
    return client_for(instructor)


def _rows(client, url: str, **params) -> list[dict]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- rows and figures ---------------------------------------------------------------------------
def test_rows_show_every_enrollment_with_its_progress(built, class_of_three, teacher):
    body = teacher.get(_url(built)).json()
    assert body["count"] == 3
    rows = {row["email"]: row for row in body["results"]}
    # By learner name.
    assert [r["display_name"] for r in body["results"]] == ["Lea Learner", "Otto", "Wanda Gone"]

    lea = rows["lea@example.com"]
    enrollment = Enrollment.objects.get(course=built.course, user=class_of_three["lea"])
    assert lea["enrollment_id"] == enrollment.pk
    assert lea["learner_id"] == class_of_three["lea"].pk
    assert lea["status"] == "completed"
    assert lea["cycle"] == 1
    assert lea["completed_at"] is not None
    # The optional lesson doesn't count, as in the learner's own progress.
    assert (lea["lessons_completed"], lea["required_lessons"]) == (2, 2)
    assert (lea["quizzes_passed"], lea["required_quizzes"]) == (1, 1)
    assert lea["percent"] == 100
    assert lea["best_scores"] == {str(built.quiz.pk): "75.00"}  # the better of 50 and 75
    assert lea["last_activity_at"] is not None

    otto = rows["otto@example.com"]
    assert otto["status"] == "active"
    assert otto["completed_at"] is None
    assert (otto["lessons_completed"], otto["quizzes_passed"]) == (1, 0)
    assert otto["percent"] == 33
    assert otto["best_scores"] == {str(built.quiz.pk): None}

    wanda = rows["wanda@example.com"]
    assert wanda["status"] == "withdrawn"
    assert wanda["percent"] == 0
    assert wanda["last_activity_at"] is None


def test_figures_match_the_learners_own_progress(built, class_of_three):
    for row in gradebook.gradebook(course=built.course):
        progress = selectors.progress(enrollment=Enrollment.objects.get(pk=row.enrollment_id))
        assert row.percent == progress.percent
        assert row.required_lessons == progress.required_lessons
        assert row.required_quizzes == progress.required_quizzes


def test_last_activity_is_the_latest_completion_or_submission(built, class_of_three):
    rows = {row.email: row for row in gradebook.gradebook(course=built.course)}
    lea = Enrollment.objects.get(course=built.course, user=class_of_three["lea"])
    last_submission = lea.attempts.order_by("-submitted_at").first().submitted_at
    assert rows["lea@example.com"].last_activity_at == last_submission
    otto = Enrollment.objects.get(course=built.course, user=class_of_three["otto"])
    assert rows["otto@example.com"].last_activity_at == otto.completions.get().completed_at


def test_a_reset_shows_the_new_cycle_from_scratch(built, learner, teacher):
    _finish(built, learner)
    learning.reset_progress(course=built.course, user=learner)

    (row,) = _rows(teacher, _url(built))
    assert (row["status"], row["cycle"], row["completed_at"]) == ("active", 2, None)
    assert (row["lessons_completed"], row["quizzes_passed"], row["percent"]) == (0, 0, 0)
    assert row["best_scores"] == {str(built.quiz.pk): None}  # 75 belongs to cycle 1
    assert row["last_activity_at"] is not None  # the learner was seen, in the old cycle

    _submit(built.quiz, learner, answers(built, single="a", multiple=["a"]))
    (row,) = _rows(teacher, _url(built))
    assert row["best_scores"] == {str(built.quiz.pk): "50.00"}
    assert (row["quizzes_passed"], row["percent"]) == (0, 0)


def test_a_course_without_quizzes_or_learners(instructor, teacher):
    built = build_course(instructor, slug="no-quiz")
    Quiz.objects.filter(pk=built.quiz.pk).delete()
    assert _rows(teacher, _url(built)) == []
    learning.enroll(course=built.course, user=UserFactory(display_name="Solo"))
    (row,) = _rows(teacher, _url(built))
    assert row["best_scores"] == {}
    assert (row["required_quizzes"], row["percent"]) == (0, 0)


# --- filters and search -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "emails"),
    [
        ("active", ["otto@example.com"]),
        ("completed", ["lea@example.com"]),
        ("withdrawn", ["wanda@example.com"]),
        ("", ["lea@example.com", "otto@example.com", "wanda@example.com"]),
    ],
)
def test_status_filter(built, class_of_three, teacher, status, emails):
    assert [r["email"] for r in _rows(teacher, _url(built), status=status)] == emails


@pytest.mark.parametrize(
    ("search", "emails"),
    [
        ("otto", ["otto@example.com"]),  # name and email
        ("LEARNER", ["lea@example.com"]),  # name, any case
        ("wanda@", ["wanda@example.com"]),  # email
        ("example.com", ["lea@example.com", "otto@example.com", "wanda@example.com"]),
        ("nobody", []),
        ("%", []),  # a LIKE wildcard is a plain character
    ],
)
def test_search_by_name_or_email(built, class_of_three, teacher, search, emails):
    assert [r["email"] for r in _rows(teacher, _url(built), search=search)] == emails


def test_filters_combine_and_paginate(built, class_of_three, teacher):
    rows = _rows(teacher, _url(built), status="active", search="lea")
    assert rows == []
    page = teacher.get(_url(built), {"page_size": 2, "page": 2}).json()
    assert page["count"] == 3
    assert [r["email"] for r in page["results"]] == ["wanda@example.com"]


def test_unknown_status_is_a_400_envelope(built, teacher):
    response = teacher.get(_url(built), {"status": "graduated"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "status" in error["fields"]


# --- who may see it -----------------------------------------------------------------------------
def test_only_the_course_instructors_and_operators(built, class_of_three):
    learner = client_for(class_of_three["lea"])
    for url in (_url(built), _url(built, "/quizzes")):
        assert learner.get(url).status_code == 403
        assert learner.get(url).json()["error"]["code"] == "permission_denied"

    colleague = UserFactory(email="other-teacher@example.com", role="instructor")
    assert client_for(colleague).get(_url(built)).status_code == 403
    assert APIClient().get(_url(built)).status_code == 401

    operator = UserFactory(email="ops@example.com", is_staff=True)
    assert client_for(operator).get(_url(built)).status_code == 200
    assert client_for(operator).get(_url(built, "/quizzes")).status_code == 200


def test_a_co_instructor_sees_it(built, instructor):
    colleague = UserFactory(email="co@example.com", role="instructor")
    co_teach(built.course, by=instructor, colleague=colleague)
    assert client_for(colleague).get(_url(built)).status_code == 200


def test_drafts_and_unknown_courses_are_404(instructor, learner, teacher):
    draft = build_course(instructor, slug="draft-course", publish=False)
    assert client_for(learner).get(_url(draft)).status_code == 404
    assert client_for(learner).get(_url(draft, "/quizzes")).status_code == 404
    assert teacher.get(_url(draft)).status_code == 200  # its own instructors see it
    assert teacher.get(f"{LMS}/courses/no-such-course/gradebook").status_code == 404
    assert teacher.get(f"{LMS}/courses/no-such-course/gradebook/quizzes").status_code == 404


# --- CSV export ---------------------------------------------------------------------------------
def _csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("how", ["query", "accept"])
def test_csv_export_has_every_matching_row(built, class_of_three, teacher, how):
    if how == "query":
        response = teacher.get(_url(built), {"format": "csv", "page_size": 1})
    else:
        response = teacher.get(_url(built), {"page_size": 1}, HTTP_ACCEPT="text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="python-basics-gradebook.csv"'
    rows = _csv_rows(response)
    assert [r["email"] for r in rows] == [
        "lea@example.com",
        "otto@example.com",
        "wanda@example.com",
    ]
    quiz_column = f"best score: Check (#{built.quiz.pk})"
    lea, otto, _ = rows
    assert (lea["status"], lea["percent"], lea["lessons_completed"]) == ("completed", "100", "2")
    assert lea[quiz_column] == "75.00"
    assert (otto["percent"], otto[quiz_column], otto["completed_at"]) == ("33", "", "")

    filtered = _csv_rows(teacher.get(_url(built), {"format": "csv", "status": "withdrawn"}))
    assert [r["email"] for r in filtered] == ["wanda@example.com"]


def test_csv_cells_cannot_be_formulas(built, teacher):
    sly = UserFactory(email="sly@example.com", display_name="=HYPERLINK(1)")
    learning.enroll(course=built.course, user=sly)
    (row,) = _csv_rows(teacher.get(_url(built), {"format": "csv"}))
    assert row["display_name"] == "'=HYPERLINK(1)"


def test_csv_errors_are_the_json_envelope(built, learner):
    response = client_for(learner).get(_url(built), {"format": "csv"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "permission_denied"


# --- per-quiz summary ---------------------------------------------------------------------------
def test_quiz_summary(
    built, instructor, learner, other_learner, teacher, django_assert_num_queries
):
    _finish(built, learner)  # 50, 75 (passed)
    learning.enroll(course=built.course, user=other_learner)
    _submit(built.quiz, other_learner, answers(built))  # 100 (passed)
    unused = quiz_authoring.create_quiz(
        course=built.course, user=instructor, bank_id=built.quiz.bank_id, title="Later"
    )

    with django_assert_num_queries(1):
        summary = list(gradebook.quiz_summary(course=built.course))
    assert [q.pk for q in summary] == [built.quiz.pk, unused.pk]

    response = teacher.get(_url(built, "/quizzes"))
    assert response.status_code == 200
    page = response.json()
    assert (page["count"], page["next"], page["previous"]) == (2, None, None)
    check, later = page["results"]
    assert check["id"] == built.quiz.pk
    assert check["title"] == "Check"
    assert check["attempts_submitted"] == 3
    assert check["learners_attempted"] == 2
    assert check["learners_passed"] == 2
    assert check["average_score"] == "75.00"
    assert check["best_score"] == "100.00"
    assert later["attempts_submitted"] == later["learners_passed"] == 0
    assert later["average_score"] is later["best_score"] is None


# --- query budget -------------------------------------------------------------------------------
def _learners(built, count: int, *, start: int) -> None:
    for n in range(start, start + count):
        user = UserFactory(email=f"l{n}@example.com", display_name=f"Learner {n:02}")
        learning.enroll(course=built.course, user=user)
        learning.complete_lesson(lesson=built.lessons[n % 2], user=user)
        for quiz in Quiz.objects.filter(course=built.course):
            _submit(quiz, user, answers(built, single="a" if n % 3 else "b"))


def test_a_page_costs_the_same_queries_whatever_its_size(
    built, instructor, teacher, django_assert_max_num_queries
):
    teacher.get(_url(built))  # the authenticated user is cached from here on
    measured = []

    def measure(expected_rows: int) -> None:
        # The course (1), the instructor check (1), count + page (2).
        with django_assert_max_num_queries(4) as captured:
            rows = _rows(teacher, _url(built), page_size=100)
        assert len(rows) == expected_rows
        assert all(
            len(r["best_scores"]) == Quiz.objects.filter(course=built.course).count() for r in rows
        )
        measured.append(len(captured))

    _learners(built, 2, start=0)
    measure(2)  # 2 learners, 1 quiz
    _learners(built, 10, start=2)
    measure(12)  # 12 learners, 1 quiz
    for title in ("Second", "Third"):
        quiz_authoring.create_quiz(
            course=built.course, user=instructor, bank_id=built.quiz.bank_id, title=title
        )
    _learners(built, 2, start=12)
    measure(14)  # 14 learners, 3 quizzes
    assert len(set(measured)) == 1, measured


def test_the_selector_reads_a_page_in_two_queries(built, django_assert_num_queries):
    _learners(built, 5, start=0)
    with django_assert_num_queries(2) as captured:  # the count, then the page's rows
        page = Paginator(gradebook.gradebook(course=built.course, search="learner"), 2).page(2)
        rows = list(page)
    assert [r.display_name for r in rows] == ["Learner 02", "Learner 03"]
    # Sorted and searched on lms's own copy of the learners: no join into accounts.
    assert not [q for q in captured.captured_queries if '"accounts"' in q["sql"]]


# --- lms's copy of the learners (models.Learner) ------------------------------------------------
def _deliver(event_type: str) -> None:
    """Hand every `event_type` event in the outbox to lms's handler, as the consumer would."""
    handler = registry.get("lms.refresh_learner")
    assert handler.event_type == event_type
    for row in OutboxEvent.objects.filter(event_type=event_type).order_by("id"):
        handler.func(Event.from_json(bytes(row.payload)))


def test_enrolling_copies_the_learner(built, learner):
    learning.enroll(course=built.course, user=learner)
    copy = Learner.objects.get(pk=learner.pk)
    assert (copy.display_name, copy.email) == ("Lea Learner", "lea@example.com")


def test_a_renamed_learner_shows_and_is_found_under_the_new_name(built, class_of_three, teacher):
    services.update_profile(user=class_of_three["otto"], display_name="Aaron Otto")
    assert _rows(teacher, _url(built), search="aaron") == []  # not yet delivered
    _deliver("user.updated")

    rows = _rows(teacher, _url(built))
    assert [r["display_name"] for r in rows] == ["Aaron Otto", "Lea Learner", "Wanda Gone"]
    assert [r["email"] for r in _rows(teacher, _url(built), search="aaron")] == ["otto@example.com"]


def test_an_email_changed_by_an_operator_is_searchable(built, class_of_three, teacher):
    otto = class_of_three["otto"]
    otto.email = "otto.new@example.com"
    otto.save(update_fields=["email"])
    services.user_changed_by_operator(user=otto, changed_fields=["email"])
    _deliver("user.updated")

    assert [r["email"] for r in _rows(teacher, _url(built), search="otto.new")] == [
        "otto.new@example.com"
    ]


def test_redelivered_or_late_events_leave_the_latest_data(built, learner):
    learning.enroll(course=built.course, user=learner)
    services.update_profile(user=learner, display_name="First")
    services.update_profile(user=learner, display_name="Second")
    _deliver("user.updated")  # both, in order
    [first, _] = OutboxEvent.objects.filter(event_type="user.updated").order_by("id")
    registry.get("lms.refresh_learner").func(Event.from_json(bytes(first.payload)))  # late copy

    assert Learner.objects.get(pk=learner.pk).display_name == "Second"


def test_an_event_about_a_deleted_user_is_harmless(built, learner):
    learning.enroll(course=built.course, user=learner)
    services.update_profile(user=learner, display_name="Gone Soon")
    learner_id = learner.pk
    learner.delete()
    _deliver("user.updated")
    assert not Learner.objects.filter(pk=learner_id).exists()


def test_a_learner_lms_has_no_copy_of_is_named_from_accounts(
    built, class_of_three, django_assert_num_queries
):
    Learner.objects.filter(pk=class_of_three["otto"].pk).delete()  # e.g. enrolled in the admin
    with django_assert_num_queries(3):  # count, rows, then accounts for the one missing name
        rows = list(Paginator(gradebook.gradebook(course=built.course), 10).page(1))
    assert [r.display_name for r in rows] == ["Lea Learner", "Wanda Gone", "Otto"]
    assert rows[2].email == "otto@example.com"
    assert [r.email for r in gradebook.gradebook(course=built.course)][2] == "otto@example.com"


def test_the_migration_copies_every_enrolled_learner(built, class_of_three, instructor):
    backfill = importlib.import_module("apps.lms.migrations.0006_learner").copy_enrolled_users
    Learner.objects.all().delete()

    backfill(django_apps, None)
    backfill(django_apps, None)  # and again: nothing doubles

    copies = dict(Learner.objects.values_list("email", "display_name"))
    assert copies == {
        "lea@example.com": "Lea Learner",
        "otto@example.com": "Otto",
        "wanda@example.com": "Wanda Gone",
    }  # enrolled users only: not the instructor


@pytest.mark.parametrize(("search", "expected"), [("otto@", ["otto"]), ("wanda gone", ["wanda"])])
def test_operators_search_enrollments_by_learner_in_the_admin(
    client, built, class_of_three, search, expected
):
    operator = UserFactory(email="op@example.com", is_staff=True, is_superuser=True)
    client.force_login(operator)

    response = client.get("/admin/lms/enrollment/", {"q": search})

    assert response.status_code == 200
    found = {e.user_id for e in response.context["cl"].result_list}
    assert found == {class_of_three[name].pk for name in expected}
