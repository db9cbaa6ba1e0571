"""The beat sweep settles quiz attempts whose time limit passed: graded 0, failed, one event."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.lms.models import Enrollment, QuizAttempt
from apps.lms.services.quizzes import GRACE, settle_expired_attempts
from apps.lms.tasks import settle_expired_attempts as sweep_task
from gigsy.events import Event
from gigsy.events.models import OutboxEvent
from tests.lms.conftest import answers, build_course, client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"


@pytest.fixture
def timed(instructor):
    return build_course(instructor, slug="timed", time_limit_seconds=60)


def enrolled(user, built):
    client = client_for(user)
    assert client.post(f"{LMS}/courses/{built.course.slug}/enrollment").status_code == 201
    return client


def start(client, built) -> int:
    response = client.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def expire(attempt_id: int, *, ago: timedelta = timedelta(seconds=5)) -> None:
    QuizAttempt.objects.filter(pk=attempt_id).update(deadline=timezone.now() - ago)


def quiz_events(event_type: str = "quiz.failed") -> list[Event]:
    rows = OutboxEvent.objects.filter(event_type=event_type).order_by("id")
    return [Event.from_json(bytes(row.payload)) for row in rows]


def test_an_expired_attempt_is_settled_as_failed_with_one_event(timed, learner):
    attempt_id = start(enrolled(learner, timed), timed)
    expire(attempt_id)

    assert settle_expired_attempts() == 1

    attempt = QuizAttempt.objects.get(pk=attempt_id)
    assert attempt.submitted_at is not None
    assert attempt.passed is False
    assert attempt.score_percent == 0
    assert attempt.answers == {}
    assert set(attempt.results.values()) == {0}
    [event] = quiz_events()
    assert event.data["attempt_id"] == str(attempt_id)
    assert event.data["user_id"] == str(learner.pk)
    assert event.data["score"] == 0
    assert quiz_events("quiz.passed") == []


def test_open_and_submitted_attempts_are_left_alone(timed, learner, other_learner):
    running = start(enrolled(learner, timed), timed)
    other = enrolled(other_learner, timed)
    submitted = start(other, timed)
    response = other.post(
        f"{LMS}/attempts/{submitted}/submit", {"answers": answers(timed)}, format="json"
    )
    assert response.status_code == 200
    expire(submitted)  # its time is up, but it was submitted in time
    before = {a.pk: (a.submitted_at, a.score_percent) for a in QuizAttempt.objects.all()}

    assert settle_expired_attempts() == 0

    after = {a.pk: (a.submitted_at, a.score_percent) for a in QuizAttempt.objects.all()}
    assert after == before
    assert after[running][0] is None
    assert quiz_events() == []
    assert len(quiz_events("quiz.passed")) == 1  # the other learner's own submission


def test_the_grace_period_is_honoured(timed, learner):
    attempt_id = start(enrolled(learner, timed), timed)
    deadline = QuizAttempt.objects.get(pk=attempt_id).deadline

    assert settle_expired_attempts(now=deadline + GRACE) == 0
    assert QuizAttempt.objects.get(pk=attempt_id).submitted_at is None
    assert settle_expired_attempts(now=deadline + GRACE + timedelta(milliseconds=1)) == 1


def test_sweeping_twice_settles_once(timed, learner):
    attempt_id = start(enrolled(learner, timed), timed)
    expire(attempt_id)

    assert settle_expired_attempts() == 1
    settled_at = QuizAttempt.objects.get(pk=attempt_id).submitted_at
    assert settle_expired_attempts() == 0

    assert QuizAttempt.objects.get(pk=attempt_id).submitted_at == settled_at
    assert len(quiz_events()) == 1


def test_an_attempt_without_a_time_limit_never_expires(built, learner):
    attempt_id = start(enrolled(learner, built), built)
    assert QuizAttempt.objects.get(pk=attempt_id).deadline is None

    assert settle_expired_attempts(now=timezone.now() + timedelta(days=365)) == 0

    assert QuizAttempt.objects.get(pk=attempt_id).submitted_at is None
    assert quiz_events() == []


def test_a_late_submit_after_the_sweep_is_409_and_nothing_is_recorded_twice(timed, learner):
    me = enrolled(learner, timed)
    attempt_id = start(me, timed)
    expire(attempt_id)
    assert settle_expired_attempts() == 1

    late = me.post(
        f"{LMS}/attempts/{attempt_id}/submit", {"answers": answers(timed)}, format="json"
    )

    assert late.status_code == 409
    assert late.json()["error"]["code"] == "already_submitted"
    attempt = QuizAttempt.objects.get(pk=attempt_id)
    assert (attempt.passed, attempt.score_percent, attempt.answers) == (False, 0, {})
    assert len(quiz_events()) == 1
    assert quiz_events("quiz.passed") == []
    # The learner sees the settled attempt as a failed one.
    review = me.get(f"{LMS}/attempts/{attempt_id}").json()
    assert review["passed"] is False


def test_a_settled_attempt_counts_toward_the_attempt_limit(instructor, learner):
    built = build_course(instructor, slug="once", max_attempts=1, time_limit_seconds=60)
    me = enrolled(learner, built)
    expire(start(me, built))
    assert settle_expired_attempts() == 1

    again = me.post(f"{LMS}/quizzes/{built.quiz.pk}/attempts")

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "no_attempts_left"
    assert QuizAttempt.objects.count() == 1
    assert len(quiz_events()) == 1


def test_starting_again_after_the_sweep_does_not_settle_twice(timed, learner):
    me = enrolled(learner, timed)
    first = start(me, timed)
    expire(first)
    assert settle_expired_attempts() == 1

    second = start(me, timed)

    assert second != first
    assert QuizAttempt.objects.get(pk=second).number == 2
    assert len(quiz_events()) == 1


def test_limit_bounds_one_sweep_and_the_next_sweep_takes_the_rest(timed, learner, other_learner):
    for user in (learner, other_learner):
        expire(start(enrolled(user, timed), timed))

    assert settle_expired_attempts(limit=1) == 1
    assert settle_expired_attempts(limit=1) == 1
    assert settle_expired_attempts(limit=1) == 0
    assert len(quiz_events()) == 2


def test_the_celery_task_returns_the_count(timed, learner, other_learner):
    for user in (learner, other_learner):
        expire(start(enrolled(user, timed), timed))

    assert sweep_task.apply().get() == 2
    assert sweep_task() == 0
    assert sweep_task.name == "lms.settle_expired_attempts"


def test_the_sweep_is_scheduled_by_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["lms.settle_expired_attempts"]
    assert entry["task"] == sweep_task.name
    assert entry["schedule"] == settings.LMS_EXPIRED_ATTEMPT_SWEEP_SECONDS > 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locked", ["attempt", "enrollment"])
def test_a_row_held_by_another_transaction_is_skipped_not_waited_for(instructor, learner, locked):
    """A submit holds the attempt; a start (or lesson completion) holds the enrollment."""
    built = build_course(instructor, slug="timed", time_limit_seconds=60)
    attempt_id = start(enrolled(learner, built), built)
    expire(attempt_id)
    holding, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                if locked == "attempt":
                    QuizAttempt.objects.select_for_update().get(pk=attempt_id)
                else:
                    Enrollment.objects.select_for_update().get(user=learner)
                holding.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        assert settle_expired_attempts() == 0  # returns at once instead of blocking
        assert QuizAttempt.objects.get(pk=attempt_id).submitted_at is None
    finally:
        release.set()
        holder.join(timeout=10)

    assert settle_expired_attempts() == 1
    assert len(quiz_events()) == 1
