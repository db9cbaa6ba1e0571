"""A small published course built through the services, and clients for its people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.lms.models import Course, Lesson, Quiz
from apps.lms.services import authoring, quiz_authoring
from tests.conftest import obtain_tokens
from tests.factories import UserFactory


@dataclass
class BuiltCourse:
    course: Course
    lessons: list[Lesson]
    quiz: Quiz
    question_ids: dict[str, int]


def client_for(user: Any) -> APIClient:
    client = APIClient()
    tokens = obtain_tokens(APIClient(), user.email)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client


@pytest.fixture
def instructor(db: Any) -> Any:
    return UserFactory(email="ines@example.com", role="instructor", display_name="Ines")


@pytest.fixture
def learner(db: Any) -> Any:
    return UserFactory(email="lea@example.com", role="learner", display_name="Lea Learner")


@pytest.fixture
def other_learner(db: Any) -> Any:
    return UserFactory(email="otto@example.com", role="learner", display_name="Otto")


def verify_instructor(user: Any) -> None:
    """What an operator's "verify instructor" admin action records (docs/decisions/0011): the
    platform then signs Open Badges for certificates of the courses this user creates."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    get_user_model().objects.filter(pk=user.pk).update(
        instructor_verified_at=timezone.now(), instructor_verification_reason="Checked."
    )


def build_course(
    instructor: Any,
    *,
    slug: str = "python-basics",
    max_attempts: int | None = 3,
    time_limit_seconds: int | None = None,
    publish: bool = True,
) -> BuiltCourse:
    course = authoring.create_course(
        author=instructor,
        title="Python Basics",
        slug=slug,
        summary="Learn Python",
        level="beginner",
        skills=["python", "testing"],
    )
    module = authoring.add_module(course=course, user=instructor, title="Start")
    lessons = [
        authoring.add_lesson(module=module, user=instructor, title="Hello", body="print()"),
        authoring.add_lesson(module=module, user=instructor, title="Loops", body="for"),
        authoring.add_lesson(
            module=module, user=instructor, title="Extra", body="...", required=False
        ),
    ]
    bank = quiz_authoring.create_bank(course=course, user=instructor, title="Basics")
    questions = {
        "single": quiz_authoring.add_question(
            bank=bank,
            user=instructor,
            kind="single",
            prompt="2+2?",
            choices=[{"id": "a", "text": "3"}, {"id": "b", "text": "4"}],
            answer="b",
        ),
        "multiple": quiz_authoring.add_question(
            bank=bank,
            user=instructor,
            kind="multiple",
            prompt="Even numbers?",
            choices=[{"id": "a", "text": "2"}, {"id": "b", "text": "3"}, {"id": "c", "text": "4"}],
            answer=["a", "c"],
        ),
        "true_false": quiz_authoring.add_question(
            bank=bank, user=instructor, kind="true_false", prompt="Python is typed?", answer=True
        ),
        "short": quiz_authoring.add_question(
            bank=bank,
            user=instructor,
            kind="short",
            prompt="Keyword to define a function?",
            answer=["def"],
            explanation="def starts a function.",
        ),
    }
    quiz = quiz_authoring.create_quiz(
        course=course,
        user=instructor,
        bank_id=bank.pk,
        title="Check",
        pass_mark_percent=75,
        max_attempts=max_attempts,
        time_limit_seconds=time_limit_seconds,
    )
    if publish:
        course = authoring.publish_course(course=course, user=instructor)
    return BuiltCourse(
        course=course,
        lessons=lessons,
        quiz=quiz,
        question_ids={k: q.pk for k, q in questions.items()},
    )


CORRECT = {"single": "b", "multiple": ["c", "a"], "true_false": True, "short": "  DEF "}


def answers(built: BuiltCourse, **overrides: Any) -> dict[str, Any]:
    chosen = {**CORRECT, **overrides}
    return {str(built.question_ids[k]): v for k, v in chosen.items() if v is not None}


@pytest.fixture
def built(instructor: Any) -> BuiltCourse:
    return build_course(instructor)
