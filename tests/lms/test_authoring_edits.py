"""Instructors maintain what they built: edit, reorder, retire and delete, without ever erasing
what learners did."""

from __future__ import annotations

import pytest

from apps.lms.models import Course, Lesson, Module, Question, QuestionBank, Quiz, QuizAttempt
from gigsy.events.models import OutboxEvent
from tests.factories import UserFactory
from tests.lms.conftest import answers, build_course, client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"


def _code(response) -> str:
    return response.json()["error"]["code"]


# --- courses -----------------------------------------------------------------------------------
def test_teaching_lists_my_courses_in_every_state(instructor):
    build_course(instructor, slug="live")
    build_course(instructor, slug="draft", publish=False)
    build_course(UserFactory(email="x@example.com", role="instructor"), slug="not-mine")

    listed = client_for(instructor).get(f"{LMS}/teaching")

    assert listed.status_code == 200
    assert {(c["slug"], c["status"]) for c in listed.json()["results"]} == {
        ("live", "published"),
        ("draft", "draft"),
    }


def test_a_draft_is_deleted_with_everything_in_it(instructor):
    draft = build_course(instructor, slug="scratch", publish=False)

    gone = client_for(instructor).delete(f"{LMS}/courses/scratch")

    assert gone.status_code == 204
    assert not Course.objects.filter(slug="scratch").exists()
    assert not Quiz.objects.filter(pk=draft.quiz.pk).exists()
    assert not Question.objects.filter(pk__in=draft.question_ids.values()).exists()


def test_a_published_course_is_archived_not_deleted(built, instructor, learner, other_learner):
    client_for(learner).post(f"{LMS}/courses/{built.course.slug}/enrollment")
    me = client_for(instructor)

    refused = me.delete(f"{LMS}/courses/{built.course.slug}")
    assert refused.status_code == 409 and _code(refused) == "not_draft"

    archived = me.post(f"{LMS}/courses/{built.course.slug}/archive")
    assert archived.status_code == 200
    assert archived.json()["status"] == "archived"
    assert OutboxEvent.objects.filter(event_type="course.archived").count() == 1
    assert me.post(f"{LMS}/courses/{built.course.slug}/archive").status_code == 409

    # Gone from the catalog and closed to newcomers ...
    assert built.course.slug not in [
        c["slug"] for c in client_for(learner).get(f"{LMS}/courses").json()["results"]
    ]
    newcomer = client_for(other_learner)
    assert newcomer.get(f"{LMS}/courses/{built.course.slug}").status_code == 404
    assert newcomer.post(f"{LMS}/courses/{built.course.slug}/enrollment").status_code == 404
    # ... but the enrolled learner carries on: lessons, progress and the quiz.
    lea = client_for(learner)
    assert lea.get(f"{LMS}/courses/{built.course.slug}").status_code == 200
    assert lea.post(f"{LMS}/lessons/{built.lessons[0].pk}/complete").status_code == 200
    assert lea.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts").status_code == 201


def test_others_cannot_archive_or_delete(built, learner):
    lea = client_for(learner)
    assert lea.post(f"{LMS}/courses/{built.course.slug}/archive").status_code == 403
    assert lea.delete(f"{LMS}/courses/{built.course.slug}").status_code == 403
    assert Course.objects.get(pk=built.course.pk).status == "published"


# --- modules and lessons -----------------------------------------------------------------------
def test_instructor_renames_and_moves_a_module(built, instructor):
    module = built.lessons[0].module
    edited = client_for(instructor).patch(
        f"{LMS}/modules/{module.pk}", {"title": "Getting started", "position": 5}, format="json"
    )
    assert edited.status_code == 200, edited.content
    module.refresh_from_db()
    assert (module.title, module.position) == ("Getting started", 5)


def test_module_edit_rejects_unknown_fields_and_strangers(built, learner, instructor):
    module = built.lessons[0].module
    unknown = client_for(instructor).patch(
        f"{LMS}/modules/{module.pk}", {"course": "elsewhere"}, format="json"
    )
    assert unknown.status_code == 400
    assert "course" in unknown.json()["error"]["fields"]
    stranger = client_for(learner).patch(
        f"{LMS}/modules/{module.pk}", {"title": "x"}, format="json"
    )
    assert stranger.status_code == 403
    assert (
        client_for(instructor)
        .patch(f"{LMS}/modules/999999", {"title": "x"}, format="json")
        .status_code
        == 404
    )


def test_unlearned_lesson_is_deleted_learned_one_is_kept(built, instructor, learner):
    lea = client_for(learner)
    lea.post(f"{LMS}/courses/{built.course.slug}/enrollment")
    lea.post(f"{LMS}/lessons/{built.lessons[0].pk}/complete")
    me = client_for(instructor)

    kept = me.delete(f"{LMS}/lessons/{built.lessons[0].pk}")
    assert kept.status_code == 409 and _code(kept) == "has_learner_progress"
    assert Lesson.objects.filter(pk=built.lessons[0].pk).exists()

    assert me.delete(f"{LMS}/lessons/{built.lessons[2].pk}").status_code == 204
    assert not Lesson.objects.filter(pk=built.lessons[2].pk).exists()
    assert client_for(learner).delete(f"{LMS}/lessons/{built.lessons[1].pk}").status_code == 403


def test_a_published_course_keeps_at_least_one_lesson(built, instructor):
    me = client_for(instructor)
    assert me.delete(f"{LMS}/lessons/{built.lessons[2].pk}").status_code == 204
    assert me.delete(f"{LMS}/lessons/{built.lessons[1].pk}").status_code == 204
    last = me.delete(f"{LMS}/lessons/{built.lessons[0].pk}")
    assert last.status_code == 409 and _code(last) == "empty_course"


def test_deleting_a_module_keeps_its_quizzes_at_course_level(instructor):
    draft = build_course(instructor, slug="mods", publish=False)
    module = draft.lessons[0].module
    me = client_for(instructor)
    moved = me.patch(f"{LMS}/quizzes/{draft.quiz.pk}", {"module_id": module.pk}, format="json")
    assert moved.json()["module_id"] == module.pk

    assert me.delete(f"{LMS}/modules/{module.pk}").status_code == 204

    assert not Module.objects.filter(pk=module.pk).exists()
    assert Quiz.objects.get(pk=draft.quiz.pk).module_id is None


# --- banks and questions -----------------------------------------------------------------------
def test_instructor_reads_banks_with_answers_learners_cannot(built, instructor, learner):
    me = client_for(instructor)
    banks = me.get(f"{LMS}/courses/{built.course.slug}/banks")
    assert banks.status_code == 200
    [bank] = banks.json()["results"]
    assert bank["question_count"] == 4

    detail = me.get(f"{LMS}/banks/{bank['id']}")
    assert detail.status_code == 200
    by_id = {q["id"]: q for q in detail.json()["questions"]}
    assert by_id[built.question_ids["single"]]["answer"] == "b"

    lea = client_for(learner)
    assert lea.get(f"{LMS}/courses/{built.course.slug}/banks").status_code == 403
    assert lea.get(f"{LMS}/banks/{bank['id']}").status_code == 403
    assert me.get(f"{LMS}/banks/999999").status_code == 404


def test_bank_rename_and_delete_rules(built, instructor):
    me = client_for(instructor)
    bank_id = built.quiz.bank_id
    renamed = me.patch(f"{LMS}/banks/{bank_id}", {"title": "Core"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json() == {"id": bank_id, "title": "Core", "question_count": 4}

    in_use = me.delete(f"{LMS}/banks/{bank_id}")
    assert in_use.status_code == 409 and _code(in_use) == "bank_in_use"

    spare = me.post(f"{LMS}/courses/{built.course.slug}/banks", {"title": "Spare"}, format="json")
    assert spare.status_code == 201
    assert me.delete(f"{LMS}/banks/{spare.json()['id']}").status_code == 204
    assert not QuestionBank.objects.filter(pk=spare.json()["id"]).exists()


def test_question_edit_is_validated_as_a_whole(built, instructor):
    me = client_for(instructor)
    qid = built.question_ids["single"]

    wrong = me.patch(f"{LMS}/questions/{qid}", {"answer": "z"}, format="json")
    assert wrong.status_code == 400 and "answer" in wrong.json()["error"]["fields"]
    kind_only = me.patch(f"{LMS}/questions/{qid}", {"kind": "true_false"}, format="json")
    assert kind_only.status_code == 400  # "b" is not true/false: the pair must agree
    assert Question.objects.get(pk=qid).kind == "single"

    both = me.patch(
        f"{LMS}/questions/{qid}", {"kind": "true_false", "answer": False}, format="json"
    )
    assert both.status_code == 200, both.content
    assert both.json()["answer"] is False


def test_edited_answer_applies_to_new_grading_not_to_past_grades(built, instructor, learner):
    lea = client_for(learner)
    lea.post(f"{LMS}/courses/{built.course.slug}/enrollment")
    first = lea.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts").json()
    graded = lea.post(
        f"{LMS}/attempts/{first['id']}/submit", {"answers": answers(built)}, format="json"
    ).json()
    assert graded["passed"] is True

    client_for(instructor).patch(
        f"{LMS}/questions/{built.question_ids['single']}", {"answer": "a"}, format="json"
    )

    past = QuizAttempt.objects.get(pk=first["id"])
    assert past.passed is True and past.score_percent == 100


def test_retired_question_is_never_drawn_but_stays_in_reviews(built, instructor, learner):
    lea = client_for(learner)
    lea.post(f"{LMS}/courses/{built.course.slug}/enrollment")
    first = lea.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts").json()
    lea.post(f"{LMS}/attempts/{first['id']}/submit", {"answers": {}}, format="json")
    retired = built.question_ids["short"]
    me = client_for(instructor)

    assert me.delete(f"{LMS}/questions/{retired}").status_code == 204
    assert me.delete(f"{LMS}/questions/{retired}").status_code == 404
    assert me.patch(f"{LMS}/questions/{retired}", {"prompt": "x"}, format="json").status_code == 404

    second = lea.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts").json()
    assert retired not in [q["id"] for q in second["questions"]]
    assert len(second["questions"]) == 3
    review = lea.get(f"{LMS}/attempts/{first['id']}").json()
    assert retired in [q["id"] for q in review["questions"]]
    bank = me.get(f"{LMS}/banks/{built.quiz.bank_id}").json()
    assert retired not in [q["id"] for q in bank["questions"]]


# --- quizzes -----------------------------------------------------------------------------------
def test_quiz_edit_checks_bank_and_draw_size(built, instructor):
    me = client_for(instructor)
    url = f"{LMS}/quizzes/{built.quiz.pk}"

    too_many = me.patch(url, {"question_count": 5}, format="json")
    assert too_many.status_code == 400 and "question_count" in too_many.json()["error"]["fields"]
    foreign = build_course(instructor, slug="other-course").quiz.bank_id
    elsewhere = me.patch(url, {"bank_id": foreign}, format="json")
    assert elsewhere.status_code == 400 and "bank_id" in elsewhere.json()["error"]["fields"]

    ok = me.patch(
        url,
        {"question_count": 2, "pass_mark_percent": 50, "time_limit_seconds": 600},
        format="json",
    )
    assert ok.status_code == 200, ok.content
    quiz = Quiz.objects.get(pk=built.quiz.pk)
    assert (quiz.question_count, quiz.pass_mark_percent, quiz.time_limit_seconds) == (2, 50, 600)
    assert me.patch(url, {"pass_mark_percent": 101}, format="json").status_code == 400


def test_attempted_quiz_cannot_be_deleted(built, instructor, learner):
    lea = client_for(learner)
    lea.post(f"{LMS}/courses/{built.course.slug}/enrollment")
    lea.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts")
    me = client_for(instructor)

    kept = me.delete(f"{LMS}/quizzes/{built.quiz.pk}")
    assert kept.status_code == 409 and _code(kept) == "has_learner_progress"
    optional = me.patch(f"{LMS}/quizzes/{built.quiz.pk}", {"required": False}, format="json")
    assert optional.status_code == 200 and optional.json()["required"] is False

    fresh = me.post(
        f"{LMS}/courses/{built.course.slug}/quizzes",
        {"title": "Extra", "bank_id": built.quiz.bank_id},
        format="json",
    )
    assert me.delete(f"{LMS}/quizzes/{fresh.json()['id']}").status_code == 204
    assert client_for(learner).delete(f"{LMS}/quizzes/{built.quiz.pk}").status_code == 403


def test_operator_archives_from_the_admin_and_the_event_goes_out(built, instructor):
    from django.test import Client

    operator = UserFactory(email="op@example.com", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(operator)
    draft = build_course(instructor, slug="unfinished", publish=False)

    response = admin.post(
        "/admin/lms/course/",
        {"action": "archive", "_selected_action": [built.course.pk, draft.course.pk]},
    )

    assert response.status_code == 302
    assert Course.objects.get(pk=built.course.pk).status == "archived"
    assert Course.objects.get(pk=draft.course.pk).status == "draft"  # skipped, not archived
    assert OutboxEvent.objects.filter(event_type="course.archived").count() == 1


# --- co-instructors ----------------------------------------------------------------------------
def test_instructors_share_a_course_and_it_keeps_one(built, instructor, learner):
    colleague = UserFactory(email="cole@example.com", role="instructor", display_name="Cole")
    me = client_for(instructor)
    url = f"{LMS}/courses/{built.course.slug}/instructors"

    # An invitation (ADR 0019): the colleague joins when they accept.
    invited = me.post(url, {"email": "COLE@example.com "}, format="json")
    assert invited.status_code == 202, invited.content
    assert invited.json()["email"] == "cole@example.com" and "id" not in invited.json()
    assert me.post(url, {"email": "cole@example.com"}, format="json").status_code == 202  # again
    cole = client_for(colleague)
    pending = cole.get(f"{LMS}/invitations").json()["results"]
    assert len(pending) == 1
    assert cole.post(f"{LMS}/invitations/{pending[0]['id']}/accept").status_code == 200
    assert [i["email"] for i in me.get(url).json()] == ["ines@example.com", "cole@example.com"]

    # The colleague can now edit; a learner can be invited (same answer) but manages nothing.
    renamed = cole.patch(
        f"{LMS}/courses/{built.course.slug}", {"title": "Co-taught"}, format="json"
    )
    assert renamed.status_code == 200
    assert me.post(url, {"email": learner.email}, format="json").status_code == 202
    assert client_for(learner).get(url).status_code == 403
    assert client_for(learner).delete(f"{url}/{colleague.pk}").status_code == 403

    assert cole.delete(f"{url}/{instructor.pk}").status_code == 403  # the owner stays
    assert cole.delete(f"{url}/{learner.pk}").status_code == 404
    assert me.delete(f"{url}/{colleague.pk}").status_code == 204
    last = me.delete(f"{url}/{instructor.pk}")
    assert last.status_code == 409 and _code(last) == "last_instructor"
    assert (
        cole.patch(f"{LMS}/courses/{built.course.slug}", {"title": "x"}, format="json").status_code
        == 403
    )
