"""Idempotent demo content: two published courses by the demo instructor, with a quiz each."""

from __future__ import annotations

from typing import Any, TypedDict

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.lms.models import Course
from apps.lms.services import authoring, quiz_authoring

INSTRUCTOR = "instructor1@demo.gigsy.local"


class CourseSpec(TypedDict):
    slug: str
    title: str
    summary: str
    level: str
    skills: list[str]
    lessons: list[tuple[str, str]]  # (title, body)
    questions: list[tuple[str, str, list[dict[str, str]], Any]]  # (kind, prompt, choices, answer)


COURSES: list[CourseSpec] = [
    {
        "slug": "python-foundations",
        "title": "Python Foundations",
        "summary": "Variables, functions and tests: enough Python to take your first gig.",
        "level": "beginner",
        "skills": ["python", "testing"],
        "lessons": [
            ("Hello, Python", "print('hello')"),
            ("Functions", "def add(a, b): ..."),
            ("Testing with pytest", "assert add(1, 2) == 3"),
        ],
        "questions": [
            (
                "single",
                "Which keyword defines a function?",
                [{"id": "a", "text": "func"}, {"id": "b", "text": "def"}],
                "b",
            ),
            ("true_false", "pytest discovers files named test_*.py.", [], True),
            ("short", "What does `len([1, 2, 3])` return?", [], ["3", "three"]),
        ],
    },
    {
        "slug": "freelance-basics",
        "title": "Freelancing Basics",
        "summary": "Scope a gig, agree milestones, get paid through escrow.",
        "level": "beginner",
        "skills": ["communication", "project-management"],
        "lessons": [("Reading a gig", "..."), ("Milestones and escrow", "...")],
        "questions": [
            (
                "multiple",
                "Which belong in a milestone?",
                [
                    {"id": "a", "text": "A deliverable"},
                    {"id": "b", "text": "An amount"},
                    {"id": "c", "text": "Your password"},
                ],
                ["a", "b"],
            ),
        ],
    },
]


class Command(BaseCommand):
    help = "Create demo courses (idempotent). Needs the demo instructor from seed_demo."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        instructor = get_user_model().objects.filter(email=INSTRUCTOR).first()
        if instructor is None:
            self.stdout.write("No demo instructor; run seed_demo first.")
            return
        created = 0
        for spec in COURSES:
            if Course.objects.filter(slug=spec["slug"]).exists():
                continue
            course = authoring.create_course(
                author=instructor,
                title=spec["title"],
                slug=spec["slug"],
                summary=spec["summary"],
                level=spec["level"],
                skills=spec["skills"],
            )
            module = authoring.add_module(course=course, user=instructor, title="Essentials")
            for title, body in spec["lessons"]:
                authoring.add_lesson(module=module, user=instructor, title=title, body=body)
            bank = quiz_authoring.create_bank(course=course, user=instructor, title="Check-up")
            for kind, prompt, choices, answer in spec["questions"]:
                quiz_authoring.add_question(
                    bank=bank,
                    user=instructor,
                    kind=kind,
                    prompt=prompt,
                    choices=choices,
                    answer=answer,
                )
            quiz_authoring.create_quiz(
                course=course,
                user=instructor,
                bank_id=bank.pk,
                title="Check-up",
                pass_mark_percent=60,
                max_attempts=5,
            )
            authoring.publish_course(course=course, user=instructor)
            created += 1
        self.stdout.write(f"Demo courses: {created} created, {len(COURSES) - created} existed.")
