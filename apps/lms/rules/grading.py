"""Grading rules for each question kind: pure functions, no database.

Answers arrive as JSON from the learner: a choice id (single), a list of choice ids
(multiple), a boolean (true/false) or a string (short answer).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from apps.lms.models import Question, QuestionKind

_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)
_SPACES = re.compile(r"\s+")


class AnswerShapeError(ValueError):
    """The answer has the wrong type for its question."""


def normalize_text(value: str) -> str:
    """Case-, accent-, punctuation- and whitespace-insensitive form of a short answer."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", stripped)).strip()


def check_shape(question: Question, answer: Any) -> None:
    choice_ids = {c["id"] for c in question.choices}
    if question.kind == QuestionKind.SINGLE:
        if not isinstance(answer, str) or answer not in choice_ids:
            raise AnswerShapeError("Expected one of the question's choice ids.")
    elif question.kind == QuestionKind.MULTIPLE:
        if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
            raise AnswerShapeError("Expected a list of choice ids.")
        if not set(answer) <= choice_ids or len(set(answer)) != len(answer):
            raise AnswerShapeError("Expected distinct choice ids of this question.")
    elif question.kind == QuestionKind.TRUE_FALSE and not isinstance(answer, bool):
        raise AnswerShapeError("Expected true or false.")
    elif question.kind == QuestionKind.SHORT and (not isinstance(answer, str) or len(answer) > 500):
        raise AnswerShapeError("Expected a text of at most 500 characters.")


def points_for(question: Question, answer: Any) -> int:
    """Points earned; the answer must already have passed `check_shape` (or be None)."""
    if answer is None:
        return 0
    correct = question.answer
    if question.kind == QuestionKind.MULTIPLE:
        right = set(answer) == set(correct)
    elif question.kind == QuestionKind.SHORT:
        if question.normalize:
            right = normalize_text(answer) in {normalize_text(a) for a in correct}
        else:
            right = answer in correct
    else:
        right = answer == correct
    return question.points if right else 0
