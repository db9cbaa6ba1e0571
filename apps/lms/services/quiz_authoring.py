"""Authoring of assessments: question banks, questions and quizzes (a course's instructors)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.public import Principal
from apps.lms.errors import LmsError
from apps.lms.models import (
    Course,
    Module,
    Question,
    QuestionBank,
    QuestionKind,
    Quiz,
    ShortAnswerMatching,
)
from apps.lms.policies import require_editor
from apps.lms.services.learning import schedule_reevaluation
from gigsy.errors import ConflictError
from gigsy.updates import model_update, reject_unknown_fields


@transaction.atomic
def create_bank(*, course: Course, user: Principal, title: str) -> QuestionBank:
    require_editor(course=course, user=user)
    return QuestionBank.objects.create(course=course, title=title)


@transaction.atomic
def add_question(
    *,
    bank: QuestionBank,
    user: Principal,
    kind: str,
    prompt: str,
    choices: list[dict[str, str]] | None = None,
    answer: Any,
    matching: str = ShortAnswerMatching.IGNORE_CASE,
    explanation: str = "",
    points: int = 1,
) -> Question:
    require_editor(course=bank.course, user=user)
    choices = choices or []
    _check_question(kind, choices, answer)
    return Question.objects.create(
        bank=bank,
        kind=kind,
        prompt=prompt,
        choices=choices,
        answer=answer,
        matching=matching,
        explanation=explanation,
        points=points,
    )


def _check_question(kind: str, choices: list[dict[str, str]], answer: Any) -> None:
    ids = [c.get("id") for c in choices]
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if (
            len(choices) < 2
            or len(set(ids)) != len(ids)
            or not all(
                isinstance(c.get("id"), str) and isinstance(c.get("text"), str) for c in choices
            )
        ):
            raise ValidationError({"choices": ["Give 2+ choices with distinct string ids."]})
        if kind == QuestionKind.SINGLE and answer not in ids:
            raise ValidationError({"answer": ["Must be the id of one choice."]})
        if kind == QuestionKind.MULTIPLE and (
            not isinstance(answer, list)
            or not answer
            or not all(isinstance(a, str) for a in answer)  # [["a"]] is unhashable below
            or not set(answer) <= set(ids)
        ):
            raise ValidationError({"answer": ["Must be a non-empty list of choice ids."]})
    elif kind == QuestionKind.TRUE_FALSE:
        if not isinstance(answer, bool):
            raise ValidationError({"answer": ["Must be true or false."]})
    elif kind == QuestionKind.SHORT and (
        not isinstance(answer, list)
        or not answer
        or not all(isinstance(a, str) and a.strip() for a in answer)
    ):
        raise ValidationError({"answer": ["Must be a non-empty list of accepted answers."]})


QUESTION_FIELDS = ("kind", "prompt", "choices", "answer", "matching", "explanation", "points")
QUIZ_FIELDS = (
    "title",
    "bank_id",
    "module_id",
    "question_count",
    "pass_mark_percent",
    "max_attempts",
    "time_limit_seconds",
    "required",
    "reveal_answers",
)


@transaction.atomic
def update_bank(*, bank: QuestionBank, user: Principal, title: str) -> QuestionBank:
    require_editor(course=bank.course, user=user)
    bank.title = title
    bank.save(update_fields=["title"])
    return bank


@transaction.atomic
def delete_bank(*, bank: QuestionBank, user: Principal) -> None:
    require_editor(course=bank.course, user=user)
    if bank.quizzes.exists():
        raise ConflictError(
            "Quizzes draw from this bank; delete or re-point them first.", code=LmsError.BANK_IN_USE
        )
    bank.delete()


@transaction.atomic
def update_question(*, question: Question, user: Principal, **changes: Any) -> Question:
    """Edits apply to open and future attempts; graded attempts keep the points they got."""
    require_editor(course=question.bank.course, user=user)
    changed = model_update(instance=question, data=changes, fields=QUESTION_FIELDS, save=False)
    _check_question(question.kind, question.choices, question.answer)
    question.save(update_fields=changed)
    return question


@transaction.atomic
def retire_question(*, question: Question, user: Principal) -> None:
    """Never drawn again; kept so past attempts can still be reviewed."""
    require_editor(course=question.bank.course, user=user)
    if question.retired_at is None:
        question.retired_at = timezone.now()
        question.save(update_fields=["retired_at"])


def live_questions(bank: QuestionBank) -> Any:
    return bank.questions.filter(retired_at__isnull=True)


@transaction.atomic
def create_quiz(
    *, course: Course, user: Principal, bank_id: int, title: str, **options: Any
) -> Quiz:
    require_editor(course=course, user=user)
    quiz = Quiz(course=course, title=title)
    _apply_quiz_changes(quiz, {"bank_id": bank_id, **options})
    quiz.save()
    return quiz


@transaction.atomic
def update_quiz(*, quiz: Quiz, user: Principal, **changes: Any) -> Quiz:
    """Changes apply to attempts started afterwards; an open attempt keeps its deadline and
    drawn questions."""
    require_editor(course=quiz.course, user=user)
    requirement_changed = "required" in changes
    _apply_quiz_changes(quiz, changes)
    quiz.save()
    if requirement_changed:
        schedule_reevaluation(course=quiz.course)
    return quiz


@transaction.atomic
def delete_quiz(*, quiz: Quiz, user: Principal) -> None:
    require_editor(course=quiz.course, user=user)
    if quiz.attempts.exists():
        raise ConflictError(
            "Learners have attempted this quiz; make it optional instead of deleting it.",
            code=LmsError.HAS_LEARNER_PROGRESS,
        )
    quiz.delete()
    schedule_reevaluation(course=quiz.course)


def _apply_quiz_changes(quiz: Quiz, changes: dict[str, Any]) -> None:
    reject_unknown_fields(changes, QUIZ_FIELDS)
    course = quiz.course
    if "bank_id" in changes:
        bank = QuestionBank.objects.filter(pk=changes.pop("bank_id"), course=course).first()
        if bank is None:
            raise ValidationError({"bank_id": ["No such question bank in this course."]})
        quiz.bank = bank
    if "module_id" in changes:
        module_id = changes.pop("module_id")
        module = None
        if module_id is not None:
            module = Module.objects.filter(pk=module_id, course=course).first()
            if module is None:
                raise ValidationError({"module_id": ["No such module in this course."]})
        quiz.module = module
    for name, value in changes.items():
        setattr(quiz, name, value)
    if quiz.question_count is not None:
        available = live_questions(quiz.bank).count()
        if quiz.question_count > available:
            raise ValidationError({"question_count": [f"The bank has only {available} questions."]})
