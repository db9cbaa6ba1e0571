"""Grading rules for each question kind: pure functions, no database.

Answers arrive as JSON from the learner: a choice id (single), a list of choice ids
(multiple), a boolean (true/false) or a string (short answer).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from apps.lms.models import Question, QuestionKind, ShortAnswerMatching

_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)
_SPACES = re.compile(r"\s+")


class AnswerShapeError(ValueError):
    """The answer has the wrong type for its question."""


def fold_case_and_spacing(value: str) -> str:
    """Case- and whitespace-insensitive form of a short answer (the default matching): the
    same text however it is composed (NFKC), case-folded, runs of spaces as one, trimmed.
    Punctuation and accents stay significant: `C#` is not `C++`, `cafe` is not `café`."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())
    return _SPACES.sub(" ", folded).strip()


def strip_punctuation(value: str) -> str:
    """Case-, accent-, punctuation- and whitespace-insensitive form of a short answer (a
    question's explicit `ignore_punctuation` matching)."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", stripped)).strip()


def short_answer_matches(answer: str, accepted: list[str], matching: str) -> bool:
    if matching == ShortAnswerMatching.EXACT:
        return answer in accepted
    form = (
        strip_punctuation
        if matching == ShortAnswerMatching.IGNORE_PUNCTUATION
        else fold_case_and_spacing
    )
    given = form(answer)
    # A key that is all punctuation folds to "" under ignore_punctuation: nothing matches it.
    return bool(given) and given in {form(a) for a in accepted}


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
        right = short_answer_matches(answer, correct, question.matching)
    else:
        right = answer == correct
    return question.points if right else 0
