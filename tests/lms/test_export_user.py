"""`apps.lms.public.export_user`: what lms holds about a person, for their data export
(issue 11; gigsy.privacy writes it as lms.json in the archive)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.lms import public
from apps.lms.certificates.links import verify_url
from apps.lms.models import Certificate, Enrollment, QuizAttempt
from apps.lms.services import learning
from tests.factories import UserFactory
from tests.lms.conftest import build_course
from tests.lms.someone_everywhere import LEA_EMAIL, LEA_NAME, World, build_world, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(instructor: Any, other_learner: Any, settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = tmp_path
    return build_world(instructor, other_learner)


@pytest.fixture
def export(world: World) -> dict[str, Any]:
    data = public.export_user(world.lea.pk)
    # What the archive writes: plain JSON, nothing left for an encoder to guess.
    return json.loads(json.dumps(data))


def test_the_learner_copy_and_enrollments(world: World, export: dict[str, Any]) -> None:
    assert export["learner profile"]["display name"] == LEA_NAME
    assert export["learner profile"]["email"] == LEA_EMAIL
    [enrollment] = export["enrollments"]
    stored = Enrollment.objects.get(user=world.lea)
    assert enrollment == {
        "course id": world.ines_course.course.pk,
        "course slug": "ines-course",
        "course title": "Python Basics",
        "status": "completed",
        "enrolled at": stored.enrolled_at.isoformat(),
        "completed at": stored.completed_at.isoformat(),
        "progress cycle": 1,
        "progress percent": 100,
        "share email with instructors": True,
    }


def test_lesson_progress(world: World, export: dict[str, Any]) -> None:
    lessons = export["lesson progress"]
    assert [(row["course slug"], row["lesson title"]) for row in lessons] == [
        ("ines-course", "Hello"),
        ("ines-course", "Loops"),
    ]
    assert lessons[0]["module title"] == "Start"
    assert lessons[0]["lesson id"] == world.ines_course.lessons[0].pk
    assert lessons[0]["completed at"]


def test_quiz_attempts_with_the_answers_as_given(world: World, export: dict[str, Any]) -> None:
    failed, passed = export["quiz attempts"]
    assert (failed["attempt number"], failed["passed"], failed["score percent"]) == (
        1,
        False,
        "50.00",
    )
    assert (passed["attempt number"], passed["passed"], passed["score percent"]) == (
        2,
        True,
        "100.00",
    )
    assert failed["quiz title"] == "Check"
    assert failed["course slug"] == "ines-course"
    assert failed["submitted at"] and failed["started at"]
    by_question = {a["question"]: a for a in failed["answers"]}
    assert by_question["2+2?"]["your answer"] == "a"
    assert by_question["2+2?"]["choices"] == [{"id": "a", "text": "3"}, {"id": "b", "text": "4"}]
    assert by_question["2+2?"]["points earned"] == 0
    assert by_question["Keyword to define a function?"]["your answer"] == "lambda"
    assert by_question["Even numbers?"]["your answer"] == ["c", "a"]
    assert by_question["Even numbers?"]["points earned"] == 1
    # The answer key and explanations are the course's, not the learner's.
    keys = {"question id", "question", "choices", "your answer", "points earned"}
    assert all(set(entry) == keys for entry in failed["answers"] + passed["answers"])


def test_certificates(world: World, export: dict[str, Any]) -> None:
    [certificate] = export["certificates"]
    stored = Certificate.objects.get(pk=world.lea_certificate.pk)
    assert certificate == {
        "course slug": "ines-course",
        "course title": "Python Basics",
        "name on certificate": LEA_NAME,
        "verify code": stored.verify_code,
        "verify url": verify_url(stored.verify_code),
        "issued at": stored.issued_at.isoformat(),
        "issued by": "Ines",
        "revoked at": None,
        "revoke reason": None,
    }
    assert certificate["verify url"].endswith(f"/api/v1/certificates/verify/{stored.verify_code}")


def test_invitations_received_and_sent(world: World, export: dict[str, Any]) -> None:
    received = [
        (i["course slug"], i["invited by"], i["status"]) for i in export["invitations received"]
    ]
    assert received == [("ines-course", "Ines", "accepted"), ("ines-other", "Ines", "pending")]
    sent = [(i["course slug"], i["invitee email"], i["status"]) for i in export["invitations sent"]]
    assert sent == [
        ("lea-shared", "ines@example.com", "accepted"),
        ("lea-shared", "someone@example.com", "pending"),
    ]
    assert all(i["invited by"] == LEA_NAME for i in export["invitations sent"])
    assert export["invitations received"][0]["answered at"]


def test_courses_taught(world: World, export: dict[str, Any]) -> None:
    taught = {c["course slug"]: (c["role"], c["course status"]) for c in export["courses taught"]}
    assert taught == {
        "ines-course": ("co-instructor", "published"),
        "lea-shared": ("owner", "published"),
        "lea-solo": ("owner", "published"),
        "lea-draft": ("owner", "draft"),
    }


def test_nothing_of_anyone_else(world: World, export: dict[str, Any]) -> None:
    text = json.dumps(export)
    assert "Otto" not in text and "otto@example.com" not in text
    assert "Wanda" not in text
    others = QuizAttempt.objects.exclude(user=world.lea).count()
    assert others > 0 and len(export["quiz attempts"]) == 2


def test_someone_lms_knows_nothing_about(db: Any) -> None:
    stranger = UserFactory()
    assert public.export_user(stranger.pk) == {
        "learner profile": None,
        "enrollments": [],
        "lesson progress": [],
        "quiz attempts": [],
        "certificates": [],
        "invitations received": [],
        "invitations sent": [],
        "courses taught": [],
    }


def test_the_query_count_does_not_grow_with_the_data(world: World) -> None:
    with CaptureQueriesContext(connection) as before:
        public.export_user(world.lea.pk)

    # Twice the learning: three more courses, each enrolled, a lesson done and attempts made.
    for n in range(3):
        more = build_course(world.ines, slug=f"more-{n}")
        learning.enroll(course=more.course, user=world.lea)
        learning.complete_lesson(lesson=more.lessons[0], user=world.lea)
        submit(more, world.lea, single="a")
        submit(more, world.lea)
    with CaptureQueriesContext(connection) as after:
        data = public.export_user(world.lea.pk)

    assert len(data["quiz attempts"]) == 8
    assert len(after.captured_queries) == len(before.captured_queries) == 10
