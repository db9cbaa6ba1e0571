"""Quiz attempts: start (draw questions), submit (grade on the server), expire.

Attempt state machine (who: the learner themself):
    started --submit before deadline--> graded (passed | failed)
    started --deadline passes--> expired (graded 0, failed; settled by the beat sweep
                                 settle_expired_attempts, or when the learner next starts
                                 an attempt, whichever comes first)
    started --the learner resets the course's progress--> graded (0, failed: it counts)
Late submissions are rejected. Correct answers are never returned before submission, and
after it only as the quiz's `reveal_answers` allows (selectors.answers_revealed).

The attempt cap (`max_attempts`) holds per learner and quiz over every progress cycle: a reset
starts the lessons and quizzes over but gives no attempt back, and attempt numbers go on
(ADR 0018).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.public import Principal, user_id_of
from apps.lms.errors import LmsError
from apps.lms.models import (
    CourseStatus,
    Enrollment,
    EnrollmentStatus,
    Question,
    Quiz,
    QuizAttempt,
)
from apps.lms.rules.attempts import GRACE, expired
from apps.lms.rules.grading import AnswerShapeError, check_shape, points_for
from apps.lms.services.learning import complete_if_done
from gigsy.errors import ConflictError, NotFoundError
from gigsy.events import publish

_random = random.SystemRandom()


@transaction.atomic
def start_attempt(*, quiz: Quiz, user: Principal) -> tuple[QuizAttempt, bool]:
    """Start an attempt, or resume the one still open (a double click starts one).
    Returns (attempt, created): created is False when an open attempt was resumed."""
    if quiz.course.status == CourseStatus.DRAFT:
        raise NotFoundError("No such quiz.")
    user_id = user_id_of(user)
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(course=quiz.course_id, user_id=user_id)
        .first()
    )
    if enrollment is None or enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise ConflictError("Enroll in the course first.", code=LmsError.NOT_ENROLLED)
    open_attempt = QuizAttempt.objects.filter(
        quiz=quiz, user_id=user_id, submitted_at__isnull=True
    ).first()
    if open_attempt is not None:
        if not _expired(open_attempt):
            return open_attempt, False
        _grade(open_attempt, answers={}, now=timezone.now())
    # Every cycle's attempts: a progress reset gives none back (the enrollment's row lock
    # serializes this count with the create below and with a reset).
    used = QuizAttempt.objects.filter(quiz=quiz, user_id=user_id).count()
    if quiz.max_attempts is not None and used >= quiz.max_attempts:
        raise ConflictError(
            f"All {quiz.max_attempts} attempts are used.", code=LmsError.NO_ATTEMPTS_LEFT
        )
    question_ids = list(
        quiz.bank.questions.filter(retired_at__isnull=True).values_list("id", flat=True)
    )
    if not question_ids:
        raise ConflictError("This quiz has no questions yet.", code=LmsError.EMPTY_QUIZ)
    if quiz.question_count:
        question_ids = _random.sample(question_ids, min(quiz.question_count, len(question_ids)))
    now = timezone.now()
    deadline = now + timedelta(seconds=quiz.time_limit_seconds) if quiz.time_limit_seconds else None
    try:
        with transaction.atomic():
            attempt = QuizAttempt.objects.create(
                quiz=quiz,
                user_id=user_id,
                enrollment=enrollment,
                cycle=enrollment.cycle,
                number=used + 1,
                question_ids=question_ids,
                deadline=deadline,
            )
    except IntegrityError:  # a concurrent start won: resume its attempt
        return (
            QuizAttempt.objects.get(quiz=quiz, user_id=user_id, submitted_at__isnull=True),
            False,
        )
    return attempt, True


@dataclass(frozen=True)
class GradedAttempt:
    attempt: QuizAttempt
    questions: list[Question]  # in the attempt's order, for the review


@transaction.atomic
def submit_attempt(*, attempt_id: int, user: Principal, answers: dict[str, Any]) -> GradedAttempt:
    # Lock the attempt only: a join would also lock the quiz row and serialize every
    # learner's submission to the same quiz. Someone else's attempt is as missing as none.
    attempt = (
        QuizAttempt.objects.select_for_update(of=("self",))
        .select_related("quiz__course", "quiz__bank")
        .filter(pk=attempt_id, user_id=user_id_of(user))
        .first()
    )
    if attempt is None:
        raise NotFoundError("No such attempt.")
    if attempt.submitted_at is not None:
        raise ConflictError("This attempt was already submitted.", code=LmsError.ALREADY_SUBMITTED)
    now = timezone.now()
    if _expired(attempt, now=now):
        raise ConflictError(
            "The time limit has passed; the attempt can no longer be submitted.",
            code=LmsError.TIME_LIMIT_EXCEEDED,
        )
    questions = _questions(attempt)
    _check_answers(questions, answers)
    _grade(attempt, answers=answers, now=now, questions=questions)
    ordered = [questions[str(qid)] for qid in attempt.question_ids if str(qid) in questions]
    return GradedAttempt(attempt, ordered)


def _expired(attempt: QuizAttempt, *, now: Any = None) -> bool:
    return expired(deadline=attempt.deadline, now=now or timezone.now())


def _questions(attempt: QuizAttempt) -> dict[str, Question]:
    return {str(q.pk): q for q in Question.objects.filter(pk__in=attempt.question_ids)}


def _check_answers(questions: dict[str, Question], answers: dict[str, Any]) -> None:
    """Each answer's shape for its question; errors keyed `answers.<question id>`, the path of
    the answer in the request (as the API's own field errors are)."""
    errors: dict[str, list[str]] = {}
    for key, answer in answers.items():
        question = questions.get(key)
        if question is None:
            errors[f"answers.{key}"] = ["This question is not part of the attempt."]
            continue
        try:
            check_shape(question, answer)
        except AnswerShapeError as exc:
            errors[f"answers.{key}"] = [str(exc)]
    if errors:
        raise ValidationError(errors)


def _grade(
    attempt: QuizAttempt,
    *,
    answers: dict[str, Any],
    now: Any,
    questions: dict[str, Question] | None = None,
) -> QuizAttempt:
    questions = questions if questions is not None else _questions(attempt)
    results = {key: points_for(q, answers.get(key)) for key, q in questions.items()}
    possible = sum(q.points for q in questions.values()) or 1
    score = (Decimal(100 * sum(results.values())) / possible).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    quiz = attempt.quiz
    attempt.answers = answers
    attempt.results = results
    attempt.score_percent = score
    attempt.passed = score >= quiz.pass_mark_percent
    attempt.submitted_at = now
    attempt.save(update_fields=["answers", "results", "score_percent", "passed", "submitted_at"])
    course = quiz.course
    publish(
        "quiz.passed" if attempt.passed else "quiz.failed",
        {
            "user_id": str(attempt.user_id),
            "course_id": str(course.pk),
            "quiz_id": str(quiz.pk),
            "attempt_id": str(attempt.pk),
            "score": float(score),
            "skills": list(course.skills),
        },
        producer="lms",
    )
    if attempt.passed:
        enrollment = Enrollment.objects.select_for_update().get(pk=attempt.enrollment_id)
        if enrollment.cycle == attempt.cycle:
            complete_if_done(enrollment=enrollment)
    return attempt


def forfeit_open_attempts(*, enrollment: Enrollment) -> int:
    """Grade the enrollment's open attempts as submitted with no answer (0, failed): a progress
    reset counts the attempt the learner has seen instead of deleting it. The caller holds the
    enrollment's row lock. An attempt another transaction holds (a submit in flight) is
    skipped, not waited for: that submit grades it, and waiting could deadlock with it (a
    passing submit locks the enrollment next). Returns how many were forfeited."""
    now = timezone.now()
    open_attempts = (
        QuizAttempt.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("quiz__course")
        .filter(enrollment=enrollment, submitted_at__isnull=True)
    )
    forfeited = 0
    for attempt in open_attempts:
        _grade(attempt, answers={}, now=now)
        forfeited += 1
    return forfeited


def settle_expired_attempts(*, now: Any = None, limit: int = 500) -> int:
    """Grade open attempts whose time limit has passed (0 points, failed); return how many.

    Run by the beat sweep (task "lms.settle_expired_attempts"), so a learner who walks away
    still gets a `quiz.failed`; `start_attempt` keeps settling lazily as well. Each attempt is
    settled in its own transaction. Attempts that another transaction holds are skipped, not
    waited for, and picked up by the next sweep: a submit in flight wins, and a second
    sweeper never grades the same attempt twice. Running it again settles nothing new.
    """
    now = now or timezone.now()
    due = list(
        QuizAttempt.objects.filter(submitted_at__isnull=True, deadline__lt=now - GRACE)
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(_settle_expired(attempt_id=attempt_id, now=now) for attempt_id in due)


@transaction.atomic
def _settle_expired(*, attempt_id: int, now: Any) -> bool:
    # Lock the enrollment too: start_attempt serializes on it and settles the open attempt
    # it read without locking that attempt, so it must wait for us and then see it settled.
    attempt = (
        QuizAttempt.objects.select_for_update(skip_locked=True, of=("self", "enrollment"))
        .select_related("enrollment", "quiz__course")
        .filter(pk=attempt_id, submitted_at__isnull=True)
        .first()
    )
    if attempt is None or not _expired(attempt, now=now):
        return False  # submitted meanwhile, or busy in another transaction: next sweep
    _grade(attempt, answers={}, now=now)
    return True
