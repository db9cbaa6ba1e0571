"""Output shapes of the learner's screens: what one page needs, in one call.

Kept apart from serializers.py (the resources' shapes) because each is a page's read model:
the course page's extras, My learning's enrollments, the quiz page, the skills filter.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.lms import selectors
from apps.lms.api.serializers import AttemptOutput, CourseDetailOutput, EnrollmentOutput
from apps.lms.models import MAX_INSTRUCTORS, EnrollmentStatus, Level, RevealAnswers
from gigsy.api.representation import represent
from gigsy.api.schema import bounded_list


class CourseInstructorOutput(serializers.Serializer[Any]):
    """An instructor as a course page shows them: no email."""

    id = serializers.IntegerField()
    display_name = serializers.CharField()


class MyEnrollmentOutput(serializers.Serializer[Any]):
    """The caller's enrollment in a course, with the percent of its current cycle."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=EnrollmentStatus.choices)
    cycle = serializers.IntegerField()
    percent = serializers.SerializerMethodField()
    enrolled_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)

    def get_percent(self, enrollment: Any) -> int:
        return selectors.percent_of(enrollment)


class CoursePageExtrasOutput(serializers.Serializer[Any]):
    instructors = bounded_list(CourseInstructorOutput, max_items=MAX_INSTRUCTORS)
    my_enrollment = MyEnrollmentOutput(
        allow_null=True,
        help_text="The caller's enrollment (a withdrawn one too, with its status); null when "
        "anonymous or never enrolled.",
    )
    module_count = serializers.IntegerField()
    lesson_count = serializers.IntegerField()
    quiz_count = serializers.IntegerField()


class CoursePageOutput(CourseDetailOutput, CoursePageExtrasOutput):
    """A course page: the syllabus (CourseDetailOutput) and CoursePageExtrasOutput."""


def course_page(course: Any, extras: selectors.CoursePageExtras) -> dict[str, Any]:
    """A course page's body: `CoursePageOutput`, rendered from the course and its extras."""
    return {
        **represent(CourseDetailOutput, course),
        **represent(CoursePageExtrasOutput, extras),
    }


class EnrollmentListOutput(EnrollmentOutput):
    """An item of My learning: the enrollment, its course in brief and the progress percent
    of its current cycle."""

    course_summary = serializers.CharField(source="course.summary")
    course_level = serializers.ChoiceField(source="course.level", choices=Level.choices)
    percent = serializers.SerializerMethodField()

    def get_percent(self, enrollment: Any) -> int:
        return selectors.percent_of(enrollment)


class OpenAttemptOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="When the time limit ends; null without a time limit."
    )


class QuizStatusOutput(serializers.Serializer[Any]):
    """A learner's quiz page: the quiz's rules and where the caller stands in their current
    cycle. Reading it starts nothing."""

    quiz_id = serializers.IntegerField(source="quiz.pk")
    title = serializers.CharField(source="quiz.title")
    course = serializers.CharField(source="quiz.course.slug")
    module_id = serializers.IntegerField(source="quiz.module_id", allow_null=True)
    pass_mark_percent = serializers.IntegerField(source="quiz.pass_mark_percent")
    time_limit_seconds = serializers.IntegerField(source="quiz.time_limit_seconds", allow_null=True)
    max_attempts = serializers.IntegerField(
        source="quiz.max_attempts", allow_null=True, help_text="null: unlimited"
    )
    # A declared field: DRF's metaclass takes it out of the class, Field.required stays.
    required = serializers.BooleanField(source="quiz.required")  # type: ignore[assignment]
    question_count = serializers.IntegerField(help_text="Questions an attempt draws.")
    enrolled = serializers.BooleanField()
    attempts_used = serializers.IntegerField(
        help_text="In every cycle, the open one too: a progress reset gives no attempt back."
    )
    attempts_left = serializers.IntegerField(allow_null=True, help_text="null: unlimited")
    best_score_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="In the current cycle; null: nothing graded yet",
    )
    passed = serializers.BooleanField(help_text="In the current cycle.")
    reveal_answers = serializers.ChoiceField(
        source="quiz.reveal_answers",
        choices=RevealAnswers.choices,
        help_text="When reviews show the right answers and explanations.",
    )
    answers_revealed = serializers.BooleanField(
        help_text="Whether the caller's reviews of this quiz show them now."
    )
    open_attempt = OpenAttemptOutput(
        allow_null=True, help_text="The attempt `POST .../attempts` would resume."
    )
    can_start = serializers.BooleanField(
        help_text="Whether `POST .../attempts` would start or resume an attempt now."
    )


class AttemptSummaryOutput(AttemptOutput):
    """One of the caller's attempts in a list: no questions, no answers; with its cycle."""

    cycle = serializers.IntegerField()


class SkillOutput(serializers.Serializer[Any]):
    slug = serializers.CharField()
    course_count = serializers.IntegerField(help_text="Published courses teaching the skill.")
